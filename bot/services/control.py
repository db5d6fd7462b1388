"""Ministry control, the read side: what is overdue, how each plan is going, measure cards,
who can be reached, and the data of the XLSX/CSV/PNG report.

Every day count is taken in the plan's own time zone: a deadline is a day there, not in UTC.
"""

import functools
import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

# Re-exported (`X as X`, mypy's explicit form): handlers and tests import them from here.
from bot.domain.report import ControlStatus as ControlStatus  # noqa: PLC0414
from bot.domain.report import ReportRow as ReportRow  # noqa: PLC0414
from bot.plan.model import plan_label
from bot.plan.parties import PartyKind, normalize_name
from bot.services._common import EFFECTIVE_DEADLINE, MEASURE, with_assignment_context
from bot.services.addresses import reminder_routes
from bot.services.errors import InvalidInput, NotFound
from bot.services.evidence import evidence_counts
from bot.services.extensions import DeadlineEvent, deadline_history
from bot.services.plans import stored_control, task_units
from bot.services.review import ReviewState
from bot.services.types import AssignmentStatus, EventKind, Page
from storage.models import (
    AssignmentEventRow,
    AssignmentRow,
    MembershipRow,
    PartyRow,
    PlanRow,
    TaskPartyRow,
    TaskRow,
    UnitPartyRow,
    UnitRow,
    UserRow,
    WindowRow,
)
from storage.models_reminders import DeliveryStatus, OutboxRow, ReminderRow

MAX_PAGE_SIZE = 50

_confirmer = aliased(UserRow, name="confirmer")
_live = and_(AssignmentRow.active, WindowRow.active, TaskRow.active, UnitRow.active)


def classify(
    status: AssignmentStatus, start: date | None, end: date, today: date
) -> ControlStatus:
    if status is AssignmentStatus.CONFIRMED:
        return ControlStatus.CONFIRMED
    if end < today:
        return ControlStatus.OVERDUE
    if start is not None and start > today:
        return ControlStatus.UPCOMING
    return ControlStatus.DUE


def local_today(now: datetime, timezone: str) -> date:
    return now.astimezone(ZoneInfo(timezone)).date()


class AmbiguousCode(InvalidInput):
    """The code is in several plans: the caller has to say which."""

    def __init__(self, code: str, plan_ids: tuple[str, ...]) -> None:
        super().__init__(f"{code} is in several plans: {', '.join(plan_ids)}")
        self.code = code
        self.plan_ids = plan_ids


class UnknownFilter(InvalidInput):
    def __init__(self, text: str) -> None:
        super().__init__(f"nothing matches the filter {text!r}")
        self.text = text


# ------------------------------------------------------------------------------------ plans


@dataclass(frozen=True, slots=True)
class _Plan:
    id: str
    name: str
    title: str
    timezone: str
    today: date


async def _plans(session: AsyncSession, now: datetime, plan_id: str | None) -> list[_Plan]:
    query = select(PlanRow.id, PlanRow.name, PlanRow.title, PlanRow.timezone).order_by(PlanRow.id)
    if plan_id is not None:
        query = query.where(PlanRow.id == plan_id)
    rows = (await session.execute(query)).all()
    return [
        _Plan(pid, plan_label(pid, name), title, tz, local_today(now, tz))
        for pid, name, title, tz in rows
    ]


def _past_due(plans: Iterable[_Plan]) -> ColumnElement[bool]:
    """The deadline in force (an approved extension, else the window's end) before the local
    today of its own plan (one term per plan: plans are few)."""
    terms = [and_(TaskRow.plan_id == plan.id, plan.today > EFFECTIVE_DEADLINE) for plan in plans]
    return or_(*terms) if terms else false()


def _assignments(*, measure: bool = False) -> Select[Any]:
    query = select(AssignmentRow.id).select_from(AssignmentRow)
    return with_assignment_context(query, measure=measure)


# ---------------------------------------------------------------------------------- filters


_NUMBER_RE = re.compile(r"(\d+)")


@functools.lru_cache(maxsize=8192)
def natural_key(name: str) -> tuple[tuple[int, str], ...]:
    """«СОШ № 3» before «СОШ № 11»: numbers inside names compare as numbers.

    Cached: a report sorts tens of thousands of rows by a few hundred unit names.
    """
    return tuple(
        (int(part), "") if part.isdecimal() else (-1, part.casefold())
        for part in _NUMBER_RE.split(name)
    )


def _word_re(text: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)" + re.escape(normalize_name(text)) + r"(?!\w)")


def _unit_key(name: str) -> str:
    """«МБОУ СОШ № 3» and «мбоу сош №3» are the same school."""
    return normalize_name(name).replace(" ", "")


@dataclass(frozen=True, slots=True)
class PartyMatch:
    """The parties a filter names, and the parties whose units report for them."""

    names: frozenset[str]
    unit_parties: frozenset[str]


