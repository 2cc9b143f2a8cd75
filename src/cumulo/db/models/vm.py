"""Virtual machines of every kind: user instances, routers and system VMs.

One table, as CloudStack's vm_instance: user VMs, virtual routers, the
secondary-storage VM and the console proxy share placement, state machine and
capacity accounting. ``vm_type`` tells them apart.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import PATH_LENGTH, Entity, RemovableMixin, UTCDateTime


class VmType:
    USER = "User"
    ROUTER = "DomainRouter"
    CONSOLE_PROXY = "ConsoleProxy"
    SECONDARY_STORAGE = "SecondaryStorageVm"


class VMInstance(Entity, RemovableMixin):
    __tablename__ = "vm_instance"
    __table_args__ = (
        Index("ix_vm_instance_owner", "account_id", "domain_path"),
        Index("ix_vm_instance_type_state", "vm_type", "state"),
        Index("ix_vm_instance_host", "host_id"),
        # listVirtualMachines for one account, paged in id order, without a sort.
        Index("ix_vm_instance_account_page", "account_id", "id"),
        # Admin lists walk this index in id order and count and keyword-match on it alone
        # (docs/benchmarks-scale.md): no sort, no table rows for the rows skipped or counted.
        Index(
            "ix_vm_instance_list", "vm_type", "removed", "id", "account_id", "name", "display_name"
        ),
    )

    # Internal name on the hypervisor (i-<account>-<id>-VM, r-..., s-..., v-...).
    instance_name: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    vm_type: Mapped[str] = mapped_column(String(32), default=VmType.USER)
    # Starting | Running | Stopping | Stopped | Destroyed | Expunging | Migrating | Error
    state: Mapped[str] = mapped_column(String(32), default="Stopped")
    zone_id: Mapped[int] = mapped_column(ForeignKey("zone.id"), index=True)
    pod_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    cluster_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    host_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    last_host_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    hypervisor: Mapped[str | None] = mapped_column(String(32), nullable=True)
    service_offering_id: Mapped[int] = mapped_column(BigInteger)
    template_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    iso_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    guest_os_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # Effective size (custom offerings resolve to concrete numbers here).
    cpu_number: Mapped[int] = mapped_column(Integer, default=1)
    cpu_speed: Mapped[int] = mapped_column(Integer, default=500)
    memory_mb: Mapped[int] = mapped_column(Integer, default=512)
    ha_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    limit_cpu_use: Mapped[bool] = mapped_column(Boolean, default=False)
    display_vm: Mapped[bool] = mapped_column(Boolean, default=True)
    password: Mapped[bytes | None] = mapped_column(nullable=True)
    user_data: Mapped[str | None] = mapped_column(Text, nullable=True)
    ssh_keypair_names: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    # The instance group (InstanceGroup) the VM belongs to, if any.
    instance_group_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    # Owner
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    domain_id: Mapped[int] = mapped_column(ForeignKey("domain.id"))
    domain_path: Mapped[str] = mapped_column(String(PATH_LENGTH), default="/")
    project_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # For expunge after expunge.delay.
    destroyed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # System VMs without a Network row for their traffic record their
    # management (private), public and link-local addresses here.
    private_ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    public_ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    link_local_ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # True while the owner's instance/cpu/memory counts include this VM; flipped
    # with a conditional UPDATE so a failed deployment and a later expunge
    # cannot both release them.
    limits_charged: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped on every change; writers update "WHERE version = :seen".
    version: Mapped[int] = mapped_column(Integer, default=0)
