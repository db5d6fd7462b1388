"""One sending budget for every process that speaks for the bot token.

Telegram counts ~30 messages per second per bot token, whichever process sends them: two
senders that each keep 28 per second to themselves send 56 and get 429s (issue 14). Here the
schedule of `bot.reminders.ratelimit.RateLimiter` (a sustained and a peak GCRA, kept as
theoretical arrival times) lives in one database row instead: each message reserves its moment
in a short transaction, then the process sleeps until it without holding the row. A
`retry_after` one process is told holds them all.

Moments are seconds since the epoch by each process's clock: processes on one host agree; on
several hosts NTP keeps them within milliseconds, far inside Telegram's one-second window.
"""

import asyncio
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import asdict, dataclass

from sqlalchemy import ColumnElement, func, insert, literal, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.dml import ReturningUpdate

from bot.reminders.ratelimit import Limits
from storage.models_scale import SendBudgetRow

DEFAULT_BUDGET = "telegram"
SHARED_RATE = 28.5
"""Messages per second for every process of the token together, and never faster, even
catching up: a message that reaches Telegram late counts in one second with the punctual ones
after it, so 1.5 of Telegram's 30 stay free for lateness (52 ms at 28.5 a second): at most
`LATE_AFTER` (30 ms) in the process, the rest on the way. At 28 with the shared budget four
senders managed 27.8 a second (bench/scale.py): claims, forfeited moments and a loaded machine
leave gaps, so the schedule itself must run a little faster than the 28 wanted."""
DEFAULT_LIMITS = Limits(rate=SHARED_RATE, peak=SHARED_RATE)
RESERVE_AHEAD = 0.15
"""Seconds between a reservation and the soonest moment it gives: the reservation's round trip
to the database (tens of milliseconds under load) is over before the moment, so the message
leaves on time instead of a round trip late (bench/scale.py: 25 ms at the 90th percentile, 48
at the 99th, with four senders on two cores)."""


@dataclass(frozen=True, slots=True)
class BudgetState:
    sustained_at: float
    """The sustained schedule's theoretical arrival time."""
    peak_at: float
    """The peak schedule's: one message deep, so catching up never bursts."""
    held_until: float = 0.0
    """A 429's end: nothing goes before it."""


def reserve_moment(
    state: BudgetState, now: float, limits: Limits, hold_until: float = 0.0, lead: float = 0.0
) -> tuple[float, BudgetState]:
    """The moment the next message may go, and the state after it is counted.

    The same arithmetic as `RateLimiter`'s two schedules: the sustained one tolerates a
    second's worth of messages (a pause is caught up afterwards), the peak one none. No moment
    is sooner than `lead` after `now`: the answer must reach the process before its moment.
    """
    sustained_interval = 1.0 / limits.rate
    tolerance = (max(limits.rate, 1.0) - 1.0) * sustained_interval
    held = max(state.held_until, hold_until)
    at = max(now + lead, held, state.sustained_at - tolerance, state.peak_at)
    return at, BudgetState(
        sustained_at=max(state.sustained_at, at) + sustained_interval,
        peak_at=max(state.peak_at, at) + 1.0 / limits.peak,
        held_until=held,
    )


