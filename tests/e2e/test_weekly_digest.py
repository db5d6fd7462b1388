"""The weekly digest end to end: its totals agree with its bar, and an escalation is counted in
one week only. The e2e plan plus «1.4» (due Monday 23 October 2023, so escalated five working
days later, on Monday 30 October) and «1.5», an ongoing period («в течение октября») that ends
on 31 October."""

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fake_telegram import FakeUser
from harness import PLAN_YAML, SCHOOL_3, Harness, running_bot
from test_reminders import clock_limiter

from bot.services.types import Role

STAFF = FakeUser(5001, "Наталья", username="staff_natalia")
EXTRA = """\
      - code: "1.4"
        title: Сбор заявлений
        term: до 23.10.2023
        responsible: ОО
      - code: "1.5"
        title: Информирование родителей
        term: в течение октября 2023 года
        responsible: ОО
"""
# 09:00 in Vladivostok is 23:00 UTC the day before. On the 30th the bot came up at 09:05; a
# week later its tick ran on time.
MONDAY_30_OCTOBER = datetime(2023, 10, 29, 23, 5, tzinfo=UTC)
MONDAY_6_NOVEMBER = datetime(2023, 11, 5, 23, 0, 30, tzinfo=UTC)


@pytest.fixture
async def bot(db_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_bot(db_url, tmp_path, plan_yaml=PLAN_YAML + EXTRA, tick_seconds=0) as h:
        h.app.use_limiter(clock_limiter(h.clock))
        yield h


def digests(bot: Harness) -> list[dict[str, Any]]:
    return [m for m in bot.server.sent_messages(STAFF.id) if m["text"].startswith("📅")]


def number(text: str, pattern: str) -> int:
    found = re.search(pattern, text)
    assert found is not None, (pattern, text)
    return int(found.group(1))


async def run_at(bot: Harness, moment: datetime) -> None:
    bot.clock.set(moment)
    await bot.app.control_tick()
    await bot.app.tick()


async def test_the_digest_agrees_with_itself_and_counts_an_escalation_once(
    bot: Harness,
) -> None:
    await bot.join(SCHOOL_3, "МБОУ СОШ № 3")
    await bot.say(STAFF, f"/start {await bot.invitation(Role.STAFF)}")

    await run_at(bot, MONDAY_30_OCTOBER)
    [first] = digests(bot)
    # «1.1» (27 October) and «1.4» (today) for both schools.
    assert number(first["text"], r"Эскалировано за неделю: (\d+)") == 4

    await run_at(bot, MONDAY_6_NOVEMBER)
    [_first, second] = digests(bot)
    text = second["text"]
    overdue = number(text, r"Всего просрочено: (\d+)")
    bar = number(text, r"❗ (\d+)")
    # 1.1, 1.4 and the ongoing 1.5 for both schools: the expired period counts everywhere.
    assert (overdue, bar) == (6, 6), text
    assert number(text, r"Эскалировано за неделю: (\d+)") == 0, text
    assert "1.5" in text  # fell overdue in the last 7 days
    assert "г.." not in text and "По состоянию на 6 ноября 2023" in text, text


async def test_the_digest_names_its_week_by_its_days(bot: Harness) -> None:
    """«Неделя 6–12 ноября», not the ISO key «2023-W45»; a week across two months names both."""
    await bot.say(STAFF, f"/start {await bot.invitation(Role.STAFF)}")

    await run_at(bot, MONDAY_30_OCTOBER)
    await run_at(bot, MONDAY_6_NOVEMBER)
    first, second = (message["text"].split("\n")[0] for message in digests(bot))
    assert first.startswith("📅 Неделя 30 октября\u2009—\u20095 ноября · "), first  # thin spaces
    assert second.startswith("📅 Неделя 6–12 ноября · "), second
