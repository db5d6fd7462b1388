"""One messenger configured: MAX alone (no BOT_TOKEN) serves its members and asks nothing of
Telegram; Telegram alone touches no MAX server.

In process (the harness's clock): the member's /start, /my, ✅ and the tick's reminder on MAX,
long polling and the webhook. As real processes (`roadmap-bot invite | run | tick`): the same
member on a MAX-only bot, and a Telegram-only bot beside a fake MAX that must hear nothing.
And both tokens in webhook mode: one process, Telegram by its webhook and MAX beside it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from fake_telegram import FakeTelegramServer
from harness import ADMIN, PARENT, SCHOOL_3, UNITS_YAML, Harness, link_token, running_bot
from test_max_bot import CODE, MAX_USER, THREE_DAYS_LEFT, UNIT, MaxMember, status

from bot.app import MAX_WEBHOOK_SETTINGS_MISSING, build_application, run_bot
from bot.config import Settings
from bot.delivery.tick import DeliverySettings
from bot.fakemax import FakeMaxServer
from bot.sender import TelegramNotConfiguredError
from bot.services.types import AssignmentStatus, Role
from bot.startup import StartupError

TIMEOUT = 30.0


@pytest.fixture
async def max_alone(tmp_path: Path) -> AsyncIterator[Harness]:
    """MAX_BOT_TOKEN only; the fake Bot API runs beside, to show nothing reaches it."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"
    async with running_bot(
        url, tmp_path, with_max=True, with_telegram=False, tick_seconds=0
    ) as harness:
        yield harness


async def test_max_alone_serves_start_my_and_the_reminder(max_alone: Harness) -> None:
    bot = max_alone
    assert bot.max_server is not None
    assert bot.app.telegram_bot is None
    with pytest.raises(TelegramNotConfiguredError):
        _ = bot.app.bot
    member = MaxMember(bot, bot.max_server, MAX_USER)

    welcome = await member.open_link(await bot.invitation(Role.MEMBER, UNIT))
    assert UNIT in welcome.text
    done = await member.done_from_my(CODE)
    assert await status(bot, CODE) is AssignmentStatus.CONFIRMED
    await member.undo(done, CODE)
    assert await status(bot, CODE) is AssignmentStatus.OPEN

    bot.clock.set(THREE_DAYS_LEFT)
    report = await bot.app.tick()
    assert report.delivered == 1
    reminder = member.last()
    assert reminder.text.startswith("🔔") and "осталось 3 дня" in reminder.text
    assert reminder.labels == (f"✅ Выполнено: {CODE}",)
    assert (await bot.app.tick()).delivered == 0

    # A question the FAQ cannot answer does not send the member to a Telegram bot that is not.
    unanswered = await member.say("сколько стоит парковка у здания министерства по субботам")
    assert "через этого бота пока недоступны" in unanswered.text
    assert "Telegram" not in unanswered.text

    assert bot.server.calls == []  # not even getMe: Telegram is not configured


STAFF_MAX_USER = 7010
ESCALATION_MOMENT = datetime(2023, 10, 26, 23, 0, tzinfo=UTC)
"""«1.1» is due on 20 October 2023: five working days later, 09:00 in Vladivostok."""


async def test_max_alone_carries_the_escalation_to_staff(max_alone: Harness) -> None:
    """The plan names no coordinator, so staff hear who is late, and get the weekly digest; on a
    MAX-only bot both come on MAX, naming the member's school, which never confirmed."""
    bot = max_alone
    assert bot.max_server is not None
    member = MaxMember(bot, bot.max_server, MAX_USER)
    staff = MaxMember(bot, bot.max_server, STAFF_MAX_USER)
    await member.open_link(await bot.invitation(Role.MEMBER, UNIT))
    await staff.open_link(await bot.invitation(Role.STAFF, None))

    bot.clock.set(ESCALATION_MOMENT)
    control = await bot.app.control_tick()
    assert control.escalated >= 1 and control.notices >= 1
    await bot.app.tick()

    told = [m.text or "" for m in bot.max_server.sent_to(STAFF_MAX_USER)]
    [escalation] = [text for text in told if text.startswith("🚨 <b>Эскалация</b>")]
    assert CODE in escalation and UNIT in escalation
    assert any(text.startswith("📅 <b>Неделя") for text in told), told
    assert all("Эскалация" not in (m.text or "") for m in bot.max_server.sent_to(MAX_USER))
    assert bot.server.calls == []


