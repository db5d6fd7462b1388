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
from dataclasses import asdict, dataclass, replace

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.reminders.ratelimit import Limits
from storage.models_scale import SendBudgetRow

DEFAULT_BUDGET = "telegram"
DEFAULT_LIMITS = Limits()


@dataclass(frozen=True, slots=True)
class BudgetState:
    sustained_at: float
    """The sustained schedule's theoretical arrival time."""
    peak_at: float
    """The peak schedule's: one message deep, so catching up never bursts."""
    held_until: float = 0.0
    """A 429's end: nothing goes before it."""


def reserve_moment(
    state: BudgetState, now: float, limits: Limits, hold_until: float = 0.0
) -> tuple[float, BudgetState]:
    """The moment the next message may go, and the state after it is counted.

    The same arithmetic as `RateLimiter`'s two schedules: the sustained one tolerates a
    second's worth of messages (a pause is caught up afterwards), the peak one none.
    """
    sustained_interval = 1.0 / limits.rate
    tolerance = (max(limits.rate, 1.0) - 1.0) * sustained_interval
    held = max(state.held_until, hold_until)
    at = max(now, held, state.sustained_at - tolerance, state.peak_at)
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
        sessions: async_sessionmaker[AsyncSession],
        limits: Limits = DEFAULT_LIMITS,
        *,
        name: str = DEFAULT_BUDGET,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.sessions = sessions
        self.limits = limits
        self.name = name
        self.clock = clock
        # One reservation at a time from this process: they queue here, not on the row lock.
        self._lock = asyncio.Lock()

    async def reserve(self, hold_for: float = 0.0) -> float:
        """Count one message and return the seconds to wait before sending it; `hold_for`
        (a `retry_after` this process was told) holds every process for that long."""
        return await self._update(hold_for, count=True)

    async def hold(self, seconds: float) -> None:
        """Telegram answered 429 with `retry_after`: no process sends for `seconds`."""
        await self._update(seconds, count=False)

    async def _update(self, hold_for: float, *, count: bool) -> float:
        async with self._lock:
            while True:
                try:
                    return await self._update_once(hold_for, count=count)
                except IntegrityError:
                    continue  # another process created the row first: it is there now

    async def _update_once(self, hold_for: float, *, count: bool) -> float:
        async with self.sessions() as session:
            now = self.clock()
            hold_until = now + hold_for if hold_for > 0 else 0.0
            row = await session.get(SendBudgetRow, self.name, with_for_update=True)
            state = BudgetState(now, now) if row is None else _state(row)
            if count:
                at, state = reserve_moment(state, now, self.limits, hold_until)
            else:
                at = now
                state = replace(state, held_until=max(state.held_until, hold_until))
            if row is None:
                session.add(SendBudgetRow(name=self.name, **asdict(state)))
            else:
                row.sustained_at, row.peak_at = state.sustained_at, state.peak_at
                row.held_until = state.held_until
            await session.commit()
        return max(0.0, at - now)


def _state(row: SendBudgetRow) -> BudgetState:
    return BudgetState(row.sustained_at, row.peak_at, row.held_until)
