"""MAX updates in: parsed into neutral events, de-duplicated, handed to the bot's entry points.

MAX updates carry no update id (schema.yaml, ``Update``): a webhook retried after a lost
``200`` or a long poll repeated without its ``marker`` brings the same update again. Each one
is keyed by what MAX does identify — the message ``mid``, the ``callback_id``, or for
``bot_started`` the user and the moment — and a key seen before is dropped.

Two ways in, never both at once (MAX refuses long polling while a webhook is set):
:meth:`MaxInbound.poll` (``GET /updates`` with ``marker``; for development) and
:meth:`MaxInbound.webhook` (an aiohttp handler that checks ``X-Max-Bot-Api-Secret``).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from aiohttp import web

from bot.transport.max.client import MaxApiError, MaxClient, MaxNetworkError

__all__ = [
    "UPDATE_TYPES",
    "Command",
    "InboundHandler",
    "MaxInbound",
    "MaxUser",
    "Press",
    "SeenKeys",
    "Start",
    "Text",
    "parse_update",
    "update_key",
]

logger = logging.getLogger(__name__)

UPDATE_TYPES = ("bot_started", "message_created", "message_callback")
SECRET_HEADER = "X-Max-Bot-Api-Secret"
START_PAYLOAD_LIMIT = 128
"""MAX passes at most 128 characters of a deep link's ``start`` (schema.yaml, Deep linking)."""


@dataclass(frozen=True, slots=True)
class MaxUser:
    user_id: int
    name: str
    locale: str | None
    chat_id: int | None
    """Where the event happened: the dialog's or the group's chat id."""
    in_group: bool = False


@dataclass(frozen=True, slots=True)
class Start:
    """``bot_started`` (a deep link or the Start button) or a ``/start`` message."""

    user: MaxUser
    payload: str | None


@dataclass(frozen=True, slots=True)
class Command:
    user: MaxUser
    name: str
    """Lower case, without the slash: ``my``, ``settings``, ``upcoming``…"""
    args: str


@dataclass(frozen=True, slots=True)
class Press:
    user: MaxUser
    callback_id: str
    data: str
    message_id: str | None


@dataclass(frozen=True, slots=True)
class Text:
    user: MaxUser
    text: str
    message_id: str


Event = Start | Command | Press | Text


class InboundHandler(Protocol):
    """The bot's messenger-neutral entry points, as the MAX side calls them."""

    async def __call__(self, event: Event) -> None: ...


class SeenKeys:
    """The last ``size`` update keys, in memory: enough for retries minutes apart."""

    def __init__(self, size: int = 10_000) -> None:
        self._size = size
        self._keys: OrderedDict[str, None] = OrderedDict()

    def add(self, key: str) -> bool:
        """True if the key is new (and remembers it)."""
        if key in self._keys:
            self._keys.move_to_end(key)
            return False
        self._keys[key] = None
        if len(self._keys) > self._size:
            self._keys.popitem(last=False)
        return True


def update_key(update: Mapping[str, Any]) -> str | None:
    """What identifies the update, since MAX gives it no id of its own."""
    kind = update.get("update_type")
    if kind == "message_callback":
        callback = update.get("callback")
        if isinstance(callback, dict) and isinstance(callback.get("callback_id"), str):
            return f"cb:{callback['callback_id']}"
    elif kind == "message_created":
        body = _dict(_dict(update.get("message")).get("body"))
        if isinstance(body.get("mid"), str):
            return f"mid:{body['mid']}"
    elif kind == "bot_started":
        user = _dict(update.get("user"))
        return f"start:{user.get('user_id')}:{update.get('timestamp')}:{update.get('payload')}"
    return None


def parse_update(update: Mapping[str, Any]) -> Event | None:
    """The neutral event of one update; None for what the bot ignores or cannot read."""
    kind = update.get("update_type")
    locale = update.get("user_locale") if isinstance(update.get("user_locale"), str) else None
    if kind == "bot_started":
        user = _user(update.get("user"), locale, update.get("chat_id"))
        if user is None:
            return None
        payload = update.get("payload")
        valid = isinstance(payload, str) and 0 < len(payload) <= START_PAYLOAD_LIMIT
        return Start(user, payload if valid else None)
    if kind == "message_callback":
        callback = _dict(update.get("callback"))
        message = _dict(update.get("message"))
        recipient = _dict(message.get("recipient"))
        user = _user(callback.get("user"), locale, recipient.get("chat_id"), recipient)
        callback_id, data = callback.get("callback_id"), callback.get("payload")
        if user is None or not isinstance(callback_id, str) or not isinstance(data, str):
            return None
        mid = _dict(message.get("body")).get("mid")
        return Press(user, callback_id, data, mid if isinstance(mid, str) else None)
    if kind == "message_created":
        message = _dict(update.get("message"))
        recipient = _dict(message.get("recipient"))
        user = _user(message.get("sender"), locale, recipient.get("chat_id"), recipient)
        body = _dict(message.get("body"))
        text, mid = body.get("text"), body.get("mid")
        if user is None or not isinstance(text, str) or not isinstance(mid, str):
            return None
        if _dict(message.get("sender")).get("is_bot") is True:
            return None
        return _text_event(user, text.strip(), mid)
    return None


