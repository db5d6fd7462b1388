"""Ministry control services on SQLite and PostgreSQL: overdue in the plan's zone, filters,
pagination, progress counts, measure cards, coverage gaps and the report's data."""

from datetime import UTC, date, datetime, timedelta

import pytest
from control_support import (
    COMMENT,
    LOADED,
    MEMBER_3,
    MEMBER_MOUO_A,
    MOUO_A,
    MOUO_B,
    NOW,
    PLAN_ID,
    POLOSINA,
    RCOI,
    SCHOOL_3,
    SCHOOL_7,
    UO,
    World,
    confirm_some,
    seed,
)
from services_support import PLAN_YAML as OTHER_PLAN_YAML
from services_support import assignment_id, load
from sqlalchemy.ext.asyncio import AsyncSession

from bot.plan.parties import PartyKind
from bot.reminders.policy import ReminderKind
from bot.services.accounts import bind_account, set_preferred_transport
from bot.services.addresses import Account
from bot.services.control import (
    AmbiguousCode,
    ControlStatus,
    Counts,
    OverdueMeasure,
    PlanCoverage,
    UnknownFilter,
    classify,
    coverage,
    match_parties,
    measure_card,
    overdue,
    overdue_for,
    overdue_history,
    progress,
    report_data,
    resolve_filter,
)
from bot.services.errors import NotFound
from bot.services.plans import sync_plan
from bot.services.types import AssignmentStatus
from storage.models_reminders import DeliveryStatus, OutboxRow, ReminderRow, ReminderStatus


@pytest.fixture
async def world(session: AsyncSession) -> World:
    world = await seed(session)
    await confirm_some(session)
    return world


def lines(items: tuple[OverdueMeasure, ...]) -> list[tuple[str, int, list[str]]]:
    return [(item.code, item.days_overdue, [u.name for u in item.units]) for item in items]


ALL_OVERDUE = [
    ("5.2/1", 20, [MOUO_A, MOUO_B]),  # 20 February → 11 March (2024 is a leap year)
    ("1.1", 10, [POLOSINA, UO]),
    ("5.1", 6, [MOUO_A, MOUO_B]),  # the РЦОИ confirmed
    ("1.5", 1, [SCHOOL_7]),  # school 3 confirmed
]


async def test_overdue_counts_days_in_the_plans_time_zone(
    session: AsyncSession, world: World
) -> None:
    page = await overdue(session, NOW, limit=10)

    assert lines(page.items) == ALL_OVERDUE
    assert page.total == 4
    first = page.items[0]
    assert (first.plan_id, first.measure_title, first.title) == (
        PLAN_ID,
        "Информирование участников",
        "– о сроках",
    )
    assert first.section_code == "5"
    assert first.window_end == date(2024, 2, 20)


async def test_a_deadline_is_not_overdue_before_its_day_ends_in_the_plans_zone(
    session: AsyncSession, world: World
) -> None:
    # 13:59 UTC on 10 March is 23:59 there: «1.5» is still due that day.
    before = datetime(2024, 3, 10, 13, 59, tzinfo=UTC)

    page = await overdue(session, before)

    assert "1.5" not in [item.code for item in page.items]
    assert lines(page.items)[0] == ("5.2/1", 19, [MOUO_A, MOUO_B])


async def test_overdue_pages(session: AsyncSession, world: World) -> None:
    first = await overdue(session, NOW, offset=0, limit=3)
    second = await overdue(session, NOW, offset=3, limit=3)

    assert lines(first.items) + lines(second.items) == ALL_OVERDUE
    assert (first.has_previous, first.has_next) == (False, True)
    assert (second.has_previous, second.has_next, second.total) == (True, False, 4)
    with pytest.raises(ValueError, match="limit"):
        await overdue(session, NOW, limit=0)


