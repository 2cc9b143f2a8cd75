"""The storage cleanup sweep: destroyed volumes are expunged after ``storage.cleanup.delay``.

As CloudStack's storage cleanup thread (``storage.cleanup.enabled``, every
``storage.cleanup.interval`` seconds): a volume in state Destroy longer than
the delay is expunged like ``deleteVolume`` (pool capacity and the owner's
volume / primary storage counts are given back) and its disk deleted on the pool.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.cluster import periodic
from cumulo.db.base import utcnow
from cumulo.db.models.volume import Volume
from cumulo.runtime import Runtime
from cumulo.services.callers import caller_for_user
from cumulo.services.states import volume as states
from cumulo.services.vms.sweeps import SYSTEM_USER_ID
from cumulo.services.volumes import ops

log = logging.getLogger(__name__)


def due_for_expunge(session: Session, delay_seconds: int, limit: int = 50) -> list[int]:
    cutoff = utcnow() - timedelta(seconds=delay_seconds)
    return list(
        session.execute(
            select(Volume.id)
            .where(
                Volume.state == states.DESTROY,
                Volume.removed.is_(None),
                Volume.destroyed_at <= cutoff,
                # Protected volumes wait for updateVolume deleteprotection=false.
                Volume.delete_protection.is_(False),
            )
            .order_by(Volume.id)
            .limit(limit)
        ).scalars()
    )


def _expunge(session: Session, caller: Caller, vol_id: int) -> dict[str, Any] | None:
    # Claim the row first: of two nodes sweeping at once, the second finds it
    # gone (or recovered meanwhile) and leaves it, so nothing is released twice.
    claimed = session.execute(
        update(Volume)
        .where(Volume.id == vol_id, Volume.state == states.DESTROY, Volume.removed.is_(None))
        .values(state=states.DESTROY)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    vol = session.get(Volume, vol_id)
    if not claimed or vol is None:
        return None
    session.refresh(vol)
    return ops.expunge(session, caller, vol)


def cleanup_sweep(rt: Runtime) -> int:
    if not rt.config.get_bool("storage.cleanup.enabled"):
        return 0
    found = rt.db.run(lambda s: caller_for_user(s, SYSTEM_USER_ID), write=False)
    if found is None:
        return 0
    caller, delay = found[0], rt.config.get_int("storage.cleanup.delay")
    done = 0
    for vol_id in rt.db.run(lambda s: due_for_expunge(s, delay), write=False):

        def work(session: Session, vol_id: int = vol_id) -> dict[str, Any] | None:
            return _expunge(session, caller, vol_id)

        try:
            disk = rt.db.run(work)
            ops.destroy_disk(disk)
            done += disk is not None
        except Exception:  # the next sweep tries again
            log.exception("expunging destroyed volume %s failed", vol_id)
    return done


periodic.register(
    "volume-expunge",
    lambda rt: float(rt.config.get_int("storage.cleanup.interval")),
    cleanup_sweep,
)
