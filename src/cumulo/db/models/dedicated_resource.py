"""Zones, pods, clusters and hosts dedicated to a domain or an account.

CloudStack's ``dedicated_resources``: one row per dedicated resource, exactly
one of ``zone_id``/``pod_id``/``cluster_id``/``host_id`` set. The unique
columns make "already dedicated" a constraint, not a race. ``affinity_group_id``
is the owner's ExplicitDedication group, which VMs join to be placed on
these resources; the placement query filters on these columns directly.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import PATH_LENGTH, Entity


class DedicatedResource(Entity):
    __tablename__ = "dedicated_resources"

    zone_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, unique=True)
    pod_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, unique=True)
    cluster_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, unique=True)
    host_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, unique=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domain.id"), index=True)
    # The owner domain's path: "inside the dedicated domain" is a prefix match.
    domain_path: Mapped[str] = mapped_column(String(PATH_LENGTH))
    # None: dedicated to the whole domain.
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id"), nullable=True, index=True
    )
    affinity_group_id: Mapped[int] = mapped_column(ForeignKey("affinity_group.id"), index=True)
