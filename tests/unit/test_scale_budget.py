"""One sending budget for every process of the bot token (issue 14): the arithmetic, the row
that several processes share (SQLite and PostgreSQL: `engine` is parametrised), and the
limiter drawing on it. Clocks are the tests': nothing sleeps."""

import itertools

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool

from bot.reminders.ratelimit import (
    DEFAULT_PEAK,
    LATE_AFTER,
    PRIVATE_INTERVAL,
    Limits,
    RateLimiter,
)
from bot.scale.budget import (
    DEFAULT_LIMITS,
    SHARED_RATE,
    BudgetState,
    SharedBudget,
    reserve_moment,
)

START = 1_764_950_400.0
TELEGRAM_PER_SECOND = 30


class WallClock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


def most_in_any_second(moments: list[float]) -> int:
    # At the peak the 30th message leaves a second after the first: a microsecond of float
    # rounding at epoch magnitudes must not count it in the first one's second.
    width = 1.0 - 1e-5
    return max(sum(1 for t in moments if start <= t < start + width) for start in moments)


def burst(
    count: int, now: float, state: BudgetState, limits: Limits = DEFAULT_LIMITS
) -> tuple[list[float], BudgetState]:
    moments = []
    for _ in range(count):
        at, state = reserve_moment(state, now, limits)
        moments.append(at)
    return moments, state


def test_a_burst_leaves_one_message_every_28_5th_of_a_second() -> None:
    moments, _state = burst(200, START, BudgetState(START, START))
    assert moments[0] == START
    gaps = [b - a for a, b in itertools.pairwise(moments)]
    assert min(gaps) >= 1 / SHARED_RATE - 1e-6  # epoch seconds in a float: microseconds
    assert most_in_any_second(moments) == 29  # one of Telegram's 30 left for lateness
    assert moments[-1] - START == pytest.approx(199 / SHARED_RATE, abs=1e-4)


def test_no_moment_is_sooner_than_the_lead() -> None:
    at, state = reserve_moment(BudgetState(START, START), START, DEFAULT_LIMITS, lead=0.15)
    assert at == START + 0.15
    later, _state = reserve_moment(state, START, DEFAULT_LIMITS, lead=0.15)
    assert later == pytest.approx(START + 0.15 + 1 / SHARED_RATE)


def test_with_a_higher_peak_a_pause_is_caught_up_but_never_thirty_in_a_second() -> None:
    limits = Limits()  # the in-process limiter's: 28 sustained, catching up at 29
    moments, state = burst(28, START, BudgetState(START, START), limits)
    later, _state = burst(60, START + 10.0, state, limits)  # ten idle seconds, then a burst
    assert later[28] - later[0] == pytest.approx(28 / DEFAULT_PEAK, abs=1e-4)
    assert later[0] == START + 10.0
    assert most_in_any_second(moments + later) < TELEGRAM_PER_SECOND


def test_a_hold_delays_every_reservation_until_it_ends() -> None:
    state = BudgetState(START, START)
    at, state = reserve_moment(state, START, Limits(), hold_until=START + 5.0)
    assert at == START + 5.0
    at, state = reserve_moment(state, START + 1.0, Limits())
    assert at >= START + 5.0
    assert state.held_until == START + 5.0


async def test_two_processes_draw_on_one_budget(engine: AsyncEngine) -> None:
    clock = WallClock()
    # Two budgets over one database stand for two sender processes.
    first = SharedBudget(engine, clock=clock)
    second = SharedBudget(engine, clock=clock)
    waits = []
    for _ in range(30):
        waits.append(await first.reserve())
        waits.append(await second.reserve())
    moments = [START + wait for wait in waits]
    assert waits[0] == 0.0
    assert moments == sorted(moments)
    assert most_in_any_second(moments) < TELEGRAM_PER_SECOND


async def test_a_retry_after_told_to_one_process_holds_the_other(engine: AsyncEngine) -> None:
    clock = WallClock()
    first = SharedBudget(engine, clock=clock)
    second = SharedBudget(engine, clock=clock)
    assert await first.reserve() == 0.0
    await first.hold(3.0)
    clock.now += 1.0
    assert abs(await second.reserve() - 2.0) < 1e-6


class RecordingSchedule:
    def __init__(self, wait: float) -> None:
        self.wait = wait
        self.reserved = 0
        self.holds: list[float] = []

    async def reserve(self, hold_for: float = 0.0) -> float:
        self.reserved += 1
        return self.wait

    async def hold(self, seconds: float) -> None:
        self.holds.append(seconds)


class FakeTime:
    def __init__(self) -> None:
        self.now = 1_000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


async def test_the_limiter_waits_as_long_as_the_shared_budget_says() -> None:
    time = FakeTime()
    shared = RecordingSchedule(wait=0.5)
    limiter = RateLimiter(monotonic=time.monotonic, sleep=time.sleep, shared=shared)
    await limiter.acquire(42)
    await limiter.acquire(43)
    assert shared.reserved == 2
    assert time.slept == [0.5, 0.5]


