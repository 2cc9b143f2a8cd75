"""Render every configuration file of an HA deployment from its inventory."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from cumulo.cluster.inventory import Inventory
from cumulo.cluster.render import (
    clustercheck,
    firewall,
    galera,
    garbd,
    haproxy,
    keepalived,
    nodeconfig,
    pacemaker,
)
from cumulo.cluster.render.base import Artefact, Context
from cumulo.cluster.render.layout import DEBIAN, Layout

RENDERERS = (
    haproxy,
    keepalived,
    galera,
    garbd,
    clustercheck,
    nodeconfig,
    pacemaker,
    firewall,
)


def render_all(
    inv: Inventory,
    secrets: dict[str, str],
    layout_for: Callable[[str], Layout] = lambda _n: DEBIAN,
) -> list[Artefact]:
    ctx = Context(inv, secrets, layout_for)
    out: list[Artefact] = []
    for module in RENDERERS:
        out.extend(module.render(ctx))
    out.append(Artefact("INSTALL.txt", _install_notes(out)))
    return out


def _install_notes(artefacts: list[Artefact]) -> str:
    lines = ["Where each rendered file goes (folder = host):", ""]
    for a in sorted(artefacts, key=lambda x: x.path):
        if a.install_to:
            lines.append(f"{a.path:<45} -> {a.install_to}")
    return "\n".join(lines) + "\n"


def write(artefacts: list[Artefact], outdir: Path) -> list[Path]:
    written = []
    for a in artefacts:
        path = outdir / a.path
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, a.mode)
        with os.fdopen(fd, "w") as fh:
            fh.write(a.content)
        os.chmod(tmp, a.mode)
        tmp.replace(path)
        written.append(path)
    return written
