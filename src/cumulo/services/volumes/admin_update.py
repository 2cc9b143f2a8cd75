"""updateVolume: the owner's fields (name, custom id, delete protection) and the root admin's
record corrections (path, chain info, pool, state) for a volume whose record went wrong."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.models.storage_pool import StoragePool
from cumulo.db.models.volume import Volume
from cumulo.errors import InvalidParameter, PermissionDenied
from cumulo.services.placement import capacity
from cumulo.services.states import volume as states
from cumulo.services.volumes.ops import record

# Every state CloudStack's Volume.State knows that cumulo uses.
KNOWN_STATES = sorted(
    set(states.ON_SECONDARY | states.TRANSITIONAL)
    | {states.ALLOCATED, states.READY, states.DESTROY, states.ERROR, states.EXPUNGED}
)


@dataclass(frozen=True)
class Changes:
    name: str | None = None
    custom_id: str | None = None
    display: bool | None = None
    delete_protection: bool | None = None
    path: str | None = None
    chain_info: str | None = None
    pool: StoragePool | None = None
    state: str | None = None

    @property
    def admin_only(self) -> list[str]:
        given = {
            "displayvolume": self.display,
            "path": self.path,
            "chaininfo": self.chain_info,
            "storageid": self.pool,
            "state": self.state,
        }
        return [k for k, v in given.items() if v is not None]


def _is_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text.lower() and len(text) == 36
    except ValueError:
        return False


def _check(session: Session, caller: Caller, vol: Volume, ch: Changes) -> None:
    if ch.admin_only and not caller.is_root_admin:
        raise PermissionDenied(f"Only a root admin may change {', '.join(ch.admin_only)}")
    if ch.name is not None and not ch.name.strip():
        raise InvalidParameter("name must not be empty")
    if ch.custom_id is not None:
        taken = session.execute(
            select(Volume.id).where(Volume.uuid == ch.custom_id, Volume.id != vol.id)
        ).first()
        if not _is_uuid(ch.custom_id):
            raise InvalidParameter(
                f"customid {ch.custom_id!r} is not a UUID; give one like "
                "123e4567-e89b-12d3-a456-426614174000 (it becomes the volume's id)"
            )
        if taken is not None:
            raise InvalidParameter(f"customid {ch.custom_id} is already the id of another volume")
    if ch.state is not None and ch.state not in KNOWN_STATES:
        raise InvalidParameter(
            f"Invalid volume state {ch.state!r}; use one of {', '.join(KNOWN_STATES)}"
        )
    if ch.pool is not None:
        if ch.pool.removed is not None:
            raise InvalidParameter(f"Storage pool {ch.pool.uuid} was removed")
        if ch.pool.zone_id != vol.zone_id:
            raise InvalidParameter(
                "Invalid storageid specified; refers to the pool outside of the volume's zone"
            )


def update(session: Session, caller: Caller, vol: Volume, ch: Changes) -> None:
    _check(session, caller, vol, ch)
    if ch.name is not None:
        vol.name = ch.name.strip()
    if ch.custom_id is not None:
        vol.uuid = ch.custom_id
    if ch.display is not None:
        vol.display_volume = ch.display
    if ch.delete_protection is not None:
        vol.delete_protection = ch.delete_protection
    if ch.path is not None:
        vol.path = ch.path
    if ch.chain_info is not None:
        vol.chain_info = ch.chain_info
    if ch.pool is not None and ch.pool.id != vol.pool_id:
        # The record says where the data is: the allocation follows it exactly.
        if vol.pool_id is not None:
            capacity.release_pool(session, vol.pool_id, vol.size)
        capacity.reserve_pool_forced(session, ch.pool.id, vol.size)
        vol.last_pool_id, vol.pool_id = vol.pool_id, ch.pool.id
    if ch.state is not None:
        vol.state = ch.state
    vol.version += 1
    record(session, caller, vol, "VOLUME.UPDATE", "Updated volume")
