"""The reminder tables: the materialised schedule and the delivery outbox.

`reminders` holds every moment the policy wants an assignment reminded of, written ahead of
time; a tick releases the due ones into `outbox`, one row per subscriber, and the sender works
through the outbox. Both carry the unique keys that make every step safe to repeat.
"""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.reminders.policy import ReminderKind
from storage.models import EXTERNAL_ID_LENGTH, TRANSPORT_LENGTH, Base, _enum

WORKER_ID_LENGTH = 64


class ReminderStatus(StrEnum):
    PENDING = "pending"
    RELEASED = "released"
    """Written to the outbox for every subscriber."""
    CANCELLED = "cancelled"
    """Not needed: the assignment was confirmed or left the plan, or the window moved."""
    FOLDED = "folded"
    """Missed during downtime and superseded by a later reminder of the same assignment."""


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    SENDING = "sending"
    SENT = "sent"
    UNCERTAIN = "uncertain"
    """The request may have reached Telegram but its answer was lost: never sent again."""
    FAILED = "failed"
    CANCELLED = "cancelled"


class ReminderRow(Base):
    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("assignment_id", "kind", "sequence", "deadline"),
        Index(None, "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"))
    kind: Mapped[ReminderKind] = mapped_column(_enum(ReminderKind, "kind"))
    sequence: Mapped[int] = mapped_column(Integer)
    deadline: Mapped[date]
    due_at: Mapped[datetime]
    status: Mapped[ReminderStatus] = mapped_column(_enum(ReminderStatus, "status"))
    created_at: Mapped[datetime]


class OutboxRow(Base):
    """One reminder for one subscriber; (reminder, user) is the delivery's unique key."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("reminder_id", "user_id"),
        Index(None, "status", "next_attempt_at"),
        Index(None, "user_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reminder_id: Mapped[int] = mapped_column(ForeignKey("reminders.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[DeliveryStatus] = mapped_column(_enum(DeliveryStatus, "status"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    claimed_by: Mapped[str | None] = mapped_column(String(WORKER_ID_LENGTH))
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(Text)
    transport: Mapped[str] = mapped_column(
        String(TRANSPORT_LENGTH), default="telegram", server_default="telegram"
    )
    """The messenger this row goes through, chosen when it is released (the user's choice)."""
    message_ref: Mapped[str | None] = mapped_column(String(EXTERNAL_ID_LENGTH))
    """The sent message's id where it is not a number (MAX's mid)."""
