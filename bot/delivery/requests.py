"""Every Bot API call the bot makes goes through here: one rate limiter, Telegram's length
limits, and `retry_after` honoured.

Registered on the bot's session (`bot.session.middleware(LimitedRequests(limiter))`), so
replies, edits, documents, relays, reactions and the reminder tick share one budget. Only a
429 is retried here: Telegram refused the request, so it certainly did not deliver it. A lost
answer is never retried (README, «Delivery guarantees»).

One exception to the overall budget: an edit of the message a user has just tapped a button
under (`Budget.REPLY`). Telegram's ~30 a second is about broadcasting
(https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this); its
developers say callback answers have no limit and the edit of the tapped message "is still
subject to per chat limits" (github.com/tdlib/telegram-bot-api/issues/648), and that bots that
edit in answer to users "can hardly exceed" the limits (github.com/tdlib/td/issues/3034). Such
edits come no faster than people tap, so they keep the chat's interval and leave the overall
budget to the broadcasts: counted there, a thousand members confirming within ten seconds
waited 36 s for their buttons, and the webhook's acknowledgement with them (issue 14).
"""

import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from enum import Enum
from typing import TYPE_CHECKING, Any

from aiogram import BaseMiddleware
from aiogram.client.default import Default
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter
from aiogram.methods import EditMessageText, SendMessage, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import CallbackQuery, TelegramObject

from bot.delivery.text import CAPTION_LIMIT, MESSAGE_LIMIT, shorten_text, split_text
from bot.reminders.ratelimit import RateLimiter

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.methods import Response

logger = logging.getLogger(__name__)

MAX_RETRIES = 8
"""429s in a row before a call gives up; the limiter makes even one rare."""
NOT_MODIFIED = "message is not modified"


class Budget(Enum):
    CHAT = "chat"
    """A new message: counts against its chat and against the bot overall."""
    OVERALL = "overall"
    """An edit, a reaction, a command list: counts against the bot overall."""
    REPLY = "reply"
    """An edit of the message whose button the user is tapping: counts against its chat only."""
    FREE = "free"
    """Reads and callback answers: not counted, but a 429 is still waited out."""
    PASS = "pass"
    """getUpdates and the like: aiogram's polling handles its own errors."""


_PASS = frozenset(
    {"getUpdates", "deleteWebhook", "setWebhook", "getWebhookInfo", "close", "logOut"}
)
_FREE = frozenset({"answerCallbackQuery", "answerInlineQuery", "answerPreCheckoutQuery"})


def budget_of(method_name: str) -> Budget:
    """Which of Telegram's limits a call counts against; the fake Bot API counts the same."""
    if method_name in _PASS:
        return Budget.PASS
    if method_name in _FREE or method_name.startswith("get"):
        return Budget.FREE
    if method_name.startswith(("send", "copy", "forward")):
        return Budget.CHAT
    return Budget.OVERALL


def chat_of(method: TelegramMethod[Any]) -> int | None:
    chat_id = getattr(method, "chat_id", None)
    return chat_id if isinstance(chat_id, int) else None


tapped_chat: ContextVar[int | None] = ContextVar("tapped_chat", default=None)
"""The chat of the message whose inline button is being handled (`TapMiddleware`), if any."""


def budget_within(method_name: str, chat_id: int | None, tapped: int | None) -> Budget:
    """`budget_of`, except that an edit in the chat whose button is being handled answers that
    tap: `Budget.REPLY` (the module's docstring says why)."""
    budget = budget_of(method_name)
    if (
        budget is Budget.OVERALL
        and method_name.startswith("edit")
        and chat_id is not None
        and chat_id == tapped
    ):
        return Budget.REPLY
    return budget


