"""Reminder scheduling and delivery against a real database (SQLite and PostgreSQL).

The bot is a stub here (`delivery_support.StubBot`); tests/e2e/test_reminders.py runs the same
tick through aiogram and the fake Bot API server.
"""

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from conftest import PostgresCluster
from delivery_support import (
    LOST,
    FakeTime,
    Sent,
    StubBot,
    bad_gateway_html,
    chat_not_found,
    connection_refused,
    forbidden,
    server_error,
    too_many_requests,
)
from services_support import join, load, snapshot
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.delivery.tick import DeliverySettings, TickReport, run_tick
from bot.i18n import create_i18n
from bot.reminders.calendar import working_calendar
from bot.reminders.policy import DEFAULT_SETTINGS, ReminderKind, plan_reminders
from bot.services.assignments import confirm
from bot.services.errors import NotFound
from bot.services.members import get_user
from bot.services.plans import sync_plan
from bot.services.reminders import (
    DateNotSettable,
    DateRefusal,
    apply_release,
    claim_deliveries,
    mark_sending,
    plan_release,
    renew_claims,
    schedule_reminders,
    set_external_date,
    stop_user,
    upcoming_for_user,
)
from bot.services.units import list_units
from bot.terms import Window
from bot.transport.telegram import TelegramOutbound
from storage.engine import create_engine, session_factory
from storage.migrate import upgrade
from storage.models import AssignmentRow, TaskRow, WindowRow
from storage.models_reminders import OutboxRow, ReminderRow

PLAN_ID = "delivery-plan"
BARNAUL = ZoneInfo("Asia/Barnaul")  # UTC+7: 09:00 there is 02:00 UTC
SCHEDULED_AT = datetime(2023, 10, 2, 9, 0, tzinfo=UTC)
POLOSINA, RYAZANOV, RCOI = "Полосина Н.В.", "Рязанов М.А.", "РЦОИ"
MEMBER, COLLEAGUE, OTHER = 5001, 5003, 5002
ADMIN_ID = 1000
MAX_ATTEMPTS = 3
I18N = create_i18n("ru")
SETTINGS = DeliverySettings(admin_ids=frozenset({ADMIN_ID}), max_attempts=MAX_ATTEMPTS)

PLAN_YAML = f"""\
id: {PLAN_ID}
title: План мероприятий
authority: Министерство
order: {{number: "1", date: 2023-10-02}}
region: Алтайский край
timezone: Asia/Barnaul
school_year: 2023/24
directory:
  people:
    - name: {POLOSINA}
    - name: {RYAZANOV}
  organisations:
    - {{name: {RCOI}, kind: single}}
sections:
  - code: "1"
    title: Раздел
    measures:
      - {{code: "1.1", title: Совещание руководителей, term: до 20.10.2023,
          responsible: {POLOSINA}}}
      - {{code: "1.2", title: Обучение экспертов, term: ноябрь 2023, responsible: {POLOSINA}}}
      - {{code: "1.3", title: Мониторинг, term: в течение учебного года, responsible: {RYAZANOV}}}
      - {{code: "1.4", title: Тренировочное тестирование, term: по графику ФЦТ,
          responsible: {POLOSINA}}}
      - {{code: "1.5", title: Отчёт, term: ежемесячно до 25 числа, responsible: {RCOI}}}
"""


def local_nine(day: date) -> datetime:
    """09:00 in Barnaul on `day`, as a UTC moment."""
    return datetime(day.year, day.month, day.day, 9, tzinfo=BARNAUL).astimezone(UTC)


BEFORE_14 = local_nine(date(2023, 10, 6))
BEFORE_3 = local_nine(date(2023, 10, 17))
DUE_DAY = local_nine(date(2023, 10, 20))


