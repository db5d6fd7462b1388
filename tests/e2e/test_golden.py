"""Golden texts: what officials and ministry staff read, word for word.

The real bot (the seed plans, the demo's directory of units) runs against the fake Bot API at fixed
moments of March 2024; each screen's messages (text, then the buttons' labels) are compared with a
reviewed file under ``tests/golden/``. A wording change is therefore a visible diff there.

To accept a deliberate change, regenerate the files and review the diff before committing::

    GOLDEN_UPDATE=1 .venv/bin/pytest -q tests/e2e/test_golden.py
    git diff tests/golden/
"""

import asyncio
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from fake_telegram import FakeTelegramServer, FakeUser
from harness import UNHURRIED

from bot.app import Application, build_application
from bot.clock import FrozenClock
from bot.config import Settings
from bot.demo.world import (
    ALTAI,
    COORDINATOR_UNIT,
    DESK_CHAT,
    OFFICIAL_UNIT,
    PERSONAS,
    PLAN_TIMEZONE,
    SPASSK,
    write_directory,
)
from bot.reminders.ratelimit import RateLimiter
from bot.resources import shipped
from bot.services.assignments import open_assignments_for_user
from bot.services.extensions import request_extension
from bot.services.invitations import create_invitation
from bot.services.types import Role
from bot.services.units import find_unit

GOLDEN = Path(__file__).parent.parent / "golden"
UPDATE = os.environ.get("GOLDEN_UPDATE") == "1"

ADMIN, STAFF, OFFICIAL, COORDINATOR = (
    next(p.user for p in PERSONAS if p.key == key)
    for key in ("admin", "staff", "official", "coordinator")
)
SPASSK_SCHOOL = FakeUser(7000010, "Елена", last_name="Кузьмина")
SPASSK_UNIT = "МБОУ СОШ № 1"

MONDAY_4_MARCH = datetime(2024, 3, 4, 9, 0, tzinfo=PLAN_TIMEZONE)
MONDAY_11_MARCH = datetime(2024, 3, 11, 9, 0, tzinfo=PLAN_TIMEZONE)
MONDAY_1_APRIL = datetime(2024, 4, 1, 9, 0, tzinfo=PLAN_TIMEZONE)


def render(messages: list[dict[str, Any]]) -> str:
    """Messages as a reader sees them: each text, then its buttons row by row."""
    parts: list[str] = []
    for message in messages:
        lines = [message.get("text", message.get("caption", ""))]
        if "document" in message:
            lines.append(f"📎 {message['document'].get('file_name', 'file')}")
        for row in message.get("reply_markup", {}).get("inline_keyboard", []):
            lines.append(" | ".join(f"[{button['text']}]" for button in row))
        parts.append("\n".join(lines))
    return "\n\n──────────\n\n".join(parts) + "\n"


def check(name: str, messages: list[dict[str, Any]]) -> None:
    assert messages, f"{name}: the bot sent nothing"
    shown = render(messages)
    path = GOLDEN / f"{name}.txt"
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(shown, encoding="utf-8")
        return
    assert path.exists(), f"{path} is missing: run with GOLDEN_UPDATE=1 and review it"
    assert shown == path.read_text(encoding="utf-8"), f"{name} differs from {path}"


