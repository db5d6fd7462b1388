"""`roadmap-bot run` start-up failures: one line naming the setting, a non-zero exit, no traceback.

The README's table of start-up failures lists these lines; each case runs the real process.
"""

import asyncio
import os
import socket
import sys
from pathlib import Path

import pytest
from fake_telegram import FakeTelegramServer
from harness import PLAN_YAML

from bot.config import Settings
from bot.fakemax import FakeMaxServer
from bot.startup import hotline_plan_warning, settings_warnings, sqlite_problem

TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ"
TIMEOUT = 60.0


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def run_bot(tmp_path: Path, **env: str) -> tuple[int, list[str]]:
    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN_YAML, encoding="utf-8")
    environment = {
        k: v for k, v in os.environ.items() if k not in Settings.model_fields and k != "BOT_TOKEN"
    }
    environment.update(
        {
            "BOT_TOKEN": TOKEN,
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}",
            "PLAN_PATHS": str(plan),
            "TELEGRAM_API_BASE": f"http://127.0.0.1:{closed_port()}",
            "ADMIN_IDS": "1000",
        }
    )
    environment.update(env)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=environment, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _out, err = await asyncio.wait_for(process.communicate(), TIMEOUT)
    assert process.returncode is not None
    return process.returncode, err.decode().splitlines()


def assert_one_line(lines: list[str], expected: str) -> None:
    errors = [line for line in lines if "Traceback" in line or line.startswith(("error", "conf"))]
    assert errors == [expected], lines


async def test_the_placeholder_token_is_recognised(tmp_path: Path) -> None:
    status, lines = await run_bot(
        tmp_path, BOT_TOKEN="123456789:replace-with-the-token-from-BotFather"
    )
    assert status == 2
    assert_one_line(
        lines,
        "error: BOT_TOKEN: still the placeholder from .env.example; put the token @BotFather "
        "gave you (/newbot) in .env — or try `roadmap-bot demo`, which needs none",
    )


async def test_a_token_telegram_refuses(tmp_path: Path) -> None:
    async with FakeTelegramServer() as server:  # its token is not TOKEN: 401 Unauthorized
        status, lines = await run_bot(tmp_path, TELEGRAM_API_BASE=server.base_url)
    assert status == 3
    assert_one_line(
        lines,
        "error: BOT_TOKEN: Telegram refused the token (401 Unauthorized); copy it again from "
        "@BotFather (/mybots → API Token)",
    )


async def test_no_network_to_telegram(tmp_path: Path) -> None:
    port = closed_port()
    status, lines = await run_bot(tmp_path, TELEGRAM_API_BASE=f"http://127.0.0.1:{port}")
    assert status == 3
    assert len(lines) == 1 and lines[0].startswith(
        f"error: network: cannot reach the Bot API at http://127.0.0.1:{port} ("
    ), lines
    assert lines[0].endswith("); check the connection, a proxy, or TELEGRAM_API_BASE")


async def test_a_token_max_refuses(tmp_path: Path) -> None:
    async with FakeTelegramServer(token=TOKEN) as telegram, FakeMaxServer() as max_server:
        status, lines = await run_bot(
            tmp_path,
            TELEGRAM_API_BASE=telegram.base_url,
            MAX_BOT_TOKEN="not-the-max-token",
            MAX_API_BASE=max_server.base_url,
        )
    assert status == 3
    assert_one_line(
        lines,
        "error: MAX_BOT_TOKEN: MAX refused it (401 verify.token); copy the token again from "
        "the bot's page on business.max.ru",
    )


async def test_no_network_to_max(tmp_path: Path) -> None:
    port = closed_port()
    async with FakeTelegramServer(token=TOKEN) as telegram:
        status, lines = await run_bot(
            tmp_path,
            TELEGRAM_API_BASE=telegram.base_url,
            MAX_BOT_TOKEN="max-token-0123456789",
            MAX_API_BASE=f"http://127.0.0.1:{port}",
        )
    assert status == 3
    assert len(lines) == 1 and lines[0].startswith(
        f"error: network: cannot reach the MAX Bot API at http://127.0.0.1:{port} ("
    ), lines
    assert lines[0].endswith("); check the connection, a proxy, or MAX_API_BASE")