@dataclass
class World:
    sessions: async_sessionmaker[AsyncSession]
    units: dict[str, int]
    time: FakeTime
    bot: StubBot

    def __post_init__(self) -> None:
        self.limiter = self.time.limiter()

    async def tick(
        self,
        at: datetime,
        *,
        worker: str = "worker-1",
        dry_run: bool = False,
        bot: StubBot | None = None,
        settings: DeliverySettings = SETTINGS,
    ) -> TickReport:
        # The limiter's clock keeps pace with the ticks, as the real one does between them.
        self.time.now = max(self.time.now, at.timestamp())
        return await run_tick(
            self.sessions,
            TelegramOutbound(bot or self.bot),
            at,
            worker_id=worker,
            limiter=self.limiter,
            settings=settings,
            i18n=I18N,
            dry_run=dry_run,
        )

    async def join(self, unit: str, user_id: int) -> None:
        async with self.sessions() as session:
            await join(session, self.units[unit], user_id, SCHEDULED_AT)

    async def assignment(self, code: str, seq: int = 0) -> int:
        async with self.sessions() as session:
            found = await session.scalar(
                select(AssignmentRow.id)
                .join(WindowRow, WindowRow.id == AssignmentRow.window_id)
                .join(TaskRow, TaskRow.id == WindowRow.task_id)
                .where(TaskRow.code == code, WindowRow.seq == seq)
            )
        assert found is not None, code
        return found

    async def reminders(self, code: str) -> list[tuple[ReminderKind, int, datetime, str]]:
        async with self.sessions() as session:
            rows = await session.execute(
                select(
                    ReminderRow.kind, ReminderRow.sequence, ReminderRow.due_at, ReminderRow.status
                )
                .join(AssignmentRow, AssignmentRow.id == ReminderRow.assignment_id)
                .join(WindowRow, WindowRow.id == AssignmentRow.window_id)
                .join(TaskRow, TaskRow.id == WindowRow.task_id)
                .where(TaskRow.code == code)
                .order_by(ReminderRow.due_at)
            )
            return [(kind, seq, at, str(status)) for kind, seq, at, status in rows]

    async def outbox(self) -> list[OutboxRow]:
        async with self.sessions() as session:
            return list(await session.scalars(select(OutboxRow).order_by(OutboxRow.id)))


async def make_world(engine: AsyncEngine, at: datetime = SCHEDULED_AT) -> World:
    sessions = session_factory(engine)
    async with sessions() as session:
        await sync_plan(session, load(PLAN_YAML), at)
        await schedule_reminders(session, PLAN_ID, at)
        units = {unit.name: unit.id for unit in await list_units(session, PLAN_ID)}
    return World(sessions, units, FakeTime(), StubBot())


@pytest.fixture
async def world(engine: AsyncEngine) -> World:
    return await make_world(engine)


# ------------------------------------------------------------------------------ scheduling


async def test_schedule_writes_the_policys_reminders_in_the_plans_zone_once(
    world: World,
) -> None:
    expected = [
        (r.kind, r.sequence, r.at)
        for r in plan_reminders(
            Window(None, date(2023, 10, 20)), BARNAUL, DEFAULT_SETTINGS, working_calendar([2023])
        )
    ]

    written = [(kind, seq, at) for kind, seq, at, _status in await world.reminders("1.1")]

    assert written == expected
    assert (ReminderKind.BEFORE, 3, datetime(2023, 10, 17, 2, 0, tzinfo=UTC)) in written
    async with world.sessions() as session:
        again = await schedule_reminders(session, PLAN_ID, SCHEDULED_AT + timedelta(hours=1))
    assert (again.created, again.moved, again.cancelled) == (0, 0, 0)


async def test_a_late_schedule_writes_only_the_latest_past_overdue_nudge(
    engine: AsyncEngine,
) -> None:
    late = datetime(2023, 10, 26, 5, 0, tzinfo=UTC)  # after the deadline and the first nudge

    world = await make_world(engine, late)

    written = await world.reminders("1.1")
    assert [(kind, seq) for kind, seq, _at, _status in written] == [
        (ReminderKind.OVERDUE, 1),
        (ReminderKind.OVERDUE, 2),
        (ReminderKind.OVERDUE, 3),
    ]
    assert written[0][2] < late < written[1][2]


async def test_ongoing_measures_get_monthly_status_checks_instead(world: World) -> None:
    written = await world.reminders("1.3")

    assert {kind for kind, _seq, _at, _status in written} == {ReminderKind.STATUS_CHECK}
    assert [seq for _kind, seq, _at, _status in written][:2] == [202310, 202311]


async def test_a_recurring_term_has_one_deadline_per_occurrence(world: World) -> None:
    async with world.sessions() as session:
        deadlines = set(
            await session.scalars(
                select(ReminderRow.deadline)
                .join(AssignmentRow, AssignmentRow.id == ReminderRow.assignment_id)
                .join(WindowRow, WindowRow.id == AssignmentRow.window_id)
                .join(TaskRow, TaskRow.id == WindowRow.task_id)
                .where(TaskRow.code == "1.5")
            )
        )

    assert {date(2023, 10, 25), date(2023, 11, 25), date(2024, 5, 25)} <= deadlines


