"""Helpers the service modules share: change-only assignment, row-to-value conversion,
insert-if-absent."""

from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Select, and_, func, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.services.errors import NotFound
from bot.services.types import UnitInfo, UserInfo
from storage.models import (
    AssignmentRow,
    Base,
    PlanRow,
    TaskRow,
    UnitPartyRow,
    UnitRow,
    UserRow,
    WindowRow,
)


async def updated_one(session: AsyncSession, statement: Any) -> bool:
    """Run an UPDATE guarded by the state it leaves: true when it changed the one row."""
    result = cast(CursorResult[Any], await session.execute(statement))
    return result.rowcount == 1


def assign(row: object, **values: Any) -> bool:
    """Set only the attributes that differ, so an unchanged row is never written."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def user_info(row: UserRow) -> UserInfo:
    return UserInfo(
        id=row.id,
        chat_id=row.chat_id,
        full_name=row.full_name,
        username=row.username,
        language=row.language,
        role=row.role,
        active=row.active,
        created_at=row.created_at,
    )


async def unit_infos(session: AsyncSession, rows: list[UnitRow]) -> tuple[UnitInfo, ...]:
    if not rows:
        return ()
    links = await session.execute(
        select(UnitPartyRow.unit_id, UnitPartyRow.party_name)
        .where(UnitPartyRow.unit_id.in_([row.id for row in rows]))
        .order_by(UnitPartyRow.party_name)
    )
    parties: dict[int, list[str]] = {}
    for unit_id, party_name in links:
        parties.setdefault(unit_id, []).append(party_name)
    return tuple(
        UnitInfo(
            id=row.id,
            plan_id=row.plan_id,
            name=row.name,
            kind=row.kind,
            party_name=row.party_name,
            parties=tuple(parties.get(row.id, ())),
            active=row.active,
        )
        for row in rows
    )


async def unit_info(session: AsyncSession, unit_id: int) -> UnitInfo:
    row = await session.get(UnitRow, unit_id)
    if row is None:
        raise NotFound(f"no unit {unit_id}")
    [info] = await unit_infos(session, [row])
    return info


INSERT_CHUNK = 1000

EFFECTIVE_DEADLINE: ColumnElement[Any] = func.coalesce(AssignmentRow.due_date, WindowRow.end)
"""An assignment's deadline: its approved extension, else its window's end."""

MEASURE = aliased(TaskRow, name="measure")
"""The measure a sub-item belongs to (for its title), as `with_assignment_context` joins it."""


def with_assignment_context(
    query: Select[Any], *, plan: bool = False, measure: bool = False
) -> Select[Any]:
    """`query`, which has AssignmentRow in its FROM, joined to the assignment's window, task and
    unit; with `plan` its plan, with `measure` (outer) the measure of a sub-item."""
    query = query.join(WindowRow, WindowRow.id == AssignmentRow.window_id).join(
        TaskRow, TaskRow.id == WindowRow.task_id
    )
    if plan:
        query = query.join(PlanRow, PlanRow.id == TaskRow.plan_id)
    query = query.join(UnitRow, UnitRow.id == AssignmentRow.unit_id)
    if measure:
        query = query.outerjoin(
            MEASURE,
            and_(MEASURE.plan_id == TaskRow.plan_id, MEASURE.code == TaskRow.measure_code),
        )
    return query


async def insert_if_absent(
    session: AsyncSession, model: type[Base], rows: list[dict[str, Any]]
) -> int:
    """INSERT … ON CONFLICT DO NOTHING, returning how many rows were new.

    Checking for existing keys first would race with another process scheduling the same
    reminders (`roadmap-bot sync` beside the running bot), and on PostgreSQL a unique
    violation aborts the whole transaction. Both dialects spell the clause the same way but
    SQLAlchemy builds it from dialect-specific `insert` constructs.
    """
    return len(await inserted_keys(session, model, rows))


async def inserted_keys(
    session: AsyncSession, model: type[Base], rows: list[dict[str, Any]]
) -> list[tuple[Any, ...]]:
    """`insert_if_absent`, returning the primary keys of the rows that were new."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    keys: list[tuple[Any, ...]] = []
    for start in range(0, len(rows), INSERT_CHUNK):
        statement = insert(model).on_conflict_do_nothing().returning(*inspect(model).primary_key)
        result = await session.execute(statement, rows[start : start + INSERT_CHUNK])
        keys.extend(tuple(row) for row in result.all())
    return keys
