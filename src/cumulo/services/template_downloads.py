"""The secondary-storage side of templates and uploaded volumes: downloads progress
step by step.

Every tick the node looks at copies not yet downloaded, asks the driver for
one progress step and stores it with a conditional UPDATE on the percentage it
saw, so two nodes ticking at once never move a copy twice. A
``configureSimulator name=DownloadCommand`` rule applies to the zone's hosts
(or everywhere). Each kind of copy (template_store_ref, volume_store_ref) is a
``Source``: the same download columns, its own query, owner and follow-up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cumulo.db.models.image_store import ImageStore
from cumulo.db.models.template import TemplateStoreRef, VMTemplate
from cumulo.drivers import registry
from cumulo.drivers.base import COMMAND_DOWNLOAD, Answer, Mock
from cumulo.errors import ResourceLimitExceeded
from cumulo.runtime import Runtime
from cumulo.services import limits, simulator_mocks
from cumulo.services.configuration import ConfigStore
from cumulo.services.limits import ResourceType
from cumulo.services.templates import DOWNLOADED, ERROR, IN_PROGRESS, NOT_DOWNLOADED

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Source:
    """One table of image-store copies that download (download_state, download_pct, ...)."""

    model: Any
    # (copy row, URL to fetch, image store URL) of copies not yet downloaded
    pending: Callable[[Session], list[tuple[Any, str, str]]]
    # Record the finished copy's size on its owner row; the account to charge, or None
    owner: Callable[[Session, int, int], int | None]
    # After the copy row changed: (session, copy id, values written)
    changed: Callable[[Session, int, dict[str, object]], None] = lambda s, i, v: None
    noun: str = "template"


class RaceLost(Exception):
    """Another node moved a copy this round; its result stands."""


@dataclass(frozen=True)
class Step:
    source: Source
    ref_id: int
    seen_pct: int
    url: str
    store_url: str
    mock: Mock | None


def _template_pending(session: Session) -> list[tuple[Any, str, str]]:
    rows = session.execute(
        select(TemplateStoreRef, VMTemplate, ImageStore)
        .join(VMTemplate, VMTemplate.id == TemplateStoreRef.template_id)
        .join(ImageStore, ImageStore.id == TemplateStoreRef.store_id)
        .where(TemplateStoreRef.download_state.in_((NOT_DOWNLOADED, IN_PROGRESS)))
        .order_by(TemplateStoreRef.id)
        .limit(50)
    ).all()
    return [(ref, template.url or "", store.url or "") for ref, template, store in rows]


def _template_owner(session: Session, ref_id: int, size: int) -> int | None:
    ref = session.get(TemplateStoreRef, ref_id)
    template = session.get(VMTemplate, ref.template_id) if ref else None
    if template is None:
        return None
    if not template.size:
        template.size = size
    return template.account_id


TEMPLATES = Source(TemplateStoreRef, _template_pending, _template_owner)
SOURCES: list[Source] = [TEMPLATES]


def register(source: Source) -> None:
    if source not in SOURCES:
        SOURCES.append(source)


def _plan(session: Session) -> list[Step]:
    steps = []
    for source in SOURCES:
        for ref, url, store_url in source.pending(session):
            # The store's "SSVM" is not a host row; the rule is scoped by zone only.
            where = SimpleNamespace(id=None, zone_id=ref.zone_id, pod_id=None, cluster_id=None)
            mock = simulator_mocks.take(session, COMMAND_DOWNLOAD, where)  # type: ignore[arg-type]
            steps.append(Step(source, ref.id, ref.download_pct, url, store_url, mock))
    return steps


def _charge(session: Session, config: ConfigStore, step: Step, size: int) -> str | None:
    """Count the finished copy against the owner's secondary storage; the error if over."""
    account_id = step.source.owner(session, step.ref_id, size)
    if account_id is None:
        return None
    try:
        with session.begin_nested():
            limits.consume(session, config, account_id, ResourceType.SECONDARY_STORAGE, size)
    except ResourceLimitExceeded as exc:
        return str(exc)
    return None


def _record(session: Session, config: ConfigStore, results: list[tuple[Step, Answer]]) -> None:
    for step, answer in results:
        if answer.ok and int(answer.data.get("pct", 100)) >= 100:
            refused = _charge(session, config, step, int(answer.data.get("size") or 0))
            if refused:
                answer = Answer(False, refused)
        model = step.source.model
        guard = (
            model.id == step.ref_id,
            model.download_pct == step.seen_pct,
            model.download_state.in_((NOT_DOWNLOADED, IN_PROGRESS)),
        )
        if not answer.ok:
            text = answer.details or "download failed"
            values: dict[str, object] = {
                "download_state": ERROR,
                "state": "Allocated",
                "error_text": f"Failed to download {step.source.noun}: {text}"[:1024],
            }
        else:
            pct = int(answer.data.get("pct", 100))
            done = pct >= 100
            values = {
                "download_state": DOWNLOADED if done else IN_PROGRESS,
                "download_pct": min(pct, 100),
                "state": "Ready" if done else "Creating",
                "error_text": None,
            }
            if done:
                values["physical_size"] = answer.data.get("size")
                values["install_path"] = answer.data.get("install_path")
        changed = session.execute(update(model).where(*guard).values(**values))
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            if "physical_size" in values:
                # Another node recorded this step first: undo our charge with the whole round.
                raise RaceLost()
            continue
        step.source.changed(session, step.ref_id, values)


def tick(rt: Runtime) -> int:
    """One round of download progress; returns how many copies moved."""
    import cumulo.services.volumes.uploads  # noqa: F401  (registers its Source)

    steps = rt.db.run(_plan)
    if not steps:
        return 0
    driver = registry.driver_for("Simulator")
    results = []
    for step in steps:
        try:
            answer = driver.download_template(step.url, step.store_url, step.seen_pct, step.mock)
        except Exception as exc:  # a driver bug must not stop other downloads
            log.exception("download step failed")
            answer = Answer(False, str(exc))
        results.append((step, answer))
    try:
        rt.db.run(lambda s: _record(s, rt.config, results))
    except RaceLost:
        return 0
    return len(results)
