"""Units: people and single organisations are created with the plan; schools are registered."""

from pathlib import Path

import pytest
from services_support import (
    NOW,
    PLAN_ID,
    POLOSINA,
    RCOI,
    RYAZANOV,
    SCHOOL_3,
    SCHOOL_5,
    assignment_id,
    assignment_keys,
    join,
    load,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.assignments import confirm, get_assignment_view
from bot.services.errors import Conflict, InvalidInput, NotFound
from bot.services.plans import sync_plan
from bot.services.types import AssignmentStatus, UnitKind
from bot.services.units import add_unit, find_unit, list_units, load_units_file

DISTRICT = "Заринский район"
USER_3, USER_5 = 303, 305


@pytest.fixture
async def synced(session: AsyncSession) -> AsyncSession:
    await sync_plan(session, load(), NOW)
    return session


async def test_two_schools_under_a_category_complete_the_same_measure_independently(
    synced: AsyncSession,
) -> None:
    school_3 = await add_unit(synced, PLAN_ID, "ОО", SCHOOL_3, NOW)
    school_5 = await add_unit(synced, PLAN_ID, "оо", SCHOOL_5, NOW)
    await join(synced, school_3.id, USER_3)
    await join(synced, school_5.id, USER_5)

    keys = await assignment_keys(synced)
    assert {key for key in keys if key[0] == "1.2"} == {
        ("1.2", 0, RCOI),
        ("1.2", 1, RCOI),
        ("1.2", 0, SCHOOL_3),
        ("1.2", 1, SCHOOL_3),
        ("1.2", 0, SCHOOL_5),
        ("1.2", 1, SCHOOL_5),
    }
    done = await assignment_id(synced, "1.2", SCHOOL_3)
    other = await assignment_id(synced, "1.2", SCHOOL_5)
    await confirm(synced, done, USER_3, NOW)

    assert (await get_assignment_view(synced, done)).status is AssignmentStatus.CONFIRMED
    assert (await get_assignment_view(synced, other)).status is AssignmentStatus.OPEN


async def test_a_unit_registered_under_a_group_joins_the_category_it_is_drawn_from(
    synced: AsyncSession,
) -> None:
    district = await add_unit(synced, PLAN_ID, "руководители МОУО", DISTRICT, NOW)

    assert district.parties == ("МОУО",)
    assert district.kind is UnitKind.ORGANISATION
    assert district.party_name is None
    keys = await assignment_keys(synced)
    assert {("1.3/1", 0, DISTRICT), ("1.3/2", 0, DISTRICT)} <= keys
    assert ("1.3", 0, DISTRICT) not in keys


async def test_units_registered_before_a_resync_keep_their_assignments(
    synced: AsyncSession,
) -> None:
    await add_unit(synced, PLAN_ID, "ОО", SCHOOL_3, NOW)
    first = await assignment_id(synced, "1.2", SCHOOL_3)

    report = await sync_plan(synced, load(), NOW)

    assert not report.changed
    assert await assignment_id(synced, "1.2", SCHOOL_3) == first


async def test_add_unit_refuses_what_cannot_hold_units(synced: AsyncSession) -> None:
    await add_unit(synced, PLAN_ID, "ОО", SCHOOL_3, NOW)

    with pytest.raises(Conflict):
        await add_unit(synced, PLAN_ID, "ОО", "  мбоу  сош №3 ", NOW)
    with pytest.raises(Conflict):
        await add_unit(synced, PLAN_ID, "ОО", POLOSINA, NOW)
    with pytest.raises(InvalidInput):
        await add_unit(synced, PLAN_ID, RYAZANOV, SCHOOL_5, NOW)
    with pytest.raises(InvalidInput):
        await add_unit(synced, PLAN_ID, RCOI, SCHOOL_5, NOW)
    with pytest.raises(InvalidInput):
        await add_unit(synced, PLAN_ID, "ОО", "   ", NOW)
    with pytest.raises(NotFound):
        await add_unit(synced, PLAN_ID, "ППЭ", SCHOOL_5, NOW)
    with pytest.raises(NotFound):
        await add_unit(synced, "other-plan", "ОО", SCHOOL_5, NOW)
    assert [u.name for u in await list_units(synced, PLAN_ID) if u.parties == ("ОО",)] == [
        SCHOOL_3
    ]


async def test_find_unit_ignores_case_and_spacing(synced: AsyncSession) -> None:
    school = await add_unit(synced, PLAN_ID, "ОО", SCHOOL_3, NOW)

    assert (await find_unit(synced, PLAN_ID, "мбоу сош  №3")).id == school.id
    with pytest.raises(NotFound):
        await find_unit(synced, PLAN_ID, SCHOOL_5)


async def test_units_file_registers_units_idempotently(
    synced: AsyncSession, tmp_path: Path
) -> None:
    path = tmp_path / f"{PLAN_ID}.yaml"
    path.write_text(
        f"plan: {PLAN_ID}\n"
        "units:\n"
        f"  - {{name: {SCHOOL_3}, parties: [ОО]}}\n"
        f"  - {{name: {DISTRICT}, parties: [МОУО]}}\n",
        encoding="utf-8",
    )

    first = await load_units_file(synced, path, NOW)
    again = await load_units_file(synced, path, NOW)
    path.write_text(
        f"plan: {PLAN_ID}\nunits:\n  - {{name: {SCHOOL_3}, parties: [ОО, руководители МОУО]}}\n",
        encoding="utf-8",
    )
    linked = await load_units_file(synced, path, NOW)

    assert first.added == (SCHOOL_3, DISTRICT)
    assert (again.added, again.unchanged) == ((), (SCHOOL_3, DISTRICT))
    assert linked.linked == (SCHOOL_3,)
    school = await find_unit(synced, PLAN_ID, SCHOOL_3)
    assert school.parties == ("МОУО", "ОО")
    assert ("1.3/1", 0, SCHOOL_3) in await assignment_keys(synced)


@pytest.mark.parametrize(
    ("content", "error"),
    [
        ("plan: test-plan\nunits: [{name: X}]\n", InvalidInput),
        ("plan: test-plan\nunits: [{name: X, parties: [ОО], extra: 1}]\n", InvalidInput),
        ("plan: test-plan\nunits: [{name: X, parties: [Полосина Н.В.]}]\n", InvalidInput),
        ("plan: [unclosed\n", InvalidInput),
        ("plan: no-such-plan\nunits: []\n", NotFound),
        (
            "plan: test-plan\nunits: [{name: A, parties: [ОО]}, {name: B, parties: [ППЭ]}]\n",
            NotFound,
        ),
    ],
)
async def test_a_bad_units_file_is_refused_whole(
    synced: AsyncSession, tmp_path: Path, content: str, error: type[Exception]
) -> None:
    path = tmp_path / "units.yaml"
    path.write_text(content, encoding="utf-8")
    before = await list_units(synced)

    with pytest.raises(error):
        await load_units_file(synced, path, NOW)

    assert await list_units(synced) == before
