"""Telegram's limits end to end: the fake Bot API refuses with 429 what Telegram would
(scaled ten times faster, see `running_bot`), and every answer still arrives."""

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fake_telegram import FakeUser
from harness import ADMIN, PLAN_ID, Harness, running_bot
from limits_support import flood_of_starts, flood_users

from bot.services.units import add_unit

SCALE = 10.0
"""The fake server's limits and the bot's limiter, ten times faster than Telegram's."""
ASKER = FakeUser(3100, "Нина")


@pytest.fixture
async def limited(db_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_bot(db_url, tmp_path, limit_scale=SCALE) as harness:
        yield harness


async def test_three_hundred_starts_in_a_second_are_all_answered(limited: Harness) -> None:
    users = flood_users(300)

    flood = await flood_of_starts(limited, users, patience=60)

    assert flood.answered == 300
    # 300 messages at 28 a second take 10.7 s at Telegram's pace: a tenth of it here.
    assert flood.seconds >= 300 / 30 / SCALE
    assert limited.server.unexpected_errors() == []


async def test_thirty_questions_in_a_burst_are_all_answered(limited: Harness) -> None:
    since = len(limited.server.calls)
    for n in range(30):
        limited.server.send_text(ASKER, f"Вопрос {n}: когда будет пробный экзамен?")

    await limited.server.wait_for_call(
        "sendMessage",
        lambda call: call.ok and call.chat_id == ASKER.id,
        count=30,
        timeout=30,
        since=since,
    )
    answered = [
        c
        for c in limited.server.calls[since:]
        if c.method == "sendMessage" and c.chat_id == ASKER.id and c.ok
    ]
    assert len(answered) >= 30
    assert limited.server.unexpected_errors() == []


async def test_a_429_is_waited_out_and_the_reply_arrives(limited: Harness) -> None:
    limited.server.fail("sendMessage", status=429, retry_after=1, chat_id=ASKER.id)

    limited.server.send_text(ASKER, "/start")

    reply = await limited.server.wait_for_call(
        "sendMessage", lambda call: call.ok and call.chat_id == ASKER.id
    )
    refused, sent = limited.server.calls_to("sendMessage", ASKER.id)
    assert (refused.fault, sent.index) == ("fail", reply.index)
    assert sent.params["text"] == refused.params["text"]


async def test_units_in_several_messages_all_arrive_in_order_despite_a_429(
    limited: Harness,
) -> None:
    async with limited.session() as session:
        for n in range(120):
            name = f"МБОУ СОШ № {100 + n} имени выдающегося земляка, с длинным официальным именем"
            await add_unit(session, PLAN_ID, "ОО", name, limited.clock.now())
            await session.commit()
    limited.server.fail("sendMessage", status=429, retry_after=1, chat_id=ADMIN.id, times=2)
    since = len(limited.server.calls)

    limited.server.send_text(ADMIN, "/units")
    await limited.server.wait_for_call(
        "sendMessage",
        lambda call: call.ok and call.chat_id == ADMIN.id and "№ 219 " in call.params["text"],
        timeout=30,
        since=since,
    )

    parts = [
        c.params["text"]
        for c in limited.server.calls[since:]
        if c.method == "sendMessage" and c.chat_id == ADMIN.id and c.ok
    ]
    assert len(parts) >= 3
    shown = "\n".join(parts)
    numbers = [int(n) for n in re.findall(r"№ (\d+) имени", shown)]
    assert numbers == list(range(100, 220))
