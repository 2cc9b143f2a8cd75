"""Async jobs: written with the entity they act on, run under a lease."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import PATH_LENGTH, Entity, UTCDateTime


class JobStatus:
    IN_PROGRESS = 0
    SUCCEEDED = 1
    FAILED = 2
    CANCELLED = 3


class AsyncJob(Entity):
    __tablename__ = "async_job"
    __table_args__ = (
        Index("ix_async_job_status_lease", "status", "lease_expires"),
        Index("ix_async_job_account_created", "account_id", "created"),
    )

    command: Mapped[str] = mapped_column(String(128))
    # JSON: what the executor needs (ids, validated arguments).
    payload: Mapped[str] = mapped_column(Text, default="{}")
    user_id: Mapped[int] = mapped_column(BigInteger)
    account_id: Mapped[int] = mapped_column(BigInteger)
    domain_id: Mapped[int] = mapped_column(BigInteger)
    domain_path: Mapped[str] = mapped_column(String(PATH_LENGTH), default="/")
    status: Mapped[int] = mapped_column(Integer, default=JobStatus.IN_PROGRESS)
    process_status: Mapped[int] = mapped_column(Integer, default=0)
    result_code: Mapped[int] = mapped_column(Integer, default=0)
    # JSON of the finished job's ``jobresult``.
    result: Mapped[str | None] = mapped_column(Text, nullable=True)
    instance_type: Mapped[str | None] = mapped_column(String(64), nullable=True)
    instance_uuid: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # The node that queued it and the node holding the lease now.
    init_msid: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    owner_msid: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    lease_expires: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Claims so far; with owner_msid it is the fencing token of the current run.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # The node whose run was cut short when this job was last adopted.
    interrupted_msid: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    started: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # JSON: the steps already done, so an adopted job resumes where it was.
    checkpoint: Mapped[str] = mapped_column(Text, default="{}")
    completed: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_updated: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
