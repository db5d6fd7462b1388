"""Completing assignments: authorization on every call, idempotent taps, an append-only audit."""

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from services_support import (
    ADMIN_ID,
    NOW,
    PLAN_ID,
    PLAN_YAML,
    RCOI,
    SCHOOL_3,
    SCHOOL_5,
    assignment_id,
    join,
    load,
)
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import FrozenClock
from bot.services import assignments
from bot.services.assignments import (
    COMMENT_MAX_LENGTH,
    comment,
    confirm,
    get_assignment_view,
    list_events,
    open_assignments_for_user,
    undo,
    user_archived_plans,
    view_for_member,
)
from bot.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from bot.services.invitations import create_invitation, redeem_invitation
from bot.services.members import ensure_user, revoke_member
from bot.services.plans import sync_plan
from bot.services.review import return_
from bot.services.types import (
    UNDO_WINDOW,
    AssignmentStatus,
    AssignmentView,
    EventInfo,
    EventKind,
    Role,
)
from bot.services.units import add_unit, find_unit
from storage.models import (
    AssignmentEventRow,
    AssignmentRow,
    PlanRow,
    TaskRow,
    UnitRow,
    WindowRow,
)

MEMBER_3, MEMBER_5, RCOI_MEMBER, STAFF, STRANGER = 901, 905, 910, 920, 999
AFTER_THE_YEAR = datetime(2024, 9, 2, tzinfo=UTC)  # the test plan's year is 2023/24
ANOTHER_PLAN = "another-plan"  # sorts before PLAN_ID
NEXT_PLAN = "next-plan"  # the test plan a year later: 2024/25
NEXT_PLAN_YAML = (
    PLAN_YAML.replace(f"id: {PLAN_ID}", f"id: {NEXT_PLAN}")
    .replace("2024", "2025")
    .replace("2023/24", "2024/25")
    .replace("2023", "2024")
)


@dataclass(frozen=True)
class World:
    school_3: int
    school_5: int
    rcoi: int


@pytest.fixture
async def world(session: AsyncSession) -> World:
    await sync_plan(session, load(), NOW)
    school_3 = await add_unit(session, PLAN_ID, "ОО", SCHOOL_3, NOW)
    school_5 = await add_unit(session, PLAN_ID, "ОО", SCHOOL_5, NOW)
    await join(session, school_3.id, MEMBER_3)
    await join(session, school_5.id, MEMBER_5)
    rcoi = await find_unit(session, PLAN_ID, RCOI)
    await join(session, rcoi.id, RCOI_MEMBER)
    await ensure_user(
        session,
        STRANGER,
        chat_id=STRANGER,
        full_name="Посторонний",
        username=None,
        language=None,
        now=NOW,
    )
    return World(school_3.id, school_5.id, rcoi.id)


async def test_my_assignments_nearest_deadline_first_with_pages(
    session: AsyncSession, world: World
) -> None:
    await join(session, world.rcoi, MEMBER_3)

    first = await open_assignments_for_user(session, MEMBER_3, NOW, offset=0, limit=3)
    second = await open_assignments_for_user(session, MEMBER_3, NOW, offset=3, limit=3)

    assert first.total == 4
    assert (first.has_previous, first.has_next) == (False, True)
    assert (second.has_previous, second.has_next) == (True, False)
    views = first.items + second.items
    assert [(v.task_code, v.unit_name, v.window_end) for v in views] == [
        ("1.2", SCHOOL_3, date(2023, 11, 15)),
        ("1.2", RCOI, date(2023, 11, 15)),
        ("1.2", SCHOOL_3, date(2024, 3, 15)),
        ("1.2", RCOI, date(2024, 3, 15)),
    ]
    view = views[0]
    assert (view.plan_id, view.plan_timezone, view.task_title) == (
        PLAN_ID,
        "Asia/Barnaul",
        "Обучение",
    )
    assert view.term_text == "до 15 ноября 2023 года, до 15 марта 2024 года"
    assert view.status is AssignmentStatus.OPEN
    assert (await open_assignments_for_user(session, STRANGER, NOW)).total == 0


