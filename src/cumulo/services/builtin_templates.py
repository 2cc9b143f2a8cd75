"""Templates every zone has without anyone registering them.

- One built-in template per hypervisor the zone has clusters for (CloudStack's
  "CentOS 5.3(64-bit) no GUI (Simulator)" for the simulator), Ready at once on
  the zone's image store, as the seeded templates of a fresh CloudStack are.
- One cross-zone system VM template (type SYSTEM). Its copy on a zone's store
  is downloaded like any template: system VMs wait for it (see system_vms).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.db.models.account import Account
from cumulo.db.models.guest_os import GuestOs
from cumulo.db.models.host_cluster import Cluster
from cumulo.db.models.template import VMTemplate
from cumulo.db.models.zone import Zone
from cumulo.services.templates import DOWNLOADED, NOT_DOWNLOADED, add_copies, zone_stores

SYSTEM_TEMPLATE_NAME = "systemvm-simulator-4.22"
SYSTEM_TEMPLATE_URL = (
    "http://download.cloudstack.org/systemvm/4.22/systemvmtemplate-4.22.0-x86_64-kvm.qcow2.bz2"
)
BUILTIN = {
    "Simulator": ("SimulatorTemplate", "CentOS 5.3(64-bit) no GUI (Simulator)", "VHD"),
    "KVM": ("CentOS 5.5(64-bit) no GUI (KVM)", "CentOS 5.5(64-bit) no GUI (KVM)", "QCOW2"),
}
GiB = 1024**3


def _system_account(session: Session) -> Account:
    account = (
        session.execute(select(Account).where(Account.name == "system").order_by(Account.id))
        .scalars()
        .first()
    )
    if account is None:
        raise LookupError("The system account is missing; the database is not initialised")
    return account


def _guest_os(session: Session, like: str) -> int | None:
    row = session.execute(
        select(GuestOs.id).where(GuestOs.display_name.like(like)).order_by(GuestOs.id).limit(1)
    ).first()
    return row[0] if row else None


def _find(session: Session, name: str, ttype: str) -> VMTemplate | None:
    return (
        session.execute(
            select(VMTemplate).where(
                VMTemplate.name == name,
                VMTemplate.template_type == ttype,
                VMTemplate.removed.is_(None),
            )
        )
        .scalars()
        .first()
    )


def _new(session: Session, **fields: object) -> VMTemplate:
    system = _system_account(session)
    row = VMTemplate(account_id=system.id, domain_id=system.domain_id, domain_path="/", **fields)
    session.add(row)
    session.flush()
    return row


def find_system_template(session: Session) -> VMTemplate | None:
    return _find(session, SYSTEM_TEMPLATE_NAME, "SYSTEM")


def system_template(session: Session) -> VMTemplate:
    row = _find(session, SYSTEM_TEMPLATE_NAME, "SYSTEM")
    if row is None:
        row = _new(
            session,
            name=SYSTEM_TEMPLATE_NAME,
            display_text="SystemVM Template (Simulator)",
            template_type="SYSTEM",
            format="QCOW2",
            hypervisor="Simulator",
            url=SYSTEM_TEMPLATE_URL,
            cross_zones=True,
            is_extractable=False,
            guest_os_id=_guest_os(session, "Debian GNU/Linux 12%64%"),
            size=5 * GiB,
        )
    return row


def _hypervisors(session: Session, zone: Zone) -> list[str]:
    rows = session.execute(
        select(Cluster.hypervisor)
        .where(Cluster.zone_id == zone.id, Cluster.removed.is_(None))
        .distinct()
    ).scalars()
    return sorted({h for h in rows if h})


def ensure_zone(session: Session, zone: Zone) -> None:
    """Give the zone's image stores their built-in and system template copies."""
    if zone.removed is not None or not zone_stores(session, zone.id):
        return
    for hv in _hypervisors(session, zone):
        if hv not in BUILTIN:
            continue
        name, display, fmt = BUILTIN[hv]
        row = _find(session, name, "BUILTIN")
        if row is None:
            row = _new(
                session,
                name=name,
                display_text=display,
                template_type="BUILTIN",
                format=fmt,
                hypervisor=hv,
                url=f"http://download.cloudstack.org/templates/builtin/{hv.lower()}.{fmt.lower()}",
                cross_zones=True,
                is_public=True,
                is_featured=True,
                is_extractable=True,
                password_enabled=False,
                guest_os_id=_guest_os(session, "CentOS 5%64%"),
                size=2 * GiB,
            )
        add_copies(session, row, zone, DOWNLOADED)
    add_copies(session, system_template(session), zone, NOT_DOWNLOADED)
