"""The control tables: evidence, extension requests, deadline history, escalations, notices.

`notices` is the outbox of one-off messages (a returned confirmation, an extension decision, an
escalation, the weekly digest): rendered when they are written, keyed so that writing one twice
is harmless, and sent by the tick like reminders are.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.domain.enums import EvidenceKind, ExtensionStatus
from storage.models import EXTERNAL_ID_LENGTH, TRANSPORT_LENGTH, Base, _enum
from storage.models_reminders import DeliveryStatus

NOTICE_KEY_LENGTH = 128


class EvidenceRow(Base):
    """A document or photo attached to a confirmation: Telegram keeps the file, we keep its id."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), index=True)
    kind: Mapped[EvidenceKind] = mapped_column(_enum(EvidenceKind, "kind"))
    file_id: Mapped[str] = mapped_column(Text)
    file_unique_id: Mapped[str] = mapped_column(String(128))
    file_name: Mapped[str | None] = mapped_column(Text)
    mime_type: Mapped[str | None] = mapped_column(String(128))
    size: Mapped[int | None] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime]


class ExtensionRow(Base):
    """A unit's request to move its deadline, and the staff decision on it."""

    __tablename__ = "extension_requests"
    __table_args__ = (Index(None, "status", "requested_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), index=True)
    requested_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text)
    proposed_date: Mapped[date | None]
    old_date: Mapped[date]
    """The deadline in force when the request was made."""
    status: Mapped[ExtensionStatus] = mapped_column(_enum(ExtensionStatus, "status"))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    new_date: Mapped[date | None]
    decision_comment: Mapped[str | None] = mapped_column(Text)


class DeadlineChangeRow(Base):
    """Every change of a deadline: who, when, why. Appended, never updated.

    An approved extension moves one assignment; `/setdate` moves a task for every unit
    (`assignment_id` is None then).
    """

    __tablename__ = "deadline_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"), index=True)
    old_date: Mapped[date | None]
    new_date: Mapped[date]
    user_id: Mapped[int | None] = mapped_column(BigInteger)
    """None for a change made from the command line."""
    at: Mapped[datetime]
    reason: Mapped[str | None] = mapped_column(Text)
    extension_id: Mapped[int | None] = mapped_column(ForeignKey("extension_requests.id"))


class EscalationRow(Base):
    """An overdue assignment reported to the plan's coordinators; one row, so once only."""

    __tablename__ = "escalations"

    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), primary_key=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id"))
    deadline: Mapped[date]
    working_days: Mapped[int] = mapped_column(Integer)
    escalated_at: Mapped[datetime]


class NoticeRow(Base):
    """A one-off message to one user; `key` makes writing it twice harmless."""

    __tablename__ = "notices"
    __table_args__ = (Index(None, "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(NOTICE_KEY_LENGTH), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(Text)
    keyboard: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[DeliveryStatus] = mapped_column(_enum(DeliveryStatus, "status"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(Text)
    transport: Mapped[str] = mapped_column(
        String(TRANSPORT_LENGTH), default="telegram", server_default="telegram"
    )
    message_ref: Mapped[str | None] = mapped_column(String(EXTERNAL_ID_LENGTH))
