"""Webhook mode's HTTP side, in process: secret, acknowledged after handling, redelivery, probes,
metrics; and `run --webhook` refusing to start without its settings."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from fake_telegram import FakeTelegramServer, FakeUser

from bot.app import Application, build_application, run_bot
from bot.clock import FrozenClock
from bot.config import Settings
from bot.scale.metrics import names_in
from bot.scale.web import build_web_app, webhook_path
from bot.startup import StartupError
from storage.migrate import upgrade
from storage.models_scale import HandledUpdateRow

SECRET = "s3cret-token_1"
URL = "https://bot.example.org/tg/hook"
NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
USER = FakeUser(5005, "Ирина")


def _settings(server: FakeTelegramServer, db_url: str, tmp_path: Path) -> Settings:
    return Settings(
        bot_token=server.token,
        database_url=db_url,
        plan_paths=[],
        units_paths=[],
        faq_paths=[],
        telegram_api_base=server.base_url,
        webhook_url=URL,
        webhook_secret=SECRET,
        _env_file=None,
    )


@asynccontextmanager
async def serving(
    db_url: str, tmp_path: Path, *, migrate: bool = True
) -> AsyncIterator[
    tuple[FakeTelegramServer, Application, TestClient[web.Request, web.Application]]
]:
    async with FakeTelegramServer() as server:
        if migrate:
            await upgrade(db_url)
        app = build_application(_settings(server, db_url, tmp_path), FrozenClock(NOW))
        web_app = build_web_app(
            app.dispatcher, app.bot, path=webhook_path(URL), secret=SECRET, probes=app.probes()
        )
        client: TestClient[web.Request, web.Application] = TestClient(TestServer(web_app))
        await client.start_server()
        try:
            yield server, app, client
        finally:
            await client.close()
            await app.close()


def test_the_path_served_is_the_one_in_the_public_url() -> None:
    assert webhook_path("https://bot.example.org/tg/hook?x=1") == "/tg/hook"
    assert webhook_path("https://bot.example.org") == "/"


async def test_a_wrong_or_missing_secret_gets_401(db_url: str, tmp_path: Path) -> None:
    async with serving(db_url, tmp_path) as (server, _app, client):
        update = server.send_text(USER, "/help")
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
            response = await client.post("/tg/hook", json=update, headers=headers)
            assert response.status == 401
        assert server.calls_to("sendMessage", USER.id) == []


async def test_an_update_is_answered_after_it_is_handled_and_only_once(
    db_url: str, tmp_path: Path
) -> None:
    async with serving(db_url, tmp_path) as (server, app, client):
        update = server.send_text(USER, "/help")
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        response = await client.post("/tg/hook", json=update, headers=headers)
        assert response.status == 200
        # Handled before the 200: the reply was sent and the ledger row committed.
        assert len(server.calls_to("sendMessage", USER.id)) == 1
        async with app.sessions() as session:
            assert await session.get(HandledUpdateRow, update["update_id"]) is not None
        # Telegram redelivers (our 200 was lost): acknowledged, not handled again.
        again = await client.post("/tg/hook", json=update, headers=headers)
        assert again.status == 200
        assert len(server.calls_to("sendMessage", USER.id)) == 1
        metrics = await (await client.get("/metrics")).text()
        assert 'roadmap_updates_handled_total{result="handled"} 1' in metrics
        assert 'roadmap_updates_handled_total{result="duplicate"} 1' in metrics


async def test_probes_and_metrics(db_url: str, tmp_path: Path) -> None:
    async with serving(db_url, tmp_path) as (_server, app, client):
        assert (await client.get("/healthz")).status == 200
        assert (await client.get("/readyz")).status == 200
        response = await client.get("/metrics")
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        names = set(names_in(await response.text()))
        assert {
            "roadmap_outbox_depth",
            "roadmap_oldest_due_age_seconds",
            "roadmap_telegram_429_total",
            "roadmap_tick_duration_seconds_sum",
            "roadmap_tick_duration_seconds_count",
        } <= names
        await app.tick()
        text = await (await client.get("/metrics")).text()
        assert "roadmap_tick_duration_seconds_count 1" in text
        app.sender.stopping.set()  # what SIGTERM does first
        assert (await client.get("/readyz")).status == 503
        assert (await client.get("/healthz")).status == 200


async def test_not_ready_before_the_migrations(db_url: str, tmp_path: Path) -> None:
    async with serving(db_url, tmp_path, migrate=False) as (_server, _app, client):
        response = await client.get("/readyz")
        assert response.status == 503
        assert "migrations" in await response.text()


async def test_webhook_mode_needs_its_settings(tmp_path: Path) -> None:
    settings = Settings(
        bot_token="123456:" + "A" * 30,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}",
        _env_file=None,
    )
    with pytest.raises(StartupError, match="WEBHOOK_URL"):
        await run_bot(settings, webhook=True)


def test_the_secret_follows_telegrams_rule() -> None:
    with pytest.raises(ValueError, match="letters, digits"):
        Settings(
            bot_token="123456:" + "A" * 30,
            webhook_secret="has space",
            _env_file=None,
        )
