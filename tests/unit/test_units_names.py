"""Unit names as admins type them: control characters dropped, near-duplicates refused by name."""

from pathlib import Path

import pytest
from services_support import NOW, PLAN_ID, SCHOOL_3, SCHOOL_5, load
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.errors import Conflict, DuplicateUnit
from bot.services.plans import sync_plan
from bot.services.units import add_unit, list_units, load_units_file, unit_key


@pytest.fixture
async def synced(session: AsyncSession) -> AsyncSession:
    await sync_plan(session, load(), NOW)
    return session


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("МБОУ СОШ № 3", "мбоу  сош №3"),
        ("МБОУ СОШ №3", "МБОУ  СОШ  №   3"),
        ("Лицей «Ёлочка»", "лицей «елочка»"),
    ],
)
def test_names_a_person_takes_for_one_unit_share_a_key(one: str, other: str) -> None:
    assert unit_key(one) == unit_key(other)


def test_different_schools_keep_different_keys() -> None:
    assert unit_key("МБОУ СОШ № 3") != unit_key("МБОУ СОШ № 33")
    assert unit_key("МБОУ СОШ № 3") != unit_key("МАОУ СОШ № 3")


async def test_control_characters_are_dropped_from_a_unit_name(synced: AsyncSession) -> None:
    unit = await add_unit(synced, PLAN_ID, "ОО", "МБОУ\x00 СОШ\u202e №\t7\x07\n", NOW)

    assert unit.name == "МБОУ СОШ № 7"


async def test_a_near_duplicate_is_refused_naming_the_existing_unit(
    synced: AsyncSession,
) -> None:
    await add_unit(synced, PLAN_ID, "ОО", "МБОУ СОШ № 3", NOW)

    with pytest.raises(DuplicateUnit) as refused:
        await add_unit(synced, PLAN_ID, "ОО", "мбоу  сош №3", NOW)

    assert refused.value.existing == "МБОУ СОШ № 3"
    assert str(refused.value) == (
        f'plan {PLAN_ID} already has the unit "МБОУ СОШ № 3"; "мбоу сош №3" would be the same unit'
    )
    assert [u.name for u in await list_units(synced, PLAN_ID) if u.parties == ("ОО",)] == [
        "МБОУ СОШ № 3"
    ]


async def test_a_directory_file_with_a_near_duplicate_is_refused_whole(
    synced: AsyncSession, tmp_path: Path
) -> None:
    await add_unit(synced, PLAN_ID, "ОО", SCHOOL_3, NOW)
    path = tmp_path / "units.yaml"
    path.write_text(
        f"plan: {PLAN_ID}\nunits:\n"
        f"  - {{name: {SCHOOL_5}, parties: [ОО]}}\n"
        "  - {name: мбоу сош № 3, parties: [ОО]}\n",
        encoding="utf-8",
    )
    before = await list_units(synced)

    with pytest.raises(Conflict) as refused:
        await load_units_file(synced, path, NOW)

    assert f'already has the unit "{SCHOOL_3}"' in str(refused.value)
    assert str(path) in str(refused.value)
    assert await list_units(synced) == before


async def test_two_spellings_of_one_unit_in_one_file_are_refused(
    synced: AsyncSession, tmp_path: Path
) -> None:
    path = tmp_path / "units.yaml"
    path.write_text(
        f"plan: {PLAN_ID}\nunits:\n"
        "  - {name: МБОУ СОШ № 9, parties: [ОО]}\n"
        "  - {name: МБОУ СОШ №9, parties: [ОО]}\n",
        encoding="utf-8",
    )

    with pytest.raises(Conflict, match='already has the unit "МБОУ СОШ № 9"'):
        await load_units_file(synced, path, NOW)


async def test_the_same_file_loads_again_unchanged(synced: AsyncSession, tmp_path: Path) -> None:
    path = tmp_path / "units.yaml"
    path.write_text(
        f"plan: {PLAN_ID}\nunits:\n  - {{name: {SCHOOL_3}, parties: [ОО]}}\n", encoding="utf-8"
    )
    await load_units_file(synced, path, NOW)

    again = await load_units_file(synced, path, NOW)

    assert again.unchanged == (SCHOOL_3,)
