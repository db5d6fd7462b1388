"""Tables that let several bot processes share one database: the conversation state (FSM), the
ledger of handled updates, and the leases of jobs that must run once across instances."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, UTCDateTime

FSM_KEY_LENGTH = 255
JOB_NAME_LENGTH = 64
HOLDER_LENGTH = 96


class FsmStateRow(Base):
    """One conversation's state and data (a half-typed comment, reason or question).

    In the database rather than in memory so that it survives a restart and is the same on
    whichever instance the load balancer hands the next update to.
    """

    __tablename__ = "fsm_states"

    key: Mapped[str] = mapped_column(String(FSM_KEY_LENGTH), primary_key=True)
    state: Mapped[str | None] = mapped_column(String(FSM_KEY_LENGTH))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class HandledUpdateRow(Base):
    """An update handled and committed: Telegram redelivers an update whose answer it did not
    get, and the redelivered one must not confirm, comment or ask twice."""

    __tablename__ = "handled_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    handled_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class JobLeaseRow(Base):
    """Who runs a scheduled job (sync, escalation, digest) for the current period, and until
    when: the other instances skip it until the lease runs out."""

    __tablename__ = "job_leases"

    name: Mapped[str] = mapped_column(String(JOB_NAME_LENGTH), primary_key=True)
    holder: Mapped[str] = mapped_column(String(HOLDER_LENGTH))
    until: Mapped[datetime] = mapped_column(UTCDateTime())


class SendBudgetRow(Base):
    """The bot token's sending budget, shared by every process that sends (Telegram counts ~30
    messages per second per token, not per process): when the next message may go.

    Moments are seconds since the epoch (a float) by the reserving process's clock; a
    `retry_after` seen by one process is `held_until` for all.
    """

    __tablename__ = "send_budget"

    name: Mapped[str] = mapped_column(String(JOB_NAME_LENGTH), primary_key=True)
    sustained_at: Mapped[float] = mapped_column(Float)
    peak_at: Mapped[float] = mapped_column(Float)
    held_until: Mapped[float] = mapped_column(Float)