async def test_an_external_term_is_reminded_once_an_admin_dates_it(world: World) -> None:
    assert await world.reminders("1.4") == []

    async with world.sessions() as session:
        outcome = await set_external_date(session, "1.4", date(2023, 11, 10), SCHEDULED_AT)

    assert outcome.windows_changed
    written = await world.reminders("1.4")
    assert outcome.reminders.created == len(written) > 0
    assert (ReminderKind.DUE, 0, local_nine(date(2023, 11, 10)), "pending") in written
    async with world.sessions() as session:
        with pytest.raises(DateNotSettable) as refused:
            await set_external_date(session, "1.1", date(2023, 11, 10), SCHEDULED_AT)
        assert refused.value.reason is DateRefusal.OWN_DATES
        with pytest.raises(NotFound):
            await set_external_date(session, "9.9", date(2023, 11, 10), SCHEDULED_AT)


async def test_a_moved_deadline_moves_its_pending_reminders(world: World) -> None:
    moved = PLAN_YAML.replace("term: до 20.10.2023", "term: до 27.10.2023")
    async with world.sessions() as session:
        await sync_plan(session, load(moved), SCHEDULED_AT)
        report = await schedule_reminders(session, PLAN_ID, SCHEDULED_AT)

    written = await world.reminders("1.1")
    pending = {at for _k, _s, at, status in written if status == "pending"}
    assert report.cancelled > 0
    assert local_nine(date(2023, 10, 27)) in pending
    assert DUE_DAY not in pending


async def test_upcoming_lists_the_members_reminders_in_time_order(world: World) -> None:
    await world.join(POLOSINA, MEMBER)

    async with world.sessions() as session:
        items = await upcoming_for_user(
            session, MEMBER, SCHEDULED_AT, SCHEDULED_AT + timedelta(days=18)
        )

    assert [(i.task_code, i.kind, i.due_at) for i in items] == [
        ("1.1", ReminderKind.BEFORE, BEFORE_14),
        ("1.1", ReminderKind.BEFORE, BEFORE_3),
        ("1.1", ReminderKind.BEFORE, local_nine(date(2023, 10, 19))),
        ("1.1", ReminderKind.DUE, DUE_DAY),
    ]


# -------------------------------------------------------------------------------- delivery


async def test_a_due_reminder_arrives_once_as_a_digest_with_a_done_button(world: World) -> None:
    await world.join(POLOSINA, MEMBER)
    assert (await world.tick(BEFORE_14)).messages == 1
    assert (await world.tick(BEFORE_3 - timedelta(minutes=1))).messages == 0

    report = await world.tick(BEFORE_3)
    again = await world.tick(BEFORE_3 + timedelta(minutes=1))

    [_fourteen_days, message] = world.bot.messages
    assert message.chat_id == MEMBER
    assert "<b>1.1</b> Совещание руководителей" in message.text
    assert "осталось 3 дня" in message.text
    assert message.reply_markup is not None
    [[button]] = message.reply_markup.inline_keyboard
    assert button.text == "✅ Выполнено: 1.1"
    assert button.callback_data == f"a1:d:{await world.assignment('1.1')}:-1"
    assert (report.released, report.messages, report.delivered) == (1, 1, 1)
    assert again.messages == 0
    [_first, row] = await world.outbox()
    assert (row.status, row.message_id, row.sent_at) == ("sent", 2, BEFORE_3)


async def test_every_active_member_of_the_unit_hears_and_only_they(world: World) -> None:
    await world.join(POLOSINA, MEMBER)
    await world.join(POLOSINA, COLLEAGUE)
    await world.join(RYAZANOV, OTHER)

    await world.tick(BEFORE_3)

    assert sorted(m.chat_id for m in world.bot.messages) == [MEMBER, COLLEAGUE]


async def test_several_reminders_for_one_chat_become_one_digest_nearest_first(
    world: World,
) -> None:
    await world.join(POLOSINA, MEMBER)
    async with world.sessions() as session:
        await set_external_date(session, "1.4", date(2023, 10, 24), SCHEDULED_AT)

    await world.tick(local_nine(date(2023, 10, 20)))

    [digest] = world.bot.messages
    assert digest.text.startswith("🔔 Напоминание: 2 мероприятия")
    assert digest.text.index("1.1") < digest.text.index("1.4")
    assert "срок — сегодня" in digest.text
    assert "осталось 4 дня" in digest.text
    assert digest.reply_markup is not None
    labels = [b.text for row in digest.reply_markup.inline_keyboard for b in row]
    assert labels == ["✅ Выполнено: 1.1", "✅ Выполнено: 1.4"]


