"""Regenerate the baseline migration from the models (pre-release only).

Until the first release, the schema lives in one baseline revision that is
rebuilt from the models whenever they change: `python tools/regen_baseline.py`.
After a release, new revisions are added on top with `alembic revision
--autogenerate` instead, and this tool must no longer be used.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from alembic import command

from cumulo.db.migrate import MIGRATIONS, alembic_config

BASELINE_ID = "0001_baseline"


def main() -> None:
    versions = MIGRATIONS / "versions"
    for old in versions.glob("0001_*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'empty.db'}"
        cfg = alembic_config(url)
        command.revision(cfg, message="baseline schema", autogenerate=True, rev_id=BASELINE_ID)
    generated = next(versions.glob("0001_*.py"))
    generated.rename(versions / f"{BASELINE_ID}.py")
    print(f"wrote {versions / (BASELINE_ID + '.py')}")


if __name__ == "__main__":
    main()
