"""Webhook mode's HTTP side: the update endpoint, /healthz, /readyz and /metrics.

Updates are handled before they are acknowledged (aiogram's handler with
`handle_in_background=False`): Telegram gets its 200 only after the handler's transaction, with
the update's row in the ledger, is committed. A wrong or missing secret gets 401.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web
from aiohttp.typedefs import Handler
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.scale.metrics import CONTENT_TYPE, Metrics
from storage.migrate import alembic_config
from storage.models_reminders import DeliveryStatus, OutboxRow, ReminderRow, ReminderStatus

logger = logging.getLogger(__name__)

UPDATES_AT_ONCE = 10
"""Updates one process handles at a time; Telegram's further connections wait at the door.

An update holds one database connection, the one with the user's advisory lock, which its
sessions share (`bot.scale.fsm.update_connection`); some take a second for a moment (a send
budget reservation, a handler's own session). Ten leave five of the pool's fifteen for those,
so every update can finish. (With Telegram's 40 connections all inside and three connections an
update, 15 updates once held the whole pool and waited for another for ever;
tests/e2e/test_webhook_replicas.py found it.) Five at a time held a thousand taps in ten
seconds to 10-20 s for the slowest; ten, to about 5 s (issue 14)."""


def webhook_path(url: str) -> str:
    """The path Telegram posts to: the one in WEBHOOK_URL (a proxy in front passes it on)."""
    return urlsplit(url).path or "/"


async def migrations_current(engine: AsyncEngine) -> bool:
    """The database is at one of the code's migration heads (an older schema is not ready)."""
    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    async with engine.connect() as connection:
        current = await connection.run_sync(
            lambda sync: set(MigrationContext.configure(sync).get_current_heads())
        )
    return bool(current) and current <= heads


async def queue_gauges(
    sessions: async_sessionmaker[AsyncSession], now: datetime
) -> dict[str, float]:
    """Deliveries waiting, and how long the oldest deliverable one has been due."""
    waiting = (DeliveryStatus.PENDING, DeliveryStatus.CLAIMED)
    async with sessions() as session:
        depth = await session.scalar(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.status.in_(waiting))
        )
        oldest_outbox = await session.scalar(
            select(func.min(OutboxRow.next_attempt_at)).where(
                OutboxRow.status.in_(waiting), OutboxRow.next_attempt_at <= now
            )
        )
        oldest_reminder = await session.scalar(
            select(func.min(ReminderRow.due_at)).where(
                ReminderRow.status == ReminderStatus.PENDING, ReminderRow.due_at <= now
            )
        )
    due = [moment for moment in (oldest_outbox, oldest_reminder) if moment is not None]
    age = (now - min(due)).total_seconds() if due else 0.0
    return {"outbox_depth": float(depth or 0), "oldest_due_age_seconds": max(age, 0.0)}


@dataclass(slots=True)
class Probes:
    """What /readyz, /healthz and /metrics look at; given by the Application."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    metrics: Metrics
    now: Callable[[], datetime]
    stopping: Callable[[], bool]
    counters: Callable[[], dict[str, float]]

    async def healthz(self, _request: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def readyz(self, _request: web.Request) -> web.Response:
        if self.stopping():
            return web.Response(status=503, text="shutting down\n")
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            current = await migrations_current(self.engine)
        except (SQLAlchemyError, OSError) as error:
            logger.warning("readyz: database unreachable: %s", error)
            return web.Response(status=503, text="database unreachable\n")
        if not current:
            return web.Response(status=503, text="migrations not current\n")
        return web.Response(text="ready\n")

    async def metrics_page(self, _request: web.Request) -> web.Response:
        gauges: dict[str, float] = {}
        try:
            gauges = await queue_gauges(self.sessions, self.now())
        except (SQLAlchemyError, OSError) as error:
            logger.warning("metrics: queue not readable: %s", error)
        for name, value in self.counters().items():
            self.metrics.values[f"roadmap_{name}"] = {(): value}
        body = self.metrics.render(gauges)
        return web.Response(body=body.encode(), headers={"Content-Type": CONTENT_TYPE})


def add_probes(web_app: web.Application, probes: Probes) -> None:
    web_app.router.add_get("/healthz", probes.healthz)
    web_app.router.add_get("/readyz", probes.readyz)
    web_app.router.add_get("/metrics", probes.metrics_page)


def build_probes_app(probes: Probes) -> web.Application:
    """/healthz, /readyz and /metrics alone: webhook mode of a bot serving MAX alone (MAX
    posts its updates to a server of its own, bot/transport/max/runtime.py)."""
    web_app = web.Application()
    add_probes(web_app, probes)
    return web_app


def build_web_app(
    dispatcher: Dispatcher,
    bot: Bot,
    *,
    path: str,
    secret: str,
    probes: Probes,
    on_shutdown: Callable[[], Awaitable[None]] | None = None,
) -> web.Application:
    gate = asyncio.Semaphore(UPDATES_AT_ONCE)

    @web.middleware
    async def few_at_a_time(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path != path:
            return await handler(request)
        async with gate:
            return await handler(request)

    web_app = web.Application(client_max_size=1024 * 1024, middlewares=[few_at_a_time])
    SimpleRequestHandler(
        dispatcher, bot, handle_in_background=False, secret_token=secret
    ).register(web_app, path=path)
    setup_application(web_app, dispatcher, bot=bot)
    add_probes(web_app, probes)
    if on_shutdown is not None:
        stop = on_shutdown

        async def _stop(_app: web.Application) -> None:
            await stop()

        web_app.on_shutdown.append(_stop)
    return web_app