@dataclass
class World:
    server: FakeTelegramServer
    app: Application
    clock: FrozenClock

    async def invite(self, role: Role, plan: str | None = None, unit: str | None = None) -> str:
        async with self.app.sessions() as session:
            unit_id = (await find_unit(session, plan, unit)).id if plan and unit else None
            token, _info = await create_invitation(
                session, role, unit_id, created_by=ADMIN.id, now=self.clock.now()
            )
        return token

    def mark(self, user: FakeUser) -> int:
        return len(self.server.sent_messages(user.id))

    async def quiet(self) -> None:
        """Wait until the bot has made no Bot API call for a while."""
        seen = -1
        while seen != len(self.server.calls):
            seen = len(self.server.calls)
            await asyncio.sleep(0.3)

    async def since(self, user: FakeUser, mark: int) -> list[dict[str, Any]]:
        await self.quiet()
        return self.server.sent_messages(user.id)[mark:]

    async def say(self, user: FakeUser, text: str) -> list[dict[str, Any]]:
        mark = self.mark(user)
        self.server.send_text(user, text)
        await self.server.wait_for_call("sendMessage", lambda c: c.chat_id == user.id)
        return await self.since(user, mark)

    async def press(self, user: FakeUser, message: dict[str, Any], label: str) -> None:
        self.server.press_button(user, message, text=label)
        await self.server.wait_for_call("answerCallbackQuery")
        await self.quiet()

    async def at(self, moment: datetime) -> None:
        """The clock moves to `moment` and the bot runs what its scheduler would run then."""
        self.clock.set(moment)
        await self.app.control_tick()
        await self.app.tick()
        await self.quiet()


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with FakeTelegramServer() as server:
        server.add_chat(DESK_CHAT)
        server.add_chat({"id": ADMIN.id, "type": "private", "first_name": ADMIN.first_name})
        settings = Settings(
            bot_token=server.token,
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'golden.sqlite3'}",
            plan_paths=[shipped("plans", "*.yaml")],
            units_paths=write_directory(tmp_path),
            admin_ids=frozenset({ADMIN.id}),
            telegram_api_base=server.base_url,
            hotline_chat_id=int(DESK_CHAT["id"]),
            hotline_plan=ALTAI,
            hotline_timezone=str(PLAN_TIMEZONE),
            tick_seconds=0,
            migrate_on_start=True,
            _env_file=None,
        )
        clock = FrozenClock(MONDAY_4_MARCH)
        app = build_application(settings, clock, RateLimiter.with_limits(UNHURRIED))
        report = await app.prepare()
        polling = asyncio.create_task(app.poll(report, handle_signals=False))
        try:
            await server.wait_until_polled()
            yield World(server, app, clock)
        finally:
            await app.dispatcher.stop_polling()
            await polling
            await app.close()


async def join(world: World, user: FakeUser, token: str) -> None:
    await world.say(user, f"/start {token}")


async def test_what_people_read_in_march_2024(world: World) -> None:
    await world.say(ADMIN, "/start")
    await join(world, STAFF, await world.invite(Role.STAFF))
    await join(world, OFFICIAL, await world.invite(Role.MEMBER, ALTAI, OFFICIAL_UNIT))
    await join(world, COORDINATOR, await world.invite(Role.MEMBER, ALTAI, COORDINATOR_UNIT))
    await join(world, SPASSK_SCHOOL, await world.invite(Role.MEMBER, SPASSK, SPASSK_UNIT))

    # Monday 4 March: the school's list and a card.
    check("my_altai_school", await world.say(COORDINATOR, "/my"))
    check("my_spassk_school", await world.say(SPASSK_SCHOOL, "/my"))
    listing = world.server.sent_messages(COORDINATOR.id)[-1]
    first = listing["reply_markup"]["inline_keyboard"][0][0]["text"]
    mark = world.mark(COORDINATOR)
    await world.press(COORDINATOR, listing, first)
    card = await world.since(COORDINATOR, mark) or [world.server.sent_messages(COORDINATOR.id)[-1]]
    check("card_altai_school", card)

    # Two extension requests wait for staff.
    mine = await _open_assignments(world, COORDINATOR)
    async with world.app.sessions() as session:
        for number, assignment_id in enumerate(mine[:2]):
            await request_extension(
                session,
                assignment_id,
                COORDINATOR.id,
                f"Причина {number + 1}: ждём данные от РЦОИ",
                proposed_date=date(2024, 6, 14) if number == 0 else None,
                now=world.clock.now(),
            )
        await session.commit()
    check("review_staff", await world.say(STAFF, "/review"))
    check("overdue_staff", await world.say(STAFF, "/overdue"))
    check("overdue_official", await world.say(OFFICIAL, "/overdue"))

    # Monday 11 March: the weekly digest and the escalations reach staff and the coordinators.
    staff_mark, official_mark = world.mark(STAFF), world.mark(OFFICIAL)
    await world.at(MONDAY_11_MARCH)
    staff_news = await world.since(STAFF, staff_mark)
    check("weekly_digest_staff", [m for m in staff_news if m["text"].startswith("📅")])
    check("escalation_staff", [m for m in staff_news if m["text"].startswith("🚨")])
    check("escalation_official", await world.since(OFFICIAL, official_mark))

    # Monday 1 April: the reminder digest.
    coordinator_mark = world.mark(COORDINATOR)
    await world.at(MONDAY_1_APRIL)
    check("reminder_digest_altai_school", await world.since(COORDINATOR, coordinator_mark))


async def _open_assignments(world: World, user: FakeUser) -> list[int]:
    async with world.app.sessions() as session:
        page = await open_assignments_for_user(session, user.id, world.clock.now())
    return [view.id for view in page.items]