async def test_missed_reminders_are_folded_into_the_latest_after_downtime(world: World) -> None:
    await world.join(POLOSINA, MEMBER)

    report = await world.tick(DUE_DAY + timedelta(hours=3))  # down since before 6 October
    again = await world.tick(DUE_DAY + timedelta(hours=4))

    [message] = world.bot.messages
    assert "срок — сегодня" in message.text
    assert report.folded >= 3
    statuses = Counter(
        status for _k, _s, at, status in await world.reminders("1.1") if at <= DUE_DAY
    )
    assert statuses == {"folded": 3, "released": 1}
    assert again.messages == 0


async def test_a_confirmed_assignment_is_silent_from_then_on(world: World) -> None:
    await world.join(POLOSINA, MEMBER)
    async with world.sessions() as session:
        await confirm(
            session, await world.assignment("1.1"), MEMBER, BEFORE_14 - timedelta(days=1)
        )

    for day in (BEFORE_14, BEFORE_3, DUE_DAY, DUE_DAY + timedelta(days=10)):
        await world.tick(day)

    assert world.bot.messages == []
    assert {status for _k, _s, at, status in await world.reminders("1.1") if at <= DUE_DAY} == {
        "cancelled"
    }


async def test_a_confirmation_after_release_but_before_the_send_cancels_it(
    world: World,
) -> None:
    await world.join(POLOSINA, MEMBER)
    async with world.sessions() as session:
        await apply_release(session, await plan_release(session, BEFORE_3, 100), BEFORE_3)
        await confirm(session, await world.assignment("1.1"), MEMBER, BEFORE_3)

    report = await world.tick(BEFORE_3)

    assert world.bot.messages == []
    assert report.cancelled == 1
    assert [row.status for row in await world.outbox()] == ["cancelled"]


async def test_a_dead_workers_claims_return_and_its_sends_become_uncertain(
    world: World,
) -> None:
    await world.join(POLOSINA, MEMBER)
    await world.join(POLOSINA, COLLEAGUE)
    async with world.sessions() as session:
        await apply_release(session, await plan_release(session, BEFORE_3, 100), BEFORE_3)
        await claim_deliveries(session, BEFORE_3, "dead-worker", 100)
        colleague_row = await session.scalar(
            select(OutboxRow.id).where(OutboxRow.user_id == COLLEAGUE)
        )
        assert colleague_row is not None
        await mark_sending(session, [colleague_row], "dead-worker", BEFORE_3)

    early = await world.tick(BEFORE_3 + timedelta(seconds=5))  # the lease still runs
    late = await world.tick(BEFORE_3 + timedelta(minutes=3))
    later = await world.tick(BEFORE_3 + timedelta(hours=1))

    assert early.messages == 0
    assert (late.requeued, late.interrupted, late.messages) == (1, 1, 1)
    assert later.messages == 0
    assert [m.chat_id for m in world.bot.messages] == [MEMBER]
    statuses = {row.user_id: row.status for row in await world.outbox()}
    assert statuses == {MEMBER: "sent", COLLEAGUE: "uncertain"}


async def test_a_live_workers_renewed_claims_stay_its_own(world: World) -> None:
    await world.join(POLOSINA, MEMBER)
    async with world.sessions() as session:
        await apply_release(session, await plan_release(session, BEFORE_3, 100), BEFORE_3)
        await claim_deliveries(session, BEFORE_3, "live-worker", 100)
        assert await renew_claims(session, "live-worker", BEFORE_3 + timedelta(seconds=10)) == 1

    # 15 s after the claim but 5 s after the renewal: the lease (10 s) still runs.
    during = await world.tick(BEFORE_3 + timedelta(seconds=15))
    after = await world.tick(BEFORE_3 + timedelta(seconds=21))

    assert (during.requeued, during.messages) == (0, 0)
    assert (after.requeued, after.messages) == (1, 1)


async def test_a_worker_whose_lease_ran_out_does_not_send_what_another_took(
    world: World,
) -> None:
    await world.join(POLOSINA, MEMBER)
    async with world.sessions() as session:
        await apply_release(session, await plan_release(session, BEFORE_3, 100), BEFORE_3)
        await claim_deliveries(session, BEFORE_3, "slow-worker", 100)
    await world.tick(BEFORE_3 + timedelta(minutes=3), worker="fast-worker")

    async with world.sessions() as session:
        [row_id] = await session.scalars(select(OutboxRow.id))
        taken = await mark_sending(session, [row_id], "slow-worker", BEFORE_3)

    assert taken == set()
    assert len(world.bot.messages) == 1


