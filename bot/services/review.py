"""Acceptance of confirmations («снять с контроля»): staff accept them or return them.

Only in a plan whose `control:` asks for acceptance. There a confirmed assignment that staff
have not accepted yet is «на проверке»; accepted, it is closed for good (the unit can no longer
undo it). Returned, it is open again with the staff member's comment, and its reminders resume.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services._common import MEASURE, updated_one, with_assignment_context
from bot.services.assignments import COMMENT_MAX_LENGTH, get_assignment_view
from bot.services.errors import Conflict, Forbidden, InvalidInput
from bot.services.members import role_of
from bot.services.plans import stored_control
from bot.services.reminders import stage_reminders
from bot.services.types import (
    AssignmentStatus,
    AssignmentView,
    EventKind,
    Role,
)
from storage.models import (
    AssignmentEventRow,
    AssignmentRow,
    PlanRow,
    TaskRow,
    UnitRow,
    UserRow,
    WindowRow,
)

STAFF_ROLES = frozenset({Role.STAFF, Role.ADMIN})


class ReviewState(StrEnum):
    ON_REVIEW = "on_review"
    ACCEPTED = "accepted"


@dataclass(frozen=True, slots=True)
class ReviewOutcome:
    view: AssignmentView
    changed: bool


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """A confirmation awaiting acceptance."""

    assignment_id: int
    plan_id: str
    plan_timezone: str
    task_id: int
    task_code: str
    task_title: str
    measure_title: str | None
    unit_id: int
    unit_name: str
    confirmed_at: datetime
    confirmed_by: str | None


async def require_staff(
    session: AsyncSession, user_id: int, admin_ids: frozenset[int] = frozenset()
) -> None:
    """Staff and admins decide; anyone else is refused (buttons can be forged)."""
    if await role_of(session, user_id, admin_ids) not in STAFF_ROLES:
        raise Forbidden(f"user {user_id} is not staff")


async def acceptance_plans(session: AsyncSession) -> list[str]:
    """The plans whose confirmations staff accept."""
    plans = await session.scalars(select(PlanRow).order_by(PlanRow.id))
    return [plan.id for plan in plans if stored_control(plan).acceptance]


async def _reviewable(
    session: AsyncSession, assignment_id: int, user_id: int, admin_ids: frozenset[int]
) -> AssignmentView:
    await require_staff(session, user_id, admin_ids)
    view = await get_assignment_view(session, assignment_id)
    if view.plan_id not in await acceptance_plans(session):
        raise Conflict(f"plan {view.plan_id} does not ask for acceptance")
    if view.status is not AssignmentStatus.CONFIRMED:
        raise Conflict(f"assignment {assignment_id} is not confirmed")
    return view


async def accept(
    session: AsyncSession,
    assignment_id: int,
    staff_user_id: int,
    now: datetime,
    *,
    admin_ids: frozenset[int] = frozenset(),
) -> ReviewOutcome:
    """Take a confirmation off control; accepting it twice changes nothing."""
    view = await _reviewable(session, assignment_id, staff_user_id, admin_ids)
    if view.accepted_at is not None:
        return ReviewOutcome(view, changed=False)
    changed = await updated_one(
        session,
        update(AssignmentRow)
        .where(
            AssignmentRow.id == assignment_id,
            AssignmentRow.status == AssignmentStatus.CONFIRMED,
            AssignmentRow.accepted_at.is_(None),
        )
        .values(accepted_at=now, accepted_by_user_id=staff_user_id, updated_at=now)
        .execution_options(synchronize_session=False),
    )
    if changed:
        session.add(
            AssignmentEventRow(
                assignment_id=assignment_id, kind=EventKind.ACCEPTED, user_id=staff_user_id, at=now
            )
        )
    await session.commit()
    return ReviewOutcome(await get_assignment_view(session, assignment_id), changed)


def _comment(text: str) -> str:
    text = text.strip()
    if not text:
        raise InvalidInput("a returned confirmation needs a comment")
    if len(text) > COMMENT_MAX_LENGTH:
        raise InvalidInput(f"a comment is at most {COMMENT_MAX_LENGTH} characters")
    return text


async def return_(
    session: AsyncSession,
    assignment_id: int,
    staff_user_id: int,
    comment: str,
    now: datetime,
    *,
    admin_ids: frozenset[int] = frozenset(),
) -> ReviewOutcome:
    """Reopen a confirmation awaiting acceptance, saying why; its reminders come back.

    An accepted confirmation is final: returning it is a Conflict. Flushed, not committed: the
    caller commits it together with the notice that tells the unit.
    """
    text = _comment(comment)
    view = await _reviewable(session, assignment_id, staff_user_id, admin_ids)
    if view.accepted_at is not None:
        raise Conflict(f"assignment {assignment_id} is accepted already")
    changed = await updated_one(
        session,
        update(AssignmentRow)
        .where(
            AssignmentRow.id == assignment_id,
            AssignmentRow.status == AssignmentStatus.CONFIRMED,
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
    if not changed:
        raise Conflict(f"assignment {assignment_id} changed meanwhile")
    session.add(
        AssignmentEventRow(
            assignment_id=assignment_id,
            kind=EventKind.RETURNED,
            user_id=staff_user_id,
            at=now,
            text=text,
        )
    )
    await stage_reminders(session, view.plan_id, now)
    await session.flush()
    return ReviewOutcome(await get_assignment_view(session, assignment_id), changed)


async def pending_reviews(
    session: AsyncSession, plan_id: str | None = None
) -> tuple[ReviewItem, ...]:
    """Confirmations awaiting acceptance, oldest confirmation first."""
    plans = await acceptance_plans(session)
    if plan_id is not None:
        plans = [pid for pid in plans if pid == plan_id]
    if not plans:
        return ()
    query = (
        select(
            AssignmentRow.id,
            TaskRow.plan_id,
            PlanRow.timezone,
            TaskRow.id,
            TaskRow.code,
            TaskRow.title,
            MEASURE.title,
            UnitRow.id,
            UnitRow.name,
            AssignmentRow.confirmed_at,
            UserRow.full_name,
        )
        .select_from(AssignmentRow)
        .outerjoin(UserRow, UserRow.id == AssignmentRow.confirmed_by_user_id)
    )
    rows = await session.execute(
        with_assignment_context(query, plan=True, measure=True)
        .where(
            TaskRow.plan_id.in_(plans),
            AssignmentRow.status == AssignmentStatus.CONFIRMED,
            AssignmentRow.accepted_at.is_(None),
            AssignmentRow.active,
            WindowRow.active,
            TaskRow.active,
            UnitRow.active,
        )
        .order_by(AssignmentRow.confirmed_at, AssignmentRow.id)
    )
    return tuple(ReviewItem(*row) for row in rows)