async def match_parties(
    session: AsyncSession, text: str, plan_id: str | None = None
) -> PartyMatch:
    """Parties whose name contains `text` as a whole word, case-insensitively: «МОУО» matches
    «МОУО» and «руководители МОУО», not «УО»; a group reports through the units of its category.
    """
    query = select(PartyRow.name, PartyRow.kind, PartyRow.of).where(PartyRow.active)
    if plan_id is not None:
        query = query.where(PartyRow.plan_id == plan_id)
    pattern = _word_re(text)
    names: set[str] = set()
    unit_parties: set[str] = set()
    for name, kind, of in await session.execute(query):
        if pattern.search(normalize_name(name)):
            names.add(name)
            unit_parties.add(name)
            if kind is PartyKind.GROUP and of is not None:
                unit_parties.add(of)
    return PartyMatch(frozenset(names), frozenset(unit_parties))


async def match_units(
    session: AsyncSession, text: str, plan_id: str | None = None
) -> frozenset[int]:
    """Units named `text` (spacing and case aside); failing that, units whose name contains it."""
    query = select(UnitRow.id, UnitRow.name).where(UnitRow.active)
    if plan_id is not None:
        query = query.where(UnitRow.plan_id == plan_id)
    wanted = _unit_key(text)
    rows = [(unit_id, _unit_key(name)) for unit_id, name in await session.execute(query)]
    exact = frozenset(unit_id for unit_id, key in rows if key == wanted)
    return exact or frozenset(unit_id for unit_id, key in rows if wanted and wanted in key)


@dataclass(frozen=True, slots=True)
class OverdueFilter:
    """What `/overdue ...` asked for, resolved against the database."""

    plan_id: str | None = None
    section: str | None = None
    party: str | None = None
    unit_ids: frozenset[int] | None = None
    text: str = ""
    unregistered_party: bool = False
    """The party is in the plans, but no unit reports for it: nothing of it can be listed."""

    @property
    def empty(self) -> bool:
        return not self.text


_SECTION_RE = re.compile(r"^(?:раздел|разд\.?|section|sect\.?)\s*(\S+)\s*", re.IGNORECASE)


async def resolve_filter(session: AsyncSession, text: str) -> OverdueFilter:
    """Read «[PLAN] [раздел N | section N] [PARTY | UNIT]»; raise UnknownFilter if a part
    matches nothing. A bare section code («5», «П1») is a section too.
    """
    text = " ".join(text.split())
    if not text:
        return OverdueFilter()
    rest = text
    plan_id: str | None = None
    first, _, after = rest.partition(" ")
    plan_ids = {pid.casefold(): pid for pid in await session.scalars(select(PlanRow.id))}
    if first.casefold() in plan_ids:
        plan_id, rest = plan_ids[first.casefold()], after
    section: str | None = None
    sections = await _section_codes(session, plan_id)
    found = _SECTION_RE.match(rest)
    if found is not None:
        code = found.group(1).rstrip(".").casefold()
        if code not in sections:
            raise UnknownFilter(text)
        section, rest = sections[code], rest[found.end() :]
    elif rest.rstrip(".").casefold() in sections:
        section, rest = sections[rest.rstrip(".").casefold()], ""
    party: str | None = None
    unit_ids: frozenset[int] | None = None
    unregistered = False
    if rest:
        matched = await match_parties(session, rest, plan_id)
        if matched.names:
            party = rest
            unregistered = not await _any_unit_for(session, matched.unit_parties, plan_id)
        else:
            unit_ids = await match_units(session, rest, plan_id)
            if not unit_ids:
                raise UnknownFilter(text)
    return OverdueFilter(plan_id, section, party, unit_ids, text, unregistered)


async def _any_unit_for(
    session: AsyncSession, parties: Collection[str], plan_id: str | None
) -> bool:
    query = (
        select(UnitPartyRow.unit_id)
        .join(UnitRow, UnitRow.id == UnitPartyRow.unit_id)
        .where(UnitRow.active, UnitPartyRow.party_name.in_(sorted(parties)))
    )
    if plan_id is not None:
        query = query.where(UnitPartyRow.plan_id == plan_id)
    return await session.scalar(query.limit(1)) is not None


async def _section_codes(session: AsyncSession, plan_id: str | None) -> dict[str, str]:
    query = select(TaskRow.section_code).where(TaskRow.section_code.is_not(None)).distinct()
    if plan_id is not None:
        query = query.where(TaskRow.plan_id == plan_id)
    return {code.casefold(): code for code in await session.scalars(query) if code}


# ---------------------------------------------------------------------------------- overdue


@dataclass(frozen=True, slots=True)
class LateUnit:
    unit_id: int
    name: str
    assignment_id: int


@dataclass(frozen=True, slots=True)
class OverdueMeasure:
    """One overdue window of a task and the units that have not confirmed it."""

    task_id: int
    window_id: int
    plan_id: str
    plan_name: str
    """What messages call the plan (`plan_label`)."""
    code: str
    title: str
    measure_title: str | None
    section_code: str | None
    section_title: str
    window_start: date | None
    window_end: date
    """The deadline in force: the window's last day, or the units' approved extension."""
    window_label: str | None
    days_overdue: int
    """Local today of the plan minus the deadline."""
    units: tuple[LateUnit, ...]


