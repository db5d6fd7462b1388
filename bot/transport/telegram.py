"""The Telegram transport: the port over aiogram's `Bot`.

Requests go through the bot's session, so the one `LimitedRequests` middleware and its
`RateLimiter` (bot/delivery/requests.py) count and pace them as before; this module only turns
neutral messages into Bot API calls and aiogram's errors into the port's outcomes, the way the
reminder tick has always read them (README, «Delivery guarantees»).
"""

from typing import Any, Protocol

from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiohttp import ClientConnectorError

from bot.delivery.text import MESSAGE_LIMIT, shorten_text
from bot.transport.port import (
    TELEGRAM_LIMITS,
    Address,
    Ambiguous,
    Button,
    Limits,
    Message,
    MessageRef,
    Permanent,
    PressRef,
    RecipientGone,
    RetryAfter,
    TransportError,
    Unavailable,
)

NAME = "telegram"


class SentMessage(Protocol):
    @property
    def message_id(self) -> int: ...


class BotLike(Protocol):
    """The Bot API calls the transport makes; aiogram's `Bot` is one, tests pass a stub."""

    async def send_message(
        self, chat_id: int, text: str, *, reply_markup: InlineKeyboardMarkup | None = None
    ) -> SentMessage: ...


def markup(message: Message) -> InlineKeyboardMarkup | None:
    """The message's buttons as Telegram's inline keyboard (None when it has none)."""
    if not message.buttons:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[[_button(button) for button in row] for row in message.buttons]
    )


def _button(button: Button) -> InlineKeyboardButton:
    if button.url is not None:
        return InlineKeyboardButton(text=button.label, url=button.url)
    return InlineKeyboardButton(text=button.label, callback_data=button.action)


def buttons_of(keyboard: dict[str, Any] | None) -> tuple[tuple[Button, ...], ...]:
    """A stored inline keyboard (the outbox keeps Telegram's JSON) as neutral rows; buttons of
    other kinds than callback and url are not made by this bot and are dropped."""
    if not keyboard:
        return ()
    rows: list[tuple[Button, ...]] = []
    for row in keyboard.get("inline_keyboard") or []:
        laid = tuple(
            Button(str(b["text"]), action=b.get("callback_data"), url=b.get("url"))
            for b in row
            if isinstance(b, dict)
            and "text" in b
            and (b.get("callback_data") is None) != (b.get("url") is None)
        )
        if laid:
            rows.append(laid)
    return tuple(rows)


def never_left(error: TelegramNetworkError) -> bool:
    """Whether a failed request certainly did not reach Telegram, so a retry cannot duplicate.

    aiogram wraps aiohttp's error (kept as the cause, its class name first in the message):
    ClientConnectorError (refused, DNS, TLS) means no connection was made; a dropped connection
    (ServerDisconnectedError) or a timeout may come after Telegram took the message.
    """
    cause = error.__cause__
    return isinstance(cause, ClientConnectorError) or error.message.startswith(
        ("ClientConnector", "ClientProxyConnectionError")
    )


def classify(error: Exception) -> TransportError | None:
    """aiogram's error as one of the port's outcomes; None for what is not a Bot API failure."""
    if isinstance(error, TelegramRetryAfter):
        return RetryAfter(error.message, float(error.retry_after))
    if isinstance(error, TelegramForbiddenError):
        return RecipientGone(error.message)
    if isinstance(error, TelegramBadRequest):
        if "chat not found" in error.message.lower():
            return RecipientGone(error.message)
        return Permanent(error.message)
    if isinstance(error, TelegramNetworkError):
        return Unavailable(error.message) if never_left(error) else Ambiguous(error.message)
    if isinstance(error, (TelegramServerError, ClientDecodeError, TelegramAPIError)):
        # 5xx with a JSON body, 5xx with an HTML one (a proxy's page: not an API error in
        # aiogram), and anything else Telegram answered: it did not take the message.
        return Unavailable(str(error))
    return None


class TelegramOutbound:
    """`Outbound` for Telegram. Only private chats and groups: both are a numeric chat id."""

    def __init__(self, bot: BotLike) -> None:
        self.bot = bot

    @property
    def name(self) -> str:
        return NAME

    @property
    def limits(self) -> Limits:
        return TELEGRAM_LIMITS

    async def send(self, address: Address, message: Message) -> MessageRef:
        try:
            sent = await self.bot.send_message(
                int(address.id),
                shorten_text(message.text, MESSAGE_LIMIT),
                reply_markup=markup(message),
            )
        except Exception as error:
            outcome = classify(error)
            if outcome is None:
                raise
            raise outcome from error
        return MessageRef(address, sent.message_id)

    async def edit(self, address: Address, ref: MessageRef, message: Message) -> None:
        edit = getattr(self.bot, "edit_message_text", None)
        if edit is None:
            raise Permanent("this bot cannot edit messages")
        try:
            await edit(
                text=shorten_text(message.text, MESSAGE_LIMIT),
                chat_id=int(address.id),
                message_id=int(ref.id),
                reply_markup=markup(message),
            )
        except Exception as error:
            outcome = classify(error)
            if outcome is None:
                raise
            raise outcome from error

    async def answer_press(self, press: PressRef, text: str | None = None) -> None:
        answer = getattr(self.bot, "answer_callback_query", None)
        if answer is None:
            raise Permanent("this bot cannot answer presses")
        try:
            await answer(press.id, text=text)
        except Exception as error:
            outcome = classify(error)
            if outcome is None:
                raise
            raise outcome from error
