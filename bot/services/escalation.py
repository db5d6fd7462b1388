"""Escalation: an assignment still open N working days after its deadline is reported, once per
deadline, to the party that coordinates the plan (or, when nobody has joined the bot for it, to
staff). An extension moves the deadline, so an item still open N working days after the new date
is reported again.

`escalate` keeps one `escalations` row per assignment holding the deadline it was last escalated
against (insert-if-absent for the first time, an update conditioned on the old deadline for the
next: a rerun or a second process escalates nothing twice) and returns what it escalated, for the
caller to render into notices in the same unit of work.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.control.escalation import escalation_moment
from bot.plan.control import ControlSettings
from bot.plan.model import plan_label
from bot.reminders.calendar import WorkingCalendar, working_calendar
from bot.reminders.policy import ReminderSettings
from bot.services._common import (
    EFFECTIVE_DEADLINE,
    MEASURE,
    inserted_keys,
    with_assignment_context,
)
from bot.services.control import natural_key
from bot.services.notices import Recipient, party_recipients, staff_recipients
from bot.services.plans import stored_control, stored_settings, year_ended
from bot.services.types import AssignmentStatus
from bot.terms import SchoolYear
from storage.models import AssignmentRow, PlanRow, TaskRow, UnitRow, WindowRow
from storage.models_control import EscalationRow

OPEN_AND_LIVE = and_(
    AssignmentRow.active,
    AssignmentRow.status == AssignmentStatus.OPEN,
    WindowRow.active,
    WindowRow.ongoing.is_(False),
    TaskRow.active,
    UnitRow.active,
)
"""An assignment that can be late: open, still asked for, not an ongoing («в течение года»)."""


@dataclass(frozen=True, slots=True)
class PlanContext:
    """A plan as the control jobs see it at one moment: its settings, zone and local day."""

    id: str
    name: str
    """What messages call the plan (`plan_label`)."""
    title: str
    timezone: str
    control: ControlSettings
    settings: ReminderSettings
    calendar: WorkingCalendar
    now: datetime

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def today(self) -> date:
        return self.now.astimezone(self.zone).date()

    @property
    def quiet(self) -> bool:
        """Quiet hours in the plan's zone: nothing is written for now, a later run does it."""
        return self.settings.is_quiet(self.now.astimezone(self.zone).time())


async def plan_contexts(
    session: AsyncSession, now: datetime, plan_id: str | None = None
) -> list[PlanContext]:
    query = select(PlanRow).order_by(PlanRow.id)
    if plan_id is not None:
        query = query.where(PlanRow.id == plan_id)
    contexts = []
    for row in await session.scalars(query):
        if year_ended(row.school_year, row.timezone, now) is not None:
            continue  # archived: its school year is over, nobody is told of it any more
        school_year = SchoolYear.parse(row.school_year)
        contexts.append(
            PlanContext(
                id=row.id,
                name=plan_label(row.id, row.name),
                title=row.title,
                timezone=row.timezone,
                control=stored_control(row),
                settings=stored_settings(row),
                calendar=working_calendar(range(school_year.first - 1, school_year.second + 2)),
                now=now,
            )
        )
    return contexts


@dataclass(frozen=True, slots=True)
class LateAssignment:
    assignment_id: int
    unit_name: str
    deadline: date
    days_overdue: int
    """Calendar days in the plan's zone, as /overdue counts them."""


@dataclass(frozen=True, slots=True)
class EscalatedMeasure:
    task_id: int
    code: str
    title: str
    measure_title: str | None
    late: tuple[LateAssignment, ...]


@dataclass(frozen=True, slots=True)
class PlanEscalation:
    plan_id: str
    name: str
    title: str
    timezone: str
    working_days: int
    parties: tuple[str, ...]
    """The parties the escalation is meant for."""
    recipients: tuple[Recipient, ...]
    fallback: bool
    """Nobody has joined the bot for `parties`: staff and admins are told instead."""
    measures: tuple[EscalatedMeasure, ...]

    @property
    def assignment_ids(self) -> tuple[int, ...]:
        return tuple(late.assignment_id for m in self.measures for late in m.late)


async def escalation_recipients(
    session: AsyncSession, plan_id: str, control: ControlSettings, admin_ids: frozenset[int]
) -> tuple[tuple[Recipient, ...], bool]:
    """The coordinating party's members; failing those, staff and admins (True: fallback)."""
    recipients = await party_recipients(session, plan_id, control.escalation_parties())
    if recipients:
        return recipients, False
    return await staff_recipients(session, admin_ids), True