async def overdue(
    session: AsyncSession,
    now: datetime,
    *,
    plan_id: str | None = None,
    section: str | None = None,
    party: str | None = None,
    unit_id: int | None = None,
    only_units: Collection[int] | None = None,
    offset: int = 0,
    limit: int = 10,
) -> Page[OverdueMeasure]:
    """Open assignments past their window's end, grouped by task window, oldest deadline first.

    `party` matches like `match_parties`: the task must name such a party, and only the units
    reporting for it are listed. `only_units` limits the listing (a member sees their own).
    """
    if offset < 0 or not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValueError(f"offset must be >= 0 and limit within 1..{MAX_PAGE_SIZE}")
    plans = {plan.id: plan for plan in await _plans(session, now, plan_id)}
    conditions: list[ColumnElement[bool]] = [
        _live,
        AssignmentRow.status == AssignmentStatus.OPEN,
        _past_due(plans.values()),
    ]
    if section is not None:
        conditions.append(TaskRow.section_code == section)
    if unit_id is not None:
        conditions.append(AssignmentRow.unit_id == unit_id)
    if only_units is not None:
        conditions.append(AssignmentRow.unit_id.in_(list(only_units)))
    if party is not None:
        matched = await match_parties(session, party, plan_id)
        conditions.append(
            exists().where(
                TaskPartyRow.task_id == TaskRow.id,
                TaskPartyRow.party_name.in_(sorted(matched.names)),
            )
        )
        conditions.append(
            exists().where(
                UnitPartyRow.unit_id == UnitRow.id,
                UnitPartyRow.party_name.in_(sorted(matched.unit_parties)),
            )
        )
    where = and_(*conditions)
    # A unit with an approved extension has a deadline of its own: (window, deadline) groups.
    groups = (
        _assignments()
        .with_only_columns(WindowRow.id, EFFECTIVE_DEADLINE)
        .where(where)
        .group_by(
            WindowRow.id, EFFECTIVE_DEADLINE, TaskRow.plan_id, TaskRow.position, WindowRow.seq
        )
    )
    total = await session.scalar(select(func.count()).select_from(groups.subquery()))
    page_keys: list[tuple[int, date]] = [
        (window_id, deadline)
        for window_id, deadline in await session.execute(
            groups.order_by(EFFECTIVE_DEADLINE, TaskRow.plan_id, TaskRow.position, WindowRow.seq)
            .offset(offset)
            .limit(limit)
        )
    ]
    if not page_keys:
        return Page((), total or 0, offset, limit)
    page_ids = list(dict.fromkeys(window_id for window_id, _deadline in page_keys))

    late: dict[tuple[int, date], list[LateUnit]] = defaultdict(list)
    unit_rows = await session.execute(
        _assignments()
        .with_only_columns(
            AssignmentRow.window_id,
            EFFECTIVE_DEADLINE,
            UnitRow.id,
            UnitRow.name,
            AssignmentRow.id,
        )
        .where(where, AssignmentRow.window_id.in_(page_ids))
        .order_by(UnitRow.name, UnitRow.id)
    )
    for window_id, deadline, unit, name, assignment in unit_rows:
        late[(window_id, deadline)].append(LateUnit(unit, name, assignment))
    for units in late.values():
        units.sort(key=lambda unit: natural_key(unit.name))
    details = await session.execute(
        select(
            WindowRow.id,
            TaskRow.id,
            TaskRow.plan_id,
            TaskRow.code,
            TaskRow.title,
            MEASURE.title,
            TaskRow.section_code,
            TaskRow.section_title,
            WindowRow.start,
            WindowRow.end,
            WindowRow.label,
            PlanRow.name,
        )
        .join(TaskRow, TaskRow.id == WindowRow.task_id)
        .join(PlanRow, PlanRow.id == TaskRow.plan_id)
        .outerjoin(
            MEASURE,
            and_(MEASURE.plan_id == TaskRow.plan_id, MEASURE.code == TaskRow.measure_code),
        )
        .where(WindowRow.id.in_(page_ids))
    )
    by_window = {row[0]: row for row in details}
    items = []
    for window_id, deadline in page_keys:
        row = by_window[window_id]
        items.append(
            OverdueMeasure(
                task_id=row[1],
                window_id=window_id,
                plan_id=row[2],
                plan_name=plan_label(row[2], row[11]),
                code=row[3],
                title=row[4],
                measure_title=row[5],
                section_code=row[6],
                section_title=row[7],
                window_start=row[8],
                window_end=deadline,
                window_label=row[10],
                days_overdue=(plans[row[2]].today - deadline).days,
                units=tuple(late[(window_id, deadline)]),
            )
        )
    return Page(tuple(items), total or 0, offset, limit)


async def overdue_for(
    session: AsyncSession,
    now: datetime,
    flt: OverdueFilter,
    *,
    only_units: Collection[int] | None = None,
    offset: int = 0,
    limit: int = 10,
) -> Page[OverdueMeasure]:
    """`overdue` with a resolved filter; `only_units` narrows it further (a member's units)."""
    units: Collection[int] | None = flt.unit_ids
    if only_units is not None:
        units = set(only_units) if units is None else set(units) & set(only_units)
    return await overdue(
        session,
        now,
        plan_id=flt.plan_id,
        section=flt.section,
        party=flt.party,
        only_units=units,
        offset=offset,
        limit=limit,
    )


# --------------------------------------------------------------------------------- progress


