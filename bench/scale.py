"""Region scale: 1, 2 and 4 sender processes on one PostgreSQL, one bot token (issue 14).

Starts a throwaway PostgreSQL cluster and the fake Bot API enforcing Telegram's limits (30
messages per second overall, one per second in a private chat, 429 with `retry_after` beyond),
loads N reminders due now to N chats, and runs the real tick code (`Application.tick`, as the
scheduler runs it every second) in 1, 2 and 4 OS processes against the same database. Prints per
configuration: delivered, 429 received, duplicates, lost, messages per second (first to last
accepted message), the outbox's final states and the peak resident memory of each process.

With --kill, one sender of each multi-process run is killed (SIGKILL) a third of the way in:
the gap from the kill until the rows it had claimed were delivered by the others is printed.

Usage: python bench/scale.py [--reminders N] [--processes 1,2,4] [--kill]
At the default 20,000 reminders each configuration takes about 12 minutes (28 messages/s).
"""

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
TICK_SECONDS = 1.0
"""How often a sender process ticks, like the scheduler with TICK_SECONDS=1."""
RATE_TARGET = 28.0
LANES = 6
"""SEND_LANES for the senders (bot/delivery/tick.py, LANES)."""
TAKEOVER_TARGET = 15.0


# ------------------------------------------------------------------------------ one sender


async def _send_until_done(now: datetime, started: float) -> dict[str, Any]:
    """Tick until nothing is left to send (the process is one replica of the bot's sender)."""
    from sqlalchemy import func, select  # noqa: PLC0415 - imported after the lean aiogram
    from sqlalchemy.ext.asyncio import AsyncEngine  # noqa: PLC0415

    from bot.app import build_application  # noqa: PLC0415
    from bot.config import load_settings  # noqa: PLC0415
    from bot.scale.budget import SharedBudget  # noqa: PLC0415
    from storage.models_reminders import (  # noqa: PLC0415
        DeliveryStatus,
        OutboxRow,
        ReminderRow,
        ReminderStatus,
    )

    if os.environ.get("BENCH_LOCAL_LIMITER"):
        # What every process did before the budget was shared: its own 28 per second.
        import bot.app  # noqa: PLC0415

        def no_shared_budget(engine: AsyncEngine, *, ahead: bool = False) -> SharedBudget | None:
            return None

        bot.app.shared_budget = no_shared_budget
    app = build_application(load_settings())
    open_states = (DeliveryStatus.PENDING, DeliveryStatus.CLAIMED, DeliveryStatus.SENDING)
    totals: Counter[str] = Counter()
    try:
        while True:
            report = await app.tick(now=now + timedelta(seconds=time.time() - started))
            totals.update(
                released=report.released,
                messages=report.messages,
                requeued=report.requeued,
                interrupted=report.interrupted,
                deferred=report.deferred,
            )
            async with app.sessions() as session:
                left = await session.scalar(
                    select(func.count())
                    .select_from(OutboxRow)
                    .where(OutboxRow.status.in_(open_states))
                )
                unreleased = await session.scalar(
                    select(func.count())
                    .select_from(ReminderRow)
                    .where(ReminderRow.status == ReminderStatus.PENDING, ReminderRow.due_at <= now)
                )
            if not left and not unreleased:
                break
            await asyncio.sleep(TICK_SECONDS)
    finally:
        await app.close()
    totals.update(forfeited=app.limiter.forfeited)
    return {"pid": os.getpid(), "worker": app.worker_id, **totals}


def sender(now: str, started: float) -> int:
    from bot.lean import import_aiogram_lean  # noqa: PLC0415 - as `roadmap-bot tick` does

    import_aiogram_lean()
    result = asyncio.run(_send_until_done(datetime.fromisoformat(now), started))
    result["peak_kib"] = own_peak_kib()
    print(json.dumps(result), flush=True)
    print(
        f"sender {os.getpid()}: peak resident memory {result['peak_kib'] / 1024:.0f} MiB",
        file=sys.stderr,
        flush=True,
    )
    return 0