async def test_a_blocked_user_is_deactivated_and_the_admins_told_once(world: World) -> None:
    await world.join(POLOSINA, MEMBER)
    world.bot.fail(MEMBER, forbidden())

    first = await world.tick(BEFORE_3)
    later = await world.tick(DUE_DAY)

    assert first.deactivated == [MEMBER]
    [notice] = world.bot.to(ADMIN_ID)
    assert "заблокировал" in notice.text
    assert f"id {MEMBER}" in notice.text
    assert world.bot.to(MEMBER) == []
    assert later.queued == later.messages == 0
    async with world.sessions() as session:
        user = await get_user(session, MEMBER)
    assert user is not None
    assert not user.active
    assert [row.status for row in await world.outbox()] == ["failed"]


async def test_chat_not_found_counts_as_unreachable_too(world: World) -> None:
    await world.join(POLOSINA, MEMBER)
    world.bot.fail(MEMBER, chat_not_found())

    report = await world.tick(BEFORE_3)

    assert report.deactivated == [MEMBER]
    assert len(world.bot.to(ADMIN_ID)) == 1


async def test_an_unreachable_users_queue_is_cancelled(world: World) -> None:
    await world.join(POLOSINA, MEMBER)
    async with world.sessions() as session:
        await apply_release(session, await plan_release(session, BEFORE_3, 100), BEFORE_3)
        was_reachable, cancelled = await stop_user(session, MEMBER, "blocked")
        again, _none = await stop_user(session, MEMBER, "blocked")

    assert (was_reachable, cancelled, again) == (True, 1, False)
    assert [row.status for row in await world.outbox()] == ["cancelled"]


async def test_server_errors_are_retried_with_backoff_then_given_up(world: World) -> None:
    await world.join(POLOSINA, MEMBER)
    world.bot.fail(MEMBER, server_error(), bad_gateway_html(), server_error())

    first = await world.tick(BEFORE_3)
    [row] = await world.outbox()
    assert (first.retried, row.status, row.attempts) == (1, "pending", 1)
    assert row.next_attempt_at == BEFORE_3 + timedelta(seconds=30)

    assert (await world.tick(BEFORE_3 + timedelta(seconds=20))).retried == 0
    second = await world.tick(BEFORE_3 + timedelta(seconds=30))
    [row] = await world.outbox()
    assert (second.retried, row.attempts) == (1, 2)
    assert row.next_attempt_at == BEFORE_3 + timedelta(seconds=30 + 120)

    third = await world.tick(BEFORE_3 + timedelta(minutes=3))
    [row] = await world.outbox()
    assert (third.failed, row.status, row.attempts) == (1, "failed", MAX_ATTEMPTS)
    assert world.bot.messages == []


async def test_a_5xx_then_success_delivers_once(world: World) -> None:
    await world.join(POLOSINA, MEMBER)
    world.bot.fail(MEMBER, bad_gateway_html())

    await world.tick(BEFORE_3)
    await world.tick(BEFORE_3 + timedelta(seconds=30))

    assert len(world.bot.to(MEMBER)) == 1
    assert [row.status for row in await world.outbox()] == ["sent"]


async def test_a_refused_connection_is_retried(world: World) -> None:
    await world.join(POLOSINA, MEMBER)
    world.bot.fail(MEMBER, connection_refused())

    first = await world.tick(BEFORE_3)
    await world.tick(BEFORE_3 + timedelta(seconds=30))

    assert first.retried == 1
    assert len(world.bot.to(MEMBER)) == 1


async def test_a_lost_answer_is_never_sent_again(world: World) -> None:
    await world.join(POLOSINA, MEMBER)
    world.bot.fail(MEMBER, LOST)

    first = await world.tick(BEFORE_3)
    for minutes in (1, 5, 60):
        await world.tick(BEFORE_3 + timedelta(minutes=minutes))

    assert first.uncertain == 1
    assert len(world.bot.to(MEMBER)) == 1  # it did arrive, once
    [row] = await world.outbox()
    assert row.status == "uncertain"
    assert row.error is not None
    assert row.error.startswith("ServerDisconnectedError")


