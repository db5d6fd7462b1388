"""Plan sync at scale. Prints, on SQLite (a temporary file) and on PostgreSQL (a throwaway
cluster, when its server binaries are installed):

(a) the first sync of a plan of 10,000 measures into a database where 900 schools are
    registered under «ОО» (target: under 10 s);
(b) a re-sync of the same, unchanged plan (target: under 2 s);
(c) the first sync at 1,000 and 5,000 measures too, to show the time grows linearly.

The plan is generated: measures cycle through six single parties (a person or an organisation
reports as one unit), and every `--school-every`-th measure (default 10) is for «ОО», so it
becomes an assignment for each of the 900 schools: 1,000 such measures give 900,000
assignments. `sync_plan` is timed: tasks, windows, parties and assignments; the loading of the
YAML file is timed apart, and reminders are not scheduled.

Usage: python bench/sync.py [--measures N] [--schools N] [--school-every N] [--no-postgres]
"""

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.plan.loader import load_plan_text
from bot.plan.model import Plan
from bot.services.plans import SyncReport, sync_plan
from bot.services.types import UnitKind
from storage.engine import create_engine, session_factory
from storage.migrate import upgrade
from storage.models import AssignmentRow, UnitPartyRow, UnitRow

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reminders import postgres_cluster

NOW = datetime(2023, 10, 2, 2, 0, tzinfo=UTC)
PLAN_ID = "bench-sync"
FIRST_TARGET = 10.0
AGAIN_TARGET = 2.0
SINGLE_PARTIES = ("Иванова А.А.", "Петров П.П.", "Сидорова С.С.", "УО", "РЦОИ", "ИРО")
TERMS = ("до 20.10.2023", "ноябрь 2023", "декабрь 2023 – март 2024", "до 31.05.2024")

HEADER = f"""\
id: {PLAN_ID}
title: План для замера синхронизации
authority: Министерство
order: {{number: "1", date: 2023-09-01}}
region: Край
timezone: Asia/Barnaul
school_year: 2023/24
directory:
  people:
    - name: Иванова А.А.
    - name: Петров П.П.
    - name: Сидорова С.С.
  organisations:
    - {{name: УО, kind: single}}
    - {{name: РЦОИ, kind: single}}
    - {{name: ИРО, kind: single}}
    - {{name: ОО, kind: category, full_name: общеобразовательные организации}}
sections:
"""


