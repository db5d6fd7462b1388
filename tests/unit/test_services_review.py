"""Acceptance of confirmations and extension requests, on SQLite and PostgreSQL.

The control plan with `control: {acceptance: true}`; at `NOW` it is 11 March 2024 in
Vladivostok: «1.5» (until 10 March) is overdue for school 7, «1.6» (April) is upcoming.
"""

from datetime import date, datetime, timedelta

import pytest
from control_support import (
    LOADED,
    MEMBER_3,
    MEMBER_7,
    MEMBER_RCOI,
    NOW,
    PLAN_ID,
    RCOI,
    SCHOOL_3,
    SCHOOL_7,
    confirm_some,
    seed,
)
from control_support import PLAN_YAML as CONTROL_PLAN_YAML
from services_support import ADMIN_ID, assignment_id
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.plan.loader import load_plan_text
from bot.services.assignments import confirm, get_assignment_view, list_events, undo
from bot.services.control import ControlStatus, measure_card, overdue, progress
from bot.services.errors import Conflict, Forbidden, InvalidInput
from bot.services.extensions import (
    HistoryKind,
    approve,
    deadline_history,
    pending_extensions,
    refuse,
    request_extension,
)
from bot.services.invitations import create_invitation, redeem_invitation
from bot.services.plans import sync_plan
from bot.services.reminders import schedule_reminders, set_external_date
from bot.services.review import ReviewState, accept, pending_reviews, return_
from bot.services.types import AssignmentStatus, EventKind, ExtensionStatus, Role
from storage.models import TaskRow
from storage.models_control import DeadlineChangeRow
from storage.models_reminders import ReminderRow, ReminderStatus

STAFF_ID = 950
RETURN_COMMENT = "Нет протокола собрания"
REASON = "Эксперт на больничном до 10 мая"
NEW_DATE = date(2024, 5, 15)
LATER = NOW + timedelta(hours=1)
ACCEPTANCE_YAML = (
    CONTROL_PLAN_YAML
    + """\
      - code: "5.3"
        title: Экзамен
        term: по графику ФЦТ
        responsible: РЦОИ
control: {acceptance: true}
"""
)


async def make_staff(session: AsyncSession, user_id: int = STAFF_ID) -> None:
    token, _ = await create_invitation(session, Role.STAFF, None, created_by=ADMIN_ID, now=LOADED)
    await redeem_invitation(
        session,
        token,
        user_id=user_id,
        chat_id=user_id,
        full_name="Наталья",
        username=None,
        now=LOADED,
    )


@pytest.fixture
async def world(session: AsyncSession) -> None:
    await seed(session)
    result = load_plan_text(ACCEPTANCE_YAML, "plans/ctl-plan.yaml")
    assert result.plan is not None, result.errors
    await sync_plan(session, result.plan, LOADED)
    await make_staff(session)
    await schedule_reminders(session, PLAN_ID, NOW)
    await confirm_some(session)


async def reminders(session: AsyncSession, assignment: int) -> set[tuple[date, ReminderStatus]]:
    rows = await session.execute(
        select(ReminderRow.deadline, ReminderRow.status).where(
            ReminderRow.assignment_id == assignment
        )
    )
    return {(deadline, status) for deadline, status in rows}


