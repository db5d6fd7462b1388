"""Loading a plan into the database: idempotent, history-keeping, explicit about what changed."""

import dataclasses
import hashlib
import json
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, delete, insert, literal, select, true, update
from sqlalchemy import text as sql
from sqlalchemy.ext.asyncio import AsyncSession

from bot.plan.control import ControlSettings
from bot.plan.dating import PlanDates, dated_windows, dates_from_json, dates_json, plan_dates
from bot.plan.model import Item, Measure, Plan, Task, plan_label
from bot.plan.parties import Party, PartyKind
from bot.reminders.calendar import WorkingCalendar
from bot.reminders.policy import DEFAULT_SETTINGS, ReminderSettings
from bot.services._common import assign
from bot.services.errors import Conflict, DomainError
from bot.services.types import AssignmentStatus, UnitKind
from bot.terms import ParsedTerm, SchoolYear, TermKind, Window, parse_term
from storage.models import (
    AssignmentRow,
    PartyRow,
    PlanRow,
    TaskPartyRow,
    TaskRow,
    UnitPartyRow,
    UnitRow,
    WindowRow,
)

# Core tables for bulk inserts: rows that are written, never loaded as objects.
_TASKS = cast(Table, TaskRow.__table__)
_WINDOWS = cast(Table, WindowRow.__table__)
_TASK_PARTIES = cast(Table, TaskPartyRow.__table__)
_ASSIGNMENTS = cast(Table, AssignmentRow.__table__)

_UNIT_KINDS = {PartyKind.PERSON: UnitKind.PERSON, PartyKind.ORGANISATION: UnitKind.ORGANISATION}


def year_ended(school_year: str, timezone: str, now: datetime) -> date | None:
    """The last day of the plan's school year (31 August) once that day is past in the plan's
    zone, else None. Such a plan is archived: its open items are no longer «overdue» in /my
    or in reminders (a 2023/24 plan would count «просрочено на 1131 день» otherwise), while
    reports keep them."""
    end = SchoolYear.parse(school_year).end
    return end if now.astimezone(ZoneInfo(timezone)).date() > end else None


@dataclass(frozen=True, slots=True)
class ArchivedPlan:
    plan_id: str
    label: str
    """What messages call the plan: its short name, else its id."""
    ended: date


async def archived_plans(
    session: AsyncSession, now: datetime, plan_ids: Iterable[str] | None = None
) -> tuple[ArchivedPlan, ...]:
    """The plans (of `plan_ids`, else all) whose school year is over at `now`."""
    query = select(PlanRow.id, PlanRow.name, PlanRow.school_year, PlanRow.timezone).order_by(
        PlanRow.id
    )
    if plan_ids is not None:
        query = query.where(PlanRow.id.in_(set(plan_ids)))
    found = []
    for plan_id, name, school_year, timezone in await session.execute(query):
        ended = year_ended(school_year, timezone, now)
        if ended is not None:
            found.append(ArchivedPlan(plan_id, plan_label(plan_id, name), ended))
    return tuple(found)


@dataclass(frozen=True, slots=True)
class AssignmentSync:
    created: int = 0
    deactivated: int = 0
    reactivated: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.deactivated or self.reactivated)


@dataclass(frozen=True, slots=True)
class SyncReport:
    plan_id: str
    added: tuple[str, ...]
    updated: tuple[str, ...]
    unchanged: tuple[str, ...]
    disappeared: tuple[str, ...]
    """Codes no longer in the file: marked inactive, their history kept."""
    windows_changed: tuple[str, ...]
    """Updated codes whose deadline windows moved (confirmations already given stay)."""
    units_added: tuple[str, ...]
    assignments: AssignmentSync
    plan_changed: bool
    """The plan's own fields (title, authority, time zone, ...) changed or it is new."""

    @property
    def changed(self) -> bool:
        return bool(
            self.plan_changed
            or self.added
            or self.updated
            or self.disappeared
            or self.units_added
            or self.assignments.changed
        )