@dataclass(frozen=True, slots=True)
class Counts:
    confirmed: int = 0
    due: int = 0
    overdue: int = 0
    upcoming: int = 0
    undated: int = 0
    """Asked of units, but the term gives no date yet («по графику ФЦТ»): no assignment yet."""

    @property
    def total(self) -> int:
        return self.confirmed + self.due + self.overdue + self.upcoming

    @property
    def percent(self) -> int:
        """Confirmed out of everything assigned, rounded down: 100 only when all is done."""
        return self.confirmed * 100 // self.total if self.total else 0

    def plus(self, status: ControlStatus, n: int = 1) -> "Counts":
        values = {
            "confirmed": self.confirmed,
            "due": self.due,
            "overdue": self.overdue,
            "upcoming": self.upcoming,
        }
        values[str(status)] += n
        return Counts(**values, undated=self.undated)

    def with_undated(self, n: int) -> "Counts":
        return replace(self, undated=self.undated + n)


@dataclass(frozen=True, slots=True)
class SectionProgress:
    code: str | None
    title: str
    counts: Counts


@dataclass(frozen=True, slots=True)
class PlanProgress:
    plan_id: str
    name: str
    """What messages call the plan (`plan_label`)."""
    title: str
    timezone: str
    today: date
    counts: Counts
    sections: tuple[SectionProgress, ...]


@dataclass(slots=True)
class _Tally:
    title: str
    position: int
    counts: Counts = field(default_factory=Counts)


def _plan_progress(plan: _Plan, tallies: Mapping[str | None, _Tally]) -> PlanProgress:
    ordered = sorted(tallies.items(), key=lambda item: item[1].position)
    sections = tuple(SectionProgress(code, t.title, t.counts) for code, t in ordered)
    total = Counts()
    for part in sections:
        total = Counts(
            total.confirmed + part.counts.confirmed,
            total.due + part.counts.due,
            total.overdue + part.counts.overdue,
            total.upcoming + part.counts.upcoming,
            total.undated + part.counts.undated,
        )
    return PlanProgress(plan.id, plan.name, plan.title, plan.timezone, plan.today, total, sections)


async def progress(
    session: AsyncSession, now: datetime, plan_id: str | None = None
) -> list[PlanProgress]:
    """Per plan and per section: confirmed / due / overdue / upcoming assignments.

    Counted in the database by (section, status, window dates): one row per distinct window
    and status, however many units there are.
    """
    plans = await _plans(session, now, plan_id)
    query = (
        _assignments()
        .with_only_columns(
            TaskRow.plan_id,
            TaskRow.section_code,
            TaskRow.section_title,
            AssignmentRow.status,
            WindowRow.start,
            EFFECTIVE_DEADLINE,
            func.count(),
            func.min(TaskRow.position),
        )
        .where(_live)
        .group_by(
            TaskRow.plan_id,
            TaskRow.section_code,
            TaskRow.section_title,
            AssignmentRow.status,
            WindowRow.start,
            EFFECTIVE_DEADLINE,
        )
    )
    if plan_id is not None:
        query = query.where(TaskRow.plan_id == plan_id)
    tallies: dict[str, dict[str | None, _Tally]] = defaultdict(dict)
    today = {plan.id: plan.today for plan in plans}
    for pid, code, title, status, start, end, count, position in await session.execute(query):
        if pid not in today:
            continue
        tally = tallies[pid].setdefault(code, _Tally(title, position))
        tally.position = min(tally.position, position)
        tally.counts = tally.counts.plus(classify(status, start, end, today[pid]), count)
    for plan in plans:
        await _add_undated(session, plan.id, tallies[plan.id])
    return [_plan_progress(plan, tallies.get(plan.id, {})) for plan in plans]


async def _add_undated(
    session: AsyncSession, plan_id: str, tallies: dict[str | None, _Tally]
) -> None:
    for code, title, position, units in await _undated(session, plan_id):
        tally = tallies.setdefault(code, _Tally(title, position))
        tally.position = min(tally.position, position)
        tally.counts = tally.counts.with_undated(units)


async def _undated(session: AsyncSession, plan_id: str) -> list[tuple[str | None, str, int, int]]:
    """(section code, section title, position, units asked) of the tasks with no date yet."""
    asked = await task_units(session, plan_id)
    dated = select(WindowRow.id).where(WindowRow.task_id == TaskRow.id, WindowRow.active)
    rows = await session.execute(
        select(TaskRow.id, TaskRow.section_code, TaskRow.section_title, TaskRow.position).where(
            TaskRow.plan_id == plan_id, TaskRow.active, ~dated.exists()
        )
    )
    return [
        (code, title, position, len(asked[task_id]))
        for task_id, code, title, position in rows
        if asked.get(task_id)
    ]


# ----------------------------------------------------------------------------- measure card


@dataclass(frozen=True, slots=True)
class UnitState:
    unit_id: int
    unit_name: str
    assignment_id: int
    status: ControlStatus
    days_overdue: int | None
    confirmed_at: datetime | None
    confirmed_by: str | None
    evidence: int = 0
    """Documents and photos the unit attached."""
    review: ReviewState | None = None
    """In a plan with acceptance: a confirmation on review or accepted; None otherwise."""
    due_date: date | None = None
    """The unit's approved extension, if any: its deadline in place of the window's end."""


