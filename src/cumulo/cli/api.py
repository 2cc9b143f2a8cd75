"""``cumulo api``: how much of CloudStack's API is implemented, by area."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import click

from cumulo.api.declaration import load_commands
from cumulo.api.spec import Spec, SpecNotFound, area_of, load_spec


@dataclass
class Area:
    name: str
    implemented: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.implemented) + len(self.missing)


def coverage(spec: Spec, implemented: set[str]) -> dict[str, Area]:
    """Spec commands per area, split into implemented and missing (sorted)."""
    areas: dict[str, Area] = defaultdict(lambda: Area(""))
    for name in sorted(spec.commands):
        area = area_of(spec.commands[name])
        entry = areas[area]
        entry.name = area
        (entry.implemented if name.lower() in implemented else entry.missing).append(name)
    return dict(sorted(areas.items()))


def _as_json(areas: dict[str, Area], extra: list[str], spec: Spec) -> dict[str, Any]:
    return {
        "spec": str(spec.path),
        "implemented": sum(len(a.implemented) for a in areas.values()),
        "total": sum(a.total for a in areas.values()),
        "areas": {
            a.name: {
                "implemented": len(a.implemented),
                "total": a.total,
                "implemented_commands": a.implemented,
                "missing_commands": a.missing,
            }
            for a in areas.values()
        },
        "not_in_spec": extra,
    }


def _table(areas: dict[str, Area], extra: list[str]) -> None:
    width = max([len("area"), *(len(a) for a in areas)])
    click.echo(f"{'area':<{width}}  implemented  total  percent")
    for a in areas.values():
        pct = 100.0 * len(a.implemented) / a.total if a.total else 0.0
        click.echo(f"{a.name:<{width}}  {len(a.implemented):>11}  {a.total:>5}  {pct:6.1f}%")
    done = sum(len(a.implemented) for a in areas.values())
    total = sum(a.total for a in areas.values())
    pct = 100.0 * done / total if total else 0.0
    click.echo(f"{'TOTAL':<{width}}  {done:>11}  {total:>5}  {pct:6.1f}%")
    if extra:
        click.echo(f"declared but not in the spec: {', '.join(extra)}")


@click.group()
def api() -> None:
    """The CloudStack API as implemented here."""


@api.command("coverage")
@click.option(
    "--spec",
    "spec_path",
    type=click.Path(dir_okay=False),
    help="cloudstack-api-spec.json (default: shared/reference/ here or in a parent folder)",
)
@click.option("--missing", "missing_area", metavar="AREA", help="list AREA's missing commands")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
def coverage_cmd(spec_path: str | None, missing_area: str | None, as_json: bool) -> None:
    """Implemented commands against CloudStack's specification, by area."""
    try:
        spec = load_spec(spec_path)
    except SpecNotFound as exc:
        raise click.ClickException(str(exc)) from None
    declared = {c.name.lower(): c.name for c in load_commands().values()}
    areas = coverage(spec, set(declared))
    known = {n.lower() for n in spec.commands}
    extra = sorted(name for key, name in declared.items() if key not in known)
    if missing_area is not None:
        if missing_area not in areas:
            raise click.ClickException(f"no area {missing_area!r}; areas are: {', '.join(areas)}")
        areas = {missing_area: areas[missing_area]}
        if not as_json:
            for name in areas[missing_area].missing:
                click.echo(name)
            return
    if as_json:
        click.echo(json.dumps(_as_json(areas, extra, spec), indent=1))
    else:
        _table(areas, extra)