async def test_sub_items_show_their_measure(session: AsyncSession, world: World) -> None:
    district = await add_unit(session, PLAN_ID, "МОУО", "Заринский район", NOW)
    await join(session, district.id, 950)

    page = await open_assignments_for_user(session, 950, NOW)

    assert [(v.task_code, v.task_title, v.measure_title) for v in page.items] == [
        ("1.3/1", "– первое", "С подпунктами"),
        ("1.3/2", "– второе", "С подпунктами"),
    ]


async def test_confirm_is_stored_with_who_and_when_and_a_second_tap_changes_nothing(
    session: AsyncSession, world: World
) -> None:
    clock = FrozenClock(NOW)
    target = await assignment_id(session, "1.2", SCHOOL_3)

    done = await confirm(session, target, MEMBER_3, clock.now())
    clock.advance(timedelta(seconds=5))
    again = await confirm(session, target, MEMBER_3, clock.now())

    assert done.changed is True
    assert done.view.status is AssignmentStatus.CONFIRMED
    assert (done.view.confirmed_at, done.view.confirmed_by_user_id) == (NOW, MEMBER_3)
    assert again.changed is False
    assert again.view == done.view
    assert [(e.kind, e.user_id, e.at) for e in await list_events(session, target)] == [
        (EventKind.CONFIRMED, MEMBER_3, NOW)
    ]


async def test_the_view_a_confirmation_returns_is_what_a_fresh_read_gives(
    session: AsyncSession, world: World
) -> None:
    target = await assignment_id(session, "1.2", SCHOOL_3)

    done = await confirm(session, target, MEMBER_3, NOW)

    assert done.view == await get_assignment_view(session, target)


