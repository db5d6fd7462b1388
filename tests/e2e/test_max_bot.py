"""One member's story on either messenger: the real Application serving Telegram and MAX at once.

invite → open the deep link → /my → ✅ → ↩️ undo → the next tick's digest with its button → a
hotline question answered. The same steps run on the fake Bot API and on the fake MAX server
(a `Member` per messenger speaks each one's way); whoever uses one messenger gets nothing on
the other. Time is the harness's clock; the tick is `app.tick()`, as the scheduler runs it.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import pytest
from fake_telegram import FakeUser
from harness import SCHOOL_3, Harness, running_bot
from sqlalchemy import select

from bot.fakemax import FakeMaxServer
from bot.services.accounts import resolve_user
from bot.services.types import AssignmentStatus, Role
from storage.models import AssignmentRow, TaskRow, UnitRow, WindowRow

UNIT = "МБОУ СОШ № 3"
CODE = "1.1"
# 09:00 in Vladivostok three days before the 20 October deadline of 1.1.
THREE_DAYS_LEFT = datetime(2023, 10, 16, 23, 0, tzinfo=UTC)
FAQ_QUESTION = "а если я заболел в день экзамена?"
MAX_USER = 7003
WAIT_SECONDS = 10.0


@dataclass(frozen=True)
class Shown:
    """A message as the member sees it: its text and its buttons' labels."""

    text: str
    labels: tuple[str, ...]
    ref: Any


class Member(Protocol):
    """What a member does, the way their messenger lets them."""

    async def open_link(self, token: str) -> Shown: ...
    async def say(self, text: str) -> Shown: ...
    async def done_from_my(self, code: str) -> Shown:
        """/my, then ✅ for `code`; the message as it looks after the press."""

    async def undo(self, shown: Shown, code: str) -> Shown: ...
    async def press(self, shown: Shown, label: str) -> None: ...
    def last(self) -> Shown: ...
    async def user_id(self, bot: Harness) -> int | None: ...


class TelegramMember:
    def __init__(self, bot: Harness, user: FakeUser) -> None:
        self.bot, self.user = bot, user

    @staticmethod
    def _shown(message: dict[str, Any]) -> Shown:
        markup = message.get("reply_markup") or {}
        labels = tuple(b["text"] for row in markup.get("inline_keyboard", []) for b in row)
        return Shown(message["text"], labels, message)

    async def open_link(self, token: str) -> Shown:
        return self._shown((await self.bot.say(self.user, f"/start {token}")).result)

    async def say(self, text: str) -> Shown:
        return self._shown((await self.bot.say(self.user, text)).result)

    async def done_from_my(self, code: str) -> Shown:
        # On Telegram /my lists the items; the card of one carries ✅.
        listing = await self.say("/my")
        [label] = [text for text in listing.labels if text.endswith(f". {code}")]
        await self._press_and_edit(listing, label)
        await self._press_and_edit(self.last(), "✅ Выполнено")
        return self.last()

    async def undo(self, shown: Shown, code: str) -> Shown:
        await self._press_and_edit(shown, "↩️ Отменить")
        return self.last()

    async def press(self, shown: Shown, label: str) -> None:
        await self.bot.press(self.user, shown.ref, text=label)
        await self.bot.settle()

    async def _press_and_edit(self, shown: Shown, label: str) -> None:
        since = len(self.bot.server.calls)
        await self.bot.press(self.user, shown.ref, text=label)
        await self.bot.server.wait_for_call("editMessageText", since=since)

    def last(self) -> Shown:
        return self._shown(self.bot.last(self.user))

    async def user_id(self, bot: Harness) -> int | None:
        return self.user.id


