"""`roadmap-bot invite`: the bot's username comes from the token (getMe); a bad one is refused
before any invitation exists."""

import asyncio
import os
import sys
from pathlib import Path

from fake_telegram import FakeTelegramServer

from bot.config import Settings

TIMEOUT = 60.0


async def invite(tmp_path: Path, *args: str, api_base: str, token: str) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if k not in Settings.model_fields}
    env.update(
        BOT_TOKEN=token,
        TELEGRAM_API_BASE=api_base,
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}",
        PLAN_PATHS=str(tmp_path / "none.yaml"),
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "invite", "--role", "staff", *args,
        env=env, cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), TIMEOUT)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_the_link_names_the_bot_telegram_reports(tmp_path: Path) -> None:
    async with FakeTelegramServer(bot_username="gia_roadmap_bot") as server:
        status, out, err = await invite(tmp_path, api_base=server.base_url, token=server.token)
        assert server.calls_to("getMe")
    assert status == 0, err
    assert out.startswith("https://t.me/gia_roadmap_bot?start=")


async def test_an_override_that_is_not_a_username_is_refused_before_a_token(
    tmp_path: Path,
) -> None:
    async with FakeTelegramServer() as server:
        status, out, err = await invite(
            tmp_path, "--bot-username", "a b", api_base=server.base_url, token=server.token
        )
        assert server.calls == []
    assert status == 2 and out == ""
    assert 'argument --bot-username: "a b" is not a bot username' in err
    assert not (tmp_path / "bot.sqlite3").exists()  # no invitation was stored


async def test_a_valid_override_skips_getme(tmp_path: Path) -> None:
    async with FakeTelegramServer() as server:
        status, out, _err = await invite(
            tmp_path, "--bot-username", "@Other_Roadmap_Bot", api_base=server.base_url,
            token=server.token,
        )  # fmt: skip
        assert server.calls == []
    assert status == 0
    assert out.startswith("https://t.me/Other_Roadmap_Bot?start=")
