"""System VM readiness per zone: the system VM template copy is where it must be."""

from __future__ import annotations

from sqlalchemy import select

from cumulo.db.database import Database
from cumulo.db.models.zone import Zone
from cumulo.doctor.result import Finding, fail, ok
from cumulo.services import system_vms, templates


def check_all(db: Database) -> list[Finding]:
    def work(session):  # type: ignore[no-untyped-def]
        out = []
        for zone in session.execute(select(Zone).where(Zone.removed.is_(None))).scalars():
            if not templates.zone_stores(session, zone.id):
                continue  # not set up yet: nothing to run system VMs from
            why = system_vms.template_blocker(session, zone)
            if why is not None and why.template:
                out.append(fail("system vm template", why.reason))
        return out

    findings: list[Finding] = db.run(work)
    return findings or [ok("system vm template", "present in every zone that has been set up")]
