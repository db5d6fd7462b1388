"""Ministry control on a region-sized database. Prints the time of `/overdue` (target: under 1 s)
and of the XLSX report (target: under 10 s).

The database is built through the real services: both seed plans synced from data/plans, then 60
municipal education authorities (under «МОУО») and 900 schools (under «ОО») registered in each
plan from a directory file, which stages their assignments and reminders; then a share of the
past-due assignments is confirmed (random, fixed seed). The clock is 2024-03-15 09:00 in Barnaul.

`/overdue` is timed as the handler runs it (filter resolution, the first page of the configured
size, the text and the keyboard), cold (first call on a fresh engine) and warm (median); the
report as `/report` and `roadmap-bot report` make it (report_data, then the workbook, the CSV and
the chart), for each plan and for both.

Usage: python bench/control.py [--postgres] [--municipalities N] [--schools N] [--runs N]
On SQLite (a temporary file) by default; --postgres runs against a throwaway PostgreSQL cluster
instead, started like bench/reminders.py does it.
"""

import argparse
import asyncio
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import FrozenClock
from bot.config import Settings
from bot.i18n import create_i18n
from bot.plan.loader import load_plan
from bot.reports.chart import progress_chart
from bot.reports.csvfile import build_csv
from bot.reports.labels import ReportLabels, localized
from bot.reports.workbook import build_workbook
from bot.services.control import overdue_for, report_data, resolve_filter
from bot.services.plans import sync_plan
from bot.services.types import AssignmentStatus, EventKind, Role
from bot.services.units import load_units_file
from handlers.control import _overdue_page  # the /overdue handler's own page builder
from storage.engine import create_engine, session_factory
from storage.migrate import upgrade
from storage.models import (
    AssignmentEventRow,
    AssignmentRow,
    MembershipRow,
    PlanRow,
    TaskRow,
    UnitPartyRow,
    UnitRow,
    UserRow,
    WindowRow,
)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from reminders import postgres_cluster  # noqa: E402 - bench/reminders.py's throwaway cluster

PLANS = (ROOT / "data/plans/altai-gia-2024.yaml", ROOT / "data/plans/spassk-dalny-gia-2024.yaml")
PLAN_IDS = ("altai-gia-2024", "spassk-dalny-gia-2024")
NOW = datetime(2024, 3, 15, 2, 0, tzinfo=UTC)  # 09:00 in Barnaul, 12:00 in Vladivostok
MUNICIPAL, SCHOOL = "МОУО", "ОО"
LOCALE = "ru"
OVERDUE_TARGET, REPORT_TARGET = 1.0, 10.0
CHUNK = 5000
SURNAMES = ("Иванова", "Петров", "Смирнова", "Кузнецов", "Попова", "Соколов", "Лебедева", "Козлов")


@dataclass(frozen=True, slots=True)
class Built:
    seconds: float
    assignments: int
    past_due: int
    confirmed: int
    reminders: int
    member_unit: int
    """A school whose coordinator's /overdue is timed too."""


# ------------------------------------------------------------------------------ building


def unit_names(municipalities: int, schools: int) -> list[tuple[str, str]]:
    """(name, party): the district authorities, then the schools spread over the districts."""
    names = [
        (f"Комитет по образованию района № {m + 1}", MUNICIPAL) for m in range(municipalities)
    ]
    names += [
        (f"МБОУ «СОШ № {s // municipalities + 1}» района № {s % municipalities + 1}", SCHOOL)
        for s in range(schools)
    ]
    return names


def chunks(items: Sequence[Any]) -> list[Sequence[Any]]:
    return [items[start : start + CHUNK] for start in range(0, len(items), CHUNK)]


