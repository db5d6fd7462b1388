"""Invitations: single use, expiring, stored only as a hash, and binding the right role."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from services_support import ADMIN_ID, NOW, PLAN_ID, SCHOOL_3, load, snapshot
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.errors import InvalidInput, InvitationError, InvitationFailure, NotFound
from bot.services.invitations import (
    DEFAULT_TTL,
    create_invitation,
    deep_link,
    hash_token,
    list_invitations,
    redeem_invitation,
)
from bot.services.members import role_of, units_of
from bot.services.plans import sync_plan
from bot.services.types import Redemption, Role
from bot.services.units import add_unit

USER, OTHER = 701, 702
NO_ADMINS: frozenset[int] = frozenset()


@pytest.fixture
async def school_id(session: AsyncSession) -> int:
    await sync_plan(session, load(), NOW)
    return (await add_unit(session, PLAN_ID, "ОО", SCHOOL_3, NOW)).id


async def redeem(
    session: AsyncSession, token: str, user_id: int = USER, after: timedelta = timedelta(0)
) -> Redemption:
    return await redeem_invitation(
        session,
        token,
        user_id=user_id,
        chat_id=user_id + 10_000,
        full_name="Иванова А.А.",
        username="ivanova",
        now=NOW + after,
    )


async def test_a_member_invitation_binds_the_chat_to_its_unit(
    session: AsyncSession, school_id: int
) -> None:
    token, invitation = await create_invitation(
        session, Role.MEMBER, school_id, created_by=ADMIN_ID, now=NOW
    )

    redemption = await redeem(session, token, after=timedelta(days=1))

    assert invitation.expires_at == NOW + DEFAULT_TTL
    assert redemption.role is Role.MEMBER
    assert redemption.membership is not None
    assert (redemption.membership.unit_id, redemption.membership.unit_name) == (
        school_id,
        SCHOOL_3,
    )
    assert (redemption.user.id, redemption.user.chat_id) == (USER, USER + 10_000)
    assert await role_of(session, USER, NO_ADMINS) is Role.MEMBER
    assert [unit.id for unit in await units_of(session, USER)] == [school_id]
    assert await list_invitations(session, NOW) == ()


async def test_an_invitation_works_once(session: AsyncSession, school_id: int) -> None:
    token, _ = await create_invitation(
        session, Role.MEMBER, school_id, created_by=ADMIN_ID, now=NOW
    )
    await redeem(session, token)

    with pytest.raises(InvitationError) as refused:
        await redeem(session, token, OTHER)

    assert refused.value.reason is InvitationFailure.USED
    assert await units_of(session, OTHER) == ()
    assert await role_of(session, OTHER, NO_ADMINS) is Role.PUBLIC


async def test_an_expired_invitation_is_refused(session: AsyncSession, school_id: int) -> None:
    token, _ = await create_invitation(
        session, Role.MEMBER, school_id, created_by=ADMIN_ID, now=NOW, ttl=timedelta(hours=1)
    )

    with pytest.raises(InvitationError) as refused:
        await redeem(session, token, after=timedelta(hours=1))

    assert refused.value.reason is InvitationFailure.EXPIRED
    assert await units_of(session, USER) == ()


@pytest.mark.parametrize("token", ["A" * 32, "not a token", "x" * 65, ""])
async def test_an_unknown_token_is_refused(
    session: AsyncSession, school_id: int, token: str
) -> None:
    await create_invitation(session, Role.MEMBER, school_id, created_by=ADMIN_ID, now=NOW)

    with pytest.raises(InvitationError) as refused:
        await redeem(session, token)

    assert refused.value.reason is InvitationFailure.UNKNOWN


async def test_tokens_fit_a_deep_link_and_only_their_hash_is_stored(
    session: AsyncSession, school_id: int, db_url: str
) -> None:
    token, _ = await create_invitation(
        session, Role.MEMBER, school_id, created_by=ADMIN_ID, now=NOW
    )
    staff_token, _ = await create_invitation(
        session, Role.STAFF, None, created_by=ADMIN_ID, now=NOW
    )
    await redeem(session, staff_token)

    assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", token)
    assert deep_link("@roadmap_bot", token) == f"https://t.me/roadmap_bot?start={token}"
    stored = repr(await snapshot(session))
    assert hash_token(token) in stored
    assert token not in stored
    assert staff_token not in stored
    if db_url.startswith("sqlite"):
        database = Path(db_url.split("///", 1)[1])
        for file in (database, database.with_name(database.name + "-wal")):
            if file.exists():
                assert token.encode() not in file.read_bytes()


async def test_role_invitations_raise_the_role_and_never_lower_it(
    session: AsyncSession, school_id: int
) -> None:
    staff, _ = await create_invitation(session, Role.STAFF, None, created_by=ADMIN_ID, now=NOW)
    operator, _ = await create_invitation(
        session, Role.OPERATOR, None, created_by=ADMIN_ID, now=NOW
    )
    member, _ = await create_invitation(
        session, Role.MEMBER, school_id, created_by=ADMIN_ID, now=NOW
    )

    granted = await redeem(session, staff)
    await redeem(session, operator)
    await redeem(session, member)

    assert granted.membership is None
    assert granted.user.role is Role.STAFF
    assert await role_of(session, USER, NO_ADMINS) is Role.STAFF
    assert [unit.id for unit in await units_of(session, USER)] == [school_id]
    assert await role_of(session, OTHER, frozenset({OTHER})) is Role.ADMIN


async def test_invitations_must_make_sense(session: AsyncSession, school_id: int) -> None:
    with pytest.raises(InvalidInput):
        await create_invitation(session, Role.MEMBER, None, created_by=ADMIN_ID, now=NOW)
    with pytest.raises(InvalidInput):
        await create_invitation(session, Role.STAFF, school_id, created_by=ADMIN_ID, now=NOW)
    with pytest.raises(InvalidInput):
        await create_invitation(session, Role.PUBLIC, None, created_by=ADMIN_ID, now=NOW)
    with pytest.raises(InvalidInput):
        await create_invitation(
            session, Role.STAFF, None, created_by=ADMIN_ID, now=NOW, ttl=timedelta(0)
        )
    with pytest.raises(NotFound):
        await create_invitation(
            session, Role.MEMBER, school_id + 999, created_by=ADMIN_ID, now=NOW
        )
    with pytest.raises(ValueError, match="payload"):
        deep_link("roadmap_bot", "has space")
