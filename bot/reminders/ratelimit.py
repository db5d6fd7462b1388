"""Keeping under Telegram's sending limits: one limiter per bot process.

https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this: about 30
messages per second overall, one per second in a private chat, 20 per minute in a group.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable

DEFAULT_RATE = 28.0
"""Messages per second overall, sustained: under Telegram's 30, with a margin."""
DEFAULT_PEAK = 29.0
"""The fastest the bot ever sends, catching up after a pause: never 31 in any second."""
PRIVATE_INTERVAL = 1.0
GROUP_INTERVAL = 60.0 / 20
_EPSILON = 1e-6


class _Bucket:
    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.updated = now

    def wait(self, now: float) -> float:
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        return max(0.0, (1 - self.tokens) / self.rate)


def chat_interval(chat_id: int) -> float:
    """Group and channel ids are negative; users' private chats have their positive id."""
    return GROUP_INTERVAL if chat_id < 0 else PRIVATE_INTERVAL


class RateLimiter:
    """`rate` messages per second on average, never faster than `peak`, and a minimum interval
    per chat.

    Two token buckets: the sustained one holds up to a second's worth of messages, so a pause
    in sending (claiming the next rows, a database checkpoint) is caught up afterwards instead
    of lost; the peak one (one message deep) keeps the catching up under Telegram's limit.
    `monotonic` and `sleep` are injectable, so tests move a fake clock instead of waiting.
    """

    def __init__(
        self,
        rate: float = DEFAULT_RATE,
        peak: float = DEFAULT_PEAK,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if not 0 < rate <= peak:
            raise ValueError("the rate must be positive and not above the peak")
        now = monotonic()
        self._sustained = _Bucket(rate, rate, now)
        self._peak = _Bucket(peak, 1.0, now)
        self._monotonic = monotonic
        self._sleep = sleep
        self._paused_until = 0.0
        self._chat_free_at: dict[int, float] = {}
        self._lock = asyncio.Lock()

    def monotonic(self) -> float:
        return self._monotonic()

    def pause(self, seconds: float) -> None:
        """Send nothing for `seconds` (Telegram answered 429 with `retry_after`)."""
        self._paused_until = max(self._paused_until, self._monotonic() + seconds)

    def paused_for(self) -> float:
        return max(0.0, self._paused_until - self._monotonic())

    def _wait_time(self, chat_id: int, now: float) -> float:
        wait = max(
            self._paused_until - now,
            self._chat_free_at.get(chat_id, 0.0) - now,
            self._sustained.wait(now),
            self._peak.wait(now),
        )
        # Float rounding can leave a wait too small to move the clock: that is no wait.
        return wait if wait > _EPSILON else 0.0

    async def acquire(self, chat_id: int) -> None:
        """Wait until one more message to `chat_id` keeps every limit, and count it."""
        async with self._lock:
            while (wait := self._wait_time(chat_id, self._monotonic())) > 0:
                await self._sleep(wait)
            now = self._monotonic()
            self._sustained.tokens -= 1
            self._peak.tokens -= 1
            self._chat_free_at[chat_id] = now + chat_interval(chat_id)
            if len(self._chat_free_at) > 10_000:
                self._chat_free_at = {c: t for c, t in self._chat_free_at.items() if t > now}
