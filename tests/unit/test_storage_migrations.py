"""Migrations: up from empty, down to base, up again, and the result matches the models."""

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from storage import models_scale  # noqa: F401  (its tables join Base.metadata)
from storage.engine import create_engine
from storage.migrate import current_revision, downgrade, upgrade
from storage.models import Base

TABLES = {
    "plans",
    "parties",
    "tasks",
    "task_parties",
    "task_windows",
    "units",
    "unit_parties",
    "users",
    "assignments",
    "assignment_events",
    "memberships",
    "invitations",
    "reminders",
    "outbox",
    "hotline_questions",
    "hotline_tickets",
    "hotline_messages",
    "faq_drafts",
    "evidence",
    "extension_requests",
    "deadline_changes",
    "escalations",
    "notices",
    "fsm_states",
    "handled_updates",
    "job_leases",
    "send_budget",
    "accounts",
}


async def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    finally:
        await engine.dispose()
    return set(names) - {"alembic_version"}


async def _schema_drift(url: str) -> list[Any]:
    def diff(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(diff)
    finally:
        await engine.dispose()


async def test_migrations_go_up_down_and_up_again(db_url: str) -> None:
    assert await _tables(db_url) == set()

    await upgrade(db_url)
    assert await _tables(db_url) == TABLES
    head = await current_revision(db_url)
    assert head is not None

    await downgrade(db_url, "base")
    assert await _tables(db_url) == set()
    assert await current_revision(db_url) is None

    await upgrade(db_url)
    assert await _tables(db_url) == TABLES
    assert await current_revision(db_url) == head


async def test_upgrade_twice_is_harmless(db_url: str) -> None:
    await upgrade(db_url)
    await upgrade(db_url)
    assert await _tables(db_url) == TABLES


async def test_migrated_schema_matches_the_models(db_url: str) -> None:
    await upgrade(db_url)
    assert await _schema_drift(db_url) == []


async def test_event_kinds_constraint_allows_the_control_events(db_url: str) -> None:
    await upgrade(db_url)
    engine = create_engine(db_url)
    try:
        async with engine.connect() as connection:
            checks = await connection.run_sync(
                lambda sync: inspect(sync).get_check_constraints("assignment_events")
            )
    finally:
        await engine.dispose()
    (kind_check,) = [c for c in checks if c["name"] == "ck_assignment_events_kind"]
    for kind in ("confirmed", "returned", "accepted", "ext_refused", "evidence"):
        assert f"'{kind}'" in kind_check["sqltext"]
