"""`cumulo serve --demo`: once this node answers, build the demo zone against itself."""

from __future__ import annotations

import logging
import threading
import time
import urllib.request
from importlib import resources

from cumulo.runtime import Runtime
from cumulo.services.admin_keys import user_keys
from cumulo.tools.zone_deploy.client import CloudStackClient
from cumulo.tools.zone_deploy.deployer import Deployer, DeployError
from cumulo.tools.zone_deploy.spec import SpecError, load_spec

log = logging.getLogger("cumulo.demo")


def demo_spec_path() -> str:
    return str(resources.files("cumulo.data").joinpath("demo-zone.toml"))


def start_demo(rt: Runtime, host: str, port: int) -> threading.Thread:
    """Deploy the demo zone in the background through this node's own API."""
    local = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    base = f"http://{local}:{port}"
    thread = threading.Thread(target=_run, args=(rt, base), name="demo-zone", daemon=True)
    thread.start()
    return thread


def _run(rt: Runtime, base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=2) as resp:
                if resp.status == 200:
                    break
        except OSError:
            pass
        time.sleep(0.2)
    try:
        apikey, secret = rt.db.run(lambda s: user_keys(s, rt.secrets, "admin", "/"))
        deployer = Deployer(CloudStackClient(f"{base}/client/api", apikey, secret), log=log.info)
        deployer.deploy(load_spec(demo_spec_path()))
    except (DeployError, SpecError, OSError) as err:
        log.error("demo zone not deployed: %s", err)
        return
    except Exception:  # a background thread must say why it stopped
        log.exception("demo zone not deployed")
        return
    log.warning(
        "demo zone ready: %d objects created, %d already present",
        deployer.created,
        deployer.reused,
    )