async def test_overdue_filters(session: AsyncSession, world: World) -> None:
    by_section = await overdue(session, NOW, section="5")
    by_plan = await overdue(session, NOW, plan_id=PLAN_ID)
    other_plan = await overdue(session, NOW, plan_id="nope")
    by_unit = await overdue(session, NOW, unit_id=world.units[SCHOOL_7])
    only = await overdue(session, NOW, only_units={world.units[MOUO_B], world.units[UO]})

    assert lines(by_section.items) == [ALL_OVERDUE[0], ALL_OVERDUE[2]]
    assert lines(by_plan.items) == ALL_OVERDUE
    assert other_plan.total == 0
    assert lines(by_unit.items) == [("1.5", 1, [SCHOOL_7])]
    assert lines(only.items) == [("5.2/1", 20, [MOUO_B]), ("1.1", 10, [UO]), ("5.1", 6, [MOUO_B])]


async def test_party_filter_matches_whole_words_and_lists_only_that_partys_units(
    session: AsyncSession, world: World
) -> None:
    mouo = await overdue(session, NOW, party="моуо")
    uo = await overdue(session, NOW, party="УО")
    rcoi = await overdue(session, NOW, party="РЦОИ")

    assert lines(mouo.items) == [ALL_OVERDUE[0], ALL_OVERDUE[2]]
    # «УО» is not a word of «МОУО»; Полосина Н.В. shares 1.1 but is not the УО.
    assert lines(uo.items) == [("1.1", 10, [UO])]
    assert rcoi.total == 0  # named by 5.1 and 1.6: confirmed and not yet due
    matched = await match_parties(session, "МОУО")
    assert matched.names == {"МОУО", "руководители МОУО"}


async def test_resolve_filter(session: AsyncSession, world: World) -> None:
    assert (await resolve_filter(session, "")).empty
    assert (await resolve_filter(session, "раздел 5")).section == "5"
    assert (await resolve_filter(session, "Section 1")).section == "1"
    assert (await resolve_filter(session, "5")).section == "5"
    both = await resolve_filter(session, "CTL-PLAN  МОУО")
    assert (both.plan_id, both.party, both.section) == (PLAN_ID, "МОУО", None)
    school = await resolve_filter(session, "мбоу сош № 7")
    assert school.unit_ids == frozenset({world.units[SCHOOL_7]})
    schools = await resolve_filter(session, "СОШ")
    assert schools.unit_ids == frozenset({world.units[SCHOOL_3], world.units[SCHOOL_7]})
    with pytest.raises(UnknownFilter):
        await resolve_filter(session, "Рособрнадзор")
    with pytest.raises(UnknownFilter):
        await resolve_filter(session, "раздел 9")


async def test_overdue_for_a_member_intersects_the_filter_with_their_units(
    session: AsyncSession, world: World
) -> None:
    schools = await resolve_filter(session, "СОШ")
    mine = {world.units[SCHOOL_3]}

    own = await overdue_for(session, NOW, schools, only_units=mine)
    every = await overdue_for(session, NOW, await resolve_filter(session, ""), only_units=mine)

    assert own.total == 0  # school 3 confirmed 1.5, and has nothing else overdue
    assert every.total == 0
    seven = await overdue_for(session, NOW, schools, only_units={world.units[SCHOOL_7]})
    assert lines(seven.items) == [("1.5", 1, [SCHOOL_7])]


async def test_progress_counts_per_plan_and_section(session: AsyncSession, world: World) -> None:
    [plan] = await progress(session, NOW)

    assert plan.today == date(2024, 3, 11)
    sections = {section.code: section.counts for section in plan.sections}
    assert [section.code for section in plan.sections] == ["1", "5"]
    # 1: 1.1 two overdue; 1.5 one confirmed, one overdue; 1.6 three not yet due.
    assert sections["1"] == Counts(confirmed=1, due=0, overdue=3, upcoming=3)
    # 5: 5.1 РЦОИ confirmed, two МОУО overdue; 5.2/1 two overdue; 5.2/2 two due.
    assert sections["5"] == Counts(confirmed=1, due=2, overdue=4, upcoming=0)
    assert plan.counts == Counts(confirmed=2, due=2, overdue=7, upcoming=3)
    assert (plan.counts.total, plan.counts.percent) == (14, 14)
    assert await progress(session, NOW, plan_id="nope") == []


