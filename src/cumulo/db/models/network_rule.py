"""Rules of guest networks: firewall (ingress/egress), port forwarding, load balancing.

One table for every purpose, as CloudStack's ``firewall_rules``; a load
balancer's members are ``lb_vm_map`` rows.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import PATH_LENGTH, Entity


class NetworkRule(Entity):
    __tablename__ = "network_rule"

    # Firewall | PortForwarding | LoadBalancing
    purpose: Mapped[str] = mapped_column(String(32), index=True)
    # Ingress | Egress (firewall)
    traffic_type: Mapped[str] = mapped_column(String(16), default="Ingress")
    network_id: Mapped[int] = mapped_column(ForeignKey("network.id"), index=True)
    ip_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    protocol: Mapped[str] = mapped_column(String(16), default="tcp")
    start_port: Mapped[int | None] = mapped_column(Integer, nullable=True)
    end_port: Mapped[int | None] = mapped_column(Integer, nullable=True)
    icmp_type: Mapped[int | None] = mapped_column(Integer, nullable=True)
    icmp_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Comma separated.
    cidr_list: Mapped[str] = mapped_column(Text, default="0.0.0.0/0")
    dest_cidr_list: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Port forwarding: the VM and its ports; load balancing: private ports.
    vm_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    vm_ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    private_start_port: Mapped[int | None] = mapped_column(Integer, nullable=True)
    private_end_port: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Load balancing.
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    description: Mapped[str | None] = mapped_column(String(4096), nullable=True)
    algorithm: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # fordisplay: whether end users see the rule (listings filter on it).
    for_display: Mapped[bool] = mapped_column(Boolean, default=True)
    # Add (not yet on the router) | Active | Revoke (being removed)
    state: Mapped[str] = mapped_column(String(16), default="Add")
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    domain_id: Mapped[int] = mapped_column(ForeignKey("domain.id"))
    domain_path: Mapped[str] = mapped_column(String(PATH_LENGTH), default="/")


class LbVmMap(Entity):
    __tablename__ = "lb_vm_map"
    __table_args__ = (UniqueConstraint("rule_id", "vm_id"),)

    rule_id: Mapped[int] = mapped_column(ForeignKey("network_rule.id", ondelete="CASCADE"))
    vm_id: Mapped[int] = mapped_column(BigInteger, index=True)
    vm_ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    state: Mapped[str] = mapped_column(String(16), default="Add")