async def test_a_tap_that_loses_the_race_reports_the_others_confirmation(
    session: AsyncSession, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two members of a school tap at once: both read it open, one update wins; the other gets
    the winner's confirmation back, unchanged, and writes no event."""
    target = await assignment_id(session, "1.2", SCHOOL_3)
    stale = await get_assignment_view(session, target)
    await confirm(session, target, MEMBER_3, NOW)

    async def read_before_the_other_tap(*_args: object) -> AssignmentView:
        return stale

    monkeypatch.setattr(assignments, "_authorize", read_before_the_other_tap)
    late = await confirm(session, target, MEMBER_3 + 1, NOW + timedelta(seconds=1))

    assert late.changed is False
    assert late.view.status is AssignmentStatus.CONFIRMED
    assert (late.view.confirmed_at, late.view.confirmed_by_user_id) == (NOW, MEMBER_3)
    assert [e.user_id for e in await list_events(session, target)] == [MEMBER_3]


async def test_a_members_plan_is_archived_once_its_school_year_is_over(
    session: AsyncSession, world: World
) -> None:
    after_the_year = datetime(2024, 9, 2, tzinfo=UTC)  # the plan's year is 2023/24

    assert await user_archived_plans(session, MEMBER_3, NOW) == ()
    [archived] = await user_archived_plans(session, MEMBER_3, after_the_year)
    assert archived.plan_id == PLAN_ID
    assert archived.ended < after_the_year.date()
    assert await user_archived_plans(session, STRANGER, after_the_year) == ()
    # /my lists nothing of an archived plan, though its assignments are still open.
    assert (await open_assignments_for_user(session, MEMBER_3, NOW)).total > 0
    assert (await open_assignments_for_user(session, MEMBER_3, after_the_year)).total == 0


async def test_times_come_back_as_utc_whatever_zone_they_were_given_in(
    session: AsyncSession, world: World
) -> None:
    target = await assignment_id(session, "1.2", SCHOOL_3)
    local = NOW.astimezone(ZoneInfo("Asia/Vladivostok"))

    done = await confirm(session, target, MEMBER_3, local)

    assert done.view.confirmed_at == NOW
    assert done.view.confirmed_at is not None
    assert done.view.confirmed_at.utcoffset() == timedelta(0)


async def test_a_member_of_another_unit_is_refused_everything(
    session: AsyncSession, world: World
) -> None:
    theirs = await assignment_id(session, "1.2", SCHOOL_5)

    for user in (MEMBER_3, STRANGER):
        with pytest.raises(Forbidden):
            await confirm(session, theirs, user, NOW)
        with pytest.raises(Forbidden):
            await undo(session, theirs, user, NOW)
        with pytest.raises(Forbidden):
            await comment(session, theirs, user, "готово", NOW)
    with pytest.raises(NotFound):
        await confirm(session, 10_000_000, MEMBER_3, NOW)

    assert (await get_assignment_view(session, theirs)).status is AssignmentStatus.OPEN
    assert await list_events(session, theirs) == ()


async def test_undo_works_within_its_window_and_not_after(
    session: AsyncSession, world: World
) -> None:
    clock = FrozenClock(NOW)
    target = await assignment_id(session, "1.2", SCHOOL_3)
    await confirm(session, target, MEMBER_3, clock.now())

    clock.advance(UNDO_WINDOW - timedelta(seconds=1))
    undone = await undo(session, target, MEMBER_3, clock.now())
    undone_again = await undo(session, target, MEMBER_3, clock.now())
    await confirm(session, target, MEMBER_3, clock.now())
    listed = await open_assignments_for_user(session, MEMBER_3, clock.now())
    clock.advance(UNDO_WINDOW + timedelta(seconds=1))
    later = await open_assignments_for_user(session, MEMBER_3, clock.now())

    assert undone.changed
    assert undone.view.status is AssignmentStatus.OPEN
    assert undone.view.confirmed_at is None
    assert not undone_again.changed
    assert target in [v.id for v in listed.items]
    assert target not in [v.id for v in later.items]
    with pytest.raises(Conflict):
        await undo(session, target, MEMBER_3, clock.now())
    view = await get_assignment_view(session, target)
    assert view.status is AssignmentStatus.CONFIRMED
    assert not view.can_undo(clock.now())
    assert [e.kind for e in await list_events(session, target)] == [
        EventKind.CONFIRMED,
        EventKind.UNDONE,
        EventKind.CONFIRMED,
    ]


async def test_comments_are_events_with_a_length_limit(
    session: AsyncSession, world: World
) -> None:
    target = await assignment_id(session, "1.2", SCHOOL_3)

    note = await comment(session, target, MEMBER_3, "  Приказ по школе подписан  ", NOW)

    assert (note.kind, note.text, note.user_id) == (
        EventKind.COMMENTED,
        "Приказ по школе подписан",
        MEMBER_3,
    )
    assert note.assignment_id == target
    assert note.id > 0
    with pytest.raises(InvalidInput):
        await comment(session, target, MEMBER_3, "   ", NOW)
    with pytest.raises(InvalidInput):
        await comment(session, target, MEMBER_3, "я" * (COMMENT_MAX_LENGTH + 1), NOW)
    assert await list_events(session, target) == (note,)


async def test_the_audit_trail_only_grows(session: AsyncSession, world: World) -> None:
    clock = FrozenClock(NOW)
    target = await assignment_id(session, "1.2", SCHOOL_3)
    history: list[tuple[EventInfo, ...]] = []

    for step in (
        lambda: confirm(session, target, MEMBER_3, clock.now()),
        lambda: confirm(session, target, MEMBER_3, clock.now()),
        lambda: comment(session, target, MEMBER_3, "сделано", clock.now()),
        lambda: undo(session, target, MEMBER_3, clock.now()),
        lambda: confirm(session, target, MEMBER_3, clock.now()),
    ):
        clock.advance(timedelta(minutes=1))
        await step()
        history.append(await list_events(session, target))

    assert [len(events) for events in history] == [1, 1, 2, 3, 4]
    assert {event.assignment_id for event in history[-1]} == {target}
    assert len({event.id for event in history[-1]}) == 4
    for earlier, later in pairwise(history):
        assert later[: len(earlier)] == earlier
    row = await session.scalar(select(AssignmentEventRow).limit(1))
    assert row is not None
    row.text = "rewritten"
    with pytest.raises(RuntimeError, match="append only"):
        await session.flush()
    await session.rollback()
    await session.delete(row)
    with pytest.raises(RuntimeError, match="append only"):
        await session.flush()
    await session.rollback()
    assert await list_events(session, target) == history[-1]


async def test_a_retired_assignment_cannot_be_confirmed(
    session: AsyncSession, world: World
) -> None:
    target = await assignment_id(session, "1.2", SCHOOL_3)
    start, end = PLAN_YAML.index('      - code: "1.2"'), PLAN_YAML.index('      - code: "1.3"')
    await sync_plan(session, load(PLAN_YAML[:start] + PLAN_YAML[end:]), NOW)

    with pytest.raises(Conflict, match=f"^assignment {target} is no longer part of the plan$"):
        await confirm(session, target, MEMBER_3, NOW)
    assert (await open_assignments_for_user(session, MEMBER_3, NOW)).total == 0


async def test_view_for_member_shows_the_members_assignment_and_refuses_others(
    session: AsyncSession, world: World
) -> None:
    ours = await assignment_id(session, "1.2", SCHOOL_3)

    view = await view_for_member(session, ours, MEMBER_3)

    assert view == await get_assignment_view(session, ours)
    with pytest.raises(Forbidden, match=f"user {MEMBER_5} is not a member of unit {view.unit_id}"):
        await view_for_member(session, ours, MEMBER_5)


async def test_undo_of_an_open_assignment_changes_nothing(
    session: AsyncSession, world: World
) -> None:
    target = await assignment_id(session, "1.2", SCHOOL_3)

    outcome = await undo(session, target, MEMBER_3, NOW)

    assert outcome.changed is False
    assert outcome.view == await get_assignment_view(session, target)
    assert await list_events(session, target) == ()


async def test_undo_clears_who_confirmed_and_stamps_the_change(
    session: AsyncSession, world: World
) -> None:
    target = await assignment_id(session, "1.2", SCHOOL_3)
    await confirm(session, target, MEMBER_3, NOW)
    later = NOW + timedelta(minutes=1)

    outcome = await undo(session, target, MEMBER_3, later)

    assert outcome.changed is True
    assert (outcome.view.confirmed_at, outcome.view.confirmed_by_user_id) == (None, None)
    row = await session.get(AssignmentRow, target)
    assert row is not None
    await session.refresh(row)
    assert row.updated_at.replace(tzinfo=UTC) == later.astimezone(UTC)


async def test_undo_window_is_the_callers_and_the_refusal_says_why(
    session: AsyncSession, world: World
) -> None:
    target = await assignment_id(session, "1.2", SCHOOL_3)
    await confirm(session, target, MEMBER_3, NOW)
    an_hour = NOW + timedelta(hours=1)

    with pytest.raises(
        Conflict, match=f"^assignment {target} was confirmed too long ago to undo$"
    ):
        await undo(session, target, MEMBER_3, an_hour)
    outcome = await undo(session, target, MEMBER_3, an_hour, undo_window=timedelta(hours=2))
    assert outcome.changed is True


async def test_undo_reopens_only_its_own_assignment(session: AsyncSession, world: World) -> None:
    target = await assignment_id(session, "1.2", SCHOOL_3)
    other = await assignment_id(session, "1.2", SCHOOL_3, 1)  # its second window
    await confirm(session, target, MEMBER_3, NOW)
    await confirm(session, other, MEMBER_3, NOW)

    await undo(session, target, MEMBER_3, NOW)

    assert (await get_assignment_view(session, other)).status is AssignmentStatus.CONFIRMED


async def _stale_undo(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch, target: int, seen: AssignmentView
) -> bool:
    """`undo` as a second tap sees it: it read `seen` just before another change landed."""

    async def stale(*_: object) -> AssignmentView:
        return seen

    monkeypatch.setattr(assignments, "_authorize", stale)
    return (await undo(session, target, MEMBER_3, NOW + timedelta(minutes=1))).changed


async def test_undo_guards_against_a_change_between_reading_and_writing(
    session: AsyncSession, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = await assignment_id(session, "1.2", SCHOOL_3)
    seen = (await confirm(session, target, MEMBER_3, NOW)).view

    # staff accepted the confirmation meanwhile: it stands
    await session.execute(
        update(AssignmentRow).where(AssignmentRow.id == target).values(accepted_at=NOW)
    )
    await session.commit()
    assert await _stale_undo(session, monkeypatch, target, seen) is False
    assert (await get_assignment_view(session, target)).status is AssignmentStatus.CONFIRMED

    # another tap undid it meanwhile: no second undo, no second event
    await session.execute(
        update(AssignmentRow)
        .where(AssignmentRow.id == target)
        .values(accepted_at=None, status=AssignmentStatus.OPEN, confirmed_at=None)
    )
    await session.commit()
    assert await _stale_undo(session, monkeypatch, target, seen) is False

    # it was confirmed again long ago by the time this tap writes: too late to undo
    await session.execute(
        update(AssignmentRow)
        .where(AssignmentRow.id == target)
        .values(status=AssignmentStatus.CONFIRMED, confirmed_at=NOW - timedelta(hours=2))
    )
    await session.commit()
    assert await _stale_undo(session, monkeypatch, target, seen) is False
    assert [e.kind for e in await list_events(session, target)] == [EventKind.CONFIRMED]


async def test_comment_errors_say_why_and_the_limit_is_inclusive(
    session: AsyncSession, world: World
) -> None:
    target = await assignment_id(session, "1.2", SCHOOL_3)

    with pytest.raises(InvalidInput, match=r"^an empty comment says nothing$"):
        await comment(session, target, MEMBER_3, "   ", NOW)
    with pytest.raises(
        InvalidInput, match=f"^a comment is at most {COMMENT_MAX_LENGTH} characters$"
    ):
        await comment(session, target, MEMBER_3, "я" * (COMMENT_MAX_LENGTH + 1), NOW)
    longest = await comment(session, target, MEMBER_3, "я" * COMMENT_MAX_LENGTH, NOW)
    assert longest.text == "я" * COMMENT_MAX_LENGTH


async def test_the_view_carries_every_column_it_names(session: AsyncSession, world: World) -> None:
    # Every field of the view from its own column, with values no default gives.
    target = await assignment_id(session, "1.2", SCHOOL_3)
    row = await session.get(AssignmentRow, target)
    assert row is not None
    window = await session.get(WindowRow, row.window_id)
    plan = await session.get(PlanRow, PLAN_ID)
    assert window is not None and plan is not None
    window.start, window.label = date(2023, 11, 1), "первый этап"
    row.due_date = date(2023, 12, 1)
    accepted = NOW + timedelta(hours=5)
    row.status, row.confirmed_at, row.confirmed_by_user_id = (
        AssignmentStatus.CONFIRMED,
        NOW + timedelta(hours=1),
        MEMBER_3,
    )
    row.accepted_at = accepted
    plan.control_settings = {"acceptance": True}
    plan.name = "ГИА-2024"
    task = await session.get(TaskRow, window.task_id)
    assert task is not None
    task.result = "приказ"
    await session.flush()

    view = await get_assignment_view(session, target)

    assert view == AssignmentView(
        id=target,
        plan_id=PLAN_ID,
        plan_timezone="Asia/Barnaul",
        task_code="1.2",
        task_title="Обучение",
        measure_title=None,
        term_text="до 15 ноября 2023 года, до 15 марта 2024 года",
        window_start=date(2023, 11, 1),
        window_end=date(2023, 11, 15),
        window_label="первый этап",
        unit_id=world.school_3,
        unit_name=SCHOOL_3,
        status=AssignmentStatus.CONFIRMED,
        confirmed_at=NOW + timedelta(hours=1),
        confirmed_by_user_id=MEMBER_3,
        active=True,
        due_date=date(2023, 12, 1),
        ongoing=False,
        accepted_at=accepted,
        acceptance=True,
        plan_name="ГИА-2024",
        result="приказ",
    )
    assert view.deadline == date(2023, 12, 1)

    # A period of ongoing work has no deadline of its own to extend.
    window.ongoing = True
    row.active = False
    await session.flush()
    ongoing = await get_assignment_view(session, target)
    assert (ongoing.ongoing, ongoing.due_date, ongoing.active) == (True, None, False)


@pytest.mark.parametrize(("offset", "limit"), [(-1, 10), (0, 0), (0, 51), (0, -3)])
async def test_a_page_out_of_bounds_is_refused(
    session: AsyncSession, world: World, offset: int, limit: int
) -> None:
    with pytest.raises(ValueError, match=r"limit within 1\.\.50"):
        await open_assignments_for_user(session, MEMBER_3, NOW, offset=offset, limit=limit)


async def test_the_page_bounds_themselves_are_allowed(session: AsyncSession, world: World) -> None:
    await join(session, world.rcoi, MEMBER_3)
    one = await open_assignments_for_user(session, MEMBER_3, NOW, offset=0, limit=1)
    fifty = await open_assignments_for_user(session, MEMBER_3, NOW, offset=0, limit=50)
    default = await open_assignments_for_user(session, MEMBER_3, NOW)
    assert (len(one.items), one.limit, one.total) == (1, 1, 4)
    assert (len(fifty.items), fifty.limit) == (4, 50)
    assert default.limit == 10


async def test_same_deadline_orders_by_plan_then_position_then_unit(
    session: AsyncSession, world: World
) -> None:
    # 1.2's two units share each deadline: the unit's name decides, then the next window.
    await join(session, world.rcoi, MEMBER_3)
    await join(session, world.school_5, MEMBER_3)
    page = await open_assignments_for_user(session, MEMBER_3, NOW)
    assert [(v.window_end, v.unit_name) for v in page.items] == [
        (date(2023, 11, 15), SCHOOL_3),
        (date(2023, 11, 15), SCHOOL_5),
        (date(2023, 11, 15), RCOI),
        (date(2024, 3, 15), SCHOOL_3),
        (date(2024, 3, 15), SCHOOL_5),
        (date(2024, 3, 15), RCOI),
    ]


async def test_a_confirmation_stays_listed_to_the_last_second_of_the_undo_window(
    session: AsyncSession, world: World
) -> None:
    target = await assignment_id(session, "1.2", SCHOOL_3)
    await confirm(session, target, MEMBER_3, NOW)
    at_edge = await open_assignments_for_user(session, MEMBER_3, NOW + UNDO_WINDOW)
    assert target in [v.id for v in at_edge.items]
    undone = await undo(session, target, MEMBER_3, NOW + UNDO_WINDOW)
    assert undone.changed


async def test_a_missing_assignment_is_named(session: AsyncSession, world: World) -> None:
    with pytest.raises(NotFound, match="no assignment 987654"):
        await get_assignment_view(session, 987654)


async def test_confirm_stamps_the_change(session: AsyncSession, world: World) -> None:
    target = await assignment_id(session, "1.2", SCHOOL_3)
    later = NOW + timedelta(minutes=1)

    await confirm(session, target, MEMBER_3, later)

    row = await session.get(AssignmentRow, target)
    assert row is not None
    await session.refresh(row)
    assert row.updated_at.replace(tzinfo=UTC) == later.astimezone(UTC)


@pytest.fixture
def host_in_vladivostok(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The host's own zone is not UTC (time.tzset makes the C library read TZ again)."""
    monkeypatch.setenv("TZ", "Asia/Vladivostok")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


async def test_a_confirmations_time_is_utc_whatever_the_hosts_zone(
    session: AsyncSession, world: World, host_in_vladivostok: None
) -> None:
    target = await assignment_id(session, "1.2", SCHOOL_3)
    assert NOW.astimezone().utcoffset() == timedelta(hours=10)

    done = await confirm(session, target, MEMBER_3, NOW)

    assert done.view.confirmed_at is not None
    assert done.view.confirmed_at.utcoffset() == timedelta(0)


async def test_a_returned_confirmation_shows_the_staff_comment_until_confirmed_again(
    session: AsyncSession, world: World
) -> None:
    await sync_plan(session, load(PLAN_YAML + "control: {acceptance: true}\n"), NOW)
    token, _ = await create_invitation(session, Role.STAFF, None, created_by=ADMIN_ID, now=NOW)
    await redeem_invitation(
        session, token, user_id=STAFF, chat_id=STAFF, full_name="Staff", username=None, now=NOW
    )
    target = await assignment_id(session, "1.2", SCHOOL_3)
    await confirm(session, target, MEMBER_3, NOW)
    await return_(session, target, STAFF, "Нет протокола", NOW + timedelta(hours=1))
    await session.commit()

    returned = await get_assignment_view(session, target)
    assert (returned.status, returned.returned_comment) == (
        AssignmentStatus.OPEN,
        "Нет протокола",
    )
    listed = await open_assignments_for_user(session, MEMBER_3, NOW + timedelta(hours=1))
    assert [v.returned_comment for v in listed.items if v.id == target] == ["Нет протокола"]
    again = await confirm(session, target, MEMBER_3, NOW + timedelta(hours=2))
    assert again.view.returned_comment is None
    assert again.view == await get_assignment_view(session, target)
    # Undone, it is open again, but the confirmation since has answered the comment.
    undone = await undo(session, target, MEMBER_3, NOW + timedelta(hours=2))
    assert (undone.view.status, undone.view.returned_comment) == (AssignmentStatus.OPEN, None)


async def test_a_revoked_member_no_longer_sees_or_confirms_the_units_items(
    session: AsyncSession, world: World
) -> None:
    target = await assignment_id(session, "1.2", SCHOOL_3)
    assert (await open_assignments_for_user(session, MEMBER_3, NOW)).total == 2

    await revoke_member(session, user_id=MEMBER_3, by_user_id=ADMIN_ID, now=NOW)

    assert (await open_assignments_for_user(session, MEMBER_3, NOW)).total == 0
    assert await user_archived_plans(session, MEMBER_3, AFTER_THE_YEAR) == ()
    with pytest.raises(Forbidden):
        await confirm(session, target, MEMBER_3, NOW)


async def test_an_inactive_units_items_are_not_listed(session: AsyncSession, world: World) -> None:
    # The unit's own flag hides them (a sync that drops a party's unit retires its assignments
    # as well, so the flag is set directly here).
    unit = await session.get(UnitRow, world.school_3)
    assert unit is not None
    unit.active = False
    await session.flush()

    assert (await open_assignments_for_user(session, MEMBER_3, NOW)).total == 0
    assert await user_archived_plans(session, MEMBER_3, AFTER_THE_YEAR) == ()


async def test_same_deadline_in_two_plans_orders_by_plan(
    session: AsyncSession, world: World
) -> None:
    # The other plan sorts first but is synced later: its assignments have the larger ids.
    await sync_plan(session, load(PLAN_YAML.replace(f"id: {PLAN_ID}", f"id: {ANOTHER_PLAN}")), NOW)
    other = await add_unit(session, ANOTHER_PLAN, "ОО", SCHOOL_3, NOW)
    await join(session, other.id, MEMBER_3)

    page = await open_assignments_for_user(session, MEMBER_3, NOW)

    assert [(v.window_end, v.plan_id, v.unit_id) for v in page.items] == [
        (date(2023, 11, 15), ANOTHER_PLAN, other.id),
        (date(2023, 11, 15), PLAN_ID, world.school_3),
        (date(2024, 3, 15), ANOTHER_PLAN, other.id),
        (date(2024, 3, 15), PLAN_ID, world.school_3),
    ]
    assert page.total == 4


async def test_same_deadline_in_one_plan_orders_by_the_plans_order(
    session: AsyncSession, world: World
) -> None:
    # 1.4 comes before 1.2 in the plan but is added by a later sync: it has the larger ids.
    briefing = (
        '      - code: "1.4"\n'
        "        title: Инструктаж\n"
        "        term: до 15 ноября 2023 года\n"
        "        windows: [{end: 2023-11-15}]\n"
        "        responsible: ОО\n"
    )
    start = PLAN_YAML.index('      - code: "1.2"')
    await sync_plan(session, load(PLAN_YAML[:start] + briefing + PLAN_YAML[start:]), NOW)

    page = await open_assignments_for_user(session, MEMBER_3, NOW)

    assert [(v.task_code, v.window_end) for v in page.items] == [
        ("1.4", date(2023, 11, 15)),
        ("1.2", date(2023, 11, 15)),
        ("1.2", date(2024, 3, 15)),
    ]


async def test_an_archived_plan_hides_only_its_own_items(
    session: AsyncSession, world: World
) -> None:
    await sync_plan(session, load(NEXT_PLAN_YAML), NOW)
    school = await add_unit(session, NEXT_PLAN, "ОО", SCHOOL_3, NOW)
    await join(session, school.id, MEMBER_3)

    page = await open_assignments_for_user(session, MEMBER_3, AFTER_THE_YEAR)

    assert [(v.plan_id, v.unit_id, v.window_end) for v in page.items] == [
        (NEXT_PLAN, school.id, date(2024, 11, 15)),
        (NEXT_PLAN, school.id, date(2025, 3, 15)),
    ]
    assert page.total == 2
    [archived] = await user_archived_plans(session, MEMBER_3, AFTER_THE_YEAR)
    assert archived.plan_id == PLAN_ID
