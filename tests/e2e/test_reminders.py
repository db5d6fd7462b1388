"""Reminders end to end: the real bot, the fake Bot API server, a clock the tests move.

Every tick is `app.tick()`, the very function the scheduler runs; time never passes by sleeping.
"""

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fake_telegram import FakeTelegramServer, FakeUser
from harness import (
    ADMIN,
    OFFICIAL,
    PLAN_ID,
    PLAN_YAML,
    SCHOOL_3,
    SCHOOL_7,
    Harness,
    running_bot,
)
from sqlalchemy import select

from bot.app import Application, build_application, load_data
from bot.clock import FrozenClock
from bot.config import Settings
from bot.plan.loader import load_plan_text
from bot.reminders.ratelimit import RateLimiter
from bot.services.control import report_data
from bot.services.invitations import create_invitation, redeem_invitation
from bot.services.plans import sync_plan
from bot.services.reminders import schedule_reminders
from bot.services.types import Role
from bot.services.units import find_unit
from storage.engine import create_engine, session_factory
from storage.migrate import upgrade
from storage.models import AssignmentRow, TaskRow, UserRow, WindowRow
from storage.models_reminders import OutboxRow, ReminderRow, ReminderStatus

VLADIVOSTOK = ZoneInfo("Asia/Vladivostok")
SCHOOL_3_UNIT, SCHOOL_7_UNIT = "МБОУ СОШ № 3", "МБОУ СОШ № 7"
LEASE = timedelta(minutes=3)
CLI_TIMEOUT = 60.0


def nine(day: date) -> datetime:
    """09:00 in Vladivostok (the plan's zone) on `day`: 23:00 UTC the day before."""
    return datetime(day.year, day.month, day.day, 9, tzinfo=VLADIVOSTOK).astimezone(UTC)


THREE_DAYS_LEFT = nine(date(2023, 10, 17))
DUE_DAY = nine(date(2023, 10, 20))


def clock_limiter(clock: FrozenClock) -> RateLimiter:
    """The app's rate limiter on the test's clock: its waits move the clock, nobody sleeps."""

    async def sleep(seconds: float) -> None:
        clock.advance(timedelta(seconds=seconds))

    return RateLimiter(monotonic=lambda: clock.now().timestamp(), sleep=sleep)


