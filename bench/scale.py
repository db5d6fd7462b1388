"""Region scale: 1, 2 and 4 sender processes on one PostgreSQL, one bot token (issue 14).

Starts a throwaway PostgreSQL cluster and the fake Bot API enforcing Telegram's limits (30
messages per second overall, one per second in a private chat, 429 with `retry_after` beyond),
loads N reminders due now to N chats, and runs the real tick code (`Sender.tick`, as the
scheduler runs it every second through `Application.tick`) in 1, 2 and 4 OS processes against
the same database; each process imports only the sender (bot/sender.py), as `roadmap-bot tick`
does. Prints per configuration: delivered, 429 received, duplicates, lost, messages per second
(first to last accepted message), the outbox's final states and the peak resident memory of
each process.

With --kill, one sender of each multi-process run is killed (SIGKILL) a third of the way in:
the gap from the kill until the rows it had claimed were delivered by the others is printed.

Usage: python bench/scale.py [--reminders N] [--processes 1,2,4] [--kill]
At the default 20,000 reminders each configuration takes about 12 minutes (28 messages/s).
"""

import argparse
import asyncio
import contextlib
import gc
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
TICK_SECONDS = 1.0
"""How often a sender process ticks, like the scheduler with TICK_SECONDS=1."""
RATE_TARGET = 28.0
LANES_TOGETHER = 12
"""SEND_LANES times the senders: one sender needs ten lanes to keep the budget's every moment
busy behind the 150 ms lead (six: 26.5 msg/s, ten: 28.3), but four senders of ten each sent
late enough to draw 429s (--trace: 40 lanes on two cores, requests reached the fake up to
350 ms after their moments, 3 × 429 in 2,000), where four of three did not."""


