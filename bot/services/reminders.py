"""The reminder schedule and the delivery outbox: what is due, who is told, what happened.

Several bot processes may share one database: every transition is guarded by the status it
leaves (a row changes hands once), and PostgreSQL hands rows out with FOR UPDATE SKIP LOCKED.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Row,
    Select,
    and_,
    exists,
    func,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.reminders.calendar import WorkingCalendar, working_calendar
from bot.reminders.policy import (
    PlannedReminder,
    ReminderKind,
    ReminderSettings,
    after_quiet,
    plan_reminders,
    status_checks,
)
from bot.services._common import MEASURE, insert_if_absent, with_assignment_context
from bot.services.addresses import Transport, reminder_routes
from bot.services.errors import InvalidInput, NotFound
from bot.services.members import get_user, set_reachable
from bot.services.plans import (
    set_task_windows,
    stage_assignments,
    stored_settings,
    stored_task_windows,
    year_ended,
)
from bot.services.types import AssignmentStatus, ReminderItem
from bot.terms import SchoolYear, Window
from storage.models import (
    AssignmentRow,
    MembershipRow,
    PlanRow,
    TaskRow,
    UnitRow,
    UserRow,
    WindowRow,
)
from storage.models_control import DeadlineChangeRow
from storage.models_reminders import DeliveryStatus, OutboxRow, ReminderRow, ReminderStatus

STATUS_CHECK_HORIZON = timedelta(days=62)
"""Status checks are written this far ahead; the daily re-scheduling adds the next ones."""
RETRY_DELAYS = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
)

_assignment_live = and_(
    AssignmentRow.active,
    AssignmentRow.status == AssignmentStatus.OPEN,
    WindowRow.active,
    TaskRow.active,
    UnitRow.active,
)

Key = tuple[int, ReminderKind, int, date]
"""A reminder's identity: (assignment, kind, sequence, deadline)."""


def backoff(attempt: int) -> timedelta:
    """The wait after the `attempt`-th failed try: 30 s, 2 min, 10 min, then every 30 min."""
    return RETRY_DELAYS[min(max(attempt, 1), len(RETRY_DELAYS)) - 1]


def _skip_locked(
    session: AsyncSession, query: Select[Any], *, key_share: bool = False
) -> Select[Any]:
    """Rows another process is handling are skipped, neither waited for nor taken twice.

    PostgreSQL only: SQLite has no row locks (nor the clause) and lets one writer in at a time;
    there every transition is still guarded by the status it leaves, so a late writer finds
    the rows taken and changes nothing. `key_share` locks FOR NO KEY UPDATE, which leaves rows
    that merely reference the locked one (a new reminder of an assignment) free to be written.
    """
    if session.get_bind().dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True, key_share=key_share)
    return query


async def _update(session: AsyncSession, statement: Any) -> int:
    result = cast(CursorResult[Any], await session.execute(statement))
    return result.rowcount


# ------------------------------------------------------------------------------- schedule


@dataclass(frozen=True, slots=True)
class ScheduleReport:
    plan_id: str
    created: int
    moved: int
    """Pending reminders whose send time changed, or cancelled ones wanted again."""
    cancelled: int


def _worth_writing(planned: Sequence[PlannedReminder], now: datetime, tz: ZoneInfo) -> list[int]:
    """Indexes of the reminders to write: the future ones, and at most one from the past.

    A past reminder is written only when it is the latest one and from today or an overdue
    nudge: a unit registered late hears at once that its measure is overdue, and nobody is
    told «14 days left» about a deadline three days away.
    """
    keep = [i for i, reminder in enumerate(planned) if reminder.at >= now]
    past = [i for i, reminder in enumerate(planned) if reminder.at < now]
    if past:
        latest = max(past, key=lambda i: planned[i].at)
        reminder = planned[latest]
        if (
            reminder.kind is ReminderKind.OVERDUE
            or reminder.local_day == now.astimezone(tz).date()
        ):
            keep.append(latest)
    return keep


def _planned_for(
    window: Window,
    *,
    ongoing: bool,
    tz: ZoneInfo,
    settings: ReminderSettings,
    calendar: WorkingCalendar,
    now: datetime,
) -> list[PlannedReminder]:
    if ongoing:
        return status_checks(
            window,
            tz,
            settings,
            calendar,
            after=now - timedelta(days=31),
            until=now + STATUS_CHECK_HORIZON,
        )
    return plan_reminders(window, tz, settings, calendar)