async def test_a_confirmation_awaits_review_then_is_accepted_once(
    session: AsyncSession, world: None
) -> None:
    done = await assignment_id(session, "1.5", SCHOOL_3)

    waiting = await pending_reviews(session)
    assert sorted((item.task_code, item.unit_name) for item in waiting) == [
        ("1.5", SCHOOL_3),
        ("5.1", RCOI),
    ]
    card = await measure_card(session, PLAN_ID, "1.5", NOW)
    [state] = [u for u in card.tasks[0].windows[0].units if u.unit_name == SCHOOL_3]
    assert card.acceptance
    assert state.review is ReviewState.ON_REVIEW

    with pytest.raises(Forbidden):
        await accept(session, done, MEMBER_3, LATER)
    first = await accept(session, done, STAFF_ID, LATER)
    again = await accept(session, done, STAFF_ID, LATER + timedelta(minutes=1))

    assert first.changed and not again.changed
    assert first.view.accepted_at == LATER
    assert [item.task_code for item in await pending_reviews(session)] == ["5.1"]
    kinds = [event.kind for event in await list_events(session, done)]
    assert kinds.count(EventKind.ACCEPTED) == 1
    card = await measure_card(session, PLAN_ID, "1.5", NOW)
    [state] = [u for u in card.tasks[0].windows[0].units if u.unit_name == SCHOOL_3]
    assert state.review is ReviewState.ACCEPTED
    with pytest.raises(Conflict):  # accepted is final, though within the undo window
        await undo(session, done, MEMBER_3, NOW + timedelta(minutes=5))
    with pytest.raises(Conflict):
        await return_(session, done, STAFF_ID, RETURN_COMMENT, LATER)


async def test_a_returned_confirmation_is_open_again_with_its_reminders(
    session: AsyncSession, world: None
) -> None:
    done = await assignment_id(session, "5.1", RCOI)
    open_one = await assignment_id(session, "1.6", SCHOOL_7)

    with pytest.raises(InvalidInput):
        await return_(session, done, STAFF_ID, "  ", LATER)
    with pytest.raises(Forbidden):
        await return_(session, done, MEMBER_RCOI, RETURN_COMMENT, LATER)
    with pytest.raises(Conflict):  # nothing to return: not confirmed
        await return_(session, open_one, STAFF_ID, RETURN_COMMENT, LATER)
    outcome = await return_(session, done, STAFF_ID, RETURN_COMMENT, LATER)

    view = outcome.view
    assert view.status is AssignmentStatus.OPEN
    assert view.confirmed_at is None and view.confirmed_by_user_id is None
    events = await list_events(session, done)
    assert (events[-1].kind, events[-1].text) == (EventKind.RETURNED, RETURN_COMMENT)
    assert [i.task_code for i in await pending_reviews(session)] == ["1.5"]
    page = await overdue(session, LATER)
    [late] = [item for item in page.items if item.code == "5.1"]
    assert RCOI in [unit.name for unit in late.units]
    # Its overdue nudges are wanted again: the latest past one is pending.
    assert any(status is ReminderStatus.PENDING for _d, status in await reminders(session, done))


async def test_undo_by_the_member_before_review_clears_only_the_confirmation(
    session: AsyncSession, world: None
) -> None:
    found = await assignment_id(session, "1.6", SCHOOL_7)
    request = await request_extension(session, found, MEMBER_7, REASON, now=NOW)
    await approve(session, request.id, STAFF_ID, NEW_DATE, now=NOW)
    await confirm(session, found, MEMBER_7, LATER)

    outcome = await undo(session, found, MEMBER_7, LATER + timedelta(minutes=1))

    assert outcome.changed
    assert outcome.view.status is AssignmentStatus.OPEN
    assert outcome.view.due_date == NEW_DATE
    assert outcome.view.accepted_at is None


async def test_acceptance_needs_a_plan_that_asks_for_it(session: AsyncSession) -> None:
    await seed(session)
    await make_staff(session)
    await confirm_some(session)
    done = await assignment_id(session, "1.5", SCHOOL_3)

    assert await pending_reviews(session) == ()
    with pytest.raises(Conflict):
        await accept(session, done, STAFF_ID, LATER)
    card = await measure_card(session, PLAN_ID, "1.5", NOW)
    assert not card.acceptance
    assert all(u.review is None for u in card.tasks[0].windows[0].units)


