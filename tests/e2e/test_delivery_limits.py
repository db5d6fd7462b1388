"""Reminders within Telegram's length limits, and the unit whose first member comes late."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fake_telegram import FakeUser
from harness import PLAN_ID, SCHOOL_3, Harness, running_bot
from sqlalchemy import select
from test_reminders import THREE_DAYS_LEFT, clock_limiter, labels, reminders, tick_at

from bot.delivery.text import MESSAGE_LIMIT, visible_length
from bot.services.reminders import schedule_reminders
from bot.services.types import Role
from bot.services.units import add_unit
from storage.models_reminders import OutboxRow

MEASURES = 22
LONG_NAMES = [
    (
        "Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная "
        f"школа № {n} с углублённым изучением отдельных предметов имени героя» города Спасска-"
        "Дальнего Приморского края"
    )[:200].ljust(200, "ъ")
    for n in (11, 12)
]
ANOTHER_MEMBER = FakeUser(2033, "Инна")


def many_measures_plan() -> str:
    measures = "".join(
        f"""      - code: "1.{n}"
        title: Мероприятие номер {n} по подготовке к экзаменам
        term: до 20.10.2023
        responsible: ОО
"""
        for n in range(1, MEASURES + 1)
    )
    return f"""\
id: {PLAN_ID}
title: План с множеством мероприятий
authority: Управление образования
order: {{number: "1", date: 2023-10-06}}
region: Приморский край
timezone: Asia/Vladivostok
school_year: 2023/24
directory:
  organisations:
    - {{name: ОО, kind: category, full_name: общеобразовательные организации}}
sections:
  - code: "1"
    title: Раздел
    measures:
{measures}"""


@pytest.fixture
async def crowded(db_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_bot(
        db_url, tmp_path, plan_yaml=many_measures_plan(), tick_seconds=0
    ) as harness:
        harness.app.use_limiter(clock_limiter(harness.clock))
        async with harness.session() as session:
            for name in LONG_NAMES:
                await add_unit(session, PLAN_ID, "ОО", name, harness.clock.now())
                await session.commit()
            await schedule_reminders(session, PLAN_ID, harness.clock.now())
        yield harness


async def test_twenty_measures_for_two_long_named_schools_all_arrive(crowded: Harness) -> None:
    for name in LONG_NAMES:
        await crowded.join(SCHOOL_3, name)

    report = await tick_at(crowded, THREE_DAYS_LEFT)

    messages = reminders(crowded, SCHOOL_3)
    buttons = [label for message in messages for label in labels(message)]
    assert len(buttons) == 2 * MEASURES  # every reminder with its button
    assert len(messages) >= 3
    assert all(visible_length(m["text"], html=False) <= MESSAGE_LIMIT for m in messages)
    assert report.failed == 0
    async with crowded.session() as session:
        statuses = set(await session.scalars(select(OutboxRow.status)))
    assert statuses == {"sent"}
    assert crowded.server.unexpected_errors() == []


async def test_a_digest_telegram_refuses_as_too_long_goes_again_in_parts(
    crowded: Harness,
) -> None:
    await crowded.join(SCHOOL_3, LONG_NAMES[0])
    crowded.server.fail(
        "sendMessage", 400, description="Bad Request: message is too long", chat_id=SCHOOL_3.id
    )

    report = await tick_at(crowded, THREE_DAYS_LEFT)

    buttons = [label for message in reminders(crowded, SCHOOL_3) for label in labels(message)]
    assert len(buttons) == MEASURES
    assert (report.failed, report.split) == (0, 1)


async def test_a_member_bound_after_the_release_gets_one_digest_with_what_is_due(
    crowded: Harness,
) -> None:
    released = await tick_at(crowded, THREE_DAYS_LEFT)
    assert released.released >= 2 * MEASURES
    assert released.queued == 0  # nobody to tell yet

    await crowded.join(SCHOOL_3, LONG_NAMES[0])
    await tick_at(crowded, datetime(2023, 10, 17, 0, 0, tzinfo=UTC))
    caught_up = reminders(crowded, SCHOOL_3)
    await tick_at(crowded, datetime(2023, 10, 17, 1, 0, tzinfo=UTC))

    digests = reminders(crowded, SCHOOL_3)
    assert digests == caught_up  # one digest (in as many messages as 4096 needs), once
    assert len([label for m in digests for label in labels(m)]) == MEASURES
    # A second member of the same unit is not its first: no replay of the past.
    token = await crowded.invitation(Role.MEMBER, LONG_NAMES[0])
    await crowded.say(ANOTHER_MEMBER, f"/start {token}")
    await tick_at(crowded, datetime(2023, 10, 17, 2, 0, tzinfo=UTC))
    assert reminders(crowded, ANOTHER_MEMBER) == []
