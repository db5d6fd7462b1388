"""Loading a plan into the database: idempotent, history kept, disappearances reported."""

from datetime import date, timedelta

import pytest
from services_support import (
    NOW,
    PLAN_ID,
    PLAN_YAML,
    POLOSINA,
    RCOI,
    RYAZANOV,
    SCHOOL_3,
    assignment_id,
    assignment_keys,
    join,
    load,
    snapshot,
)
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.plan.model import Plan
from bot.services.assignments import confirm, get_assignment_view
from bot.services.errors import Conflict
from bot.services.plans import stored_control, sync_plan
from bot.services.types import AssignmentStatus, UnitKind
from bot.services.units import add_unit, list_units
from bot.terms import TermKind
from storage.models import PlanRow, TaskRow, WindowRow

ALL_CODES = ("1.1", "1.2", "1.3", "1.3/1", "1.3/2")
USER = 501


def edited(plan_text: str = PLAN_YAML) -> Plan:
    """1.1 retitled, 1.2 removed, 1.4 added."""
    text = plan_text.replace("title: Совещание", "title: Совещание руководителей")
    start = text.index('      - code: "1.2"')
    end = text.index('      - code: "1.3"')
    text = text[:start] + text[end:]
    text += """\
      - code: "1.4"
        title: Новое мероприятие
        term: май 2024
        windows: [{start: 2024-05-01, end: 2024-05-31}]
        responsible: Полосина Н.В.
"""
    return load(text)


async def test_sync_creates_tasks_windows_units_and_assignments(session: AsyncSession) -> None:
    report = await sync_plan(session, load(), NOW)

    assert report.added == ALL_CODES
    assert (report.updated, report.unchanged, report.disappeared) == ((), (), ())
    assert report.units_added == (POLOSINA, RYAZANOV, RCOI)
    tasks = {task.code: task for task in await session.scalars(select(TaskRow))}
    assert [tasks[code].position for code in ALL_CODES] == [0, 1, 2, 3, 4]
    assert tasks["1.3/1"].measure_code == "1.3"
    assert tasks["1.2"].kind == str(TermKind.FIXED)
    windows = await session.scalars(select(WindowRow).where(WindowRow.task_id == tasks["1.2"].id))
    assert [(w.seq, w.start, w.end) for w in windows] == [
        (0, None, date(2023, 11, 15)),
        (1, None, date(2024, 3, 15)),
    ]
    units = await list_units(session, PLAN_ID)
    assert {(u.name, u.kind, u.party_name) for u in units} == {
        (POLOSINA, UnitKind.PERSON, POLOSINA),
        (RYAZANOV, UnitKind.PERSON, RYAZANOV),
        (RCOI, UnitKind.ORGANISATION, RCOI),
    }
    # «ОО» and «руководители МОУО» have no registered units yet; 1.3 is done through its items.
    assert await assignment_keys(session) == {
        ("1.1", 0, POLOSINA),
        ("1.2", 0, RCOI),
        ("1.2", 1, RCOI),
        ("1.3/1", 0, RYAZANOV),
        ("1.3/2", 0, RYAZANOV),
    }
    assert report.assignments.created == 5


async def test_syncing_the_same_plan_again_changes_nothing(session: AsyncSession) -> None:
    await sync_plan(session, load(), NOW)
    before = await snapshot(session)

    report = await sync_plan(session, load(), NOW + timedelta(days=1))

    assert not report.changed
    assert report.unchanged == ALL_CODES
    assert report.added == report.updated == report.disappeared == report.windows_changed == ()
    assert await snapshot(session) == before


async def test_edited_plan_keeps_confirmations_and_reports_what_disappeared(
    session: AsyncSession,
) -> None:
    await sync_plan(session, load(), NOW)
    polosina = next(u for u in await list_units(session, PLAN_ID) if u.name == POLOSINA)
    await join(session, polosina.id, USER)
    confirmed = await assignment_id(session, "1.1", POLOSINA)
    await confirm(session, confirmed, USER, NOW)
    retired = await assignment_id(session, "1.2", RCOI)

    report = await sync_plan(session, edited(), NOW + timedelta(days=1))

    assert report.added == ("1.4",)
    assert report.updated == ("1.1",)
    assert report.disappeared == ("1.2",)
    assert report.windows_changed == ()
    view = await get_assignment_view(session, confirmed)
    assert view.task_title == "Совещание руководителей"
    assert view.status is AssignmentStatus.CONFIRMED
    assert view.confirmed_by_user_id == USER
    assert view.confirmed_at == NOW
    # The removed measure keeps its rows, inactive, and its assignments are retired, not deleted.
    gone = await session.scalar(select(TaskRow).where(TaskRow.code == "1.2"))
    assert gone is not None
    assert not gone.active
    assert not (await get_assignment_view(session, retired)).active
    assert ("1.2", 0, RCOI) in await assignment_keys(session, active=False)
    assert ("1.4", 0, POLOSINA) in await assignment_keys(session)


async def test_a_disappeared_measure_is_reported_once_and_comes_back_with_its_history(
    session: AsyncSession,
) -> None:
    await sync_plan(session, load(), NOW)
    retired = await assignment_id(session, "1.2", RCOI)
    await sync_plan(session, edited(), NOW)

    again = await sync_plan(session, edited(), NOW)
    back = await sync_plan(session, load(), NOW)

    assert again.disappeared == ()
    assert not again.changed
    assert "1.2" in back.updated
    assert back.disappeared == ("1.4",)
    assert await assignment_id(session, "1.2", RCOI) == retired
    assert (await get_assignment_view(session, retired)).active


