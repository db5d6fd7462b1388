"""`roadmap-bot tick | setdate`: one reminder tick from cron or by hand; dating external terms."""

import argparse
import asyncio
import re
import sys
from datetime import date

from bot.clock import SystemClock
from bot.commands.common import load_cli_settings, moment_arg
from bot.delivery.tick import TickReport
from bot.sender import build_sender
from bot.services.errors import DomainError
from bot.services.reminders import set_external_date
from handlers.control_notices import control_tick
from storage.engine import create_engine, session_factory
from storage.migrate import upgrade

_TAG_RE = re.compile(r"</?[a-z]+>")


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    tick = commands.add_parser("tick", help="send the reminders due now (one tick) and exit")
    tick.add_argument(
        "--now",
        type=moment_arg,
        default=None,
        help="the moment to tick at, with its offset, e.g. 2024-03-11T09:00+07:00",
    )
    tick.add_argument(
        "--dry-run", action="store_true", help="print what would be sent and to whom; send nothing"
    )
    tick.set_defaults(handler=tick_command)

    setdate = commands.add_parser("setdate", help="set the date of an external term")
    setdate.add_argument("--plan", default=None, help="needed when several plans have the code")
    setdate.add_argument("code", metavar="CODE", help="the measure's code in the plan, e.g. 1.3")
    setdate.add_argument("day", metavar="DATE", type=date.fromisoformat, help="YYYY-MM-DD")
    setdate.set_defaults(handler=setdate_command)


def print_report(report: TickReport, *, dry_run: bool) -> None:
    for preview in report.previews:
        print(f"→ chat {preview.chat_id} ({', '.join(preview.recipients)}):")
        for line in _TAG_RE.sub("", preview.text).splitlines():
            print(f"    {line}")
    if dry_run:
        print(
            f"dry run: {report.released} reminders due ({report.folded} folded, "
            f"{report.cancelled} no longer needed), {report.queued} new deliveries, "
            f"{len(report.previews)} messages would be sent; nothing was sent or changed"
        )
        return
    print(
        f"{report.released} reminders released ({report.folded} folded, {report.cancelled} "
        f"cancelled); {report.messages} messages sent with {report.delivered} reminders; "
        f"{report.retried} to retry, {report.deferred} deferred, {report.failed} failed, "
        f"{report.uncertain} uncertain, {len(report.deactivated)} users unreachable; "
        f"{report.notices_sent} notices sent"
    )


def tick_command(args: argparse.Namespace) -> int:
    settings = load_cli_settings()
    if settings is None:
        return 2

    async def tick() -> TickReport:
        if not args.dry_run:  # a dry run changes nothing, not even the schema
            await upgrade(settings.database_url)
        # The sender alone: no dispatcher, handlers' routers or scheduler in a cron job.
        sender = build_sender(settings)
        try:
            if not args.dry_run:
                # Escalations and digests first, so this very tick sends their notices.
                await control_tick(
                    sender.sessions,
                    args.now or sender.clock.now(),
                    i18n=sender.i18n,
                    admin_ids=settings.admin_ids,
                    messengers=settings.messengers,
                )
            return await sender.tick(now=args.now, dry_run=args.dry_run)
        finally:
            await sender.close()

    print_report(asyncio.run(tick()), dry_run=args.dry_run)
    return 0


def setdate_command(args: argparse.Namespace) -> int:
    settings = load_cli_settings()
    if settings is None:
        return 2

    async def setdate() -> int:
        await upgrade(settings.database_url)
        engine = create_engine(settings.database_url)
        try:
            async with session_factory(engine)() as session:
                outcome = await set_external_date(
                    session, args.code, args.day, SystemClock().now(), args.plan
                )
        except DomainError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        finally:
            await engine.dispose()
        print(
            f"{outcome.plan_id} {outcome.code}: due {outcome.day}; "
            f"{outcome.reminders.created} reminders scheduled"
        )
        return 0

    return asyncio.run(setdate())