@dataclass(frozen=True, slots=True)
class CardWindow:
    window_id: int
    seq: int
    start: date | None
    end: date
    label: str | None
    ongoing: bool
    units: tuple[UnitState, ...]

    @property
    def counts(self) -> Counts:
        counts = Counts()
        for unit in self.units:
            counts = counts.plus(unit.status)
        return counts


@dataclass(frozen=True, slots=True)
class CardTask:
    task_id: int
    code: str
    title: str
    term_text: str | None
    responsible: str | None
    windows: tuple[CardWindow, ...]


@dataclass(frozen=True, slots=True)
class CardComment:
    code: str
    unit_name: str
    author: str
    at: datetime
    text: str
    returned: bool = False
    """Staff returned the unit's confirmation with this comment."""


@dataclass(frozen=True, slots=True)
class MeasureCard:
    plan_id: str
    plan_name: str
    plan_title: str
    timezone: str
    today: date
    task_id: int
    code: str
    title: str
    measure_title: str | None
    """For a sub-item: the title of its measure."""
    section_code: str | None
    section_title: str
    term_text: str | None
    """Verbatim, as the plan writes it."""
    responsible: str | None
    """Verbatim, as the plan writes it."""
    result: str | None
    parties: tuple[str, ...]
    tasks: tuple[CardTask, ...]
    """The task itself, or a measure's sub-items: those are what units confirm."""
    comments: tuple[CardComment, ...]
    acceptance: bool = False
    """The plan has staff accept confirmations: units show «on review» or «accepted»."""
    history: tuple[DeadlineEvent, ...] = ()
    """Deadline changes and decided extension requests, oldest first."""

    @property
    def counts(self) -> Counts:
        counts = Counts()
        for task in self.tasks:
            for window in task.windows:
                for unit in window.units:
                    counts = counts.plus(unit.status)
        return counts

    @property
    def evidence(self) -> int:
        return sum(
            unit.evidence
            for task in self.tasks
            for window in task.windows
            for unit in window.units
        )


async def measure_card(
    session: AsyncSession, plan_id: str | None, code: str, now: datetime
) -> MeasureCard:
    """The card of a measure or sub-item by its code; AmbiguousCode if several plans have it."""
    query = select(TaskRow.id, TaskRow.plan_id).where(TaskRow.code == code, TaskRow.active)
    if plan_id is not None:
        query = query.where(TaskRow.plan_id == plan_id)
    found = (await session.execute(query.order_by(TaskRow.plan_id))).all()
    if not found:
        raise NotFound(f"no measure {code}" + (f" in plan {plan_id}" if plan_id else ""))
    if len(found) > 1:
        raise AmbiguousCode(code, tuple(pid for _id, pid in found))
    return await measure_card_for_task(session, found[0][0], now)