def test_classify_and_counts() -> None:
    today = date(2024, 3, 11)
    open_ = AssignmentStatus.OPEN
    assert classify(open_, None, date(2024, 3, 10), today) is ControlStatus.OVERDUE
    assert classify(open_, None, today, today) is ControlStatus.DUE
    assert classify(open_, date(2024, 3, 12), date(2024, 3, 20), today) is ControlStatus.UPCOMING
    assert classify(AssignmentStatus.CONFIRMED, None, date(2024, 1, 1), today) is (
        ControlStatus.CONFIRMED
    )
    assert Counts().percent == 0
    assert Counts(confirmed=2, due=1).percent == 66


async def test_measure_card_shows_terms_windows_units_confirmations_and_comments(
    session: AsyncSession, world: World
) -> None:
    card = await measure_card(session, None, "1.5", NOW)

    assert (card.term_text, card.responsible) == ("с 1 по 10 марта 2024 года", "ОО")
    assert card.parties == ("ОО",)
    [task] = card.tasks
    [window] = task.windows
    assert (window.start, window.end) == (date(2024, 3, 1), date(2024, 3, 10))
    by_unit = {state.unit_name: state for state in window.units}
    assert by_unit[SCHOOL_3].status is ControlStatus.CONFIRMED
    assert by_unit[SCHOOL_3].confirmed_by == "Ирина Петрова"
    assert by_unit[SCHOOL_3].confirmed_at == NOW
    assert (by_unit[SCHOOL_7].status, by_unit[SCHOOL_7].days_overdue) == (
        ControlStatus.OVERDUE,
        1,
    )
    [note] = card.comments
    assert (note.text, note.unit_name, note.at, note.code) == (COMMENT, SCHOOL_7, NOW, "1.5")
    assert card.counts == Counts(confirmed=1, overdue=1)


async def test_measure_card_of_a_measure_with_sub_items_lists_the_items(
    session: AsyncSession, world: World
) -> None:
    card = await measure_card(session, PLAN_ID, "5.2", NOW)
    item = await measure_card(session, PLAN_ID, "5.2/2", NOW)

    assert [task.code for task in card.tasks] == ["5.2/1", "5.2/2"]
    assert card.counts == Counts(due=2, overdue=2)
    assert item.measure_title == "Информирование участников"
    assert [state.status for state in item.tasks[0].windows[0].units] == [ControlStatus.DUE] * 2


async def test_measure_card_needs_the_plan_when_the_code_is_in_several(
    session: AsyncSession, world: World
) -> None:
    await sync_plan(session, load(OTHER_PLAN_YAML), LOADED)

    with pytest.raises(AmbiguousCode) as raised:
        await measure_card(session, None, "1.1", NOW)
    assert raised.value.plan_ids == (PLAN_ID, "test-plan")
    assert (await measure_card(session, "test-plan", "1.1", NOW)).title == "Совещание"
    with pytest.raises(NotFound):
        await measure_card(session, None, "42.42", NOW)


async def test_coverage_lists_gaps_blocked_members_and_failed_reminders(
    session: AsyncSession, world: World
) -> None:
    reminder = ReminderRow(
        assignment_id=await assignment_id(session, "1.5", SCHOOL_3),
        kind=ReminderKind.DUE,
        sequence=99,  # beside the reminders the schedule already holds
        deadline=date(2024, 3, 10),
        due_at=NOW - timedelta(days=1),
        status=ReminderStatus.RELEASED,
        created_at=LOADED,
    )
    session.add(reminder)
    await session.flush()
    session.add(
        OutboxRow(
            reminder_id=reminder.id,
            user_id=MEMBER_3,
            chat_id=MEMBER_3,
            status=DeliveryStatus.FAILED,
            attempts=5,
            next_attempt_at=NOW,
        )
    )
    await session.commit()

    [plan] = (await coverage(session)).plans

    parties = {party.name: party for party in plan.parties}
    assert set(parties) == {POLOSINA, UO, "ОО", RCOI, "руководители МОУО"}
    assert [party.name for party in plan.gaps] == [POLOSINA, "руководители МОУО", UO]
    assert parties["руководители МОУО"].kind is PartyKind.GROUP
    mouo = {unit.name: unit for unit in parties["руководители МОУО"].units}
    assert (mouo[MOUO_A].members, mouo[MOUO_A].blocked) == (0, (f"User {MEMBER_MOUO_A}",))
    assert mouo[MOUO_B].members == 0
    schools = {unit.name: unit for unit in parties["ОО"].units}
    assert (schools[SCHOOL_3].members, schools[SCHOOL_3].failed) == (1, 1)
    assert schools[SCHOOL_7].failed == 0
    assert parties[RCOI].covered
    assert (await coverage(session, "nope")).plans == ()


