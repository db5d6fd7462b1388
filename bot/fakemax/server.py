"""A local MAX Bot API server for the tests: strict about the official schema, on 127.0.0.1.

The MAX client talks real HTTP to it::

    async with FakeMaxServer() as server:
        client = MaxClient(server.token, base_url=server.base_url, session=...)

What it follows (max-messenger/api-schema, ``schema.yaml``, version 0.0.33):

* the token goes in the ``Authorization`` header; without it, or with another one, every
  method answers 401 (the token in the query string, accepted long ago, is refused too);
* ``POST /messages?user_id=…`` (a dialog) or ``?chat_id=…`` (a group) with a ``NewMessageBody``:
  ``text`` at most 4000 characters, ``format`` ``html`` or ``markdown``, attachments of type
  ``inline_keyboard`` whose buttons have at most 128 characters of text and callback payloads
  of at most 1024 characters; any field the schema does not know is a 400, as MAX's strict
  deserialiser answers;
* ``PUT /messages?message_id=…`` edits, ``DELETE /messages?message_id=…`` deletes;
* ``POST /answers?callback_id=…`` answers a button press (``message`` and/or ``notification``);
* ``GET /updates`` with ``marker`` / ``limit`` / ``timeout``: updates carry no id; the answer's
  ``marker`` points at the next update, and passing it commits everything before it;
* ``POST /subscriptions`` (``url``, ``secret`` 5-256 of ``[A-Za-z0-9_-]``, ``update_types``),
  ``GET`` / ``DELETE /subscriptions``; while a webhook is set, ``GET /updates`` answers 405
  (the schema: both ways "cannot be used simultaneously"), and :meth:`deliver_webhook` posts
  the pending updates with the ``X-Max-Bot-Api-Secret`` header.

Tests inject what users do (:meth:`bot_started`, :meth:`user_message`, :meth:`press`) and
faults (:meth:`fail` with 429 / 503 / any status, :meth:`drop_response`: the call is performed
and recorded, then the connection is closed without an answer, :meth:`block_user`: sends to
the user answer 403 ``chat.denied``). Every call, valid or not, is in :attr:`calls`.

Deliberate simplifications:

* error ``code`` strings other than ``chat.denied`` (the schema's example) are illustrative;
  the transport maps errors by HTTP status, which is what the schema documents;
* webhook URLs must be https:// as MAX requires, unless ``allow_http_webhook=True`` (tests
  cannot serve TLS on 127.0.0.1);
* dialogs' ``chat_id`` is ``DIALOG_CHAT_BASE + user_id`` (MAX gives each dialog its own id).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

import aiohttp
from aiohttp import web

__all__ = ["DEFAULT_MAX_TOKEN", "DIALOG_CHAT_BASE", "FakeMaxServer", "MaxCall", "SentMessage"]

JsonDict = dict[str, Any]

DEFAULT_MAX_TOKEN = "max-test-token-roadmap-bot-0123456789"
DIALOG_CHAT_BASE = 900_000_000_000
BOT_USER_ID = 777_000
TEXT_LIMIT = 4000
BUTTON_TEXT_LIMIT = 128
CALLBACK_PAYLOAD_LIMIT = 1024
LINK_URL_LIMIT = 2048
DEEP_LINK_PAYLOAD_LIMIT = 128
SECRET_RE = re.compile(r"^[\w-]{5,256}$", re.ASCII)

_BODY_FIELDS = frozenset({"text", "attachments", "link", "notify", "format"})
_BUTTON_FIELDS: Mapping[str, frozenset[str]] = {
    "callback": frozenset({"type", "text", "payload"}),
    "link": frozenset({"type", "text", "url"}),
    "message": frozenset({"type", "text"}),
    "clipboard": frozenset({"type", "text", "payload"}),
}
_ANSWER_FIELDS = frozenset({"message", "notification"})
_SUBSCRIPTION_FIELDS = frozenset({"url", "secret", "update_types"})


@dataclass(frozen=True)
class MaxCall:
    """One request as the fake received it, and the status it answered."""

    method: str
    path: str
    query: Mapping[str, str]
    body: Any
    status: int


@dataclass
class _Fault:
    status: int
    times: int
    retry_after: int | None = None


@dataclass
class _Message:
    mid: str
    seq: int
    chat_id: int
    user_id: int | None
    text: str | None
    format: str | None
    attachments: list[JsonDict]
    deleted: bool = False


SentMessage = _Message
"""What the bot sent, as tests read it."""


@dataclass
class _Callback:
    callback_id: str
    user_id: int
    mid: str
    payload: str
    answers: list[JsonDict] = field(default_factory=list)


class _ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _bad(message: str) -> _ApiError:
    return _ApiError(400, "proto.payload", message)


class FakeMaxServer:
    """The fake; use as ``async with FakeMaxServer() as server``."""

    def __init__(
        self, token: str = DEFAULT_MAX_TOKEN, *, allow_http_webhook: bool = False
    ) -> None:
        self.token = token
        self.allow_http_webhook = allow_http_webhook
        self.calls: list[MaxCall] = []
        self.messages: dict[str, _Message] = {}
        self.callbacks: dict[str, _Callback] = {}
        self.subscription: JsonDict | None = None
        self._known_users: dict[int, str] = {}
        self._blocked: set[int] = set()
        self._groups: set[int] = set()
        self._faults: dict[str, list[_Fault]] = {}
        self._drops: dict[str, int] = {}
        self._updates: list[tuple[int, JsonDict]] = []
        self._committed = 0  # every update with seq < this was committed by a marker
        self._seq = itertools.count(1)
        self._mids = itertools.count(1)
        self._cids = itertools.count(1)
        self._new_update = asyncio.Event()
        self._call_made = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    # --- lifecycle ------------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # --- what users do --------------------------------------------------------------------------

    def add_user(self, user_id: int, name: str = "User") -> None:
        """A MAX user who has a dialog with the bot (as after pressing Start)."""
        self._known_users[user_id] = name

    def add_group(self, chat_id: int) -> None:
        self._groups.add(chat_id)

    def block_user(self, user_id: int) -> None:
        """The user stopped the bot: sends to them answer 403 chat.denied."""
        self._blocked.add(user_id)

    def bot_started(self, user_id: int, payload: str | None = None, *, name: str = "User") -> None:
        """The user opened https://max.ru/<bot>?start=<payload> (or pressed Start)."""
        self.add_user(user_id, name)
        update: JsonDict = {
            "update_type": "bot_started",
            "timestamp": _now_ms(),
            "chat_id": DIALOG_CHAT_BASE + user_id,
            "user": self._user(user_id),
            "user_locale": "ru",
        }
        # MAX omits a deep-link payload longer than 128 characters instead of cutting it.
        if payload is not None and len(payload) <= DEEP_LINK_PAYLOAD_LIMIT:
            update["payload"] = payload
        self._push(update)

    def user_message(self, user_id: int, text: str, *, chat_id: int | None = None) -> str:
        """The user writes ``text`` (in the dialog, or in group ``chat_id``); returns its mid."""
        if chat_id is None:
            self.add_user(user_id, self._known_users.get(user_id, "User"))
        mid = f"mid.user.{next(self._mids)}"
        target = chat_id if chat_id is not None else DIALOG_CHAT_BASE + user_id
        recipient: JsonDict = {
            "chat_id": target,
            "chat_type": "chat" if chat_id is not None else "dialog",
        }
        if chat_id is None:
            recipient["user_id"] = BOT_USER_ID
        self._push(
            {
                "update_type": "message_created",
                "timestamp": _now_ms(),
                "message": {
                    "sender": self._user(user_id),
                    "recipient": recipient,
                    "timestamp": _now_ms(),
                    "body": {"mid": mid, "seq": next(self._seq), "text": text},
                },
                "user_locale": "ru",
            }
        )
        return mid

    def press(self, user_id: int, mid: str, payload: str) -> str:
        """The user presses the callback button ``payload`` under message ``mid``.

        Refused (ValueError) unless the message carries such a button: a test cannot press
        what the bot never showed. Returns the callback_id.
        """
        message = self.messages.get(mid)
        if message is None or message.deleted:
            raise ValueError(f"no message {mid}")
        if payload not in _callback_payloads(message.attachments):
            raise ValueError(f"message {mid} has no button with payload {payload!r}")
        callback_id = f"cb.{next(self._cids)}"
        self.callbacks[callback_id] = _Callback(callback_id, user_id, mid, payload)
        self._push(
            {
                "update_type": "message_callback",
                "timestamp": _now_ms(),
                "callback": {
                    "timestamp": _now_ms(),
                    "callback_id": callback_id,
                    "payload": payload,
                    "user": self._user(user_id),
                },
                "message": self._message_json(message),
                "user_locale": "ru",
            }
        )
        return callback_id

    # --- faults ---------------------------------------------------------------------------------

    def fail(
        self, route: str, status: int, *, times: int = 1, retry_after: int | None = None
    ) -> None:
        """The next ``times`` calls of ``route`` ("POST /messages") answer ``status``."""
        self._faults.setdefault(route, []).append(_Fault(status, times, retry_after))

    def drop_response(self, route: str, *, times: int = 1) -> None:
        """Perform the next call of ``route``, then close the connection without answering."""
        self._drops[route] = self._drops.get(route, 0) + times

    # --- what the bot did -----------------------------------------------------------------------

    async def wait_for(self, ready: Callable[[], bool], timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until ``ready()`` holds, checked after each call the bot makes.

        AssertionError on timeout."""
        async with self._call_made:
            try:
                await asyncio.wait_for(self._call_made.wait_for(ready), timeout)
            except TimeoutError:
                seen = [f"{c.path}:{c.status}" for c in self.calls[-10:]]
                raise AssertionError(f"timed out after {timeout}s; last calls: {seen}") from None

    async def _record(self, call: MaxCall) -> None:
        self.calls.append(call)
        async with self._call_made:
            self._call_made.notify_all()

    def sent(self) -> list[_Message]:
        """Messages the bot sent and did not delete, in order."""
        return [m for m in self.messages.values() if not m.deleted]

    def sent_to(self, user_id: int) -> list[_Message]:
        return [m for m in self.sent() if m.user_id == user_id]

    def answers(self, callback_id: str) -> list[JsonDict]:
        return self.callbacks[callback_id].answers

    def pending_updates(self) -> list[JsonDict]:
        return [u for seq, u in self._updates if seq >= self._committed]

    async def deliver_webhook(self, session: aiohttp.ClientSession) -> list[int]:
        """POST each pending update to the subscribed URL; statuses, in order.

        An update answered 200 is committed; any other answer leaves it pending (MAX retries
        with growing intervals, up to 8 hours).
        """
        if self.subscription is None:
            raise RuntimeError("no webhook subscription")
        headers = {}
        if self.subscription.get("secret"):
            headers["X-Max-Bot-Api-Secret"] = self.subscription["secret"]
        statuses = []
        remaining = []
        for seq, update in self._updates:
            if seq < self._committed:
                continue
            async with session.post(
                self.subscription["url"], json=update, headers=headers
            ) as response:
                statuses.append(response.status)
                if response.status != 200:
                    remaining.append((seq, update))
        self._updates = remaining
        if not remaining:
            self._committed = max(self._committed, self._last_seq + 1)
        return statuses

    # --- internals ------------------------------------------------------------------------------

    _last_seq = 0

    def _push(self, update: JsonDict) -> None:
        seq = next(self._seq)
        self._last_seq = seq
        self._updates.append((seq, update))
        self._new_update.set()

    def _user(self, user_id: int) -> JsonDict:
        return {
            "user_id": user_id,
            "first_name": self._known_users.get(user_id, "User"),
            "is_bot": False,
        }

    def _message_json(self, message: _Message) -> JsonDict:
        recipient: JsonDict = {
            "chat_id": message.chat_id,
            "chat_type": "dialog" if message.user_id is not None else "chat",
        }
        if message.user_id is not None:
            recipient["user_id"] = message.user_id
        body: JsonDict = {"mid": message.mid, "seq": message.seq, "text": message.text}
        if message.attachments:
            body["attachments"] = message.attachments
        return {
            "sender": {"user_id": BOT_USER_ID, "first_name": "Roadmap", "is_bot": True},
            "recipient": recipient,
            "timestamp": _now_ms(),
            "body": body,
        }

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        route = f"{request.method} /{request.match_info['path']}"
        raw = await request.read()
        body: Any = None
        try:
            if raw:
                try:
                    body = json.loads(raw)
                except ValueError:
                    raise _bad("request body is not JSON") from None
            self._authorise(request)
            fault = self._take_fault(route)
            if fault is not None:
                raise fault
            result = await self._dispatch(route, request, body)
        except _ApiError as error:
            await self._record(
                MaxCall(request.method, route, dict(request.query), body, error.status)
            )
            headers = {}
            if isinstance(error, _RetryAfterError):
                headers["Retry-After"] = str(error.retry_after)
            return web.json_response(
                {"code": error.code, "message": error.message},
                status=error.status,
                headers=headers,
            )
        await self._record(MaxCall(request.method, route, dict(request.query), body, 200))
        if self._drops.get(route, 0) > 0:
            # Performed and recorded; the answer is lost on the way back.
            self._drops[route] -= 1
            assert request.transport is not None
            request.transport.close()
        return web.json_response(result)

    def _authorise(self, request: web.Request) -> None:
        if "access_token" in request.query:
            raise _ApiError(401, "verify.token", "access_token in the query is not supported")
        if request.headers.get("Authorization") != self.token:
            raise _ApiError(401, "verify.token", "Invalid access_token")

    def _take_fault(self, route: str) -> _ApiError | None:
        rules = self._faults.get(route)
        if not rules:
            return None
        rule = rules[0]
        rule.times -= 1
        if rule.times <= 0:
            rules.pop(0)
        if rule.status == 429:
            return _RetryAfterError(rule.retry_after or 1)
        if rule.status == 503:
            return _ApiError(503, "service.unavailable", "Service temporarily unavailable")
        return _ApiError(rule.status, f"http.{rule.status}", "Injected failure")

    async def _dispatch(self, route: str, request: web.Request, body: Any) -> Any:
        query = request.query
        if route == "GET /me":
            return {
                "user_id": BOT_USER_ID,
                "first_name": "Roadmap",
                "is_bot": True,
                "username": "roadmap_test_bot",
            }
        if route == "POST /messages":
            return {"message": self._send(query, body)}
        if route == "PUT /messages":
            return self._edit(_required(query, "message_id"), body)
        if route == "DELETE /messages":
            message = self._own_message(_required(query, "message_id"))
            message.deleted = True
            return {"success": True}
        if route == "POST /answers":
            return self._answer(_required(query, "callback_id"), body)
        if route == "GET /updates":
            return await self._get_updates(query)
        if route == "POST /subscriptions":
            return self._subscribe(body)
        if route == "GET /subscriptions":
            return {"subscriptions": [] if self.subscription is None else [self.subscription]}
        if route == "DELETE /subscriptions":
            url = _required(query, "url")
            if self.subscription is not None and self.subscription["url"] == url:
                self.subscription = None
            return {"success": True}
        raise _ApiError(404, "not.found", f"Path {route} is not recognized")

    def _send(self, query: Mapping[str, str], body: Any) -> JsonDict:
        unknown = sorted(set(query) - {"user_id", "chat_id", "disable_link_preview"})
        if unknown:
            raise _bad(f"unknown query parameter(s) {', '.join(unknown)}")
        if query.get("disable_link_preview", "false") not in ("true", "false"):
            raise _bad("disable_link_preview: must be a boolean")
        user_id = _int_param(query, "user_id")
        chat_id = _int_param(query, "chat_id")
        if (user_id is None) == (chat_id is None):
            raise _bad("exactly one of user_id or chat_id is required")
        new = _new_message_body(body)
        if user_id is not None:
            if user_id in self._blocked:
                raise _ApiError(403, "chat.denied", "chat.denied: dialog is suspended by user")
            if user_id not in self._known_users:
                raise _ApiError(404, "chat.not.found", f"Chat for user {user_id} not found")
            target_chat = DIALOG_CHAT_BASE + user_id
        else:
            assert chat_id is not None
            if chat_id >= DIALOG_CHAT_BASE and chat_id - DIALOG_CHAT_BASE in self._known_users:
                user_id = chat_id - DIALOG_CHAT_BASE
                if user_id in self._blocked:
                    raise _ApiError(403, "chat.denied", "chat.denied: dialog is suspended by user")
            elif chat_id not in self._groups:
                raise _ApiError(404, "chat.not.found", f"Chat {chat_id} not found")
            target_chat = chat_id
        message = _Message(
            mid=f"mid.bot.{next(self._mids)}",
            seq=next(self._seq),
            chat_id=target_chat,
            user_id=user_id,
            text=new.get("text"),
            format=new.get("format"),
            attachments=list(new.get("attachments") or []),
        )
        self.messages[message.mid] = message
        return self._message_json(message)

    def _own_message(self, mid: str) -> _Message:
        message = self.messages.get(mid)
        if message is None or message.deleted:
            raise _ApiError(404, "not.found", f"Message {mid} not found")
        return message

    def _edit(self, mid: str, body: Any) -> JsonDict:
        message = self._own_message(mid)
        new = _new_message_body(body)
        _apply_edit(message, new)
        return {"success": True}

    def _answer(self, callback_id: str, body: Any) -> JsonDict:
        if not isinstance(body, dict):
            raise _bad("CallbackAnswer is required")
        _no_unknown(body, _ANSWER_FIELDS, "CallbackAnswer")
        if body.get("message") is None and body.get("notification") is None:
            raise _bad("Either message or notification is required")
        callback = self.callbacks.get(callback_id)
        if callback is None:
            raise _ApiError(404, "not.found", f"callback {callback_id} not found")
        notification = body.get("notification")
        if notification is not None and not isinstance(notification, str):
            raise _bad("notification: must be a string")
        if body.get("message") is not None:
            new = _new_message_body(body["message"])
            _apply_edit(self._own_message(callback.mid), new)
        callback.answers.append(body)
        return {"success": True}

    async def _get_updates(self, query: Mapping[str, str]) -> JsonDict:
        if self.subscription is not None:
            raise _ApiError(
                405, "method.not.allowed", "Long polling is off while a webhook is set"
            )
        limit = _int_param(query, "limit") or 100
        timeout = _int_param(query, "timeout")
        timeout = 30 if timeout is None else timeout
        if not 1 <= limit <= 1000 or not 0 <= timeout <= 90:
            raise _bad("limit must be 1..1000, timeout 0..90")
        marker = _int_param(query, "marker")
        if marker is not None:
            self._committed = max(self._committed, marker)
        types = {t for t in query.get("types", "").split(",") if t}
        pending = self._pending(types)
        if not pending and timeout > 0:
            self._new_update.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), timeout)
            pending = self._pending(types)
        page = pending[:limit]
        next_marker = page[-1][0] + 1 if page else max(self._committed, self._last_seq + 1)
        return {"updates": [u for _, u in page], "marker": next_marker}

    def _pending(self, types: set[str]) -> list[tuple[int, JsonDict]]:
        return [
            (seq, u)
            for seq, u in self._updates
            if seq >= self._committed and (not types or u["update_type"] in types)
        ]

    def _subscribe(self, body: Any) -> JsonDict:
        if not isinstance(body, dict):
            raise _bad("SubscriptionRequestBody is required")
        _no_unknown(body, _SUBSCRIPTION_FIELDS, "SubscriptionRequestBody")
        url = body.get("url")
        if not isinstance(url, str) or not url:
            raise _bad("url: required")
        schemes = ("https://", "http://") if self.allow_http_webhook else ("https://",)
        if not url.startswith(schemes):
            raise _bad("url: must start with https://")
        secret = body.get("secret")
        if secret is not None and (not isinstance(secret, str) or not SECRET_RE.match(secret)):
            raise _bad("secret: 5-256 characters of A-Z, a-z, 0-9, _ and -")
        types = body.get("update_types")
        if types is not None and (
            not isinstance(types, list) or not all(isinstance(t, str) and t for t in types)
        ):
            raise _bad("update_types: an array of strings")
        self.subscription = {"url": url, "time": _now_ms(), "update_types": types}
        if secret is not None:
            self.subscription["secret"] = secret
        return {"success": True}


class _RetryAfterError(_ApiError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(429, "too.many.requests", "Too many requests")
        self.retry_after = retry_after


def _now_ms() -> int:
    return int(time.time() * 1000)


def _required(query: Mapping[str, str], name: str) -> str:
    value = query.get(name, "")
    if not value.strip():
        raise _bad(f"{name}: required parameter is missing")
    return value


def _int_param(query: Mapping[str, str], name: str) -> int | None:
    value = query.get(name)
    if value is None or value == "null":
        return None
    try:
        return int(value)
    except ValueError:
        raise _bad(f"{name}: must be an integer") from None


def _no_unknown(obj: Mapping[str, Any], known: frozenset[str], where: str) -> None:
    unknown = sorted(set(obj) - known)
    if unknown:
        raise _bad(f"{where}: unknown field(s) {', '.join(unknown)}")


def _new_message_body(body: Any) -> JsonDict:
    """Validate a NewMessageBody as MAX does; returns it."""
    if not isinstance(body, dict):
        raise _bad("NewMessageBody is required")
    _no_unknown(body, _BODY_FIELDS, "NewMessageBody")
    text = body.get("text")
    if text is not None:
        if not isinstance(text, str):
            raise _bad("text: must be a string")
        if len(text) > TEXT_LIMIT:
            raise _bad(f"text: length must be at most {TEXT_LIMIT}")
    fmt = body.get("format")
    if fmt is not None and fmt not in ("html", "markdown"):
        raise _bad("format: must be html or markdown")
    notify = body.get("notify")
    if notify is not None and not isinstance(notify, bool):
        raise _bad("notify: must be a boolean")
    attachments = body.get("attachments")
    if attachments is not None:
        if not isinstance(attachments, list):
            raise _bad("attachments: must be an array")
        for attachment in attachments:
            _attachment(attachment)
    if not text and not attachments:
        raise _bad("text: message is empty")
    return body


def _attachment(attachment: Any) -> None:
    if not isinstance(attachment, dict) or "type" not in attachment:
        raise _bad("attachments: each needs a type")
    if attachment["type"] != "inline_keyboard":
        # The bot sends only keyboards; anything else would need an upload token first.
        raise _bad(f"attachments: type {attachment['type']!r} needs an uploaded token")
    _no_unknown(attachment, frozenset({"type", "payload"}), "InlineKeyboardAttachmentRequest")
    payload = attachment.get("payload")
    if not isinstance(payload, dict):
        raise _bad("inline_keyboard: payload is required")
    _no_unknown(payload, frozenset({"buttons"}), "InlineKeyboardAttachmentRequestPayload")
    rows = payload.get("buttons")
    if not isinstance(rows, list) or not rows:
        raise _bad("inline_keyboard: buttons must be a non-empty array of rows")
    for row in rows:
        if not isinstance(row, list) or not row:
            raise _bad("inline_keyboard: each row must be a non-empty array")
        for button in row:
            _button(button)


def _button(button: Any) -> None:
    if not isinstance(button, dict):
        raise _bad("button: must be an object")
    kind = button.get("type")
    if not isinstance(kind, str) or kind not in _BUTTON_FIELDS:
        raise _bad(f"button: unsupported type {kind!r}")
    _no_unknown(button, _BUTTON_FIELDS[kind], f"{kind} button")
    text = button.get("text")
    if not isinstance(text, str) or not 1 <= len(text) <= BUTTON_TEXT_LIMIT:
        raise _bad(f"button: text must be 1..{BUTTON_TEXT_LIMIT} characters")
    if kind in ("callback", "clipboard"):
        payload = button.get("payload")
        if not isinstance(payload, str):
            raise _bad(f"{kind} button: payload is required")
        if len(payload) > CALLBACK_PAYLOAD_LIMIT:
            raise _bad(f"{kind} button: payload length must be at most {CALLBACK_PAYLOAD_LIMIT}")
    if kind == "link":
        url = button.get("url")
        if not isinstance(url, str) or not 1 <= len(url) <= LINK_URL_LIMIT:
            raise _bad(f"link button: url must be 1..{LINK_URL_LIMIT} characters")


def _apply_edit(message: _Message, new: JsonDict) -> None:
    if "text" in new:
        message.text = new["text"]
    if "format" in new:
        message.format = new["format"]
    # The schema: attachments null leaves them, an empty list removes them.
    if new.get("attachments") is not None:
        message.attachments = list(new["attachments"])


def _callback_payloads(attachments: list[JsonDict]) -> set[str]:
    payloads = set()
    for attachment in attachments:
        if attachment.get("type") != "inline_keyboard":
            continue
        for row in attachment["payload"]["buttons"]:
            for button in row:
                if button.get("type") == "callback":
                    payloads.add(button["payload"])
    return payloads