class SharedBudget:
    """`RateLimiter`'s overall schedule in the database (see the module's docstring).

    `clock` (seconds since the epoch) is injectable, so tests move it by hand.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        limits: Limits = DEFAULT_LIMITS,
        *,
        name: str = DEFAULT_BUDGET,
        clock: Callable[[], float] = time.time,
        lead: float = 0.0,
        keep_connection: bool = False,
    ) -> None:
        # Autocommit: each reservation is one statement, so the row is locked only while the
        # database applies it, not for a round trip to the process and back.
        self.engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self.limits = limits
        self.name = name
        self.clock = clock
        self.lead = lead
        """`reserve_moment`'s lead; `bot.app` gives RESERVE_AHEAD."""
        # One reservation at a time from this process: they queue here, not on the row lock.
        self._lock = asyncio.Lock()
        self.keep_connection = keep_connection
        """Reserve on one connection kept open (`bot.app` on PostgreSQL): a connection from
        the pool costs a ping (pool_pre_ping) and a reset, two round trips more per message
        on a machine where each one is a chance to reach the moment late."""
        self._kept: AsyncConnection | None = None

    async def close(self) -> None:
        """Give the kept connection back (before the engine is disposed)."""
        async with self._lock:
            kept, self._kept = self._kept, None
            if kept is not None:
                await kept.close()

    async def reserve(self, hold_for: float = 0.0) -> float:
        """Count one message and return the seconds to wait before sending it, counted from
        the moment this returns; `hold_for` (a `retry_after` this process was told) holds
        every process for that long.

        From the return, not from the call: the wait for this process's other reservations
        and the round trip lie between the two (bench/scale.py --trace, four senders: 37 ms at
        the 90th percentile, 300 at the 99th), and a wait counted from the call sent messages
        that much before the moment the row gave them, into the second of the ones before.
        """
        at = await self._update(hold_for, count=True)
        return max(0.0, at - self.clock())

    async def hold(self, seconds: float) -> None:
        """Telegram answered 429 with `retry_after`: no process sends for `seconds`."""
        await self._update(seconds, count=False)

    async def _update(self, hold_for: float, *, count: bool) -> float:
        """The reserved moment (or the hold's end), in seconds since the epoch."""
        async with self._lock:
            if not self.keep_connection:
                async with self.engine.connect() as db:
                    return await self._apply(db, hold_for, count=count)
            if self._kept is None:
                self._kept = await self.engine.connect()
            try:
                return await self._apply(self._kept, hold_for, count=count)
            except SQLAlchemyError:
                # The connection may be broken (the server restarted): the next reservation
                # opens another; this one fails as a pooled one would.
                kept, self._kept = self._kept, None
                with suppress(SQLAlchemyError, OSError):
                    await kept.invalidate()
                raise

    async def _apply(self, db: AsyncConnection, hold_for: float, *, count: bool) -> float:
        """One reservation or hold on `db`: the row is created by the first one."""
        while True:
            now = self.clock()
            hold_until = now + hold_for if hold_for > 0 else 0.0
            statement = _reservation(
                db.dialect.name, self.name, now + self.lead, hold_until, self.limits
            )
            if not count:
                statement = _hold(self.name, hold_until, db.dialect.name)
            at = (await db.execute(statement)).scalar()
            if at is not None:
                return float(at)
            first = BudgetState(now, now, hold_until)
            at = hold_until
            if count:
                at, first = reserve_moment(first, now, self.limits, lead=self.lead)
            try:
                await db.execute(insert(SendBudgetRow).values(name=self.name, **asdict(first)))
            except IntegrityError:
                continue  # another process created the row first: reserve on it
            return at


def _greatest(dialect: str, *values: ColumnElement[float]) -> ColumnElement[float]:
    """GREATEST on PostgreSQL; SQLite's max() with several arguments is the same function."""
    if dialect == "sqlite":
        return func.max(*values)
    return func.greatest(*values)


def _reservation(
    dialect: str, name: str, now: float, hold_until: float, limits: Limits
) -> ReturningUpdate[tuple[float]]:
    """`reserve_moment` as one UPDATE … RETURNING: SET reads the row as it was, so `at` is
    computed from the old values in each column; the reserved moment comes back."""
    row = SendBudgetRow.__table__.c
    sustained_interval = 1.0 / limits.rate
    tolerance = (max(limits.rate, 1.0) - 1.0) * sustained_interval
    at = _greatest(
        dialect,
        literal(max(now, hold_until)),
        row.held_until,
        row.sustained_at - tolerance,
        row.peak_at,
    )
    return (
        update(SendBudgetRow)
        .where(SendBudgetRow.name == name)
        .values(
            sustained_at=_greatest(dialect, row.sustained_at, at) + sustained_interval,
            peak_at=at + 1.0 / limits.peak,
            held_until=_greatest(dialect, row.held_until, literal(hold_until)),
        )
        .returning(SendBudgetRow.peak_at - 1.0 / limits.peak)
    )


def _hold(name: str, hold_until: float, dialect: str) -> ReturningUpdate[tuple[float]]:
    row = SendBudgetRow.__table__.c
    return (
        update(SendBudgetRow)
        .where(SendBudgetRow.name == name)
        .values(held_until=_greatest(dialect, row.held_until, literal(hold_until)))
        .returning(SendBudgetRow.held_until)
    )
