"""Extension requests: a unit asks for more time, staff approve with a new date or refuse.

Requests and decisions are flushed, not committed: the caller commits them together with the
notices that tell staff or the unit, so neither is written without the other.

An approved extension sets the assignment's own deadline (`AssignmentRow.due_date`): overdue
lists, progress, cards and reminders follow it. The new date must be later than the deadline
in force and not before today in the plan's time zone. Every change is kept with who, when
and why (`DeadlineChangeRow`), and refused requests stay on record too.
"""

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, Select, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.services._common import EFFECTIVE_DEADLINE, MEASURE, with_assignment_context
from bot.services.assignments import view_for_member
from bot.services.errors import Conflict, InvalidInput, NotFound
from bot.services.reminders import stage_reminders
from bot.services.review import require_staff
from bot.services.types import AssignmentStatus, AssignmentView, EventKind, ExtensionStatus
from storage.models import (
    AssignmentEventRow,
    AssignmentRow,
    PlanRow,
    TaskRow,
    UnitRow,
    UserRow,
)
from storage.models_control import DeadlineChangeRow, ExtensionRow

REASON_MAX_LENGTH = 1000

_requester = aliased(UserRow, name="requester")
_decider = aliased(UserRow, name="decider")


@dataclass(frozen=True, slots=True)
class ExtensionInfo:
    id: int
    assignment_id: int
    plan_id: str
    plan_timezone: str
    task_id: int
    task_code: str
    task_title: str
    measure_title: str | None
    unit_id: int
    unit_name: str
    requested_by: int
    requested_by_name: str
    requested_at: datetime
    reason: str
    proposed_date: date | None
    old_date: date
    status: ExtensionStatus
    decided_by: int | None
    decided_at: datetime | None
    new_date: date | None
    decision_comment: str | None
    deadline: date
    """The assignment's deadline in force now."""


class DateNotLater(InvalidInput):
    """A proposed or approved date that does not move the deadline forward (or lies past)."""


class HistoryKind(StrEnum):
    EXTENDED = "extended"
    """An approved extension moved one unit's deadline."""
    REFUSED = "refused"
    SET = "set"
    """A date set for the whole task (`/setdate`)."""


@dataclass(frozen=True, slots=True)
class DeadlineEvent:
    kind: HistoryKind
    at: datetime
    task_code: str
    unit_name: str | None
    """None for a change of the whole task."""
    user_name: str | None
    """Who decided; None from the command line."""
    old_date: date | None
    new_date: date | None
    """The new deadline; for a refused request, the date the unit proposed (if any)."""
    reason: str | None
    """The unit's reason (an extension) or `/setdate`."""
    comment: str | None
    """The staff member's comment on the decision."""


def _infos() -> Select[Any]:
    query = (
        select(
            ExtensionRow.id,
            ExtensionRow.assignment_id,
            TaskRow.plan_id,
            PlanRow.timezone,
            TaskRow.id,
            TaskRow.code,
            TaskRow.title,
            MEASURE.title,
            UnitRow.id,
            UnitRow.name,
            ExtensionRow.requested_by,
            _requester.full_name,
            ExtensionRow.requested_at,
            ExtensionRow.reason,
            ExtensionRow.proposed_date,
            ExtensionRow.old_date,
            ExtensionRow.status,
            ExtensionRow.decided_by,
            ExtensionRow.decided_at,
            ExtensionRow.new_date,
            ExtensionRow.decision_comment,
            EFFECTIVE_DEADLINE,
        )
        .select_from(ExtensionRow)
        .join(AssignmentRow, AssignmentRow.id == ExtensionRow.assignment_id)
        .join(_requester, _requester.id == ExtensionRow.requested_by)
    )
    return with_assignment_context(query, plan=True, measure=True)


async def get_extension(session: AsyncSession, request_id: int) -> ExtensionInfo:
    row = (await session.execute(_infos().where(ExtensionRow.id == request_id))).one_or_none()
    if row is None:
        raise NotFound(f"no extension request {request_id}")
    return ExtensionInfo(*row)


async def pending_extensions(
    session: AsyncSession, plan_id: str | None = None
) -> tuple[ExtensionInfo, ...]:
    """Requests awaiting a decision, oldest first."""
    query = _infos().where(ExtensionRow.status == ExtensionStatus.PENDING)
    if plan_id is not None:
        query = query.where(TaskRow.plan_id == plan_id)
    rows = await session.execute(query.order_by(ExtensionRow.requested_at, ExtensionRow.id))
    return tuple(ExtensionInfo(*row) for row in rows)