@dataclass(frozen=True, slots=True)
class _Placed:
    task: Task
    position: int
    measure: Measure


def _placed(plan: Plan) -> Iterator[_Placed]:
    position = 0
    for measure in plan.measures:
        for task in (measure, *measure.items):
            yield _Placed(task, position, measure)
            position += 1


def _task_values(placed: _Placed) -> dict[str, object]:
    task, measure = placed.task, placed.measure
    return {
        "measure_code": task.measure_code if isinstance(task, Item) else None,
        "parent_code": measure.parent_code if task is measure else None,
        "title": task.title,
        "term_text": task.term_text,
        "kind": str(task.kind) if task.kind is not None else None,
        "responsible": task.responsible,
        "result": task.result,
        "section_code": measure.section_code,
        "section_title": measure.section_title,
    }


def _content_hash(placed: _Placed) -> str:
    """What a task says, not where it stands: moving a measure down the table is no change."""
    payload = {
        **_task_values(placed),
        "parties": list(placed.task.parties),
        "windows": [
            [w.start.isoformat() if w.start else None, w.end.isoformat(), w.label]
            for w in placed.task.windows
        ],
    }
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


TaskWindow = tuple[Window, bool]
"""A window a task is reminded of, and whether it is ongoing (status checks, no due date)."""

# Terms whose date may come from an admin (`/setdate`); the others carry dates of their own.
DATELESS_KINDS = frozenset(
    {TermKind.EXTERNAL, TermKind.RELATIVE, TermKind.ONGOING, TermKind.MIXED}
)


def effective_windows(
    term: ParsedTerm | None,
    explicit: tuple[Window, ...],
    school_year: SchoolYear,
    events: Mapping[str, tuple[date, ...]],
    external_date: date | None,
    *,
    dates: PlanDates | None = None,
) -> tuple[TaskWindow, ...]:
    """Ongoing periods first, then due-date windows: adding a date later keeps earlier seqs.

    `dates` (the plan's exam calendar and order date, `bot.plan.dating`) wins over
    `school_year` and `events` when given."""
    dates = dates or PlanDates(school_year, events)
    return dated_windows(term, explicit, dates, external_date, WorkingCalendar())


def task_windows(
    plan: Plan, task: Task, external_date: date | None = None
) -> tuple[TaskWindow, ...]:
    return effective_windows(
        task.term,
        task.windows,
        plan.school_year,
        plan.events,
        external_date,
        dates=plan_dates(plan),
    )


def settings_json(settings: ReminderSettings) -> dict[str, Any]:
    values = dataclasses.asdict(settings)
    return {
        name: value.isoformat() if isinstance(value, time) else value
        for name, value in values.items()
    } | {"days_before": list(settings.days_before)}


def stored_control(row: PlanRow) -> ControlSettings:
    """The plan's control settings (acceptance, escalation, coordinators) as last loaded."""
    return ControlSettings.from_json(row.control_settings)


def stored_settings(row: PlanRow) -> ReminderSettings:
    """The plan's reminder settings as last loaded; fields added since keep their defaults."""
    stored = row.reminder_settings or {}
    values: dict[str, Any] = {}
    for field in dataclasses.fields(ReminderSettings):
        if field.name not in stored:
            continue
        value = stored[field.name]
        default = getattr(DEFAULT_SETTINGS, field.name)
        if isinstance(default, time):
            value = time.fromisoformat(value)
        elif isinstance(default, tuple):
            value = tuple(value)
        values[field.name] = value
    return ReminderSettings(**values)


def events_json(events: Mapping[str, tuple[date, ...]]) -> dict[str, list[str]]:
    return {slug: [day.isoformat() for day in days] for slug, days in sorted(events.items())}


def stored_events(row: PlanRow) -> dict[str, tuple[date, ...]]:
    return {
        slug: tuple(date.fromisoformat(day) for day in days)
        for slug, days in (row.events or {}).items()
        if not slug.startswith("@")  # the exam periods and order date (`dates_json`)
    }


