"""Service offerings: the compute sizes VMs and system VMs are deployed with."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import Entity, RemovableMixin
from cumulo.db.models.disk_offering import DiskCharacteristics


class ServiceOffering(Entity, RemovableMixin, DiskCharacteristics):
    __tablename__ = "service_offering"

    name: Mapped[str] = mapped_column(String(255))
    display_text: Mapped[str] = mapped_column(String(4096), default="")
    # None for customized offerings (the VM's deployment supplies them).
    cpu_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    cpu_speed: Mapped[int | None] = mapped_column(Integer, nullable=True)
    memory: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Constraints of a customized offering; all None = unconstrained.
    min_cpu_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_cpu_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    min_memory: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_memory: Mapped[int | None] = mapped_column(Integer, nullable=True)
    customized: Mapped[bool] = mapped_column(Boolean, default=False)
    offer_ha: Mapped[bool] = mapped_column(Boolean, default=False)
    limit_cpu_use: Mapped[bool] = mapped_column(Boolean, default=False)
    is_volatile: Mapped[bool] = mapped_column(Boolean, default=False)
    host_tags: Mapped[str | None] = mapped_column(String(4096), nullable=True)
    is_system: Mapped[bool] = mapped_column(Boolean, default=False)
    # domainrouter | consoleproxy | secondarystoragevm | internalloadbalancervm
    system_vm_type: Mapped[str | None] = mapped_column(String(32), nullable=True)
    default_use: Mapped[bool] = mapped_column(Boolean, default=False)
    network_rate: Mapped[int | None] = mapped_column(Integer, nullable=True)
    deployment_planner: Mapped[str | None] = mapped_column(String(255), nullable=True)
    root_disk_size: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    dynamic_scaling_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disk_offering_strictness: Mapped[bool] = mapped_column(Boolean, default=False)
    disk_offering_id: Mapped[int | None] = mapped_column(
        ForeignKey("disk_offering.id"), nullable=True
    )
    purge_resources: Mapped[bool] = mapped_column(Boolean, default=False)
    # Active | Inactive
    state: Mapped[str] = mapped_column(String(16), default="Active")
    sort_key: Mapped[int] = mapped_column(Integer, default=0)
    # JSON object of serviceofferingdetails.
    details: Mapped[str | None] = mapped_column(Text, nullable=True)
