"""`roadmap-bot run | db | invite | units`: running the bot and administering it from a shell."""

import argparse
import asyncio
import logging
import re
import sys
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import load_data, run_forever
from bot.clock import SystemClock
from bot.commands.common import load_cli_settings
from bot.config import Settings
from bot.sender import TELEGRAM_NOT_CONFIGURED, build_bot
from bot.services.control import natural_key
from bot.services.errors import DomainError
from bot.services.invitations import create_invitation, deep_link
from bot.services.types import Role
from bot.services.units import add_unit, find_unit, list_units
from bot.startup import (
    EXIT_TELEGRAM,
    StartupError,
    check_token_is_not_placeholder,
    describe_max_error,
    describe_telegram_error,
)
from bot.transport.max.runtime import max_deep_link
from storage.engine import create_engine, session_factory
from storage.migrate import current_revision, downgrade, upgrade

logger = logging.getLogger(__name__)


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    run = commands.add_parser("run", help="start the bot (long polling)")
    run.add_argument(
        "--webhook",
        action="store_true",
        help="serve updates on WEBHOOK_HOST:WEBHOOK_PORT for WEBHOOK_URL instead of polling",
    )
    run.set_defaults(handler=run_command)

    db = commands.add_parser("db", help="database migrations")
    db_actions = db.add_subparsers(dest="db_action", required=True, metavar="ACTION")
    up = db_actions.add_parser("upgrade", help="apply migrations (default: to the newest)")
    up.add_argument("revision", nargs="?", default="head", help="target (default: head)")
    down = db_actions.add_parser("downgrade", help="revert migrations to a revision")
    down.add_argument("revision", help="the revision to go back to, or base")
    db_actions.add_parser("current", help="print the current revision")
    db.set_defaults(handler=db_command)

    sync = commands.add_parser("sync", help="load the plan and directory files into the database")
    sync.set_defaults(handler=sync_command)

    invite = commands.add_parser("invite", help="create a single-use invitation link")
    invite.add_argument(
        "--role",
        choices=[r.value for r in Role if r is not Role.PUBLIC],
        help="whom the link makes of its user (default: member)",
    )
    invite.add_argument("--plan", help="the plan of the unit (for --role member)")
    invite.add_argument("--unit", help="the unit's name (for --role member)")
    invite.add_argument(
        "--bot-username",
        type=username_arg,
        default=None,
        help="the bot's @username for the link (default: asked from Telegram with getMe)",
    )
    invite.add_argument(
        "--max-bot-name",
        default=None,
        help="the MAX bot's name for its link (default: MAX_BOT_NAME, or asked from MAX)",
    )
    invite.set_defaults(handler=invite_command, role="member")

    units = commands.add_parser("units", help="list or register units (schools, municipalities)")
    unit_actions = units.add_subparsers(dest="units_action", required=True, metavar="ACTION")
    unit_list = unit_actions.add_parser("list")
    unit_list.add_argument("--plan", help="only this plan's units (default: all)")
    unit_add = unit_actions.add_parser("add")
    unit_add.add_argument("--plan", required=True, help="the plan's id")
    unit_add.add_argument("--party", required=True, help="the category it belongs to, e.g. ОО")
    unit_add.add_argument("--name", required=True, help="e.g. «МБОУ СОШ № 3»")
    units.set_defaults(handler=units_command)


def run_command(args: argparse.Namespace) -> int:
    settings = load_cli_settings()
    if settings is None:
        return 2
    try:
        run_forever(settings, webhook=args.webhook)
    except StartupError as error:
        if settings.log_level == "DEBUG":
            logger.exception("start-up failed")
        print(f"error: {error}", file=sys.stderr)
        return error.exit_status
    return 0


def db_command(args: argparse.Namespace) -> int:
    settings = load_cli_settings()
    if settings is None:
        return 2
    url = settings.database_url
    if args.db_action == "upgrade":
        asyncio.run(upgrade(url, args.revision))
    elif args.db_action == "downgrade":
        asyncio.run(downgrade(url, args.revision))
    print(f"database at revision {asyncio.run(current_revision(url)) or 'base'}")
    return 0


async def _with_session(
    settings: Settings, action: Callable[[AsyncSession], Awaitable[int]]
) -> int:
    await upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            try:
                return await action(session)
            except DomainError as error:
                print(f"error: {error}", file=sys.stderr)
                return 1
    finally:
        await engine.dispose()


def sync_command(args: argparse.Namespace) -> int:
    settings = load_cli_settings()
    if settings is None:
        return 2

    async def sync() -> int:
        await upgrade(settings.database_url)
        engine = create_engine(settings.database_url)
        try:
            report = await load_data(settings, session_factory(engine), SystemClock())
        finally:
            await engine.dispose()
        for synced in report.synced:
            print(
                f"{synced.plan_id}: {len(synced.added)} added, {len(synced.updated)} updated, "
                f"{len(synced.unchanged)} unchanged, {len(synced.disappeared)} disappeared"
            )
        for problem in report.problems:
            print(f"problem: {problem}", file=sys.stderr)
        return 1 if report.problems else 0

    return asyncio.run(sync())