def stored_dates(row: PlanRow) -> PlanDates:
    """The plan's dates (`bot.plan.dating.PlanDates`) as last loaded."""
    lead = max(stored_settings(row).days_before, default=0)
    return dates_from_json(SchoolYear.parse(row.school_year), row.events, lead)


def stored_task_windows(
    plan_row: PlanRow, task_row: TaskRow, external_date: date | None
) -> tuple[TaskWindow, ...]:
    """`task_windows` from what the database holds, for a task whose term gives no dates."""
    school_year = SchoolYear.parse(plan_row.school_year)
    text = task_row.term_text
    term = parse_term(text, school_year) if text else None
    return effective_windows(
        term, (), school_year, stored_events(plan_row), external_date, dates=stored_dates(plan_row)
    )


async def sync_plan(session: AsyncSession, plan: Plan, now: datetime) -> SyncReport:
    """Bring the database in line with a loaded plan; syncing the same plan again is a no-op."""
    try:
        plan_row, plan_changed = await _upsert_plan(session, plan, now)
        units_added, parties_changed = await _sync_parties(session, plan, now)
        added, updated, unchanged, disappeared, windows_changed = await _sync_tasks(session, plan)
        # Assignments follow from tasks, windows, parties and units; when none of them moved
        # there is nothing to stage, and reading every assignment of a big plan (900,000 for
        # 1,000 measures × 900 schools) is most of what a no-op re-sync would cost. Units
        # registered later stage their own assignments (`bot.services.units`).
        moved = parties_changed or added or updated or disappeared or windows_changed
        assignments = await stage_assignments(session, plan.id, now) if moved else AssignmentSync()
    except DomainError:
        await session.rollback()
        raise
    report = SyncReport(
        plan.id,
        added,
        updated,
        unchanged,
        disappeared,
        windows_changed,
        units_added,
        assignments,
        plan_changed,
    )
    if report.changed:
        plan_row.loaded_at = now
    await session.commit()
    return report


async def list_plan_ids(session: AsyncSession) -> list[str]:
    return list(await session.scalars(select(PlanRow.id).order_by(PlanRow.id)))


async def ensure_assignments(session: AsyncSession, plan_id: str, now: datetime) -> AssignmentSync:
    """Give every (window, unit) the plan asks for an assignment; retire those it no longer asks.

    Retired assignments keep their status and audit trail and come back if the plan asks again.
    """
    result = await stage_assignments(session, plan_id, now)
    await session.commit()
    return result


async def _upsert_plan(session: AsyncSession, plan: Plan, now: datetime) -> tuple[PlanRow, bool]:
    values = {
        "name": plan.name,
        "title": plan.title,
        "authority": plan.authority,
        "timezone": plan.timezone.key,
        "school_year": str(plan.school_year),
        "file": plan.file,
        "reminder_settings": settings_json(plan.reminder_settings),
        "events": events_json(plan.events) | dates_json(plan_dates(plan)),
        "control_settings": plan.control.to_json(),
    }
    row = await session.get(PlanRow, plan.id)
    if row is None:
        row = PlanRow(id=plan.id, loaded_at=now, **values)
        session.add(row)
        await session.flush()
        return row, True
    return row, assign(row, **values)


def _canonical_of(plan: Plan, party: Party) -> str | None:
    if party.of is None:
        return None
    match = plan.directory.resolve(party.of)
    return match.party.name if match is not None else party.of


