"""People on either messenger: accounts, who is behind an address, where reminders go.

A subscriber is (transport, address kind, id). Someone who came through Telegram keeps their
Telegram user id as users.id (all the code keyed by users.id keeps working); someone first
seen on MAX gets an internal users.id from ``INTERNAL_USER_ID_BASE`` up. Either may bind the
other messenger later with an invitation; both accounts then point at the one users row.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services._common import updated_one
from bot.services.addresses import (
    TRANSPORTS,
    Account,
    Kind,
    Transport,
    _kind,
    _transport,
    choose_address,
    reminder_routes,
)
from bot.services.errors import InvitationError, InvitationFailure, NotFound
from bot.services.invitations import TOKEN_BYTES, hash_token
from bot.services.members import LANGUAGE_LENGTH
from bot.services.types import Role
from storage.models import INTERNAL_USER_ID_BASE, NAME_LENGTH, AccountRow, InvitationRow, UserRow

__all__ = [
    "TRANSPORTS",
    "Account",
    "AccountTaken",
    "Coverage",
    "MessengerStatus",
    "Transport",
    "accounts_of",
    "bind_account",
    "choose_address",
    "coverage",
    "create_binding",
    "ensure_max_user",
    "messenger_status",
    "redeem_binding",
    "reminder_address",
    "reminder_routes",
    "resolve_user",
    "set_preferred_transport",
]


class AccountTaken(Exception):  # noqa: N818 (a refusal, like the other service errors)
    """The messenger account already belongs to another person."""


@dataclass(frozen=True, slots=True)
class Coverage:
    user_id: int
    full_name: str
    role: Role
    telegram: bool
    max: bool
    preferred: Transport | None


async def resolve_user(
    session: AsyncSession, transport: Transport, external_id: str, kind: Kind = "user"
) -> int | None:
    """users.id behind a messenger account, or None if nobody is bound to it."""
    found = await session.scalar(
        select(AccountRow.user_id).where(
            AccountRow.transport == transport,
            AccountRow.kind == kind,
            AccountRow.external_id == external_id,
        )
    )
    if found is not None:
        return found
    if transport == "telegram" and kind == "user" and external_id.isdigit():
        # Rows written before accounts existed, or by the Telegram path that keys users.id on
        # the Telegram id: the account is implicit.
        user_id = int(external_id)
        if user_id < INTERNAL_USER_ID_BASE and await session.get(UserRow, user_id) is not None:
            return user_id
    return None


async def bind_account(
    session: AsyncSession,
    user_id: int,
    address: Account,
    now: datetime,
) -> bool:
    """Bind ``address`` to ``user_id``; True if new, False if it was already theirs.

    AccountTaken if it belongs to someone else (an invitation cannot move a person's account
    to another person). Flushed, not committed.
    """
    if await session.get(UserRow, user_id) is None:
        raise NotFound(f"user {user_id}")
    owner = await resolve_user(session, address.transport, address.external_id, address.kind)
    if owner is not None and owner != user_id:
        raise AccountTaken(f"{address.transport} {address.external_id} is another person's")
    existing = await session.scalar(
        select(AccountRow.id).where(
            AccountRow.transport == address.transport,
            AccountRow.kind == address.kind,
            AccountRow.external_id == address.external_id,
        )
    )
    if existing is not None:
        return False
    session.add(
        AccountRow(
            transport=address.transport,
            kind=address.kind,
            external_id=address.external_id,
            user_id=user_id,
            created_at=now,
        )
    )
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        # A concurrent bind of the same account won; it is theirs if it is the same person.
        owner = await resolve_user(session, address.transport, address.external_id, address.kind)
        if owner != user_id:
            raise AccountTaken(f"{address.transport} {address.external_id}") from None
        return False
    return True


async def create_binding(
    session: AsyncSession, user_id: int, *, now: datetime, ttl: timedelta
) -> str:
    """A single-use token that binds whoever opens it on another messenger to ``user_id``
    (/settings shows it as that messenger's deep link). Committed; the token is shown once."""
    user = await session.get(UserRow, user_id)
    if user is None:
        raise NotFound(f"user {user_id}")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(
        InvitationRow(
            token_hash=hash_token(token),
            role=user.role,
            unit_id=None,
            created_by=user_id,
            created_at=now,
            expires_at=now + ttl,
            binds_user_id=user_id,
        )
    )
    await session.commit()
    return token


async def redeem_binding(
    session: AsyncSession, token: str, account: Account, now: datetime
) -> int | None:
    """users.id the account is now bound to, if ``token`` is a binding link; None if it is
    not one (then it may be an ordinary invitation). InvitationError if used or expired,
    AccountTaken if the account is someone else's. Committed on success."""
    row = await session.scalar(
        select(InvitationRow).where(
            InvitationRow.token_hash == hash_token(token), InvitationRow.binds_user_id.isnot(None)
        )
    )
    if row is None or row.binds_user_id is None:
        return None
    if row.used_at is not None:
        raise InvitationError(InvitationFailure.USED)
    if row.expires_at <= now:
        raise InvitationError(InvitationFailure.EXPIRED)
    user_id = row.binds_user_id
    claimed = await updated_one(
        session,
        update(InvitationRow)
        .where(InvitationRow.id == row.id, InvitationRow.used_at.is_(None))
        .values(used_at=now, used_by=user_id)
        .execution_options(synchronize_session=False),
    )
    if not claimed:
        await session.rollback()
        raise InvitationError(InvitationFailure.USED)
    try:
        await bind_account(session, user_id, account, now)
    except AccountTaken:
        await session.rollback()
        raise
    await session.commit()
    return user_id


async def ensure_max_user(
    session: AsyncSession,
    max_user_id: int,
    *,
    full_name: str,
    language: str | None,
    now: datetime,
) -> int:
    """users.id of the MAX user, created (public, with an internal id) on first sight."""
    address = Account("max", "user", str(max_user_id))
    found = await resolve_user(session, "max", address.external_id)
    if found is not None:
        return found
    highest = await session.scalar(
        select(func.max(UserRow.id)).where(UserRow.id >= INTERNAL_USER_ID_BASE)
    )
    user_id = (highest or INTERNAL_USER_ID_BASE - 1) + 1
    session.add(
        UserRow(
            id=user_id,
            # No Telegram chat: the internal id is one Telegram never gives, so a send there
            # fails as "chat not found" rather than reaching a stranger.
            chat_id=user_id,
            full_name=full_name[:NAME_LENGTH] or str(max_user_id),
            username=None,
            language=language[:LANGUAGE_LENGTH] if language else None,
            role=Role.PUBLIC,
            active=True,
            created_at=now,
            preferred_transport="max",
        )
    )
    await session.flush()
    await bind_account(session, user_id, address, now)
    return user_id


async def accounts_of(session: AsyncSession, user_id: int) -> tuple[Account, ...]:
    rows = await session.scalars(
        select(AccountRow).where(AccountRow.user_id == user_id).order_by(AccountRow.id)
    )
    found = [Account(_transport(r.transport), _kind(r.kind), r.external_id) for r in rows]
    if (
        user_id < INTERNAL_USER_ID_BASE
        and not any(a.transport == "telegram" and a.kind == "user" for a in found)
        and await session.get(UserRow, user_id) is not None
    ):
        found.insert(0, Account("telegram", "user", str(user_id)))
    return tuple(found)


async def set_preferred_transport(
    session: AsyncSession, user_id: int, transport: Transport
) -> None:
    """Where reminders go; ValueError unless the user is bound on that messenger."""
    row = await session.get(UserRow, user_id)
    if row is None:
        raise NotFound(f"user {user_id}")
    if not any(a.transport == transport for a in await accounts_of(session, user_id)):
        raise ValueError(f"not bound on {transport}")
    row.preferred_transport = transport
    await session.flush()


async def reminder_address(
    session: AsyncSession, user_id: int, configured: tuple[Transport, ...] = TRANSPORTS
) -> Account | None:
    row = await session.get(UserRow, user_id)
    if row is None:
        return None
    return choose_address(await accounts_of(session, user_id), row.preferred_transport, configured)


@dataclass(frozen=True, slots=True)
class MessengerStatus:
    """What /settings shows: the messengers a person is linked on, and where reminders go."""

    bound: frozenset[Transport]
    reminded_in: Transport | None


async def messenger_status(
    session: AsyncSession, user_id: int, configured: tuple[Transport, ...] = TRANSPORTS
) -> MessengerStatus:
    bound = frozenset(a.transport for a in await accounts_of(session, user_id) if a.kind == "user")
    route = await reminder_address(session, user_id, configured)
    return MessengerStatus(bound, route.transport if route is not None else None)


async def coverage(session: AsyncSession) -> tuple[Coverage, ...]:
    """Every active non-public person and the messengers they can be reached on."""
    users = (
        await session.scalars(
            select(UserRow)
            .where(UserRow.active.is_(True), UserRow.role != Role.PUBLIC)
            .order_by(UserRow.full_name, UserRow.id)
        )
    ).all()
    out = []
    for user in users:
        addresses = await accounts_of(session, user.id)
        transports = {a.transport for a in addresses if a.kind == "user"}
        out.append(
            Coverage(
                user_id=user.id,
                full_name=user.full_name,
                role=user.role,
                telegram="telegram" in transports,
                max="max" in transports,
                preferred=_transport(user.preferred_transport)
                if user.preferred_transport in TRANSPORTS
                else None,
            )
        )
    return tuple(out)