async def stage_reminders(session: AsyncSession, plan_id: str, now: datetime) -> ScheduleReport:
    """`schedule_reminders` inside the caller's unit of work: flushed, not committed."""
    plan = await session.get(PlanRow, plan_id)
    if plan is None:
        raise NotFound(f"no plan {plan_id}")
    settings = stored_settings(plan)
    tz = ZoneInfo(plan.timezone)
    school_year = SchoolYear.parse(plan.school_year)
    calendar = working_calendar(range(school_year.first - 1, school_year.second + 2))

    assignments = await session.execute(
        select(
            AssignmentRow.id,
            WindowRow.id,
            WindowRow.start,
            WindowRow.end,
            WindowRow.ongoing,
            AssignmentRow.due_date,
        )
        .join(WindowRow, WindowRow.id == AssignmentRow.window_id)
        .join(TaskRow, TaskRow.id == WindowRow.task_id)
        .join(UnitRow, UnitRow.id == AssignmentRow.unit_id)
        .where(TaskRow.plan_id == plan_id, _assignment_live)
    )
    # Grouped by the deadline in force: an approved extension gives its unit reminders of its
    # own, and the pending ones for the old date are cancelled below (no longer wanted).
    by_window: dict[tuple[int, date | None, date, bool], list[int]] = defaultdict(list)
    for assignment_id, window_id, start, end, ongoing, due_date in assignments:
        deadline = end if ongoing or due_date is None else due_date
        by_window[(window_id, start, deadline, ongoing)].append(assignment_id)

    wanted: dict[Key, datetime] = {}
    writable: set[Key] = set()
    for (_window_id, start, end, ongoing), assignment_ids in by_window.items():
        planned = _planned_for(
            Window(start, end),
            ongoing=ongoing,
            tz=tz,
            settings=settings,
            calendar=calendar,
            now=now,
        )
        keep = set(_worth_writing(planned, now, tz))
        for index, reminder in enumerate(planned):
            for assignment_id in assignment_ids:
                key = (assignment_id, reminder.kind, reminder.sequence, reminder.deadline)
                wanted[key] = reminder.at
                if index in keep:
                    writable.add(key)

    live = {assignment_id for ids in by_window.values() for assignment_id in ids}
    existing = await session.execute(
        select(
            ReminderRow.id,
            ReminderRow.assignment_id,
            ReminderRow.kind,
            ReminderRow.sequence,
            ReminderRow.deadline,
            ReminderRow.due_at,
            ReminderRow.status,
        )
        .join(AssignmentRow, AssignmentRow.id == ReminderRow.assignment_id)
        .join(WindowRow, WindowRow.id == AssignmentRow.window_id)
        .join(TaskRow, TaskRow.id == WindowRow.task_id)
        .where(
            TaskRow.plan_id == plan_id,
            (ReminderRow.status == ReminderStatus.PENDING)
            | and_(ReminderRow.status == ReminderStatus.CANCELLED, ReminderRow.due_at >= now),
        )
    )
    known: set[Key] = set()
    moved: list[tuple[int, datetime]] = []
    cancel: list[int] = []
    for row_id, assignment_id, kind, sequence, deadline, due_at, status in existing:
        if assignment_id not in live:
            continue  # confirmed or retired: the release step decides when it comes due
        key = (assignment_id, kind, sequence, deadline)
        known.add(key)
        at = wanted.get(key)
        if status is ReminderStatus.PENDING and at is None:
            cancel.append(row_id)
        elif (
            at is not None
            and (at != due_at or status is not ReminderStatus.PENDING)
            and (status is ReminderStatus.PENDING or key in writable)
        ):
            moved.append((row_id, at))

    for row_id, at in moved:
        await session.execute(
            update(ReminderRow)
            .where(ReminderRow.id == row_id)
            .values(due_at=at, status=ReminderStatus.PENDING)
        )
    if cancel:
        await session.execute(
            update(ReminderRow)
            .where(ReminderRow.id.in_(cancel), ReminderRow.status == ReminderStatus.PENDING)
            .values(status=ReminderStatus.CANCELLED)
        )
    new = [
        {
            "assignment_id": key[0],
            "kind": key[1],
            "sequence": key[2],
            "deadline": key[3],
            "due_at": wanted[key],
            "status": ReminderStatus.PENDING,
            "created_at": now,
        }
        for key in sorted(writable - known, key=lambda k: (wanted[k], k[0]))
    ]
    created = await insert_if_absent(session, ReminderRow, new)
    await session.flush()
    return ScheduleReport(plan_id, created, len(moved), len(cancel))


