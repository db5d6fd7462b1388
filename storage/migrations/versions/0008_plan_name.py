"""Plan name

The short name messages show for a plan («ГИА-2024, Спасск-Дальний»); ids stay for commands.

Revision ID: 0008_plan_name
Revises: 0007_send_budget
Create Date: 2026-12-06 00:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_plan_name"
down_revision: str | None = "0007_send_budget"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("plans") as batch:
        batch.add_column(sa.Column("name", sa.String(length=60), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("plans") as batch:
        batch.drop_column("name")