async def _sync_parties(
    session: AsyncSession, plan: Plan, now: datetime
) -> tuple[tuple[str, ...], bool]:
    """The plan's parties and their own units; returns the units added and whether anything
    changed."""
    changed = False
    rows = {
        row.name: row
        for row in await session.scalars(select(PartyRow).where(PartyRow.plan_id == plan.id))
    }
    for party in plan.directory.parties:
        values = {
            "kind": party.kind,
            "full_name": party.full_name,
            "of": _canonical_of(plan, party),
            "active": True,
        }
        row = rows.pop(party.name, None)
        if row is None:
            session.add(PartyRow(plan_id=plan.id, name=party.name, **values))
            changed = True
        else:
            changed |= assign(row, **values)
    for row in rows.values():
        changed |= assign(row, active=False)
    await session.flush()
    units_added, units_changed = await _sync_party_units(session, plan, now)
    return units_added, changed or units_changed


async def _sync_party_units(
    session: AsyncSession, plan: Plan, now: datetime
) -> tuple[tuple[str, ...], bool]:
    """A person and a single organisation each report as one unit of their own."""
    changed = False
    units = list(await session.scalars(select(UnitRow).where(UnitRow.plan_id == plan.id)))
    by_party = {unit.party_name: unit for unit in units if unit.party_name is not None}
    names = {unit.name: unit for unit in units}
    created: list[UnitRow] = []
    for party in plan.directory.parties:
        kind = _UNIT_KINDS.get(party.kind)
        if kind is None:
            continue
        unit = by_party.pop(party.name, None)
        if unit is not None:
            changed |= assign(unit, kind=kind, active=True)
            continue
        if party.name in names:
            raise Conflict(
                f'plan {plan.id} names the party "{party.name}", '
                "which is already the name of a registered unit"
            )
        unit = UnitRow(
            plan_id=plan.id,
            name=party.name,
            kind=kind,
            party_name=party.name,
            active=True,
            created_at=now,
        )
        session.add(unit)
        created.append(unit)
    for unit in by_party.values():
        changed |= assign(unit, active=False)
    await session.flush()
    for unit in created:
        session.add(UnitPartyRow(unit_id=unit.id, plan_id=plan.id, party_name=unit.name))
    await session.flush()
    return tuple(unit.name for unit in created), changed or bool(created)