async def schedule_reminders(session: AsyncSession, plan_id: str, now: datetime) -> ScheduleReport:
    """Write the reminders every open assignment of the plan is due, as the policy says.

    Idempotent: what exists is kept, a reminder whose moment moved is moved, one the plan no
    longer asks for is cancelled. Reminders already past are not written (see `_worth_writing`).
    """
    report = await stage_reminders(session, plan_id, now)
    await session.commit()
    return report


class DateRefusal(StrEnum):
    OWN_DATES = "own dates"
    SUB_ITEMS = "sub-items"
    AMBIGUOUS = "several plans"


class DateNotSettable(InvalidInput):
    def __init__(self, code: str, reason: DateRefusal) -> None:
        super().__init__(f"cannot set a date on {code}: {reason}")
        self.code = code
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ExternalDate:
    plan_id: str
    code: str
    day: date
    windows_changed: bool
    reminders: ScheduleReport


async def _find_task(session: AsyncSession, code: str, plan_id: str | None = None) -> TaskRow:
    """The active task with this code, in the named plan or the only plan that has it."""
    query = select(TaskRow).where(TaskRow.code == code, TaskRow.active)
    if plan_id is not None:
        query = query.where(TaskRow.plan_id == plan_id)
    found = list(await session.scalars(query.order_by(TaskRow.plan_id)))
    if not found:
        where = f" in plan {plan_id}" if plan_id else ""
        raise NotFound(f"no measure {code}{where}")
    if len(found) > 1:
        raise DateNotSettable(code, DateRefusal.AMBIGUOUS)
    return found[0]


async def set_external_date(
    session: AsyncSession,
    code: str,
    day: date,
    now: datetime,
    plan_id: str | None = None,
    *,
    user_id: int | None = None,
) -> ExternalDate:
    """An admin dates a term that gives none («по графику ФЦТ»); its reminders follow.

    The change is kept in the deadline history (`user_id` None: from the command line).
    """
    task = await _find_task(session, code, plan_id)
    plan = await session.get(PlanRow, task.plan_id)
    assert plan is not None  # a foreign key
    items = await session.scalar(
        select(func.count()).where(
            TaskRow.plan_id == task.plan_id, TaskRow.measure_code == code, TaskRow.active
        )
    )
    if items:
        raise DateNotSettable(code, DateRefusal.SUB_ITEMS)
    windows = stored_task_windows(plan, task, day)
    if (Window(None, day), False) not in windows:
        raise DateNotSettable(code, DateRefusal.OWN_DATES)
    if task.external_date != day:
        session.add(
            DeadlineChangeRow(
                task_id=task.id,
                assignment_id=None,
                old_date=task.external_date,
                new_date=day,
                user_id=user_id,
                at=now,
                reason="/setdate",
            )
        )
    task.external_date = day
    changed = await set_task_windows(session, task, windows)
    await stage_assignments(session, task.plan_id, now)
    report = await stage_reminders(session, task.plan_id, now)
    await session.commit()
    return ExternalDate(task.plan_id, code, day, changed, report)


# -------------------------------------------------------------------------------- release


def _items_query() -> Select[Any]:
    query = (
        select(
            ReminderRow.id,
            ReminderRow.assignment_id,
            ReminderRow.kind,
            TaskRow.plan_id,
            PlanRow.timezone,
            TaskRow.code,
            TaskRow.title,
            MEASURE.title,
            UnitRow.id,
            UnitRow.name,
            ReminderRow.deadline,
            ReminderRow.due_at,
            WindowRow.start,
        )
        .select_from(ReminderRow)
        .join(AssignmentRow, AssignmentRow.id == ReminderRow.assignment_id)
    )
    return with_assignment_context(query, plan=True, measure=True)


def _item(row: Row[Any]) -> ReminderItem:
    return ReminderItem(
        reminder_id=row[0],
        assignment_id=row[1],
        kind=row[2],
        plan_id=row[3],
        plan_timezone=row[4],
        task_code=row[5],
        task_title=row[6],
        measure_title=row[7],
        unit_id=row[8],
        unit_name=row[9],
        deadline=row[10],
        due_at=row[11],
        window_start=row[12],
    )


