"""`roadmap-bot invite` with MAX configured prints a link for each messenger."""

import asyncio
import os
import sys
from pathlib import Path

from fake_telegram import FakeTelegramServer

from bot.config import Settings
from bot.fakemax import FakeMaxServer

TIMEOUT = 60.0


async def _invite(tmp_path: Path, env_extra: dict[str, str], *args: str) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if k.lower() not in Settings.model_fields}
    env.update(
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}",
        PLAN_PATHS=str(tmp_path / "none.yaml"),
        **env_extra,
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "invite", "--role", "staff", *args,
        env=env, cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), TIMEOUT)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_both_links_carry_the_same_invitation(tmp_path: Path) -> None:
    async with (
        FakeTelegramServer(bot_username="gia_roadmap_bot") as telegram,
        FakeMaxServer() as max_server,
    ):
        status, out, err = await _invite(
            tmp_path,
            {
                "BOT_TOKEN": telegram.token,
                "TELEGRAM_API_BASE": telegram.base_url,
                "MAX_BOT_TOKEN": max_server.token,
                "MAX_API_BASE": max_server.base_url,
            },
        )
        assert [c.path for c in max_server.calls] == ["GET /me"]
    assert status == 0, err
    tg_link, max_link = out.split()
    assert tg_link.startswith("https://t.me/gia_roadmap_bot?start=")
    assert max_link.startswith("https://max.ru/roadmap_test_bot?start=")
    assert tg_link.rsplit("=", 1)[1] == max_link.rsplit("=", 1)[1]


async def test_a_token_max_refuses_stops_before_an_invitation(tmp_path: Path) -> None:
    async with FakeMaxServer() as max_server:
        status, out, err = await _invite(
            tmp_path,
            {
                "BOT_TOKEN": "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                "MAX_BOT_TOKEN": "wrong-token",
                "MAX_API_BASE": max_server.base_url,
            },
            "--bot-username",
            "gia_roadmap_bot",
        )
    assert status == 3 and out == ""
    assert "MAX_BOT_TOKEN: MAX refused it (401 verify.token)" in err
    assert not (tmp_path / "bot.sqlite3").exists()


async def test_max_name_from_the_command_line_skips_me(tmp_path: Path) -> None:
    async with FakeMaxServer() as max_server:
        status, out, err = await _invite(
            tmp_path,
            {
                "BOT_TOKEN": "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                "MAX_BOT_TOKEN": max_server.token,
                "MAX_API_BASE": max_server.base_url,
            },
            "--bot-username",
            "gia_roadmap_bot",
            "--max-bot-name",
            "gia_max_bot",
        )
        assert max_server.calls == []
    assert status == 0, err
    assert out.split()[1].startswith("https://max.ru/gia_max_bot?start=")
