"""Accounts

People on either messenger: an account per (transport, kind, external id) pointing at users.id,
the user's preferred transport for reminders, and the transport (and a string message id, for
MAX) on outbox rows and notices; invitations that bind a person's other messenger. Everyone already here came through Telegram: their account is
written from users.id.

Revision ID: 0005_accounts
Revises: 0004
Create Date: 2026-12-05 15:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_accounts"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transport", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_accounts_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint(
            "transport", "kind", "external_id", name=op.f("uq_accounts_transport_kind_external_id")
        ),
    )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_accounts_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("preferred_transport", sa.String(length=16), nullable=True))
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("binds_user_id", sa.BigInteger(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_invitations_binds_user_id_users"), "users", ["binds_user_id"], ["id"]
        )
    for table in ("outbox", "notices"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column(
                    "transport", sa.String(length=16), server_default="telegram", nullable=False
                )
            )
            batch_op.add_column(sa.Column("message_ref", sa.String(length=64), nullable=True))
    op.execute(
        "INSERT INTO accounts (transport, kind, external_id, user_id, created_at) "
        "SELECT 'telegram', 'user', CAST(id AS VARCHAR(64)), id, created_at FROM users"
    )


def downgrade() -> None:
    for table in ("notices", "outbox"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("message_ref")
            batch_op.drop_column("transport")
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_invitations_binds_user_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("binds_user_id")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("preferred_transport")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accounts_user_id"))
    op.drop_table("accounts")