def invite_command(args: argparse.Namespace) -> int:
    settings = load_cli_settings()
    if settings is None:
        return 2
    role = Role(args.role)
    if role is Role.MEMBER and not (args.plan and args.unit):
        print("error: a member invitation needs --plan and --unit", file=sys.stderr)
        return 2
    username = args.bot_username
    if not settings.serves_telegram:
        if username is not None:
            print(
                f"error: {TELEGRAM_NOT_CONFIGURED}: no Telegram link to make; "
                "leave out --bot-username",
                file=sys.stderr,
            )
            return 2
    elif username is None:
        try:
            username = asyncio.run(_bot_username(settings))
        except StartupError as error:
            print(f"error: {error} (or give --bot-username)", file=sys.stderr)
            return error.exit_status

    max_name: str | None = None
    if settings.max_bot_token is not None:
        try:
            max_name = args.max_bot_name or asyncio.run(_max_bot_name(settings))
        except StartupError as error:
            print(f"error: {error} (or give --max-bot-name)", file=sys.stderr)
            return error.exit_status

    async def invite(session: AsyncSession) -> int:
        unit_id = None
        if role is Role.MEMBER:
            unit_id = (await find_unit(session, args.plan, args.unit)).id
        token, invitation = await create_invitation(
            session,
            role,
            unit_id,
            created_by=None,
            now=SystemClock().now(),
            ttl=settings.invitation_ttl,
        )
        # One invitation, a link for each configured messenger: whichever is opened first
        # binds the person on that messenger, and the invitation is used up.
        if username is not None:
            print(deep_link(username, token))
        else:
            print(f"no Telegram link: {TELEGRAM_NOT_CONFIGURED}", file=sys.stderr)
        if max_name is not None:
            print(max_deep_link(max_name, token))
        print(f"single use, expires {invitation.expires_at:%Y-%m-%d %H:%M} UTC", file=sys.stderr)
        return 0

    return asyncio.run(_with_session(settings, invite))


USERNAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,30}[Bb][Oo][Tt]$")
"""Telegram bot usernames: 5-32 characters of A-Z, a-z, 0-9 and _, ending in «bot»."""


def username_arg(text: str) -> str:
    name = text.removeprefix("@")
    if not USERNAME_RE.fullmatch(name):
        raise argparse.ArgumentTypeError(
            f'"{text}" is not a bot username (5-32 letters, digits or _, ending in "bot")'
        )
    return name


async def _bot_username(settings: Settings) -> str:
    """The bot's @username from the token (getMe), so links always name the right bot."""
    from aiogram.exceptions import TelegramAPIError  # noqa: PLC0415 - only this path needs it

    from bot.delivery.requests import LimitedRequests  # noqa: PLC0415 - only this path needs it
    from bot.reminders.ratelimit import RateLimiter  # noqa: PLC0415

    check_token_is_not_placeholder(settings)
    bot = build_bot(settings, LimitedRequests(RateLimiter()))
    try:
        me = await bot.get_me()
    except (TelegramAPIError, OSError, TimeoutError) as error:
        raise describe_telegram_error(settings, error) from error
    finally:
        await bot.session.close()
    return me.username or ""


async def _max_bot_name(settings: Settings) -> str:
    """MAX_BOT_NAME, or the bot's name as MAX reports it for MAX_BOT_TOKEN (GET /me)."""
    import aiohttp  # noqa: PLC0415 - only this path needs it

    from bot.transport.max.client import MaxApiError, MaxNetworkError  # noqa: PLC0415
    from bot.transport.max.runtime import bot_name, max_client  # noqa: PLC0415

    async with aiohttp.ClientSession() as http:
        try:
            return await bot_name(settings, max_client(settings, http))
        except (MaxApiError, MaxNetworkError) as error:
            raise describe_max_error(settings, error) from error
        except ValueError as error:
            raise StartupError(f"MAX: {error}", EXIT_TELEGRAM) from error


def units_command(args: argparse.Namespace) -> int:
    settings = load_cli_settings()
    if settings is None:
        return 2

    async def units(session: AsyncSession) -> int:
        if args.units_action == "add":
            unit = await add_unit(session, args.plan, args.party, args.name, SystemClock().now())
            print(f"{unit.plan_id}: {unit.name} ({', '.join(unit.parties)}) id={unit.id}")
            return 0
        print("plan\tid\tkind\tname\tparties")
        units = sorted(
            await list_units(session, args.plan),
            key=lambda unit: (unit.plan_id, natural_key(unit.name), unit.id),
        )
        for unit in units:
            # A unit made from the directory is its own party («УО»): its name once.
            parties = ", ".join(party for party in unit.parties if party != unit.name)
            print(f"{unit.plan_id}\t{unit.id}\t{unit.kind}\t{unit.name}\t{parties}")
        return 0

    return asyncio.run(_with_session(settings, units))