class TapMiddleware(BaseMiddleware):
    """Outer middleware on `callback_query`: while its handler runs, edits of that chat's
    messages are answers to the tap (`Budget.REPLY`)."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        message = event.message if isinstance(event, CallbackQuery) else None
        if message is None:
            return await handler(event, data)
        token = tapped_chat.set(message.chat.id)
        try:
            return await handler(event, data)
        finally:
            tapped_chat.reset(token)


class LimitedRequests(BaseRequestMiddleware):
    def __init__(self, limiter: RateLimiter) -> None:
        self.limiter = limiter
        self.retried = 0
        """429s waited out and retried, for benchmarks and logs."""
        self.received_429 = 0
        """Every 429 Telegram answered, retried or not: /metrics reports it."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: "Bot",
        method: TelegramMethod[TelegramType],
    ) -> "Response[TelegramType]":
        budget = budget_within(method.__api_method__, chat_of(method), tapped_chat.get())
        if budget is Budget.PASS:
            return await make_request(bot, method)
        if isinstance(method, SendMessage) and method.entities is None:
            parts = split_text(method.text, MESSAGE_LIMIT, html=self._html(bot, method))
            if len(parts) > 1:
                return await self._send_parts(make_request, bot, method, parts)
        method = self._within_limits(bot, method)
        return await self._call(
            make_request, bot, method, budget, counted=self.limiter.is_counted()
        )

    async def _send_parts(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: "Bot",
        method: SendMessage,
        parts: list[str],
    ) -> "Response[TelegramType]":
        """A text over 4096 goes as several messages, in order; buttons under the last."""
        logger.info("a message to chat %s goes in %d parts", method.chat_id, len(parts))
        result: Response[TelegramType] | None = None
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            update: dict[str, Any] = {"text": part}
            if not last:
                update["reply_markup"] = None
            if index:
                update["reply_parameters"] = None
                update["reply_to_message_id"] = None
            piece = method.model_copy(update=update)
            # Parts after the first are counted and retried here even for a caller that counted
            # its message: once the first part is out, the rest must follow.
            counted = self.limiter.is_counted() and index == 0
            result = await self._call(make_request, bot, piece, Budget.CHAT, counted=counted)  # type: ignore[arg-type]
        assert result is not None  # split_text never returns no part
        return result

    def _within_limits(
        self, bot: "Bot", method: TelegramMethod[TelegramType]
    ) -> TelegramMethod[TelegramType]:
        """An edit cannot be split and a caption has no second part: they are shortened."""
        html = self._html(bot, method)
        text = getattr(method, "text", None)
        edit = isinstance(method, EditMessageText) and method.entities is None
        if edit and isinstance(text, str):
            short = shorten_text(text, MESSAGE_LIMIT, html=html)
            if short != text:
                logger.warning("an edit in chat %s was shortened to 4096", chat_of(method))
                return method.model_copy(update={"text": short})
        caption = getattr(method, "caption", None)
        if isinstance(caption, str) and getattr(method, "caption_entities", None) is None:
            short = shorten_text(caption, CAPTION_LIMIT, html=html)
            if short != caption:
                logger.warning("a caption in chat %s was shortened to 1024", chat_of(method))
                return method.model_copy(update={"caption": short})
        return method

    @staticmethod
    def _html(bot: "Bot", method: TelegramMethod[Any]) -> bool:
        parse_mode = getattr(method, "parse_mode", None)
        if isinstance(parse_mode, Default):
            parse_mode = bot.default[parse_mode.name]
        return parse_mode == ParseMode.HTML

    async def _call(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: "Bot",
        method: TelegramMethod[TelegramType],
        budget: Budget,
        *,
        counted: bool,
    ) -> "Response[TelegramType]":
        chat_id = chat_of(method)
        for attempt in range(MAX_RETRIES + 1):
            if not counted:
                if budget is Budget.FREE:
                    await self.limiter.wait_if_paused(chat_id)
                elif budget is Budget.REPLY:
                    await self.limiter.acquire(chat_id, overall=False)
                else:
                    await self.limiter.acquire(chat_id if budget is Budget.CHAT else None)
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                self.received_429 += 1
                # A 429 on a chat holds that chat; one on a call to no chat holds the bot.
                await self.limiter.hold(error.retry_after, chat_id)
                if counted or attempt == MAX_RETRIES:
                    raise
                self.retried += 1
                logger.warning(
                    "%s to chat %s: Telegram asks to wait %s s, then it is sent again",
                    method.__api_method__,
                    chat_id,
                    error.retry_after,
                )
            except TelegramBadRequest as error:
                if NOT_MODIFIED in error.message and method.__api_method__.startswith("edit"):
                    # A second tap asked for what the message already shows: that is done.
                    logger.debug("edit in chat %s changed nothing", chat_id)
                    return True  # type: ignore[return-value]
                raise
        raise AssertionError("unreachable")  # pragma: no cover
