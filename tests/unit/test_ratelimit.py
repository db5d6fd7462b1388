"""The rate limiter under a fake monotonic clock: nothing here really sleeps."""

import asyncio
import heapq
from collections import Counter
from itertools import pairwise

import pytest

from bot.reminders.ratelimit import (
    DEFAULT_PEAK,
    DEFAULT_RATE,
    GROUP_INTERVAL,
    PRIVATE_INTERVAL,
    PRUNE_AFTER,
    Limits,
    RateLimiter,
)

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

    assert [round(b - a, 6) for a, b in pairwise(sent)] == [round(PRIVATE_INTERVAL, 6)] * 4


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


async def test_a_rate_below_one_per_second_spaces_every_message(fake_time: FakeTime) -> None:
    sending = limiter(fake_time, rate=0.5, peak=0.5)
    sent = []
    for chat in range(1, 5):
        await sending.acquire(chat)
        sent.append(fake_time.now)

    assert [round(b - a, 6) for a, b in pairwise(sent)] == [2.0] * 3
    assert sent[0] == 1_000.0  # the first goes at once


async def test_chats_past_ten_thousand_that_are_free_again_are_forgotten(
    fake_time: FakeTime,
) -> None:
    sending = limiter(fake_time, rate=1_000_000, peak=1_000_000)
    for chat in range(1, PRUNE_AFTER + 1):
        await sending.acquire(chat)
    assert sending.remembered_chats() == PRUNE_AFTER
    fake_time.now += PRIVATE_INTERVAL + 0.5  # every one of them is free again
    await sending.acquire(PRIVATE_CHAT)  # a busy chat is kept: it must still wait
    before = fake_time.now

    await sending.acquire(PRUNE_AFTER + 1)  # the pruning happens here
    await sending.acquire(PRIVATE_CHAT)

    assert sending.remembered_chats() <= 3
    assert fake_time.now - before == pytest.approx(PRIVATE_INTERVAL, abs=0.01)


async def test_retry_after_on_a_chat_holds_that_chat_only(fake_time: FakeTime) -> None:
    sending = limiter(fake_time)
    sending.pause(5, PRIVATE_CHAT)
    assert sending.paused_for(PRIVATE_CHAT) == pytest.approx(5)
    assert sending.paused_for() == 0

    await sending.acquire(PRIVATE_CHAT + 1)
    assert fake_time.now == pytest.approx(1_000.0)
    await sending.acquire(PRIVATE_CHAT)
    assert fake_time.now == pytest.approx(1_005.0)


