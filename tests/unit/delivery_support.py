"""A fake monotonic clock and a stub bot for the reminder delivery tests."""

from dataclasses import dataclass, field

from aiogram.exceptions import (
    ClientDecodeError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import SendMessage
from aiogram.types import InlineKeyboardMarkup
from aiohttp import ServerDisconnectedError

from bot.reminders.ratelimit import RateLimiter

_METHOD = SendMessage(chat_id=1, text="…")


class FakeTime:
    """A monotonic clock that moves only when the limiter sleeps or a test says so."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds

    def limiter(self) -> RateLimiter:
        return RateLimiter(monotonic=self.monotonic, sleep=self.sleep)


def forbidden() -> TelegramForbiddenError:
    return TelegramForbiddenError(_METHOD, "Forbidden: bot was blocked by the user")


def chat_not_found() -> TelegramBadRequest:
    return TelegramBadRequest(_METHOD, "Bad Request: chat not found")


def server_error() -> TelegramServerError:
    return TelegramServerError(_METHOD, "Internal Server Error")


def bad_gateway_html() -> ClientDecodeError:
    """What aiogram raises for a 502 whose body is nginx's HTML page."""
    body = "<html><head><title>502 Bad Gateway</title></head></html>"
    return ClientDecodeError("Failed to decode object", ValueError("Expecting value"), body)


def too_many_requests(retry_after: int) -> TelegramRetryAfter:
    return TelegramRetryAfter(
        _METHOD, f"Too Many Requests: retry after {retry_after}", retry_after
    )


def connection_refused() -> TelegramNetworkError:
    """aiogram's words for aiohttp's ClientConnectorError: the request never left."""
    return TelegramNetworkError(
        _METHOD, "ClientConnectorError: Cannot connect to host api.telegram.org:443"
    )


def disconnected() -> TelegramNetworkError:
    """The connection dropped after the request was written: it may have arrived."""
    cause = ServerDisconnectedError()
    error = TelegramNetworkError(_METHOD, f"{type(cause).__name__}: {cause}")
    error.__cause__ = cause
    return error


@dataclass
class Sent:
    chat_id: int
    text: str
    reply_markup: InlineKeyboardMarkup | None
    message_id: int


LOST = object()
"""A failure that happens after Telegram took the message (the answer is lost)."""


@dataclass
class StubBot:
    """Records what reaches "Telegram"; `fail(chat, error)` queues one failure for a chat."""

    messages: list[Sent] = field(default_factory=list)
    failures: dict[int, list[Exception | object]] = field(default_factory=dict)

    def fail(self, chat_id: int, *errors: Exception | object) -> None:
        self.failures.setdefault(chat_id, []).extend(errors)

    async def send_message(
        self, chat_id: int, text: str, *, reply_markup: InlineKeyboardMarkup | None = None
    ) -> Sent:
        queued = self.failures.get(chat_id)
        failure = queued.pop(0) if queued else None
        if isinstance(failure, Exception):
            raise failure
        sent = Sent(chat_id, text, reply_markup, len(self.messages) + 1)
        self.messages.append(sent)
        if failure is LOST:
            raise disconnected()
        return sent

    def to(self, chat_id: int) -> list[Sent]:
        return [message for message in self.messages if message.chat_id == chat_id]