def lanes_for(processes: int) -> int:
    """SEND_LANES for each of `processes` senders (bot/delivery/tick.py, LANES)."""
    return max(2, min(10, LANES_TOGETHER // processes))


TAKEOVER_TARGET = 15.0


# ------------------------------------------------------------------------------ one sender


async def _send_until_done(now: datetime, started: float) -> dict[str, Any]:
    """Tick until nothing is left to send (the process is one replica of the bot's sender)."""
    from sqlalchemy import func, select  # noqa: PLC0415 - imported after the lean aiogram
    from sqlalchemy.ext.asyncio import AsyncEngine  # noqa: PLC0415

    from bot.config import load_settings  # noqa: PLC0415
    from bot.scale.budget import SharedBudget  # noqa: PLC0415
    from bot.sender import build_sender  # noqa: PLC0415
    from storage.models_reminders import (  # noqa: PLC0415
        DeliveryStatus,
        OutboxRow,
        ReminderRow,
        ReminderStatus,
    )

    if os.environ.get("BENCH_LOCAL_LIMITER"):
        # What every process did before the budget was shared: its own 28 per second.
        import bot.sender  # noqa: PLC0415

        def no_shared_budget(engine: AsyncEngine, *, ahead: bool = False) -> SharedBudget | None:
            return None

        bot.sender.shared_budget = no_shared_budget
    app = build_sender(load_settings())
    trace = _trace_limiter(app.limiter) if os.environ.get("BENCH_TRACE") else None
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
    if trace is not None:
        trace_file = Path(os.environ["BENCH_TRACE"]) / f"sender-{os.getpid()}.json"
        trace_file.write_text(json.dumps(trace))
    return {"pid": os.getpid(), "worker": app.worker_id, **totals}


def _trace_limiter(limiter: Any) -> list[list[float]]:
    """--trace: for each message this sender counted, on the host's monotonic clock (shared
    by every process): [chat, reservation asked, this process's turn at the row, answered,
    the moment the limiter slept until, the moment the row gave, `acquire` let it go]."""
    from bot.reminders.ratelimit import RateLimiter  # noqa: PLC0415

    rows: list[list[float]] = []
    turns: dict[object, float] = {}
    moments: dict[object, float] = {}
    pending: dict[object, list[float]] = {}
    shared = limiter._shared
    if shared is not None:

        class TimedLock(asyncio.Lock):
            async def acquire(self) -> Literal[True]:
                got = await super().acquire()
                turns[asyncio.current_task()] = time.monotonic()
                return got

        update = shared._update

        async def traced_update(hold_for: float, *, count: bool) -> float:
            at = await update(hold_for, count=count)
            moments[asyncio.current_task()] = at - (time.time() - time.monotonic())
            return at  # type: ignore[no-any-return]

        shared._lock = TimedLock()
        shared._update = traced_update
    reserve, take = RateLimiter._reserve, RateLimiter._take

    async def traced_reserve(self: Any, now: float) -> float:
        asked = time.monotonic()
        at = await reserve(self, now)
        answered = time.monotonic()
        task = asyncio.current_task()
        pending[task] = [asked, turns.pop(task, asked), answered, at, moments.pop(task, at)]
        return at

    async def traced_take(self: Any, chat_id: int | None, *, overall: bool = True) -> None:
        await take(self, chat_id, overall=overall)
        rows.append([chat_id or 0, *pending.pop(asyncio.current_task()), time.monotonic()])

    RateLimiter._reserve = traced_reserve  # type: ignore[method-assign]
    RateLimiter._take = traced_take  # type: ignore[method-assign]
    return rows


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
    uncertain_unsent: int = 0
    """Rows left `uncertain` by a kill whose message never reached the fake: a sender marks a
    row `sending` just before its moment, so a kill can catch it before the request left."""


def _reap(children: list[Child]) -> None:
    for child in children:
        if child.status is not None:
            continue
        pid, status = os.waitpid(child.process.pid, os.WNOHANG)
        if pid:
            child.status = status


async def run_configuration(  # noqa: PLR0915 - one run told start to end reads best
    pg_admin_url: str,
    processes: int,
    reminders: int,
    kill: bool,
    local: bool,
    *,
    trace_dir: Path | None = None,
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
    arrivals: list[tuple[float, int, bool]] = []
    pauses: list[tuple[float, float]] = []
    """--trace: this process's (the fake server's) cyclic garbage collections: start, seconds."""

    def timed_collection(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            pauses.append((time.monotonic(), 0.0))
        elif pauses:
            begun = pauses[-1][0]
            pauses[-1] = (begun, time.monotonic() - begun)

    if trace_dir is not None:
        gc.callbacks.append(timed_collection)
    """--trace: each new message as the limit check saw it: when, the chat, refused."""

    class TimedServer(FakeTelegramServer):
        def _record(self, call: RecordedCall) -> None:
            if call.method == "sendMessage" and call.ok and call.chat_id in chats:
                accepted.append((time.monotonic(), call.chat_id))
            super()._record(call)

        def _count_against_limits(self, call: RecordedCall) -> None:
            refusals = self.limit_refusals
            try:
                super()._count_against_limits(call)
            finally:
                if trace_dir is not None:
                    arrivals.append(
                        (time.monotonic(), call.chat_id or 0, self.limit_refusals > refusals)
                    )

    outcome = Outcome(processes, reminders)
    # The fake server lives in this process and keeps every message it accepted: a cyclic
    # collection over them paused it for 240-390 ms at 20,000 reminders, and the requests that
    # waited meanwhile were counted together, in one second (--trace: all 11 × 429 of a
    # four-sender run came from three such pauses). Telegram's counting does not stop for the
    # bench's heap: the collector waits until the run is over (reference counting still frees).
    gc.collect()
    gc.freeze()
    gc.disable()
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
            "SEND_LANES": str(lanes_for(processes)),
            "BENCH_TRACE": str(trace_dir or ""),
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
    gc.enable()
    gc.unfreeze()
    async with session_factory(engine)() as session:
        rows = await session.execute(
            select(OutboxRow.status, func.count()).group_by(OutboxRow.status)
        )
        outcome.states = {str(getattr(s, "value", s)): n for s, n in rows.all()}
        uncertain_chats = set(
            await session.scalars(
                select(OutboxRow.chat_id).where(OutboxRow.status == DeliveryStatus.UNCERTAIN)
            )
        )
    await engine.dispose()

    per_chat = Counter(chat for _at, chat in accepted)
    outcome.delivered = len(per_chat)
    outcome.uncertain_unsent = len(uncertain_chats - per_chat.keys())
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
    if trace_dir is not None:
        gc.callbacks.remove(timed_collection)
        explain_refusals(trace_dir, arrivals, pauses)
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


def _percentiles(values: list[float]) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    marks = [ordered[min(len(ordered) - 1, int(q * len(ordered)))] for q in (0.5, 0.9, 0.99)]
    return (
        f"p50 {marks[0] * 1000:.0f}, p90 {marks[1] * 1000:.0f}, p99 {marks[2] * 1000:.0f}, "
        f"max {ordered[-1] * 1000:.0f} ms"
    )


def explain_refusals(
    trace_dir: Path, arrivals: list[tuple[float, int, bool]], pauses: list[tuple[float, float]]
) -> None:
    """--trace: how late each message reached the fake against its reserved moment, by
    process, and for each 429 the 30 messages of the second before it."""
    sent: dict[int, list[tuple[int, list[float]]]] = {}
    for path in sorted(trace_dir.glob("sender-*.json")):
        pid = int(path.stem.split("-")[1])
        for row in json.loads(path.read_text()):
            sent.setdefault(int(row[0]), []).append((pid, row))
    matched: list[tuple[float, bool, int, list[float]]] = []
    for at, chat, refused in arrivals:
        rows = [(pid, row) for pid, row in sent.get(chat, []) if row[6] <= at]
        if rows:
            pid, row = rows[-1]
            matched.append((at, refused, pid, row))
    print(f"  trace: {len(arrivals)} arrivals, {len(matched)} matched to a reservation")
    for pid in sorted({pid for _a, _r, pid, _row in matched}):
        mine = [(at, row) for at, _r, p, row in matched if p == pid]
        spans = {
            "waited for its turn at the row": [r[2] - r[1] for _a, r in mine],
            "the reservation's round trip": [r[3] - r[2] for _a, r in mine],
            "limiter's moment before the row's": [r[5] - r[4] for _a, r in mine],
            "let go after the row's moment": [r[6] - r[5] for _a, r in mine],
            "reached the fake after it": [at - r[5] for at, r in mine],
        }
        print(f"  sender {pid}: {len(mine)} messages")
        for label, values in spans.items():
            print(f"    {label}: {_percentiles(values)}")
    long_pauses = [d for _b, d in pauses if d >= 0.02]
    print(
        f"  the fake's process: {len(pauses)} garbage collections, {len(long_pauses)} of 20 ms or "
        f"more (longest {1000 * max(long_pauses, default=0):.0f} ms)"
    )
    times = [at for at, _r, _p, _row in matched]
    for index, (at, refused, pid, row) in enumerate(matched):
        if not refused:
            continue
        window = [m for m in matched[max(0, index - 40) : index] if m[0] > at - 1.0 and not m[1]]
        reserved = sorted(m[3][5] for m in window)
        gaps = [b[0] - a[0] for a, b in itertools.pairwise([*window, matched[index]])]
        flights = [m[0] - m[3][6] for m in [*window, matched[index]]]
        print(
            f"  429 at {at - times[0]:.3f} s to sender {pid} "
            f"(reached {1000 * (at - row[5]):.0f} ms after its moment): the second before held "
            f"{len(window)} from senders {dict(Counter(m[2] for m in window))}, reserved over "
            f"{(row[5] - reserved[0]) if reserved else 0:.3f} s, latest arrival "
            f"{max((1000 * (m[0] - m[3][5]) for m in window), default=0):.0f} ms after its moment"
        )
        collected = sum(d for begun, d in pauses if at - 2.0 <= begun <= at)
        print(f"    the fake's garbage collection in the 2 s before: {1000 * collected:.0f} ms")
        print(
            f"    arrivals: longest silence {1000 * max(gaps, default=0):.0f} ms, "
            f"{sum(1 for g in gaps if g < 0.005)} within 5 ms of the one before; "
            f"from let go to the fake: {_percentiles(flights)}"
        )


def report(outcome: Outcome) -> None:
    # Lost: neither delivered nor known to be in doubt. An `uncertain` row is never sent again
    # (it may have arrived); those that did not arrive are printed apart, not hidden in «lost».
    uncertain = outcome.states.get("uncertain", 0)
    lost = outcome.reminders - outcome.delivered - outcome.uncertain_unsent
    print(
        f"\n{outcome.processes} sender process(es) of {lanes_for(outcome.processes)} lanes, "
        f"{outcome.reminders:,} reminders to as many chats"
    )
    print(
        f"  delivered {outcome.delivered:,}, 429 received {outcome.refusals}, duplicates "
        f"{outcome.duplicates}, lost {lost}, {outcome.rate:.1f} msg/s "
        f"(first to last accepted, {outcome.seconds:.0f} s)"
    )
    print(f"  outbox: {', '.join(f'{s} {n}' for s, n in sorted(outcome.states.items()))}")
    if uncertain:
        print(
            f"  uncertain {uncertain}: {uncertain - outcome.uncertain_unsent} arrived, "
            f"{outcome.uncertain_unsent} never left (killed before its request; not sent again)"
        )
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
            trace_dir = None
            if args.trace:
                trace_dir = Path(tempfile.mkdtemp(prefix=f"scale-trace-{processes}-"))
            report(
                await run_configuration(
                    pg_url,
                    processes,
                    args.reminders,
                    args.kill,
                    args.local_limiter,
                    trace_dir=trace_dir,
                )
            )
            if trace_dir is not None:
                shutil.rmtree(trace_dir, ignore_errors=True)


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
    parser.add_argument(
        "--trace",
        action="store_true",
        help="explain each 429: how late messages reached the fake against their moments",
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
