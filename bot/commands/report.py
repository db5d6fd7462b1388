"""`roadmap-bot report`: the control report as files, the same as /report sends."""

import argparse
import asyncio
import sys
from datetime import datetime
from pathlib import Path

from bot.clock import SystemClock
from bot.commands.common import load_cli_settings, moment_arg
from bot.config import Settings
from bot.i18n import create_i18n
from bot.reports.chart import progress_chart
from bot.reports.csvfile import build_csv
from bot.reports.labels import ReportLabels, localized
from bot.reports.workbook import build_workbook
from bot.services.control import ReportData, report_data
from bot.services.errors import NotFound
from storage.engine import create_engine, session_factory
from storage.migrate import upgrade


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    report = commands.add_parser(
        "report", help="write the control report: XLSX, and optionally CSV and a PNG chart"
    )
    report.add_argument("--plan", default=None, help="one plan (default: every loaded plan)")
    report.add_argument("--out", type=Path, required=True, help="the workbook, e.g. report.xlsx")
    report.add_argument(
        "--csv",
        nargs="?",
        type=Path,
        const=True,
        default=None,
        help="also write the rows as CSV (default path: --out with .csv)",
    )
    report.add_argument("--chart", type=Path, default=None, help="also draw the PNG chart")
    report.add_argument(
        "--now",
        type=moment_arg,
        default=None,
        help="the moment the report is made at, e.g. 2024-03-11T09:00+07:00 (reproducible)",
    )
    report.set_defaults(handler=report_command)


def _labels(locale: str) -> ReportLabels:
    i18n = create_i18n(locale)
    with i18n.context(), i18n.use_locale(locale):
        return localized()


async def _gather(settings: Settings, plan_id: str | None, now: datetime) -> ReportData:
    await upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            return await report_data(session, plan_id, now)
    finally:
        await engine.dispose()


def report_command(args: argparse.Namespace) -> int:
    settings = load_cli_settings()
    if settings is None:
        return 2
    now = args.now or SystemClock().now()
    try:
        data = asyncio.run(_gather(settings, args.plan, now))
    except NotFound as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if not data.plans:
        print("error: no plans are loaded (roadmap-bot sync loads them)", file=sys.stderr)
        return 1
    labels = _labels(settings.default_locale)
    written = [args.out]
    try:
        args.out.write_bytes(build_workbook(data, labels))
        if args.csv is not None:
            csv_path = args.out.with_suffix(".csv") if args.csv is True else args.csv
            csv_path.write_bytes(build_csv(data, labels))
            written.append(csv_path)
        if args.chart is not None:
            history = {plan.plan_id: plan.overdue_history for plan in data.plans}
            args.chart.write_bytes(
                progress_chart([plan.progress for plan in data.plans], history, labels)
            )
            written.append(args.chart)
    except OSError as error:
        print(f"error: cannot write {error.filename}: {error.strerror or error}", file=sys.stderr)
        return 1
    rows = sum(len(plan.rows) for plan in data.plans)
    for plan in data.plans:
        counts = plan.progress.counts
        print(
            f"{plan.plan_id}: {counts.total} assignments, {counts.confirmed} confirmed, "
            f"{counts.due} due, {counts.overdue} overdue, {counts.upcoming} not yet due "
            f"({counts.percent}% done) on {plan.today:%Y-%m-%d}"
        )
    print(f"{rows} rows written to {', '.join(str(path) for path in written)}")
    return 0