@dataclass(frozen=True, slots=True)
class Recipient:
    reminder_id: int
    user_id: int
    chat_id: int
    """The address on `transport`: Telegram's chat id, MAX's user_id."""
    transport: str = "telegram"
    not_before: datetime | None = None
    """Released inside the plan's quiet hours (a catch-up after missed ticks): their end."""


@dataclass(frozen=True, slots=True)
class ReleasePlan:
    """What releasing the due reminders does; a dry run shows it, a tick applies it."""

    release: tuple[int, ...]
    cancel: tuple[int, ...]
    """Reminders of assignments confirmed or gone from the plan."""
    fold: tuple[int, ...]
    """Missed reminders superseded by a later one of the same assignment (catch-up)."""
    recipients: tuple[Recipient, ...]

    @property
    def size(self) -> int:
        return len(self.release) + len(self.cancel) + len(self.fold)


def due_assignments(now: datetime, limit: int) -> Select[tuple[int]]:
    """The assignments of the next `limit` due reminders, found by the (status, due_at) index."""
    first_due = (
        select(ReminderRow.assignment_id)
        .where(ReminderRow.status == ReminderStatus.PENDING, ReminderRow.due_at <= now)
        .order_by(ReminderRow.due_at, ReminderRow.id)
        .limit(limit)
    )
    return select(AssignmentRow.id).where(AssignmentRow.id.in_(first_due))


async def _not_before(
    session: AsyncSession, plan_ids: set[str], now: datetime
) -> dict[str, datetime | None]:
    """Per plan, the end of its quiet hours if `now` is inside them (reminders released then
    are caught up after missed ticks and wait for the morning), else None. An archived plan
    (its school year is over) is left out: its reminders are cancelled."""
    if not plan_ids:
        return {}
    found: dict[str, datetime | None] = {}
    for plan in await session.scalars(select(PlanRow).where(PlanRow.id.in_(plan_ids))):
        if year_ended(plan.school_year, plan.timezone, now) is not None:
            continue
        moment = after_quiet(now, ZoneInfo(plan.timezone), stored_settings(plan))
        found[plan.id] = moment if moment > now else None
    return found


async def plan_release(
    session: AsyncSession,
    now: datetime,
    limit: int,
    *,
    lock: bool = True,
    transports: tuple[Transport, ...] = ("telegram",),
) -> ReleasePlan:
    """The assignments of the next `limit` due reminders (found by the (status, due_at)
    index), and the fate of every due reminder they have.

    Several due reminders of one assignment mean the bot was down: only the latest is sent.
    With `lock` the assignments stay locked until the caller commits and another process
    takes other ones: a fold must see every due reminder of its assignment.
    """
    assignments = due_assignments(now, limit)
    if lock:
        assignments = _skip_locked(session, assignments, key_share=True)
    assignment_ids = set(await session.scalars(assignments))
    if not assignment_ids:
        return ReleasePlan((), (), (), ())
    reminders = (
        await session.execute(
            select(ReminderRow.id, ReminderRow.assignment_id, ReminderRow.due_at).where(
                ReminderRow.status == ReminderStatus.PENDING,
                ReminderRow.due_at <= now,
                ReminderRow.assignment_id.in_(assignment_ids),
            )
        )
    ).all()
    live_rows = await session.execute(
        select(AssignmentRow.id, TaskRow.plan_id)
        .join(WindowRow, WindowRow.id == AssignmentRow.window_id)
        .join(TaskRow, TaskRow.id == WindowRow.task_id)
        .join(UnitRow, UnitRow.id == AssignmentRow.unit_id)
        .where(AssignmentRow.id.in_(assignment_ids), _assignment_live)
    )
    live_plans: dict[int, str] = dict(live_rows.tuples().all())
    live = set(live_plans)
    not_before = await _not_before(session, set(live_plans.values()), now)
    by_assignment: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    for reminder_id, assignment_id, due_at in reminders:
        by_assignment[assignment_id].append((due_at, reminder_id))
    release: dict[int, int] = {}
    cancel: list[int] = []
    fold: list[int] = []
    for assignment_id, found in by_assignment.items():
        found.sort()
        if assignment_id not in live or live_plans[assignment_id] not in not_before:
            cancel.extend(reminder_id for _at, reminder_id in found)
            continue
        release[assignment_id] = found[-1][1]
        fold.extend(reminder_id for _at, reminder_id in found[:-1])
    subscribers = await session.execute(
        select(AssignmentRow.id, UserRow.id)
        .join(MembershipRow, MembershipRow.unit_id == AssignmentRow.unit_id)
        .join(UserRow, UserRow.id == MembershipRow.user_id)
        .where(
            AssignmentRow.id.in_(release),
            MembershipRow.revoked_at.is_(None),
            UserRow.active,
        )
        .distinct()
        .order_by(AssignmentRow.id, UserRow.id)
    )
    pairs = [(assignment_id, user_id) for assignment_id, user_id in subscribers]
    # One row per person, on the one messenger they chose among the configured ones: a member
    # bound on Telegram and MAX is reminded once.
    routes = await reminder_routes(session, {user_id for _a, user_id in pairs}, transports)
    recipients = tuple(
        Recipient(
            release[assignment_id],
            user_id,
            routes[user_id][1],
            routes[user_id][0],
            not_before[live_plans[assignment_id]],
        )
        for assignment_id, user_id in pairs
        if user_id in routes
    )
    return ReleasePlan(tuple(release.values()), tuple(cancel), tuple(fold), recipients)


