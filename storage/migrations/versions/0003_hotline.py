"""Hotline

Questions from the public, tickets and their messages in the operators' chat, FAQ drafts.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 13:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=16)


def upgrade() -> None:
    op.create_table(
        "hotline_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("matched_id", sa.String(length=64), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotline_questions")),
    )
    with op.batch_alter_table("hotline_questions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hotline_questions_user_id"), ["user_id", "asked_at"], unique=False
        )
    op.create_table(
        "hotline_tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asker_user_id", sa.BigInteger(), nullable=False),
        sa.Column("asker_chat_id", sa.BigInteger(), nullable=False),
        sa.Column("status", _enum("status", "open", "answered", "closed"), nullable=False),
        sa.Column("complaint", sa.Boolean(), nullable=False),
        sa.Column("operators_chat_id", sa.BigInteger(), nullable=False),
        sa.Column("topic_id", sa.BigInteger(), nullable=True),
        sa.Column("header_message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.BigInteger(), nullable=True),
        sa.Column("waiting_notified", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotline_tickets")),
    )
    with op.batch_alter_table("hotline_tickets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hotline_tickets_asker_user_id"),
            ["asker_user_id", "status"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_hotline_tickets_status"), ["status", "created_at"], unique=False
        )
    op.create_table(
        "hotline_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("direction", _enum("direction", "in", "out"), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("operators_chat_id", sa.BigInteger(), nullable=False),
        sa.Column("operators_message_id", sa.BigInteger(), nullable=True),
        sa.Column("author_user_id", sa.BigInteger(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["hotline_tickets.id"],
            name=op.f("fk_hotline_messages_ticket_id_hotline_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotline_messages")),
    )
    with op.batch_alter_table("hotline_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hotline_messages_operators_chat_id"),
            ["operators_chat_id", "operators_message_id"],
            unique=False,
        )
    op.create_table(
        "faq_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("status", _enum("status", "draft", "approved", "rejected"), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.BigInteger(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_drafts")),
    )


def downgrade() -> None:
    op.drop_table("faq_drafts")
    with op.batch_alter_table("hotline_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hotline_messages_operators_chat_id"))
    op.drop_table("hotline_messages")
    with op.batch_alter_table("hotline_tickets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hotline_tickets_status"))
        batch_op.drop_index(batch_op.f("ix_hotline_tickets_asker_user_id"))
    op.drop_table("hotline_tickets")
    with op.batch_alter_table("hotline_questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hotline_questions_user_id"))
    op.drop_table("hotline_questions")