async def test_an_approved_extension_moves_the_deadline_and_its_reminders(
    session: AsyncSession, world: None
) -> None:
    found = await assignment_id(session, "1.6", SCHOOL_7)
    before = await reminders(session, found)
    assert {d for d, s in before if s is ReminderStatus.PENDING} == {date(2024, 4, 30)}

    request = await request_extension(
        session, found, MEMBER_7, REASON, proposed_date=date(2024, 5, 20), now=NOW
    )
    assert (request.status, request.old_date, request.proposed_date) == (
        ExtensionStatus.PENDING,
        date(2024, 4, 30),
        date(2024, 5, 20),
    )
    assert [r.id for r in await pending_extensions(session)] == [request.id]
    with pytest.raises(InvalidInput):  # not later than the deadline in force
        await approve(session, request.id, STAFF_ID, date(2024, 4, 30), now=LATER)
    with pytest.raises(Forbidden):
        await approve(session, request.id, MEMBER_7, NEW_DATE, now=LATER)
    decided = await approve(
        session, request.id, STAFF_ID, NEW_DATE, comment="До 15 мая", now=LATER
    )

    assert (decided.status, decided.new_date, decided.deadline) == (
        ExtensionStatus.APPROVED,
        NEW_DATE,
        NEW_DATE,
    )
    view = await get_assignment_view(session, found)
    assert (view.due_date, view.deadline, view.window_end) == (
        NEW_DATE,
        NEW_DATE,
        date(2024, 4, 30),
    )
    after = await reminders(session, found)
    assert {d for d, s in after if s is ReminderStatus.PENDING} == {NEW_DATE}
    assert {d for d, s in after if s is ReminderStatus.CANCELLED} == {date(2024, 4, 30)}
    # School 3 keeps the plan's date.
    other = await reminders(session, await assignment_id(session, "1.6", SCHOOL_3))
    assert {d for d, s in other if s is ReminderStatus.PENDING} == {date(2024, 4, 30)}
    # Re-scheduling keeps it so.
    await schedule_reminders(session, PLAN_ID, LATER)
    assert await reminders(session, found) == after
    with pytest.raises(Conflict):
        await refuse(session, request.id, STAFF_ID, "Поздно", LATER)
    kinds = [event.kind for event in await list_events(session, found)]
    assert kinds == [EventKind.EXT_REQUESTED, EventKind.EXT_APPROVED]


async def test_an_extension_takes_an_overdue_unit_off_the_overdue_list(
    session: AsyncSession, world: None
) -> None:
    late = await assignment_id(session, "1.5", SCHOOL_7)
    assert "1.5" in [item.code for item in (await overdue(session, NOW)).items]
    before = (await progress(session, NOW, PLAN_ID))[0].counts

    request = await request_extension(session, late, MEMBER_7, REASON, now=NOW)
    with pytest.raises(InvalidInput):  # later than the old deadline, but already past
        await approve(session, request.id, STAFF_ID, date(2024, 3, 10), now=NOW)
    await approve(session, request.id, STAFF_ID, date(2024, 3, 20), now=NOW)

    assert "1.5" not in [item.code for item in (await overdue(session, NOW)).items]
    after = (await progress(session, NOW, PLAN_ID))[0].counts
    assert (after.overdue, after.due) == (before.overdue - 1, before.due + 1)
    card = await measure_card(session, PLAN_ID, "1.5", NOW)
    [state] = [u for u in card.tasks[0].windows[0].units if u.unit_name == SCHOOL_7]
    assert (state.status, state.due_date) == (ControlStatus.DUE, date(2024, 3, 20))
    # After the new deadline it is overdue again, counted from the new date.
    page = await overdue(session, datetime(2024, 3, 23, 1, 0, tzinfo=NOW.tzinfo))
    [item] = [i for i in page.items if i.code == "1.5"]
    assert (item.window_end, item.days_overdue) == (date(2024, 3, 20), 3)