async def measure_card_for_task(session: AsyncSession, task_id: int, now: datetime) -> MeasureCard:
    task = await session.get(TaskRow, task_id)
    if task is None:
        raise NotFound(f"no task {task_id}")
    plan = await session.get(PlanRow, task.plan_id)
    assert plan is not None  # a foreign key
    today = local_today(now, plan.timezone)
    measure_title = None
    if task.measure_code is not None:
        measure_title = await session.scalar(
            select(TaskRow.title).where(
                TaskRow.plan_id == task.plan_id, TaskRow.code == task.measure_code
            )
        )
    items = list(
        await session.scalars(
            select(TaskRow)
            .where(
                TaskRow.plan_id == task.plan_id,
                TaskRow.measure_code == task.code,
                TaskRow.active,
            )
            .order_by(TaskRow.position)
        )
    )
    parts = items or [task]
    part_ids = [part.id for part in parts]
    windows = list(
        await session.scalars(
            select(WindowRow)
            .where(WindowRow.task_id.in_(part_ids), WindowRow.active)
            .order_by(WindowRow.task_id, WindowRow.seq)
        )
    )
    states: dict[int, list[UnitState]] = defaultdict(list)
    result = await session.execute(
        _assignments()
        .with_only_columns(
            AssignmentRow.window_id,
            UnitRow.id,
            UnitRow.name,
            AssignmentRow.id,
            AssignmentRow.status,
            WindowRow.start,
            EFFECTIVE_DEADLINE,
            AssignmentRow.confirmed_at,
            _confirmer.full_name,
            AssignmentRow.accepted_at,
            AssignmentRow.due_date,
        )
        .outerjoin(_confirmer, _confirmer.id == AssignmentRow.confirmed_by_user_id)
        .where(_live, WindowRow.task_id.in_(part_ids))
        .order_by(UnitRow.name, UnitRow.id)
    )
    rows = result.all()
    files = await evidence_counts(session, [row[3] for row in rows])
    acceptance = stored_control(plan).acceptance
    for row in rows:
        window_id, unit_id, name, assignment_id, status, start, end, at, who = row[:9]
        accepted_at, due_date = row[9:11]
        state = classify(status, start, end, today)
        late = (today - end).days if state is ControlStatus.OVERDUE else None
        review = None
        if acceptance and state is ControlStatus.CONFIRMED:
            review = ReviewState.ACCEPTED if accepted_at else ReviewState.ON_REVIEW
        states[window_id].append(
            UnitState(
                unit_id,
                name,
                assignment_id,
                state,
                late,
                at,
                who if at else None,
                files.get(assignment_id, 0),
                review=review,
                due_date=due_date,
            )
        )
    by_task: dict[int, list[CardWindow]] = defaultdict(list)
    for window in windows:
        by_task[window.task_id].append(
            CardWindow(
                window.id,
                window.seq,
                window.start,
                window.end,
                window.label,
                window.ongoing,
                tuple(sorted(states.get(window.id, ()), key=lambda s: natural_key(s.unit_name))),
            )
        )
    comments = await session.execute(
        select(
            TaskRow.code,
            UnitRow.name,
            UserRow.full_name,
            AssignmentEventRow.at,
            AssignmentEventRow.text,
            AssignmentEventRow.kind,
        )
        .select_from(AssignmentEventRow)
        .join(AssignmentRow, AssignmentRow.id == AssignmentEventRow.assignment_id)
        .join(WindowRow, WindowRow.id == AssignmentRow.window_id)
        .join(TaskRow, TaskRow.id == WindowRow.task_id)
        .join(UnitRow, UnitRow.id == AssignmentRow.unit_id)
        .join(UserRow, UserRow.id == AssignmentEventRow.user_id)
        .where(
            # A return's comment stays on the card after the unit confirms again.
            AssignmentEventRow.kind.in_((EventKind.COMMENTED, EventKind.RETURNED)),
            WindowRow.task_id.in_(part_ids),
        )
        .order_by(AssignmentEventRow.at, AssignmentEventRow.id)
    )
    parties = await session.scalars(
        select(TaskPartyRow.party_name)
        .where(TaskPartyRow.task_id == task.id)
        .order_by(TaskPartyRow.position)
    )
    return MeasureCard(
        plan_id=plan.id,
        plan_name=plan_label(plan.id, plan.name),
        plan_title=plan.title,
        timezone=plan.timezone,
        today=today,
        task_id=task.id,
        code=task.code,
        title=task.title,
        measure_title=measure_title,
        section_code=task.section_code,
        section_title=task.section_title,
        term_text=task.term_text,
        responsible=task.responsible,
        result=task.result,
        parties=tuple(parties),
        tasks=tuple(
            CardTask(
                part.id,
                part.code,
                part.title,
                part.term_text,
                part.responsible,
                tuple(by_task.get(part.id, ())),
            )
            for part in parts
        ),
        comments=tuple(
            CardComment(code, unit, author, at, text or "", kind is EventKind.RETURNED)
            for code, unit, author, at, text, kind in comments
        ),
        acceptance=acceptance,
        history=await deadline_history(session, task.id),
    )


# --------------------------------------------------------------------------------- coverage


@dataclass(frozen=True, slots=True)
class UnitCoverage:
    unit_id: int
    name: str
    members: int
    """Active memberships of users the bot can reach."""
    blocked: tuple[str, ...]
    """Members who blocked the bot (Telegram refuses to deliver to them)."""
    failed: int
    """Reminder deliveries to this unit's members that failed for good."""
    in_max: int = 0
    """Of `members`, those whose reminders go to MAX (they chose it, or have no Telegram)."""

    @property
    def covered(self) -> bool:
        return self.members > 0


@dataclass(frozen=True, slots=True)
class PartyCoverage:
    name: str
    kind: PartyKind
    units: tuple[UnitCoverage, ...]

    @property
    def covered(self) -> bool:
        return any(unit.covered for unit in self.units)


@dataclass(frozen=True, slots=True)
class PlanCoverage:
    plan_id: str
    name: str
    title: str
    parties: tuple[PartyCoverage, ...]
    """The parties the plan's measures name, in name order."""

    @property
    def gaps(self) -> tuple[PartyCoverage, ...]:
        """Parties with nobody to remind: no unit at all, or no unit with a reachable member."""
        return tuple(party for party in self.parties if not party.covered)


@dataclass(frozen=True, slots=True)
class Coverage:
    plans: tuple[PlanCoverage, ...]


async def _reminded_in_max(session: AsyncSession, members: dict[int, list[int]]) -> dict[int, int]:
    """Per unit, how many of its active members are reminded in MAX (`reminder_routes` with
    both messengers: linked there, and MAX chosen or no Telegram)."""
    everyone = {user_id for users in members.values() for user_id in users}
    routes = await reminder_routes(session, everyone, ("telegram", "max"))
    counts = {
        unit_id: sum(routes.get(user_id, ("telegram", 0))[0] == "max" for user_id in users)
        for unit_id, users in members.items()
    }
    return {unit_id: count for unit_id, count in counts.items() if count}


