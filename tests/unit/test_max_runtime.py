"""The MAX side as the process runs it: long polling by default, the webhook when configured."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import aiohttp
import pytest

from bot.app import build_application
from bot.config import load_settings
from bot.fakemax import FakeMaxServer
from bot.transport.max.inbound import Event, Start
from bot.transport.max.runtime import bot_name, max_client, max_deep_link, serve_max

TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_deep_link() -> None:
    assert max_deep_link("@roadmap_bot", "inv_Ab-1") == "https://max.ru/roadmap_bot?start=inv_Ab-1"
    with pytest.raises(ValueError, match="1-128"):
        max_deep_link("roadmap_bot", "x" * 129)


async def test_long_polling_removes_an_old_webhook_and_dispatches() -> None:
    async with FakeMaxServer() as server, aiohttp.ClientSession() as http:
        settings = load_settings(
            bot_token=TOKEN,
            max_bot_token=server.token,
            max_api_base=server.base_url,
            _env_file=None,
        )
        client = max_client(settings, http)
        await client.subscribe("https://old.example.ru/hook", "old_secret")
        assert await bot_name(settings, client) == "roadmap_test_bot"
        stop = asyncio.Event()
        events: list[Event] = []

        async def handler(event: Event) -> None:
            events.append(event)
            stop.set()

        server.bot_started(42, "inv-1")
        await asyncio.wait_for(serve_max(settings, client, handler, stop), 10)
    assert server.subscription is None
    assert [e.payload for e in events if isinstance(e, Start)] == ["inv-1"]


async def test_webhook_mode_subscribes_and_serves_with_the_secret() -> None:
    port = _free_port()
    async with FakeMaxServer() as server, aiohttp.ClientSession() as http:
        settings = load_settings(
            bot_token=TOKEN,
            max_bot_token=server.token,
            max_api_base=server.base_url,
            max_webhook_url="https://bot.example.ru/max/updates",
            max_webhook_secret="s3cret_value",
            max_webhook_host="127.0.0.1",
            max_webhook_port=port,
            _env_file=None,
        )
        stop = asyncio.Event()
        events: list[Event] = []

        async def handler(event: Event) -> None:
            events.append(event)

        task = asyncio.create_task(serve_max(settings, max_client(settings, http), handler, stop))
        for _ in range(200):
            if server.subscription is not None:
                break
            await asyncio.sleep(0.01)
        assert server.subscription is not None
        assert server.subscription["url"] == "https://bot.example.ru/max/updates"
        assert server.subscription["secret"] == "s3cret_value"
        # The reverse proxy forwards MAX's POST to the local port.
        server.subscription["url"] = f"http://127.0.0.1:{port}/max/updates"
        server.bot_started(42, "inv-2")
        assert await server.deliver_webhook(http) == [200]
        stop.set()
        await asyncio.wait_for(task, 10)
    assert [e.payload for e in events if isinstance(e, Start)] == ["inv-2"]


async def test_the_application_serves_max_only_with_its_token_and_closes_its_session(
    tmp_path: Path,
) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"
    telegram_only = build_application(
        load_settings(bot_token=TOKEN, database_url=database, _env_file=None)
    )
    assert telegram_only.max is None
    await telegram_only.check_max()  # nothing to check, nothing called
    await telegram_only.close()
    both = build_application(
        load_settings(
            bot_token=TOKEN,
            database_url=database,
            max_bot_token="max-token-0123456789",
            _env_file=None,
        )
    )
    assert both.max is not None
    http = both.max.http
    await both.close()
    assert http.closed
