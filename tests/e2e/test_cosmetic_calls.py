"""Calls whose failure must not look like a failure of what the user asked for."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from harness import DESK_CHAT, OPERATOR, PARENT, SCHOOL_3, Harness, running_bot
from test_bot_core import buttons, open_first
from test_hotline import UNKNOWN_QUESTION, ask_operator

DESK = -1001234567890
APOLOGY = "Извините, что-то пошло не так"


@pytest.fixture
async def bot(db_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_bot(db_url, tmp_path) as harness:
        yield harness


async def test_a_failed_reaction_after_a_relay_is_logged_not_apologised_for(bot: Harness) -> None:
    header = await ask_operator(bot, PARENT, UNKNOWN_QUESTION)
    bot.server.fail("setMessageReaction", 500, description="Internal Server Error")
    since = len(bot.server.calls)

    bot.server.send_text(OPERATOR, "Да, можно.", chat=DESK_CHAT, reply_to=header)
    reaction = await bot.server.wait_for_call("setMessageReaction", since=since)
    await bot.settle()

    assert not reaction.ok
    assert bot.server.last_message(PARENT.id)["text"] == "Да, можно."
    desk_texts = [m.get("text", "") for m in bot.server.sent_messages(DESK)]
    assert not any(APOLOGY in text for text in desk_texts)


async def test_a_second_done_tap_sends_no_edit_that_changes_nothing(bot: Harness) -> None:
    await bot.join(SCHOOL_3, "МБОУ СОШ № 3")
    card = await open_first(bot, SCHOOL_3, "1.1")
    done = dict(buttons(card))["✅ Выполнено"]
    await bot.press(SCHOOL_3, card, text="✅ Выполнено")
    await bot.settle()
    card = bot.last(SCHOOL_3)
    edits = len(bot.server.calls_to("editMessageText", SCHOOL_3.id))

    again = await bot.press(SCHOOL_3, card, done, forged=True)
    await bot.settle()

    assert again.params["text"] == "Уже отмечено как выполненное."
    assert len(bot.server.calls_to("editMessageText", SCHOOL_3.id)) == edits
    assert bot.server.unexpected_errors() == []
