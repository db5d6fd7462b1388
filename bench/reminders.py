"""Reminder delivery at scale. Prints:

(a) one tick's selection of due reminders among 1,000,000 assignments, on SQLite (a temporary
    file) and on PostgreSQL (a throwaway cluster, when its server binaries are installed), with
    the query plan that shows the (status, due_at) index at work (target: under 1 s);
(b) the sustained send rate of 5,000 reminders through the real limiter and sender to the fake
    Bot API server enforcing Telegram's limits (target: at least 28 messages/s, no 429);
(c) the peak memory while (a) runs.

Usage: python bench/reminders.py [--assignments N] [--sends N] [--no-postgres]
It takes a few minutes: (b) alone is 5,000 messages at 28 per second.
"""

import argparse
import asyncio
import contextlib
import os
import pwd
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import InlineKeyboardMarkup, Message
from sqlalchemy import event, insert, literal, select, text, true
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.delivery.tick import DeliverySettings, run_tick
from bot.i18n import create_i18n
from bot.reminders.policy import ReminderKind
from bot.reminders.ratelimit import RateLimiter
from bot.services.reminders import apply_release, plan_release
from bot.services.types import AssignmentStatus, Role, UnitKind
from bot.transport.telegram import TelegramOutbound
from storage.engine import create_engine, session_factory
from storage.migrate import upgrade
from storage.models import (
    AssignmentRow,
    MembershipRow,
    PlanRow,
    TaskRow,
    UnitRow,
    UserRow,
    UTCDateTime,
    WindowRow,
)
from storage.models_reminders import ReminderRow, ReminderStatus

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from fake_telegram import FakeTelegramServer  # noqa: E402 - the tests' fake Bot API server

NOW = datetime(2024, 3, 11, 2, 0, tzinfo=UTC)  # 09:00 in Barnaul
PLAN = "bench-plan"
SELECT_TARGET_SECONDS = 1.0
RATE_TARGET = 28.0
WINDOWS_PER_TASK = 100
CHUNK = 5000


def rows(count: int, make: Any) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, count, CHUNK):
        yield [make(i) for i in range(start, min(count, start + CHUNK))]