@dataclass(frozen=True, slots=True)
class ReleaseOutcome:
    released: int
    cancelled: int
    folded: int
    deliveries: int
    superseded: int


async def _transition(
    session: AsyncSession, ids: Iterable[int], status: ReminderStatus
) -> list[int]:
    ids = list(ids)
    if not ids:
        return []
    result = await session.execute(
        update(ReminderRow)
        .where(ReminderRow.id.in_(ids), ReminderRow.status == ReminderStatus.PENDING)
        .values(status=status)
        .returning(ReminderRow.id)
    )
    return list(result.scalars())


async def apply_release(session: AsyncSession, plan: ReleasePlan, now: datetime) -> ReleaseOutcome:
    """Write the plan in one transaction: reminders change status, the outbox gets its rows."""
    released = set(await _transition(session, plan.release, ReminderStatus.RELEASED))
    cancelled = await _transition(session, plan.cancel, ReminderStatus.CANCELLED)
    folded = await _transition(session, plan.fold, ReminderStatus.FOLDED)
    rows = [
        {
            "reminder_id": r.reminder_id,
            "user_id": r.user_id,
            "chat_id": r.chat_id,
            "transport": r.transport,
            "status": DeliveryStatus.PENDING,
            "attempts": 0,
            "next_attempt_at": r.not_before or now,
        }
        for r in plan.recipients
        if r.reminder_id in released
    ]
    deliveries = await insert_if_absent(session, OutboxRow, rows)
    superseded = 0
    if released:
        # An older reminder of the same assignment still waiting (a retry) is not sent too.
        older = (
            select(ReminderRow.id)
            .where(
                ReminderRow.assignment_id.in_(
                    select(ReminderRow.assignment_id).where(ReminderRow.id.in_(released))
                ),
                ReminderRow.id.not_in(released),
            )
            .scalar_subquery()
        )
        superseded = await _update(
            session,
            update(OutboxRow)
            .where(OutboxRow.status == DeliveryStatus.PENDING, OutboxRow.reminder_id.in_(older))
            .values(status=DeliveryStatus.CANCELLED, error="superseded by a later reminder"),
        )
    await session.commit()
    return ReleaseOutcome(len(released), len(cancelled), len(folded), deliveries, superseded)


async def catch_up_first_member(
    session: AsyncSession, unit_id: int, user_id: int, chat_id: int, now: datetime
) -> int:
    """A unit's first reachable member hears, once, what was released while nobody could:
    the latest released reminder of each open assignment is queued for them, so the next tick
    sends one digest with what is due or overdue. Not committed: the caller's binding is."""
    others = await session.scalar(
        select(func.count())
        .select_from(MembershipRow)
        .join(UserRow, UserRow.id == MembershipRow.user_id)
        .where(
            MembershipRow.unit_id == unit_id,
            MembershipRow.revoked_at.is_(None),
            MembershipRow.user_id != user_id,
            UserRow.active,
        )
    )
    if others:
        return 0
    released = await session.execute(
        select(ReminderRow.id, ReminderRow.assignment_id, ReminderRow.due_at)
        .join(AssignmentRow, AssignmentRow.id == ReminderRow.assignment_id)
        .join(WindowRow, WindowRow.id == AssignmentRow.window_id)
        .join(TaskRow, TaskRow.id == WindowRow.task_id)
        .join(UnitRow, UnitRow.id == AssignmentRow.unit_id)
        .where(
            AssignmentRow.unit_id == unit_id,
            ReminderRow.status == ReminderStatus.RELEASED,
            ReminderRow.due_at <= now,
            _assignment_live,
        )
    )
    latest: dict[int, tuple[datetime, int]] = {}
    for reminder_id, assignment_id, due_at in released:
        if assignment_id not in latest or (due_at, reminder_id) > latest[assignment_id]:
            latest[assignment_id] = (due_at, reminder_id)
    rows = [
        {
            "reminder_id": reminder_id,
            "user_id": user_id,
            "chat_id": chat_id,
            "status": DeliveryStatus.PENDING,
            "attempts": 0,
            "next_attempt_at": now,
        }
        for _due_at, reminder_id in latest.values()
    ]
    return await insert_if_absent(session, OutboxRow, rows)