def own_peak_kib() -> int:
    """This process's peak resident memory since its exec (VmHWM).

    Not `wait4`'s ru_maxrss: Linux keeps that across execve, so a child forked from the bench
    (which holds the fake server's records of every message, 230-390 MB) reports the bench's
    size as its own. VmHWM belongs to the address space the sender itself built.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


# ------------------------------------------------------------------------------ the run


@dataclass
class Child:
    process: subprocess.Popen[str]
    peak_kib: int = 0
    status: int | None = None
    killed_at: float | None = None


@dataclass
class Outcome:
    processes: int
    reminders: int
    delivered: int = 0
    duplicates: int = 0
    refusals: int = 0
    rate: float = 0.0
    seconds: float = 0.0
    states: dict[str, int] = field(default_factory=dict)
    peaks_mib: list[float] = field(default_factory=list)
    takeover: str = ""
    forfeited: int = 0
    """Shared moments a sender reached late and gave up (RateLimiter.forfeited)."""


def _reap(children: list[Child]) -> None:
    for child in children:
        if child.status is not None:
            continue
        pid, status = os.waitpid(child.process.pid, os.WNOHANG)
        if pid:
            child.status = status


async def run_configuration(  # noqa: PLR0915 - one run told start to end reads best
    pg_admin_url: str, processes: int, reminders: int, kill: bool, local: bool
) -> Outcome:
    import reminders as seeding  # noqa: PLC0415 - bench/reminders.py: seed() and NOW
    from sqlalchemy import func, select, text  # noqa: PLC0415

    from bot.fakeapi import FakeTelegramServer  # noqa: PLC0415
    from bot.fakeapi.server import RecordedCall  # noqa: PLC0415
    from storage.engine import create_engine, session_factory  # noqa: PLC0415
    from storage.migrate import upgrade  # noqa: PLC0415
    from storage.models_reminders import DeliveryStatus, OutboxRow  # noqa: PLC0415

    database = f"scale_{processes}_{int(time.time())}"
    admin = create_engine(pg_admin_url)
    async with admin.connect() as db:
        await db.execution_options(isolation_level="AUTOCOMMIT")
        await db.execute(text(f"CREATE DATABASE {database}"))
    await admin.dispose()
    url = pg_admin_url.rsplit("/", 1)[0] + f"/{database}"
    await upgrade(url)
    engine = create_engine(url)
    await seeding.seed(engine, units=reminders, windows=1)  # one reminder per chat, due now
    chats = {100_000 + u for u in range(reminders)}

    accepted: list[tuple[float, int]] = []

    class TimedServer(FakeTelegramServer):
        def _record(self, call: RecordedCall) -> None:
            if call.method == "sendMessage" and call.ok and call.chat_id in chats:
                accepted.append((time.monotonic(), call.chat_id))
            super()._record(call)

    outcome = Outcome(processes, reminders)
    async with TimedServer(enforce_limits=True) as server:
        for chat_id in chats:
            server.add_chat({"id": chat_id, "type": "private", "first_name": f"U{chat_id}"})
        env = {
            **os.environ,
            "BOT_TOKEN": server.token,
            "DATABASE_URL": url,
            "TELEGRAM_API_BASE": server.base_url,
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
            "BENCH_LOCAL_LIMITER": "1" if local else "",
            "SEND_LANES": str(LANES),
        }
        started_wall = time.time()
        started = time.monotonic()
        command = [sys.executable, str(BENCH / "scale.py"), "--sender"]
        command += ["--now", seeding.NOW.isoformat(), "--started", repr(started_wall)]
        children = [
            # Reaped with os.waitpid: each sender reports its own peak memory (own_peak_kib).
            Child(subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True))  # noqa: ASYNC220
            for _ in range(processes)
        ]
        kill_after = reminders / RATE_TARGET / 3 if kill and processes > 1 else None
        held: set[int] = set()
        deadline = started + reminders / RATE_TARGET * 3 + 120
        while any(child.status is None for child in children) and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            _reap(children)
            if kill_after is not None and time.monotonic() - started >= kill_after:
                kill_after = None
                victim = children[0]
                async with session_factory(engine)() as session:
                    held = set(
                        await session.scalars(
                            select(OutboxRow.chat_id).where(
                                OutboxRow.claimed_by.like(f"%:{victim.process.pid}:%"),
                                OutboxRow.status.in_(
                                    (DeliveryStatus.CLAIMED, DeliveryStatus.SENDING)
                                ),
                            )
                        )
                    )
                os.kill(victim.process.pid, signal.SIGKILL)
                victim.killed_at = time.monotonic()
        for child in children:
            if child.status is None:
                child.process.kill()
        _reap(children)
        outcome.refusals = server.limit_refusals
    async with session_factory(engine)() as session:
        rows = await session.execute(
            select(OutboxRow.status, func.count()).group_by(OutboxRow.status)
        )
        outcome.states = {str(getattr(s, "value", s)): n for s, n in rows.all()}
    await engine.dispose()

    per_chat = Counter(chat for _at, chat in accepted)
    outcome.delivered = len(per_chat)
    outcome.duplicates = sum(n - 1 for n in per_chat.values())
    if len(accepted) > 1:
        outcome.seconds = accepted[-1][0] - accepted[0][0]
        outcome.rate = (len(accepted) - 1) / outcome.seconds
    for child in children:
        if child.process.stdout is not None:
            for line in child.process.stdout.read().splitlines():
                with contextlib.suppress(ValueError):
                    result = json.loads(line)
                    outcome.forfeited += result.get("forfeited", 0)
                    child.peak_kib = result.get("peak_kib", 0)
    # A killed sender printed nothing: its peak is unknown (0).
    outcome.peaks_mib = [child.peak_kib / 1024 for child in children]
    killed = next((c.killed_at for c in children if c.killed_at is not None), None)
    if killed is not None:
        late = sorted(at - killed for at, chat in accepted if chat in held and at > killed)
        outcome.takeover = (
            f"killed a sender holding {len(held)} rows; {len(late)} of them delivered by the "
            f"others: the first {late[0] if late else float('nan'):.1f} s, the last "
            f"{late[-1] if late else float('nan'):.1f} s after the kill "
            f"(target: taken over within {TAKEOVER_TARGET:.0f} s)"
        )
    return outcome


def report(outcome: Outcome) -> None:
    lost = outcome.reminders - outcome.delivered - outcome.states.get("uncertain", 0)
    print(
        f"\n{outcome.processes} sender process(es), "
        f"{outcome.reminders:,} reminders to as many chats"
    )
    print(
        f"  delivered {outcome.delivered:,}, 429 received {outcome.refusals}, duplicates "
        f"{outcome.duplicates}, lost {lost}, {outcome.rate:.1f} msg/s "
        f"(first to last accepted, {outcome.seconds:.0f} s)"
    )
    print(f"  outbox: {', '.join(f'{s} {n}' for s, n in sorted(outcome.states.items()))}")
    print(
        "  peak resident memory per process: "
        f"{', '.join(f'{m:.0f}' for m in outcome.peaks_mib)} MiB"
    )
    print(f"  moments reached late and given up: {outcome.forfeited}")
    if outcome.takeover:
        print(f"  {outcome.takeover}")


async def main(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    import reminders as seeding  # noqa: PLC0415 - bench/reminders.py: the throwaway cluster

    with seeding.postgres_cluster() as pg_url:
        if pg_url is None:
            print("PostgreSQL server binaries are missing: nothing to measure")
            return
        for processes in args.processes:
            report(
                await run_configuration(
                    pg_url, processes, args.reminders, args.kill, args.local_limiter
                )
            )


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--reminders", type=int, default=20_000)
    parser.add_argument(
        "--processes", type=lambda v: [int(p) for p in v.split(",")], default=[1, 2, 4]
    )
    parser.add_argument("--kill", action="store_true", help="kill one sender mid-run")
    parser.add_argument(
        "--local-limiter",
        action="store_true",
        help="each process keeps its own limiter, as before the shared budget (for comparison)",
    )
    parser.add_argument("--sender", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--now", help=argparse.SUPPRESS)
    parser.add_argument("--started", type=float, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse(sys.argv[1:])
    if arguments.sender:
        sys.exit(sender(arguments.now, arguments.started))
    print(f"region-scale benchmark, {datetime.now():%Y-%m-%d}, {os.cpu_count()} CPUs")
    asyncio.run(main(arguments))