class MaxMember:
    def __init__(self, bot: Harness, server: FakeMaxServer, user_id: int) -> None:
        self.bot, self.server, self.max_id = bot, server, user_id

    def _shown(self, mid: str) -> Shown:
        message = self.server.messages[mid]
        labels = tuple(
            button["text"]
            for attachment in message.attachments
            for row in attachment["payload"]["buttons"]
            for button in row
        )
        return Shown(message.text or "", labels, mid)

    async def _until(self, done: Callable[[], bool]) -> None:
        await self.server.wait_for(done, WAIT_SECONDS)

    async def _reply_to(self, act: Callable[[], object]) -> Shown:
        before = len(self.server.sent_to(self.max_id))
        act()
        await self._until(lambda: len(self.server.sent_to(self.max_id)) > before)
        return self._shown(self.server.sent_to(self.max_id)[before].mid)

    async def open_link(self, token: str) -> Shown:
        return await self._reply_to(lambda: self.server.bot_started(self.max_id, token))

    async def say(self, text: str) -> Shown:
        return await self._reply_to(lambda: self.server.user_message(self.max_id, text))

    async def done_from_my(self, code: str) -> Shown:
        # On MAX /my carries ✅ for each open item itself.
        listing = await self.say("/my")
        return await self._press_and_edit(listing, f"✅ Выполнено: {code}")

    async def undo(self, shown: Shown, code: str) -> Shown:
        return await self._press_and_edit(shown, f"↩️ Отменить: {code}")

    async def press(self, shown: Shown, label: str) -> None:
        callback_id = self.server.press(self.max_id, shown.ref, self._payload(shown, label))
        await self._until(lambda: bool(self.server.answers(callback_id)))

    async def _press_and_edit(self, shown: Shown, label: str) -> Shown:
        edits = len(self._calls("PUT /messages"))
        await self.press(shown, label)
        await self._until(lambda: len(self._calls("PUT /messages")) > edits)
        return self._shown(shown.ref)

    def _calls(self, path: str) -> list[Any]:
        return [call for call in self.server.calls if call.path == path]

    def _payload(self, shown: Shown, label: str) -> str:
        message = self.server.messages[shown.ref]
        [payload] = [
            button["payload"]
            for attachment in message.attachments
            for row in attachment["payload"]["buttons"]
            for button in row
            if button["text"] == label
        ]
        return str(payload)

    def last(self) -> Shown:
        return self._shown(self.server.sent_to(self.max_id)[-1].mid)

    async def user_id(self, bot: Harness) -> int | None:
        async with bot.session() as session:
            return await resolve_user(session, "max", str(self.max_id))


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    """Both messengers configured; SQLite (the services' tests cover PostgreSQL)."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"
    async with running_bot(url, tmp_path, with_max=True, tick_seconds=0) as harness:
        yield harness


def member_on(bot: Harness, transport: str) -> Member:
    if transport == "telegram":
        return TelegramMember(bot, SCHOOL_3)
    assert bot.max_server is not None
    return MaxMember(bot, bot.max_server, MAX_USER)


async def status(bot: Harness, code: str) -> AssignmentStatus:
    async with bot.session() as session:
        found = await session.scalar(
            select(AssignmentRow.status)
            .join(WindowRow, WindowRow.id == AssignmentRow.window_id)
            .join(TaskRow, TaskRow.id == WindowRow.task_id)
            .join(UnitRow, UnitRow.id == AssignmentRow.unit_id)
            .where(TaskRow.code == code, UnitRow.name == UNIT)
        )
    assert found is not None
    return AssignmentStatus(found)


@pytest.mark.parametrize("transport", ["telegram", "max"])
async def test_a_members_story_on_either_messenger(bot: Harness, transport: str) -> None:
    member = member_on(bot, transport)

    welcome = await member.open_link(await bot.invitation(Role.MEMBER, UNIT))
    assert UNIT in welcome.text
    assert await member.user_id(bot) is not None

    coming = await member.say("/upcoming")
    assert coming.text.startswith("Напоминания на ближайшие 14 дней:")
    # Telegram shows the text with entities, MAX as HTML: compare what the person reads.
    assert f"• {CODE} Проведение родительских собраний" in re.sub(r"<[^>]+>", "", coming.text)
    refused = await member.say("/upcoming 400")
    assert refused.text.startswith("Использование: /upcoming")

    done = await member.done_from_my(CODE)
    assert await status(bot, CODE) is AssignmentStatus.CONFIRMED
    undone = await member.undo(done, CODE)
    assert await status(bot, CODE) is AssignmentStatus.OPEN
    assert any(label.startswith("✅ Выполнено") for label in undone.labels)

    bot.clock.set(THREE_DAYS_LEFT)
    report = await bot.app.tick()
    assert report.delivered == 1
    digest = member.last()
    assert digest.text.startswith("🔔")
    assert CODE in digest.text and "осталось 3 дня" in digest.text
    assert digest.labels == (f"✅ Выполнено: {CODE}",)
    await member.press(digest, f"✅ Выполнено: {CODE}")
    assert await status(bot, CODE) is AssignmentStatus.CONFIRMED
    again = await bot.app.tick()
    assert again.delivered == 0

    answer = await member.say(FAQ_QUESTION)
    assert "справк" in answer.text.lower()
    assert "Помогло?" in answer.text
    assert answer.labels == ("👍 Да", "Нет, спросить оператора")

    assert bot.max_server is not None
    if transport == "max":
        assert bot.server.calls_to("sendMessage") == []
        assert bot.server.calls_to("editMessageText") == []
        assert bot.server.calls_to("answerCallbackQuery") == []
    else:
        assert bot.max_server.sent() == []
        assert [c for c in bot.max_server.calls if c.path == "POST /answers"] == []
    assert bot.server.unexpected_errors() == []


async def test_a_max_reply_refused_with_429_arrives_after_the_wait(bot: Harness) -> None:
    """Replies on MAX go through MAX's budget (`PacedOutbound`): a 429 is waited out and the
    reply sent again, as Telegram's replies are (issue 13: every outgoing call, not only
    reminders)."""
    assert bot.max_server is not None
    member = MaxMember(bot, bot.max_server, MAX_USER)
    bot.max_server.fail("POST /messages", 429, retry_after=1)

    shown = await member.say("/help")

    assert "/my" in shown.text
    posts = [c.status for c in bot.max_server.calls if c.path == "POST /messages"]
    assert posts == [429, 200]
