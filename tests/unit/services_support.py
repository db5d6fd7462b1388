"""A small plan and named people for the storage and service tests."""

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.plan.loader import load_plan_text
from bot.plan.model import Plan
from bot.services.invitations import create_invitation, redeem_invitation
from bot.services.types import MembershipInfo, Role
from storage.models import AssignmentRow, Base, TaskRow, UnitRow, WindowRow

NOW = datetime(2023, 10, 2, 9, 0, tzinfo=UTC)
PLAN_ID = "test-plan"
ADMIN_ID = 1_000
POLOSINA, RYAZANOV, RCOI = "Полосина Н.В.", "Рязанов М.А.", "РЦОИ"
SCHOOL_3, SCHOOL_5 = "МБОУ СОШ №3", "МБОУ СОШ №5"

PLAN_YAML = """\
id: test-plan
title: План мероприятий
authority: Министерство
order: {number: "1", date: 2023-10-02}
region: Край
timezone: Asia/Barnaul
school_year: 2023/24
directory:
  people:
    - name: Полосина Н.В.
    - name: Рязанов М.А.
  organisations:
    - {name: РЦОИ, kind: single}
    - {name: ОО, kind: category}
    - {name: МОУО, kind: category}
  groups:
    - {name: руководители МОУО, of: МОУО}
sections:
  - code: "1"
    title: Раздел
    measures:
      - code: "1.1"
        title: Совещание
        term: октябрь 2023
        windows: [{start: 2023-10-01, end: 2023-10-31}]
        responsible: Полосина Н.В.
      - code: "1.2"
        title: Обучение
        term: до 15 ноября 2023 года, до 15 марта 2024 года
        windows: [{end: 2023-11-15}, {end: 2024-03-15}]
        responsible: РЦОИ, ОО
      - code: "1.3"
        title: С подпунктами
        responsible: Рязанов М.А., руководители МОУО
        items:
          - title: – первое
            term: ноябрь 2023
            windows: [{start: 2023-11-01, end: 2023-11-30}]
          - title: – второе
            term: декабрь 2023
            windows: [{start: 2023-12-01, end: 2023-12-31}]
"""


def load(text: str = PLAN_YAML) -> Plan:
    result = load_plan_text(text, "plans/test-plan.yaml")
    assert result.errors == [], result.errors
    assert result.plan is not None
    return result.plan


async def join(
    session: AsyncSession, unit_id: int, user_id: int, now: datetime = NOW
) -> MembershipInfo:
    """Make the user a member of the unit the way people join: through an invitation."""
    token, _ = await create_invitation(session, Role.MEMBER, unit_id, created_by=ADMIN_ID, now=now)
    redemption = await redeem_invitation(
        session,
        token,
        user_id=user_id,
        chat_id=user_id,
        full_name=f"User {user_id}",
        username=None,
        now=now,
    )
    assert redemption.membership is not None
    return redemption.membership


async def snapshot(session: AsyncSession) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, in primary-key order: two equal snapshots mean nothing changed."""
    tables: dict[str, list[tuple[object, ...]]] = {}
    for table in Base.metadata.sorted_tables:
        rows = await session.execute(select(table).order_by(*table.primary_key.columns))
        tables[table.name] = [tuple(row) for row in rows]
    return tables


async def assignment_keys(
    session: AsyncSession, *, active: bool = True
) -> set[tuple[str, int, str]]:
    """(task code, window seq, unit name) of the plan's assignments."""
    rows = await session.execute(
        select(TaskRow.code, WindowRow.seq, UnitRow.name)
        .join(WindowRow, WindowRow.task_id == TaskRow.id)
        .join(AssignmentRow, AssignmentRow.window_id == WindowRow.id)
        .join(UnitRow, UnitRow.id == AssignmentRow.unit_id)
        .where(AssignmentRow.active == active)
    )
    return {(code, seq, unit) for code, seq, unit in rows}


async def assignment_id(session: AsyncSession, code: str, unit: str, seq: int = 0) -> int:
    found = await session.scalar(
        select(AssignmentRow.id)
        .join(WindowRow, WindowRow.id == AssignmentRow.window_id)
        .join(TaskRow, TaskRow.id == WindowRow.task_id)
        .join(UnitRow, UnitRow.id == AssignmentRow.unit_id)
        .where(TaskRow.code == code, WindowRow.seq == seq, UnitRow.name == unit)
    )
    assert found is not None, (code, unit, seq)
    return found