def _text(text: str, what: str, limit: int = REASON_MAX_LENGTH) -> str:
    text = text.strip()
    if not text:
        raise InvalidInput(f"{what} is required")
    if len(text) > limit:
        raise InvalidInput(f"{what} is at most {limit} characters")
    return text


async def extendable(session: AsyncSession, assignment_id: int, user_id: int) -> AssignmentView:
    """The assignment, if the user may ask to extend it: their unit's, open, with a deadline."""
    view = await view_for_member(session, assignment_id, user_id)
    if not view.active or view.status is not AssignmentStatus.OPEN:
        raise Conflict(f"assignment {assignment_id} is not open")
    if view.ongoing:
        raise Conflict(f"assignment {assignment_id} is ongoing work: nothing to extend")
    return view


async def pending_request(session: AsyncSession, request_id: int) -> ExtensionInfo:
    """A request still awaiting a decision; a decided one is a Conflict."""
    request = await get_extension(session, request_id)
    if request.status is not ExtensionStatus.PENDING:
        raise Conflict(f"extension request {request_id} is {request.status} already")
    return request


async def request_extension(
    session: AsyncSession,
    assignment_id: int,
    user_id: int,
    reason: str,
    *,
    proposed_date: date | None = None,
    now: datetime,
) -> ExtensionInfo:
    """A member of the unit asks to move the deadline of an open assignment.

    One pending request per assignment; a proposed date must be later than the deadline.
    """
    text = _text(reason, "a reason")
    view = await extendable(session, assignment_id, user_id)
    if proposed_date is not None and proposed_date <= view.deadline:
        raise DateNotLater(f"{proposed_date} is not later than the deadline {view.deadline}")
    pending = await session.scalar(
        select(ExtensionRow.id).where(
            ExtensionRow.assignment_id == assignment_id,
            ExtensionRow.status == ExtensionStatus.PENDING,
        )
    )
    if pending is not None:
        raise Conflict(f"assignment {assignment_id} has a pending request {pending}")
    row = ExtensionRow(
        assignment_id=assignment_id,
        requested_by=user_id,
        requested_at=now,
        reason=text,
        proposed_date=proposed_date,
        old_date=view.deadline,
        status=ExtensionStatus.PENDING,
    )
    session.add(row)
    session.add(
        AssignmentEventRow(
            assignment_id=assignment_id,
            kind=EventKind.EXT_REQUESTED,
            user_id=user_id,
            at=now,
            text=text,
        )
    )
    await session.flush()
    return await get_extension(session, row.id)


async def _decide(
    session: AsyncSession,
    request_id: int,
    staff_id: int,
    status: ExtensionStatus,
    *,
    now: datetime,
    admin_ids: frozenset[int],
    **values: Any,
) -> ExtensionInfo:
    """Record the decision on a pending request; a second decision is a Conflict."""
    await require_staff(session, staff_id, admin_ids)
    request = await pending_request(session, request_id)
    result = cast(
        CursorResult[Any],
        await session.execute(
            update(ExtensionRow)
            .where(ExtensionRow.id == request_id, ExtensionRow.status == ExtensionStatus.PENDING)
            .values(status=status, decided_by=staff_id, decided_at=now, **values)
            .execution_options(synchronize_session=False)
        ),
    )
    if result.rowcount != 1:
        raise Conflict(f"extension request {request_id} was decided meanwhile")
    return request


