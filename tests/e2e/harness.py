"""The real bot (real aiogram, real HTTP, real database) against the fake Bot API server."""

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiogram.types import TelegramObject
from fake_telegram import FakeTelegramServer, FakeUser, RecordedCall
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import Application, build_application
from bot.clock import FrozenClock
from bot.config import Settings
from bot.fakemax import FakeMaxServer
from bot.reminders.ratelimit import Limits, RateLimiter
from bot.services.invitations import create_invitation
from bot.services.types import Role
from bot.services.units import find_unit

PLAN_ID = "e2e-plan"
# 09:00 in Vladivostok on 10 October 2023.
START = datetime(2023, 10, 9, 23, 0, tzinfo=UTC)

ADMIN = FakeUser(1000, "Анна", username="admin_anna")
SCHOOL_3 = FakeUser(2003, "Ирина", username="school3")
SCHOOL_7 = FakeUser(2007, "Олег", username="school7")
OFFICIAL = FakeUser(2100, "Мария")
PARENT = FakeUser(3001, "Пётр", username="petr_parent")
OPERATOR = FakeUser(4001, "Светлана", username="operator_sveta")
# The hotline operators' group (a supergroup id is negative).
DESK_CHAT = {"id": -1001234567890, "type": "supergroup", "title": "Горячая линия ГИА"}

PLAN_YAML = f"""\
id: {PLAN_ID}
title: План мероприятий для проверки
authority: Управление образования
order: {{number: "1", date: 2023-10-06}}
region: Приморский край
timezone: Asia/Vladivostok
school_year: 2023/24
directory:
  people:
    - name: Иванова А.А.
  organisations:
    - {{name: УО, kind: single}}
    - {{name: ОО, kind: category, full_name: общеобразовательные организации}}
sections:
  - code: "1"
    title: Раздел
    measures:
      - code: "1.1"
        title: Проведение родительских собраний
        term: до 20.10.2023
        responsible: ОО
      - code: "1.2"
        title: Мониторинг сайтов школ
        term: ноябрь 2023
        responsible: УО, ОО
      - code: "1.3"
        title: Подготовка приказа
        term: до 31.12.2023
        responsible: Иванова А.А.
"""

UNITS_YAML = f"""\
plan: {PLAN_ID}
units:
  - {{name: МБОУ СОШ № 3, parties: [ОО]}}
  - {{name: МБОУ СОШ № 7, parties: [ОО]}}
"""


class UpdatesInFlight:
    """An outer middleware counting the updates the bot is handling, so a test can wait until
    it has finished them (a reply sent after the callback answer) instead of guessing a delay."""

    def __init__(self) -> None:
        self.count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        self.count += 1
        self._idle.clear()
        try:
            return await handler(event, data)
        finally:
            self.count -= 1
            if self.count == 0:
                self._idle.set()

    async def idle(self) -> None:
        await self._idle.wait()


@dataclass
class Harness:
    server: FakeTelegramServer
    app: Application
    clock: FrozenClock
    settings: Settings
    max_server: FakeMaxServer | None = None
    """With ``with_max``: the fake MAX server the same process serves."""
    in_flight: UpdatesInFlight = field(default_factory=UpdatesInFlight)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.app.sessions() as session:
            yield session

    async def invitation(self, role: Role, unit_name: str | None = None) -> str:
        async with self.session() as session:
            unit_id = (await find_unit(session, PLAN_ID, unit_name)).id if unit_name else None
            token, _info = await create_invitation(
                session, role, unit_id, created_by=ADMIN.id, now=self.clock.now()
            )
        return token

    async def say(self, user: FakeUser, text: str, method: str = "sendMessage") -> RecordedCall:
        """The user writes; returns the bot's first answer of that kind in the user's chat."""
        since = len(self.server.calls)
        self.server.send_text(user, text)
        return await self.server.wait_for_call(
            method, lambda call: call.chat_id == user.id, since=since
        )

    async def press(
        self,
        user: FakeUser,
        message: dict[str, Any],
        data: str | None = None,
        *,
        text: str | None = None,
        forged: bool = False,
    ) -> RecordedCall:
        """The user presses a button; returns the bot's answerCallbackQuery."""
        since = len(self.server.calls)
        if forged:
            assert data is not None
            self.server.forge_callback(user, message, data)
        else:
            self.server.press_button(user, message, data, text=text)
        return await self.server.wait_for_call("answerCallbackQuery", since=since)

    async def settle(self) -> None:
        """Let the bot finish the updates it is on (edits come after the callback answer)."""
        await asyncio.sleep(0)  # an update just fetched starts its handler first
        await asyncio.wait_for(self.in_flight.idle(), 10)

    def last(self, user: FakeUser) -> dict[str, Any]:
        return self.server.last_message(user.id)

    async def join(self, user: FakeUser, unit_name: str) -> None:
        token = await self.invitation(Role.MEMBER, unit_name)
        reply = await self.say(user, f"/start {token}")
        assert unit_name in reply.params["text"]

    async def send_document(
        self, user: FakeUser, file_name: str, mime_type: str | None, size: int = 2048
    ) -> RecordedCall:
        """The user sends a file of `size` bytes; returns the bot's first answer."""
        since = len(self.server.calls)
        self.server.send_document(user, b"%" * size, file_name, mime_type=mime_type)
        return await self.server.wait_for_call(
            "sendMessage", lambda call: call.chat_id == user.id, since=since
        )

    async def send_photo(self, user: FakeUser, size: int = 4096) -> RecordedCall:
        since = len(self.server.calls)
        self.server.send_photo(user, b"\xff\xd8" + b"\x00" * size)
        return await self.server.wait_for_call(
            "sendMessage", lambda call: call.chat_id == user.id, since=since
        )