async def test_requests_are_for_members_of_open_assignments_one_at_a_time(
    session: AsyncSession, world: None
) -> None:
    found = await assignment_id(session, "1.6", SCHOOL_7)
    confirmed = await assignment_id(session, "1.5", SCHOOL_3)

    with pytest.raises(Forbidden):
        await request_extension(session, found, MEMBER_3, REASON, now=NOW)
    with pytest.raises(InvalidInput):
        await request_extension(session, found, MEMBER_7, " ", now=NOW)
    with pytest.raises(InvalidInput):
        await request_extension(session, found, MEMBER_7, "x" * 1001, now=NOW)
    with pytest.raises(InvalidInput):
        await request_extension(
            session, found, MEMBER_7, REASON, proposed_date=date(2024, 4, 1), now=NOW
        )
    with pytest.raises(Conflict):
        await request_extension(session, confirmed, MEMBER_3, REASON, now=NOW)
    first = await request_extension(session, found, MEMBER_7, REASON, now=NOW)
    with pytest.raises(Conflict):
        await request_extension(session, found, MEMBER_7, REASON, now=LATER)
    refused = await refuse(session, first.id, STAFF_ID, "Срок федеральный", LATER)
    with pytest.raises(Conflict):
        await approve(session, first.id, STAFF_ID, NEW_DATE, now=LATER)
    with pytest.raises(InvalidInput):  # a refusal says why
        await refuse(session, first.id, STAFF_ID, "", LATER)

    assert refused.status is ExtensionStatus.REFUSED
    assert (await get_assignment_view(session, found)).due_date is None
    second = await request_extension(session, found, MEMBER_7, REASON, now=LATER)
    assert second.id != first.id


async def test_the_history_shows_approved_refused_and_set_dates_oldest_first(
    session: AsyncSession, world: None
) -> None:
    school_3 = await assignment_id(session, "1.6", SCHOOL_3)
    school_7 = await assignment_id(session, "1.6", SCHOOL_7)
    refused = await request_extension(
        session, school_3, MEMBER_3, "Нет помещения", proposed_date=date(2024, 6, 1), now=NOW
    )
    await refuse(session, refused.id, STAFF_ID, "Срок федеральный", NOW + timedelta(minutes=1))
    approved = await request_extension(session, school_7, MEMBER_7, REASON, now=LATER)
    await approve(
        session, approved.id, STAFF_ID, NEW_DATE, comment="Согласовано", now=LATER + timedelta(1)
    )

    card = await measure_card(session, PLAN_ID, "1.6", LATER)
    history = card.history
    assert history == await deadline_history(session, card.task_id)
    assert [(e.kind, e.unit_name, e.old_date, e.new_date) for e in history] == [
        (HistoryKind.REFUSED, SCHOOL_3, date(2024, 4, 30), date(2024, 6, 1)),
        (HistoryKind.EXTENDED, SCHOOL_7, date(2024, 4, 30), NEW_DATE),
    ]
    assert (history[0].user_name, history[0].reason, history[0].comment) == (
        "Наталья",
        "Нет помещения",
        "Срок федеральный",
    )
    assert (history[1].reason, history[1].comment) == (REASON, "Согласовано")


async def test_setdate_is_kept_in_the_deadline_history(session: AsyncSession, world: None) -> None:
    await set_external_date(session, "5.3", date(2024, 5, 20), NOW, user_id=STAFF_ID)
    await set_external_date(session, "5.3", date(2024, 5, 27), LATER)
    await set_external_date(session, "5.3", date(2024, 5, 27), LATER)  # unchanged: no entry

    task_id = await session.scalar(select(TaskRow.id).where(TaskRow.code == "5.3"))
    assert task_id is not None
    history = await deadline_history(session, task_id)
    assert [(e.kind, e.old_date, e.new_date, e.user_name, e.reason) for e in history] == [
        (HistoryKind.SET, None, date(2024, 5, 20), "Наталья", "/setdate"),
        (HistoryKind.SET, date(2024, 5, 20), date(2024, 5, 27), None, "/setdate"),
    ]
    rows = list(await session.scalars(select(DeadlineChangeRow)))
    assert all(row.assignment_id is None for row in rows)
