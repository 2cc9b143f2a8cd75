"""Regions: add, update, remove; the local region comes from bootstrap."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.db.models.region import Region
from cumulo.errors import InvalidParameter

DEFAULT_ENDPOINT = "http://localhost:8080/client/"


def local_endpoint(service_ip: str, port: int) -> str:
    """This server's API address as the local region shows it."""
    return f"http://{service_ip}:{port}/client/"


def ensure_local(session: Session, endpoint: str = DEFAULT_ENDPOINT) -> Region:
    region = session.get(Region, Region.LOCAL_ID)
    if region is None:
        region = Region(id=Region.LOCAL_ID, name=Region.LOCAL_NAME, endpoint=endpoint)
        session.add(region)
        session.flush()
    return region


def _check_name_free(session: Session, name: str, region_id: int | None = None) -> None:
    taken = session.execute(select(Region.id).where(Region.name == name)).scalar()
    if taken is not None and taken != region_id:
        raise InvalidParameter(f"Region with name: {name} already exists")


def _check_text(field: str, value: str) -> str:
    value = value.strip()
    if not value:
        raise InvalidParameter(f"Region {field} must not be empty")
    return value


def get(session: Session, region_id: int) -> Region:
    region = session.get(Region, region_id)
    if region is None:
        raise InvalidParameter(f"Region with id: {region_id} doesn't exist")
    return region


def add(session: Session, region_id: int, name: str, endpoint: str) -> Region:
    if region_id < 1:
        raise InvalidParameter(f"Region id must be a positive integer, not {region_id}")
    if session.get(Region, region_id) is not None:
        raise InvalidParameter(f"Region with id: {region_id} already exists")
    name = _check_text("name", name)
    _check_name_free(session, name)
    region = Region(id=region_id, name=name, endpoint=_check_text("endpoint", endpoint))
    session.add(region)
    session.flush()
    return region


def update(session: Session, region_id: int, name: str | None, endpoint: str | None) -> Region:
    region = get(session, region_id)
    if name is not None:
        name = _check_text("name", name)
        _check_name_free(session, name, region.id)
        region.name = name
    if endpoint is not None:
        region.endpoint = _check_text("endpoint", endpoint)
    session.flush()
    return region


def remove(session: Session, region_id: int) -> None:
    region = session.get(Region, region_id)
    if region is None:
        raise InvalidParameter(f"Failed to delete Region: {region_id}, Region not found")
    if region.id == Region.LOCAL_ID:
        # Removing it would leave listRegions without this installation.
        raise InvalidParameter(
            f"Region {region_id} is this installation's own region and cannot be removed"
        )
    session.delete(region)
