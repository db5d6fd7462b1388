"""Users and members: registered on first sight without needless writes, revoked with history."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from services_support import ADMIN_ID, NOW, PLAN_ID, SCHOOL_3, SCHOOL_5, assignment_id, join, load
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.services.assignments import confirm
from bot.services.errors import Forbidden, NotFound
from bot.services.members import (
    ensure_user,
    get_user,
    list_members,
    list_users,
    revoke_member,
    role_of,
    set_language,
    units_of,
)
from bot.services.plans import sync_plan
from bot.services.types import Role
from bot.services.units import add_unit
from storage.models import MembershipRow

USER, OTHER = 801, 802
NO_ADMINS: frozenset[int] = frozenset()


@contextmanager
def writes(engine: AsyncEngine) -> Iterator[list[str]]:
    """The INSERT, UPDATE and DELETE statements the engine runs inside the block."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def test_ensure_user_registers_a_public_user_and_writes_only_on_change(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    created = await ensure_user(
        session,
        USER,
        chat_id=9001,
        full_name="Иванова А.А.",
        username="ivanova",
        language="ru",
        now=NOW,
    )

    with writes(engine) as unchanged:
        same = await ensure_user(
            session,
            USER,
            chat_id=9001,
            full_name="Иванова А.А.",
            username="ivanova",
            language="ru",
            now=NOW,
        )
    with writes(engine) as renamed:
        await ensure_user(
            session,
            USER,
            chat_id=9001,
            full_name="Иванова-Петрова А.А.",
            username="ivanova",
            language="en",
            now=NOW,
        )

    assert created.role is Role.PUBLIC
    assert created.created_at == NOW
    assert (created.first_seen, same.first_seen) == (True, False)
    assert replace(same, first_seen=True) == created
    assert unchanged == []
    assert len(renamed) == 1
    user = await get_user(session, USER)
    assert user is not None
    assert user.full_name == "Иванова-Петрова А.А."
    assert user.language == "ru"  # Telegram's language only seeds the stored choice
    assert await get_user(session, OTHER) is None


async def test_set_language_is_the_users_choice(session: AsyncSession) -> None:
    await ensure_user(
        session,
        USER,
        chat_id=9001,
        full_name="Иванова А.А.",
        username=None,
        language="ru",
        now=NOW,
    )

    chosen = await set_language(session, USER, "en")
    await ensure_user(
        session,
        USER,
        chat_id=9001,
        full_name="Иванова А.А.",
        username=None,
        language="ru",
        now=NOW,
    )

    assert chosen.language == "en"
    user = await get_user(session, USER)
    assert user is not None
    assert user.language == "en"
    with pytest.raises(NotFound):
        await set_language(session, OTHER, "en")


async def test_admins_come_from_the_configuration_and_the_table(session: AsyncSession) -> None:
    await ensure_user(
        session,
        USER,
        chat_id=9001,
        full_name="Иванова А.А.",
        username=None,
        language=None,
        now=NOW,
    )

    assert await role_of(session, USER, NO_ADMINS) is Role.PUBLIC
    assert await role_of(session, USER, frozenset({USER})) is Role.ADMIN
    assert await role_of(session, OTHER, NO_ADMINS) is Role.PUBLIC
    assert [user.id for user in await list_users(session, Role.PUBLIC)] == [USER]


async def test_members_are_listed_and_revoked_with_history(session: AsyncSession) -> None:
    await sync_plan(session, load(), NOW)
    school_3 = await add_unit(session, PLAN_ID, "ОО", SCHOOL_3, NOW)
    school_5 = await add_unit(session, PLAN_ID, "ОО", SCHOOL_5, NOW)
    first = await join(session, school_3.id, USER)
    await join(session, school_5.id, USER)
    await join(session, school_5.id, OTHER)

    members = await list_members(session)
    of_school_5 = await list_members(session, school_5.id)
    revoked = await revoke_member(
        session, membership_id=first.id, by_user_id=ADMIN_ID, now=NOW + timedelta(hours=1)
    )

    assert [(m.unit_name, m.user_id) for m in members] == [
        (SCHOOL_3, USER),
        (SCHOOL_5, USER),
        (SCHOOL_5, OTHER),
    ]
    assert {m.user_id for m in of_school_5} == {USER, OTHER}
    assert [m.id for m in revoked] == [first.id]
    assert [u.id for u in await units_of(session, USER)] == [school_5.id]
    assert await role_of(session, USER, NO_ADMINS) is Role.MEMBER
    row = await session.scalar(select(MembershipRow).where(MembershipRow.id == first.id))
    assert row is not None
    assert (row.revoked_at, row.revoked_by) == (NOW + timedelta(hours=1), ADMIN_ID)
    with pytest.raises(Forbidden):
        await confirm(session, await assignment_id(session, "1.2", SCHOOL_3), USER, NOW)


async def test_revoking_a_user_removes_every_membership_and_role(session: AsyncSession) -> None:
    await sync_plan(session, load(), NOW)
    school_3 = await add_unit(session, PLAN_ID, "ОО", SCHOOL_3, NOW)
    await join(session, school_3.id, USER)

    revoked = await revoke_member(session, user_id=USER, by_user_id=ADMIN_ID, now=NOW)

    assert [m.unit_id for m in revoked] == [school_3.id]
    assert await units_of(session, USER) == ()
    assert await role_of(session, USER, NO_ADMINS) is Role.PUBLIC
    assert await list_members(session) == ()
    with pytest.raises(NotFound):
        await revoke_member(session, user_id=USER, by_user_id=ADMIN_ID, now=NOW)
    with pytest.raises(NotFound):
        await revoke_member(session, membership_id=12345, by_user_id=ADMIN_ID, now=NOW)
