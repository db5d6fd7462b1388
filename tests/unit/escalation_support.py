"""A plan in Barnaul with a coordinator, a controller and two schools, for the control jobs.

«1.1» is due on Friday 29 December 2023: five working days later, after the New Year holidays
(1–8 January), is Monday 15 January 2024, and 09:00 there (UTC+7) is 02:00 UTC.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from services_support import ADMIN_ID, assignment_id, join
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.plan.loader import load_plan_text
from bot.services.assignments import confirm
from bot.services.invitations import create_invitation, redeem_invitation
from bot.services.plans import sync_plan
from bot.services.types import Role
from bot.services.units import add_unit, find_unit
from storage.models_control import EscalationRow, NoticeRow

PLAN_ID = "esc-plan"
BARNAUL = ZoneInfo("Asia/Barnaul")
LOADED = datetime(2023, 10, 2, 3, 0, tzinfo=UTC)
COORDINATOR, CONTROLLER = "Полосина Н.В.", "Рязанов М.А."
SCHOOL_3, SCHOOL_7 = "МБОУ СОШ №3", "МБОУ СОШ №7"
COORDINATOR_USER, CONTROLLER_USER, STAFF_USER = 7001, 7002, 7003
MEMBER_3, MEMBER_7 = 7103, 7107


def nine(day: date) -> datetime:
    """09:00 in Barnaul on `day`, as a UTC moment."""
    return datetime(day.year, day.month, day.day, 9, tzinfo=BARNAUL).astimezone(UTC)


ESCALATION_MOMENT = nine(date(2024, 1, 15))
MONDAY = nine(date(2024, 1, 15))
NEXT_MONDAY = MONDAY + timedelta(days=7)


def plan_yaml(control: str = "{}") -> str:
    return f"""\
id: {PLAN_ID}
title: План мероприятий
authority: Министерство
order: {{number: "1", date: 2023-10-02}}
region: Алтайский край
timezone: Asia/Barnaul
school_year: 2023/24
coordinators:
  - {{party: {COORDINATOR}, role: coordinates}}
  - {{party: {CONTROLLER}, role: controls}}
control: {control}
directory:
  people:
    - name: {COORDINATOR}
    - name: {CONTROLLER}
  organisations:
    - {{name: ОО, kind: category}}
sections:
  - code: "1"
    title: Подготовка
    measures:
      - {{code: "1.1", title: Совещание <руководителей>, term: до 29.12.2023, responsible: ОО}}
      - {{code: "1.2", title: Мониторинг, term: в течение учебного года, responsible: ОО}}
      - {{code: "1.3", title: Отчёт, term: до 10.01.2024, responsible: ОО}}
"""


@dataclass
class World:
    sessions: async_sessionmaker[AsyncSession]
    units: dict[str, int]

    async def join(self, unit: str, user_id: int) -> None:
        async with self.sessions() as session:
            await join(session, self.units[unit], user_id, LOADED)

    async def staff(self, user_id: int = STAFF_USER) -> None:
        async with self.sessions() as session:
            token, _info = await create_invitation(
                session, Role.STAFF, None, created_by=ADMIN_ID, now=LOADED
            )
            await redeem_invitation(
                session,
                token,
                user_id=user_id,
                chat_id=user_id,
                full_name=f"Staff {user_id}",
                username=None,
                now=LOADED,
            )

    async def confirm(self, code: str, unit: str, user_id: int, at: datetime) -> None:
        async with self.sessions() as session:
            await confirm(session, await assignment_id(session, code, unit), user_id, at)

    async def escalated(self) -> set[int]:
        async with self.sessions() as session:
            return set(await session.scalars(select(EscalationRow.assignment_id)))

    async def assignment(self, code: str, unit: str) -> int:
        async with self.sessions() as session:
            return await assignment_id(session, code, unit)

    async def notices(self) -> list[NoticeRow]:
        async with self.sessions() as session:
            return list(await session.scalars(select(NoticeRow).order_by(NoticeRow.id)))


async def make_world(
    sessions: async_sessionmaker[AsyncSession], control: str = "{}", *, members: bool = True
) -> World:
    async with sessions() as session:
        result = load_plan_text(plan_yaml(control), f"plans/{PLAN_ID}.yaml")
        assert result.plan is not None, result.errors
        await sync_plan(session, result.plan, LOADED)
        units = {
            name: (await add_unit(session, PLAN_ID, "ОО", name, LOADED)).id
            for name in (SCHOOL_3, SCHOOL_7)
        }
        for name in (COORDINATOR, CONTROLLER):
            units[name] = (await find_unit(session, PLAN_ID, name)).id
        await session.commit()
    world = World(sessions, units)
    await world.join(SCHOOL_3, MEMBER_3)
    await world.join(SCHOOL_7, MEMBER_7)
    if members:
        await world.join(COORDINATOR, COORDINATOR_USER)
        await world.join(CONTROLLER, CONTROLLER_USER)
    await world.staff()
    return world
