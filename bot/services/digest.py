"""The weekly digest of a plan for staff and its controlling party: what fell overdue this
week, what is overdue in all, progress, escalations, and what waits for a staff decision.

Due from Monday at the plan's send time (plan zone); the notice key names the ISO week, so each
recipient gets one per week, later in the week if the bot was down on Monday.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.control.escalation import digest_moment, iso_week, week_start
from bot.services._common import EFFECTIVE_DEADLINE, with_assignment_context
from bot.services.control import PlanProgress, natural_key, progress
from bot.services.escalation import PlanContext, plan_contexts
from bot.services.notices import Recipient, party_recipients, staff_recipients
from bot.services.types import AssignmentStatus, ExtensionStatus
from storage.models import AssignmentRow, TaskRow, UnitRow, WindowRow
from storage.models_control import EscalationRow, ExtensionRow, NoticeRow

WEEK = timedelta(days=7)
OPEN_AND_LIVE = and_(
    AssignmentRow.active,
    AssignmentRow.status == AssignmentStatus.OPEN,
    WindowRow.active,
    TaskRow.active,
    UnitRow.active,
)
"""Open and still asked for. Unlike escalation, an ongoing period («в течение года») that has
ended counts as overdue here, as it does in the progress bar and in /overdue."""


def local_midnight(day: date, plan: PlanContext) -> datetime:
    return datetime.combine(day, time(), plan.zone)


def escalation_week(plan: PlanContext) -> tuple[datetime, datetime]:
    """The escalations a digest counts: those of the local days from last Tuesday to this
    Monday. Each escalation falls in one such span, so none is counted in two digests (on
    Monday the escalations run before the digest)."""
    monday = week_start(plan.today)
    return (
        local_midnight(monday - WEEK + timedelta(days=1), plan),
        local_midnight(monday + timedelta(days=1), plan),
    )


def digest_key(plan_id: str, week: str, user_id: int) -> str:
    return f"digest:{plan_id}:{week}:{user_id}"


@dataclass(frozen=True, slots=True)
class NewlyOverdue:
    code: str
    title: str
    deadline: date
    units: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PlanDigest:
    plan_id: str
    title: str
    timezone: str
    week: str
    """«2024-W11»."""
    today: date
    recipients: tuple[Recipient, ...]
    """Those who have not had this week's digest yet."""
    newly_overdue: tuple[NewlyOverdue, ...]
    """Deadlines of the last 7 local days, still open: one entry per task and deadline."""
    overdue_total: int
    progress: PlanProgress
    escalated: int
    """Assignments escalated from last Tuesday to this Monday (see `escalation_week`)."""
    extensions_pending: int
    acceptance_pending: int | None
    """Confirmations awaiting acceptance; None when the plan does not use acceptance."""

    @property
    def newly_overdue_count(self) -> int:
        return sum(len(item.units) for item in self.newly_overdue)


async def digest_recipients(
    session: AsyncSession, plan: PlanContext, admin_ids: frozenset[int]
) -> tuple[Recipient, ...]:
    """Staff and admins, and the members of the party that controls the plan: each once."""
    found = {r.user_id: r for r in await staff_recipients(session, admin_ids)}
    for recipient in await party_recipients(session, plan.id, plan.control.controlling_parties()):
        found.setdefault(recipient.user_id, recipient)
    return tuple(found[user_id] for user_id in sorted(found))


async def _not_yet_told(
    session: AsyncSession, plan_id: str, week: str, recipients: tuple[Recipient, ...]
) -> tuple[Recipient, ...]:
    if not recipients:
        return ()
    keys = {digest_key(plan_id, week, r.user_id): r for r in recipients}
    written = set(await session.scalars(select(NoticeRow.key).where(NoticeRow.key.in_(keys))))
    return tuple(r for key, r in keys.items() if key not in written)


def _assignments(*columns: Any) -> Select[Any]:
    return with_assignment_context(select(*columns).select_from(AssignmentRow))


async def _newly_overdue(session: AsyncSession, plan: PlanContext) -> tuple[NewlyOverdue, ...]:
    today = plan.today
    rows = await session.execute(
        _assignments(TaskRow.id, TaskRow.code, TaskRow.title, EFFECTIVE_DEADLINE, UnitRow.name)
        .where(
            TaskRow.plan_id == plan.id,
            OPEN_AND_LIVE,
            today - WEEK <= EFFECTIVE_DEADLINE,
            today > EFFECTIVE_DEADLINE,
        )
        .order_by(EFFECTIVE_DEADLINE, TaskRow.position)
    )
    grouped: dict[tuple[int, date], list[str]] = defaultdict(list)
    heads: dict[tuple[int, date], tuple[str, str]] = {}
    for task_id, code, title, deadline, unit in rows:
        grouped[(task_id, deadline)].append(unit)
        heads.setdefault((task_id, deadline), (code, title))
    return tuple(
        NewlyOverdue(heads[key][0], heads[key][1], key[1], tuple(sorted(units, key=natural_key)))
        for key, units in grouped.items()
    )


async def _count(session: AsyncSession, query: Select[Any]) -> int:
    return int(await session.scalar(query) or 0)


async def plan_digest(
    session: AsyncSession, plan: PlanContext, admin_ids: frozenset[int] = frozenset()
) -> PlanDigest | None:
    """The plan's digest for those who have not had this week's yet; None when none is due."""
    if not plan.control.weekly_digest or plan.quiet:
        return None
    today = plan.today
    if plan.now < digest_moment(today, plan.zone, plan.settings):
        return None
    week = iso_week(today)
    recipients = await _not_yet_told(
        session, plan.id, week, await digest_recipients(session, plan, admin_ids)
    )
    if not recipients:
        return None
    live = and_(
        TaskRow.plan_id == plan.id,
        AssignmentRow.active,
        WindowRow.active,
        TaskRow.active,
        UnitRow.active,
    )
    since, until = escalation_week(plan)
    escalated = await _count(
        session,
        select(func.count()).where(
            EscalationRow.plan_id == plan.id,
            EscalationRow.escalated_at >= since,
            EscalationRow.escalated_at < until,
        ),
    )
    extensions = await _count(
        session,
        _assignments(func.count())
        .join(ExtensionRow, ExtensionRow.assignment_id == AssignmentRow.id)
        .where(live, ExtensionRow.status == ExtensionStatus.PENDING),
    )
    acceptance = None
    if plan.control.acceptance:
        acceptance = await _count(
            session,
            _assignments(func.count()).where(
                live,
                AssignmentRow.status == AssignmentStatus.CONFIRMED,
                AssignmentRow.accepted_at.is_(None),
            ),
        )
    [plan_progress] = await progress(session, plan.now, plan.id)
    return PlanDigest(
        plan_id=plan.id,
        title=plan.title,
        timezone=plan.timezone,
        week=week,
        today=today,
        recipients=recipients,
        newly_overdue=await _newly_overdue(session, plan),
        # The bar's own count, so the digest cannot contradict itself.
        overdue_total=plan_progress.counts.overdue,
        progress=plan_progress,
        escalated=escalated,
        extensions_pending=extensions,
        acceptance_pending=acceptance,
    )


async def weekly_digests(
    session: AsyncSession,
    now: datetime,
    *,
    admin_ids: frozenset[int] = frozenset(),
    plan_id: str | None = None,
) -> list[PlanDigest]:
    """The digests due at `now`, one per plan, for the recipients not told this week."""
    digests = []
    for plan in await plan_contexts(session, now, plan_id):
        found = await plan_digest(session, plan, admin_ids)
        if found is not None:
            digests.append(found)
    return digests