# ---------------------------------------------------------------------------------- outbox


@dataclass(frozen=True, slots=True)
class Delivery:
    """One reminder for one subscriber: an outbox row, or the row a dry run would write."""

    outbox_id: int | None
    user_id: int
    chat_id: int
    full_name: str
    language: str | None
    attempts: int
    item: ReminderItem


async def recover_stale(session: AsyncSession, now: datetime, lease: timedelta) -> tuple[int, int]:
    """Rows a dead worker left behind: claimed ones go back to the queue (they were never
    sent); ones left `sending` may have reached Telegram, so they become uncertain."""
    stale = now - lease
    requeued = await _update(
        session,
        update(OutboxRow)
        .where(OutboxRow.status == DeliveryStatus.CLAIMED, OutboxRow.claimed_at < stale)
        .values(status=DeliveryStatus.PENDING, claimed_by=None, claimed_at=None),
    )
    uncertain = await _update(
        session,
        update(OutboxRow)
        .where(OutboxRow.status == DeliveryStatus.SENDING, OutboxRow.claimed_at < stale)
        .values(
            status=DeliveryStatus.UNCERTAIN,
            error="interrupted while sending: it may have arrived, so it is not sent again",
        ),
    )
    await session.commit()
    return requeued, uncertain


async def renew_claims(session: AsyncSession, worker_id: str, now: datetime) -> int:
    """This worker is alive: its claimed and sending rows are not for `recover_stale`."""
    renewed = await _update(
        session,
        update(OutboxRow)
        .where(
            OutboxRow.claimed_by == worker_id,
            OutboxRow.status.in_((DeliveryStatus.CLAIMED, DeliveryStatus.SENDING)),
        )
        .values(claimed_at=now),
    )
    await session.commit()
    return renewed


async def claim_deliveries(
    session: AsyncSession, now: datetime, worker_id: str, limit: int, transport: str = "telegram"
) -> int:
    """Take up to `limit` due outbox rows of `transport`, and every other due row of the same
    chats (one digest per chat), for this worker."""
    due = (
        select(OutboxRow.id, OutboxRow.chat_id)
        .where(
            OutboxRow.status == DeliveryStatus.PENDING,
            OutboxRow.next_attempt_at <= now,
            OutboxRow.transport == transport,
        )
        .order_by(OutboxRow.next_attempt_at, OutboxRow.id)
    )
    first = (await session.execute(_skip_locked(session, due.limit(limit)))).all()
    if not first:
        await session.commit()
        return 0
    chats = {chat_id for _id, chat_id in first}
    same_chats = await session.scalars(
        _skip_locked(
            session,
            select(OutboxRow.id).where(
                OutboxRow.status == DeliveryStatus.PENDING,
                OutboxRow.next_attempt_at <= now,
                OutboxRow.transport == transport,
                OutboxRow.chat_id.in_(chats),
            ),
        )
    )
    ids = {row_id for row_id, _chat in first} | set(same_chats)
    claimed = await _update(
        session,
        update(OutboxRow)
        .where(OutboxRow.id.in_(ids), OutboxRow.status == DeliveryStatus.PENDING)
        .values(status=DeliveryStatus.CLAIMED, claimed_by=worker_id, claimed_at=now),
    )
    await session.commit()
    return claimed


def _deliverable() -> ColumnElement[bool]:
    """Still worth sending: the assignment open and in the plan, the user a reachable member."""
    member = exists().where(
        MembershipRow.user_id == OutboxRow.user_id,
        MembershipRow.unit_id == AssignmentRow.unit_id,
        MembershipRow.revoked_at.is_(None),
    )
    return and_(_assignment_live, UserRow.active, member)


