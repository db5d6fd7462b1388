"""Completing assignments: list, confirm, undo, comment, each checked against the user's units."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Row, Select, and_, case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.plan.control import ControlSettings
from bot.services._common import EFFECTIVE_DEADLINE, MEASURE, updated_one, with_assignment_context
from bot.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from bot.services.plans import ArchivedPlan, archived_plans
from bot.services.types import (
    UNDO_WINDOW,
    AssignmentStatus,
    AssignmentView,
    ConfirmOutcome,
    EventInfo,
    EventKind,
    Page,
)
from storage.models import (
    AssignmentEventRow,
    AssignmentRow,
    MembershipRow,
    PlanRow,
    TaskRow,
    UnitRow,
    WindowRow,
)

COMMENT_MAX_LENGTH = 1000
MAX_PAGE_SIZE = 50

_active = and_(AssignmentRow.active, WindowRow.active, TaskRow.active)

# The staff's comment when the latest confirmation was returned (and not confirmed again since).
_returned_comment = (
    select(
        case(
            (
                AssignmentEventRow.kind == EventKind.RETURNED,
                func.coalesce(AssignmentEventRow.text, ""),
            ),
            else_=None,
        )
    )
    .where(
        AssignmentEventRow.assignment_id == AssignmentRow.id,
        AssignmentEventRow.kind.in_((EventKind.CONFIRMED, EventKind.RETURNED)),
    )
    .order_by(AssignmentEventRow.id.desc())
    .limit(1)
    .correlate(AssignmentRow)
    .scalar_subquery()
)


def _views() -> Select[Any]:
    query = select(
        AssignmentRow.id,
        TaskRow.plan_id,
        PlanRow.timezone,
        TaskRow.code,
        TaskRow.title,
        MEASURE.title,
        TaskRow.term_text,
        WindowRow.start,
        WindowRow.end,
        WindowRow.label,
        UnitRow.id,
        UnitRow.name,
        AssignmentRow.status,
        AssignmentRow.confirmed_at,
        AssignmentRow.confirmed_by_user_id,
        _active.label("active"),
        AssignmentRow.due_date,
        WindowRow.ongoing,
        AssignmentRow.accepted_at,
        PlanRow.control_settings,
        _returned_comment,
        PlanRow.name,
        TaskRow.result,
    ).select_from(AssignmentRow)
    return with_assignment_context(query, plan=True, measure=True)


def _view(row: Row[Any]) -> AssignmentView:
    return AssignmentView(
        id=row[0],
        plan_id=row[1],
        plan_timezone=row[2],
        task_code=row[3],
        task_title=row[4],
        measure_title=row[5],
        term_text=row[6],
        window_start=row[7],
        window_end=row[8],
        window_label=row[9],
        unit_id=row[10],
        unit_name=row[11],
        status=row[12],
        confirmed_at=row[13],
        confirmed_by_user_id=row[14],
        active=bool(row[15]),
        due_date=None if row[17] else row[16],
        ongoing=bool(row[17]),
        accepted_at=row[18],
        acceptance=ControlSettings.from_json(row[19]).acceptance,
        returned_comment=row[20] if row[12] is AssignmentStatus.OPEN else None,
        plan_name=row[21],
        result=row[22],
    )


def _member_units(user_id: int) -> Select[tuple[int]]:
    return select(MembershipRow.unit_id).where(
        MembershipRow.user_id == user_id, MembershipRow.revoked_at.is_(None)
    )


async def open_assignments_for_user(
    session: AsyncSession,
    user_id: int,
    now: datetime,
    *,
    offset: int = 0,
    limit: int = 10,
    undo_window: timedelta = UNDO_WINDOW,
) -> Page[AssignmentView]:
    """The open assignments of the user's units, nearest deadline first; none of an archived
    plan (its school year is over: `user_archived_plans` says which).

    Assignments confirmed within `undo_window` are listed too, so a slip can still be undone.
    """
    if offset < 0 or not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValueError(f"offset must be >= 0 and limit within 1..{MAX_PAGE_SIZE}")
    visible = and_(
        AssignmentRow.unit_id.in_(_member_units(user_id)),
        UnitRow.active,
        _active,
        or_(
            AssignmentRow.status == AssignmentStatus.OPEN,
            AssignmentRow.confirmed_at >= now - undo_window,
        ),
    )
    archived = [plan.plan_id for plan in await archived_plans(session, now)]
    if archived:
        visible = and_(visible, TaskRow.plan_id.not_in(archived))
    query = _views().where(visible)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.execute(
        query.order_by(
            EFFECTIVE_DEADLINE, TaskRow.plan_id, TaskRow.position, UnitRow.name, AssignmentRow.id
        )
        .offset(offset)
        .limit(limit)
    )
    return Page(tuple(_view(row) for row in rows), total or 0, offset, limit)


async def user_archived_plans(
    session: AsyncSession, user_id: int, now: datetime
) -> tuple[ArchivedPlan, ...]:
    """The archived plans the user's units have assignments in."""
    plan_ids = await session.scalars(
        select(UnitRow.plan_id)
        .where(UnitRow.id.in_(_member_units(user_id)), UnitRow.active)
        .distinct()
    )
    return await archived_plans(session, now, list(plan_ids))