async def seed(engine: AsyncEngine, units: int, windows: int) -> None:
    """`windows` × `units` assignments, one reminder each: a window's worth is due now, the
    earlier ones were released, the later ones wait. Bulk INSERT … SELECT, portable SQL."""
    async with engine.begin() as db:
        await db.execute(
            insert(PlanRow).values(
                id=PLAN,
                title="bench",
                authority="bench",
                timezone="Asia/Barnaul",
                school_year="2023/24",
                file="bench",
                loaded_at=NOW,
            )
        )
        tasks = (windows + WINDOWS_PER_TASK - 1) // WINDOWS_PER_TASK
        await db.execute(
            insert(TaskRow),
            [
                {
                    "id": t + 1,
                    "plan_id": PLAN,
                    "code": f"{t + 1}",
                    "title": f"Мероприятие {t + 1}",
                    "section_title": "bench",
                    "position": t,
                    "content_hash": "-",
                    "active": True,
                }
                for t in range(tasks)
            ],
        )
        deadlines = [NOW.date() + timedelta(days=w - windows // 2 + 3) for w in range(windows)]
        await db.execute(
            insert(WindowRow),
            [
                {
                    "id": w + 1,
                    "task_id": w // WINDOWS_PER_TASK + 1,
                    "seq": w % WINDOWS_PER_TASK,
                    "end": deadlines[w],
                    "active": True,
                    "ongoing": False,
                }
                for w in range(windows)
            ],
        )
        for batch in rows(
            units,
            lambda u: {
                "id": u + 1,
                "plan_id": PLAN,
                "name": f"Школа {u + 1}",
                "kind": UnitKind.ORGANISATION,
                "active": True,
                "created_at": NOW,
            },
        ):
            await db.execute(insert(UnitRow), batch)
        for batch in rows(
            units,
            lambda u: {
                "id": 100_000 + u,
                "chat_id": 100_000 + u,
                "full_name": f"Координатор {u}",
                "role": Role.MEMBER,
                "active": True,
                "created_at": NOW,
            },
        ):
            await db.execute(insert(UserRow), batch)
        for batch in rows(
            units, lambda u: {"user_id": 100_000 + u, "unit_id": u + 1, "created_at": NOW}
        ):
            await db.execute(insert(MembershipRow), batch)
        await db.execute(
            insert(AssignmentRow).from_select(
                ["window_id", "unit_id", "status", "active", "updated_at"],
                select(
                    WindowRow.id,
                    UnitRow.id,
                    literal(AssignmentStatus.OPEN.value),
                    true(),
                    literal(NOW, UTCDateTime()),
                )
                .select_from(WindowRow)
                .join(UnitRow, true()),  # every window × every unit
            )
        )
        for w, deadline in enumerate(deadlines):
            due_at = datetime.combine(deadline - timedelta(days=3), NOW.timetz())
            status = ReminderStatus.RELEASED if due_at < NOW else ReminderStatus.PENDING
            await db.execute(
                insert(ReminderRow).from_select(
                    [
                        "assignment_id",
                        "kind",
                        "sequence",
                        "deadline",
                        "due_at",
                        "status",
                        "created_at",
                    ],
                    select(
                        AssignmentRow.id,
                        literal(ReminderKind.BEFORE.value),
                        literal(3),
                        literal(deadline),
                        literal(due_at, UTCDateTime()),
                        literal(status.value),
                        literal(NOW, UTCDateTime()),
                    ).where(AssignmentRow.window_id == w + 1),
                )
            )
        await db.execute(text("ANALYZE"))


@dataclass
class Selection:
    first_batch: float
    release_all: float
    released: int
    recipients: int
    python_peak: int
    query_plan: list[str]


async def explain(engine: AsyncEngine, statement: str, parameters: Any) -> list[str]:
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    async with engine.connect() as db:
        result = await db.exec_driver_sql(prefix + statement, parameters)
        return [" ".join(str(column) for column in row[-1:]) for row in result]


async def measure_selection(engine: AsyncEngine) -> Selection:
    sessions = session_factory(engine)
    captured: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if not captured and "FROM reminders" in statement and "LIMIT" in statement:
            captured.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    async with sessions() as session:
        started = time.perf_counter()
        plan = await plan_release(session, NOW, 500)
        first_batch = time.perf_counter() - started
        await session.rollback()
    event.remove(engine.sync_engine, "before_cursor_execute", capture)

    tracemalloc.start()
    started = time.perf_counter()
    released = recipients = 0
    async with sessions() as session:
        while (plan := await plan_release(session, NOW, 500)).size:
            outcome = await apply_release(session, plan, NOW)
            released += outcome.released
            recipients += outcome.deliveries
    release_all = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    query_plan = await explain(engine, *captured[0])
    return Selection(first_batch, release_all, released, recipients, peak, query_plan)


def report_selection(name: str, assignments: int, seconds: float, found: Selection) -> None:
    verdict = "met" if found.first_batch < SELECT_TARGET_SECONDS else "MISSED"
    print(f"\n(a) {name}: {assignments:,} assignments and reminders seeded in {seconds:.1f} s")
    print(f"    select the first 500 due reminders: {found.first_batch * 1000:.1f} ms")
    print(
        f"    release every due reminder ({found.released:,} reminders, "
        f"{found.recipients:,} outbox rows): {found.release_all * 1000:.1f} ms"
    )
    print(f"    target < {SELECT_TARGET_SECONDS:.0f} s: {verdict}")
    print("    query plan of the selection:")
    for line in found.query_plan:
        print(f"      {line}")
    print(f"(c) {name}: peak Python memory while releasing: {found.python_peak / 2**20:.1f} MiB")


async def bench_database(name: str, url: str, units: int, windows: int) -> None:
    await upgrade(url)
    engine = create_engine(url)
    try:
        started = time.perf_counter()
        await seed(engine, units, windows)
        seeded = time.perf_counter() - started
        report_selection(name, units * windows, seeded, await measure_selection(engine))
    finally:
        await engine.dispose()


# ------------------------------------------------------------------------------ PostgreSQL


def _pg_bindir() -> Path | None:
    candidates = [Path("/usr/lib/postgresql/15/bin")]
    if (on_path := shutil.which("pg_ctl")) is not None:
        candidates.append(Path(on_path).resolve().parent)
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    return next((d for d in candidates if (d / "initdb").is_file()), None)


@contextlib.contextmanager
def postgres_cluster() -> Iterator[str | None]:
    """A throwaway cluster started the way tests/conftest.py starts one; None without binaries."""
    bindir = _pg_bindir()
    if bindir is None:
        yield None
        return
    base = Path(tempfile.mkdtemp(prefix="roadmap-bench-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: the postgres user owns the cluster
        owner = pwd.getpwnam("postgres")
        os.chown(base, owner.pw_uid, owner.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    data = base / "data"
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {base} -c fsync=off"

    def pg(tool: str, *args: str) -> None:
        subprocess.run([*run_as, str(bindir / tool), *args], check=True, capture_output=True)

    pg("initdb", "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
    pg("pg_ctl", "-D", str(data), "-l", str(base / "log"), "-o", options, "-w", "start")
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}/postgres"
    finally:
        pg("pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)


# ------------------------------------------------------------------------------ send rate


class Stopwatch:
    """The real bot, timing each message Telegram accepted."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self.accepted: list[float] = []

    async def send_message(
        self, chat_id: int, text: str, *, reply_markup: InlineKeyboardMarkup | None = None
    ) -> Message:
        sent = await self.bot.send_message(chat_id, text, reply_markup=reply_markup)
        self.accepted.append(time.perf_counter())
        return sent


@contextlib.asynccontextmanager
async def telegram(chats: int) -> AsyncIterator[tuple[FakeTelegramServer, Bot]]:
    async with FakeTelegramServer(enforce_limits=True) as server:
        for u in range(chats):
            server.add_chat({"id": 100_000 + u, "type": "private", "first_name": f"U{u}"})
        session = AiohttpSession(api=TelegramAPIServer.from_base(server.base_url))
        bot = Bot(server.token, session=session, default=DefaultBotProperties(parse_mode="HTML"))
        try:
            yield server, bot
        finally:
            await session.close()


async def bench_sending(directory: Path, sends: int) -> None:
    url = f"sqlite+aiosqlite:///{directory / 'send.sqlite3'}"
    await upgrade(url)
    engine = create_engine(url)
    await seed(engine, units=sends, windows=1)  # one reminder per chat, all due now
    async with telegram(sends) as (server, bot):
        stopwatch = Stopwatch(bot)
        started = time.perf_counter()
        report = await run_tick(
            session_factory(engine),
            TelegramOutbound(stopwatch),
            NOW,
            worker_id="bench",
            limiter=RateLimiter(),
            settings=DeliverySettings(),
            i18n=create_i18n("ru"),
        )
        elapsed = time.perf_counter() - started
    await engine.dispose()
    accepted = stopwatch.accepted
    sustained = (len(accepted) - 1) / (accepted[-1] - accepted[0]) if len(accepted) > 1 else 0.0
    ok = sustained >= RATE_TARGET and server.limit_refusals == 0 and report.delivered == sends
    print(
        f"\n(b) {sends:,} reminders, one per chat, to the fake server enforcing Telegram's limits"
    )
    print(f"    delivered {report.delivered:,} in {report.messages:,} messages in {elapsed:.1f} s")
    print(f"    sustained rate (first to last accepted message): {sustained:.2f} messages/s")
    print(
        f"    429 answers: {server.limit_refusals}, "
        f"retried {report.retried}, failed {report.failed}"
    )
    print(f"    target >= {RATE_TARGET:.0f} messages/s with zero 429: {'met' if ok else 'MISSED'}")


async def main(args: argparse.Namespace) -> None:
    units = 1000
    windows = args.assignments // units
    with tempfile.TemporaryDirectory(prefix="roadmap-bench-") as directory:
        url = f"sqlite+aiosqlite:///{Path(directory) / 'select.sqlite3'}"
        await bench_database("SQLite", url, units, windows)
        if args.postgres:
            with postgres_cluster() as pg_url:
                if pg_url is None:
                    print("\n(a) PostgreSQL: skipped, no server binaries (postgresql-15)")
                else:
                    await bench_database("PostgreSQL", pg_url, units, windows)
        await bench_sending(Path(directory), args.sends)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n(c) peak resident memory of the whole run (seeding included): {peak:.0f} MiB")


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--assignments", type=int, default=1_000_000)
    parser.add_argument("--sends", type=int, default=5_000)
    parser.add_argument("--no-postgres", dest="postgres", action="store_false")
    return parser.parse_args(argv)


if __name__ == "__main__":
    print(f"reminder benchmark, {date.today()}, Python {sys.version.split()[0]}")
    asyncio.run(main(parse(sys.argv[1:])))