async def test_429_holds_everything_for_retry_after_and_a_later_tick_sends(
    world: World,
) -> None:
    await world.join(POLOSINA, MEMBER)
    await world.join(POLOSINA, COLLEAGUE)
    world.bot.fail(MEMBER, too_many_requests(30))

    first = await world.tick(BEFORE_3)
    during = await world.tick(BEFORE_3 + timedelta(seconds=10))
    after = await world.tick(BEFORE_3 + timedelta(seconds=31))

    assert (first.messages, first.deferred) == (0, 2)
    assert world.limiter.paused_for() == 0
    assert during.messages == 0
    assert after.messages == 2
    assert {row.status for row in await world.outbox()} == {"sent"}
    assert {row.attempts for row in await world.outbox()} == {0}


async def test_dry_run_tells_what_would_be_sent_and_changes_nothing(world: World) -> None:
    await world.join(POLOSINA, MEMBER)
    async with world.sessions() as session:
        before = await snapshot(session)

    report = await world.tick(DUE_DAY, dry_run=True)

    async with world.sessions() as session:
        assert await snapshot(session) == before
    assert world.bot.messages == []
    [preview] = report.previews
    assert preview.chat_id == MEMBER
    assert preview.recipients == (f"User {MEMBER}",)
    assert "срок — сегодня" in preview.text
    assert report.queued == 1
    assert report.folded >= 3


# --------------------------------------------------------------------- two senders, one db


@pytest.fixture
async def pg_engines(postgres_cluster: PostgresCluster) -> AsyncIterator[list[AsyncEngine]]:
    """Two engines (two "processes") on one fresh PostgreSQL database."""
    name = f"test_{uuid.uuid4().hex}"
    await postgres_cluster.admin(f'CREATE DATABASE "{name}"')
    await upgrade(postgres_cluster.url(name))
    engines = [create_engine(postgres_cluster.url(name)) for _ in range(2)]
    yield engines
    for engine in engines:
        await engine.dispose()
    await postgres_cluster.admin(f'DROP DATABASE "{name}" WITH (FORCE)')


class SlowStubBot(StubBot):
    """Yields to the other sender on every call, so the two really interleave."""

    async def send_message(self, chat_id: int, text: str, **kwargs: object) -> object:  # type: ignore[override]
        await asyncio.sleep(0.002)
        return await super().send_message(chat_id, text, **kwargs)  # type: ignore[arg-type]


async def race(worlds: list[World], at: datetime, bot: StubBot) -> list[TickReport]:
    """Each "process" ticks twice at once (its scheduler and a cron `roadmap-bot tick`),
    one row per claim, so they race for every row."""
    small = DeliverySettings(release_batch=1, claim_batch=1)
    return await asyncio.gather(
        *(
            world.tick(at, worker=f"process-{p}-{n}", bot=bot, settings=small)
            for p, world in enumerate(worlds)
            for n in (1, 2)
        )
    )


def lines_per_chat(messages: list[Sent]) -> Counter[tuple[int, str]]:
    """(chat, measure) → how many times the measure reached the chat, over all messages."""
    return Counter(
        (m.chat_id, code)
        for m in messages
        for code in ("1.1", "1.2")
        if f"<b>{code}</b>" in m.text
    )


async def test_two_senders_on_postgresql_deliver_every_reminder_exactly_once(
    pg_engines: list[AsyncEngine],
) -> None:
    world = await make_world(pg_engines[0])
    members = range(6001, 6041)
    for user_id in members:
        await world.join(POLOSINA, user_id)
    worlds = [world, World(session_factory(pg_engines[1]), world.units, FakeTime(), world.bot)]
    bot = SlowStubBot()
    everyone_once = {(chat, code): 1 for chat in members for code in ("1.1", "1.2")}

    # Releasing races too: 1.1 is overdue (its missed reminders fold) and 1.2 opens.
    await race(worlds, local_nine(date(2023, 11, 1)), bot)
    assert lines_per_chat(bot.messages) == everyone_once
    for code in ("1.1", "1.2"):
        statuses = Counter(status for _k, _s, _at, status in await world.reminders(code))
        assert statuses["released"] == 1, code

    # A full outbox: the two processes share the sending, each row exactly once.
    at = local_nine(date(2023, 11, 16))
    async with world.sessions() as session:
        await apply_release(session, await plan_release(session, at, 100), at)
    sent_before = len(bot.messages)
    reports = await race(worlds, at, bot)

    assert lines_per_chat(bot.messages[sent_before:]) == everyone_once
    assert any(r.messages for r in reports[:2])  # both processes took part
    assert any(r.messages for r in reports[2:])
    rows = await world.outbox()
    assert len(rows) == 4 * len(members)  # 1.1 and 1.2, on both days
    assert {row.status for row in rows} == {"sent"}
