"""The running bot: settings → engine → plans → bot → dispatcher → polling."""

import asyncio
import contextlib
import glob
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommandScopeDefault
from aiogram.utils.i18n import I18n
from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.delivery.paced import PacedOutbound
from bot.delivery.requests import LimitedRequests, TapMiddleware
from bot.delivery.tick import TickReport
from bot.faq.loader import load_faqs_skipping
from bot.hotline.faq import FaqService
from bot.middlewares import DbSessionMiddleware, StoredLocaleMiddleware, UserMiddleware
from bot.plan.loader import load_plan
from bot.reminders.ratelimit import RateLimiter
from bot.scale.fsm import DatabaseEventIsolation, DatabaseStorage
from bot.scale.leases import take_lease
from bot.scale.ledger import UpdateLedgerMiddleware, forget_old_updates
from bot.scale.metrics import Metrics
from bot.scale.web import Probes, build_probes_app, build_web_app, webhook_path
from bot.sender import MaxSending, Sender, TelegramNotConfiguredError, build_sender
from bot.services.errors import DomainError
from bot.services.hotline import drafts
from bot.services.members import role_holders
from bot.services.plans import SyncReport, list_plan_ids, sync_plan
from bot.services.reminders import schedule_reminders
from bot.services.types import Role
from bot.services.units import load_units_file
from bot.startup import (
    EXIT_CONFIG,
    EXIT_DATABASE,
    StartupError,
    check_token_is_not_placeholder,
    describe_database_error,
    describe_max_error,
    describe_telegram_error,
    hotline_plan_warning,
    settings_warnings,
    sqlite_problem,
)
from bot.transport.max.client import MaxApiError, MaxClient, MaxNetworkError
from bot.transport.max.entry import MaxEntry
from bot.transport.max.runtime import bot_name, serve_max
from handlers import build_router
from handlers.control_notices import ControlReport, control_tick
from handlers.desk import OperatorsDesk
from handlers.errors import DomainErrorMiddleware
from handlers.hotline import remind_waiting_askers
from handlers.menus import menu, set_menu
from storage.migrate import upgrade
from storage.models_hotline import DraftStatus

logger = logging.getLogger(__name__)

WEBHOOK_SETTINGS_MISSING = (
    "webhook mode needs WEBHOOK_URL (the public https:// address) and WEBHOOK_SECRET"
)
MAX_WEBHOOK_SETTINGS_MISSING = (
    "webhook mode without BOT_TOKEN serves MAX alone: it needs MAX_WEBHOOK_URL (the public "
    "https:// address) and MAX_WEBHOOK_SECRET"
)
CONTROL_MINUTES = 5
"""How often escalations and weekly digests are looked for (they go out with the next tick)."""


@dataclass(slots=True)
class StartupReport:
    synced: list[SyncReport] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    hotline_facts: dict[str, str] = field(default_factory=dict)


def expand_paths(patterns: Sequence[str]) -> list[Path]:
    paths: list[Path] = []
    for pattern in patterns:
        # Shell-style patterns from .env, absolute or relative: Path.glob takes relative only.
        found = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]  # noqa: PTH207
        paths.extend(Path(p) for p in found)
    return paths


