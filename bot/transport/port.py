"""The outbound port: what the bot needs from a messenger, and nothing a messenger adds.

Why a port: the people this bot serves may have to leave Telegram for MAX (issue 15), so the
sender, the outbox and the screens must not know which messenger carries a message. Each
transport (Telegram over aiogram, MAX over its HTTP API) implements `Outbound`, declares its
`Limits` and turns its own errors into the four classes below, so the delivery guarantees
(README, «Delivery guarantees») are decided once, above the transports.

No messenger library is imported here, and none may be: tests/unit/test_layers.py checks it.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, Protocol

ALLOWED_TAGS = frozenset({"b", "i", "u", "s", "a", "code", "pre", "blockquote"})
"""The markup of a neutral message: the HTML subset both Telegram (parse_mode HTML) and MAX
(`format: html`) accept, so a text needs no translation between them, only escaping."""


class AddressKind(StrEnum):
    USER = "user"
    """A dialog with one person: Telegram's private chat id, MAX's `user_id`."""
    CHAT = "chat"
    """A group: Telegram's (negative) chat id, MAX's `chat_id`. MAX addresses the two apart."""


@dataclass(frozen=True, slots=True)
class Address:
    """Where a message goes. MAX ids are numbers too, but its message ids are strings, and a
    future transport may use strings for people: the id is kept as the transport gave it."""

    transport: str
    kind: AddressKind
    id: int | str


@dataclass(frozen=True, slots=True)
class Button:
    """One button: a press sends `action` back (a short server-side id made by the codec,
    never data a person could forge into someone else's row), or it opens `url`."""

    label: str
    action: str | None = None
    url: str | None = None

    def __post_init__(self) -> None:
        if (self.action is None) == (self.url is None):
            raise ValueError("a button carries either an action or a url")


@dataclass(frozen=True, slots=True)
class Message:
    """Text in the neutral markup (`ALLOWED_TAGS`) and rows of buttons."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class MessageRef:
    """A sent message, to edit it later. Telegram's id is an int, MAX's a string."""

    address: Address
    id: int | str


@dataclass(frozen=True, slots=True)
class PressRef:
    """A button press to answer: Telegram's callback query id, MAX's callback id."""

    transport: str
    id: str


LengthUnit = Literal["utf16", "chars"]


@dataclass(frozen=True, slots=True)
class Limits:
    """What a transport refuses, declared so the sender fits messages before sending rather
    than learning the limits from a 400 (which on a digest costs a split and a retry)."""

    text_length: int
    text_unit: LengthUnit
    """How the length is counted, after the markup is parsed (tags do not count)."""
    action_length: int
    action_unit: Literal["bytes", "chars"]
    """The codec's ids stay under the smaller (64 bytes): one payload works on both."""
    buttons_per_row: int
    message_id: type[int] | type[str]
    per_chat_per_second: float
    overall_per_second: float
    rate_note: str = ""


TELEGRAM_LIMITS = Limits(
    text_length=4096,
    text_unit="utf16",
    action_length=64,
    action_unit="bytes",
    buttons_per_row=8,
    message_id=int,
    per_chat_per_second=1.0,
    overall_per_second=30.0,
    rate_note="20 messages a minute in a group (README, «Delivery limits»)",
)


# --- errors: every transport raises only these from `Outbound` -----------------------------


@dataclass(slots=True)
class TransportError(Exception):
    """Base of the four outcomes the sender distinguishes; `detail` is the messenger's words."""

    detail: str

    def __str__(self) -> str:
        return self.detail


@dataclass(slots=True)
class RetryAfter(TransportError):  # noqa: N818 (outcomes, named as the sender reads them)
    """Refused for now (429): nothing was delivered, everything waits `seconds`."""

    seconds: float = 1.0


class RecipientGone(TransportError):  # noqa: N818 (outcomes, named as the sender reads them)
    """Blocked the bot, deleted the account, or the chat does not exist: stop writing there."""


class Permanent(TransportError):  # noqa: N818 (outcomes, named as the sender reads them)
    """Refused for what was sent (a 400): the same request will be refused again. A refusal
    means nothing was shown, so sending a smaller part of it cannot duplicate."""


class Unavailable(TransportError):  # noqa: N818 (outcomes, named as the sender reads them)
    """The messenger certainly did not take the message but gave no wait (a 5xx, an HTML
    error page, a connection never made): a later attempt after a backoff may pass. Kept apart from
    `Ambiguous`, where a retry could deliver twice."""


class Ambiguous(TransportError):  # noqa: N818 (outcomes, named as the sender reads them)
    """The request may have reached the messenger but its answer was lost (a dropped
    connection, a timeout): it may have been delivered, so it is recorded uncertain and
    never repeated."""


# --- the port ------------------------------------------------------------------------------


class Outbound(Protocol):
    """What the bot asks of a messenger. Raises only `TransportError`s."""

    @property
    def name(self) -> str:
        """The transport's name in `Address.transport` ("telegram", "max")."""
        ...

    @property
    def limits(self) -> Limits: ...

    async def send(self, address: Address, message: Message) -> MessageRef: ...

    async def edit(self, address: Address, ref: MessageRef, message: Message) -> None: ...

    async def answer_press(self, press: PressRef, text: str | None = None) -> None:
        """Stop the button's spinner, with a short notice when `text` is given."""
        ...


def rows(buttons: Sequence[Button], per_row: int) -> tuple[tuple[Button, ...], ...]:
    """Buttons laid out `per_row` to a row: screens choose the row width, this keeps it legal."""
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))
