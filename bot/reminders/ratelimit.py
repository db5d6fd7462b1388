"""Keeping under Telegram's sending limits: one limiter per bot token, for every Bot API call.

https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this: about 30
messages per second overall, one per second in a private chat, 20 per minute in a group.
Replies, edits, relays and the reminder tick all draw on the same instance (see
`bot.delivery.requests.LimitedRequests`), so a tick cannot starve replies of the budget and a
burst of replies cannot push the tick over the limit.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Protocol

DEFAULT_RATE = 28.0
"""Messages per second overall, sustained: under Telegram's 30, with a margin."""
DEFAULT_PEAK = 29.0
"""The fastest the bot ever sends, catching up after a pause: never 31 in any second."""
CHAT_MARGIN = 1.1
"""Per-chat intervals are a tenth longer than Telegram's: two requests released exactly one
interval apart can reach Telegram closer than that (a busy event loop, a slow connection),
and a 429 costs a whole `retry_after`, far more than the margin."""
PRIVATE_INTERVAL = 1.0 * CHAT_MARGIN
GROUP_INTERVAL = 60.0 / 20 * CHAT_MARGIN
LATE_AFTER = 0.03
"""A shared moment missed by more than this is given up and another one reserved: a message
that leaves late lands in the same second as the punctual ones after it, and a process that
woke late (two cores, many processes) would otherwise crowd that second past Telegram's 30.
30 ms of the 52 that 28.5 a second leave (`bot.scale.budget.SHARED_RATE`); the rest is for the
way to Telegram. At 20 ms four senders gave up 87 moments of 2,000, at 30 ms 71, with no 429
in either run (bench/scale.py, 2,000 reminders, load average 5)."""
PRUNE_AFTER = 10_000
"""Chats remembered before the ones that are free again are forgotten."""
_EPSILON = 1e-6


@dataclass(frozen=True, slots=True)
class Limits:
    rate: float = DEFAULT_RATE
    peak: float = DEFAULT_PEAK
    private_interval: float = PRIVATE_INTERVAL
    group_interval: float = GROUP_INTERVAL

    def scaled(self, factor: float) -> "Limits":
        """`factor` times faster: what tests use against a fake server scaled alike."""
        return Limits(
            self.rate * factor,
            self.peak * factor,
            self.private_interval / factor,
            self.group_interval / factor,
        )


class _Schedule:
    """A token bucket kept as its theoretical arrival time (GCRA), so that a caller can
    reserve a future moment at once and sleep until it without holding anybody up."""

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.interval = 1.0 / rate
        self.tolerance = (max(capacity, 1.0) - 1.0) * self.interval
        self.arrival = now

    def earliest(self, at: float) -> float:
        return max(at, self.arrival - self.tolerance)

    def take(self, at: float) -> None:
        self.arrival = max(self.arrival, at) + self.interval


class SharedSchedule(Protocol):
    """The overall schedule kept where every process of the bot token sees it (see
    `bot.scale.budget.SharedBudget`): Telegram's 30 per second belong to the token."""

    async def reserve(self, hold_for: float = 0.0) -> float:
        """Count one message; the seconds to wait before it may go, from the return."""
        ...

    async def hold(self, seconds: float) -> None:
        """Nothing goes from any process for `seconds`."""
        ...


def chat_interval(chat_id: int, limits: Limits = Limits()) -> float:
    """Group and channel ids are negative; users' private chats have their positive id."""
    return limits.group_interval if chat_id < 0 else limits.private_interval