async def _sync_tasks(
    session: AsyncSession, plan: Plan
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Tasks, their windows and parties in a handful of statements, whatever the plan's size:
    new rows go in as bulk inserts, existing ones are compared in memory and only a
    difference is written."""
    rows = {
        row.code: row
        for row in await session.scalars(select(TaskRow).where(TaskRow.plan_id == plan.id))
    }
    added: list[Task] = []
    new_rows: list[dict[str, object]] = []
    updated: list[str] = []
    unchanged: list[str] = []
    changed: list[tuple[TaskRow, Task]] = []
    kept: list[tuple[TaskRow, Task]] = []
    for placed in _placed(plan):
        task = placed.task
        digest = _content_hash(placed)
        row = rows.pop(task.code, None)
        if row is None:
            new_rows.append(
                {
                    "plan_id": plan.id,
                    "code": task.code,
                    "position": placed.position,
                    "content_hash": digest,
                    "active": True,
                    **_task_values(placed),
                }
            )
            added.append(task)
        elif row.content_hash != digest or not row.active:
            assign(
                row,
                position=placed.position,
                content_hash=digest,
                active=True,
                **_task_values(placed),
            )
            updated.append(task.code)
            changed.append((row, task))
            kept.append((row, task))
        else:
            assign(row, position=placed.position)
            unchanged.append(task.code)
            kept.append((row, task))
    gone = sorted((row for row in rows.values() if row.active), key=lambda row: row.position)
    for row in gone:
        row.active = False
    await session.flush()

    new_ids: dict[str, int] = {}
    if new_rows:
        inserted = await session.execute(
            insert(_TASKS).returning(_TASKS.c.id, _TASKS.c.code), new_rows
        )
        new_ids = {code: task_id for task_id, code in inserted}
    new_windows = [
        {"task_id": new_ids[task.code], "seq": seq, **_window_values(window, ongoing)}
        for task in added
        for seq, (window, ongoing) in enumerate(task_windows(plan, task))
    ]
    if new_windows:
        await session.execute(insert(_WINDOWS), new_windows)

    # Windows depend on more than the task's text (event dates, an admin's /setdate): every
    # task's are compared, and only a difference is written.
    windows_changed: list[str] = []
    windows = await _plan_windows(session, plan.id) if kept else {}
    for row, task in kept:
        wanted = task_windows(plan, task, row.external_date)
        if sync_windows(session, row, wanted, windows.get(row.id, {})):
            windows_changed.append(task.code)
    parties = await _plan_task_parties(session, plan.id) if changed else {}
    relink = [(row.id, task) for row, task in changed if parties.get(row.id, ()) != task.parties]
    for chunk in _chunks([task_id for task_id, _task in relink if task_id in parties]):
        await session.execute(
            delete(TaskPartyRow)
            .where(TaskPartyRow.task_id.in_(chunk))
            .execution_options(synchronize_session=False)
        )
    relink += [(new_ids[task.code], task) for task in added]
    links = [
        {"task_id": task_id, "party_name": name, "position": i}
        for task_id, task in relink
        for i, name in enumerate(task.parties)
    ]
    if links:
        await session.execute(insert(_TASK_PARTIES), links)
    await session.flush()
    return (
        tuple(task.code for task in added),
        tuple(updated),
        tuple(unchanged),
        tuple(row.code for row in gone),
        tuple(windows_changed),
    )


def _window_values(window: Window, ongoing: bool) -> dict[str, object]:
    return {
        "start": window.start,
        "end": window.end,
        "label": window.label,
        "active": True,
        "ongoing": ongoing,
    }


async def _windows_by_task(
    session: AsyncSession, task_ids: list[int]
) -> dict[int, dict[int, WindowRow]]:
    found: dict[int, dict[int, WindowRow]] = defaultdict(dict)
    if task_ids:
        for window in await session.scalars(
            select(WindowRow).where(WindowRow.task_id.in_(task_ids))
        ):
            found[window.task_id][window.seq] = window
    return found


async def set_task_windows(
    session: AsyncSession, row: TaskRow, windows: tuple[TaskWindow, ...]
) -> bool:
    """Bring one task's stored windows in line with `windows` (flushed, not committed)."""
    existing = (await _windows_by_task(session, [row.id])).get(row.id, {})
    changed = sync_windows(session, row, windows, existing)
    await session.flush()
    return changed


async def _plan_windows(session: AsyncSession, plan_id: str) -> dict[int, dict[int, WindowRow]]:
    """Every stored window of the plan's tasks, in one query (no list of ids to bind)."""
    found: dict[int, dict[int, WindowRow]] = defaultdict(dict)
    for window in await session.scalars(
        select(WindowRow)
        .join(TaskRow, TaskRow.id == WindowRow.task_id)
        .where(TaskRow.plan_id == plan_id)
    ):
        found[window.task_id][window.seq] = window
    return found


async def _plan_task_parties(session: AsyncSession, plan_id: str) -> dict[int, tuple[str, ...]]:
    found: dict[int, list[str]] = defaultdict(list)
    rows = await session.execute(
        select(TaskPartyRow.task_id, TaskPartyRow.party_name)
        .join(TaskRow, TaskRow.id == TaskPartyRow.task_id)
        .where(TaskRow.plan_id == plan_id)
        .order_by(TaskPartyRow.task_id, TaskPartyRow.position)
    )
    for task_id, name in rows:
        found[task_id].append(name)
    return {task_id: tuple(names) for task_id, names in found.items()}


_CHUNK = 5000
"""Ids bound in one statement: far below SQLite's and asyncpg's 32,767 parameters."""


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def sync_windows(
    session: AsyncSession,
    row: TaskRow,
    windows: tuple[TaskWindow, ...],
    existing: dict[int, WindowRow],
) -> bool:
    """Windows keep their (task, seq) identity, so assignments and confirmations survive edits."""
    changed = False
    for seq, (window, ongoing) in enumerate(windows):
        values = _window_values(window, ongoing)
        stored = existing.pop(seq, None)
        if stored is None:
            session.add(WindowRow(task_id=row.id, seq=seq, **values))
            changed = True
        else:
            changed |= assign(stored, **values)
    for stored in existing.values():
        changed |= assign(stored, active=False)
    return changed


async def _units_by_party(session: AsyncSession, plan_id: str) -> dict[str, set[int]]:
    links = await session.execute(
        select(UnitPartyRow.party_name, UnitPartyRow.unit_id)
        .join(UnitRow, UnitRow.id == UnitPartyRow.unit_id)
        .where(UnitRow.plan_id == plan_id, UnitRow.active)
    )
    found: dict[str, set[int]] = defaultdict(set)
    for party_name, unit_id in links:
        found[party_name].add(unit_id)
    return found


async def task_units(session: AsyncSession, plan_id: str) -> dict[int, set[int]]:
    """The units each assignable task of the plan asks (a measure with sub-items asks none)."""
    tasks = (
        await session.execute(
            select(TaskRow.id, TaskRow.code, TaskRow.measure_code).where(
                TaskRow.plan_id == plan_id, TaskRow.active
            )
        )
    ).all()
    # A measure with sub-items is done through its items, each with its own term.
    with_items = {task.measure_code for task in tasks if task.measure_code is not None}
    assignable = {task.id for task in tasks if task.code not in with_items}

    parties = {
        row.name: row
        for row in await session.scalars(
            select(PartyRow).where(PartyRow.plan_id == plan_id, PartyRow.active)
        )
    }
    units_by_party = await _units_by_party(session, plan_id)

    def units_for(name: str) -> set[int]:
        party = parties.get(name)
        if party is None:
            return set()
        units = set(units_by_party.get(name, ()))
        if party.kind is PartyKind.GROUP and party.of is not None:
            units |= units_by_party.get(party.of, set())
        return units

    found: dict[int, set[int]] = defaultdict(set)
    for task_id, names in (await _plan_task_parties(session, plan_id)).items():
        if task_id in assignable:
            for name in names:
                found[task_id] |= units_for(name)
    return found


async def stage_assignments(session: AsyncSession, plan_id: str, now: datetime) -> AssignmentSync:
    """`ensure_assignments` inside the caller's unit of work: flushed, not committed."""
    units_of_task = await task_units(session, plan_id)
    windows = await session.execute(
        select(WindowRow.id, WindowRow.task_id)
        .join(TaskRow, TaskRow.id == WindowRow.task_id)
        .where(TaskRow.plan_id == plan_id, WindowRow.active)
    )
    wanted = {
        (window_id, unit_id)
        for window_id, task_id in windows
        for unit_id in units_of_task.get(task_id, ())
    }

    existing = await session.execute(
        select(
            AssignmentRow.id, AssignmentRow.window_id, AssignmentRow.unit_id, AssignmentRow.active
        )
        .join(WindowRow, WindowRow.id == AssignmentRow.window_id)
        .join(TaskRow, TaskRow.id == WindowRow.task_id)
        .where(TaskRow.plan_id == plan_id)
    )
    known: set[tuple[int, int]] = set()
    retire: list[int] = []
    revive: list[int] = []
    for assignment_id, window_id, unit_id, active in existing:
        key = (window_id, unit_id)
        known.add(key)
        if active and key not in wanted:
            retire.append(assignment_id)
        elif not active and key in wanted:
            revive.append(assignment_id)
    new = wanted - known
    await _insert_assignments(session, new, now)
    for ids, active in ((retire, False), (revive, True)):
        for chunk in _chunks(ids):
            await session.execute(
                update(AssignmentRow)
                .where(AssignmentRow.id.in_(chunk))
                .values(active=active, updated_at=now)
                .execution_options(synchronize_session=False)
            )
    await session.flush()
    return AssignmentSync(len(new), len(retire), len(revive))


_CROSS_MIN = 1000
"""Below this many assignments a window set and a unit set are inserted row by row."""


async def _insert_assignments(
    session: AsyncSession, pairs: set[tuple[int, int]], now: datetime
) -> None:
    """Insert (window, unit) assignments, the bulk of them as `INSERT … SELECT` cross joins.

    A measure for «ОО» is one assignment per school: windows that go to the same set of units
    are inserted with one statement per chunk instead of one parameter set per row (900 schools
    × 1,000 such measures is 900,000 rows, too many to send one by one).
    """
    if len(pairs) >= _BULK_MIN and session.get_bind().dialect.name == "postgresql":
        async with _references_checked_once(session):
            await _insert_assignment_rows(session, pairs, now)
        return
    await _insert_assignment_rows(session, pairs, now)


_BULK_MIN = 50_000
"""From this many new assignments PostgreSQL checks their references once, not row by row."""

_ASSIGNMENT_REFERENCES = (
    ("fk_assignments_window_id_task_windows", "window_id", "task_windows"),
    ("fk_assignments_unit_id_units", "unit_id", "units"),
)


@asynccontextmanager
async def _references_checked_once(session: AsyncSession) -> AsyncIterator[None]:
    """Drop the assignments' two foreign keys, insert, add them back: adding a key checks every
    row with one join (0.15 s for 900,000 rows) where the per-row triggers take 5-8 s.

    DDL is transactional in PostgreSQL: a failure rolls the keys back with the rows. The table
    stays locked (ACCESS EXCLUSIVE) until the sync commits, a few seconds once per new big plan.
    """
    for name, _column, _target in _ASSIGNMENT_REFERENCES:
        await session.execute(sql(f"ALTER TABLE assignments DROP CONSTRAINT {name}"))
    yield
    for name, column, target in _ASSIGNMENT_REFERENCES:
        await session.execute(
            sql(
                f"ALTER TABLE assignments ADD CONSTRAINT {name} "
                f"FOREIGN KEY ({column}) REFERENCES {target} (id)"
            )
        )


async def _insert_assignment_rows(
    session: AsyncSession, pairs: set[tuple[int, int]], now: datetime
) -> None:
    by_window: dict[int, set[int]] = defaultdict(set)
    for window_id, unit_id in pairs:
        by_window[window_id].add(unit_id)
    groups: dict[frozenset[int], list[int]] = defaultdict(list)
    for window_id, units in by_window.items():
        groups[frozenset(units)].append(window_id)
    table = _ASSIGNMENTS
    single: list[tuple[int, int]] = []
    for unit_set, window_ids in groups.items():
        if len(unit_set) * len(window_ids) < _CROSS_MIN:
            single.extend((window_id, unit_id) for window_id in window_ids for unit_id in unit_set)
            continue
        for windows in _chunks(sorted(window_ids)):
            for unit_ids in _chunks(sorted(unit_set)):
                rows = (
                    select(
                        WindowRow.id,
                        UnitRow.id,
                        literal(AssignmentStatus.OPEN, table.c.status.type),
                        literal(True, table.c.active.type),
                        literal(now, table.c.updated_at.type),
                    )
                    .select_from(WindowRow)
                    .join(UnitRow, true())  # the cross join is the point
                    .where(WindowRow.id.in_(windows), UnitRow.id.in_(unit_ids))
                    .order_by(WindowRow.id, UnitRow.id)
                )
                await session.execute(
                    insert(table).from_select(
                        ["window_id", "unit_id", "status", "active", "updated_at"], rows
                    )
                )
    if single:
        # Core, not ORM: the rows are never loaded as objects, so no per-row bookkeeping.
        await session.execute(
            insert(table),
            [
                {
                    "window_id": window_id,
                    "unit_id": unit_id,
                    "status": AssignmentStatus.OPEN,
                    "active": True,
                    "updated_at": now,
                }
                for window_id, unit_id in sorted(single)
            ],
        )