async def test_moved_windows_keep_their_identity_and_confirmations(session: AsyncSession) -> None:
    await sync_plan(session, load(), NOW)
    school = await add_unit(session, PLAN_ID, "ОО", SCHOOL_3, NOW)
    await join(session, school.id, USER)
    first = await assignment_id(session, "1.2", SCHOOL_3, seq=0)
    second = await assignment_id(session, "1.2", SCHOOL_3, seq=1)
    await confirm(session, first, USER, NOW)

    moved = PLAN_YAML.replace("{end: 2023-11-15}, {end: 2024-03-15}", "{end: 2023-11-20}")
    report = await sync_plan(session, load(moved), NOW)

    assert report.updated == ("1.2",)
    assert report.windows_changed == ("1.2",)
    view = await get_assignment_view(session, first)
    assert (view.window_end, view.status) == (date(2023, 11, 20), AssignmentStatus.CONFIRMED)
    assert not (await get_assignment_view(session, second)).active


async def test_a_new_party_named_like_a_registered_unit_is_refused_and_nothing_changes(
    session: AsyncSession,
) -> None:
    await sync_plan(session, load(), NOW)
    await add_unit(session, PLAN_ID, "ОО", "Сидоров С.С.", NOW)
    before = await snapshot(session)
    clashing = PLAN_YAML.replace(
        "    - name: Рязанов М.А.\n", "    - name: Рязанов М.А.\n    - name: Сидоров С.С.\n"
    )

    with pytest.raises(Conflict):
        await sync_plan(session, load(clashing), NOW)

    assert await snapshot(session) == before


async def test_a_measure_that_gains_sub_items_is_assigned_through_them(
    session: AsyncSession,
) -> None:
    await sync_plan(session, load(), NOW)
    with_items = PLAN_YAML.replace(
        "        responsible: Полосина Н.В.\n",
        "        responsible: Полосина Н.В.\n"
        "        items:\n"
        "          - title: – подготовить\n"
        "            term: октябрь 2023\n"
        "            windows: [{start: 2023-10-01, end: 2023-10-15}]\n",
    )

    report = await sync_plan(session, load(with_items), NOW)

    assert report.added == ("1.1/1",)
    keys = await assignment_keys(session)
    assert ("1.1/1", 0, POLOSINA) in keys
    assert ("1.1", 0, POLOSINA) not in keys
    assert report.assignments.deactivated == 1


async def test_sync_stores_the_control_settings_and_a_reload_updates_them(
    session: AsyncSession,
) -> None:
    await sync_plan(session, load(), NOW)
    row = await session.get(PlanRow, PLAN_ID)
    assert row is not None
    assert stored_control(row).escalate_after_working_days == 5

    text = PLAN_YAML.replace("sections:\n", "control: {acceptance: true}\nsections:\n", 1)
    await sync_plan(session, load(text), NOW)
    await session.refresh(row)
    assert stored_control(row).acceptance is True


async def test_sync_stores_the_short_name_and_the_views_show_it(session: AsyncSession) -> None:
    await sync_plan(session, load(), NOW)
    row = await session.get(PlanRow, PLAN_ID)
    assert row is not None and row.name is None
    unnamed = await get_assignment_view(session, await assignment_id(session, "1.1", POLOSINA))
    assert unnamed.plan_label == PLAN_ID

    text = PLAN_YAML.replace(f"id: {PLAN_ID}\n", f"id: {PLAN_ID}\nname: ГИА-2024, Край\n", 1)
    report = await sync_plan(session, load(text), NOW)
    await session.refresh(row)
    assert row.name == "ГИА-2024, Край"
    assert report.added == ()
    named = await get_assignment_view(session, await assignment_id(session, "1.1", POLOSINA))
    assert (named.plan_id, named.plan_label) == (PLAN_ID, "ГИА-2024, Край")


async def test_a_bulk_insert_keeps_the_references_checked(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The PostgreSQL bulk path (foreign keys dropped and added back around the insert) taken
    # for a small plan: the same rows as row by row, and the keys are there afterwards.
    monkeypatch.setattr("bot.services.plans._BULK_MIN", 1)
    await sync_plan(session, load(), NOW)

    assert await assignment_keys(session) == {
        ("1.1", 0, POLOSINA),
        ("1.2", 0, RCOI),
        ("1.2", 1, RCOI),
        ("1.3/1", 0, RYAZANOV),
        ("1.3/2", 0, RYAZANOV),
    }
    if session.get_bind().dialect.name == "postgresql":
        keys = await session.scalars(
            text(
                "SELECT conname FROM pg_constraint "
                "WHERE conrelid = 'assignments'::regclass AND contype = 'f'"
            )
        )
        assert {
            "fk_assignments_window_id_task_windows",
            "fk_assignments_unit_id_units",
        } <= set(keys)
        with pytest.raises(IntegrityError):
            await session.execute(
                text(
                    "INSERT INTO assignments (window_id, unit_id, status, active, updated_at) "
                    "VALUES (999999, 999999, 'OPEN', true, now())"
                )
            )