def link_token(text: str) -> str:
    found = re.search(r"\?start=([A-Za-z0-9_-]+)", text)
    assert found is not None, text
    return found.group(1)


UNHURRIED = Limits().scaled(1000)
"""Tests that are not about Telegram's limits do not wait a second between two replies."""


@asynccontextmanager
async def running_bot(
    db_url: str,
    tmp_path: Path,
    *,
    plan_yaml: str = PLAN_YAML,
    limit_scale: float | None = None,
    with_max: bool = False,
    with_telegram: bool = True,
    **overrides: Any,
) -> AsyncIterator[Harness]:
    """With `limit_scale`, the fake server enforces Telegram's limits that many times faster
    and the bot's limiter is scaled alike; without, neither limits anything noticeably.
    With `with_max`, MAX_BOT_TOKEN is set too and a fake MAX server runs beside. Without
    `with_telegram` (and with `with_max`), BOT_TOKEN is not set: the bot serves MAX alone, and
    the fake Bot API server still runs, to show that nothing reaches it."""
    plan = tmp_path / "plan.yaml"
    plan.write_text(plan_yaml, encoding="utf-8")
    units = tmp_path / "units.yaml"
    units.write_text(UNITS_YAML, encoding="utf-8")
    limits = Limits().scaled(limit_scale) if limit_scale else UNHURRIED
    async with AsyncExitStack() as stack:
        server = await stack.enter_async_context(
            FakeTelegramServer(
                enforce_limits=limit_scale is not None, limit_scale=limit_scale or 1.0
            )
        )
        max_server = await stack.enter_async_context(FakeMaxServer()) if with_max else None
        if max_server is not None:
            overrides = {
                "max_bot_token": max_server.token,
                "max_api_base": max_server.base_url,
                **overrides,
            }
        server.add_chat(ADMIN.private_chat())
        server.add_chat(DESK_CHAT)
        if with_telegram:
            overrides = {"bot_token": server.token, **overrides}
        settings = Settings(
            database_url=db_url,
            plan_paths=[str(plan)],
            units_paths=[str(units)],
            admin_ids=frozenset({ADMIN.id}),
            telegram_api_base=server.base_url,
            hotline_chat_id=DESK_CHAT["id"],
            hotline_timezone="Asia/Vladivostok",
            _env_file=None,
            **overrides,
        )
        clock = FrozenClock(START)
        app = build_application(settings, clock, RateLimiter.with_limits(limits))
        report = await app.prepare()
        assert report.problems == []
        in_flight = UpdatesInFlight()
        app.dispatcher.update.outer_middleware(in_flight)
        polling = asyncio.create_task(app.poll(report, handle_signals=False))
        try:
            if with_telegram:
                await server.wait_until_polled()
            if max_server is not None and settings.max_webhook_url is None:
                started = max_server
                await started.wait_for(
                    lambda: any(c.path == "GET /subscriptions" for c in started.calls)
                )
            yield Harness(server, app, clock, settings, max_server, in_flight)
        finally:
            await app.stop()
            await polling
            await app.close()


@pytest.fixture
async def bot(db_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    """The running bot, on SQLite and on PostgreSQL (`db_url` is parametrised)."""
    async with running_bot(db_url, tmp_path) as harness:
        yield harness