async def load_data(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> StartupReport:
    """Sync every plan and directory file; a bad file is reported and skipped, never fatal.

    A plan with errors keeps whatever the database already holds for it, so a typo in an
    edited YAML cannot erase a plan that is running.
    """
    report = StartupReport()
    loaded_from: dict[str, Path] = {}
    for path in expand_paths(settings.plan_paths):
        result = load_plan(path)
        if result.plan is None:
            report.problems.extend(str(error) for error in result.errors)
            continue
        first = loaded_from.setdefault(result.plan.id, path)
        if first != path:
            # Two files with one id would overwrite each other on every sync.
            report.problems.append(
                f'{path}: plan id "{result.plan.id}" is already loaded from {first}; '
                "this file is skipped (give it an id of its own)"
            )
            continue
        async with sessions() as session:
            try:
                synced = await sync_plan(session, result.plan, clock.now())
            except DomainError as error:
                report.problems.append(f"{path}: {error}")
                continue
            await session.commit()
            await schedule_reminders(session, synced.plan_id, clock.now())
        report.synced.append(synced)
        # Warnings go to the admins with the load that brought them: once per change of the
        # plan (a new or edited file), not on every start; accepted ones not at all.
        if synced.changed and result.open_warnings:
            report.problems.append(
                f"{path}: {len(result.open_warnings)} warnings "
                "(accept one with accepted_warnings: in the plan)"
            )
            report.problems.extend(str(warning) for warning in result.open_warnings)
        chosen = settings.hotline_plan in (None, result.plan.id)
        if chosen and result.plan.hotline and not report.hotline_facts:
            report.hotline_facts = dict(result.plan.hotline)
        if synced.disappeared:
            report.problems.append(
                f"{path}: measures no longer in the file (history kept): "
                + ", ".join(synced.disappeared)
            )
    for path in expand_paths(settings.units_paths):
        async with sessions() as session:
            try:
                await load_units_file(session, path, clock.now())
                await session.commit()
            except DomainError as error:
                report.problems.append(f"{path}: {error}")
    return report


def build_dispatcher(
    settings: Settings,
    *,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    i18n: I18n,
    clock: Clock,
    metrics: Metrics,
) -> Dispatcher:
    dispatcher = Dispatcher(
        # In the database: a half-typed comment survives a restart and is the same on every
        # instance; one user's updates are handled in order across instances.
        storage=DatabaseStorage(sessions, clock),
        events_isolation=DatabaseEventIsolation(engine),
        clock=clock,
        i18n=i18n,
        settings=settings,
        page_size=settings.page_size,
        undo_window=settings.undo_window,
        invitation_ttl=settings.invitation_ttl,
    )
    dispatcher.update.outer_middleware(DbSessionMiddleware(sessions))
    dispatcher.update.outer_middleware(UpdateLedgerMiddleware(clock, metrics))
    dispatcher.update.outer_middleware(UserMiddleware(settings.admin_ids, clock))
    dispatcher.update.outer_middleware(StoredLocaleMiddleware(i18n))
    dispatcher.update.outer_middleware(DomainErrorMiddleware())
    dispatcher.callback_query.outer_middleware(TapMiddleware())
    dispatcher["hours"] = settings.hotline_schedule()
    dispatcher["questions_per_hour"] = settings.hotline_questions_per_hour
    dispatcher.include_router(build_router(settings.hotline_chat_id))
    return dispatcher


async def set_commands(
    bot: Bot,
    i18n: I18n,
    sessions: async_sessionmaker[AsyncSession] | None = None,
    admin_ids: frozenset[int] = frozenset(),
) -> None:
    """The visitors' menu for every chat, and their own for staff, operators and admins.

    Members get theirs when they join (`handlers.start`); Telegram keeps a chat's menu across
    restarts, so only the roles that ADMIN_IDS or a database edit may have changed are set again.
    The default is the visitors' menu so that a parent's /start costs no API call: a crowd of
    parents writing at once is answered at Telegram's full message pace.
    """
    for locale in i18n.available_locales:
        with i18n.context(), i18n.use_locale(locale):
            commands = menu(Role.PUBLIC)
        await bot.set_my_commands(
            commands,
            scope=BotCommandScopeDefault(),
            language_code=None if locale == i18n.default_locale else locale,
        )
    if sessions is None:
        return
    async with sessions() as session:
        holders = await role_holders(session, admin_ids)
    for holder in holders:
        language = holder.language
        own = language if language in i18n.available_locales else None
        with i18n.context(), i18n.use_locale(own or i18n.default_locale):
            await set_menu(bot, holder.chat_id, holder.role)


ADMIN_MESSAGE_LIMIT = 4000  # below Telegram's 4096 characters


async def tell_admins(bot: Bot | None, admin_ids: frozenset[int], problems: Sequence[str]) -> None:
    """Plan errors go to the people who can fix them, not only to a log nobody reads.

    Admins are Telegram users: without Telegram (bot None) the problems are in the log only
    (each was logged when found)."""
    if not problems or bot is None:
        return
    texts = admin_messages([f"• {p}" for p in problems])
    for admin_id in sorted(admin_ids):
        for text in texts:
            try:
                await bot.send_message(admin_id, text, parse_mode=None)
            except TelegramAPIError as error:
                logger.warning("could not tell admin %s about plan problems: %s", admin_id, error)
                break


def admin_messages(lines: Sequence[str], limit: int = ADMIN_MESSAGE_LIMIT) -> list[str]:
    """Lines split into messages under Telegram's length limit; none is cut off silently.

    A long list (e.g. 200 FAQ entries due for review) used to be truncated at 4000 characters,
    so admins never saw the entries at its end.
    """
    header = "⚠️ roadmap-bot:"
    messages: list[str] = []
    current = header
    room = limit - len(header) - 1
    for line in lines:
        fitted = line if len(line) <= room else line[: room - 1] + "…"
        if len(current) + 1 + len(fitted) > limit:
            messages.append(current)
            current = header
        current += "\n" + fitted
    messages.append(current)
    return messages


@dataclass(slots=True)
class MaxSide:
    """MAX beside Telegram: the sender's MAX side (session, client, outbound, budget) and the
    entry point of MAX updates."""

    sending: MaxSending
    entry: MaxEntry

    @property
    def client(self) -> MaxClient:
        return self.sending.client

    @property
    def http(self) -> aiohttp.ClientSession:
        return self.sending.http

    async def serve(self, settings: Settings, stop: asyncio.Event) -> None:
        await serve_max(settings, self.client, self.entry, stop)


@dataclass(slots=True)
class MaxBotName:
    """The MAX bot's public name for deep links: MAX_BOT_NAME, or asked from MAX once."""

    settings: Settings
    client: MaxClient
    _known: str | None = None

    async def __call__(self) -> str:
        if self._known is None:
            self._known = await bot_name(self.settings, self.client)
        return self._known


@dataclass(slots=True)
class Application:
    sender: Sender
    """Sends the due reminders and notices (`tick`); everything below serves people."""
    dispatcher: Dispatcher
    max: MaxSide | None = None
    _halt: asyncio.Event = field(default_factory=asyncio.Event)
    """Set by `stop()`: ends serving MAX alone (Telegram's polling is stopped by aiogram)."""

    @property
    def settings(self) -> Settings:
        return self.sender.settings

    @property
    def engine(self) -> AsyncEngine:
        return self.sender.engine

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        return self.sender.sessions

    @property
    def clock(self) -> Clock:
        return self.sender.clock

    @property
    def requests(self) -> LimitedRequests:
        return self.sender.requests

    @property
    def metrics(self) -> Metrics:
        return self.sender.metrics

    @property
    def worker_id(self) -> str:
        return self.sender.worker_id

    @property
    def telegram_bot(self) -> Bot | None:
        """Telegram's bot; None when only MAX is configured (no BOT_TOKEN)."""
        return self.sender.telegram_bot

    @property
    def bot(self) -> Bot:
        """Telegram's bot, for what only Telegram does; TelegramNotConfiguredError without it."""
        if self.telegram_bot is None:
            raise TelegramNotConfiguredError
        return self.telegram_bot

    @property
    def limiter(self) -> RateLimiter:
        """The one budget of this bot token: the tick's sends and every other call."""
        return self.requests.limiter

    def use_limiter(self, limiter: RateLimiter) -> None:
        """Tests put the limiter on their clock; the tick and the session share it still."""
        self.requests.limiter = limiter

    async def tick(self, *, now: datetime | None = None, dry_run: bool = False) -> TickReport:
        """One reminder tick: what the scheduler runs."""
        return await self.sender.tick(now=now, dry_run=dry_run)

    async def once(
        self, name: str, period: timedelta, job: Callable[[], Awaitable[object]]
    ) -> bool:
        """Run a scheduled job unless another instance holds its lease for this period."""
        if not await take_lease(self.sessions, name, self.worker_id, self.clock.now(), period):
            self.metrics.count("scheduled_jobs_total", job=name, outcome="skipped")
            return False
        await job()
        self.metrics.count("scheduled_jobs_total", job=name, outcome="ran")
        return True

    async def control_tick(self, *, now: datetime | None = None) -> ControlReport:
        """Escalations and weekly digests due now, written as notices the next tick sends."""
        return await control_tick(
            self.sessions,
            now or self.clock.now(),
            i18n=self.dispatcher["i18n"],
            admin_ids=self.settings.admin_ids,
            messengers=self.settings.messengers,
        )

    async def reschedule(self) -> None:
        """Daily: new overdue nudges and status checks, and whatever the last sync missed."""
        now = self.clock.now()
        async with self.sessions() as session:
            for plan_id in await list_plan_ids(session):
                await schedule_reminders(session, plan_id, now)
            await forget_old_updates(session, now)

    def scheduler(self) -> AsyncIOScheduler:
        scheduler = AsyncIOScheduler(timezone=UTC)
        scheduler.add_job(
            self.tick,
            IntervalTrigger(seconds=self.settings.tick_seconds, timezone=UTC),
            id="reminders-tick",
            max_instances=1,
            coalesce=True,
        )
        # Escalations, digests, the daily sync and the hotline's reminders run once across
        # instances (a lease per job); the reminder tick runs everywhere: its outbox claims
        # already share the work out.
        scheduler.add_job(
            self.once,
            IntervalTrigger(minutes=CONTROL_MINUTES, timezone=UTC),
            args=("control", timedelta(minutes=CONTROL_MINUTES), self.control_tick),
            id="control",
            max_instances=1,
            coalesce=True,
        )
        scheduler.add_job(
            self.once,
            CronTrigger(hour=0, minute=30, timezone=UTC),
            args=("reminders-daily", timedelta(days=1), self.reschedule),
            id="reminders-daily",
            max_instances=1,
            coalesce=True,
        )
        if self.settings.hotline_chat_id is not None and self.telegram_bot is not None:
            # The operators' desk and the askers it reminds are on Telegram.
            scheduler.add_job(
                self.once,
                IntervalTrigger(minutes=5, timezone=UTC),
                args=("hotline-waiting", timedelta(minutes=5), self.hotline_tick),
                id="hotline-waiting",
                max_instances=1,
                coalesce=True,
            )
        scheduler.add_job(
            self.once,
            CronTrigger(hour=3, minute=0, timezone=UTC),
            args=("faq-review", timedelta(days=1), self.review_faq),
            id="faq-review",
            max_instances=1,
            coalesce=True,
        )
        return scheduler

    async def prepare(self) -> StartupReport:
        if self.settings.migrate_on_start:
            await upgrade(self.settings.database_url)
        report = await load_data(self.settings, self.sessions, self.clock)
        for synced in report.synced:
            logger.info(
                "plan %s: %d added, %d updated, %d unchanged, %d disappeared",
                synced.plan_id,
                len(synced.added),
                len(synced.updated),
                len(synced.unchanged),
                len(synced.disappeared),
            )
        await self._load_faq(report)
        for problem in report.problems:
            logger.error("%s", problem)
        return report

    async def _load_faq(self, report: StartupReport) -> None:
        """The hotline's FAQ with the drafts admins approved; a broken FAQ file is skipped (the
        others still answer; with none, every question goes to an operator) and reported."""
        faq, refused = load_faqs_skipping(expand_paths(self.settings.faq_paths))
        report.problems.extend(str(error) for error in refused)
        service = FaqService(faq, report.hotline_facts, self.clock.now().date())
        async with self.sessions() as session:
            approved = await drafts(session, DraftStatus.APPROVED)
        service.add_approved_many([(d.id, d.question, d.answer) for d in approved])
        overdue = service.due_for_review(self.clock.now().date())
        if overdue:
            report.problems.append(
                "FAQ entries past their review date: " + ", ".join(e.id for e in overdue)
            )
        self.dispatcher["faq"] = service
        self.dispatcher["faq_sink"] = service
        if self.max is not None:
            self.max.entry.faq = service

    async def hotline_tick(self) -> None:
        """Tell askers whose question waits longer than the operators should take."""
        if self.telegram_bot is None:
            return
        await remind_waiting_askers(
            self.sessions,
            self.telegram_bot,
            hours=self.settings.hotline_schedule(),
            answer_within=timedelta(minutes=self.settings.hotline_answer_minutes),
            now=self.clock.now(),
            i18n=self.dispatcher["i18n"],
        )

    async def review_faq(self) -> None:
        """Daily: FAQ entries past their review date are flagged to the admins."""
        service: FaqService = self.dispatcher["faq"]
        overdue = service.due_for_review(self.clock.now().date())
        if overdue:
            if self.telegram_bot is None:  # the admins are Telegram users: the log says it
                for entry in overdue:
                    logger.warning("FAQ entry %s: review was due %s", entry.id, entry.review_by)
            await tell_admins(
                self.telegram_bot,
                self.settings.admin_ids,
                [f"FAQ entry {e.id}: review was due {e.review_by:%d.%m.%Y}" for e in overdue],
            )

    async def poll(self, report: StartupReport, *, handle_signals: bool = True) -> None:
        """Long polling; with handle_signals, SIGINT and SIGTERM stop it cleanly.

        Without Telegram (MAX alone) nothing is asked of Telegram: MAX is served (by long
        polling or its webhook, per its settings) until `stop()` or a signal."""
        telegram = self.telegram_bot
        if telegram is not None:
            i18n: I18n = self.dispatcher["i18n"]
            await set_commands(telegram, i18n, self.sessions, self.settings.admin_ids)
            await tell_admins(telegram, self.settings.admin_ids, report.problems)
        # TICK_SECONDS=0: no in-process ticks, `roadmap-bot tick` runs from cron instead.
        scheduler = self.scheduler() if self.settings.tick_seconds else None
        if scheduler is not None:
            scheduler.start()
        max_stop = asyncio.Event()
        max_task = self._start_max(max_stop)
        try:
            if telegram is None:
                await self._serve_max_alone(max_task, handle_signals=handle_signals)
            else:
                # Telegram refuses getUpdates while a webhook is set: a bot that ran in webhook
                # mode before keeps its pending updates and polls them from here.
                await telegram.delete_webhook(drop_pending_updates=False)
                await self.dispatcher.start_polling(telegram, handle_signals=handle_signals)
        finally:
            if scheduler is not None:
                scheduler.shutdown(wait=False)
            await self._stop_max(max_task, max_stop)
            # A tick under way finishes the digest it is sending and gives back the rest.
            self.sender.stopping.set()
            async with self.sender.ticking:
                pass

    def probes(self) -> Probes:
        return Probes(
            engine=self.engine,
            sessions=self.sessions,
            metrics=self.metrics,
            now=self.clock.now,
            stopping=self.sender.stopping.is_set,
            counters=lambda: {"telegram_429_total": float(self.requests.received_429)},
        )

    async def serve_webhook(
        self, report: StartupReport, *, stop: asyncio.Event | None = None
    ) -> None:
        """Webhook mode: setWebhook, then serve updates, /healthz, /readyz and /metrics until
        SIGINT or SIGTERM (or `stop`, for tests).

        Without Telegram (MAX alone) the probes are served on the same address and MAX posts
        to its own webhook (MAX_WEBHOOK_URL); nothing is asked of Telegram."""
        telegram = self.telegram_bot
        url, secret = self.settings.webhook_url, self.settings.webhook_secret
        if telegram is not None and (url is None or secret is None):
            raise StartupError(WEBHOOK_SETTINGS_MISSING, EXIT_CONFIG)
        if telegram is None and self.settings.max_webhook_url is None:
            raise StartupError(MAX_WEBHOOK_SETTINGS_MISSING, EXIT_CONFIG)
        stop = stop or asyncio.Event()
        if not stop.is_set():
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, stop.set)
        if telegram is not None and url is not None and secret is not None:
            await set_commands(
                telegram, self.dispatcher["i18n"], self.sessions, self.settings.admin_ids
            )
            await tell_admins(telegram, self.settings.admin_ids, report.problems)
            web_app = build_web_app(
                self.dispatcher,
                telegram,
                path=webhook_path(url),
                secret=secret.get_secret_value(),
                probes=self.probes(),
            )
        else:
            web_app = build_probes_app(self.probes())
        runner = web.AppRunner(web_app, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self.settings.webhook_host, self.settings.webhook_port)
        await site.start()
        scheduler = self.scheduler() if self.settings.tick_seconds else None
        max_stop = asyncio.Event()
        max_task: asyncio.Task[None] | None = None
        try:
            if telegram is not None and url is not None and secret is not None:
                # Listening before Telegram is told where: its first update finds the server up.
                await telegram.set_webhook(
                    url,
                    secret_token=secret.get_secret_value(),
                    allowed_updates=self.dispatcher.resolve_used_update_types(),
                    drop_pending_updates=False,
                )
            if scheduler is not None:
                scheduler.start()
            max_task = self._start_max(max_stop)
            logger.info(
                "webhook mode: %s, listening on %s:%d",
                url if telegram is not None else f"MAX only, {self.settings.max_webhook_url}",
                self.settings.webhook_host,
                self.settings.webhook_port,
            )
            await _until_stopped(stop, max_task)
        finally:
            # /readyz answers 503 from here: the proxy stops sending before we stop serving.
            self.sender.stopping.set()
            if scheduler is not None and scheduler.running:
                scheduler.shutdown(wait=False)
            await self._stop_max(max_task, max_stop)
            await runner.cleanup()  # lets the updates being handled finish
            async with self.sender.ticking:
                pass

    async def _serve_max_alone(
        self, max_task: "asyncio.Task[None] | None", *, handle_signals: bool
    ) -> None:
        """Until `stop()`, SIGINT or SIGTERM: MAX's task serves meanwhile."""
        loop = asyncio.get_running_loop()
        signals = (signal.SIGINT, signal.SIGTERM) if handle_signals else ()
        for signum in signals:
            loop.add_signal_handler(signum, self._halt.set)
        try:
            await _until_stopped(self._halt, max_task)
        finally:
            for signum in signals:
                loop.remove_signal_handler(signum)

    async def stop(self) -> None:
        """Stop `poll()`: Telegram's polling, or serving MAX alone."""
        self._halt.set()
        if self.telegram_bot is not None:
            await self.dispatcher.stop_polling()

    def _start_max(self, stop: asyncio.Event) -> "asyncio.Task[None] | None":
        if self.max is None:
            return None
        return asyncio.create_task(self.max.serve(self.settings, stop), name="max-updates")

    async def _stop_max(self, task: "asyncio.Task[None] | None", stop: asyncio.Event) -> None:
        """The webhook stops serving when told; a long poll is cut short (MAX sends the
        updates of a page whose marker was not committed again)."""
        if task is None:
            return
        stop.set()
        if self.settings.max_webhook_url is None:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def check_max(self) -> None:
        """GET /me on MAX: a refused token or no network stops the start, as for Telegram."""
        if self.max is not None:
            try:
                await self.max.client.get_me()
            except (MaxApiError, MaxNetworkError) as error:
                raise describe_max_error(self.settings, error) from error

    async def close(self) -> None:
        await self.sender.close()