def plan_yaml(measures: int, school_every: int) -> str:
    lines = [HEADER]
    per_section = 100
    for section in range(1, measures // per_section + 2):
        first = (section - 1) * per_section
        if first >= measures:
            break
        lines.append(f'  - code: "{section}"\n    title: Раздел {section}\n    measures:\n')
        for number in range(1, min(per_section, measures - first) + 1):
            index = first + number
            party = "ОО" if index % school_every == 0 else SINGLE_PARTIES[index % 6]
            lines.append(
                f'      - code: "{section}.{number}"\n'
                f"        title: Мероприятие {index}\n"
                f"        term: {TERMS[index % len(TERMS)]}\n"
                f"        responsible: {party}\n"
            )
    return "".join(lines)


def load(measures: int, school_every: int) -> tuple[Plan, float]:
    started = time.perf_counter()
    result = load_plan_text(plan_yaml(measures, school_every), f"{PLAN_ID}.yaml")
    assert result.plan is not None, result.errors[:3]
    return result.plan, time.perf_counter() - started


async def register_schools(engine: AsyncEngine, schools: int) -> None:
    """A one-measure version of the plan creates its parties; the schools go in in bulk."""
    plan, _seconds = load(1, 1)
    async with session_factory(engine)() as session:
        await sync_plan(session, plan, NOW)
        await session.execute(
            insert(UnitRow),
            [
                {
                    "plan_id": PLAN_ID,
                    "name": f"МБОУ СОШ № {i}",
                    "kind": UnitKind.ORGANISATION,
                    "party_name": None,
                    "active": True,
                    "created_at": NOW,
                }
                for i in range(1, schools + 1)
            ],
        )
        ids = await session.scalars(select(UnitRow.id).where(UnitRow.party_name.is_(None)))
        await session.execute(
            insert(UnitPartyRow),
            [{"unit_id": i, "plan_id": PLAN_ID, "party_name": "ОО"} for i in ids],
        )
        await session.commit()


async def timed_sync(engine: AsyncEngine, plan: Plan) -> tuple[SyncReport, float, int]:
    async with session_factory(engine)() as session:
        started = time.perf_counter()
        report = await sync_plan(session, plan, NOW)
        seconds = time.perf_counter() - started
        count = await session.scalar(select(func.count()).select_from(AssignmentRow))
    return report, seconds, int(count or 0)


def verdict(seconds: float, target: float) -> str:
    return "met" if seconds < target else "NOT MET"


async def bench_database(name: str, url: str, args: argparse.Namespace) -> bool:
    print(f"\n{name}")
    ok = True
    sizes = sorted({1000, 5000, args.measures} - {0})
    for measures in sizes:
        await upgrade(url)
        engine = create_engine(url)
        try:
            await register_schools(engine, args.schools)
            plan, load_seconds = load(measures, args.school_every)
            first, seconds, assignments = await timed_sync(engine, plan)
            line = (
                f"  {measures:>6} measures × {args.schools} schools: first sync {seconds:6.2f} s "
                f"({len(first.added)} tasks added, {assignments} assignments; "
                f"YAML load {load_seconds:.2f} s)"
            )
            if measures != args.measures:
                print(line)
                continue
            print(f"{line}  target < {FIRST_TARGET:.0f} s: {verdict(seconds, FIRST_TARGET)}")
            again, again_seconds, _count = await timed_sync(engine, plan)
            assert not again.changed, "a re-sync of the same plan changed something"
            print(
                f"  {measures:>6} measures, unchanged: re-sync {again_seconds:6.2f} s "
                f"({len(again.unchanged)} unchanged)  target < {AGAIN_TARGET:.0f} s: "
                f"{verdict(again_seconds, AGAIN_TARGET)}"
            )
            ok = ok and seconds < FIRST_TARGET and again_seconds < AGAIN_TARGET
        finally:
            await engine.dispose()
            await reset(url)
    return ok


async def reset(url: str) -> None:
    """Each size starts from an empty database."""
    if url.startswith("sqlite"):
        await asyncio.to_thread(Path(url.split("///", 1)[1]).unlink, missing_ok=True)
        return
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.exec_driver_sql("DROP SCHEMA public CASCADE")
            await connection.exec_driver_sql("CREATE SCHEMA public")
    finally:
        await engine.dispose()


async def main(args: argparse.Namespace) -> int:
    ok = True
    with tempfile.TemporaryDirectory(prefix="roadmap-bench-sync-") as directory:
        url = f"sqlite+aiosqlite:///{Path(directory) / 'sync.sqlite3'}"
        ok &= await bench_database("SQLite", url, args)
        if args.postgres:
            with postgres_cluster() as pg_url:
                if pg_url is None:
                    print("\nPostgreSQL: skipped, no server binaries (postgresql-15)")
                else:
                    ok &= await bench_database("PostgreSQL", pg_url, args)
    print(f"\nall targets: {'met' if ok else 'NOT MET'}")
    return 0 if ok else 1


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--measures", type=int, default=10_000)
    parser.add_argument("--schools", type=int, default=900)
    parser.add_argument("--school-every", type=int, default=10)
    parser.add_argument("--no-postgres", dest="postgres", action="store_false")
    return parser.parse_args(argv)


if __name__ == "__main__":
    print(f"plan sync benchmark, {date.today()}, Python {sys.version.split()[0]}")
    sys.exit(asyncio.run(main(parse(sys.argv[1:]))))
