"""Users, their roles and their memberships of units."""

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services._common import assign, unit_infos, user_info
from bot.services.errors import NotFound
from bot.services.types import MemberInfo, MembershipInfo, Role, UnitInfo, UserInfo
from storage.models import NAME_LENGTH, MembershipRow, UnitRow, UserRow

USERNAME_LENGTH = 64
LANGUAGE_LENGTH = 16

# One role per user; an invitation never lowers it (an admin following a staff link stays admin).
ROLE_RANK = {Role.PUBLIC: 0, Role.MEMBER: 1, Role.OPERATOR: 2, Role.STAFF: 3, Role.ADMIN: 4}


def _profile(full_name: str, username: str | None) -> dict[str, object]:
    return {
        "full_name": full_name[:NAME_LENGTH],
        "username": username[:USERNAME_LENGTH] if username else None,
    }


async def user_row(
    session: AsyncSession,
    user_id: int,
    *,
    chat_id: int,
    full_name: str,
    username: str | None,
    language: str | None,
    now: datetime,
) -> tuple[UserRow, bool]:
    """The user's row, created as public or refreshed, and whether it changed; not committed."""
    row = await session.get(UserRow, user_id)
    if row is None:
        row = UserRow(
            id=user_id,
            chat_id=chat_id,
            language=language[:LANGUAGE_LENGTH] if language else None,
            role=Role.PUBLIC,
            active=True,
            created_at=now,
            **_profile(full_name, username),
        )
        session.add(row)
        changed = True
    else:
        # The stored language is the user's choice (/lang): Telegram's guess only seeds it.
        changed = assign(row, chat_id=chat_id, active=True, **_profile(full_name, username))
    await session.flush()
    return row, changed


async def get_user(session: AsyncSession, user_id: int) -> UserInfo | None:
    row = await session.get(UserRow, user_id)
    return user_info(row) if row is not None else None


async def ensure_user(
    session: AsyncSession,
    user_id: int,
    *,
    chat_id: int,
    full_name: str,
    username: str | None,
    language: str | None,
    now: datetime,
) -> UserInfo:
    """The user behind an update, registered as public on first sight; writes only on change."""

    async def refresh() -> tuple[UserRow, bool]:
        return await user_row(
            session,
            user_id,
            chat_id=chat_id,
            full_name=full_name,
            username=username,
            language=language,
            now=now,
        )

    # user_row's own get finds the row in the identity map: no second query.
    first_seen = await session.get(UserRow, user_id) is None
    try:
        row, changed = await refresh()
    except IntegrityError:
        # Two first updates from one user raced; the other one created the row.
        await session.rollback()
        first_seen = False
        row, changed = await refresh()
    if changed:
        await session.commit()
    return replace(user_info(row), first_seen=first_seen)


async def _require_user(session: AsyncSession, user_id: int) -> UserRow:
    row = await session.get(UserRow, user_id)
    if row is None:
        raise NotFound(f"no user {user_id}")
    return row


async def set_language(session: AsyncSession, user_id: int, language: str | None) -> UserInfo:
    row = await _require_user(session, user_id)
    if assign(row, language=language):
        await session.commit()
    return user_info(row)


async def set_reachable(session: AsyncSession, user_id: int, *, reachable: bool) -> UserInfo:
    """`active` is false while Telegram refuses to deliver to the user (they blocked the bot)."""
    row = await _require_user(session, user_id)
    if assign(row, active=reachable):
        await session.commit()
    return user_info(row)


def effective_role(user_id: int, stored: Role | None, admin_ids: frozenset[int]) -> Role:
    """Admins named in the configuration are admins whatever the table says."""
    if user_id in admin_ids:
        return Role.ADMIN
    return stored if stored is not None else Role.PUBLIC


async def role_of(session: AsyncSession, user_id: int, admin_ids: frozenset[int]) -> Role:
    """The user's role as stored, or ADMIN for those named in ADMIN_IDS."""
    if user_id in admin_ids:
        return Role.ADMIN
    stored = await session.scalar(select(UserRow.role).where(UserRow.id == user_id))
    return effective_role(user_id, stored, admin_ids)


@dataclass(frozen=True, slots=True)
class RoleHolder:
    chat_id: int
    role: Role
    language: str | None