async def _until_stopped(stop: asyncio.Event, task: "asyncio.Task[None] | None") -> None:
    """Wait for `stop`; a serving task that ends first (an error it could not get over) ends
    the wait too, with its error: a bot that no longer receives anything must not look alive."""
    waiting = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait(
            [waiting] if task is None else [waiting, task], return_when=asyncio.FIRST_COMPLETED
        )
    finally:
        waiting.cancel()
    if task is not None and task.done() and not task.cancelled():
        task.result()  # raises what ended it


def build_application(
    settings: Settings, clock: Clock | None = None, limiter: RateLimiter | None = None
) -> Application:
    sender = build_sender(settings, clock, limiter)
    bot = sender.telegram_bot
    dispatcher = build_dispatcher(
        settings,
        engine=sender.engine,
        sessions=sender.sessions,
        i18n=sender.i18n,
        clock=sender.clock,
        metrics=sender.metrics,
    )
    dispatcher["desk"] = (
        OperatorsDesk(bot, settings.hotline_chat_id, forum=settings.hotline_forum)
        if settings.hotline_chat_id is not None and bot is not None
        else None
    )
    max_side = None
    if sender.max is not None:
        sending = sender.max
        max_side = MaxSide(
            sending=sending,
            entry=MaxEntry(
                sender.sessions,
                # Replies share the budget the tick's MAX sends use (it counts its own).
                PacedOutbound(sending.transport, sending.limiter),
                sender.clock,
                sender.i18n,
                settings.default_locale,
                page_size=settings.page_size,
                undo_window=settings.undo_window,
                questions_per_hour=settings.hotline_questions_per_hour,
                telegram=settings.serves_telegram,
            ),
        )
    # /settings on Telegram shows MAX's deep link for binding a MAX account.
    dispatcher["max_bot_name"] = (
        MaxBotName(settings, max_side.client) if max_side is not None else None
    )
    return Application(sender=sender, dispatcher=dispatcher, max=max_side)


