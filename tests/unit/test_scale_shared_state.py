"""What instances share through the database: FSM state, per-user ordering, job leases, the
update ledger; on SQLite and PostgreSQL (`engine` is parametrised)."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from aiogram.fsm.storage.base import StorageKey
from aiogram.types import Update
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import FrozenClock
from bot.scale.fsm import (
    DatabaseEventIsolation,
    DatabaseStorage,
    advisory_key,
    bind_session,
    update_connection,
)
from bot.scale.leases import lease_for, take_lease
from bot.scale.ledger import KEEP_LEDGER, UpdateLedgerMiddleware, forget_old_updates
from bot.scale.metrics import Metrics
from storage.engine import session_factory
from storage.models_scale import FsmStateRow, HandledUpdateRow

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
KEY = StorageKey(bot_id=1, chat_id=501, user_id=501)


async def test_state_and_data_survive_a_new_storage_on_the_same_database(
    engine: AsyncEngine,
) -> None:
    first = DatabaseStorage(session_factory(engine), FrozenClock(NOW))
    await first.set_state(KEY, "Comment:typing")
    await first.update_data(KEY, {"assignment": 7, "text": "половина коммен"})
    # Another process (or this one after a restart) sees the same conversation.
    second = DatabaseStorage(session_factory(engine), FrozenClock(NOW))
    assert await second.get_state(KEY) == "Comment:typing"
    assert await second.get_data(KEY) == {"assignment": 7, "text": "половина коммен"}
    assert await second.get_state(StorageKey(bot_id=1, chat_id=502, user_id=502)) is None


async def test_a_finished_conversation_leaves_no_row(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    storage = DatabaseStorage(sessions, FrozenClock(NOW))
    await storage.set_state(KEY, "Reason:typing")
    await storage.set_data(KEY, {"x": 1})
    await storage.set_state(KEY, None)
    assert await storage.get_data(KEY) == {"x": 1}
    await storage.set_data(KEY, {})
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(FsmStateRow)) == 0


async def test_one_users_updates_wait_for_each_other_others_do_not(engine: AsyncEngine) -> None:
    # Two isolations stand for two processes: each has its own in-process lock.
    first, second = DatabaseEventIsolation(engine), DatabaseEventIsolation(engine)
    order: list[str] = []
    inside = asyncio.Event()
    leave = asyncio.Event()

    async def hold() -> None:
        async with first.lock(KEY):
            order.append("first in")
            inside.set()
            await leave.wait()
            order.append("first out")

    async def follow() -> None:
        await inside.wait()
        async with second.lock(KEY):
            order.append("second in")

    async def other_user() -> None:
        await inside.wait()
        async with second.lock(StorageKey(bot_id=1, chat_id=9, user_id=9)):
            order.append("other user")

    holding = asyncio.create_task(hold())
    following = asyncio.create_task(follow())
    await asyncio.wait_for(other_user(), 10)
    if engine.dialect.name == "postgresql":
        # Across processes only PostgreSQL orders them (SQLite: one process, see the docstring).
        await asyncio.sleep(0.2)
        assert "second in" not in order
    leave.set()
    await asyncio.wait_for(asyncio.gather(holding, following), 10)
    if engine.dialect.name == "postgresql":
        assert order.index("first out") < order.index("second in")
    assert "other user" in order


async def test_an_updates_sessions_share_the_connection_that_holds_its_lock(
    engine: AsyncEngine,
) -> None:
    """One connection per update (PostgreSQL); a commit inside does not give the lock away."""
    isolation = DatabaseEventIsolation(engine)
    sessions = session_factory(engine)
    storage = DatabaseStorage(sessions, FrozenClock(NOW))
    assert update_connection() is None
    async with isolation.lock(KEY):
        held = update_connection()
        await storage.set_state(KEY, "Comment:typing")  # no update session: on `held` too
        await storage.update_data(KEY, {"assignment": 7})
        # As aiogram reads it before the update's session opens: on `held`, outside a transaction.
        assert await storage.get_state(KEY) == "Comment:typing"
        assert await storage.get_data(KEY) == {"assignment": 7}
        assert await storage.get_state(StorageKey(bot_id=1, chat_id=9, user_id=9)) is None
        if engine.dialect.name != "postgresql":
            assert held is None  # SQLite: no lock to hold, the pool's connections as before
        else:
            assert held is not None
            lock_pid = await held.scalar(select(func.pg_backend_pid()))
            async with bind_session(sessions) as session:
                assert await session.scalar(select(func.pg_backend_pid())) == lock_pid
                await session.commit()  # services commit mid-handler (ensure_user, confirm)
                # In a transaction again, not in the lock's autocommit: a rollback undoes.
                session.add(FsmStateRow(key="undone", state="x", data={}, updated_at=NOW))
                await session.flush()
                await session.rollback()
                assert await session.get(FsmStateRow, "undone") is None
            async with engine.connect() as other:
                holders = await other.scalar(
                    text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = :p"),
                    {"p": lock_pid},
                )
            assert holders == 1
    assert update_connection() is None
    assert await storage.get_state(KEY) == "Comment:typing"


def test_advisory_keys_are_signed_64_bit_and_stable() -> None:
    assert advisory_key("fsm:1:2:lock") == advisory_key("fsm:1:2:lock")
    assert advisory_key("fsm:1:2:lock") != advisory_key("fsm:1:3:lock")
    assert -(2**63) <= advisory_key("x") < 2**63


async def test_a_job_runs_once_per_period_across_instances(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    period = timedelta(minutes=5)
    assert await take_lease(sessions, "control", "a", NOW, period)
    assert not await take_lease(sessions, "control", "b", NOW + timedelta(minutes=2), period)
    assert await take_lease(sessions, "digest", "b", NOW, period)  # another job: its own lease
    # The next period: whoever fires first runs it.
    assert await take_lease(sessions, "control", "b", NOW + period, period)
    assert not await take_lease(sessions, "control", "a", NOW + period, period)


async def test_a_dead_holder_blocks_for_less_than_a_period(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    period = timedelta(days=1)
    assert await take_lease(sessions, "faq-review", "dead", NOW, period)
    assert not await take_lease(sessions, "faq-review", "alive", NOW + timedelta(hours=20), period)
    assert await take_lease(sessions, "faq-review", "alive", NOW + lease_for(period), period)


async def test_racing_instances_take_a_new_lease_once(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    taken = await asyncio.gather(
        *(take_lease(sessions, "sync", f"i{n}", NOW, timedelta(days=1)) for n in range(5))
    )
    assert sum(taken) == 1


def _update(update_id: int) -> Update:
    return Update.model_validate({"update_id": update_id})


async def test_a_redelivered_update_is_handled_once(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    metrics = Metrics()
    ledger = UpdateLedgerMiddleware(FrozenClock(NOW), metrics)
    handled: list[int] = []

    async def handler(event: Any, data: dict[str, Any]) -> str:
        handled.append(event.update_id)
        return "done"

    async def deliver(update_id: int, *, crash: bool = False) -> Any:
        async with sessions() as session:
            result = await ledger(handler, _update(update_id), {"session": session})
            if not crash:  # DbSessionMiddleware commits after the handler
                await session.commit()
            return result

    assert await deliver(7, crash=True) == "done"  # handled, then the process died
    assert await deliver(7) == "done"  # redelivered: handled again, nothing was lost
    assert await deliver(7) is None  # redelivered after the commit: not handled twice
    assert handled == [7, 7]
    assert metrics.values["roadmap_updates_handled_total"] == {
        (("result", "handled"),): 2,
        (("result", "duplicate"),): 1,
    }
    async with sessions() as session:
        session.add(HandledUpdateRow(update_id=1, handled_at=NOW - KEEP_LEDGER - timedelta(1)))
        await session.commit()
        assert await forget_old_updates(session, NOW) == 1
        assert await session.get(HandledUpdateRow, 7) is not None