async def test_the_limiter_still_keeps_a_chats_interval_itself() -> None:
    time = FakeTime()
    limiter = RateLimiter(monotonic=time.monotonic, sleep=time.sleep, shared=RecordingSchedule(0))
    await limiter.acquire(42)
    await limiter.acquire(42)
    # A private chat's interval (a second and a tenth) between two messages to it.
    assert time.now == pytest.approx(1_000.0 + PRIVATE_INTERVAL)


async def test_only_a_hold_of_the_whole_bot_is_shared() -> None:
    time = FakeTime()
    shared = RecordingSchedule(wait=0.0)
    limiter = RateLimiter(monotonic=time.monotonic, sleep=time.sleep, shared=shared)
    await limiter.hold(2.0, chat_id=42)
    assert shared.holds == []
    await limiter.hold(3.0)
    assert shared.holds == [3.0]
    assert limiter.paused_for() == 3.0


async def test_the_database_reserves_the_moments_the_arithmetic_gives(engine: AsyncEngine) -> None:
    clock = WallClock()
    budget = SharedBudget(engine, clock=clock)
    expected, _state = burst(40, START, BudgetState(START, START))
    waits = [await budget.reserve() for _ in range(40)]
    assert [round(START + wait, 5) for wait in waits] == [round(at, 5) for at in expected]


class SlowSchedule(RecordingSchedule):
    """A reservation that takes `trip` seconds of the fake clock, like a database round trip."""

    def __init__(self, wait: float, time: FakeTime, trip: float) -> None:
        super().__init__(wait)
        self.time = time
        self.trip = trip

    async def reserve(self, hold_for: float = 0.0) -> float:
        self.time.now += self.trip
        return await super().reserve(hold_for)


async def test_the_wait_counts_from_the_answer_not_from_the_question() -> None:
    # The shared wait is what is left once the answer is back (the budget subtracts its own
    # round trip): counted from before the trip, the message left 0.1 s before its moment.
    time = FakeTime()
    limiter = RateLimiter(
        monotonic=time.monotonic, sleep=time.sleep, shared=SlowSchedule(0.5, time, trip=0.1)
    )
    await limiter.acquire(42)
    assert time.slept == [pytest.approx(0.5)]
    assert time.now == pytest.approx(1_000.6)
    assert limiter.forfeited == 0


class TickingClock(WallClock):
    """Each reading is `step` later than the one before: the time a reservation takes."""

    def __init__(self, step: float) -> None:
        super().__init__()
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now - self.step


async def test_the_budget_subtracts_its_own_round_trip(engine: AsyncEngine) -> None:
    # Read before the UPDATE, START; after it, START + 0.1 (the lock, the round trip): the
    # moment is START + the lead, so 0.05 s are left, not the 0.15 the statement saw.
    clock = TickingClock(step=0.1)
    budget = SharedBudget(engine, clock=clock, lead=0.15)
    assert await budget.reserve() == pytest.approx(0.05, abs=1e-5)
    # The second statement reads START + 0.2, so its lead ends at START + 0.35, after the
    # peak's START + 0.15 + 1/28.5; the answer is back at START + 0.3.
    assert await budget.reserve() == pytest.approx(0.05, abs=1e-5)


async def test_a_moment_reached_late_is_given_up_and_another_reserved() -> None:
    time = FakeTime()
    shared = RecordingSchedule(wait=0.5)
    woke_late = [0.05]

    async def oversleep(seconds: float) -> None:
        await time.sleep(seconds + (woke_late.pop() if woke_late else 0.0))

    limiter = RateLimiter(
        monotonic=time.monotonic, sleep=oversleep, shared=shared, late_after=LATE_AFTER
    )
    await limiter.acquire(42)
    assert (shared.reserved, limiter.forfeited) == (2, 1)
    assert time.now == pytest.approx(1_000.0 + 0.55 + 0.5)


async def test_waiting_for_a_chat_counts_no_message() -> None:
    time = FakeTime()
    shared = RecordingSchedule(wait=0.0)
    limiter = RateLimiter(monotonic=time.monotonic, sleep=time.sleep, shared=shared)
    await limiter.acquire(42)
    await limiter.wait_for_chat(42)
    await limiter.wait_for_chat(43)
    # The private chat's interval, and nothing for a new chat.
    assert time.now == pytest.approx(1_000.0 + PRIVATE_INTERVAL)
    assert shared.reserved == 1


async def test_a_kept_connection_reserves_the_same_moments_and_is_given_back(
    engine: AsyncEngine,
) -> None:
    clock = WallClock()
    budget = SharedBudget(engine, clock=clock, keep_connection=True)
    expected, _state = burst(5, START, BudgetState(START, START))
    waits = [await budget.reserve() for _ in range(5)]
    assert [round(START + wait, 5) for wait in waits] == [round(at, 5) for at in expected]
    pool = engine.pool
    assert isinstance(pool, QueuePool)
    assert pool.checkedout() == 1  # one connection for every reservation
    await budget.close()
    assert pool.checkedout() == 0
    later, _state = burst(6, START, BudgetState(START, START))
    assert round(START + await budget.reserve(), 5) == round(later[5], 5)  # opened again
    await budget.close()
