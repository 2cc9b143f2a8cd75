"""Checks through the node's configured database URL."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from cumulo import __version__
from cumulo.db.database import Database, db_now
from cumulo.db.migrate import current_revision, head_revision
from cumulo.db.models.cluster import ManagementServer
from cumulo.db.models.system import SystemProperty
from cumulo.doctor.result import Finding, fail, ok, warn
from cumulo.runtime import FINGERPRINT_PROPERTY
from cumulo.services.secrets import ClusterKeyError, fingerprint, read_key_file
from cumulo.settings import Settings

MAX_SKEW_SECONDS = 1.0


def check_all(settings: Settings) -> list[Finding]:
    url = settings.effective_database_url
    where = make_url(url).render_as_string(hide_password=True)
    db = Database(url, pool_size=1)
    try:
        try:
            with db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:
            return [
                fail(
                    "database",
                    f"cannot reach {where}: {_reason(exc)}. Check that the DB VIP answers "
                    "(HAProxy and keepalived on the load balancers) and that the user and "
                    "password in database_url are right.",
                )
            ]
        out = [ok("database", f"reachable at {where}")]
        out.append(_schema(db))
        out.append(_cluster_key(db, settings.effective_cluster_key_file))
        out.extend(_nodes(db, settings.heartbeat_threshold))
        out.append(_clock(db))
        return out
    finally:
        db.dispose()


def _reason(exc: Exception) -> str:
    orig = getattr(exc, "orig", None) or exc
    return str(getattr(orig, "args", [orig])[-1])[:200]


def _schema(db: Database) -> Finding:
    current, head = current_revision(db.engine), head_revision(db.url)
    if current == head:
        return ok("schema", f"at revision {head}")
    return fail(
        "schema",
        f"at revision {current or 'none'}, this version needs {head}; run `cumulo db deploy` "
        "(or `cumulo cluster setup-databases ... --deploy-as`) once from one node.",
    )


def _cluster_key(db: Database, key_file: Path) -> Finding:
    stored = db.run(
        lambda s: s.execute(
            select(SystemProperty.value).where(SystemProperty.name == FINGERPRINT_PROPERTY)
        ).scalar_one_or_none(),
        write=False,
    )
    try:
        local = fingerprint(read_key_file(key_file))
    except ClusterKeyError as exc:
        return fail("cluster key", str(exc))
    if stored is None:
        return warn("cluster key", "the database has no key fingerprint yet (not bootstrapped)")
    if stored != local:
        return fail(
            "cluster key",
            f"{key_file} ({local}) is not the key the database was set up with ({stored}): "
            "this node would answer 503. Copy the key file from a working management node "
            "and restart cumulo.",
        )
    return ok("cluster key", f"{key_file} matches the database ({local})")


def _nodes(db: Database, threshold: float) -> list[Finding]:
    def rows(s):  # type: ignore[no-untyped-def]
        now = db_now(s)
        found = s.execute(
            select(ManagementServer).where(ManagementServer.removed.is_(None))
        ).scalars()
        return now, [(r.name, r.version, r.state, r.service_ip, r.last_update) for r in found]

    now, nodes = db.run(rows, write=False)
    out = []
    for name, version, state, ip, last in nodes:
        age = (now - last).total_seconds()
        check = f"node {name}"
        desc = f"{ip} version {version}, {state}, heartbeat {age:.1f}s ago"
        if state == "Up" and age > threshold:
            out.append(
                fail(
                    check,
                    f"{desc}: its heartbeat is late (threshold {threshold}s); "
                    "the process hangs or cannot write to the database — look at its log.",
                )
            )
        elif state != "Up":
            out.append(warn(check, f"{desc}: not running; start it or remove it from the cluster."))
        elif version != __version__:
            out.append(
                warn(
                    check,
                    f"{desc}: runs another version than this one ({__version__}); "
                    "finish the upgrade of every node.",
                )
            )
        else:
            out.append(ok(check, desc))
    if not nodes:
        out.append(warn("nodes", "no management server has registered yet; start `cumulo serve`"))
    return out


def _clock(db: Database) -> Finding:
    t0 = time.time()
    db_time = db.now()
    local = datetime.fromtimestamp((t0 + time.time()) / 2, UTC)
    skew = abs((local - db_time.replace(tzinfo=UTC)).total_seconds())
    if skew > MAX_SKEW_SECONDS:
        return fail(
            "clock",
            f"this node's clock is {skew:.1f}s off the database's; run chrony/NTP on every "
            "node (job leases and tokens compare times across nodes).",
        )
    return ok("clock", f"within {skew:.2f}s of the database clock")
