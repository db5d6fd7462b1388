"""Single-use, expiring invitations carried by a Telegram deep link; only token hashes are kept."""

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services._common import user_info
from bot.services.errors import InvalidInput, InvitationError, InvitationFailure, NotFound
from bot.services.members import ROLE_RANK, membership_info, user_row
from bot.services.reminders import catch_up_first_member
from bot.services.types import InvitationInfo, Redemption, Role
from storage.models import InvitationRow, MembershipRow, PlanRow, UnitRow

DEFAULT_TTL = timedelta(days=7)
TOKEN_BYTES = 24  # 32 URL-safe characters, inside the 64 Telegram allows in a /start payload
# https://core.telegram.org/bots/features#deep-linking: up to 64 characters of A-Z a-z 0-9 _ -
_PAYLOAD_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def deep_link(bot_username: str, token: str) -> str:
    if not _PAYLOAD_RE.fullmatch(token):
        raise ValueError("a deep-link payload is 1-64 characters of A-Z, a-z, 0-9, _ and -")
    return f"https://t.me/{bot_username.removeprefix('@')}?start={token}"


def _info(row: InvitationRow) -> InvitationInfo:
    return InvitationInfo(
        id=row.id,
        role=row.role,
        unit_id=row.unit_id,
        created_by=row.created_by,
        created_at=row.created_at,
        expires_at=row.expires_at,
        used_at=row.used_at,
        used_by=row.used_by,
    )


async def create_invitation(
    session: AsyncSession,
    role: Role,
    unit_id: int | None,
    *,
    created_by: int | None,
    now: datetime,
    ttl: timedelta = DEFAULT_TTL,
) -> tuple[str, InvitationInfo]:
    """A new invitation and its token: the token is shown once and cannot be recovered."""
    if role is Role.PUBLIC:
        raise InvalidInput("nobody needs an invitation to be public")
    if (role is Role.MEMBER) != (unit_id is not None):
        raise InvalidInput("a member invitation names its unit; other roles name none")
    if ttl <= timedelta(0):
        raise InvalidInput("an invitation must live for some time")
    if unit_id is not None:
        unit = await session.get(UnitRow, unit_id)
        if unit is None or not unit.active:
            raise NotFound(f"no active unit {unit_id}")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    row = InvitationRow(
        token_hash=hash_token(token),
        role=role,
        unit_id=unit_id,
        created_by=created_by,
        created_at=now,
        expires_at=now + ttl,
    )
    session.add(row)
    await session.commit()
    return token, _info(row)


async def list_invitations(
    session: AsyncSession, now: datetime, *, pending_only: bool = True
) -> tuple[InvitationInfo, ...]:
    query = (
        select(InvitationRow)
        .where(InvitationRow.binds_user_id.is_(None))
        .order_by(InvitationRow.created_at, InvitationRow.id)
    )
    if pending_only:
        query = query.where(InvitationRow.used_at.is_(None), InvitationRow.expires_at > now)
    return tuple(_info(row) for row in await session.scalars(query))


async def redeem_invitation(
    session: AsyncSession,
    token: str,
    *,
    user_id: int,
    chat_id: int,
    full_name: str,
    username: str | None,
    now: datetime,
    language: str | None = None,
) -> Redemption:
    """Bind the user to what the invitation grants: once, and only before it expires."""
    if not _PAYLOAD_RE.fullmatch(token):
        raise InvitationError(InvitationFailure.UNKNOWN)
    row = await session.scalar(
        select(InvitationRow).where(InvitationRow.token_hash == hash_token(token))
    )
    if row is None or row.binds_user_id is not None:
        # A binding link is redeemed by bot.services.accounts.redeem_binding, never as a grant.
        raise InvitationError(InvitationFailure.UNKNOWN)
    if row.used_at is not None:
        raise InvitationError(InvitationFailure.USED)
    if row.expires_at <= now:
        raise InvitationError(InvitationFailure.EXPIRED)
    # Claim it with a conditional update, so two people racing with one link cannot both win.
    claimed = cast(
        CursorResult[Any],
        await session.execute(
            update(InvitationRow)
            .where(InvitationRow.id == row.id, InvitationRow.used_at.is_(None))
            .values(used_at=now, used_by=user_id)
            .execution_options(synchronize_session=False)
        ),
    )
    if claimed.rowcount != 1:
        await session.rollback()
        raise InvitationError(InvitationFailure.USED)

    user, _changed = await user_row(
        session,
        user_id,
        chat_id=chat_id,
        full_name=full_name,
        username=username,
        language=language,
        now=now,
    )
    if ROLE_RANK[row.role] > ROLE_RANK[user.role]:
        user.role = row.role
    membership = None
    if row.role is Role.MEMBER and row.unit_id is not None:
        unit = await session.get(UnitRow, row.unit_id)
        if unit is None:
            await session.rollback()
            raise NotFound(f"no unit {row.unit_id}")
        existing = await session.scalar(
            select(MembershipRow).where(
                MembershipRow.user_id == user_id,
                MembershipRow.unit_id == unit.id,
                MembershipRow.revoked_at.is_(None),
            )
        )
        if existing is None:
            existing = MembershipRow(
                user_id=user_id, unit_id=unit.id, invitation_id=row.id, created_at=now
            )
            session.add(existing)
            await session.flush()
            # Reminders released while the unit had nobody to tell reach its first member.
            await catch_up_first_member(session, unit.id, user_id, chat_id, now)
        await session.flush()
        plan = await session.get(PlanRow, unit.plan_id)
        membership = membership_info(existing, unit, plan.name if plan is not None else None)
    await session.commit()
    return Redemption(user=user_info(user), role=row.role, membership=membership)