async def test_retry_after_is_seen_by_callers_already_waiting(fake_time: FakeTime) -> None:
    """A 429 that comes while a caller sleeps towards its moment holds that caller too."""
    sleeps: list[float] = []
    sending = RateLimiter(monotonic=fake_time.monotonic, sleep=fake_time.sleep)

    async def sleep_and_get_429(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 1:
            sending.pause(10)  # another call's 429 arrives while this one sleeps
        await fake_time.sleep(seconds)

    sending._sleep = sleep_and_get_429
    await sending.acquire(PRIVATE_CHAT)
    await sending.acquire(PRIVATE_CHAT)

    assert fake_time.now >= 1_010.0
    assert sending.paused_for() == 0


async def test_a_group_waits_three_seconds_a_private_chat_one(fake_time: FakeTime) -> None:
    sending = limiter(fake_time)
    await sending.acquire(GROUP_CHAT)
    await sending.acquire(PRIVATE_CHAT)
    start = fake_time.now
    await sending.acquire(PRIVATE_CHAT)
    private_wait = fake_time.now - start
    await sending.acquire(GROUP_CHAT)

    assert private_wait == pytest.approx(PRIVATE_INTERVAL)
    assert fake_time.now - 1_000.0 == pytest.approx(GROUP_INTERVAL)


class VirtualTime:
    """Sleepers park until the test moves the clock to the earliest of them: concurrent
    callers really wait side by side, and nobody sleeps through real time."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + seconds, id(future), future))
        await future

    async def run(self, *tasks: asyncio.Task[None]) -> None:
        while not all(task.done() for task in tasks):
            for _ in range(5):
                await asyncio.sleep(0)
            if self._sleepers:
                self.now, _id, future = heapq.heappop(self._sleepers)
                future.set_result(None)


async def test_a_busy_chat_does_not_hold_up_callers_behind_it() -> None:
    """Five messages to one chat, then one to another: the other goes within the second."""
    time = VirtualTime()
    sending = RateLimiter(monotonic=time.monotonic, sleep=time.sleep)
    sent: dict[int, float] = {}

    async def send(chat: int, key: int) -> None:
        await sending.acquire(chat)
        sent[key] = time.now

    tasks = [asyncio.create_task(send(PRIVATE_CHAT, key)) for key in range(5)]
    tasks.append(asyncio.create_task(send(PRIVATE_CHAT + 1, 5)))
    await time.run(*tasks)

    assert sent[5] < 0.1
    assert [round(sent[k], 6) for k in range(5)] == [
        round(k * PRIVATE_INTERVAL, 6) for k in range(5)
    ]


async def test_scaled_limits_are_faster_alike() -> None:
    limits = Limits().scaled(10)
    assert (limits.rate, limits.peak) == (DEFAULT_RATE * 10, DEFAULT_PEAK * 10)
    assert limits.private_interval == pytest.approx(PRIVATE_INTERVAL / 10)
    assert limits.group_interval == pytest.approx(GROUP_INTERVAL / 10)


async def test_counted_marks_only_the_calls_inside(fake_time: FakeTime) -> None:
    sending = limiter(fake_time)
    assert not sending.is_counted()
    with sending.counted():
        assert sending.is_counted()
    assert not sending.is_counted()


class RecordingTime(FakeTime):
    """FakeTime that also remembers every sleep the limiter asks for."""

    def __init__(self, start: float = 1_000.0) -> None:
        super().__init__()
        self.now = start
        self.sleeps: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def recording(
    clock: RecordingTime, rate: float = DEFAULT_RATE, peak: float = DEFAULT_PEAK
) -> RateLimiter:
    return RateLimiter(rate, peak, monotonic=clock.monotonic, sleep=clock.sleep)


def test_settings_errors_say_what_is_wrong() -> None:
    with pytest.raises(ValueError, match=r"^the rate must be positive and not above the peak$"):
        RateLimiter(30, peak=29)
    with pytest.raises(ValueError, match=r"^a chat's interval cannot be negative$"):
        RateLimiter(private_interval=-1)
    with pytest.raises(ValueError, match=r"^a chat's interval cannot be negative$"):
        RateLimiter(group_interval=-1)


def test_zero_chat_intervals_are_allowed_and_kept() -> None:
    sending = RateLimiter(2.0, 4.0, private_interval=0, group_interval=0)
    assert sending.limits == Limits(2.0, 4.0, 0.0, 0.0)
    assert sending.chat_interval(PRIVATE_CHAT) == 0
    assert sending.chat_interval(GROUP_CHAT) == 0


def test_the_limiter_uses_its_own_chat_intervals() -> None:
    sending = RateLimiter(private_interval=2.5, group_interval=7.5)
    assert sending.chat_interval(PRIVATE_CHAT) == 2.5
    assert sending.chat_interval(GROUP_CHAT) == 7.5


async def test_with_limits_builds_a_limiter_on_the_given_clock() -> None:
    clock = RecordingTime()
    limits = Limits(2.0, 4.0, 0.5, 1.5)
    sending = RateLimiter.with_limits(limits, monotonic=clock.monotonic, sleep=clock.sleep)
    assert sending.limits == limits
    await sending.acquire(PRIVATE_CHAT)
    await sending.acquire(PRIVATE_CHAT)
    assert clock.now == pytest.approx(1_000.5)  # the private interval, on the fake clock
    await sending.acquire(GROUP_CHAT)
    await sending.acquire(GROUP_CHAT)
    assert clock.now == pytest.approx(1_002.25)  # 0.25 s of peak spacing, then 1.5 s


async def test_wait_if_paused_waits_out_a_429_without_counting_a_message() -> None:
    clock = RecordingTime()
    sending = recording(clock)
    await sending.wait_if_paused(PRIVATE_CHAT)
    assert clock.sleeps == []  # nothing to wait for
    sending.pause(3, PRIVATE_CHAT)
    await sending.wait_if_paused(GROUP_CHAT)
    assert clock.sleeps == []  # another chat's 429
    await sending.wait_if_paused(PRIVATE_CHAT)
    assert clock.sleeps == [pytest.approx(3)]
    await sending.acquire(PRIVATE_CHAT)  # no message was counted: it goes at once
    assert clock.sleeps == [pytest.approx(3)]


async def test_is_counted_is_false_outside_not_none() -> None:
    sending = RateLimiter()
    assert sending.is_counted() is False


async def test_a_shorter_429_does_not_shorten_a_longer_one() -> None:
    clock = RecordingTime()
    sending = recording(clock)
    sending.pause(5, PRIVATE_CHAT)
    sending.pause(1, PRIVATE_CHAT)
    assert sending.paused_for(PRIVATE_CHAT) == pytest.approx(5)


async def test_a_429_just_after_the_clock_starts_holds_only_its_seconds() -> None:
    clock = RecordingTime(start=0.0)  # a monotonic clock can be near zero after boot
    sending = recording(clock)
    sending.pause(0.5, PRIVATE_CHAT)
    assert sending.paused_for(PRIVATE_CHAT) == pytest.approx(0.5)


async def test_the_first_message_does_not_sleep_at_all() -> None:
    clock = RecordingTime()
    sending = recording(clock)
    await sending.acquire(PRIVATE_CHAT)
    assert clock.sleeps == []


async def test_a_429_on_a_chat_is_one_sleep_not_a_spin_through_the_budget() -> None:
    clock = RecordingTime()
    sending = recording(clock)
    sending.pause(5, PRIVATE_CHAT)
    await sending.acquire(PRIVATE_CHAT)
    assert clock.sleeps == [pytest.approx(5)]  # one wait, not a slot of the budget after another


async def test_a_wait_within_the_rounding_margin_is_no_wait() -> None:
    clock = RecordingTime(start=0.0)
    sending = recording(clock)
    sending.pause(1e-6, PRIVATE_CHAT)  # exactly the margin: float noise, not a wait
    await sending.acquire(PRIVATE_CHAT)
    assert clock.sleeps == []


async def test_a_429_on_the_chat_while_waiting_for_the_moment_holds_that_caller() -> None:
    clock = RecordingTime()
    sending = recording(clock)

    async def sleep_and_get_429(seconds: float) -> None:
        clock.sleeps.append(seconds)
        if len(clock.sleeps) == 1:
            sending.pause(10, PRIVATE_CHAT)  # the chat's 429 arrives while this one sleeps
        clock.now += seconds

    sending._sleep = sleep_and_get_429
    await sending.acquire(GROUP_CHAT)  # takes the peak's moment: the next caller must wait
    await sending.acquire(PRIVATE_CHAT)
    assert clock.now >= 1_010.0  # this very call waited out the 429


async def test_pruning_counts_paused_chats_and_waits_for_twice_what_it_kept() -> None:
    clock = RecordingTime()
    sending = recording(clock, rate=1_000.0, peak=1_000.0)
    first = range(1, PRUNE_AFTER + 2)
    for chat in first:  # 10,001 chats held by a 429 until 1,100
        sending.pause(100, chat)
    await sending.acquire(1_000_001)  # 10,002 chats: pruned, every one still held
    assert sending.remembered_chats() == PRUNE_AFTER + 2

    clock.now = 1_050.0
    await sending.acquire(1_000_002)  # 10,003: not pruned again before twice 10,002
    assert sending.remembered_chats() == PRUNE_AFTER + 3

    clock.now = 1_100.0  # the first 429s end now
    for chat in range(2_000_001, 2_000_001 + PRUNE_AFTER + 1):
        sending.pause(100, chat)
    await sending.acquire(1_000_003)  # 20,005 > 20,004: pruned; ended 429s are forgotten
    assert sending.remembered_chats() == PRUNE_AFTER + 2  # the new 429s and this chat


async def test_an_overall_wait_within_the_rounding_margin_is_no_wait() -> None:
    clock = RecordingTime(start=0.0)
    sending = recording(clock, rate=1_000_000.0, peak=1_000_000.0)
    await sending.acquire(1)
    await sending.acquire(2)  # the next moment is exactly 1e-6 s away: float noise
    assert clock.sleeps == []


async def test_a_chat_free_again_at_the_very_moment_of_pruning_is_forgotten() -> None:
    clock = RecordingTime(start=0.0)
    sending = recording(clock)
    await sending.acquire(1)  # chat 1 is free again after PRIVATE_INTERVAL
    for chat in range(1_001, 1_001 + PRUNE_AFTER + 1):
        sending.pause(100, chat)
    clock.now = PRIVATE_INTERVAL
    await sending.acquire(2)  # 10,003 chats: pruned when chat 1 is free again
    assert sending.remembered_chats() == PRUNE_AFTER + 2  # the 429s and chat 2


class FakeSharedSchedule:
    """The budget other processes share, as the limiter sees it: a fixed wait per message."""

    def __init__(self, wait: float) -> None:
        self.wait = wait
        self.reserved = 0
        self.holds: list[float] = []

    async def reserve(self, hold_for: float = 0.0) -> float:
        self.reserved += 1
        return self.wait

    async def hold(self, seconds: float) -> None:
        self.holds.append(seconds)


async def test_a_hold_on_a_chat_holds_that_chat_only() -> None:
    clock = RecordingTime()
    sending = recording(clock)
    await sending.hold(4, PRIVATE_CHAT)
    assert sending.paused_for(PRIVATE_CHAT) == pytest.approx(4)
    assert sending.paused_for(GROUP_CHAT) == 0
    assert sending.paused_for() == 0
    await sending.hold(2)  # without a chat: everything, also without a shared budget
    assert sending.paused_for(GROUP_CHAT) == pytest.approx(2)
    assert sending.paused_for() == pytest.approx(2)


async def test_with_limits_keeps_the_shared_budget() -> None:
    clock = RecordingTime()
    shared = FakeSharedSchedule(wait=0.75)
    sending = RateLimiter.with_limits(
        Limits(), monotonic=clock.monotonic, sleep=clock.sleep, shared=shared
    )
    await sending.acquire(PRIVATE_CHAT)
    assert shared.reserved == 1
    assert clock.sleeps == [pytest.approx(0.75)]  # the wait the shared budget gave, not less
    await sending.hold(3)
    assert shared.holds == [3]


async def test_waiting_out_a_429_within_the_rounding_margin_is_no_wait() -> None:
    clock = RecordingTime(start=0.0)
    sending = recording(clock)
    sending.pause(1e-6, PRIVATE_CHAT)  # exactly the margin: float noise, not a wait
    await sending.wait_if_paused(PRIVATE_CHAT)
    assert clock.sleeps == []


async def test_a_chat_only_message_reserves_nothing_shared_and_keeps_the_interval() -> None:
    """An edit answering a tap (bot.delivery.requests): its chat's interval and 429s only."""
    clock = RecordingTime()
    shared = FakeSharedSchedule(wait=5.0)
    sending = RateLimiter.with_limits(
        Limits(), monotonic=clock.monotonic, sleep=clock.sleep, shared=shared
    )
    start = clock.monotonic()
    await sending.acquire(PRIVATE_CHAT, overall=False)
    await sending.acquire(GROUP_CHAT, overall=False)
    assert shared.reserved == 0
    assert clock.monotonic() == start  # neither waited for the shared budget's 5 s

    await sending.acquire(PRIVATE_CHAT, overall=False)
    assert clock.monotonic() == pytest.approx(start + PRIVATE_INTERVAL)
    # The group's interval (3.3 s) ends sooner than the 429 told now: the 429 is waited out.
    sending.pause(3, GROUP_CHAT)
    await sending.acquire(GROUP_CHAT, overall=False)
    assert clock.monotonic() - start == pytest.approx(PRIVATE_INTERVAL + 3)
    await sending.acquire(GROUP_CHAT, overall=False)
    assert clock.monotonic() - start == pytest.approx(PRIVATE_INTERVAL + 3 + GROUP_INTERVAL)
    assert shared.reserved == 0