async def test_a_database_folder_that_does_not_exist(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'bot.sqlite3'}"
    status, lines = await run_bot(tmp_path, DATABASE_URL=url)
    assert status == 4
    assert_one_line(
        lines,
        f"error: DATABASE_URL: the folder {tmp_path / 'missing'} does not exist; "
        "create it or point DATABASE_URL elsewhere",
    )


async def test_postgresql_that_refuses_connections(tmp_path: Path) -> None:
    port = closed_port()
    async with FakeTelegramServer(token=TOKEN) as server:
        status, lines = await run_bot(
            tmp_path,
            TELEGRAM_API_BASE=server.base_url,
            DATABASE_URL=f"postgresql+asyncpg://roadmap@127.0.0.1:{port}/roadmap",
        )
    assert status == 4
    assert len(lines) == 1 and lines[0].startswith(
        f"error: DATABASE_URL: cannot connect to PostgreSQL at 127.0.0.1:{port} ("
    ), lines
    assert lines[0].endswith("); is the server running and the address right?")


@pytest.mark.parametrize(
    ("name", "value", "line"),
    [
        (
            "ADMIN_IDS",
            "-5",
            "ADMIN_IDS: -5 is not a Telegram user id (a positive number; ask @userinfobot)",
        ),
        (
            "ADMIN_IDS",
            str(2**63),
            f"ADMIN_IDS: {2**63} is not a Telegram user id (a positive number; ask @userinfobot)",
        ),
        (
            "HOTLINE_CHAT_ID",
            "5",
            "HOTLINE_CHAT_ID: 5 is a user's id; the operators' group id is negative "
            "(e.g. -1001234567890: add @RawDataBot to the group to see it)",
        ),
    ],
)  # fmt: skip
async def test_bad_ids_in_settings(tmp_path: Path, name: str, value: str, line: str) -> None:
    status, lines = await run_bot(tmp_path, **{name: value})
    assert status == 2
    assert_one_line(lines, f"configuration error: {line}")


async def test_the_debug_log_level_shows_the_traceback(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'bot.sqlite3'}"
    status, lines = await run_bot(tmp_path, DATABASE_URL=url, LOG_LEVEL="DEBUG")
    assert status == 4
    assert any("Traceback" in line for line in lines)


def test_sqlite_problems_name_the_file_and_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "bot.sqlite3"
    url = f"sqlite+aiosqlite:///{database}"
    assert sqlite_problem(url) is None
    assert sqlite_problem("postgresql+asyncpg://u@h/db") is None
    database.write_bytes(b"")
    # root ignores file modes, so the refusal the kernel would give is simulated.
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != database)
    assert sqlite_problem(url) == (
        f"DATABASE_URL: the file {database} is read-only for this user; "
        "make it writable or point DATABASE_URL elsewhere"
    )
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != tmp_path)
    assert sqlite_problem(url) == (
        f"DATABASE_URL: the folder {tmp_path} is not writable by this user (SQLite writes its "
        "journal there); make it writable or point DATABASE_URL elsewhere"
    )


def test_warnings_for_settings_that_are_allowed_but_odd(tmp_path: Path) -> None:
    settings = Settings(
        bot_token=TOKEN,
        plan_paths=[str(tmp_path / "nowhere" / "*.yaml")],
        hotline_plan="no-such-plan",
        _env_file=None,
    )
    assert settings_warnings(settings) == [
        "ADMIN_IDS is empty: nobody can invite or administer; put your Telegram user id "
        "(ask @userinfobot) in ADMIN_IDS and restart",
        f"PLAN_PATHS: {tmp_path / 'nowhere' / '*.yaml'} matches no file; check the path",
    ]
    assert hotline_plan_warning(settings, ["altai-gia-2024"]) == (
        "HOTLINE_PLAN: no loaded plan has the id 'no-such-plan' (loaded: altai-gia-2024); "
        "answers will not quote a plan's hotline facts"
    )
    assert hotline_plan_warning(settings, ["no-such-plan"]) is None
