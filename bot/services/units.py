"""Units: who reports for themselves; schools and districts are registered under a category."""

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.plan.parties import PartyKind, normalize_name
from bot.services._common import unit_info, unit_infos
from bot.services.errors import Conflict, DuplicateUnit, InvalidInput, NotFound
from bot.services.plans import stage_assignments
from bot.services.reminders import stage_reminders
from bot.services.types import UnitInfo, UnitKind
from storage.models import NAME_LENGTH, PartyRow, PlanRow, UnitPartyRow, UnitRow

UnitName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_LENGTH)
]


class _UnitDoc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: UnitName
    parties: list[UnitName] = Field(min_length=1)


class UnitsFileDoc(BaseModel):
    """`data/directory/<plan-id>.yaml`: the concrete units registered under a plan's categories."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    plan: str
    units: list[_UnitDoc] = Field(default_factory=list)


@dataclass(frozen=True, slots=True)
class UnitsLoadReport:
    plan_id: str
    added: tuple[str, ...]
    linked: tuple[str, ...]
    """Units already known that were put under one more party."""
    unchanged: tuple[str, ...]


_NUMBER_SIGN_RE = re.compile(r"№\s*")


def unit_key(name: str) -> str:
    """What two names of one unit share: case, ё, spacing and «№3» / «№ 3» do not count."""
    return _NUMBER_SIGN_RE.sub("№ ", normalize_name(name))


def _clean_name(name: str) -> str:
    # Control and format characters (NUL, bells, bidi overrides) only ever arrive by accident or
    # malice: they are dropped, and line breaks and tabs become single spaces.
    visible = "".join(
        char for char in name if char.isspace() or unicodedata.category(char)[0] != "C"
    )
    cleaned = " ".join(visible.split())
    if not cleaned:
        raise InvalidInput("a unit needs a name")
    if len(cleaned) > NAME_LENGTH:
        raise InvalidInput(f"a unit name is at most {NAME_LENGTH} characters")
    return cleaned


async def _require_plan(session: AsyncSession, plan_id: str) -> None:
    if await session.get(PlanRow, plan_id) is None:
        raise NotFound(f"no plan {plan_id}: load the plan before its units")


async def _registration_party(session: AsyncSession, plan_id: str, written: str) -> str:
    """The party a unit is registered under: a category, or the category a group is drawn from."""
    parties = await session.scalars(
        select(PartyRow).where(PartyRow.plan_id == plan_id, PartyRow.active)
    )
    key = normalize_name(written)
    party = next((p for p in parties if normalize_name(p.name) == key), None)
    if party is None:
        raise NotFound(f'plan {plan_id} has no party "{written}"')
    if party.kind is PartyKind.CATEGORY:
        return party.name
    if party.kind is PartyKind.GROUP:
        return party.of if party.of is not None else party.name
    raise InvalidInput(
        f'"{party.name}" is a {party.kind.value}: it reports as a unit of its own, '
        "nothing is registered under it"
    )


async def _units_by_key(session: AsyncSession, plan_id: str) -> dict[str, UnitRow]:
    units = await session.scalars(select(UnitRow).where(UnitRow.plan_id == plan_id))
    return {unit_key(unit.name): unit for unit in units}


async def add_unit(
    session: AsyncSession, plan_id: str, party_name: str, name: str, now: datetime
) -> UnitInfo:
    """Register a concrete unit (a school under «ОО») and give it the assignments of its party."""
    await _require_plan(session, plan_id)
    party = await _registration_party(session, plan_id, party_name)
    name = _clean_name(name)
    existing = (await _units_by_key(session, plan_id)).get(unit_key(name))
    if existing is not None:
        raise DuplicateUnit(plan_id, name, existing.name)
    unit = UnitRow(
        plan_id=plan_id,
        name=name,
        kind=UnitKind.ORGANISATION,
        party_name=None,
        active=True,
        created_at=now,
    )
    session.add(unit)
    await session.flush()
    session.add(UnitPartyRow(unit_id=unit.id, plan_id=plan_id, party_name=party))
    await session.flush()
    await stage_assignments(session, plan_id, now)
    await stage_reminders(session, plan_id, now)
    await session.commit()
    return await unit_info(session, unit.id)


async def get_unit(session: AsyncSession, unit_id: int) -> UnitInfo:
    return await unit_info(session, unit_id)


async def find_unit(session: AsyncSession, plan_id: str, name: str) -> UnitInfo:
    """A unit by name as a person would type it (case, ё and spacing do not matter)."""
    unit = (await _units_by_key(session, plan_id)).get(unit_key(name))
    if unit is None:
        raise NotFound(f'plan {plan_id} has no unit "{name}"')
    return await unit_info(session, unit.id)


async def list_units(
    session: AsyncSession, plan_id: str | None = None, *, include_inactive: bool = False
) -> tuple[UnitInfo, ...]:
    query = select(UnitRow).order_by(UnitRow.plan_id, UnitRow.name)
    if plan_id is not None:
        query = query.where(UnitRow.plan_id == plan_id)
    if not include_inactive:
        query = query.where(UnitRow.active)
    return await unit_infos(session, list(await session.scalars(query)))


def read_units_file(path: Path | str) -> UnitsFileDoc:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        return UnitsFileDoc.model_validate(data)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InvalidInput(f"{path}: {exc}") from exc
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(step) for step in error['loc'])}: {error['msg']}"
            for error in exc.errors()
        )
        raise InvalidInput(f"{path}: {problems}") from exc


async def load_units_file(
    session: AsyncSession, path: Path | str, now: datetime
) -> UnitsLoadReport:
    """Register the units a directory file lists; idempotent, and it never removes a unit."""
    doc = read_units_file(path)
    plan_id = doc.plan
    await _require_plan(session, plan_id)
    known = await _units_by_key(session, plan_id)
    links = await session.execute(
        select(UnitPartyRow.unit_id, UnitPartyRow.party_name).where(
            UnitPartyRow.plan_id == plan_id
        )
    )
    linked_to: set[tuple[int, str]] = {(unit_id, party) for unit_id, party in links}
    # Check every entry before writing any, so a bad file changes nothing.
    entries: list[tuple[str, list[str]]] = []
    written: dict[str, str] = {}
    for entry in doc.units:
        name = _clean_name(entry.name)
        parties = [await _registration_party(session, plan_id, p) for p in entry.parties]
        unit = known.get(unit_key(name))
        if unit is not None and unit.party_name is not None:
            raise Conflict(f'{path}: "{name}" is a party of plan {plan_id}, not a registered unit')
        spelled = written.setdefault(unit_key(name), unit.name if unit is not None else name)
        if spelled != name:
            raise Conflict(f"{path}: {DuplicateUnit(plan_id, name, spelled)}")
        entries.append((name, parties))
    added: list[str] = []
    linked: list[str] = []
    unchanged: list[str] = []
    for name, parties in entries:
        unit = known.get(unit_key(name))
        if unit is None:
            unit = UnitRow(
                plan_id=plan_id,
                name=name,
                kind=UnitKind.ORGANISATION,
                party_name=None,
                active=True,
                created_at=now,
            )
            session.add(unit)
            await session.flush()
            known[unit_key(name)] = unit
            added.append(name)
        new_links = {party for party in parties if (unit.id, party) not in linked_to}
        for party in sorted(new_links):
            session.add(UnitPartyRow(unit_id=unit.id, plan_id=plan_id, party_name=party))
            linked_to.add((unit.id, party))
        if name not in added:
            (linked if new_links else unchanged).append(name)
    await session.flush()
    await stage_assignments(session, plan_id, now)
    await stage_reminders(session, plan_id, now)
    await session.commit()
    return UnitsLoadReport(plan_id, tuple(added), tuple(linked), tuple(unchanged))
