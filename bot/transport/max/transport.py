"""The MAX transport: the port's ``Outbound`` over MaxClient, MAX's errors in the port's classes.

* ``RetryAfter`` — 429: MAX did not take the message and asks to wait (``Retry-After`` if it
  names a delay, else a second);
* ``Unavailable`` — a 5xx, or no connection was ever made: MAX certainly did not take it;
* ``RecipientGone`` — 403 (the user stopped the bot, the bot left the chat) or a 404 for the
  chat: stop writing there;
* ``Permanent`` — any other 4xx (401 included: a wrong token is not fixed by retrying);
* ``Ambiguous`` — the request left and no usable answer came back (dropped connection, timeout,
  a 200 without the message id): MAX may have shown it, so it is never sent again.
"""

from __future__ import annotations

from bot.transport.max.client import JsonDict, MaxApiError, MaxClient, MaxNetworkError
from bot.transport.max.render import BUTTONS_PER_ROW, PAYLOAD_LIMIT, TEXT_LIMIT, message_body
from bot.transport.port import (
    Address,
    AddressKind,
    Ambiguous,
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

__all__ = ["MAX_LIMITS", "NAME", "MaxTransport", "classify"]

NAME = "max"

MAX_LIMITS = Limits(
    text_length=TEXT_LIMIT,
    text_unit="chars",
    action_length=PAYLOAD_LIMIT,
    action_unit="chars",
    buttons_per_row=BUTTONS_PER_ROW,
    message_id=str,
    per_chat_per_second=1.0,
    overall_per_second=30.0,
    rate_note=(
        "schema.yaml documents 429 but no numbers: the bot keeps Telegram's pace on MAX too; "
        "the 4000 characters count the text as sent, tags included"
    ),
)


def classify(error: MaxApiError | MaxNetworkError) -> TransportError:
    """The port's outcome of a MAX failure (see the module's docstring)."""
    if isinstance(error, MaxNetworkError):
        if error.never_left:
            return Unavailable(str(error))
        return Ambiguous(str(error))
    detail = f"MAX {error.status} {error.code}: {error.message}"
    if error.status == 429:
        return RetryAfter(detail, error.retry_after or 1.0)
    if error.status >= 500:
        return Unavailable(detail)
    if error.status == 403 or (error.status == 404 and "chat" in error.code):
        return RecipientGone(detail)
    return Permanent(detail)


class MaxTransport:
    """Outbound MAX. Raises only the port's ``TransportError``s."""

    def __init__(self, client: MaxClient) -> None:
        self._client = client

    @property
    def name(self) -> str:
        return NAME

    @property
    def limits(self) -> Limits:
        return MAX_LIMITS

    async def send(self, address: Address, message: Message) -> MessageRef:
        body = _body(message)
        target = _numeric(address)
        try:
            # No link previews: a reminder is not an advert for the link it carries.
            quiet = True
            if address.kind is AddressKind.USER:
                sent = await self._client.send_message(
                    body, user_id=target, disable_link_preview=quiet
                )
            else:
                sent = await self._client.send_message(
                    body, chat_id=target, disable_link_preview=quiet
                )
        except (MaxApiError, MaxNetworkError) as error:
            raise classify(error) from error
        sent_body = sent.get("body")
        mid = sent_body.get("mid") if isinstance(sent_body, dict) else None
        if not isinstance(mid, str) or not mid:
            raise Ambiguous("MAX answered 200 without the message id")
        return MessageRef(address, mid)

    async def edit(self, address: Address, ref: MessageRef, message: Message) -> None:
        body = _body(message, replace_keyboard=True)
        try:
            await self._client.edit_message(str(ref.id), body)
        except (MaxApiError, MaxNetworkError) as error:
            raise classify(error) from error

    async def answer_press(self, press: PressRef, text: str | None = None) -> None:
        # MAX's CallbackAnswer needs a message or a notification; with nothing to say, a
        # check mark tells the person the press arrived.
        try:
            await self._client.answer_callback(press.id, notification=text or "✓")
        except (MaxApiError, MaxNetworkError) as error:
            raise classify(error) from error


def _numeric(address: Address) -> int:
    if address.transport != NAME:
        raise Permanent(f"{address.transport} address given to the MAX transport")
    try:
        return int(address.id)
    except ValueError:
        raise Permanent(f"MAX ids are numbers, not {address.id!r}") from None


def _body(message: Message, *, replace_keyboard: bool = False) -> JsonDict:
    try:
        body = message_body(message.text, message.buttons, replace_keyboard=replace_keyboard)
    except ValueError as error:
        raise Permanent(str(error)) from error
    return body