class RateLimiter:
    """`rate` messages per second on average, never faster than `peak`, and a minimum interval
    per chat; `retry_after` from a 429 holds one chat or everything.

    Two schedules: the sustained one holds up to a second's worth of messages, so a pause in
    sending (claiming the next rows, a database checkpoint) is caught up afterwards instead of
    lost; the peak one (one message deep) keeps the catching up under Telegram's limit. Each
    caller reserves its moment and sleeps alone: a chat that must wait a second does not hold
    up the others. `monotonic` and `sleep` are injectable, so tests move a fake clock.

    With `shared`, the overall schedule is the one every process of the token shares (a
    database row): this instance keeps only the per-chat intervals and its own 429 holds.
    """

    def __init__(
        self,
        rate: float = DEFAULT_RATE,
        peak: float = DEFAULT_PEAK,
        *,
        private_interval: float = PRIVATE_INTERVAL,
        group_interval: float = GROUP_INTERVAL,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        shared: SharedSchedule | None = None,
        late_after: float | None = None,
    ) -> None:
        if not 0 < rate <= peak:
            raise ValueError("the rate must be positive and not above the peak")
        if private_interval < 0 or group_interval < 0:
            raise ValueError("a chat's interval cannot be negative")
        now = monotonic()
        self.limits = Limits(rate, peak, private_interval, group_interval)
        self._sustained = _Schedule(rate, rate, now)
        self._peak = _Schedule(peak, 1.0, now)
        self._monotonic = monotonic
        self._sleep = sleep
        self._shared = shared
        self._paused_until = 0.0
        self._chat_paused: dict[int, float] = {}
        self._chat_free_at: dict[int, float] = {}
        self._chat_locks: dict[int, asyncio.Lock] = {}
        self._prune_at = PRUNE_AFTER
        self._counted: ContextVar[bool] = ContextVar(f"counted-{id(self)}", default=False)
        self.late_after = late_after
        """With a shared schedule reserved ahead: give up a moment missed by more (LATE_AFTER)."""
        self.forfeited = 0
        """Shared moments given up because this process reached them late (`LATE_AFTER`)."""

    @classmethod
    def with_limits(
        cls,
        limits: Limits,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        shared: SharedSchedule | None = None,
    ) -> "RateLimiter":
        return cls(
            limits.rate,
            limits.peak,
            private_interval=limits.private_interval,
            group_interval=limits.group_interval,
            monotonic=monotonic,
            sleep=sleep,
            shared=shared,
        )

    def monotonic(self) -> float:
        return self._monotonic()

    @property
    def shared(self) -> SharedSchedule | None:
        """The overall schedule every process of the token shares, if any."""
        return self._shared

    def pause(self, seconds: float, chat_id: int | None = None) -> None:
        """Telegram answered 429 with `retry_after`: nothing goes to `chat_id` (or, without
        one, anywhere) for `seconds`."""
        until = self._monotonic() + seconds
        if chat_id is None:
            self._paused_until = max(self._paused_until, until)
        else:
            self._chat_paused[chat_id] = max(self._chat_paused.get(chat_id, 0.0), until)

    async def hold(self, seconds: float, chat_id: int | None = None) -> None:
        """`pause`, and a hold of the whole bot is shared with every other process."""
        self.pause(seconds, chat_id)
        if chat_id is None and self._shared is not None:
            await self._shared.hold(seconds)

    def paused_for(self, chat_id: int | None = None) -> float:
        """Seconds until a message to `chat_id` (or to any chat) may go, by a 429."""
        return max(0.0, self._held_until(chat_id) - self._monotonic())

    def _held_until(self, chat_id: int | None) -> float:
        if chat_id is None:
            return self._paused_until
        return max(self._paused_until, self._chat_paused.get(chat_id, 0.0))

    def chat_interval(self, chat_id: int) -> float:
        return chat_interval(chat_id, self.limits)

    async def wait_if_paused(self, chat_id: int | None = None) -> None:
        """Wait out a 429 on `chat_id` (or on the bot) without counting a message."""
        while (held := self._held_until(chat_id) - self._monotonic()) > _EPSILON:
            await self._sleep(held)

    async def wait_for_chat(self, chat_id: int) -> None:
        """Wait until `chat_id` may get a message (its interval, a 429) without counting one.

        The reminder tick waits here, then marks its rows `sending`, then `acquire`s: the
        database write lies before the overall moment, not between it and the request, where
        its variable few milliseconds made messages reach Telegram bunched (issue 14).
        """
        while True:
            ready = max(self._held_until(chat_id), self._chat_free_at.get(chat_id, 0.0))
            if ready - self._monotonic() <= _EPSILON:
                return
            await self._sleep(ready - self._monotonic())

    async def acquire(self, chat_id: int | None = None, *, overall: bool = True) -> None:
        """Wait until one more message (to `chat_id`, or not bound to a chat) keeps every
        limit, and count it. Callers to one chat queue in order; other chats pass them.

        `overall=False` (with a chat) keeps the chat's interval and its 429s but leaves the
        overall budget alone: an edit answering the user's own tap (`bot.delivery.requests`)."""
        if chat_id is None:
            await self._take(None)
            return
        lock = self._chat_locks.setdefault(chat_id, asyncio.Lock())
        async with lock:
            await self._take(chat_id, overall=overall)

    async def _take(self, chat_id: int | None, *, overall: bool = True) -> None:
        while True:
            now = self._monotonic()
            ready = self._held_until(chat_id)
            if chat_id is not None:
                ready = max(ready, self._chat_free_at.get(chat_id, 0.0))
            if ready - now > _EPSILON:
                await self._sleep(ready - now)
                continue
            if not overall:
                at = now
            else:
                # The overall moment is reserved only once the chat is free, so it is always
                # close: a chat that waits does not hold a place in everybody's queue.
                at = await self._reserve(now)
            # A shared reservation is a round trip to the database: only what is left of the
            # wait after it is slept, or every message would leave late by that trip.
            # Float rounding can leave a wait too small to move the clock: that is no wait.
            if (left := at - self._monotonic()) > _EPSILON:
                await self._sleep(left)
            if self._held_until(chat_id) - self._monotonic() > _EPSILON:
                continue  # a 429 came while this caller slept: its moment is gone
            late = self.late_after
            shared = overall and self._shared is not None
            if shared and late is not None and self._monotonic() - at > late:
                # Counted and unused: a gap in the schedule is safe, a late message is not.
                self.forfeited += 1
                continue
            if chat_id is not None:
                # From the moment it really leaves: a caller that woke late is not followed
                # sooner than the interval.
                sent_at = max(at, self._monotonic())
                self._chat_free_at[chat_id] = sent_at + self.chat_interval(chat_id)
            self._prune(now)
            return

    async def _reserve(self, now: float) -> float:
        if self._shared is not None:
            # The wait counts from the answer (`SharedSchedule.reserve`): the clock is read
            # after it, never before, or the message would leave before its moment.
            wait = await self._shared.reserve()
            return self._monotonic() + wait
        at = max(self._sustained.earliest(now), self._peak.earliest(now))
        self._sustained.take(at)
        self._peak.take(at)
        return at

    def _prune(self, now: float) -> None:
        if len(self._chat_free_at) + len(self._chat_paused) <= self._prune_at:
            return
        self._chat_free_at = {c: t for c, t in self._chat_free_at.items() if t > now}
        self._chat_paused = {c: t for c, t in self._chat_paused.items() if t > now}
        self._chat_locks = {c: k for c, k in self._chat_locks.items() if k.locked()}
        # Pruning again only after as many new chats again keeps it linear under a burst.
        self._prune_at = max(PRUNE_AFTER, 2 * (len(self._chat_free_at) + len(self._chat_paused)))

    def remembered_chats(self) -> int:
        """Chats the limiter keeps a moment for: a next free moment or a 429's end."""
        return len(self._chat_free_at.keys() | self._chat_paused.keys())

    @contextmanager
    def counted(self) -> Iterator[None]:
        """The calls made inside were already counted by `acquire` (the reminder tick does so
        before it marks rows `sending`): the request middleware lets them straight through,
        and hands a 429 back to the caller instead of retrying it."""
        token = self._counted.set(True)
        try:
            yield
        finally:
            self._counted.reset(token)

    def is_counted(self) -> bool:
        return self._counted.get()