async def test_a_telegram_only_bot_reminds_on_telegram(tmp_path: Path) -> None:
    """The other way round, in process: a MAX server at MAX_API_BASE but no MAX_BOT_TOKEN."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"
    async with (
        FakeMaxServer() as max_server,
        running_bot(url, tmp_path, tick_seconds=0, max_api_base=max_server.base_url) as bot,
    ):
        assert bot.app.max is None
        await bot.join(SCHOOL_3, UNIT)
        bot.clock.set(THREE_DAYS_LEFT)
        assert (await bot.app.tick()).delivered == 1
        assert "осталось 3 дня" in bot.last(SCHOOL_3)["text"]
        assert DeliverySettings.from_settings(bot.settings).transports == ("telegram",)
    assert max_server.calls == []


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_max_alone_in_webhook_mode_serves_max_and_the_probes(tmp_path: Path) -> None:
    max_port, probes_port = _free_port(), _free_port()
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"
    async with FakeMaxServer() as max_server, FakeTelegramServer() as telegram:
        settings = Settings(
            database_url=url,
            plan_paths=[],
            units_paths=[],
            max_bot_token=max_server.token,
            max_api_base=max_server.base_url,
            max_webhook_url="https://bot.example.ru/max/updates",
            max_webhook_secret="s3cret_value",
            max_webhook_host="127.0.0.1",
            max_webhook_port=max_port,
            webhook_host="127.0.0.1",
            webhook_port=probes_port,
            telegram_api_base=telegram.base_url,
            tick_seconds=0,
            _env_file=None,
        )
        app = build_application(settings)
        report = await app.prepare()
        stop = asyncio.Event()
        serving = asyncio.create_task(app.serve_webhook(report, stop=stop))
        try:
            await max_server.wait_for(lambda: max_server.subscription is not None)
            assert max_server.subscription is not None
            assert max_server.subscription["secret"] == "s3cret_value"
            async with aiohttp.ClientSession() as http:
                for probe in ("healthz", "readyz"):
                    async with http.get(f"http://127.0.0.1:{probes_port}/{probe}") as answer:
                        assert answer.status == 200, probe
                # The reverse proxy forwards MAX's POST to the local port.
                max_server.subscription["url"] = f"http://127.0.0.1:{max_port}/max/updates"
                max_server.bot_started(MAX_USER, "no-such-invitation")
                assert await max_server.deliver_webhook(http) == [200]
            await max_server.wait_for(lambda: bool(max_server.sent_to(MAX_USER)))
            assert "недействительна" in (max_server.sent_to(MAX_USER)[0].text or "")
        finally:
            stop.set()
            await asyncio.wait_for(serving, TIMEOUT)
            await app.close()
    assert telegram.calls == []


async def test_webhook_mode_of_max_alone_needs_max_webhook_url(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}",
        max_bot_token="max-token-0123456789",
        _env_file=None,
    )
    with pytest.raises(StartupError) as refused:
        await run_bot(settings, webhook=True)
    assert str(refused.value) == MAX_WEBHOOK_SETTINGS_MISSING
    assert refused.value.exit_status == 2


# --- Real processes -------------------------------------------------------------------------


def _plan_due_in(days: int) -> tuple[str, date]:
    """A plan whose measure 1.1 is due `days` from today (the processes run on real time)."""
    deadline = datetime.now(UTC).date() + timedelta(days=days)
    year = deadline.year if deadline.month >= 9 else deadline.year - 1
    text = f"""\
id: e2e-plan
title: План мероприятий для проверки
authority: Управление образования
order: {{number: "1", date: {year}-09-01}}
region: Приморский край
timezone: Asia/Vladivostok
school_year: {year}/{str(year + 1)[2:]}
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
        term: до {deadline:%d.%m.%Y}
        responsible: ОО