async def _add_coordinators(session: AsyncSession) -> dict[int, int]:
    """One reachable coordinator per registered unit (what confirms, and what /overdue names)."""
    units = (
        await session.execute(
            select(UnitRow.id).join(UnitPartyRow, UnitPartyRow.unit_id == UnitRow.id)
        )
    ).scalars()
    user_of = {unit_id: 1_000_000 + unit_id for unit_id in sorted(set(units))}
    users = [
        {
            "id": user_id,
            "chat_id": user_id,
            "full_name": f"{SURNAMES[user_id % len(SURNAMES)]} {chr(0x410 + user_id % 32)}.В.",
            "role": Role.MEMBER,
            "active": True,
            "created_at": NOW,
        }
        for user_id in user_of.values()
    ]
    for batch in chunks(users):
        await session.execute(insert(UserRow), batch)
    links = [{"user_id": u, "unit_id": unit, "created_at": NOW} for unit, u in user_of.items()]
    for batch in chunks(links):
        await session.execute(insert(MembershipRow), batch)
    return user_of


async def _confirm_share(
    session: AsyncSession, user_of: dict[int, int], share: float, seed: int
) -> tuple[int, int]:
    """Confirm `share` of the past-due assignments as `confirm` does (status, who, when, event);
    a bulk UPDATE, not one transaction per tap. Returns (past due, confirmed)."""
    zones = {
        pid: ZoneInfo(tz)
        for pid, tz in await session.execute(select(PlanRow.id, PlanRow.timezone))
    }
    rows = await session.execute(
        select(AssignmentRow.id, AssignmentRow.unit_id, WindowRow.end, TaskRow.plan_id)
        .join(WindowRow, WindowRow.id == AssignmentRow.window_id)
        .join(TaskRow, TaskRow.id == WindowRow.task_id)
        .where(AssignmentRow.active, WindowRow.active, TaskRow.active)
        .order_by(AssignmentRow.id)
    )
    past_due = [
        (aid, unit, end)
        for aid, unit, end, pid in rows
        if end < NOW.astimezone(zones[pid]).date() and unit in user_of
    ]
    rng = random.Random(seed)
    chosen = rng.sample(past_due, round(len(past_due) * share))
    changes: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for aid, unit, end in chosen:
        # Most on time (up to a week early), a fifth of them late; never after now.
        days = rng.randint(1, 20) if rng.random() < 0.2 else -rng.randint(0, 7)
        at = min(datetime(end.year, end.month, end.day, 4, tzinfo=UTC) + timedelta(days), NOW)
        who = user_of[unit]
        status = AssignmentStatus.CONFIRMED
        changes.append(
            {"id": aid, "status": status, "confirmed_at": at, "confirmed_by_user_id": who}
            | {"updated_at": at}
        )
        events.append(
            {"assignment_id": aid, "kind": EventKind.CONFIRMED, "user_id": who, "at": at}
        )
    for batch in chunks(changes):
        await session.execute(update(AssignmentRow), batch)  # bulk UPDATE by primary key
    for batch in chunks(events):
        await session.execute(insert(AssignmentEventRow), batch)
    return len(past_due), len(chosen)


async def build(engine: AsyncEngine, directory: Path, args: argparse.Namespace) -> Built:
    sessions = session_factory(engine)
    started = time.perf_counter()
    names = unit_names(args.municipalities, args.schools)
    for path in PLANS:
        result = load_plan(path)
        if result.plan is None:
            raise SystemExit(f"{path}: {[str(d) for d in result.errors]}")
        async with sessions() as session:
            await sync_plan(session, result.plan, NOW)
        units_file = directory / f"{result.plan.id}.units.yaml"
        doc = {
            "plan": result.plan.id,
            "units": [{"name": name, "parties": [party]} for name, party in names],
        }
        units_file.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
        async with sessions() as session:
            await load_units_file(session, units_file, NOW)  # stages assignments and reminders
    async with sessions() as session:
        user_of = await _add_coordinators(session)
        past_due, confirmed = await _confirm_share(session, user_of, args.confirmed, args.seed)
        await session.commit()
    if engine.dialect.name == "postgresql":  # what autovacuum does within a minute of the load
        async with engine.connect() as db:
            await db.execute(text("ANALYZE"))
    seconds = time.perf_counter() - started
    async with sessions() as session:
        assignments = await session.scalar(
            select(func.count()).select_from(AssignmentRow).where(AssignmentRow.active)
        )
        reminders = await session.scalar(text("SELECT count(*) FROM reminders"))
        member_unit = await session.scalar(  # the school with the most open assignments
            select(AssignmentRow.unit_id)
            .join(UnitRow, UnitRow.id == AssignmentRow.unit_id)
            .where(UnitRow.name.like("МБОУ%"), AssignmentRow.status == AssignmentStatus.OPEN)
            .group_by(AssignmentRow.unit_id)
            .order_by(func.count().desc(), AssignmentRow.unit_id)
            .limit(1)
        )
    return Built(seconds, assignments or 0, past_due, confirmed, reminders or 0, member_unit or 0)


