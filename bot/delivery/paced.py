"""A messenger's replies under the same budget as its reminders, for a transport that has no
request middleware of its own (MAX; Telegram's calls go through `LimitedRequests`).

Replies, edits and press answers wait for the limiter the reminder tick uses for that messenger,
and a 429 holds the chat (or the bot) and is sent again: a reply that must wait still arrives.
Only a 429 is retried, as on Telegram: the messenger refused it, so it certainly did not
deliver it; a lost answer is never retried (README, «Delivery guarantees»).
"""

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.reminders.ratelimit import RateLimiter
from bot.transport.port import (
    Address,
    Limits,
    Message,
    MessageRef,
    Outbound,
    PressRef,
    RetryAfter,
)

__all__ = ["MAX_RETRIES", "PacedOutbound"]

logger = logging.getLogger(__name__)
T = TypeVar("T")

MAX_RETRIES = 8
"""429s in a row before a reply gives up (as `bot.delivery.requests.MAX_RETRIES`)."""


class PacedOutbound:
    """`Outbound` whose every call waits its turn in `limiter` and outlasts a 429."""

    def __init__(self, outbound: Outbound, limiter: RateLimiter) -> None:
        self._outbound = outbound
        self._limiter = limiter
        self.retried = 0

    @property
    def name(self) -> str:
        return self._outbound.name

    @property
    def limits(self) -> Limits:
        return self._outbound.limits

    async def send(self, address: Address, message: Message) -> MessageRef:
        chat_id = _chat_of(address)

        async def turn() -> None:
            await self._limiter.acquire(chat_id)

        return await self._paced(turn, lambda: self._outbound.send(address, message), chat_id)

    async def edit(self, address: Address, ref: MessageRef, message: Message) -> None:
        # The bot edits only the message a person has just pressed a button under: the chat's
        # interval, not the broadcast budget (why: bot/delivery/requests.py, `Budget.REPLY`).
        chat_id = _chat_of(address)

        async def turn() -> None:
            await self._limiter.acquire(chat_id, overall=False)

        await self._paced(turn, lambda: self._outbound.edit(address, ref, message), chat_id)

    async def answer_press(self, press: PressRef, text: str | None = None) -> None:
        # Not counted (an answer to a press shows nothing new in the chat); a 429 still holds it.
        async def turn() -> None:
            await self._limiter.wait_if_paused(None)

        await self._paced(turn, lambda: self._outbound.answer_press(press, text), None)

    async def _paced(
        self,
        turn: Callable[[], Awaitable[None]],
        call: Callable[[], Awaitable[T]],
        chat_id: int | None,
    ) -> T:
        for attempt in range(MAX_RETRIES + 1):
            await turn()
            try:
                return await call()
            except RetryAfter as error:
                await self._limiter.hold(error.seconds, chat_id)
                if attempt == MAX_RETRIES:
                    raise
                self.retried += 1
                logger.warning(
                    "%s asks to wait %s s before chat %s gets a reply: it is sent then",
                    self._outbound.name,
                    error.seconds,
                    chat_id,
                )
        raise AssertionError("unreachable")  # pragma: no cover


def _chat_of(address: Address) -> int | None:
    """The limiter's key: the numeric id (people's ids are positive, groups' negative)."""
    try:
        return int(address.id)
    except ValueError:
        return None