async def claimed_deliveries(
    session: AsyncSession, worker_id: str
) -> tuple[list[Delivery], list[int]]:
    """This worker's claimed rows, and those no longer worth sending (a confirmation came)."""
    rows = await session.execute(
        _items_query()
        .add_columns(
            OutboxRow.id,
            OutboxRow.user_id,
            OutboxRow.chat_id,
            UserRow.full_name,
            UserRow.language,
            OutboxRow.attempts,
            _deliverable().label("deliverable"),
        )
        .join(OutboxRow, OutboxRow.reminder_id == ReminderRow.id)
        .join(UserRow, UserRow.id == OutboxRow.user_id)
        .where(OutboxRow.status == DeliveryStatus.CLAIMED, OutboxRow.claimed_by == worker_id)
        .order_by(OutboxRow.chat_id, ReminderRow.deadline, TaskRow.code, OutboxRow.id)
    )
    deliveries: list[Delivery] = []
    stale: list[int] = []
    for row in rows:
        outbox_id, user_id, chat_id, full_name, language, attempts, deliverable = row[13:]
        if not deliverable:
            stale.append(outbox_id)
            continue
        deliveries.append(
            Delivery(outbox_id, user_id, chat_id, full_name, language, attempts, _item(row))
        )
    return deliveries, stale


async def preview_deliveries(
    session: AsyncSession, plan: ReleasePlan, now: datetime
) -> list[Delivery]:
    """What a tick would send now, changing nothing: the plan's new rows and the due queue."""
    users = {
        row.id: row
        for row in await session.scalars(
            select(UserRow).where(UserRow.id.in_({r.user_id for r in plan.recipients}))
        )
    }
    items = {
        row[0]: _item(row)
        for row in await session.execute(
            _items_query().where(ReminderRow.id.in_({r.reminder_id for r in plan.recipients}))
        )
    }
    deliveries = [
        Delivery(
            None,
            r.user_id,
            r.chat_id,
            users[r.user_id].full_name,
            users[r.user_id].language,
            0,
            items[r.reminder_id],
        )
        for r in plan.recipients
    ]
    queued = await session.execute(
        _items_query()
        .add_columns(
            OutboxRow.id,
            OutboxRow.user_id,
            OutboxRow.chat_id,
            UserRow.full_name,
            UserRow.language,
            OutboxRow.attempts,
        )
        .join(OutboxRow, OutboxRow.reminder_id == ReminderRow.id)
        .join(UserRow, UserRow.id == OutboxRow.user_id)
        .where(
            OutboxRow.status == DeliveryStatus.PENDING,
            OutboxRow.next_attempt_at <= now,
            _deliverable(),
        )
    )
    for row in queued:
        outbox_id, user_id, chat_id, full_name, language, attempts = row[13:]
        deliveries.append(
            Delivery(outbox_id, user_id, chat_id, full_name, language, attempts, _item(row))
        )
    return deliveries


async def cancel_deliveries(session: AsyncSession, ids: Sequence[int], reason: str) -> int:
    if not ids:
        return 0
    cancelled = await _update(
        session,
        update(OutboxRow)
        .where(
            OutboxRow.id.in_(ids),
            OutboxRow.status.in_([DeliveryStatus.PENDING, DeliveryStatus.CLAIMED]),
        )
        .values(status=DeliveryStatus.CANCELLED, error=reason),
    )
    await session.commit()
    return cancelled


async def mark_sending(
    session: AsyncSession, ids: Sequence[int], worker_id: str, now: datetime
) -> set[int]:
    """Committed right before the request: a row found `sending` later may have arrived.

    Only rows this worker still holds change: a claim another worker reset (our lease ran
    out) is theirs now, and this worker must not send it.
    """
    result = await session.execute(
        update(OutboxRow)
        .where(
            OutboxRow.id.in_(ids),
            OutboxRow.status == DeliveryStatus.CLAIMED,
            OutboxRow.claimed_by == worker_id,
        )
        .values(status=DeliveryStatus.SENDING, claimed_at=now)
        .returning(OutboxRow.id)
    )
    taken = set(result.scalars())
    await session.commit()
    return taken


async def _finish(
    session: AsyncSession, ids: Iterable[int], from_status: DeliveryStatus, **values: Any
) -> int:
    ids = list(ids)
    if not ids:
        return 0
    changed = await _update(
        session,
        update(OutboxRow)
        .where(OutboxRow.id.in_(ids), OutboxRow.status == from_status)
        .values(**values),
    )
    await session.commit()
    return changed


