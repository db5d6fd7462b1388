"""`roadmap-bot run` as a real process: bad configuration, answering, a clean stop on SIGTERM."""

import asyncio
import os
import signal
import sys
from pathlib import Path

from fake_telegram import FakeTelegramServer
from harness import PARENT, PLAN_YAML

STARTUP_TIMEOUT = 30.0


def bot_env(server: FakeTelegramServer | None, tmp_path: Path) -> dict[str, str]:
    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN_YAML, encoding="utf-8")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"BOT_TOKEN", "MAX_BOT_TOKEN", "DATABASE_URL"}
    }
    env.update(
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}",
        PLAN_PATHS=str(plan),
        UNITS_PATHS=str(tmp_path / "none-*.yaml"),
    )
    if server is not None:
        env.update(BOT_TOKEN=server.token, TELEGRAM_API_BASE=server.base_url)
    return env


async def test_no_token_at_all_stops_with_one_clear_line(tmp_path: Path) -> None:
    """Neither BOT_TOKEN nor MAX_BOT_TOKEN: one of them is needed (either alone will do)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run",
        env=bot_env(None, tmp_path), cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _out, err = await process.communicate()

    assert process.returncode == 2
    assert err.decode().strip() == (
        "configuration error: neither BOT_TOKEN (Telegram) nor MAX_BOT_TOKEN (MAX) is set; set "
        "one or both (see .env.example)"
    )


async def test_the_process_answers_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    async with FakeTelegramServer() as server:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run",
            env=bot_env(server, tmp_path), cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            await server.wait_until_polled(timeout=STARTUP_TIMEOUT)
            server.send_text(PARENT, "/start")
            reply = await server.wait_for_call("sendMessage", timeout=STARTUP_TIMEOUT)
            assert "ГИА-9" in reply.params["text"]
        finally:
            process.send_signal(signal.SIGTERM)
            _out, err = await asyncio.wait_for(process.communicate(), STARTUP_TIMEOUT)

    log = err.decode()
    assert process.returncode == 0, log
    assert "Traceback" not in log
    assert (tmp_path / "bot.sqlite3").exists()