@pytest.fixture
async def bot(db_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_bot(db_url, tmp_path, tick_seconds=0) as harness:
        harness.app.use_limiter(clock_limiter(harness.clock))
        yield harness


@pytest.fixture
async def one_lane(db_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    """One chat at a time (`SEND_LANES=1`, as SQLite always is): the order of requests is fixed,
    so a story can say what happened before and after a given answer."""
    async with running_bot(db_url, tmp_path, tick_seconds=0, send_lanes=1) as harness:
        harness.app.use_limiter(clock_limiter(harness.clock))
        yield harness


# Lanes exist on PostgreSQL only (SQLite has one writer: bot/delivery/tick.py sends one lane).
ON_POSTGRESQL = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


@pytest.fixture
async def six_lanes(db_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_bot(db_url, tmp_path, tick_seconds=0, send_lanes=6) as harness:
        harness.app.use_limiter(clock_limiter(harness.clock))
        yield harness


def reminders(bot: Harness, user: FakeUser) -> list[dict[str, Any]]:
    return [m for m in bot.server.sent_messages(user.id) if m["text"].startswith("🔔")]


def labels(message: dict[str, Any]) -> list[str]:
    return [b["text"] for row in message["reply_markup"]["inline_keyboard"] for b in row]


async def tick_at(bot: Harness, moment: datetime, app: Application | None = None) -> Any:
    bot.clock.set(moment)
    return await (app or bot.app).tick()


async def outbox(bot: Harness) -> dict[int, OutboxRow]:
    async with bot.session() as session:
        return {row.user_id: row for row in await session.scalars(select(OutboxRow))}


@contextlib.asynccontextmanager
async def restarted(bot: Harness) -> AsyncIterator[Application]:
    """A new process on the same database and the same Telegram: the old one is gone."""
    app = build_application(bot.settings, bot.clock)
    app.use_limiter(clock_limiter(bot.clock))
    try:
        await app.prepare()
        yield app
    finally:
        await app.close()


async def test_a_reminder_arrives_at_nine_local_time_and_its_button_confirms(
    bot: Harness,
) -> None:
    await bot.join(SCHOOL_3, SCHOOL_3_UNIT)

    await tick_at(bot, THREE_DAYS_LEFT - timedelta(minutes=1))
    assert reminders(bot, SCHOOL_3) == []
    await tick_at(bot, datetime(2023, 10, 16, 23, 0, tzinfo=UTC))

    [reminder] = reminders(bot, SCHOOL_3)
    assert "1.1" in reminder["text"]
    assert "Проведение родительских собраний" in reminder["text"]
    assert "срок — 20 октября 2023\u202fг., осталось 3 дня" in reminder["text"]
    assert labels(reminder) == ["✅ Выполнено: 1.1"]

    answer = await bot.press(SCHOOL_3, reminder, text="✅ Выполнено: 1.1")
    await bot.settle()

    assert answer.params["text"] == "Отмечено как выполненное."
    assert "reply_markup" not in reminders(bot, SCHOOL_3)[0]
    async with bot.session() as session:
        status = await session.scalar(
            select(AssignmentRow.status)
            .join(WindowRow, WindowRow.id == AssignmentRow.window_id)
            .join(TaskRow, TaskRow.id == WindowRow.task_id)
            .where(AssignmentRow.confirmed_by_user_id == SCHOOL_3.id, TaskRow.code == "1.1")
        )
    assert status == "confirmed"
    assert bot.server.unexpected_errors() == []


async def test_confirming_stops_the_rest_and_only_for_that_unit(bot: Harness) -> None:
    await bot.join(SCHOOL_3, SCHOOL_3_UNIT)
    await bot.join(SCHOOL_7, SCHOOL_7_UNIT)
    await tick_at(bot, THREE_DAYS_LEFT)
    await bot.press(SCHOOL_3, reminders(bot, SCHOOL_3)[0], text="✅ Выполнено: 1.1")
    await bot.settle()

    for day in (date(2023, 10, 19), date(2023, 10, 20), date(2023, 10, 25)):
        await tick_at(bot, nine(day))

    assert len(reminders(bot, SCHOOL_3)) == 1
    assert len(reminders(bot, SCHOOL_7)) == 4  # 3 days, 1 day, the day, the first nudge


async def test_killed_in_the_middle_of_a_tick_and_restarted_nothing_twice_nothing_lost(
    one_lane: Harness,
) -> None:
    bot = one_lane
    await bot.join(SCHOOL_3, SCHOOL_3_UNIT)
    await bot.join(SCHOOL_7, SCHOOL_7_UNIT)
    bot.server.delay("sendMessage", 0.5, chat_id=SCHOOL_3.id)  # Telegram is slow to answer
    bot.clock.set(THREE_DAYS_LEFT)
    since = len(bot.server.calls)

    tick = asyncio.create_task(bot.app.tick())
    for _ in range(500):  # until the request is on its way
        row = (await outbox(bot)).get(SCHOOL_3.id)
        if row is not None and row.status == "sending":
            break
        await asyncio.sleep(0.01)
    tick.cancel()  # the process dies with the request in flight
    with contextlib.suppress(asyncio.CancelledError):
        await tick
    await bot.server.wait_for_call("sendMessage", lambda c: c.chat_id == SCHOOL_3.id, since=since)

    bot.clock.advance(LEASE)
    async with restarted(bot) as app:
        report = await app.tick()
        later = await tick_at(bot, THREE_DAYS_LEFT + timedelta(hours=1), app)

    assert (report.requeued, report.interrupted, report.messages) == (1, 1, 1)
    assert later.messages == 0
    assert len(reminders(bot, SCHOOL_3)) == 1  # the interrupted send did arrive, once
    assert len(reminders(bot, SCHOOL_7)) == 1  # the claimed one was not lost
    rows = await outbox(bot)
    assert (rows[SCHOOL_3.id].status, rows[SCHOOL_7.id].status) == ("uncertain", "sent")


async def test_a_crash_between_sending_and_recording_is_not_sent_again(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await bot.join(SCHOOL_3, SCHOOL_3_UNIT)

    async def power_cut(*_args: object, **_kwargs: object) -> int:
        raise RuntimeError("power cut")

    with monkeypatch.context() as patch:
        patch.setattr("bot.delivery.tick.mark_sent", power_cut)
        with pytest.raises(RuntimeError, match="power cut"):
            await tick_at(bot, THREE_DAYS_LEFT)

    async with restarted(bot) as app:
        report = await tick_at(bot, THREE_DAYS_LEFT + LEASE, app)

    assert (report.interrupted, report.messages) == (1, 0)
    assert len(reminders(bot, SCHOOL_3)) == 1
    assert (await outbox(bot))[SCHOOL_3.id].status == "uncertain"


async def test_429_retry_after_is_honoured(one_lane: Harness) -> None:
    bot = one_lane
    await bot.join(SCHOOL_3, SCHOOL_3_UNIT)
    await bot.join(SCHOOL_7, SCHOOL_7_UNIT)
    bot.server.fail("sendMessage", 429, retry_after=30, chat_id=SCHOOL_3.id)

    first = await tick_at(bot, THREE_DAYS_LEFT)
    during = await tick_at(bot, THREE_DAYS_LEFT + timedelta(seconds=20))
    after = await tick_at(bot, THREE_DAYS_LEFT + timedelta(seconds=30))

    assert (first.messages, first.deferred) == (0, 2)  # nothing goes out while Telegram waits
    assert during.messages == 0
    assert after.messages == 2
    assert [len(reminders(bot, user)) for user in (SCHOOL_3, SCHOOL_7)] == [1, 1]
    rows = await outbox(bot)
    assert all(
        row.sent_at and row.sent_at >= THREE_DAYS_LEFT + timedelta(seconds=30)
        for row in rows.values()
    )
    assert bot.server.unexpected_errors() == []


@ON_POSTGRESQL
async def test_with_lanes_a_429_holds_the_chat_its_wait_and_loses_nothing(
    six_lanes: Harness,
) -> None:
    bot = six_lanes
    await bot.join(SCHOOL_3, SCHOOL_3_UNIT)
    await bot.join(SCHOOL_7, SCHOOL_7_UNIT)
    bot.server.fail("sendMessage", 429, retry_after=30, chat_id=SCHOOL_3.id)
    since = len(bot.server.calls)

    first = await tick_at(bot, THREE_DAYS_LEFT)
    during = await tick_at(bot, THREE_DAYS_LEFT + timedelta(seconds=20))
    after = await tick_at(bot, THREE_DAYS_LEFT + timedelta(seconds=30))

    # Lanes send side by side: school 7's message may be on its way when school 3's 429 comes
    # back (or wait out the hold in its lane); either way each arrives once.
    assert first.deferred >= 1
    assert during.messages == 0
    assert first.messages + after.messages == 2
    assert [len(reminders(bot, user)) for user in (SCHOOL_3, SCHOOL_7)] == [1, 1]
    refused_chat = [
        c
        for c in bot.server.calls[since:]
        if c.method == "sendMessage" and c.chat_id == SCHOOL_3.id
    ]
    assert [c.status for c in refused_chat] == [429, 200]
    sent_at = (await outbox(bot))[SCHOOL_3.id].sent_at
    assert sent_at is not None and sent_at >= THREE_DAYS_LEFT + timedelta(seconds=30)
    assert bot.server.unexpected_errors() == []


@ON_POSTGRESQL
async def test_with_lanes_killed_mid_tick_and_restarted_nothing_twice_nothing_lost(
    six_lanes: Harness,
) -> None:
    bot = six_lanes
    await bot.join(SCHOOL_3, SCHOOL_3_UNIT)
    await bot.join(SCHOOL_7, SCHOOL_7_UNIT)
    bot.server.delay("sendMessage", 0.5, chat_id=SCHOOL_3.id)
    bot.clock.set(THREE_DAYS_LEFT)
    since = len(bot.server.calls)

    tick = asyncio.create_task(bot.app.tick())
    for _ in range(500):
        row = (await outbox(bot)).get(SCHOOL_3.id)
        if row is not None and row.status == "sending":
            break
        await asyncio.sleep(0.01)
    tick.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await tick
    await bot.server.wait_for_call("sendMessage", lambda c: c.chat_id == SCHOOL_3.id, since=since)

    bot.clock.advance(LEASE)
    async with restarted(bot) as app:
        report = await app.tick()
        later = await tick_at(bot, THREE_DAYS_LEFT + timedelta(hours=1), app)

    # School 3's request was in flight: `uncertain`, never sent again. School 7's lane had
    # either sent it (sent, once), or only claimed it (given back and sent by the new process),
    # or was mid-request (also `uncertain`: a row is `sending` from just before its moment is
    # reserved, README «Crash recovery»). Whichever, nothing goes twice.
    rows = await outbox(bot)
    seven = rows[SCHOOL_7.id].status
    assert rows[SCHOOL_3.id].status == "uncertain"
    assert len(reminders(bot, SCHOOL_3)) == 1
    assert seven in ("sent", "uncertain")
    if seven == "sent":
        assert len(reminders(bot, SCHOOL_7)) == 1
    else:
        assert len(reminders(bot, SCHOOL_7)) <= 1
    assert report.interrupted == 1 + (seven == "uncertain")
    assert report.messages == report.requeued <= 1
    assert later.messages == 0


async def test_403_deactivates_the_member_and_tells_the_admin_once(bot: Harness) -> None:
    await bot.join(SCHOOL_3, SCHOOL_3_UNIT)
    bot.server.block_user(SCHOOL_3.id)

    await tick_at(bot, THREE_DAYS_LEFT)
    attempts = len(bot.server.calls_to("sendMessage", SCHOOL_3.id))
    await tick_at(bot, nine(date(2023, 10, 19)))

    [notice] = bot.server.sent_messages(ADMIN.id)
    assert f"Ирина (id 2003, {SCHOOL_3_UNIT})" in notice["text"]  # whose school, not only who
    assert "заблокировал" in notice["text"]
    assert len(bot.server.calls_to("sendMessage", SCHOOL_3.id)) == attempts  # no more tries
    async with bot.session() as session:
        user = await session.get(UserRow, SCHOOL_3.id)
        assert user is not None
        assert not user.active

    bot.server.unblock_user(SCHOOL_3.id)
    await bot.say(SCHOOL_3, "/my")  # writing to the bot again makes them reachable
    await tick_at(bot, DUE_DAY)

    assert len(reminders(bot, SCHOOL_3)) == 1
    assert len(bot.server.sent_messages(ADMIN.id)) == 1


async def test_a_500_and_a_502_with_an_html_body_are_retried(bot: Harness) -> None:
    await bot.join(SCHOOL_3, SCHOOL_3_UNIT)
    bot.server.fail("sendMessage", 500, chat_id=SCHOOL_3.id)
    bot.server.fail("sendMessage", 502, chat_id=SCHOOL_3.id)  # nginx's HTML page

    first = await tick_at(bot, THREE_DAYS_LEFT)
    second = await tick_at(bot, THREE_DAYS_LEFT + timedelta(seconds=30))
    third = await tick_at(bot, THREE_DAYS_LEFT + timedelta(minutes=3))

    assert (first.retried, second.retried, third.messages) == (1, 1, 1)
    assert len(reminders(bot, SCHOOL_3)) == 1
    row = (await outbox(bot))[SCHOOL_3.id]
    assert (row.status, row.attempts) == ("sent", 2)
    assert [c.status for c in bot.server.calls_to("sendMessage", SCHOOL_3.id)][-3:] == [
        500,
        502,
        200,
    ]


async def test_several_reminders_for_one_chat_become_one_digest(bot: Harness) -> None:
    await bot.join(SCHOOL_3, SCHOOL_3_UNIT)

    await tick_at(bot, nine(date(2023, 11, 1)))  # 1.1 overdue, 1.2 opens; down since October

    [digest] = reminders(bot, SCHOOL_3)
    assert digest["text"].startswith("🔔 Напоминание: 2 мероприятия")
    assert digest["text"].index("1.1") < digest["text"].index("1.2")
    assert "просрочено на 12 дней" in digest["text"]
    assert labels(digest) == ["✅ Выполнено: 1.1", "✅ Выполнено: 1.2"]

    answer = await bot.press(SCHOOL_3, digest, text="✅ Выполнено: 1.2")
    await bot.settle()

    assert answer.params["text"] == "Отмечено как выполненное."
    [digest] = reminders(bot, SCHOOL_3)  # the list stays; the done measure's button goes
    assert labels(digest) == ["✅ Выполнено: 1.1"]


async def test_a_lost_answer_means_exactly_one_message(bot: Harness) -> None:
    await bot.join(SCHOOL_3, SCHOOL_3_UNIT)
    bot.server.drop_response("sendMessage", chat_id=SCHOOL_3.id)

    first = await tick_at(bot, THREE_DAYS_LEFT)
    for later in (timedelta(minutes=1), LEASE, timedelta(hours=1)):
        await tick_at(bot, THREE_DAYS_LEFT + later)

    assert first.uncertain == 1
    assert [c.dropped for c in bot.server.calls_to("sendMessage", SCHOOL_3.id)][-1:] == [True]
    assert len(reminders(bot, SCHOOL_3)) == 1
    assert (await outbox(bot))[SCHOOL_3.id].status == "uncertain"


async def test_upcoming_shows_a_member_what_is_coming_by_day(bot: Harness) -> None:
    await bot.join(SCHOOL_3, SCHOOL_3_UNIT)

    reply = await bot.say(SCHOOL_3, "/upcoming")
    refused = await bot.say(SCHOOL_3, "/upcoming 400")

    text = reply.params["text"]
    assert text.startswith("Напоминания на ближайшие 14 дней:")
    assert text.index("<b>17 октября 2023") < text.index("<b>19 октября 2023")
    assert "<b>1.1</b> Проведение родительских собраний — срок — 20 октября" in text
    assert "срок — сегодня" in text
    assert "Использование: /upcoming" in refused.params["text"]


async def test_setdate_dates_an_external_term_for_admins_only(bot: Harness) -> None:
    extended = PLAN_YAML.replace(
        "        term: до 31.12.2023\n        responsible: Иванова А.А.\n",
        "        term: до 31.12.2023\n        responsible: Иванова А.А.\n"
        '      - code: "1.4"\n        title: Тренировочное тестирование\n'
        "        term: по графику ФЦТ\n        responsible: Иванова А.А.\n",
    )
    loaded = load_plan_text(extended, "plan.yaml")
    assert loaded.plan is not None
    async with bot.session() as session:
        await sync_plan(session, loaded.plan, bot.clock.now())
        await schedule_reminders(session, PLAN_ID, bot.clock.now())

    usage = await bot.say(ADMIN, "/setdate 1.4")
    own = await bot.say(ADMIN, "/setdate 1.1 2023-12-01")
    unknown = await bot.say(ADMIN, "/setdate 9.9 01.12.2023")
    done = await bot.say(ADMIN, "/setdate 1.4 01.12.2023")
    member = await bot.say(SCHOOL_3, "/setdate 1.4 2023-12-01")

    assert usage.params["text"].startswith("Использование: /setdate")
    assert "есть свои даты" in own.params["text"]
    assert "нет мероприятия 9.9" in unknown.params["text"]
    assert done.params["text"].startswith(f"1.4 ({PLAN_ID}): срок — 1 декабря 2023")
    assert "запланировано" in done.params["text"]
    assert "недоступна" in member.params["text"]


async def test_the_scheduler_runs_the_apps_tick_every_tick_seconds(bot: Harness) -> None:
    app = build_application(bot.settings.model_copy(update={"tick_seconds": 90}), bot.clock)
    try:
        jobs = {job.id: job for job in app.scheduler().get_jobs()}
    finally:
        await app.close()

    tick, daily = jobs["reminders-tick"], jobs["reminders-daily"]
    assert tick.func == app.tick
    assert tick.trigger.interval == timedelta(seconds=90)
    assert (tick.max_instances, tick.coalesce) == (1, True)
    # The daily sync runs once across replicas: under a lease named after the job.
    assert daily.func == app.once
    assert daily.args == ("reminders-daily", timedelta(days=1), app.reschedule)
    assert str(daily.trigger) == "cron[hour='0', minute='30']"


# ------------------------------------------------------------------ the command line


async def _cli(*args: str, env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, env=env, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), CLI_TIMEOUT)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_roadmap_bot_tick_from_the_command_line(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN_YAML, encoding="utf-8")
    database = f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"
    async with FakeTelegramServer() as server:
        server.add_chat(OFFICIAL.private_chat())
        env = {k: v for k, v in os.environ.items() if k not in {"BOT_TOKEN", "DATABASE_URL"}}
        env.update(
            BOT_TOKEN=server.token,
            TELEGRAM_API_BASE=server.base_url,
            DATABASE_URL=database,
            PLAN_PATHS=str(plan),
            UNITS_PATHS=str(tmp_path / "none-*.yaml"),
        )
        # The plan is loaded as `roadmap-bot sync` would, but on 1 December 2023.
        await upgrade(database)
        engine = create_engine(database)
        settings = Settings(
            bot_token=server.token,
            database_url=database,
            plan_paths=[str(plan)],
            units_paths=[],
            _env_file=None,
        )
        try:
            await load_data(
                settings, session_factory(engine), FrozenClock(nine(date(2023, 12, 1)))
            )
            async with session_factory(engine)() as session:
                unit = await find_unit(session, PLAN_ID, "Иванова А.А.")
                token, _ = await create_invitation(
                    session, Role.MEMBER, unit.id, created_by=None, now=nine(date(2023, 12, 1))
                )
                await redeem_invitation(
                    session,
                    token,
                    user_id=OFFICIAL.id,
                    chat_id=OFFICIAL.id,
                    full_name="Мария",
                    username=None,
                    now=nine(date(2023, 12, 1)),
                )
        finally:
            await engine.dispose()
        moment = "2023-12-28T09:00+10:00"  # «до 31.12.2023»: 3 days left, in Vladivostok

        dry = await _cli("tick", "--now", moment, "--dry-run", env=env, cwd=tmp_path)
        assert server.calls_to("sendMessage") == []
        real = await _cli("tick", "--now", moment, env=env, cwd=tmp_path)
        again = await _cli("tick", "--now", moment, env=env, cwd=tmp_path)

    assert dry[0] == 0, dry[2]
    assert f"→ chat {OFFICIAL.id} (Мария):" in dry[1]
    assert "1.3 Подготовка приказа" in dry[1]
    assert "nothing was sent or changed" in dry[1]
    assert real[0] == 0, real[2]
    assert "1 messages sent with 1 reminders" in real[1]
    assert "0 messages sent" in again[1]
    [sent] = server.calls_to("sendMessage", OFFICIAL.id)
    assert "осталось 3 дня" in sent.params["text"]


async def test_reminders_caught_up_after_missed_ticks_wait_for_the_end_of_quiet_hours(
    bot: Harness,
) -> None:
    """The bot was down from before 09:00 on the 17th (three days before «1.1») until 06:30 the
    next morning: the missed reminder is not sent inside quiet hours (21:00–08:00) but at 08:00."""
    await bot.join(SCHOOL_3, SCHOOL_3_UNIT)
    await tick_at(bot, THREE_DAYS_LEFT - timedelta(minutes=5))
    assert reminders(bot, SCHOOL_3) == []

    early = datetime(2023, 10, 18, 6, 30, tzinfo=VLADIVOSTOK).astimezone(UTC)
    await tick_at(bot, early)
    await tick_at(bot, early + timedelta(minutes=30))
    assert reminders(bot, SCHOOL_3) == []

    await tick_at(bot, datetime(2023, 10, 18, 8, 0, tzinfo=VLADIVOSTOK).astimezone(UTC))
    [caught_up] = reminders(bot, SCHOOL_3)
    assert "1.1" in caught_up["text"]


async def test_a_plan_whose_school_year_is_over_is_archived(bot: Harness) -> None:
    """The e2e plan is for 2023/24: on 31 August 2024 (Vladivostok) /my still counts the late
    items; from 1 September the plan is archived: /my says so instead of «просрочено на 317
    дней», reminders missed meanwhile are cancelled, not sent, and the report keeps the rows."""
    await bot.join(SCHOOL_3, SCHOOL_3_UNIT)

    bot.clock.set(datetime(2024, 8, 31, 23, 30, tzinfo=VLADIVOSTOK).astimezone(UTC))
    last_day = (await bot.say(SCHOOL_3, "/my")).result["text"]
    assert "просрочено" in last_day and "архиве" not in last_day, last_day

    report = await tick_at(bot, nine(date(2024, 9, 2)))
    assert reminders(bot, SCHOOL_3) == []
    assert report.messages == 0
    async with bot.session() as session:
        statuses = set(await session.scalars(select(ReminderRow.status)))
        rows = (await report_data(session, PLAN_ID, bot.clock.now())).plans[0].rows
    assert ReminderStatus.PENDING not in statuses  # none waits to be sent later either
    assert any(row.unit_name == SCHOOL_3_UNIT for row in rows)
    archived = (await bot.say(SCHOOL_3, "/my")).result["text"]
    assert "просрочено" not in archived, archived
    assert "учебный год закончился 31 августа 2024\u202fг., план в архиве" in archived, archived


async def test_done_from_a_reminder_asks_for_the_document_the_result_names(
    db_url: str, tmp_path: Path
) -> None:
    """«протоколы» is a document: ✅ in the reminder says where to attach it; «1.2» (no
    result) is simply done."""
    plan = PLAN_YAML.replace(
        "        term: до 20.10.2023\n        responsible: ОО\n",
        "        term: до 20.10.2023\n        responsible: ОО\n"
        "        result: протоколы родительских собраний\n",
    )
    assert "result: протоколы" in plan
    async with running_bot(db_url, tmp_path, plan_yaml=plan, tick_seconds=0) as bot:
        bot.app.use_limiter(clock_limiter(bot.clock))
        await bot.join(SCHOOL_3, SCHOOL_3_UNIT)
        await tick_at(bot, THREE_DAYS_LEFT)
        [reminder] = reminders(bot, SCHOOL_3)

        answer = await bot.press(SCHOOL_3, reminder, text="✅ Выполнено: 1.1")

        assert answer.params["text"] == (
            "Отмечено как выполненное. Результат — документ: приложите его в карточке в /my."
        )
        assert answer.params.get("show_alert")