def _text_event(user: MaxUser, text: str, mid: str) -> Event | None:
    if not text:
        return None
    if not text.startswith("/"):
        return Text(user, text, mid)
    head, _, args = text[1:].partition(" ")
    name = head.split("@", 1)[0].lower()
    if not name:
        return Text(user, text, mid)
    if name == "start":
        payload = args.strip()
        valid = 0 < len(payload) <= START_PAYLOAD_LIMIT
        return Start(user, payload if valid else None)
    return Command(user, name, args.strip())


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _user(
    value: object,
    locale: str | None,
    chat_id: object,
    recipient: Mapping[str, Any] | None = None,
) -> MaxUser | None:
    user = _dict(value)
    user_id = user.get("user_id")
    if not isinstance(user_id, int) or isinstance(user_id, bool) or user_id <= 0:
        return None
    parts = [user.get("first_name"), user.get("last_name")]
    name = " ".join(p for p in parts if isinstance(p, str) and p) or str(user_id)
    return MaxUser(
        user_id=user_id,
        name=name,
        locale=locale,
        chat_id=chat_id if isinstance(chat_id, int) and not isinstance(chat_id, bool) else None,
        in_group=recipient is not None and recipient.get("chat_type") in ("chat", "channel"),
    )


class MaxInbound:
    """Feeds MAX updates to ``handler`` once each, by long polling or by webhook."""

    def __init__(
        self,
        handler: InboundHandler,
        *,
        seen: SeenKeys | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._handler = handler
        self._seen = seen or SeenKeys()
        self._sleep = sleep
        self.marker: int | None = None

    async def handle(self, update: Mapping[str, Any]) -> bool:
        """Dispatch one update; False if it was a repeat or unreadable. Never raises for
        bad input or a failing handler: one update must not stop the others."""
        key = update_key(update)
        if key is not None and not self._seen.add(key):
            return False
        event = parse_update(update)
        if event is None:
            return False
        try:
            await self._handler(event)
        except Exception:
            logger.exception("MAX update %s failed", key)
        return True

    async def poll_once(self, client: MaxClient, *, wait: int = 30) -> int:
        """One long poll: handle what came, move the marker (committing it at MAX)."""
        page = await client.get_updates(self.marker, wait=wait, types=UPDATE_TYPES)
        handled = 0
        for update in page.updates:
            handled += await self.handle(update)
        if page.marker is not None:
            self.marker = page.marker
        return handled

    async def poll(self, client: MaxClient, stop: asyncio.Event, *, wait: int = 30) -> None:
        """Long polling until ``stop`` is set; waits and goes on after MAX or network errors."""
        delay = 1.0
        while not stop.is_set():
            try:
                await self.poll_once(client, wait=wait)
                delay = 1.0
            except (MaxApiError, MaxNetworkError) as error:
                pause = getattr(error, "retry_after", None) or delay
                logger.warning("MAX long polling: %s; again in %.0f s", error, pause)
                await self._sleep(pause)
                delay = min(delay * 2, 60.0)

    def webhook(self, secret: str) -> Callable[[web.Request], Awaitable[web.Response]]:
        """An aiohttp handler for MAX's webhook POSTs, refusing those without our secret."""

        async def receive(request: web.Request) -> web.Response:
            given = request.headers.get(SECRET_HEADER, "")
            if not hmac.compare_digest(given.encode(), secret.encode()):
                return web.Response(status=401, text="wrong secret")
            try:
                update = await request.json()
            except ValueError:
                return web.Response(status=400, text="not JSON")
            if isinstance(update, dict):
                await self.handle(update)
            # 200 even for what we ignore: anything else makes MAX retry for hours.
            return web.Response(text="ok")

        return receive
