"""The ledger of handled updates: a redelivered update is not handled twice, a crash loses none.

The row is written in the handler's own transaction (DbSessionMiddleware commits both): if the
process dies before the commit, nothing says the update was handled and Telegram's redelivery
handles it; once committed, a redelivery finds the row and is only acknowledged.
"""

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.scale.metrics import Metrics
from storage.models_scale import HandledUpdateRow

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]

KEEP_LEDGER = timedelta(days=2)
"""Telegram keeps an unacknowledged update for 24 hours; a day more is for clock skew."""


class UpdateLedgerMiddleware(BaseMiddleware):
    """Outer middleware on `update`, inside DbSessionMiddleware (it uses its session) and inside
    the FSM's per-user lock (so that two instances given one update do not both pass the check)."""

    def __init__(self, clock: Clock, metrics: Metrics) -> None:
        self.clock = clock
        self.metrics = metrics

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, Update):
            return await handler(event, data)
        session: AsyncSession = data["session"]
        if await session.get(HandledUpdateRow, event.update_id) is not None:
            self.metrics.count("updates_handled_total", result="duplicate")
            return None
        result = await handler(event, data)
        session.add(HandledUpdateRow(update_id=event.update_id, handled_at=self.clock.now()))
        self.metrics.count("updates_handled_total", result="handled")
        return result


async def forget_old_updates(session: AsyncSession, now: datetime) -> int:
    """Updates Telegram can no longer redeliver need no row."""
    result = await session.execute(
        delete(HandledUpdateRow).where(HandledUpdateRow.handled_at < now - KEEP_LEDGER)
    )
    await session.commit()
    return int(getattr(result, "rowcount", 0) or 0)
