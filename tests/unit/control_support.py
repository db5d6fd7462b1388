"""A plan in Vladivostok with overdue, due, upcoming and confirmed assignments, for control tests.

At `NOW` (20:00 UTC on 10 March 2024) it is already 11 March in Vladivostok: «1.5», due on
10 March, is overdue there by one day, though in UTC its last day has not ended.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from services_support import assignment_id, join
from sqlalchemy.ext.asyncio import AsyncSession

from bot.plan.loader import load_plan_text
from bot.services.assignments import comment, confirm
from bot.services.members import set_reachable
from bot.services.plans import sync_plan
from bot.services.units import add_unit, find_unit
from storage.models import UserRow

NOW = datetime(2024, 3, 10, 20, 0, tzinfo=UTC)
LOADED = datetime(2024, 2, 1, 0, 0, tzinfo=UTC)
PLAN_ID = "ctl-plan"
SCHOOL_3, SCHOOL_7 = "МБОУ СОШ №3", "МБОУ СОШ №7"
MOUO_A, MOUO_B = "Отдел образования Хорольского района", "Управление образования Ольги"
POLOSINA, UO, RCOI = "Полосина Н.В.", "УО", "РЦОИ"
MEMBER_3, MEMBER_7, MEMBER_RCOI, MEMBER_MOUO_A = 903, 907, 910, 920
COMMENT = "Совещание перенесено на 12 марта"

PLAN_YAML = """\
id: ctl-plan
title: План контроля
authority: Министерство
order: {number: "1", date: 2024-01-10}
region: Приморский край
timezone: Asia/Vladivostok
school_year: 2023/24
directory:
  people:
    - name: Полосина Н.В.
  organisations:
    - {name: РЦОИ, kind: single}
    - {name: УО, kind: single}
    - {name: ОО, kind: category}
    - {name: МОУО, kind: category}
  groups:
    - {name: руководители МОУО, of: МОУО}
sections:
  - code: "1"
    title: Организационные меры
    measures:
      - code: "1.1"
        title: Совещание
        term: до 1 марта 2024 года
        windows: [{end: 2024-03-01}]
        responsible: Полосина Н.В., УО
      - code: "1.5"
        title: Организация участия школ во ВПР
        term: с 1 по 10 марта 2024 года
        windows: [{start: 2024-03-01, end: 2024-03-10}]
        responsible: ОО
      - code: "1.6"
        title: Подготовка к экзаменам
        term: апрель 2024
        windows: [{start: 2024-04-01, end: 2024-04-30}]
        responsible: ОО, РЦОИ
  - code: "5"
    title: Информирование
    measures:
      - code: "5.1"
        title: Совещания с МОУО
        term: до 5 марта 2024 года
        windows: [{end: 2024-03-05}]
        responsible: руководители МОУО, РЦОИ
      - code: "5.2"
        title: Информирование участников
        responsible: руководители МОУО
        items:
          - title: – о сроках
            term: до 20 февраля 2024 года
            windows: [{end: 2024-02-20}]
          - title: – о местах
            term: март 2024
            windows: [{start: 2024-03-01, end: 2024-03-31}]
"""


@dataclass(frozen=True)
class World:
    units: dict[str, int]


async def seed(session: AsyncSession) -> World:
    """The plan, its units and members; «1.5» confirmed by school 3, «5.1» by the РЦОИ."""
    result = load_plan_text(PLAN_YAML, "plans/ctl-plan.yaml")
    assert result.plan is not None, result.errors
    await sync_plan(session, result.plan, LOADED)
    units = {
        name: (await add_unit(session, PLAN_ID, party, name, LOADED)).id
        for party, name in (("ОО", SCHOOL_3), ("ОО", SCHOOL_7), ("МОУО", MOUO_A), ("МОУО", MOUO_B))
    }
    for name in (POLOSINA, UO, RCOI):
        units[name] = (await find_unit(session, PLAN_ID, name)).id
    await join(session, units[SCHOOL_3], MEMBER_3, LOADED)
    await join(session, units[SCHOOL_7], MEMBER_7, LOADED)
    await join(session, units[RCOI], MEMBER_RCOI, LOADED)
    await join(session, units[MOUO_A], MEMBER_MOUO_A, LOADED)
    await set_reachable(session, MEMBER_MOUO_A, reachable=False)
    await _rename(session, MEMBER_3, "Ирина Петрова")
    return World(units)


async def _rename(session: AsyncSession, user_id: int, name: str) -> None:
    row = await session.get(UserRow, user_id)
    assert row is not None
    row.full_name = name
    await session.commit()


async def confirm_some(session: AsyncSession) -> None:
    await confirm(session, await assignment_id(session, "1.5", SCHOOL_3), MEMBER_3, NOW)
    await confirm(session, await assignment_id(session, "5.1", RCOI), MEMBER_RCOI, NOW)
    await comment(session, await assignment_id(session, "1.5", SCHOOL_7), MEMBER_7, COMMENT, NOW)
