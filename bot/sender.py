"""The sender: the part of the bot that sends due reminders and notices, and nothing else.

`roadmap-bot tick` and the bench's sender processes need the tick, not the handlers, the
dispatcher, the scheduler or the migrations: importing only this keeps such a process 18 MiB
smaller (90 MiB after its imports instead of 108; tests/unit/test_lean_imports.py checks what
stays out). The running bot (`bot.app.Application`) holds one Sender and ticks through it.
"""

import asyncio
import dataclasses
import logging
import os
import secrets
import socket
import time
from dataclasses import dataclass, field
from datetime import datetime

import aiohttp
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.delivery.requests import LimitedRequests
from bot.delivery.tick import DeliverySettings, TickReport, run_tick
from bot.i18n import create_i18n
from bot.reminders.ratelimit import LATE_AFTER, RateLimiter
from bot.scale.budget import RESERVE_AHEAD, SharedBudget
from bot.scale.metrics import Metrics
from bot.transport.max.client import MaxClient
from bot.transport.max.transport import MaxTransport
from bot.transport.port import Outbound
from bot.transport.telegram import TelegramOutbound
from storage.engine import create_engine, session_factory

logger = logging.getLogger(__name__)

TELEGRAM_NOT_CONFIGURED = "Telegram is not configured (BOT_TOKEN is not set)"


class TelegramNotConfiguredError(RuntimeError):
    """Something only Telegram can do was asked of a bot that serves MAX alone."""

    def __init__(self) -> None:
        super().__init__(TELEGRAM_NOT_CONFIGURED)


def build_bot(settings: Settings, requests: LimitedRequests) -> Bot:
    """The bot; every call it makes goes through `requests` (one limiter per token)."""
    if settings.bot_token is None:
        raise TelegramNotConfiguredError
    session = (
        AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_base))
        if settings.telegram_api_base
        else AiohttpSession()
    )
    session.middleware(requests)
    return Bot(
        token=settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )


def worker_name() -> str:
    """Who claimed an outbox row: unique per process, readable in the database."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


def merge_reports(first: TickReport, second: TickReport) -> TickReport:
    """One report of two transports' ticks: counts added, lists joined."""
    merged = TickReport()
    for item in dataclasses.fields(TickReport):
        a, b = getattr(first, item.name), getattr(second, item.name)
        setattr(merged, item.name, a + b)
    return merged


def shared_budget(engine: AsyncEngine, *, ahead: bool = False) -> SharedBudget | None:
    """On PostgreSQL, where several processes may send for one token, they share one budget;
    SQLite has one process (and a reservation per message would only add a write to it)."""
    if engine.dialect.name != "postgresql":
        return None
    # Ahead only with lanes: one lane would wait the lead for every message (~5 a second).
    return SharedBudget(engine, lead=RESERVE_AHEAD if ahead else 0.0, keep_connection=True)


@dataclass(slots=True)
class MaxSending:
    """MAX's side of the sending: its HTTP session, client, outbound and own budget."""

    http: aiohttp.ClientSession
    client: MaxClient
    transport: MaxTransport
    limiter: RateLimiter
    """MAX's own budget: the two messengers' limits are counted apart."""


@dataclass(slots=True)
class Sender:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    requests: LimitedRequests
    i18n: I18n
    telegram_bot: Bot | None
    """Telegram's bot; None when only MAX is configured (no BOT_TOKEN)."""
    max: MaxSending | None = None
    metrics: Metrics = field(default_factory=Metrics)
    worker_id: str = field(default_factory=worker_name)
    ticking: asyncio.Lock = field(default_factory=asyncio.Lock)
    """Held by a tick under way: stopping waits for it to give back what it has not sent."""
    stopping: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def limiter(self) -> RateLimiter:
        """The one budget of this bot token: the tick's sends and every other call."""
        return self.requests.limiter

    async def tick(self, *, now: datetime | None = None, dry_run: bool = False) -> TickReport:
        """One reminder tick: what the scheduler runs, and `roadmap-bot tick` too."""
        started = time.perf_counter()
        # Once per configured messenger; each releases and sends only its own share, so a
        # person is reminded once, where they chose.
        outbounds: list[tuple[Outbound, RateLimiter, str]] = []
        if self.telegram_bot is not None:
            outbounds.append((TelegramOutbound(self.telegram_bot), self.limiter, self.worker_id))
        if self.max is not None:
            outbounds.append((self.max.transport, self.max.limiter, f"{self.worker_id}/max"))
        report = TickReport()
        async with self.ticking:
            for outbound, limiter, worker_id in outbounds:
                part = await run_tick(
                    self.sessions,
                    outbound,
                    now or self.clock.now(),
                    worker_id=worker_id,
                    limiter=limiter,
                    settings=DeliverySettings.from_settings(self.settings),
                    i18n=self.i18n,
                    dry_run=dry_run,
                    stop=self.stopping,
                )
                report = merge_reports(report, part)
        self._count_tick(report, time.perf_counter() - started)
        if report.released or report.messages or report.retried or report.failed:
            logger.info(
                "tick: %d released, %d messages (%d reminders), %d retried, %d failed, "
                "%d uncertain, %d folded, %d cancelled",
                report.released,
                report.messages,
                report.delivered,
                report.retried,
                report.failed,
                report.uncertain,
                report.folded,
                report.cancelled,
            )
        return report

    def _count_tick(self, report: TickReport, seconds: float) -> None:
        self.metrics.observe("tick_duration_seconds", seconds)
        for result, amount in (
            ("sent", report.messages + report.notices_sent),
            ("retried", report.retried + report.notices_retried),
            ("failed", report.failed + report.notices_failed),
            ("uncertain", report.uncertain + report.notices_uncertain),
        ):
            if amount:
                self.metrics.count("messages_total", amount, result=result)

    async def close(self) -> None:
        if self.telegram_bot is not None:
            await self.telegram_bot.session.close()
        if self.max is not None:
            await self.max.http.close()
        if isinstance(shared := self.limiter.shared, SharedBudget):
            await shared.close()  # its kept connection, before the engine goes
        await self.engine.dispose()


def build_sender(
    settings: Settings, clock: Clock | None = None, limiter: RateLimiter | None = None
) -> Sender:
    engine = create_engine(settings.database_url)
    ahead = settings.send_lanes > 1
    requests = LimitedRequests(
        limiter
        or RateLimiter(
            shared=shared_budget(engine, ahead=ahead), late_after=LATE_AFTER if ahead else None
        )
    )
    max_sending = None
    if settings.max_bot_token is not None:
        # MAX's runtime module (its webhook and polling) loads only where MAX is configured.
        from bot.transport.max.runtime import max_client  # noqa: PLC0415

        http = aiohttp.ClientSession()
        client = max_client(settings, http)
        max_sending = MaxSending(
            http=http,
            client=client,
            transport=MaxTransport(client),
            limiter=RateLimiter.with_limits(requests.limiter.limits),
        )
    return Sender(
        settings=settings,
        engine=engine,
        sessions=session_factory(engine),
        clock=clock or SystemClock(),
        requests=requests,
        i18n=create_i18n(settings.default_locale),
        telegram_bot=build_bot(settings, requests) if settings.serves_telegram else None,
        max=max_sending,
    )