async def coverage(session: AsyncSession, plan_id: str | None = None) -> Coverage:
    """Who can be reached for each party the plans name, unit by unit."""
    plans_query = select(PlanRow.id, PlanRow.name, PlanRow.title).order_by(PlanRow.id)
    if plan_id is not None:
        plans_query = plans_query.where(PlanRow.id == plan_id)
    plans = (await session.execute(plans_query)).all()
    plan_ids = [pid for pid, _name, _title in plans]

    named = await session.execute(
        select(TaskRow.plan_id, TaskPartyRow.party_name)
        .join(TaskPartyRow, TaskPartyRow.task_id == TaskRow.id)
        .where(TaskRow.active, TaskRow.plan_id.in_(plan_ids))
        .distinct()
    )
    named_by_plan: dict[str, set[str]] = defaultdict(set)
    for pid, name in named:
        named_by_plan[pid].add(name)
    party_rows = {
        (pid, name): (kind, of)
        for pid, name, kind, of in await session.execute(
            select(PartyRow.plan_id, PartyRow.name, PartyRow.kind, PartyRow.of).where(
                PartyRow.plan_id.in_(plan_ids), PartyRow.active
            )
        )
    }
    units_by_party: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
    for pid, party, unit_id, name in await session.execute(
        select(UnitPartyRow.plan_id, UnitPartyRow.party_name, UnitRow.id, UnitRow.name)
        .join(UnitRow, UnitRow.id == UnitPartyRow.unit_id)
        .where(UnitRow.active, UnitRow.plan_id.in_(plan_ids))
        .order_by(UnitRow.name, UnitRow.id)
    ):
        units_by_party[(pid, party)].append((unit_id, name))

    members: dict[int, int] = defaultdict(int)
    blocked: dict[int, list[str]] = defaultdict(list)
    active_members: dict[int, list[int]] = defaultdict(list)
    for unit_id, user_id, active, full_name in await session.execute(
        select(MembershipRow.unit_id, UserRow.id, UserRow.active, UserRow.full_name)
        .join(UserRow, UserRow.id == MembershipRow.user_id)
        .join(UnitRow, UnitRow.id == MembershipRow.unit_id)
        .where(MembershipRow.revoked_at.is_(None), UnitRow.plan_id.in_(plan_ids))
        .order_by(UserRow.full_name)
    ):
        if active:
            members[unit_id] += 1
            active_members[unit_id].append(user_id)
        else:
            blocked[unit_id].append(full_name)
    in_max = await _reminded_in_max(session, active_members)
    failed_rows = await session.execute(
        select(AssignmentRow.unit_id, func.count(OutboxRow.id))
        .select_from(OutboxRow)
        .join(ReminderRow, ReminderRow.id == OutboxRow.reminder_id)
        .join(AssignmentRow, AssignmentRow.id == ReminderRow.assignment_id)
        .join(UnitRow, UnitRow.id == AssignmentRow.unit_id)
        .where(OutboxRow.status == DeliveryStatus.FAILED, UnitRow.plan_id.in_(plan_ids))
        .group_by(AssignmentRow.unit_id)
    )
    failed = {unit_id: count for unit_id, count in failed_rows}  # noqa: C416 - a Result is no mapping

    def unit_coverage(unit_id: int, name: str) -> UnitCoverage:
        return UnitCoverage(
            unit_id, name, members.get(unit_id, 0), tuple(blocked.get(unit_id, ())),
            failed.get(unit_id, 0), in_max.get(unit_id, 0),
        )  # fmt: skip

    result = []
    for pid, plan_name, title in plans:
        parties = []
        for name in sorted(named_by_plan.get(pid, ()), key=str.casefold):
            if (pid, name) not in party_rows:
                continue
            kind, of = party_rows[(pid, name)]
            units = dict(units_by_party.get((pid, name), ()))
            if kind is PartyKind.GROUP and of is not None:
                units |= dict(units_by_party.get((pid, of), ()))
            ordered = sorted(units.items(), key=lambda unit: (natural_key(unit[1]), unit[0]))
            parties.append(
                PartyCoverage(name, kind, tuple(unit_coverage(u, n) for u, n in ordered))
            )
        result.append(PlanCoverage(pid, plan_label(pid, plan_name), title, tuple(parties)))
    return Coverage(tuple(result))


# ----------------------------------------------------------------------------------- report


@dataclass(frozen=True, slots=True)
class PlanReport:
    plan_id: str
    title: str
    timezone: str
    today: date
    rows: tuple[ReportRow, ...]
    progress: PlanProgress
    overdue_history: tuple[tuple[date, int], ...]
    """For each day: how many assignments were past due and not yet confirmed."""


@dataclass(frozen=True, slots=True)
class ReportData:
    generated_at: datetime
    plans: tuple[PlanReport, ...]


def overdue_history(
    spans: Iterable[tuple[date, date | None]], first: date, last: date
) -> tuple[tuple[date, int], ...]:
    """(window end, local day of confirmation or None) → overdue count for each day first..last.

    An assignment is overdue on day D when its window ended before D and it was not confirmed
    on or before D. The current confirmation is what counts: one undone in between is not seen.
    """
    if last < first:
        return ()
    delta: dict[date, int] = defaultdict(int)
    for end, confirmed in spans:
        begins = max(end + timedelta(days=1), first)
        stops = confirmed if confirmed is not None else last + timedelta(days=1)
        if stops > begins:
            delta[begins] += 1
            delta[stops] -= 1
    history = []
    running = 0
    day = first
    while day <= last:
        running += delta.get(day, 0)
        history.append((day, running))
        day += timedelta(days=1)
    return tuple(history)


