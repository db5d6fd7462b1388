"""Conversation state (aiogram's FSM) in the database, and per-user ordering across processes.

A half-typed comment, reason or question lives in `fsm_states`: it survives a restart and is the
same on whichever instance the load balancer hands the user's next update to.
"""

import asyncio
import hashlib
from collections.abc import AsyncGenerator, Mapping
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import (
    BaseEventIsolation,
    BaseStorage,
    DefaultKeyBuilder,
    KeyBuilder,
    StateType,
    StorageKey,
)
from aiogram.fsm.storage.memory import SimpleEventIsolation
from sqlalchemy import Row, Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import Clock
from storage.models_scale import FsmStateRow


def _state_name(state: StateType) -> str | None:
    return state.state if isinstance(state, State) else state


update_session: ContextVar[AsyncSession | None] = ContextVar("update_session", default=None)
"""The session of the update being handled (set by DbSessionMiddleware). State written while
handling an update goes into that session and commits with the handler's work: SQLite has one
writer, so a second connection writing the state would wait for the handler's own uncommitted
transaction until "database is locked"."""


@dataclass(slots=True)
class _Held:
    connection: AsyncConnection | None


_held: ContextVar[_Held | None] = ContextVar("held_connection", default=None)


def update_connection() -> AsyncConnection | None:
    """The connection that holds the current update's per-user lock (PostgreSQL), while it holds
    it: the update's sessions are bound to it (`bind_session`).

    One connection per update instead of three (the lock's, the state's read, the handler's):
    each checkout is a ping, and the ping a BEGIN, a query and a ROLLBACK; with the sessions'
    own BEGINs and COMMITs that was 35 round trips for a tap, and a thousand taps in ten seconds
    on two replicas took 26-60 s (issue 14). A task the handler started and that outlives it
    sees None: the connection is back in the pool by then."""
    held = _held.get()
    return None if held is None else held.connection


def bind_session(sessions: async_sessionmaker[AsyncSession]) -> AsyncSession:
    """A session on the update's connection (`update_connection`), or on the pool's."""
    connection = update_connection()
    return sessions() if connection is None else sessions(bind=connection)


class DatabaseStorage(BaseStorage):
    """aiogram's BaseStorage over SQLAlchemy: SQLite and PostgreSQL alike."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        key_builder: KeyBuilder | None = None,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.key_builder = key_builder or DefaultKeyBuilder(with_destiny=True)

    async def _put(self, session: AsyncSession, name: str, values: dict[str, Any]) -> None:
        row = await session.get(FsmStateRow, name)
        state = values.get("state", None if row is None else row.state)
        data = values.get("data", {} if row is None else row.data)
        if state is None and not data:
            # Nothing to remember: the table stays as small as the open conversations.
            if row is not None:
                await session.delete(row)
        else:
            if row is None:
                row = FsmStateRow(key=name)
                session.add(row)
            row.state, row.data, row.updated_at = state, data, self.clock.now()

    async def _write(self, key: StorageKey, **values: Any) -> None:
        name = self.key_builder.build(key)
        current = update_session.get()
        if current is not None:
            # One user's updates are handled one at a time (DatabaseEventIsolation), so no other
            # process inserts this key meanwhile; the handler's commit writes the state.
            await self._put(current, name, values)
            await current.flush()
            return
        for attempt in range(2):
            async with bind_session(self.sessions) as session:
                await self._put(session, name, values)
                try:
                    await session.commit()
                    return
                except IntegrityError:
                    # Another process inserted the same key between our read and write: the
                    # second attempt finds its row and updates it.
                    if attempt:
                        raise

    async def _read(self, key: StorageKey) -> FsmStateRow | None:
        name = self.key_builder.build(key)
        current = update_session.get()
        if current is not None:
            return await current.get(FsmStateRow, name)
        connection = update_connection()
        if connection is not None:
            # aiogram reads the state once the user's lock is held, before the update's session
            # opens: one statement on the lock's connection, without a transaction around it.
            found = await _autocommit(
                connection,
                select(FsmStateRow.state, FsmStateRow.data).where(FsmStateRow.key == name),
            )
            return None if found is None else FsmStateRow(key=name, state=found[0], data=found[1])
        async with bind_session(self.sessions) as session:
            return await session.get(FsmStateRow, name)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        await self._write(key, state=_state_name(state))

    async def get_state(self, key: StorageKey) -> str | None:
        row = await self._read(key)
        return None if row is None else row.state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._write(key, data=dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        row = await self._read(key)
        return {} if row is None else dict(row.data)

    async def close(self) -> None:
        """The engine belongs to the application, which disposes of it."""


async def _autocommit(connection: AsyncConnection, statement: Select[Any]) -> Row[Any] | None:
    """One statement outside a transaction (no BEGIN and COMMIT, two round trips fewer); its
    first row. The connection goes back to the engine's isolation level at once, for the
    update's sessions."""
    default = connection.default_isolation_level
    await connection.execution_options(isolation_level="AUTOCOMMIT")
    try:
        return (await connection.execute(statement)).first()
    finally:
        # Ends SQLAlchemy's own mark of a transaction; under AUTOCOMMIT nothing is sent.
        await connection.commit()
        await connection.execution_options(isolation_level=default)


def advisory_key(text: str) -> int:
    """A signed 64-bit number for a key: what PostgreSQL's advisory locks are named by."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), signed=True)


class DatabaseEventIsolation(BaseEventIsolation):
    """One user's updates handled one at a time, on whichever instances they arrive.

    Within a process an asyncio lock orders them (and keeps a waiting update from holding a
    database connection); across processes the database does, see `_hold_across_processes`.
    """

    def __init__(self, engine: AsyncEngine, key_builder: KeyBuilder | None = None) -> None:
        self.engine = engine
        self.key_builder = key_builder or DefaultKeyBuilder(with_destiny=True)
        self.local = SimpleEventIsolation()

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        async with self.local.lock(key), self._hold_across_processes(key):
            yield

    @asynccontextmanager
    async def _hold_across_processes(self, key: StorageKey) -> AsyncGenerator[None, None]:
        """The only dialect-specific statement here, and why.

        PostgreSQL: a session-level advisory lock named by the key. It needs no table and no
        row, and PostgreSQL releases it by itself if the process holding it dies (its
        connection closes), so a killed instance cannot leave a user stuck.
        SQLite: one file is served by one host, so the processes sharing it are few and local;
        there the in-process lock is what orders a user's updates (see `lock`).
        """
        if self.engine.dialect.name != "postgresql":
            yield
            return
        number = advisory_key(self.key_builder.build(key, "lock"))
        async with self.engine.connect() as connection:
            await _autocommit(connection, select(func.pg_advisory_lock(number)))
            # The update's sessions run on this connection (`update_connection`); the lock is
            # the session's, not a transaction's, so their commits do not release it.
            held = _Held(connection)
            token = _held.set(held)
            try:
                yield
            finally:
                held.connection = None
                _held.reset(token)
                # Shielded: a cancelled handler must still give the lock back to the pool's
                # connection, or the next user of that connection would hold it.
                await asyncio.shield(self._unlock(connection, number))

    @staticmethod
    async def _unlock(connection: AsyncConnection, number: int) -> None:
        if connection.in_transaction():
            await connection.rollback()  # a session left it open: nothing of it is wanted
        await _autocommit(connection, select(func.pg_advisory_unlock(number)))

    async def close(self) -> None:
        await self.local.close()