async def approve(
    session: AsyncSession,
    request_id: int,
    staff_id: int,
    new_date: date,
    *,
    comment: str | None = None,
    now: datetime,
    admin_ids: frozenset[int] = frozenset(),
) -> ExtensionInfo:
    """Move the unit's deadline to `new_date`: later than the deadline in force and not in the
    past (the plan's today); its reminders are re-planned for the new date."""
    note = _text(comment, "a comment") if comment and comment.strip() else None
    request = await get_extension(session, request_id)
    today = now.astimezone(ZoneInfo(request.plan_timezone)).date()
    if new_date <= request.deadline or new_date < today:
        raise DateNotLater(
            f"{new_date} is not later than the deadline {request.deadline} or is past"
        )
    request = await _decide(
        session,
        request_id,
        staff_id,
        ExtensionStatus.APPROVED,
        now=now,
        admin_ids=admin_ids,
        new_date=new_date,
        decision_comment=note,
    )
    await session.execute(
        update(AssignmentRow)
        .where(AssignmentRow.id == request.assignment_id)
        .values(due_date=new_date, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    session.add(
        DeadlineChangeRow(
            task_id=request.task_id,
            assignment_id=request.assignment_id,
            old_date=request.deadline,
            new_date=new_date,
            user_id=staff_id,
            at=now,
            reason=request.reason,
            extension_id=request_id,
        )
    )
    session.add(
        AssignmentEventRow(
            assignment_id=request.assignment_id,
            kind=EventKind.EXT_APPROVED,
            user_id=staff_id,
            at=now,
            text=note or new_date.isoformat(),
        )
    )
    await stage_reminders(session, request.plan_id, now)
    await session.flush()
    return await get_extension(session, request_id)


async def refuse(
    session: AsyncSession,
    request_id: int,
    staff_id: int,
    comment: str,
    now: datetime,
    *,
    admin_ids: frozenset[int] = frozenset(),
) -> ExtensionInfo:
    """Refuse a pending request, saying why; the deadline stays."""
    note = _text(comment, "a comment")
    request = await _decide(
        session,
        request_id,
        staff_id,
        ExtensionStatus.REFUSED,
        now=now,
        admin_ids=admin_ids,
        decision_comment=note,
    )
    session.add(
        AssignmentEventRow(
            assignment_id=request.assignment_id,
            kind=EventKind.EXT_REFUSED,
            user_id=staff_id,
            at=now,
            text=note,
        )
    )
    await session.flush()
    return await get_extension(session, request_id)


async def deadline_history(session: AsyncSession, task_id: int) -> tuple[DeadlineEvent, ...]:
    """Deadline changes of a task and its sub-items, with refused requests, oldest first."""
    task = await session.get(TaskRow, task_id)
    if task is None:
        raise NotFound(f"no task {task_id}")
    task_ids = select(TaskRow.id).where(
        TaskRow.plan_id == task.plan_id,
        or_(TaskRow.id == task_id, TaskRow.measure_code == task.code),
    )
    events: list[tuple[datetime, int, DeadlineEvent]] = []
    changes = await session.execute(
        select(
            DeadlineChangeRow.id,
            DeadlineChangeRow.at,
            TaskRow.code,
            UnitRow.name,
            UserRow.full_name,
            DeadlineChangeRow.old_date,
            DeadlineChangeRow.new_date,
            DeadlineChangeRow.reason,
            ExtensionRow.decision_comment,
        )
        .select_from(DeadlineChangeRow)
        .join(TaskRow, TaskRow.id == DeadlineChangeRow.task_id)
        .outerjoin(AssignmentRow, AssignmentRow.id == DeadlineChangeRow.assignment_id)
        .outerjoin(UnitRow, UnitRow.id == AssignmentRow.unit_id)
        .outerjoin(UserRow, UserRow.id == DeadlineChangeRow.user_id)
        .outerjoin(ExtensionRow, ExtensionRow.id == DeadlineChangeRow.extension_id)
        .where(DeadlineChangeRow.task_id.in_(task_ids))
    )
    for row_id, at, code, unit, who, old, new, reason, comment in changes:
        kind = HistoryKind.EXTENDED if unit is not None else HistoryKind.SET
        events.append(
            (at, row_id, DeadlineEvent(kind, at, code, unit, who, old, new, reason, comment))
        )
    refused_query = (
        select(
            ExtensionRow.id,
            ExtensionRow.decided_at,
            TaskRow.code,
            UnitRow.name,
            _decider.full_name,
            ExtensionRow.old_date,
            ExtensionRow.proposed_date,
            ExtensionRow.reason,
            ExtensionRow.decision_comment,
        )
        .select_from(ExtensionRow)
        .join(AssignmentRow, AssignmentRow.id == ExtensionRow.assignment_id)
        .outerjoin(_decider, _decider.id == ExtensionRow.decided_by)
    )
    refused = await session.execute(
        with_assignment_context(refused_query).where(
            ExtensionRow.status == ExtensionStatus.REFUSED, TaskRow.id.in_(task_ids)
        )
    )
    for row_id, at, code, unit, who, old, proposed, reason, comment in refused:
        events.append(
            (
                at,
                row_id,
                DeadlineEvent(
                    HistoryKind.REFUSED, at, code, unit, who, old, proposed, reason, comment
                ),
            )
        )
    events.sort(key=lambda item: (item[0], item[1]))
    return tuple(event for _at, _id, event in events)