"""
    return text, deadline


def _env(tmp_path: Path, plan: str, **extra: str) -> dict[str, str]:
    (tmp_path / "plan.yaml").write_text(plan, encoding="utf-8")
    (tmp_path / "units.yaml").write_text(UNITS_YAML, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k.lower() not in Settings.model_fields}
    env.update(
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}",
        PLAN_PATHS=str(tmp_path / "plan.yaml"),
        UNITS_PATHS=str(tmp_path / "units.yaml"),
        BOT_TOKEN="",
        MAX_BOT_TOKEN="",
    )
    env.update(extra)
    return env


async def _cli(env: dict[str, str], cwd: Path, *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, env=env, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), TIMEOUT * 2)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def _synced_and_invited(env: dict[str, str], cwd: Path) -> str:
    """`sync`, then `invite` for the unit: the one link printed."""
    code, _out, err = await _cli(env, cwd, "sync")
    assert code == 0, err
    code, out, err = await _cli(env, cwd, "invite", "--plan", "e2e-plan", "--unit", UNIT)
    assert code == 0, err
    [link] = out.splitlines()
    return link


async def _running(env: dict[str, str], cwd: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def _stop(process: asyncio.subprocess.Process) -> str:
    process.send_signal(signal.SIGTERM)
    _out, err = await asyncio.wait_for(process.communicate(), TIMEOUT)
    return err.decode()


async def test_a_max_only_process_serves_a_member_and_reminds_on_max(tmp_path: Path) -> None:
    plan, deadline = _plan_due_in(30)
    three_days_left = datetime.combine(
        deadline - timedelta(days=3), time(9), ZoneInfo("Asia/Vladivostok")
    )
    async with FakeTelegramServer() as telegram, FakeMaxServer() as max_server:
        env = _env(
            tmp_path,
            plan,
            MAX_BOT_TOKEN=max_server.token,
            MAX_API_BASE=max_server.base_url,
            TELEGRAM_API_BASE=telegram.base_url,  # set, so a call to Telegram would land here
        )
        code, _out, err = await _cli(env, tmp_path, "sync")
        assert code == 0, err
        code, out, err = await _cli(env, tmp_path, "invite", "--plan", "e2e-plan", "--unit", UNIT)
        assert code == 0, err
        [link] = out.splitlines()
        assert link.startswith("https://max.ru/roadmap_test_bot?start=")
        assert "no Telegram link: Telegram is not configured (BOT_TOKEN is not set)" in err

        code, _out, err = await _cli(
            env, tmp_path, "invite", "--plan", "e2e-plan", "--unit", UNIT,
            "--bot-username", "roadmap_bot",
        )  # fmt: skip
        assert code == 2
        assert err.strip() == (
            "error: Telegram is not configured (BOT_TOKEN is not set): no Telegram link to "
            "make; leave out --bot-username"
        )

        process = await _running(env, tmp_path)
        try:
            max_server.bot_started(MAX_USER, link_token(link))
            await max_server.wait_for(lambda: bool(max_server.sent_to(MAX_USER)), TIMEOUT)
            assert UNIT in (max_server.sent_to(MAX_USER)[0].text or "")
            max_server.user_message(MAX_USER, "/my")
            await max_server.wait_for(lambda: len(max_server.sent_to(MAX_USER)) == 2, TIMEOUT)
            listing = max_server.sent_to(MAX_USER)[1]
            assert CODE in (listing.text or "") and listing.attachments
        finally:
            log = await _stop(process)
        assert process.returncode == 0, log
        assert "Traceback" not in log
        assert "serving: max" in log

        code, out, err = await _cli(env, tmp_path, "tick", "--now", three_days_left.isoformat())
        assert code == 0, err
        assert "1 messages sent with 1 reminders" in out
        reminder = max_server.sent_to(MAX_USER)[-1]
        assert (reminder.text or "").startswith("🔔") and "осталось 3 дня" in (reminder.text or "")
    assert telegram.calls == []


async def test_a_telegram_only_process_touches_no_max_server(tmp_path: Path) -> None:
    plan, deadline = _plan_due_in(30)
    async with FakeTelegramServer() as telegram, FakeMaxServer() as max_server:
        env = _env(
            tmp_path,
            plan,
            BOT_TOKEN=telegram.token,
            TELEGRAM_API_BASE=telegram.base_url,
            MAX_API_BASE=max_server.base_url,  # set, so a call to MAX would land here
        )
        link = await _synced_and_invited(env, tmp_path)
        assert link.startswith("https://t.me/")
        process = await _running(env, tmp_path)
        try:
            await telegram.wait_until_polled(timeout=TIMEOUT)
            telegram.send_text(PARENT, f"/start {link_token(link)}")
            reply = await telegram.wait_for_call("sendMessage", timeout=TIMEOUT)
            assert UNIT in reply.params["text"]
        finally:
            log = await _stop(process)
        assert process.returncode == 0, log
        moment = datetime.combine(
            deadline - timedelta(days=3), time(9), ZoneInfo("Asia/Vladivostok")
        )
        code, out, err = await _cli(env, tmp_path, "tick", "--now", moment.isoformat())
        assert code == 0, err
        assert "1 messages sent with 1 reminders" in out
    assert max_server.calls == []


async def test_both_tokens_in_webhook_mode_serve_both_from_one_process(tmp_path: Path) -> None:
    """Telegram by its webhook, MAX by long polling (no MAX_WEBHOOK_URL), one Application."""
    port = _free_port()
    async with FakeMaxServer() as max_server, FakeTelegramServer() as telegram:
        settings = Settings(
            bot_token=telegram.token,
            telegram_api_base=telegram.base_url,
            webhook_url="https://bot.example.org/tg/hook",
            webhook_secret="s3cret-token_1",
            webhook_host="127.0.0.1",
            webhook_port=port,
            max_bot_token=max_server.token,
            max_api_base=max_server.base_url,
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}",
            plan_paths=[],
            units_paths=[],
            tick_seconds=0,
            _env_file=None,
        )
        app = build_application(settings)
        report = await app.prepare()
        stop = asyncio.Event()
        serving = asyncio.create_task(app.serve_webhook(report, stop=stop))
        try:
            await telegram.wait_for_call("setWebhook", timeout=TIMEOUT)
            update = telegram.send_text(PARENT, "/help")
            async with (
                aiohttp.ClientSession() as http,
                http.post(
                    f"http://127.0.0.1:{port}/tg/hook",
                    json=update,
                    headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token_1"},
                ) as answer,
            ):
                assert answer.status == 200
            assert telegram.calls_to("sendMessage", PARENT.id)
            max_server.user_message(MAX_USER, "/help")
            await max_server.wait_for(lambda: bool(max_server.sent_to(MAX_USER)), TIMEOUT)
        finally:
            stop.set()
            await asyncio.wait_for(serving, TIMEOUT)
            await app.close()
    assert not any(c.method == "getUpdates" for c in telegram.calls)  # webhook, not polling


# --- One person on both messengers: /settings links MAX and chooses where reminders go -------


async def test_a_member_links_max_chooses_it_and_is_reminded_there_once(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"
    async with running_bot(url, tmp_path, with_max=True, tick_seconds=0) as bot:
        assert bot.max_server is not None
        max_server = bot.max_server
        await bot.join(SCHOOL_3, UNIT)

        shown = (await bot.say(SCHOOL_3, "/settings")).result
        assert shown["text"] == "MAX: не подключён\nНапоминания приходят в Telegram."
        since = len(bot.server.calls)
        await bot.press(SCHOOL_3, shown, text="🔗 Подключить MAX")
        sent = await bot.server.wait_for_call(
            "sendMessage", lambda call: call.chat_id == SCHOOL_3.id, since=since
        )
        link = sent.params["text"].splitlines()[-1]
        assert link.startswith("https://max.ru/roadmap_test_bot?start=")

        max_server.bot_started(MAX_USER, link_token(link))
        await max_server.wait_for(lambda: bool(max_server.sent_to(MAX_USER)), TIMEOUT)
        assert "привязан" in (max_server.sent_to(MAX_USER)[0].text or "").lower()

        shown = (await bot.say(SCHOOL_3, "/settings")).result
        labels = [b["text"] for row in shown["reply_markup"]["inline_keyboard"] for b in row]
        assert labels == ["✓ 🔔 Напоминать в Telegram", "🔔 Напоминать в MAX"]
        since = len(bot.server.calls)
        await bot.press(SCHOOL_3, shown, text="🔔 Напоминать в MAX")
        edited = await bot.server.wait_for_call("editMessageText", since=since)
        assert "Напоминания приходят в MAX." in edited.params["text"]
        # The ministry sees who is reminded where.
        coverage = (await bot.say(ADMIN, "/coverage")).params["text"]
        assert f"{UNIT}: 👤 1 (MAX 1)" in coverage, coverage
        assert "(MAX N): из них N получают напоминания в MAX" in coverage

        reminders_before = len(bot.server.calls_to("sendMessage", SCHOOL_3.id))
        bot.clock.set(THREE_DAYS_LEFT)
        assert (await bot.app.tick()).delivered == 1
        assert (await bot.app.tick()).delivered == 0
        [reminder] = [m for m in max_server.sent_to(MAX_USER) if (m.text or "").startswith("🔔")]
        assert "осталось 3 дня" in (reminder.text or "")
        assert len(bot.server.calls_to("sendMessage", SCHOOL_3.id)) == reminders_before
