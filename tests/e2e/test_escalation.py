"""Escalation end to end: the real bot, the fake Bot API server, a clock the test moves.

«1.1» is due on Friday 20 October 2023; five working days later is Friday 27 October, and
09:00 in Vladivostok then is 23:00 UTC on the 26th.
"""

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from harness import ADMIN, OFFICIAL, PLAN_YAML, SCHOOL_3, SCHOOL_7, Harness, running_bot
from sqlalchemy import select
from test_reminders import clock_limiter

from bot.plan.loader import load_plan_text
from bot.services.assignments import confirm
from bot.services.extensions import approve, request_extension
from bot.services.plans import sync_plan
from storage.models import AssignmentRow, TaskRow, UnitRow, WindowRow
from storage.models_control import EscalationRow

COORDINATOR = "Иванова А.А."
SCHOOL_3_UNIT, SCHOOL_7_UNIT = "МБОУ СОШ № 3", "МБОУ СОШ № 7"
MOMENT = datetime(2023, 10, 26, 23, 0, tzinfo=UTC)
COORDINATED_YAML = PLAN_YAML.replace(
    "directory:", f"coordinators:\n  - {{party: {COORDINATOR}, role: coordinates}}\ndirectory:", 1
)


@pytest.fixture
async def bot(db_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_bot(db_url, tmp_path, tick_seconds=0) as harness:
        harness.app.use_limiter(clock_limiter(harness.clock))
        result = load_plan_text(COORDINATED_YAML, "plan.yaml")
        assert result.plan is not None, result.errors
        async with harness.session() as session:
            await sync_plan(session, result.plan, harness.clock.now())
            await session.commit()
        yield harness


async def run_at(bot: Harness, moment: datetime) -> None:
    bot.clock.set(moment)
    await bot.app.control_tick()
    await bot.app.tick()


def escalations(bot: Harness) -> list[dict[str, Any]]:
    return [m for m in bot.server.sent_messages(OFFICIAL.id) if "Эскалация" in m["text"]]


async def test_the_coordinator_hears_once_of_who_is_late(bot: Harness) -> None:
    await bot.join(OFFICIAL, COORDINATOR)
    await bot.join(SCHOOL_3, SCHOOL_3_UNIT)
    await bot.join(SCHOOL_7, SCHOOL_7_UNIT)
    async with bot.session() as session:
        assignment = await session.scalar(
            select(AssignmentRow.id)
            .join(WindowRow, WindowRow.id == AssignmentRow.window_id)
            .join(TaskRow, TaskRow.id == WindowRow.task_id)
            .join(UnitRow, UnitRow.id == AssignmentRow.unit_id)
            .where(TaskRow.code == "1.1", UnitRow.name == SCHOOL_3_UNIT)
        )
        assert assignment is not None
        await confirm(session, assignment, SCHOOL_3.id, datetime(2023, 10, 19, tzinfo=UTC))

    await run_at(bot, MOMENT - timedelta(minutes=1))
    assert escalations(bot) == []

    await run_at(bot, MOMENT)
    await run_at(bot, MOMENT + timedelta(hours=1))
    await run_at(bot, MOMENT + timedelta(days=3))

    [message] = escalations(bot)
    assert "1.1" in message["text"]
    assert "Проведение родительских собраний" in message["text"]
    assert SCHOOL_7_UNIT in message["text"]
    assert SCHOOL_3_UNIT not in message["text"]
    assert "просрочено на 7 дней" in message["text"]
    assert all("Эскалация" not in m["text"] for m in bot.server.sent_messages(SCHOOL_7.id))


async def test_an_extended_item_still_open_is_escalated_again_from_its_new_date(
    bot: Harness,
) -> None:
    """«1.1» is escalated against 20 October; staff extend it to 1 November; still open five
    working days after that (Thursday 9 November, 4 November being a holiday), it is escalated
    again, and the record holds the deadline it was escalated against."""
    await bot.say(ADMIN, "/start")
    await bot.join(OFFICIAL, COORDINATOR)
    await bot.join(SCHOOL_3, SCHOOL_3_UNIT)
    async with bot.session() as session:
        found = await session.scalar(
            select(AssignmentRow.id)
            .join(WindowRow, WindowRow.id == AssignmentRow.window_id)
            .join(TaskRow, TaskRow.id == WindowRow.task_id)
            .join(UnitRow, UnitRow.id == AssignmentRow.unit_id)
            .where(TaskRow.code == "1.1", UnitRow.name == SCHOOL_3_UNIT)
        )
        assert found is not None
    await run_at(bot, MOMENT)
    [first] = escalations(bot)
    assert "до 20 октября" in first["text"]

    async with bot.session() as session:
        request = await request_extension(
            session, found, SCHOOL_3.id, "Ждём протокол", now=bot.clock.now()
        )
        await approve(
            session,
            request.id,
            ADMIN.id,
            date(2023, 11, 1),
            now=bot.clock.now(),
            admin_ids=frozenset({ADMIN.id}),
        )
        await session.commit()

    await run_at(bot, datetime(2023, 11, 7, 23, 0, tzinfo=UTC))  # 8 November, 4 working days
    assert len(escalations(bot)) == 1
    await run_at(bot, datetime(2023, 11, 8, 23, 0, tzinfo=UTC))  # 9 November, the 5th
    await run_at(bot, datetime(2023, 11, 9, 23, 0, tzinfo=UTC))
    [_first, again] = escalations(bot)
    assert SCHOOL_3_UNIT in again["text"]
    assert "до 1 ноября" in again["text"]
    assert "просрочено на 8 дней" in again["text"]
    async with bot.session() as session:
        record = await session.get(EscalationRow, found)
        assert record is not None
        assert record.deadline == date(2023, 11, 1)