async def get_assignment_view(session: AsyncSession, assignment_id: int) -> AssignmentView:
    row = (await session.execute(_views().where(AssignmentRow.id == assignment_id))).one_or_none()
    if row is None:
        raise NotFound(f"no assignment {assignment_id}")
    return _view(row)


async def _authorize(session: AsyncSession, assignment_id: int, user_id: int) -> AssignmentView:
    """The assignment, if the user is an active member of its unit: callbacks can be forged."""
    view = await get_assignment_view(session, assignment_id)
    member = await session.scalar(
        _member_units(user_id).where(MembershipRow.unit_id == view.unit_id).limit(1)
    )
    if member is None:
        raise Forbidden(f"user {user_id} is not a member of unit {view.unit_id}")
    return view


async def view_for_member(
    session: AsyncSession, assignment_id: int, user_id: int
) -> AssignmentView:
    """The assignment as its unit's member sees it; others are refused (buttons can be forged)."""
    return await _authorize(session, assignment_id, user_id)


def _event(
    assignment_id: int, kind: EventKind, user_id: int, now: datetime, text: str | None = None
) -> AssignmentEventRow:
    return AssignmentEventRow(
        assignment_id=assignment_id, kind=kind, user_id=user_id, at=now, text=text
    )


async def confirm(
    session: AsyncSession, assignment_id: int, user_id: int, now: datetime
) -> ConfirmOutcome:
    """Mark the assignment done for its unit; a second tap changes nothing."""
    view = await _authorize(session, assignment_id, user_id)
    if view.status is AssignmentStatus.CONFIRMED:
        return ConfirmOutcome(view, changed=False)
    if not view.active:
        raise Conflict(f"assignment {assignment_id} is no longer part of the plan")
    changed = await updated_one(
        session,
        update(AssignmentRow)
        .where(AssignmentRow.id == assignment_id, AssignmentRow.status == AssignmentStatus.OPEN)
        .values(
            status=AssignmentStatus.CONFIRMED,
            confirmed_at=now,
            confirmed_by_user_id=user_id,
            updated_at=now,
        )
        .execution_options(synchronize_session=False),
    )
    if changed:
        session.add(_event(assignment_id, EventKind.CONFIRMED, user_id, now))
    await session.commit()
    if not changed:
        # Another tap confirmed it between the read and the update: what it wrote is read.
        return ConfirmOutcome(await get_assignment_view(session, assignment_id), changed)
    # The update above wrote exactly this (a confirmed assignment shows no returned comment):
    # no second read of the joined view on the path of a thousand taps (issue 14).
    return ConfirmOutcome(
        replace(
            view,
            status=AssignmentStatus.CONFIRMED,
            confirmed_at=now.astimezone(UTC),  # as the database gives times back
            confirmed_by_user_id=user_id,
            returned_comment=None,
        ),
        changed,
    )


async def undo(
    session: AsyncSession,
    assignment_id: int,
    user_id: int,
    now: datetime,
    undo_window: timedelta = UNDO_WINDOW,
) -> ConfirmOutcome:
    """Reopen a confirmation made less than `undo_window` ago; later it stands."""
    view = await _authorize(session, assignment_id, user_id)
    if view.status is AssignmentStatus.OPEN:
        return ConfirmOutcome(view, changed=False)
    if not view.can_undo(now, undo_window):
        raise Conflict(f"assignment {assignment_id} was confirmed too long ago to undo")
    changed = await updated_one(
        session,
        update(AssignmentRow)
        .where(
            AssignmentRow.id == assignment_id,
            AssignmentRow.status == AssignmentStatus.CONFIRMED,
            AssignmentRow.confirmed_at >= now - undo_window,
            AssignmentRow.accepted_at.is_(None),
        )
        .values(
            status=AssignmentStatus.OPEN,
            confirmed_at=None,
            confirmed_by_user_id=None,
            updated_at=now,
        )
        .execution_options(synchronize_session=False),
    )
    if changed:
        session.add(_event(assignment_id, EventKind.UNDONE, user_id, now))
    await session.commit()
    return ConfirmOutcome(await get_assignment_view(session, assignment_id), changed)


async def comment(
    session: AsyncSession, assignment_id: int, user_id: int, text: str, now: datetime
) -> EventInfo:
    await _authorize(session, assignment_id, user_id)
    text = text.strip()
    if not text:
        raise InvalidInput("an empty comment says nothing")
    if len(text) > COMMENT_MAX_LENGTH:
        raise InvalidInput(f"a comment is at most {COMMENT_MAX_LENGTH} characters")
    row = _event(assignment_id, EventKind.COMMENTED, user_id, now, text)
    session.add(row)
    await session.commit()
    return _event_info(row)


def _event_info(row: AssignmentEventRow) -> EventInfo:
    return EventInfo(
        id=row.id,
        assignment_id=row.assignment_id,
        kind=row.kind,
        user_id=row.user_id,
        at=row.at,
        text=row.text,
    )


async def list_events(session: AsyncSession, assignment_id: int) -> tuple[EventInfo, ...]:
    """The audit trail of one assignment, oldest first."""
    rows = await session.scalars(
        select(AssignmentEventRow)
        .where(AssignmentEventRow.assignment_id == assignment_id)
        .order_by(AssignmentEventRow.id)
    )
    return tuple(_event_info(row) for row in rows)
