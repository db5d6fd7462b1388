"""The running bot: settings → engine → plans → bot → dispatcher → polling."""

import asyncio
import glob
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.types import BotCommand, BotCommandScopeDefault
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.i18n import create_i18n
from bot.middlewares import DbSessionMiddleware, StoredLocaleMiddleware, UserMiddleware
from bot.plan.loader import load_plan
from bot.services.errors import DomainError
from bot.services.plans import SyncReport, sync_plan
from bot.services.units import load_units_file
from handlers import build_router
from handlers.errors import DomainErrorMiddleware
from storage.engine import create_engine, session_factory
from storage.migrate import upgrade

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class StartupReport:
    synced: list[SyncReport] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


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
    for path in expand_paths(settings.plan_paths):
        result = load_plan(path)
        if result.plan is None:
            report.problems.extend(str(error) for error in result.errors)
            continue
        async with sessions() as session:
            synced = await sync_plan(session, result.plan, clock.now())
            await session.commit()
        report.synced.append(synced)
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


def build_bot(settings: Settings) -> Bot:
    session = (
        AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_base))
        if settings.telegram_api_base
        else AiohttpSession()
    )
    return Bot(
        token=settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )


def build_dispatcher(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], i18n: I18n, clock: Clock
) -> Dispatcher:
    dispatcher = Dispatcher(
        storage=MemoryStorage(),
        clock=clock,
        i18n=i18n,
        settings=settings,
        page_size=settings.page_size,
        undo_window=settings.undo_window,
        invitation_ttl=settings.invitation_ttl,
    )
    dispatcher.update.outer_middleware(DbSessionMiddleware(sessions))
    dispatcher.update.outer_middleware(UserMiddleware(settings.admin_ids, clock))
    dispatcher.update.outer_middleware(StoredLocaleMiddleware(i18n))
    dispatcher.update.outer_middleware(DomainErrorMiddleware())
    dispatcher.include_router(build_router())
    return dispatcher


async def set_commands(bot: Bot, i18n: I18n) -> None:
    for locale in i18n.available_locales:
        with i18n.context(), i18n.use_locale(locale):
            commands = [
                BotCommand(command="my", description=_("My assignments")),
                BotCommand(command="help", description=_("What this bot can do")),
                BotCommand(command="lang", description=_("Language")),
            ]
        await bot.set_my_commands(
            commands,
            scope=BotCommandScopeDefault(),
            language_code=None if locale == i18n.default_locale else locale,
        )


async def tell_admins(bot: Bot, admin_ids: frozenset[int], problems: Sequence[str]) -> None:
    """Plan errors go to the people who can fix them, not only to a log nobody reads."""
    if not problems:
        return
    text = "⚠️ roadmap-bot:\n" + "\n".join(f"• {p}" for p in problems)
    for admin_id in sorted(admin_ids):
        try:
            await bot.send_message(admin_id, text[:4000], parse_mode=None)
        except TelegramAPIError as error:
            logger.warning("could not tell admin %s about plan problems: %s", admin_id, error)


@dataclass(slots=True)
class Application:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    bot: Bot
    dispatcher: Dispatcher
    clock: Clock

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
        for problem in report.problems:
            logger.error("%s", problem)
        return report

    async def poll(self, report: StartupReport, *, handle_signals: bool = True) -> None:
        """Long polling; with handle_signals, SIGINT and SIGTERM stop it cleanly."""
        i18n: I18n = self.dispatcher["i18n"]
        await set_commands(self.bot, i18n)
        await tell_admins(self.bot, self.settings.admin_ids, report.problems)
        await self.dispatcher.start_polling(self.bot, handle_signals=handle_signals)

    async def close(self) -> None:
        await self.bot.session.close()
        await self.engine.dispose()


def build_application(settings: Settings, clock: Clock | None = None) -> Application:
    clock = clock or SystemClock()
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    i18n = create_i18n(settings.default_locale)
    return Application(
        settings=settings,
        engine=engine,
        sessions=sessions,
        bot=build_bot(settings),
        dispatcher=build_dispatcher(settings, sessions, i18n, clock),
        clock=clock,
    )


async def run_bot(settings: Settings) -> None:
    app = build_application(settings)
    try:
        report = await app.prepare()
        await app.poll(report)
    finally:
        await app.close()


def run_forever(settings: Settings) -> None:
    """Long polling until Ctrl-C or SIGTERM."""
    asyncio.run(run_bot(settings))
    logger.info("stopped")