async def role_holders(session: AsyncSession, admin_ids: frozenset[int]) -> tuple[RoleHolder, ...]:
    """Staff, operators and admins who have written to the bot: their menus are their own."""
    rows = await session.execute(
        select(UserRow.id, UserRow.chat_id, UserRow.role, UserRow.language)
        .where(
            UserRow.role.in_([Role.STAFF, Role.OPERATOR, Role.ADMIN]) | UserRow.id.in_(admin_ids)
        )
        .order_by(UserRow.id)
    )
    return tuple(
        RoleHolder(chat_id, Role.ADMIN if user_id in admin_ids else role, language)
        for user_id, chat_id, role, language in rows.tuples()
    )


async def list_users(session: AsyncSession, role: Role | None = None) -> tuple[UserInfo, ...]:
    query = select(UserRow).order_by(UserRow.full_name, UserRow.id)
    if role is not None:
        query = query.where(UserRow.role == role)
    return tuple(user_info(row) for row in await session.scalars(query))


async def units_of(session: AsyncSession, user_id: int) -> tuple[UnitInfo, ...]:
    """The active units the user is an active member of."""
    rows = await session.scalars(
        select(UnitRow)
        .join(MembershipRow, MembershipRow.unit_id == UnitRow.id)
        .where(
            MembershipRow.user_id == user_id, MembershipRow.revoked_at.is_(None), UnitRow.active
        )
        .distinct()
        .order_by(UnitRow.plan_id, UnitRow.name)
    )
    return await unit_infos(session, list(rows))


async def list_members(
    session: AsyncSession, unit_id: int | None = None, plan_id: str | None = None
) -> tuple[MemberInfo, ...]:
    query = (
        select(MembershipRow, UserRow, UnitRow)
        .join(UserRow, UserRow.id == MembershipRow.user_id)
        .join(UnitRow, UnitRow.id == MembershipRow.unit_id)
        .where(MembershipRow.revoked_at.is_(None))
        .order_by(UnitRow.plan_id, UnitRow.name, UserRow.full_name, MembershipRow.id)
    )
    if unit_id is not None:
        query = query.where(MembershipRow.unit_id == unit_id)
    if plan_id is not None:
        query = query.where(UnitRow.plan_id == plan_id)
    return tuple(
        MemberInfo(
            membership_id=membership.id,
            user_id=user.id,
            full_name=user.full_name,
            username=user.username,
            unit_id=unit.id,
            unit_name=unit.name,
            plan_id=unit.plan_id,
            since=membership.created_at,
        )
        for membership, user, unit in (await session.execute(query)).tuples()
    )


def membership_info(
    row: MembershipRow, unit: UnitRow, plan_name: str | None = None
) -> MembershipInfo:
    return MembershipInfo(
        id=row.id,
        user_id=row.user_id,
        unit_id=unit.id,
        unit_name=unit.name,
        plan_id=unit.plan_id,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        plan_name=plan_name,
    )


async def revoke_member(
    session: AsyncSession,
    *,
    membership_id: int | None = None,
    user_id: int | None = None,
    by_user_id: int | None,
    now: datetime,
) -> tuple[MembershipInfo, ...]:
    """Revoke one membership, or (by user) all of a user's memberships and any role they hold.

    The membership rows stay, with who revoked them and when.
    """
    if (membership_id is None) == (user_id is None):
        raise ValueError("name either the membership or the user to revoke")
    query = (
        select(MembershipRow, UnitRow)
        .join(UnitRow, UnitRow.id == MembershipRow.unit_id)
        .where(MembershipRow.revoked_at.is_(None))
        .order_by(MembershipRow.id)
    )
    if membership_id is not None:
        query = query.where(MembershipRow.id == membership_id)
    else:
        query = query.where(MembershipRow.user_id == user_id)
    found = list((await session.execute(query)).tuples())
    target = user_id if user_id is not None else (found[0][0].user_id if found else None)
    user = await session.get(UserRow, target) if target is not None else None
    if user is None or (not found and (membership_id is not None or user.role is Role.PUBLIC)):
        what = f"membership {membership_id}" if membership_id is not None else f"user {user_id}"
        raise NotFound(f"no active {what}")
    for membership, _unit in found:
        membership.revoked_at = now
        membership.revoked_by = by_user_id
    await session.flush()
    if user_id is not None:
        user.role = Role.PUBLIC
    elif user.role is Role.MEMBER:
        remaining = await session.scalar(
            select(MembershipRow.id)
            .where(MembershipRow.user_id == user.id, MembershipRow.revoked_at.is_(None))
            .limit(1)
        )
        if remaining is None:
            user.role = Role.PUBLIC
    await session.commit()
    return tuple(membership_info(membership, unit) for membership, unit in found)
