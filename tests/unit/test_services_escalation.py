"""Escalation and the weekly digest against a real database (SQLite and PostgreSQL)."""

from datetime import date, datetime, timedelta

import pytest
from escalation_support import (
    CONTROLLER_USER,
    COORDINATOR_USER,
    ESCALATION_MOMENT,
    MEMBER_3,
    MONDAY,
    NEXT_MONDAY,
    PLAN_ID,
    SCHOOL_3,
    SCHOOL_7,
    STAFF_USER,
    World,
    make_world,
    nine,
)
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.i18n import create_i18n
from bot.services.digest import weekly_digests
from bot.services.escalation import EscalatedMeasure, LateAssignment, PlanEscalation, escalate
from handlers.control_notices import control_tick, escalation_text
from storage.engine import session_factory

I18N = create_i18n("ru")
MINUTE = timedelta(minutes=1)


@pytest.fixture
async def world(engine: AsyncEngine) -> World:
    return await make_world(session_factory(engine))


async def run_escalation(world: World, at: datetime) -> list[tuple[str, tuple[str, ...]]]:
    """(code, late units) escalated by one run at `at`, committed."""
    async with world.sessions() as session:
        found = await escalate(session, at)
        await session.commit()
    return [
        (measure.code, tuple(late.unit_name for late in measure.late))
        for plan in found
        for measure in plan.measures
    ]


async def test_an_overdue_assignment_is_escalated_once_at_its_moment(world: World) -> None:
    assert await run_escalation(world, ESCALATION_MOMENT - MINUTE) == []
    assert await world.escalated() == set()

    first = await run_escalation(world, ESCALATION_MOMENT)
    again = await run_escalation(world, ESCALATION_MOMENT + timedelta(hours=1))
    next_day = await run_escalation(world, ESCALATION_MOMENT + timedelta(days=1))

    assert first == [("1.1", (SCHOOL_3, SCHOOL_7))]
    assert again == next_day == []
    assert await world.escalated() == {
        await world.assignment("1.1", SCHOOL_3),
        await world.assignment("1.1", SCHOOL_7),
    }


async def test_what_is_escalated_names_the_days_overdue_and_the_coordinator(world: World) -> None:
    async with world.sessions() as session:
        [plan] = await escalate(session, ESCALATION_MOMENT)

    assert plan.plan_id == PLAN_ID
    assert (plan.working_days, plan.fallback) == (5, False)
    assert [r.user_id for r in plan.recipients] == [COORDINATOR_USER]
    assert [late.days_overdue for late in plan.measures[0].late] == [17, 17]


async def test_a_confirmation_before_the_moment_means_no_escalation(world: World) -> None:
    await world.confirm("1.1", SCHOOL_3, MEMBER_3, ESCALATION_MOMENT - timedelta(days=3))

    assert await run_escalation(world, ESCALATION_MOMENT) == [("1.1", (SCHOOL_7,))]
    assert await world.escalated() == {await world.assignment("1.1", SCHOOL_7)}


async def test_ongoing_measures_are_never_overdue_nor_escalated(world: World) -> None:
    escalated = await run_escalation(world, ESCALATION_MOMENT + timedelta(days=200))

    assert {code for code, _units in escalated} == {"1.1", "1.3"}


async def test_without_a_coordinator_subscriber_staff_get_it_instead(engine: AsyncEngine) -> None:
    world = await make_world(session_factory(engine), members=False)

    async with world.sessions() as session:
        [plan] = await escalate(session, ESCALATION_MOMENT)

    assert plan.fallback
    assert [r.user_id for r in plan.recipients] == [STAFF_USER]


async def test_a_plan_that_never_escalates(engine: AsyncEngine) -> None:
    world = await make_world(
        session_factory(engine), "{escalate_after_working_days: null, weekly_digest: false}"
    )

    assert await run_escalation(world, ESCALATION_MOMENT + timedelta(days=100)) == []
    async with world.sessions() as session:
        assert await weekly_digests(session, MONDAY) == []


async def test_the_job_writes_one_notice_per_recipient_and_reruns_write_none(
    world: World,
) -> None:
    first = await control_tick(world.sessions, ESCALATION_MOMENT, i18n=I18N)
    notices = [n for n in await world.notices() if n.kind == "escalation"]
    second = await control_tick(world.sessions, ESCALATION_MOMENT + MINUTE, i18n=I18N)

    assert first.escalated == 2
    assert second.escalated == 0
    [notice] = notices
    assert notice.user_id == COORDINATOR_USER
    assert notice.key.startswith(f"escalation:{PLAN_ID}:2024-01-15:{COORDINATOR_USER}:")
    assert "Эскалация" in notice.text
    assert "5 рабочих дней" in notice.text
    assert "Совещание &lt;руководителей&gt;" in notice.text
    assert f"просрочено на 17 дней (до 29 декабря 2023\u202fг.): {SCHOOL_3}, {SCHOOL_7}" in (
        notice.text
    )
    assert len([n for n in await world.notices() if n.kind == "escalation"]) == 1