async def _undated_rows(session: AsyncSession, plan_id: str) -> list[tuple[int, ReportRow]]:
    """A report row per unit asked by a task with no date yet, with the task's position."""
    asked = await task_units(session, plan_id)
    dated = select(WindowRow.id).where(WindowRow.task_id == TaskRow.id, WindowRow.active)
    tasks = (
        await session.execute(
            select(TaskRow, MEASURE.title)
            .outerjoin(
                MEASURE,
                and_(MEASURE.plan_id == TaskRow.plan_id, MEASURE.code == TaskRow.measure_code),
            )
            .where(TaskRow.plan_id == plan_id, TaskRow.active, ~dated.exists())
        )
    ).all()
    wanted = {unit for task, _title in tasks for unit in asked.get(task.id, ())}
    names = dict(
        (await session.execute(select(UnitRow.id, UnitRow.name).where(UnitRow.id.in_(wanted))))
        .tuples()
        .all()
    )
    return [
        (
            task.position,
            ReportRow(
                section_code=task.section_code,
                section_title=task.section_title,
                code=task.code,
                title=task.title,
                measure_title=measure_title,
                term_text=task.term_text,
                responsible=task.responsible,
                window_start=None,
                window_end=None,
                window_label=None,
                unit_name=names[unit],
                status=None,
                days_overdue=None,
                confirmed_at=None,
                confirmed_by=None,
            ),
        )
        for task, measure_title in tasks
        for unit in sorted(asked.get(task.id, ()))
    ]


async def report_data(session: AsyncSession, plan_id: str | None, now: datetime) -> ReportData:
    """Everything the report shows, in one pass over the assignments of the plan(s)."""
    plans = await _plans(session, now, plan_id)
    if plan_id is not None and not plans:
        raise NotFound(f"no plan {plan_id}")
    # Core execution: tens of thousands of plain rows need none of the ORM's result handling.
    connection = await session.connection()
    rows = await connection.execute(
        _assignments(measure=True)
        .with_only_columns(
            TaskRow.plan_id,
            TaskRow.section_code,
            TaskRow.section_title,
            TaskRow.code,
            TaskRow.title,
            MEASURE.title,
            TaskRow.term_text,
            TaskRow.responsible,
            WindowRow.start,
            EFFECTIVE_DEADLINE,
            WindowRow.label,
            UnitRow.name,
            AssignmentRow.status,
            AssignmentRow.confirmed_at,
            _confirmer.full_name,
            TaskRow.position,
            WindowRow.seq,
        )
        .outerjoin(_confirmer, _confirmer.id == AssignmentRow.confirmed_by_user_id)
        .where(_live, TaskRow.plan_id.in_([plan.id for plan in plans]))
        .order_by(TaskRow.plan_id, TaskRow.position, WindowRow.seq, UnitRow.name, UnitRow.id)
    )
    by_plan: dict[str, list[ReportRow]] = defaultdict(list)
    spans: dict[str, list[tuple[date, date | None]]] = defaultdict(list)
    starts: dict[str, date] = {}  # the first window end: nothing is overdue before it
    order: dict[str, list[tuple[int, int, tuple[tuple[int, str], ...]]]] = defaultdict(list)
    tallies: dict[str, dict[str | None, _Tally]] = defaultdict(dict)
    info = {plan.id: plan for plan in plans}
    for row in rows:
        plan = info[row[0]]
        zone = ZoneInfo(plan.timezone)
        status = classify(row[12], row[8], row[9], plan.today)
        confirmed_at = row[13].astimezone(zone) if row[13] is not None else None
        by_plan[plan.id].append(
            ReportRow(
                section_code=row[1],
                section_title=row[2],
                code=row[3],
                title=row[4],
                measure_title=row[5],
                term_text=row[6],
                responsible=row[7],
                window_start=row[8],
                window_end=row[9],
                window_label=row[10],
                unit_name=row[11],
                status=status,
                days_overdue=(plan.today - row[9]).days
                if status is ControlStatus.OVERDUE
                else None,
                confirmed_at=confirmed_at,
                confirmed_by=row[14] if confirmed_at is not None else None,
            )
        )
        order[plan.id].append((row[15], row[16], natural_key(row[11])))
        spans[plan.id].append((row[9], confirmed_at.date() if confirmed_at else None))
        starts[plan.id] = min(starts.get(plan.id, row[9]), row[9])
        tally = tallies[plan.id].setdefault(row[1], _Tally(row[2], row[15]))
        tally.counts = tally.counts.plus(status)
    reports = []
    for plan in plans:
        await _add_undated(session, plan.id, tallies[plan.id])
        for position, undated in await _undated_rows(session, plan.id):
            by_plan[plan.id].append(undated)
            order[plan.id].append((position, 0, natural_key(undated.unit_name)))
        first = starts.get(plan.id, plan.today)
        keys = order.get(plan.id, [])
        ranked = sorted(range(len(keys)), key=keys.__getitem__)
        plan_rows = by_plan.get(plan.id, [])
        reports.append(
            PlanReport(
                plan.id,
                plan.title,
                plan.timezone,
                plan.today,
                tuple(plan_rows[i] for i in ranked),
                _plan_progress(plan, tallies.get(plan.id, {})),
                overdue_history(spans.get(plan.id, ()), min(first, plan.today), plan.today),
            )
        )
    return ReportData(now, tuple(reports))
