"""The rate limiter under a fake monotonic clock: nothing here really sleeps."""

import asyncio
from collections import Counter
from itertools import pairwise

import pytest

from bot.reminders.ratelimit import DEFAULT_PEAK, DEFAULT_RATE, RateLimiter

TELEGRAM_OVERALL_PER_SECOND = 30
GROUP_PER_MINUTE = 20
GROUP_CHAT = -100_123
PRIVATE_CHAT = 42


class FakeTime:
    """A monotonic clock that moves only when the limiter sleeps (or the test says so)."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


def limiter(
    fake_time: FakeTime, rate: float = DEFAULT_RATE, peak: float = DEFAULT_PEAK
) -> RateLimiter:
    return RateLimiter(rate, peak, monotonic=fake_time.monotonic, sleep=fake_time.sleep)


def most_in_any_window(times: list[float], width: float) -> int:
    return max(sum(1 for t in times if start <= t < start + width) for start in times)


def rate_of(times: list[float]) -> float:
    return (len(times) - 1) / (times[-1] - times[0])


async def send_to_new_chats(sending: RateLimiter, fake_time: FakeTime, count: int) -> list[float]:
    """Each message to its own chat: only the overall limit applies."""
    sent = []
    for chat in range(1, count + 1):
        await sending.acquire(chat)
        sent.append(fake_time.now)
    return sent


async def test_overall_rate_is_28_and_never_over_telegrams_30(fake_time: FakeTime) -> None:
    sent = await send_to_new_chats(limiter(fake_time), fake_time, 3000)

    assert most_in_any_window(sent[:900], 1.0) <= TELEGRAM_OVERALL_PER_SECOND
    assert rate_of(sent[:800]) == pytest.approx(DEFAULT_PEAK, rel=0.01)  # a second's credit
    assert rate_of(sent[-1000:]) == pytest.approx(DEFAULT_RATE)


async def test_a_pause_in_sending_is_caught_up_within_the_limit(fake_time: FakeTime) -> None:
    sending = limiter(fake_time)
    await send_to_new_chats(sending, fake_time, 1000)  # the initial credit is used up
    start = fake_time.now
    sent = []

    for chat in range(2000, 2600):
        if chat == 2100:
            fake_time.now += 0.3  # claiming the next rows, a database checkpoint
        await sending.acquire(chat)
        sent.append(fake_time.now)

    assert most_in_any_window(sent, 1.0) <= TELEGRAM_OVERALL_PER_SECOND
    assert len(sent) / (sent[-1] - start) >= DEFAULT_RATE


async def test_without_credit_a_pause_is_lost(fake_time: FakeTime) -> None:
    """What the sustained bucket's credit is for: a limiter as fast as its peak cannot catch up."""
    sending = limiter(fake_time, peak=DEFAULT_RATE)
    await send_to_new_chats(sending, fake_time, 1000)
    start = fake_time.now
    sent = []
    for chat in range(2000, 2280):
        if chat == 2100:
            fake_time.now += 0.3
        await sending.acquire(chat)
        sent.append(fake_time.now)

    assert len(sent) / (sent[-1] - start) < DEFAULT_RATE * 0.99


async def test_one_message_per_second_in_a_private_chat(fake_time: FakeTime) -> None:
    sending = limiter(fake_time)
    sent = []
    for _ in range(5):
        await sending.acquire(PRIVATE_CHAT)
        sent.append(fake_time.now)

    assert [round(b - a, 6) for a, b in pairwise(sent)] == [1.0] * 4


async def test_twenty_per_minute_in_a_group(fake_time: FakeTime) -> None:
    sending = limiter(fake_time)
    sent = []
    for _ in range(45):
        await sending.acquire(GROUP_CHAT)
        sent.append(fake_time.now)

    assert most_in_any_window(sent, 60.0) <= GROUP_PER_MINUTE


async def test_other_chats_do_not_wait_for_a_busy_one(fake_time: FakeTime) -> None:
    sending = limiter(fake_time)
    await sending.acquire(PRIVATE_CHAT)
    before = fake_time.now

    await sending.acquire(PRIVATE_CHAT + 1)

    assert fake_time.now - before < 0.1


async def test_pause_holds_every_send_for_retry_after(fake_time: FakeTime) -> None:
    sending = limiter(fake_time)
    sending.pause(7)
    assert sending.paused_for() == pytest.approx(7)

    await sending.acquire(PRIVATE_CHAT)

    assert fake_time.now >= 1_007.0
    assert sending.paused_for() == 0


async def test_concurrent_callers_share_the_budget(fake_time: FakeTime) -> None:
    sending = limiter(fake_time, rate=10, peak=10)
    sent: Counter[int] = Counter()

    async def send(chat: int) -> None:
        await sending.acquire(chat)
        sent[int(fake_time.now)] += 1

    await asyncio.gather(*(send(chat) for chat in range(1, 51)))

    assert max(sent.values()) <= 10
    assert fake_time.now - 1_000.0 == pytest.approx(4.9)


def test_nonsense_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="rate"):
        RateLimiter(0)
    with pytest.raises(ValueError, match="peak"):
        RateLimiter(30, peak=29)