async def test_a_fallback_notice_says_the_coordinator_has_no_subscriber(
    engine: AsyncEngine,
) -> None:
    world = await make_world(session_factory(engine), members=False)

    await control_tick(world.sessions, ESCALATION_MOMENT, i18n=I18N)

    [notice] = [n for n in await world.notices() if n.kind == "escalation"]
    assert notice.user_id == STAFF_USER
    assert "Полосина Н.В." in notice.text
    assert "никто не подключился" in notice.text


async def test_a_huge_escalation_fits_one_message() -> None:
    measures = tuple(
        EscalatedMeasure(
            n,
            f"1.{n}",
            "Очень длинное название " * 5,
            None,
            (LateAssignment(n, f"МБОУ СОШ № {n}", date(2024, 1, 10), 5),),
        )
        for n in range(200)
    )
    escalation = PlanEscalation(
        PLAN_ID, "ГИА-2024", "План", "Asia/Barnaul", 5, ("УО",), (), False, measures
    )

    with I18N.context(), I18N.use_locale("ru"):
        text = escalation_text(escalation, "ru")

    assert len(text) <= 4096
    assert text.rstrip().split("\n")[-1].startswith("и ещё ")


# ------------------------------------------------------------------------------ the digest


async def test_the_digest_goes_out_on_monday_at_send_time_once_a_week(world: World) -> None:
    before = await control_tick(world.sessions, MONDAY - MINUTE, i18n=I18N)
    monday = await control_tick(world.sessions, MONDAY, i18n=I18N)
    wednesday = await control_tick(world.sessions, MONDAY + timedelta(days=2), i18n=I18N)
    next_week = await control_tick(world.sessions, NEXT_MONDAY, i18n=I18N)

    assert before.digests == 0
    assert (monday.digests, wednesday.digests, next_week.digests) == (1, 0, 1)
    digests = [n for n in await world.notices() if n.kind == "digest"]
    assert sorted((n.user_id, n.key) for n in digests) == sorted(
        (user, f"digest:{PLAN_ID}:{week}:{user}")
        for user in (CONTROLLER_USER, STAFF_USER)
        for week in ("2024-W03", "2024-W04")
    )


async def test_a_bot_down_on_monday_sends_the_digest_later_that_week_once(world: World) -> None:
    thursday = MONDAY + timedelta(days=3)

    first = await control_tick(world.sessions, thursday, i18n=I18N)
    second = await control_tick(world.sessions, thursday + timedelta(hours=2), i18n=I18N)

    assert (first.digests, second.digests) == (1, 0)
    assert len([n for n in await world.notices() if n.kind == "digest"]) == 2


async def test_the_digest_counts_what_fell_overdue_escalations_and_progress(
    world: World,
) -> None:
    await world.confirm("1.3", SCHOOL_3, MEMBER_3, MONDAY - timedelta(days=10))
    await run_escalation(world, ESCALATION_MOMENT)

    async with world.sessions() as session:
        [digest] = await weekly_digests(session, MONDAY + MINUTE)

    assert digest.week == "2024-W03"
    assert [(item.code, item.units) for item in digest.newly_overdue] == [("1.3", (SCHOOL_7,))]
    assert digest.overdue_total == 3
    assert digest.escalated == 2
    assert (digest.extensions_pending, digest.acceptance_pending) == (0, None)
    assert (digest.progress.counts.confirmed, digest.progress.counts.total) == (1, 6)

    await control_tick(world.sessions, MONDAY + MINUTE, i18n=I18N)
    staff = next(n for n in await world.notices() if n.key.endswith(f":{STAFF_USER}"))
    assert "Неделя 15–21 января" in staff.text
    assert "Всего просрочено: 3" in staff.text
    assert "Просрочено за последние 7 дней: 1" in staff.text
    assert f"<b>1.3</b> Отчёт (до 10 января 2024\u202fг.): {SCHOOL_7}" in staff.text
    assert "▓" in staff.text


async def test_an_archived_plan_is_neither_escalated_nor_digested(world: World) -> None:
    """The 2023/24 plan's year ended on 31 August 2024: from the next Monday on nothing of it
    is escalated or put in a weekly digest, though its late items are still late."""
    after_the_year = nine(date(2024, 9, 2))  # a Monday

    async with world.sessions() as session:
        assert await escalate(session, after_the_year) == []
        assert await weekly_digests(session, after_the_year + MINUTE) == []
    assert await world.escalated() == set()