async def mark_sent(
    session: AsyncSession, ids: Iterable[int], now: datetime, message_id: int | str | None
) -> int:
    """Sent; Telegram's numeric message id goes to message_id, MAX's string mid to
    message_ref."""
    return await _finish(
        session,
        ids,
        DeliveryStatus.SENDING,
        status=DeliveryStatus.SENT,
        sent_at=now,
        message_id=message_id if isinstance(message_id, int) else None,
        message_ref=message_id if isinstance(message_id, str) else None,
        error=None,
    )


async def mark_uncertain(session: AsyncSession, ids: Iterable[int], error: str) -> int:
    return await _finish(
        session, ids, DeliveryStatus.SENDING, status=DeliveryStatus.UNCERTAIN, error=error
    )


async def mark_failed(session: AsyncSession, ids: Iterable[int], error: str) -> int:
    return await _finish(
        session, ids, DeliveryStatus.SENDING, status=DeliveryStatus.FAILED, error=error
    )


async def defer(session: AsyncSession, ids: Iterable[int], until: datetime, error: str) -> int:
    """Back to the queue untouched (Telegram said «too many requests»): not a failed try."""
    return await _finish(
        session,
        ids,
        DeliveryStatus.SENDING,
        status=DeliveryStatus.PENDING,
        next_attempt_at=until,
        claimed_by=None,
        claimed_at=None,
        error=error,
    )


async def unclaim(session: AsyncSession, worker_id: str, until: datetime) -> int:
    """Give back what this worker claimed but will not send before `until` (Telegram asked
    to wait): the rows were due, so `until` is their next attempt."""
    changed = await _update(
        session,
        update(OutboxRow)
        .where(OutboxRow.status == DeliveryStatus.CLAIMED, OutboxRow.claimed_by == worker_id)
        .values(
            status=DeliveryStatus.PENDING, next_attempt_at=until, claimed_by=None, claimed_at=None
        ),
    )
    await session.commit()
    return changed


async def retry_later(
    session: AsyncSession,
    deliveries: Sequence[Delivery],
    now: datetime,
    error: str,
    max_attempts: int,
) -> tuple[int, int]:
    """One more failed try each: back to the queue after a growing pause, or failed for good."""
    retried = failed = 0
    for delivery in deliveries:
        attempts = delivery.attempts + 1
        if attempts >= max_attempts:
            values: dict[str, Any] = {"status": DeliveryStatus.FAILED}
            failed += 1
        else:
            values = {
                "status": DeliveryStatus.PENDING,
                "next_attempt_at": now + backoff(attempts),
                "claimed_by": None,
                "claimed_at": None,
            }
            retried += 1
        await session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == delivery.outbox_id, OutboxRow.status == DeliveryStatus.SENDING)
            .values(attempts=attempts, error=error, **values)
        )
    await session.commit()
    return retried, failed


async def stop_user(session: AsyncSession, user_id: int, reason: str) -> tuple[bool, int]:
    """Telegram refuses to deliver to the user: mark them unreachable, drop their queue.

    Returns whether they were reachable until now (to tell the admins once) and how many
    queued rows were cancelled. Writing to the bot again makes them reachable (middleware).
    """
    before = await get_user(session, user_id)
    if before is not None:
        await set_reachable(session, user_id, reachable=False)
    cancelled = await _update(
        session,
        update(OutboxRow)
        .where(
            OutboxRow.user_id == user_id,
            OutboxRow.status.in_([DeliveryStatus.PENDING, DeliveryStatus.CLAIMED]),
        )
        .values(status=DeliveryStatus.CANCELLED, error=reason),
    )
    await session.commit()
    return before is not None and before.active, cancelled


# -------------------------------------------------------------------------------- upcoming


async def upcoming_for_user(
    session: AsyncSession, user_id: int, now: datetime, until: datetime
) -> list[ReminderItem]:
    """The reminders the user's units will get between now and `until`, in time order."""
    units = select(MembershipRow.unit_id).where(
        MembershipRow.user_id == user_id, MembershipRow.revoked_at.is_(None)
    )
    rows = await session.execute(
        _items_query()
        .where(
            ReminderRow.status == ReminderStatus.PENDING,
            ReminderRow.due_at >= now,
            ReminderRow.due_at <= until,
            AssignmentRow.unit_id.in_(units),
            _assignment_live,
        )
        .order_by(ReminderRow.due_at, ReminderRow.deadline, TaskRow.code, UnitRow.name)
    )
    return [_item(row) for row in rows]