async def run_bot(settings: Settings, *, webhook: bool = False) -> None:
    """Check what can be checked, then run; a StartupError is one line for the operator."""
    check_token_is_not_placeholder(settings)
    if webhook and settings.serves_telegram:
        if settings.webhook_url is None or settings.webhook_secret is None:
            raise StartupError(WEBHOOK_SETTINGS_MISSING, EXIT_CONFIG)
    elif webhook and settings.max_webhook_url is None:
        raise StartupError(MAX_WEBHOOK_SETTINGS_MISSING, EXIT_CONFIG)
    problem = sqlite_problem(settings.database_url)
    if problem is not None:
        raise StartupError(problem, EXIT_DATABASE)
    for warning in settings_warnings(settings):
        logger.warning("%s", warning)
    app = build_application(settings)
    try:
        if app.telegram_bot is not None:
            try:
                await app.telegram_bot.get_me()
            except (TelegramAPIError, OSError, TimeoutError) as error:
                raise describe_telegram_error(settings, error) from error
        await app.check_max()
        try:
            report = await app.prepare()
        except (SQLAlchemyError, OSError) as error:
            raise describe_database_error(settings, error) from error
        unknown_plan = hotline_plan_warning(settings, [s.plan_id for s in report.synced])
        if unknown_plan is not None:
            logger.warning("%s", unknown_plan)
        # After the checks: a start that fails prints its one line and nothing else.
        logger.info("serving: %s", ", ".join(settings.messengers))
        if webhook:
            await app.serve_webhook(report)
        else:
            await app.poll(report)
    finally:
        await app.close()


def run_forever(settings: Settings, *, webhook: bool = False) -> None:
    """Long polling (or webhook mode) until Ctrl-C or SIGTERM."""
    asyncio.run(run_bot(settings, webhook=webhook))
    logger.info("stopped")
