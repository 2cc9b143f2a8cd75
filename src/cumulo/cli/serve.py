"""``cumulo serve``: run a management server node."""

from __future__ import annotations

import logging
import os
import signal
import socket
from types import FrameType

import click
import uvicorn
from uvicorn.supervisors.multiprocess import Multiprocess

from cumulo.cli.context import (
    deploy_schema,
    load_settings,
    print_credentials,
    schema_is_current,
)
from cumulo.cluster.node import NodeAgent
from cumulo.db.engine import is_sqlite
from cumulo.http.app import create_app
from cumulo.jobs.wakeup import WakeupListener
from cumulo.runtime import Runtime
from cumulo.services.bootstrap import bootstrap
from cumulo.services.generation import Generation
from cumulo.services.regions import local_endpoint
from cumulo.settings import Settings

log = logging.getLogger("cumulo")


@click.command()
@click.option("--config", type=click.Path(dir_okay=False), help="TOML configuration file")
@click.option("--host", help="bind address (default 127.0.0.1)")
@click.option("--port", type=int, help="HTTP port (default 8080)")
@click.option("--workers", type=int, help="HTTP worker processes (default 1)")
@click.option("--dev", is_flag=True, default=None, help="well-known admin password 'password'")
@click.option(
    "--demo", is_flag=True, help="after start-up, build a two-cluster simulator zone (idempotent)"
)
def serve(
    config: str | None,
    host: str | None,
    port: int | None,
    workers: int | None,
    dev: bool | None,
    demo: bool,
) -> None:
    """Start a management server node on the configured database."""
    settings = load_settings(config, host=host, port=port, workers=workers, dev=dev)
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    url = settings.effective_database_url
    if is_sqlite(url) and not settings.effective_cluster_key_file.exists():
        # The embedded default needs nothing: the first start sets everything up.
        _, creds = deploy_schema(settings)
        if creds:
            print_credentials(creds)
    generation_file = None
    if settings.workers > 1:
        # One stamp for the parent and its workers (services/generation.py).
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        generation_file = Generation.create_file(
            settings.data_dir / f"auth-generation-{os.getpid()}"
        )
        settings = settings.model_copy(update={"node_generation_file": generation_file})
    try:
        _run_node(settings, url, demo)
    finally:
        if generation_file is not None:
            generation_file.unlink(missing_ok=True)


def _run_node(settings: Settings, url: str, demo: bool) -> None:
    rt = Runtime.open(settings)
    if not schema_is_current(rt):
        if is_sqlite(url):
            rt.close()
            deploy_schema(settings)
            rt = Runtime.open(settings)
        else:
            raise click.ClickException(
                "the database schema is missing or out of date; run `cumulo db deploy` first"
            )
    endpoint = local_endpoint(settings.service_ip, settings.port)
    creds = rt.db.run(lambda s: bootstrap(s, rt.secrets, dev=settings.dev, endpoint=endpoint))
    if creds:
        print_credentials(creds)
    agent = NodeAgent(rt)
    agent.start()
    if demo:
        from cumulo.tools.zone_deploy.demo import start_demo

        start_demo(rt, settings.host, settings.port)
    try:
        if settings.workers <= 1:
            _serve_single(rt, agent)
        else:
            _serve_workers(rt, agent, url)
    finally:
        agent.stop()
        rt.close()
    if agent.fenced.is_set():
        raise SystemExit(f"stopped: {agent.fence_reason}")


class _DrainingServer(uvicorn.Server):
    """SIGTERM drains the node first (running jobs finish), then the server exits."""

    def __init__(self, config: uvicorn.Config, agent: NodeAgent) -> None:
        super().__init__(config)
        self.agent = agent
        self._draining = False

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if sig == signal.SIGTERM and not self._draining:
            self._draining = True
            self.agent.request_shutdown()
            return
        super().handle_exit(sig, frame)


class _DrainingSupervisor(Multiprocess):
    def __init__(self, config: uvicorn.Config, sockets: list[socket.socket], agent: NodeAgent):
        super().__init__(config, sockets)
        self.agent = agent
        self._draining = False

    def handle_term(self) -> None:
        if self._draining:
            self.should_exit.set()
            return
        self._draining = True
        log.info("SIGTERM: draining before exit")
        self.agent.request_shutdown()


def _serve_single(rt: Runtime, agent: NodeAgent) -> None:
    s = rt.settings
    server = _DrainingServer(
        uvicorn.Config(
            create_app(rt),
            host=s.host,
            port=s.port,
            log_level=s.log_level,
            access_log=False,
            lifespan="off",
        ),
        agent,
    )
    agent.on_exit = lambda: setattr(server, "should_exit", True)
    server.run()


def _serve_workers(rt: Runtime, agent: NodeAgent, url: str) -> None:
    s = rt.settings
    wakeup = WakeupListener(rt)
    # Worker processes read the same settings from the environment.
    os.environ.update(
        {
            "CUMULO_DATA_DIR": str(s.data_dir),
            "CUMULO_DATABASE_URL": url,
            "CUMULO_NODE_NAME": s.node_name,
            "CUMULO_CLUSTER_KEY_FILE": str(s.effective_cluster_key_file),
            "CUMULO_JOB_WAKEUP_PORT": str(wakeup.start()),
        }
    )
    if s.node_generation_file is not None:
        os.environ["CUMULO_NODE_GENERATION_FILE"] = str(s.node_generation_file)
    config = uvicorn.Config(
        "cumulo.http.app:worker_app",
        factory=True,
        host=s.host,
        port=s.port,
        workers=s.workers,
        log_level=s.log_level,
        access_log=False,
        lifespan="off",
        # Uvicorn kills a worker that does not answer its health ping within
        # this time, also while it is still starting; on a busy host the
        # default 5 s killed every worker before it finished importing.
        timeout_worker_healthcheck=60,
    )
    supervisor = _DrainingSupervisor(config, [config.bind_socket()], agent)
    agent.on_exit = supervisor.should_exit.set
    try:
        supervisor.run()
    finally:
        wakeup.close()
