"""People on either messenger: accounts, MAX-only people, where reminders go, coverage."""

from __future__ import annotations

from datetime import timedelta

import pytest
from services_support import NOW
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.accounts import (
    Account,
    AccountTaken,
    accounts_of,
    bind_account,
    choose_address,
    coverage,
    create_binding,
    ensure_max_user,
    redeem_binding,
    reminder_address,
    resolve_user,
    set_preferred_transport,
)
from bot.services.errors import InvitationError, InvitationFailure
from bot.services.invitations import list_invitations, redeem_invitation
from bot.services.members import ensure_user
from bot.services.types import Role
from storage.models import INTERNAL_USER_ID_BASE, UserRow

TG_ANYA = 5_001


async def _telegram_user(session: AsyncSession, user_id: int, name: str) -> None:
    await ensure_user(
        session, user_id, chat_id=user_id, full_name=name, username=None, language="ru", now=NOW
    )


async def test_a_max_only_person_gets_an_internal_id_and_is_found_again(
    session: AsyncSession,
) -> None:
    first = await ensure_max_user(session, 42, full_name="Борис", language="ru", now=NOW)
    second = await ensure_max_user(session, 43, full_name="Вера", language=None, now=NOW)
    assert first == INTERNAL_USER_ID_BASE and second == INTERNAL_USER_ID_BASE + 1
    assert await ensure_max_user(session, 42, full_name="Борис", language="ru", now=NOW) == first
    assert await resolve_user(session, "max", "42") == first
    assert await resolve_user(session, "telegram", str(first)) is None  # never a Telegram id
    row = await session.get(UserRow, first)
    assert row is not None and row.preferred_transport == "max"


async def test_one_person_binds_both_and_chooses_where_reminders_go(
    session: AsyncSession,
) -> None:
    await _telegram_user(session, TG_ANYA, "Аня")
    assert await resolve_user(session, "telegram", str(TG_ANYA)) == TG_ANYA
    assert await bind_account(session, TG_ANYA, Account("max", "user", "42"), NOW)
    assert not await bind_account(session, TG_ANYA, Account("max", "user", "42"), NOW)
    assert await accounts_of(session, TG_ANYA) == (
        Account("telegram", "user", str(TG_ANYA)),
        Account("max", "user", "42"),
    )
    assert await reminder_address(session, TG_ANYA) == Account("telegram", "user", str(TG_ANYA))
    await set_preferred_transport(session, TG_ANYA, "max")
    assert await reminder_address(session, TG_ANYA) == Account("max", "user", "42")
    # With only the Telegram token set, MAX is not an option.
    assert await reminder_address(session, TG_ANYA, ("telegram",)) == Account(
        "telegram", "user", str(TG_ANYA)
    )


async def test_an_account_cannot_move_to_another_person(session: AsyncSession) -> None:
    await _telegram_user(session, TG_ANYA, "Аня")
    await _telegram_user(session, TG_ANYA + 1, "Борис")
    await bind_account(session, TG_ANYA, Account("max", "user", "42"), NOW)
    with pytest.raises(AccountTaken):
        await bind_account(session, TG_ANYA + 1, Account("max", "user", "42"), NOW)
    with pytest.raises(AccountTaken):
        await bind_account(session, TG_ANYA + 1, Account("telegram", "user", str(TG_ANYA)), NOW)


async def test_preference_needs_a_bound_account(session: AsyncSession) -> None:
    await _telegram_user(session, TG_ANYA, "Аня")
    with pytest.raises(ValueError, match="not bound on max"):
        await set_preferred_transport(session, TG_ANYA, "max")


def test_choose_address_prefers_the_choice_then_telegram() -> None:
    tg, mx = Account("telegram", "user", "1"), Account("max", "user", "2")
    group = Account("max", "chat", "-3")
    assert choose_address((tg, mx), None) == tg
    assert choose_address((mx, tg), "max") == mx
    assert choose_address((tg,), "max") == tg
    assert choose_address((group,), "max") is None
    assert choose_address((tg,), None, ("max",)) is None


async def test_coverage_shows_who_is_reachable_where(session: AsyncSession) -> None:
    await _telegram_user(session, TG_ANYA, "Аня")
    only_max = await ensure_max_user(session, 77, full_name="Вера", language=None, now=NOW)
    public = await ensure_max_user(session, 78, full_name="Гость", language=None, now=NOW)
    for user_id in (TG_ANYA, only_max):
        row = await session.get(UserRow, user_id)
        assert row is not None
        row.role = Role.MEMBER
    await bind_account(session, TG_ANYA, Account("max", "user", "42"), NOW)
    await session.flush()
    rows = {c.full_name: (c.telegram, c.max, c.preferred) for c in await coverage(session)}
    assert rows == {"Аня": (True, True, None), "Вера": (False, True, "max")}
    assert public not in {c.user_id for c in await coverage(session)}


async def test_the_migration_gave_existing_users_their_telegram_account(
    session: AsyncSession,
) -> None:
    # Written as the 0005 migration does for rows that existed before it.
    await _telegram_user(session, TG_ANYA, "Аня")
    await session.execute(
        text(
            "INSERT INTO accounts (transport, kind, external_id, user_id, created_at) "
            "SELECT 'telegram', 'user', CAST(id AS VARCHAR(64)), id, created_at FROM users"
        )
    )
    assert await accounts_of(session, TG_ANYA) == (Account("telegram", "user", str(TG_ANYA)),)
    assert await resolve_user(session, "telegram", str(TG_ANYA)) == TG_ANYA


async def test_a_binding_link_binds_the_other_messenger_once(session: AsyncSession) -> None:
    await _telegram_user(session, TG_ANYA, "Аня")
    token = await create_binding(session, TG_ANYA, now=NOW, ttl=timedelta(hours=1))
    # Not an invitation: it grants nothing through the invitation path, nor is it listed.
    with pytest.raises(InvitationError):
        await redeem_invitation(
            session, token, user_id=TG_ANYA + 9, chat_id=1, full_name="x", username=None, now=NOW
        )
    assert await list_invitations(session, NOW) == ()
    assert (
        await redeem_binding(session, "unknown-token", Account("max", "user", "42"), NOW) is None
    )
    assert await redeem_binding(session, token, Account("max", "user", "42"), NOW) == TG_ANYA
    assert await resolve_user(session, "max", "42") == TG_ANYA
    with pytest.raises(InvitationError) as used:
        await redeem_binding(session, token, Account("max", "user", "43"), NOW)
    assert used.value.reason is InvitationFailure.USED


async def test_an_expired_binding_link_binds_nothing(session: AsyncSession) -> None:
    await _telegram_user(session, TG_ANYA, "Аня")
    token = await create_binding(session, TG_ANYA, now=NOW, ttl=timedelta(hours=1))
    with pytest.raises(InvitationError) as expired:
        await redeem_binding(
            session, token, Account("max", "user", "42"), NOW + timedelta(hours=2)
        )
    assert expired.value.reason is InvitationFailure.EXPIRED
    assert await resolve_user(session, "max", "42") is None