async def test_report_data_rows_progress_and_history(session: AsyncSession, world: World) -> None:
    data = await report_data(session, PLAN_ID, NOW)

    [plan] = data.plans
    assert len(plan.rows) == 14
    first = plan.rows[0]
    assert (first.code, first.unit_name, first.status, first.days_overdue) == (
        "1.1",
        POLOSINA,
        ControlStatus.OVERDUE,
        10,
    )
    confirmed = next(row for row in plan.rows if row.status is ControlStatus.CONFIRMED)
    assert (confirmed.code, confirmed.unit_name, confirmed.confirmed_by) == (
        "1.5",
        SCHOOL_3,
        "Ирина Петрова",
    )
    assert confirmed.confirmed_at is not None
    assert confirmed.confirmed_at.utcoffset() == timedelta(hours=10)
    assert plan.progress.counts == Counts(confirmed=2, due=2, overdue=7, upcoming=3)
    history = dict(plan.overdue_history)
    assert history[date(2024, 2, 20)] == 0
    assert history[date(2024, 2, 21)] == 2
    assert history[date(2024, 3, 2)] == 4
    assert history[date(2024, 3, 10)] == 7  # 5.1 still late for the РЦОИ as well
    assert history[date(2024, 3, 11)] == 7 == plan.progress.counts.overdue
    assert max(history) == date(2024, 3, 11)
    with pytest.raises(NotFound):
        await report_data(session, "nope", NOW)


def test_overdue_history_counts_each_day() -> None:
    spans = [
        (date(2024, 1, 10), None),
        (date(2024, 1, 10), date(2024, 1, 12)),  # confirmed two days late
        (date(2024, 1, 11), date(2024, 1, 5)),  # confirmed early: never late
    ]

    history = overdue_history(spans, date(2024, 1, 9), date(2024, 1, 13))

    assert history == (
        (date(2024, 1, 9), 0),
        (date(2024, 1, 10), 0),
        (date(2024, 1, 11), 2),
        (date(2024, 1, 12), 1),
        (date(2024, 1, 13), 1),
    )
    assert overdue_history(spans, date(2024, 1, 2), date(2024, 1, 1)) == ()


async def test_coverage_counts_the_members_reminded_in_max(
    session: AsyncSession, world: World
) -> None:
    def schools_in_max(plan: PlanCoverage) -> dict[str, int]:
        [schools] = [party for party in plan.parties if party.name == "ОО"]
        return {unit.name: unit.in_max for unit in schools.units}

    [plan] = (await coverage(session)).plans
    assert schools_in_max(plan) == {SCHOOL_3: 0, SCHOOL_7: 0}
    # Linked in MAX, but Telegram stays first until the member chooses MAX.
    await bind_account(session, MEMBER_3, Account("max", "user", "7003"), LOADED)
    await session.commit()
    [plan] = (await coverage(session)).plans
    assert schools_in_max(plan) == {SCHOOL_3: 0, SCHOOL_7: 0}
    await set_preferred_transport(session, MEMBER_3, "max")
    await session.commit()
    [plan] = (await coverage(session)).plans
    assert schools_in_max(plan) == {SCHOOL_3: 1, SCHOOL_7: 0}
    [school_3] = [u for p in plan.parties if p.name == "ОО" for u in p.units if u.name == SCHOOL_3]
    assert (school_3.members, school_3.in_max) == (1, 1)