# ----------------------------------------------------------------------------- measuring


async def timed(call: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = await call()
    return time.perf_counter() - started, value


@dataclass(frozen=True, slots=True)
class Overdue:
    label: str
    cold: float
    warm: float
    windows: int
    """Overdue (task window) lines in all pages."""
    characters: int


async def measure_overdue(
    sessions: async_sessionmaker[AsyncSession],
    label: str,
    filter_text: str,
    *,
    only_units: set[int] | None,
    page_size: int,
    runs: int,
) -> Overdue:
    """show_overdue without Telegram: resolve the filter, build the first page and keyboard."""
    clock = FrozenClock(NOW)

    async def once() -> str:
        async with sessions() as session:
            flt = await resolve_filter(session, filter_text)
            body, _markup = await _overdue_page(
                session,
                flt=flt,
                only_units=only_units,
                clock=clock,
                page=0,
                page_size=page_size,
                key="bench",
                locale=LOCALE,
            )
        return body

    cold, body = await timed(once)
    warm = [(await timed(once))[0] for _ in range(runs)]
    async with sessions() as session:  # not timed: how many windows are listed in all
        flt = await resolve_filter(session, filter_text)
        listing = await overdue_for(session, NOW, flt, only_units=only_units, limit=1)
    return Overdue(label, cold, statistics.median(warm), listing.total, len(body))


@dataclass(frozen=True, slots=True)
class Report:
    scope: str
    rows: int
    query: float
    workbook: float
    workbook_cpu: float
    """CPU time of the workbook build: wall time less what other processes took."""
    workbook_bytes: int
    csv: float
    csv_bytes: int
    chart: float

    @property
    def xlsx(self) -> float:
        return self.query + self.workbook

    @property
    def whole(self) -> float:
        return self.query + self.workbook + self.csv + self.chart


async def measure_report(
    sessions: async_sessionmaker[AsyncSession], plan_id: str | None, labels: ReportLabels
) -> Report:
    """What send_report does: report_data, then the workbook, the CSV and the chart."""
    async with sessions() as session:
        query, data = await timed(lambda: report_data(session, plan_id, NOW))
    started, cpu = time.perf_counter(), time.process_time()
    workbook = build_workbook(data, labels)
    built, cpu = time.perf_counter(), time.process_time() - cpu
    table = build_csv(data, labels)
    tabled = time.perf_counter()
    progress_chart(
        [plan.progress for plan in data.plans],
        {plan.plan_id: plan.overdue_history for plan in data.plans},
        labels,
    )
    drawn = time.perf_counter()
    return Report(
        plan_id or "both plans",
        sum(len(plan.rows) for plan in data.plans),
        query,
        built - started,
        cpu,
        len(workbook),
        tabled - built,
        len(table),
        drawn - tabled,
    )


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


async def bench_database(name: str, url: str, directory: Path, args: argparse.Namespace) -> None:
    await upgrade(url)
    engine = create_engine(url)
    try:
        built = await build(engine, directory, args)
    finally:
        await engine.dispose()
    print(
        f"\n{name}: {args.municipalities} municipalities and {args.schools} schools in each plan"
    )
    print(f"  built in {built.seconds:.1f} s (sync, units, staging, confirmations)")
    print(
        f"  assignments: {built.assignments:,}; past due: {built.past_due:,}, of them confirmed "
        f"{built.confirmed:,} ({args.confirmed:.0%}); reminders: {built.reminders:,}"
    )

    engine = create_engine(url)  # a fresh engine: the first /overdue is the cold one
    sessions = session_factory(engine)
    i18n = create_i18n(LOCALE)
    page_size = Settings.model_fields["page_size"].default
    common = {"page_size": page_size, "runs": args.runs}
    try:
        with i18n.context(), i18n.use_locale(LOCALE):
            labels = localized()
            members = {built.member_unit}
            listings = [
                await measure_overdue(sessions, label, words, only_units=units, **common)
                for label, words, units in (
                    ("/overdue", "", None),
                    (f"/overdue {MUNICIPAL}", MUNICIPAL, None),
                    ("/overdue (a school's member)", "", members),
                )
            ]
            reports = [
                await measure_report(sessions, plan_id, labels) for plan_id in (*PLAN_IDS, None)
            ]
    finally:
        await engine.dispose()

    print(f"  /overdue, first page of {page_size}, cold / warm median of {args.runs}:")
    for found in listings:
        print(
            f"    {found.label:<30} {found.cold * 1000:7.1f} ms / {found.warm * 1000:7.1f} ms"
            f"   ({found.windows} overdue windows, page 1 is {found.characters} characters)"
        )
    print("  report (report_data + XLSX; CSV and PNG chart as /report also sends them):")
    for report in reports:
        print(
            f"    {report.scope:<22} {report.rows:>7,} rows: data {report.query:5.2f} s, "
            f"XLSX {report.workbook:5.2f} s (CPU {report.workbook_cpu:5.2f} s, "
            f"{report.workbook_bytes / 2**20:.1f} MiB), "
            f"CSV {report.csv:4.2f} s ({report.csv_bytes / 2**20:.1f} MiB), "
            f"chart {report.chart:4.2f} s; XLSX total {report.xlsx:5.2f} s, "
            f"/report total {report.whole:5.2f} s"
        )
    worst_overdue = max(max(found.cold, found.warm) for found in listings)
    worst_report = max(report.xlsx for report in reports)
    print(
        f"  target < {OVERDUE_TARGET:.0f} s (/overdue, worst {worst_overdue * 1000:.0f} ms): "
        f"{verdict(worst_overdue < OVERDUE_TARGET)}"
    )
    print(
        f"  target < {REPORT_TARGET:.0f} s (XLSX report, worst {worst_report:.2f} s): "
        f"{verdict(worst_report < REPORT_TARGET)}"
    )


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="roadmap-bench-") as name:
        directory = Path(name)
        if args.postgres:
            with postgres_cluster() as pg_url:
                if pg_url is None:
                    print("PostgreSQL: skipped, no server binaries (postgresql-15)")
                    return
                await bench_database("PostgreSQL", pg_url, directory, args)
        else:
            url = f"sqlite+aiosqlite:///{directory / 'control.sqlite3'}"
            await bench_database("SQLite", url, directory, args)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak resident memory of the whole run: {peak:.0f} MiB")


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL cluster")
    parser.add_argument("--municipalities", type=int, default=60)
    parser.add_argument("--schools", type=int, default=900)
    parser.add_argument("--confirmed", type=float, default=0.6, help="share of past-due confirmed")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--runs", type=int, default=7, help="warm /overdue runs (median)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    print(f"control benchmark, {date.today()}, Python {sys.version.split()[0]}")
    asyncio.run(main(parse(sys.argv[1:])))
