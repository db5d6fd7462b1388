"""The hotline's tables: questions, tickets and their messages, FAQ drafts.

Kept apart from the roadmap tables: this is the only personal data of members of the public, and
`/forget` must be able to remove all of it (rows cascade from the ticket and the question).
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, _enum


class TicketStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"


class Direction(StrEnum):
    FROM_ASKER = "in"
    TO_ASKER = "out"


class DraftStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    REJECTED = "rejected"


class HotlineQuestionRow(Base):
    """One question a member of the public asked: for the hourly limit and for FAQ upkeep."""

    __tablename__ = "hotline_questions"
    __table_args__ = (Index(None, "user_id", "asked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(Text)
    matched_id: Mapped[str | None] = mapped_column(String(64))
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    asked_at: Mapped[datetime]


class TicketRow(Base):
    __tablename__ = "hotline_tickets"
    __table_args__ = (Index(None, "asker_user_id", "status"), Index(None, "status", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    asker_user_id: Mapped[int] = mapped_column(BigInteger)
    asker_chat_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[TicketStatus] = mapped_column(_enum(TicketStatus, "status"))
    complaint: Mapped[bool] = mapped_column(Boolean, default=False)
    operators_chat_id: Mapped[int] = mapped_column(BigInteger)
    topic_id: Mapped[int | None] = mapped_column(BigInteger)
    header_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[int | None] = mapped_column(BigInteger)
    waiting_notified: Mapped[bool] = mapped_column(Boolean, default=False)


class TicketMessageRow(Base):
    """A message of a ticket, and where its copy sits in the operators' chat (to map replies)."""

    __tablename__ = "hotline_messages"
    __table_args__ = (Index(None, "operators_chat_id", "operators_message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("hotline_tickets.id", ondelete="CASCADE"))
    direction: Mapped[Direction] = mapped_column(_enum(Direction, "direction"))
    text: Mapped[str | None] = mapped_column(Text)
    operators_chat_id: Mapped[int] = mapped_column(BigInteger)
    operators_message_id: Mapped[int | None] = mapped_column(BigInteger)
    author_user_id: Mapped[int | None] = mapped_column(BigInteger)
    at: Mapped[datetime]


class FaqDraftRow(Base):
    """An operator's answer proposed as a FAQ entry; it answers nobody until an admin approves."""

    __tablename__ = "faq_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    status: Mapped[DraftStatus] = mapped_column(_enum(DraftStatus, "status"))
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    decided_by: Mapped[int | None] = mapped_column(BigInteger)
    decided_at: Mapped[datetime | None]
