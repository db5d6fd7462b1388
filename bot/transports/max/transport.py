"""The MAX transport: sends, edits and answers through MaxClient, errors in four classes.

Every failure becomes one of the delivery classes the outbox acts on:

* ``RetryAfter`` — MAX did not take the message and asks to wait (429, with ``Retry-After`` if
  given), or it was down (5xx) or unreachable before the request left: safe to send again;
* ``RecipientGone`` — 403 (the user stopped the bot, the bot left the chat) or 404 for the
  chat: stop sending to that address;
* ``Permanent`` — any other 4xx: the request itself is wrong, sending it again cannot help;
* ``Ambiguous`` — the request left and no answer came back (dropped connection, timeout, a
  200 whose body is unreadable): MAX may have shown it, so the outbox marks it uncertain and
  never sends it again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bot.transports.max.client import MaxApiError, MaxClient, MaxNetworkError
from bot.transports.max.render import (
    BUTTON_TEXT_LIMIT,
    BUTTONS_PER_ROW,
    PAYLOAD_LIMIT,
    TEXT_LIMIT,
    ButtonLike,
    message_body,
)

__all__ = [
    "MAX_LIMITS",
    "Ambiguous",
    "DeliveryError",
    "MaxAddress",
    "MaxLimits",
    "MaxTransport",
    "Permanent",
    "RecipientGone",
    "RetryAfter",
    "classify",
]

SERVER_BUSY_SECONDS = 5.0
"""How long to wait after a 5xx or a refused connection when MAX names no delay."""


class DeliveryError(Exception):
    """A send failed; the subclass says what the outbox does next."""


class RetryAfter(DeliveryError):  # noqa: N818 (the port's names)
    def __init__(self, seconds: float, reason: str) -> None:
        super().__init__(reason)
        self.seconds = seconds


class RecipientGone(DeliveryError):  # noqa: N818 (the port's names)
    pass


class Permanent(DeliveryError):  # noqa: N818 (the port's names)
    pass


class Ambiguous(DeliveryError):  # noqa: N818 (the port's names)
    pass


@dataclass(frozen=True, slots=True)
class MaxAddress:
    """Dialogs are addressed by ``user_id``, groups by ``chat_id`` (schema.yaml, /messages)."""

    kind: Literal["user", "chat"]
    id: int


@dataclass(frozen=True, slots=True)
class MaxLimits:
    text_characters: int = TEXT_LIMIT
    callback_characters: int = PAYLOAD_LIMIT
    button_text_characters: int = BUTTON_TEXT_LIMIT
    buttons_per_row: int = BUTTONS_PER_ROW
    message_id_type: type = str


MAX_LIMITS = MaxLimits()


def classify(error: MaxApiError | MaxNetworkError) -> DeliveryError:
    """The delivery class of a MAX failure (see the module's docstring)."""
    if isinstance(error, MaxNetworkError):
        if error.never_left:
            return RetryAfter(SERVER_BUSY_SECONDS, str(error))
        return Ambiguous(str(error))
    reason = f"MAX {error.status} {error.code}: {error.message}"
    if error.status == 429:
        return RetryAfter(error.retry_after or 1.0, reason)
    if error.status >= 500:
        return RetryAfter(error.retry_after or SERVER_BUSY_SECONDS, reason)
    if error.status == 403 or (error.status == 404 and "chat" in error.code):
        return RecipientGone(reason)
    return Permanent(reason)


class MaxTransport:
    """Outbound MAX: one client, the neutral message in, the message id (a string) out."""

    name = "max"
    limits = MAX_LIMITS

    def __init__(self, client: MaxClient) -> None:
        self._client = client

    async def send(
        self, to: MaxAddress, text: str, buttons: Sequence[Sequence[ButtonLike]] = ()
    ) -> str:
        body = _body(text, buttons)
        try:
            if to.kind == "user":
                message = await self._client.send_message(body, user_id=to.id)
            else:
                message = await self._client.send_message(body, chat_id=to.id)
        except (MaxApiError, MaxNetworkError) as error:
            raise classify(error) from error
        mid = message.get("body", {}).get("mid") if isinstance(message.get("body"), dict) else None
        if not isinstance(mid, str) or not mid:
            # MAX took it (200) but the id is missing: sending again could duplicate.
            raise Ambiguous("MAX answered without the message id")
        return mid

    async def edit(
        self, message_id: str, text: str, buttons: Sequence[Sequence[ButtonLike]] = ()
    ) -> None:
        body = _body(text, buttons, replace_keyboard=True)
        try:
            await self._client.edit_message(message_id, body)
        except (MaxApiError, MaxNetworkError) as error:
            raise classify(error) from error

    async def answer(
        self,
        callback_id: str,
        notification: str | None = None,
        *,
        text: str | None = None,
        buttons: Sequence[Sequence[ButtonLike]] = (),
    ) -> None:
        """Answer a press: a one-time ``notification`` and/or the pressed message replaced."""
        message = _body(text, buttons, replace_keyboard=True) if text is not None else None
        if message is None and notification is None:
            notification = "✓"  # MAX needs one of the two; a press must not spin forever
        try:
            await self._client.answer_callback(
                callback_id, message=message, notification=notification
            )
        except (MaxApiError, MaxNetworkError) as error:
            raise classify(error) from error


def _body(
    text: str, buttons: Sequence[Sequence[ButtonLike]], *, replace_keyboard: bool = False
) -> dict[str, object]:
    try:
        return message_body(text, buttons, replace_keyboard=replace_keyboard)
    except ValueError as error:
        raise Permanent(str(error)) from error
