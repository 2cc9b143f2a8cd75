"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cumulo.db.base
% if up_revision == "0001_baseline":
from cumulo.db import keyword_index
% endif
${imports if imports else ""}

revision: str = ${repr(up_revision)}
down_revision: str | None = ${repr(down_revision)}
branch_labels: str | Sequence[str] | None = ${repr(branch_labels)}
depends_on: str | Sequence[str] | None = ${repr(depends_on)}


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}
% if up_revision == "0001_baseline":
    # Not a model: SQLite's trigram indexes for keyword searches (cumulo.db.keyword_index).
    keyword_index.create(op.get_bind())
% endif


def downgrade() -> None:
% if up_revision == "0001_baseline":
    keyword_index.drop(op.get_bind())
% endif
    ${downgrades if downgrades else "pass"}
