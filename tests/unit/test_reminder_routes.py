"""A member bound on Telegram and MAX is reminded once, on the messenger they chose."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine
from test_reminder_delivery import BEFORE_3, MEMBER, POLOSINA, make_world

from bot.services.accounts import Account, Transport, bind_account, set_preferred_transport
from bot.services.reminders import apply_release, plan_release

BOTH: tuple[Transport, ...] = ("telegram", "max")


async def test_one_row_per_person_on_the_chosen_messenger(engine: AsyncEngine) -> None:
    world = await make_world(engine)
    await world.join(POLOSINA, MEMBER)
    async with world.sessions() as session:
        await bind_account(session, MEMBER, Account("max", "user", "4242"), BEFORE_3)
        await session.commit()
        telegram_first = await plan_release(session, BEFORE_3, 100, transports=BOTH)
        assert [(r.transport, r.chat_id) for r in telegram_first.recipients] == [
            ("telegram", MEMBER)
        ]
        await set_preferred_transport(session, MEMBER, "max")
        await session.commit()
        # With MAX not configured (no MAX_BOT_TOKEN) the choice cannot be honoured.
        only_telegram = await plan_release(session, BEFORE_3, 100)
        assert [(r.transport, r.chat_id) for r in only_telegram.recipients] == [
            ("telegram", MEMBER)
        ]
        chosen = await plan_release(session, BEFORE_3, 100, transports=BOTH)
        assert [(r.transport, r.chat_id) for r in chosen.recipients] == [("max", 4242)]
        await apply_release(session, chosen, BEFORE_3)
    [row] = await world.outbox()
    assert (row.user_id, row.transport, row.chat_id) == (MEMBER, "max", 4242)
