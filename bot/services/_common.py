"""Helpers the service modules share: change-only assignment, row-to-value conversion."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.errors import NotFound
from bot.services.types import UnitInfo, UserInfo
from storage.models import UnitPartyRow, UnitRow, UserRow


def assign(row: object, **values: Any) -> bool:
    """Set only the attributes that differ, so an unchanged row is never written."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def user_info(row: UserRow) -> UserInfo:
    return UserInfo(
        id=row.id,
        chat_id=row.chat_id,
        full_name=row.full_name,
        username=row.username,
        language=row.language,
        role=row.role,
        active=row.active,
        created_at=row.created_at,
    )


async def unit_infos(session: AsyncSession, rows: list[UnitRow]) -> tuple[UnitInfo, ...]:
    if not rows:
        return ()
    links = await session.execute(
        select(UnitPartyRow.unit_id, UnitPartyRow.party_name)
        .where(UnitPartyRow.unit_id.in_([row.id for row in rows]))
        .order_by(UnitPartyRow.party_name)
    )
    parties: dict[int, list[str]] = {}
    for unit_id, party_name in links:
        parties.setdefault(unit_id, []).append(party_name)
    return tuple(
        UnitInfo(
            id=row.id,
            plan_id=row.plan_id,
            name=row.name,
            kind=row.kind,
            party_name=row.party_name,
            parties=tuple(parties.get(row.id, ())),
            active=row.active,
        )
        for row in rows
    )


async def unit_info(session: AsyncSession, unit_id: int) -> UnitInfo:
    row = await session.get(UnitRow, unit_id)
    if row is None:
        raise NotFound(f"no unit {unit_id}")
    [info] = await unit_infos(session, [row])
    return info