@dataclass(frozen=True, slots=True)
class _Candidate:
    assignment_id: int
    task_id: int
    code: str
    title: str
    measure_title: str | None
    deadline: date
    unit_name: str
    escalated_deadline: date | None
    """The deadline it was escalated against before (an extension moved it since), if any."""


async def _candidates(session: AsyncSession, plan: PlanContext) -> list[_Candidate]:
    """Open assignments past their deadline and not escalated against that deadline yet."""
    query = select(
        AssignmentRow.id,
        TaskRow.id,
        TaskRow.code,
        TaskRow.title,
        MEASURE.title,
        EFFECTIVE_DEADLINE,
        UnitRow.name,
        EscalationRow.deadline,
    ).select_from(AssignmentRow)
    rows = await session.execute(
        with_assignment_context(query, measure=True)
        .outerjoin(EscalationRow, EscalationRow.assignment_id == AssignmentRow.id)
        .where(
            TaskRow.plan_id == plan.id,
            OPEN_AND_LIVE,
            plan.today > EFFECTIVE_DEADLINE,
            or_(EscalationRow.deadline.is_(None), EscalationRow.deadline != EFFECTIVE_DEADLINE),
        )
        .order_by(TaskRow.position, WindowRow.seq, AssignmentRow.id)
    )
    return [_Candidate(*row) for row in rows]


async def _escalate_again(
    session: AsyncSession, row: _Candidate, working_days: int, now: datetime
) -> bool:
    """Move the record to the new deadline; False when another run already did."""
    result = await session.execute(
        update(EscalationRow)
        .where(
            EscalationRow.assignment_id == row.assignment_id,
            EscalationRow.deadline == row.escalated_deadline,
        )
        .values(deadline=row.deadline, working_days=working_days, escalated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def escalate_plan(
    session: AsyncSession, plan: PlanContext, admin_ids: frozenset[int] = frozenset()
) -> PlanEscalation | None:
    working_days = plan.control.escalate_after_working_days
    if working_days is None or plan.quiet:
        return None
    due = [
        row
        for row in await _candidates(session, plan)
        if escalation_moment(row.deadline, working_days, plan.zone, plan.settings, plan.calendar)
        <= plan.now
    ]
    if not due:
        return None
    recipients, fallback = await escalation_recipients(session, plan.id, plan.control, admin_ids)
    if not recipients:
        # Nobody could hear it: escalated as soon as someone can, not silently dropped.
        return None
    new = {
        key[0]
        for key in await inserted_keys(
            session,
            EscalationRow,
            [
                {
                    "assignment_id": row.assignment_id,
                    "plan_id": plan.id,
                    "deadline": row.deadline,
                    "working_days": working_days,
                    "escalated_at": plan.now,
                }
                for row in due
                if row.escalated_deadline is None
            ],
        )
    }
    for row in due:
        if row.escalated_deadline is not None and await _escalate_again(
            session, row, working_days, plan.now
        ):
            new.add(row.assignment_id)
    late: dict[int, list[LateAssignment]] = defaultdict(list)
    tasks: dict[int, _Candidate] = {}
    for row in due:
        if row.assignment_id in new:
            tasks.setdefault(row.task_id, row)
            days_overdue = (plan.today - row.deadline).days
            late[row.task_id].append(
                LateAssignment(row.assignment_id, row.unit_name, row.deadline, days_overdue)
            )
    if not late:
        return None
    measures = []
    for task_id, units in late.items():
        task = tasks[task_id]
        units.sort(key=lambda item: (item.deadline, natural_key(item.unit_name)))
        measures.append(
            EscalatedMeasure(task_id, task.code, task.title, task.measure_title, tuple(units))
        )
    return PlanEscalation(
        plan_id=plan.id,
        name=plan.name,
        title=plan.title,
        timezone=plan.timezone,
        working_days=working_days,
        parties=plan.control.escalation_parties(),
        recipients=recipients,
        fallback=fallback,
        measures=tuple(measures),
    )


async def escalate(
    session: AsyncSession,
    now: datetime,
    *,
    admin_ids: frozenset[int] = frozenset(),
    plan_id: str | None = None,
) -> list[PlanEscalation]:
    """Escalate every assignment whose moment has come; flushed, not committed, so the caller
    writes the notices in the same transaction."""
    escalations = []
    for plan in await plan_contexts(session, now, plan_id):
        found = await escalate_plan(session, plan, admin_ids)
        if found is not None:
            escalations.append(found)
    return escalations
