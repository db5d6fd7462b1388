"""A local Telegram Bot API server: the end-to-end tests' fake and ``roadmap-bot demo``'s backend.

The real bot (aiogram ``Bot`` + ``AiohttpSession`` + ``Dispatcher`` polling) talks real HTTP
to this server on 127.0.0.1::

    async with FakeTelegramServer() as server:
        session = AiohttpSession(api=TelegramAPIServer.from_base(server.base_url))
        bot = Bot(server.token, session=session)

URL shapes are Telegram's: ``{base}/bot{token}/{method}`` (POST form / multipart / JSON, or
GET with a query string) and ``{base}/file/bot{token}/{file_path}`` for downloads.

Every call is validated the way Telegram does it, against ``bot_api_schema.json`` (built by
``build_schema.py`` from the Bot API description): unknown method -> 404, missing required
parameter / wrong type / too long text / bad keyboard / unknown chat -> 400 with a
Telegram-like description. Every call, valid or not, is recorded in :attr:`calls`.

Fault injection (FIFO, scoped per method and optionally per chat, each rule firing ``times``
times): :meth:`fail` (429/403/400/500 JSON, 502 HTML), :meth:`delay`, :meth:`drop_response`
(the call is performed and recorded, then the connection is closed without an answer).
:meth:`block_user` makes every send to a chat answer 403.

``enforce_limits=True`` answers 429 (``retry_after`` 1) to a message that breaks Telegram's
limits: more than 30 per second overall, more than one per second in a private chat, more
than 20 per minute in a group; :attr:`limit_refusals` counts them. Every new message counts:
``send*`` (documents, photos, chat actions), ``copyMessage``, ``forwardMessage``.
``limit_scale=10`` makes every limit ten times faster (300 per second overall, one per 0.1 s
in a private chat, 20 per 6 s in a group), so tests of the limits run in a tenth of the time
with a bot limiter scaled alike (``Limits().scaled(10)``).

Deliberate simplifications (documented so tests do not over-trust the fake):

* message length limits count UTF-16 code units (Telegram's entity unit; the conservative
  choice), after entity parsing and after stripping leading/trailing whitespace;
* Telegram's automatic entity detection (urls, mentions) is not emulated;
* methods without a dedicated implementation answer ``True`` (``[]`` for methods returning an
  array, a bare bot message for methods returning a ``Message``) and are recorded.
"""

from __future__ import annotations

import asyncio
import collections
import copy
import functools
import hashlib
import itertools
import json
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self

from aiohttp import web

__all__ = [
    "DEFAULT_TOKEN",
    "FakeTelegramServer",
    "FakeUser",
    "RecordedCall",
    "UploadedFile",
    "load_schema",
]

JsonDict = dict[str, Any]

SCHEMA_NAME = "bot_api_schema.json"
DEFAULT_TOKEN = "123456:TEST-roadmap-bot-fake-token"

BLOCKED_DESCRIPTION = "Forbidden: bot was blocked by the user"
NOT_MODIFIED_DESCRIPTION = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
CONFLICT_DESCRIPTION = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
BAD_GATEWAY_HTML = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
    "</body>\r\n</html>\r\n"
)

# Update types Telegram does not deliver unless explicitly listed in allowed_updates.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_MESSAGE_UPDATES = ("message", "edited_message", "channel_post", "edited_channel_post")
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
# Button fields that do not count as the button's action.
_BUTTON_DECORATION = frozenset({"text", "icon_custom_emoji_id", "style"})
_MAX_INLINE_BUTTONS = 100  # Telegram's limits: 100 inline buttons, 300 reply keyboard buttons
_MAX_REPLY_BUTTONS = 300
_BUTTON_URL_RE = re.compile(r"^(?:https?|tg)://\S+$", re.IGNORECASE)
_BOT_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
# Methods a blocked user makes fail with 403.
_SEND_PREFIXES = ("send", "copy", "forward", "edit")
# Telegram's limits on new messages (https://core.telegram.org/bots/faq#broadcasting-to-users).
_NEW_MESSAGE_PREFIXES = ("send", "copy", "forward")
DOWNLOAD_LIMIT = 20 * 1024 * 1024
"""getFile refuses bigger files: https://core.telegram.org/bots/api#getfile"""
_FILE_KINDS = {"documents": "Document", "photos": "Photo"}
"""A photo's file_id cannot be sent as a document, nor a document's as a photo."""
_LIMIT_OVERALL_PER_SECOND = 30
_LIMIT_PRIVATE_INTERVAL = 1.0
_LIMIT_GROUP_PER_MINUTE = 20
# Telegram descriptions for some documented length limits (type or method, field).
_LENGTH_ERRORS = {
    ("InlineKeyboardButton", "callback_data"): "Bad Request: BUTTON_DATA_INVALID",
    ("answerCallbackQuery", "text"): "Bad Request: MESSAGE_TOO_LONG",
    ("BotCommand", "command"): "Bad Request: BOT_COMMAND_INVALID",
    ("BotCommand", "description"): "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID",
}


@functools.cache
def load_schema() -> JsonDict:
    """The committed Bot API schema (see ``build_schema.py``)."""
    # importlib.resources, not a path beside the source: the schema ships as package data.
    text = resources.files(__package__).joinpath(SCHEMA_NAME).read_text(encoding="utf-8")
    data: JsonDict = json.loads(text)
    return data


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram entity offsets."""
    return len(text.encode("utf-16-le")) // 2


# ---------------------------------------------------------------------------------------------
# Public data classes
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FakeUser:
    """A Telegram user that talks to the bot in tests."""

    id: int
    first_name: str
    username: str | None = None
    language_code: str | None = "ru"
    last_name: str | None = None

    def to_dict(self) -> JsonDict:
        """The Telegram ``User`` object."""
        user: JsonDict = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name is not None:
            user["last_name"] = self.last_name
        if self.username is not None:
            user["username"] = self.username
        if self.language_code is not None:
            user["language_code"] = self.language_code
        return user

    def private_chat(self) -> JsonDict:
        """The Telegram ``Chat`` of the private chat between this user and the bot."""
        chat: JsonDict = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name is not None:
            chat["last_name"] = self.last_name
        if self.username is not None:
            chat["username"] = self.username
        return chat


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request (``attach://<name>`` values resolve to it)."""

    name: str
    filename: str | None
    content_type: str | None
    content: bytes


@dataclass
class RecordedCall:
    """One Bot API request as the server saw and answered it."""

    method: str
    """Canonical method name (``sendMessage``), or the requested name if unknown."""
    params: JsonDict = field(default_factory=dict)
    """Decoded parameters: JSON fields parsed, ints/bools typed, files as UploadedFile."""
    status: int = 0
    """HTTP status of the answer (200 on success); kept even if the answer was dropped."""
    result: Any = None
    """The ``result`` of a successful answer."""
    description: str | None = None
    """The error description of a failed answer."""
    chat_id: int | None = None
    """The numeric chat the call targets (``chat_id`` resolved), if any."""
    files: dict[str, UploadedFile] = field(default_factory=dict)
    unknown_params: list[str] = field(default_factory=list)
    """Parameters / object fields the schema does not know (recorded, not rejected)."""
    fault: str | None = None
    """Why the answer differs from a normal one: 'fail', 'blocked', 'conflict', 'limit' or None."""
    delayed: float = 0.0
    dropped: bool = False
    """True when the connection was closed instead of answering (drop_response)."""
    http_method: str = "POST"
    index: int = -1
    """Position in FakeTelegramServer.calls."""
    received_at: float = field(default_factory=time.monotonic)
    """`time.monotonic()` when the request arrived: how long after an update the bot answered."""

    @property
    def ok(self) -> bool:
        return self.status == HTTPStatus.OK and not self.dropped

    @property
    def error_code(self) -> int | None:
        return None if self.status == HTTPStatus.OK else self.status


# ---------------------------------------------------------------------------------------------
# Errors, fault rules
# ---------------------------------------------------------------------------------------------


class _ApiError(Exception):
    def __init__(self, status: int, description: str, parameters: JsonDict | None = None) -> None:
        super().__init__(description)
        self.status = int(status)
        self.description = description
        self.parameters = parameters


def _bad_request(description: str) -> _ApiError:
    return _ApiError(HTTPStatus.BAD_REQUEST, f"Bad Request: {description}")


@dataclass
class _FaultRule:
    kind: Literal["fail", "delay", "drop"]
    method: str  # lower-case method name or "*"
    chat_id: int | None
    remaining: int | None  # None: forever
    status: int = 0
    description: str = ""
    retry_after: int | None = None
    html_body: bool = False
    seconds: float = 0.0

    def matches(self, method: str, chat_id: int | None) -> bool:
        if self.method not in ("*", method.lower()):
            return False
        return self.chat_id is None or self.chat_id == chat_id


# ---------------------------------------------------------------------------------------------
# Text formatting (parse_mode) — Telegram's rules, reduced to what bots use
# ---------------------------------------------------------------------------------------------


class _TextBuilder:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0  # UTF-16 units
        self.entities: list[JsonDict] = []

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.length += utf16_len(text)

    def entity(self, start: int, entity_type: str, **extra: Any) -> None:
        if self.length > start:
            self.entities.append(
                {"type": entity_type, "offset": start, "length": self.length - start, **extra}
            )

    def result(self) -> tuple[str, list[JsonDict]]:
        entities = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), entities


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _entities_error(detail: str) -> _ApiError:
    return _bad_request(f"can't parse entities: {detail}")


_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
    "tg-time": "date_time",
}
_HTML_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_ENTITY_RE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});")


def _decode_html_entity(text: str, index: int) -> tuple[str, int] | None:
    match = _HTML_ENTITY_RE.match(text, index)
    if match is None:
        return None
    name = match.group(1)
    if name.startswith("#"):
        code = int(name[2:], 16) if name[1] in "xX" else int(name[1:])
        if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return None
        return chr(code), match.end() - index
    if name in _HTML_NAMED_ENTITIES:
        return _HTML_NAMED_ENTITIES[name], match.end() - index
    return None  # unsupported named entities stay as literal text, like Telegram


def _unescape_html(value: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(value):
        if value[i] == "&" and (decoded := _decode_html_entity(value, i)) is not None:
            out.append(decoded[0])
            i += decoded[1]
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


@dataclass
class _OpenTag:
    name: str
    attrs: dict[str, str]
    start: int  # UTF-16 offset in the output
    byte_offset: int
    language: str | None = None


def parse_html(text: str) -> tuple[str, list[JsonDict]]:
    """Telegram's ``parse_mode=HTML``: returns the plain text and its entities.

    Raises the 400 Telegram answers for unsupported/unbalanced tags.
    """
    out = _TextBuilder()
    stack: list[_OpenTag] = []
    i = 0
    while i < len(text):
        if text[i] == "&":
            decoded = _decode_html_entity(text, i)
            out.add(decoded[0] if decoded else "&")
            i += decoded[1] if decoded else 1
        elif text[i] != "<":
            j = i
            while j < len(text) and text[j] not in "<&":
                j += 1
            out.add(text[i:j])
            i = j
        elif text.startswith("</", i):
            i = _html_end_tag(text, i, stack, out)
        else:
            i = _html_start_tag(text, i, stack, out)
    if stack:
        raise _entities_error(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    return out.result()


def _html_end_tag(text: str, begin: int, stack: list[_OpenTag], out: _TextBuilder) -> int:
    end = text.find(">", begin)
    if end == -1:
        raise _entities_error(f"Unclosed end tag at byte offset {_byte_offset(text, begin)}")
    name = text[begin + 2 : end].strip().lower()
    if not stack:
        raise _entities_error(f"Unexpected end tag at byte offset {_byte_offset(text, begin)}")
    tag = stack.pop()
    if name != tag.name:
        raise _entities_error(
            f"Unmatched end tag at byte offset {_byte_offset(text, begin)}, "
            f'expected "</{tag.name}>", found "</{name}>"'
        )
    _close_html_tag(tag, stack, out)
    return end + 1


def _html_start_tag(text: str, begin: int, stack: list[_OpenTag], out: _TextBuilder) -> int:
    j = begin + 1
    while j < len(text) and not text[j].isspace() and text[j] not in "/>":
        j += 1
    name = text[begin + 1 : j].lower()
    offset = _byte_offset(text, begin)
    if not name:
        raise _entities_error(f"Empty tag name at byte offset {offset}")
    if name not in _HTML_TAGS:
        raise _entities_error(f'Unsupported start tag "{name}" at byte offset {offset}')
    end, attrs = _parse_html_attributes(text, j, name, begin)
    if name == "span" and attrs.get("class") != "tg-spoiler":
        raise _entities_error(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
    stack.append(_OpenTag(name, attrs, out.length, offset))
    return end


def _parse_html_attributes(text: str, i: int, tag: str, begin: int) -> tuple[int, dict[str, str]]:
    attrs: dict[str, str] = {}
    n = len(text)
    unclosed = f"Unclosed start tag at byte offset {_byte_offset(text, begin)}"
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            raise _entities_error(unclosed)
        if text[i] == ">":
            return i + 1, attrs
        j = i
        while j < n and not text[j].isspace() and text[j] not in "=>":
            j += 1
        attr = text[i:j].lower()
        if not attr:
            raise _entities_error(
                f'Empty attribute name in the tag "{tag}" at byte offset {_byte_offset(text, i)}'
            )
        i = j
        while i < n and text[i].isspace():
            i += 1
        if i >= n or text[i] != "=":
            attrs[attr] = ""  # a value-less attribute such as <blockquote expandable>
            continue
        i += 1
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            raise _entities_error(unclosed)
        if text[i] in "\"'":
            end = text.find(text[i], i + 1)
            if end == -1:
                raise _entities_error(unclosed)
            attrs[attr] = _unescape_html(text[i + 1 : end])
            i = end + 1
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] != ">":
                j += 1
            attrs[attr] = _unescape_html(text[i:j])
            i = j


def _close_html_tag(tag: _OpenTag, stack: list[_OpenTag], out: _TextBuilder) -> None:
    entity_type = _HTML_TAGS[tag.name]
    if tag.name == "a":
        href = tag.attrs.get("href", "")
        if match := re.fullmatch(r"tg://user\?id=(\d+)", href):
            user = {"id": int(match.group(1)), "is_bot": False, "first_name": ""}
            out.entity(tag.start, "text_mention", user=user)
        elif href:
            out.entity(tag.start, "text_link", url=href)
        return
    if tag.name == "code":
        language = tag.attrs.get("class", "")
        if stack and stack[-1].name == "pre" and language.startswith("language-"):
            stack[-1].language = language.removeprefix("language-")
            return
    if tag.name == "pre":
        if tag.language:
            out.entity(tag.start, "pre", language=tag.language)
        else:
            out.entity(tag.start, "pre")
        return
    if tag.name == "blockquote" and "expandable" in tag.attrs:
        entity_type = "expandable_blockquote"
    if tag.name == "tg-emoji":
        emoji_id = tag.attrs.get("emoji-id")
        if not emoji_id:
            raise _entities_error('Tag "tg-emoji" must have attribute "emoji-id"')
        out.entity(tag.start, entity_type, custom_emoji_id=emoji_id)
        return
    if tag.name == "tg-time":
        extra: JsonDict = {}
        if tag.attrs.get("unix", "").isdigit():
            extra["unix_time"] = int(tag.attrs["unix"])
        if tag.attrs.get("format"):
            extra["date_time_format"] = tag.attrs["format"]
        out.entity(tag.start, entity_type, **extra)
        return
    out.entity(tag.start, entity_type)


_MD2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MD2_NAMES = {
    "italic": "Italic",
    "bold": "Bold",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}


@dataclass
class _MdOpen:
    kind: str
    start: int  # UTF-16 offset in the output
    byte_offset: int
    language: str = ""


class _MarkdownV2Parser:
    """Telegram's ``parse_mode=MarkdownV2`` (nesting, escapes, links, code, blockquotes)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.out = _TextBuilder()
        self.stack: list[_MdOpen] = []
        self.quote_start: int | None = None

    def parse(self) -> tuple[str, list[JsonDict]]:
        text = self.text
        i = 0
        while i < len(text):
            top = self.stack[-1].kind if self.stack else None
            if text[i] == "\\" and i + 1 < len(text) and 0 < ord(text[i + 1]) <= 126:
                self.out.add(text[i + 1])
                i += 2
            elif top in ("code", "pre"):
                i = self._inside_code(i, top)
            elif text[i] == "\n" or (text[i] == ">" and (i == 0 or text[i - 1] == "\n")):
                i = self._line(i)
            elif text[i] not in _MD2_RESERVED:
                self.out.add(text[i])
                i += 1
            else:
                i = self._marker(i, top)
        if self.stack:
            opened = self.stack[-1]
            raise _entities_error(
                f"Can't find end of {_MD2_NAMES[opened.kind]} entity "
                f"at byte offset {opened.byte_offset}"
            )
        if self.quote_start is not None:
            self.out.entity(self.quote_start, "blockquote")
        return self.out.result()

    def _inside_code(self, i: int, top: str) -> int:
        if top == "pre" and self.text.startswith("```", i):
            opened = self.stack.pop()
            if opened.language:
                self.out.entity(opened.start, "pre", language=opened.language)
            else:
                self.out.entity(opened.start, "pre")
            return i + 3
        if top == "code" and self.text[i] == "`":
            self.out.entity(self.stack.pop().start, "code")
            return i + 1
        self.out.add(self.text[i])
        return i + 1

    def _line(self, i: int) -> int:
        """A newline (may end a blockquote) or a ``>`` opening a blockquote line."""
        if self.text[i] == ">":
            if self.quote_start is None:
                self.quote_start = self.out.length
            return i + 1
        if self.quote_start is not None and not self.text.startswith(">", i + 1):
            self.out.entity(self.quote_start, "blockquote")
            self.quote_start = None
        self.out.add("\n")
        return i + 1

    def _marker(self, i: int, top: str | None) -> int:
        text = self.text
        offset = _byte_offset(text, i)
        if text.startswith("```", i):
            end = text.find("\n", i + 3)
            candidate = text[i + 3 : end] if end != -1 else ""
            if candidate and not any(c.isspace() or c == "`" for c in candidate):
                self.stack.append(_MdOpen("pre", self.out.length, offset, candidate))
                return end + 1
            self.stack.append(_MdOpen("pre", self.out.length, offset))
            return i + 3
        if text[i] == "[" or text.startswith("![", i):
            kind = "text_link" if text[i] == "[" else "custom_emoji"
            self.stack.append(_MdOpen(kind, self.out.length, offset))
            return i + (1 if text[i] == "[" else 2)
        if text[i] == "]" and top in ("text_link", "custom_emoji"):
            return _close_markdown_link(text, i + 1, self.stack.pop(), self.out)
        kind, width = self._toggle_kind(i, top)
        if top == kind:
            self.out.entity(self.stack.pop().start, kind)
        elif any(entry.kind == kind for entry in self.stack):
            opened = next(entry for entry in reversed(self.stack) if entry.kind == kind)
            raise _entities_error(
                f"Can't find end of {_MD2_NAMES[kind]} entity at byte offset {opened.byte_offset}"
            )
        else:
            self.stack.append(_MdOpen(kind, self.out.length, offset))
        return i + width

    def _toggle_kind(self, i: int, top: str | None) -> tuple[str, int]:
        char = self.text[i]
        if char == "_" and self.text.startswith("__", i) and top != "italic":
            return "underline", 2
        if char == "|" and self.text.startswith("||", i):
            return "spoiler", 2
        kinds = {"`": "code", "*": "bold", "~": "strikethrough", "_": "italic"}
        if char in kinds:
            return kinds[char], 1
        raise _entities_error(
            f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
        )


def parse_markdown_v2(text: str) -> tuple[str, list[JsonDict]]:
    """Telegram's ``parse_mode=MarkdownV2``: returns the plain text and its entities."""
    return _MarkdownV2Parser(text).parse()


def _close_markdown_link(text: str, i: int, opened: _MdOpen, out: _TextBuilder) -> int:
    kind, start, offset = opened.kind, opened.start, opened.byte_offset
    if not text.startswith("(", i):
        raise _entities_error(
            f"Can't find end of {_MD2_NAMES[kind]} entity at byte offset {offset}"
        )
    j = i + 1
    url: list[str] = []
    while j < len(text) and text[j] != ")":
        if text[j] == "\\" and j + 1 < len(text):
            j += 1
        url.append(text[j])
        j += 1
    if j >= len(text):
        raise _entities_error(f"Can't find end of a URL at byte offset {_byte_offset(text, i)}")
    target = "".join(url)
    if kind == "custom_emoji":
        match = re.fullmatch(r"tg://emoji\?id=(\d+)", target)
        if match is None:
            raise _entities_error("Custom emoji entity must contain a tg://emoji URL")
        out.entity(start, "custom_emoji", custom_emoji_id=match.group(1))
    elif match := re.fullmatch(r"tg://user\?id=(\d+)", target):
        user = {"id": int(match.group(1)), "is_bot": False, "first_name": ""}
        out.entity(start, "text_mention", user=user)
    else:
        out.entity(start, "text_link", url=target)
    return j + 1


def parse_markdown(text: str) -> tuple[str, list[JsonDict]]:
    """Telegram's legacy ``parse_mode=Markdown``: *bold*, _italic_, `code`, ```pre```, links."""
    out = _TextBuilder()
    i = 0
    n = len(text)
    markers = {"*": "bold", "_": "italic", "`": "code"}
    while i < n:
        char = text[i]
        if char == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            out.add(text[i + 1])
            i += 2
            continue
        offset = _byte_offset(text, i)
        unclosed = f"Can't find end of the entity starting at byte offset {offset}"
        if text.startswith("```", i):
            end = text.find("```", i + 3)
            if end == -1:
                raise _entities_error(unclosed)
            start = out.length
            out.add(text[i + 3 : end])
            out.entity(start, "pre")
            i = end + 3
        elif char in markers:
            end = text.find(char, i + 1)
            if end == -1:
                raise _entities_error(unclosed)
            start = out.length
            out.add(text[i + 1 : end])
            out.entity(start, markers[char])
            i = end + 1
        elif char == "[":
            end = text.find("]", i + 1)
            if end == -1:
                raise _entities_error(unclosed)
            start = out.length
            out.add(text[i + 1 : end])
            i = end + 1
            if text.startswith("(", i) and (close := text.find(")", i)) != -1:
                out.entity(start, "text_link", url=text[i + 1 : close])
                i = close + 1
        else:
            out.add(char)
            i += 1
    return out.result()


def _strip_text(text: str, entities: list[JsonDict]) -> tuple[str, list[JsonDict]]:
    """Telegram trims leading/trailing whitespace and clips the entities accordingly."""
    left = text.lstrip()
    stripped = left.rstrip()
    lead = utf16_len(text[: len(text) - len(left)])
    total = utf16_len(stripped)
    clipped: list[JsonDict] = []
    for entity in entities:
        start = max(int(entity["offset"]) - lead, 0)
        end = min(int(entity["offset"]) + int(entity["length"]) - lead, total)
        if end > start:
            clipped.append({**entity, "offset": start, "length": end - start})
    return stripped, clipped


def format_text(
    text: str, parse_mode: str | None, entities: list[JsonDict] | None
) -> tuple[str, list[JsonDict]]:
    """Apply ``parse_mode`` (it wins over ``entities``, like the Bot API server) and trim."""
    mode = (parse_mode or "").lower()
    if mode in ("", "none"):
        plain, parsed = text, list(entities or [])
    elif mode == "html":
        plain, parsed = parse_html(text)
    elif mode == "markdownv2":
        plain, parsed = parse_markdown_v2(text)
    elif mode == "markdown":
        plain, parsed = parse_markdown(text)
    else:
        raise _bad_request("unsupported parse_mode")
    return _strip_text(plain, parsed)


# ---------------------------------------------------------------------------------------------
# Schema-driven validation
# ---------------------------------------------------------------------------------------------


class _AttachRef(str):
    """An ``attach://name`` value whose part is missing from the request."""


class _Validator:
    def __init__(self, schema: JsonDict) -> None:
        self.types: dict[str, JsonDict] = schema["types"]

    # Decoding of one top-level form value ---------------------------------------------------
    def decode(
        self, name: str, raw: Any, spec: JsonDict, files: Mapping[str, UploadedFile]
    ) -> Any:
        types: list[str] = spec["types"]
        if not isinstance(raw, str):
            return raw  # a JSON body is already typed
        if types == ["String"]:
            return raw
        if "InputFile" in types and raw.startswith("attach://"):
            key = raw.removeprefix("attach://")
            return files.get(key, _AttachRef(raw))
        try:
            value = json.loads(raw)
        except ValueError:
            if "String" in types:
                return raw
            if types == ["Boolean"] and raw.lower() in ("true", "false", "1", "0"):
                return raw.lower() in ("true", "1")
            raise _bad_request(
                f'can\'t parse parameter "{name}": expected {" or ".join(types)}'
            ) from None
        if "String" in types and not any(self._is_a(value, t) for t in types if t != "String"):
            return raw  # e.g. a numeric-looking file_id or "@channel"
        return value

    def _is_a(self, value: Any, type_name: str) -> bool:
        try:
            self.check(value, [type_name], "", "", [])
        except _ApiError:
            return False
        return True

    # Type checking ---------------------------------------------------------------------------
    def check(
        self, value: Any, types: list[str], path: str, owner: str, unknown: list[str]
    ) -> None:
        """Raise 400 unless ``value`` is one of ``types``. ``owner`` names the containing
        type/method (for Telegram's specific messages); unknown fields go to ``unknown``."""
        if len(types) == 1:
            self._check_one(value, types[0], path, owner, unknown)
            return
        candidates = list(types)
        if isinstance(value, dict):
            # Try first the object types whose required fields are all present.
            candidates.sort(key=lambda t: not self._looks_like(value, t))
        first_error: _ApiError | None = None
        for type_name in candidates:
            attempt: list[str] = []
            try:
                self._check_one(value, type_name, path, owner, attempt)
            except _ApiError as error:
                first_error = first_error or error
                continue
            unknown.extend(attempt)
            return
        assert first_error is not None
        raise first_error

    def _looks_like(self, value: JsonDict, type_name: str) -> bool:
        spec = self.types.get(type_name)
        if spec is None or "fields" not in spec:
            return False
        required = [k for k, f in spec["fields"].items() if f["required"]]
        return all(k in value for k in required)

    def _check_one(
        self, value: Any, type_name: str, path: str, owner: str, unknown: list[str]
    ) -> None:
        def wrong() -> _ApiError:
            return _bad_request(f'field "{path}" must be of type {type_name}')

        if type_name == "Integer":
            if not isinstance(value, int) or isinstance(value, bool):
                raise wrong()
        elif type_name == "Float":
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise wrong()
        elif type_name in ("Boolean", "True"):
            if not isinstance(value, bool):
                raise wrong()
        elif type_name == "String":
            if not isinstance(value, str):
                raise wrong()
        elif type_name == "InputFile":
            if not isinstance(value, UploadedFile):
                raise wrong()
        elif type_name.startswith("Array of "):
            if not isinstance(value, list):
                raise wrong()
            inner = type_name.removeprefix("Array of ")
            for index, item in enumerate(value):
                self._check_one(item, inner, f"{path}[{index}]", owner, unknown)
        else:
            self._check_object(value, type_name, path, unknown)

    def _check_object(self, value: Any, type_name: str, path: str, unknown: list[str]) -> None:
        label = {
            "InlineKeyboardButton": "inline keyboard button",
            "KeyboardButton": "keyboard button",
        }.get(type_name, type_name)
        if type_name == "KeyboardButton" and isinstance(value, str):
            return  # Telegram accepts plain strings as reply keyboard buttons
        if not isinstance(value, dict):
            raise _bad_request(f"can't parse {label}: {type_name} must be an Object ({path})")
        spec = self.types.get(type_name)
        if spec is None:
            return
        if "subtypes" in spec:
            for subtype in spec["subtypes"]:
                if self._discriminator_matches(value, subtype):
                    self._check_object(value, subtype, path, unknown)
                    return
            raise _bad_request(
                f"can't parse {type_name} ({path}): unsupported type {value.get('type')!r}"
            )
        fields: dict[str, JsonDict] = spec.get("fields", {})
        for name, fspec in fields.items():
            if fspec["required"] and name not in value:
                raise _bad_request(
                    f'can\'t parse {label}: Field "{name}" must be of type '
                    f"{' or '.join(fspec['types'])} ({path})"
                )
        for name, item in value.items():
            fspec_or_none = fields.get(name)
            if fspec_or_none is None:
                unknown.append(f"{path}.{name}")
                continue
            item_path = f"{path}.{name}"
            try:
                self.check(item, fspec_or_none["types"], item_path, type_name, unknown)
            except _ApiError as error:
                if error.description.startswith("Bad Request: field "):
                    raise _bad_request(
                        f'can\'t parse {label}: Field "{name}" must be of type '
                        f"{' or '.join(fspec_or_none['types'])} ({item_path})"
                    ) from None
                raise
            self.check_limits(item, fspec_or_none, item_path, type_name, name)

    def _discriminator_matches(self, value: JsonDict, subtype: str) -> bool:
        spec = self.types.get(subtype, {})
        consts = {k: f["const"] for k, f in spec.get("fields", {}).items() if "const" in f}
        return bool(consts) and all(value.get(k) == v for k, v in consts.items())

    @staticmethod
    def check_limits(value: Any, fspec: JsonDict, path: str, owner: str, name: str) -> None:
        if not isinstance(value, str):
            return
        if "const" in fspec and value != fspec["const"]:
            raise _bad_request(f'field "{path}" must be "{fspec["const"]}"')
        if "enum" in fspec and value not in fspec["enum"]:
            raise _bad_request(f'field "{path}" has unsupported value "{value}"')
        if "len" not in fspec or fspec.get("parsed"):
            return  # limits "after entities parsing" are checked by the method itself
        low, high, unit = fspec["len"]
        size = len(value.encode("utf-8")) if unit == "bytes" else utf16_len(value)
        if low <= size <= high:
            return
        specific = _LENGTH_ERRORS.get((owner, name))
        if specific is not None:
            raise _ApiError(HTTPStatus.BAD_REQUEST, specific)
        raise _bad_request(f'field "{path}" must be {low}-{high} {unit} long, got {size}')


def _check_reply_markup(markup: Any) -> None:
    """Keyboard rules the schema cannot express."""
    if not isinstance(markup, dict):
        return
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        buttons = [button for row in rows for button in row]
        if len(buttons) > _MAX_INLINE_BUTTONS:
            raise _bad_request("reply markup is too long")
        for button in buttons:
            if not button.get("text"):
                raise _bad_request("BUTTON_TEXT_INVALID")
            actions = [
                key
                for key, value in button.items()
                if key not in _BUTTON_DECORATION and value is not None and value is not False
            ]
            if not actions:
                raise _bad_request(
                    "can't parse inline keyboard button: "
                    "Text buttons are unallowed in the inline keyboard"
                )
            if len(actions) > 1:
                raise _bad_request(
                    "can't parse inline keyboard button: exactly one of the optional fields "
                    f"must be used, got {', '.join(sorted(actions))}"
                )
            url = button.get("url")
            if url is not None and not _BUTTON_URL_RE.match(url):
                raise _bad_request(
                    f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL"
                )
    elif "keyboard" in markup:
        buttons = [button for row in markup["keyboard"] for button in row]
        if len(buttons) > _MAX_REPLY_BUTTONS:
            raise _bad_request("reply markup is too long")
        for button in buttons:
            text = button if isinstance(button, str) else button.get("text")
            if not text:
                raise _bad_request("can't parse keyboard button: Text must be non-empty")
            if isinstance(button, dict):
                requests = [
                    key
                    for key, value in button.items()
                    if key not in _BUTTON_DECORATION and value is not None and value is not False
                ]
                if len(requests) > 1:
                    raise _bad_request(
                        "can't parse keyboard button: at most one of the optional fields "
                        f"may be used, got {', '.join(sorted(requests))}"
                    )


# ---------------------------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------------------------


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    content: bytes
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None


@dataclass
class _CallbackQuery:
    query_id: str
    chat_id: int
    message_id: int
    data: str
    answered: bool = False


_Handler = Callable[[RecordedCall, web.BaseRequest], Awaitable[Any]]
_CallPredicate = Callable[[RecordedCall], bool]


class FakeTelegramServer:
    """Telegram Bot API lookalike on 127.0.0.1 (see the module docstring)."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "roadmap_test_bot",
        bot_first_name: str = "Roadmap Test Bot",
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.time,
        enforce_limits: bool = False,
        limit_scale: float = 1.0,
    ) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_user: JsonDict = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.host = host
        self._port = port
        self._clock = clock
        self._schema = load_schema()
        self._validator = _Validator(self._schema)
        self._method_names = {name.lower(): name for name in self._schema["methods"]}

        self.calls: list[RecordedCall] = []
        self.filtered_updates: list[JsonDict] = []
        """Updates dropped because the bot's allowed_updates excluded their type."""
        self._updates: list[JsonDict] = []
        self._next_update_id = 10_000
        self._allowed_updates: list[str] | None = None
        self._webhook_url = ""
        self._chats: dict[int, JsonDict] = {}
        self._messages: dict[int, dict[int, JsonDict]] = {}
        self._bot_messages: set[tuple[int, int]] = set()
        self._next_message_id: dict[int, int] = {}
        self._reply_keyboards: dict[int, JsonDict | None] = {}
        self._files: dict[str, _StoredFile] = {}
        self._file_paths: dict[str, _StoredFile] = {}
        self._callback_queries: dict[str, _CallbackQuery] = {}
        self._commands: dict[str, list[JsonDict]] = {}
        self._topics: dict[tuple[int, int], JsonDict] = {}
        self._reactions: dict[tuple[int, int], list[JsonDict]] = {}
        self._blocked: set[int] = set()
        self._faults: list[_FaultRule] = []
        self._ids = itertools.count(1)
        self.enforce_limits = enforce_limits
        self.limit_refusals = 0
        self.limit_scale = limit_scale
        self._sent_at: collections.deque[float] = collections.deque()
        self._chat_sent_at: dict[int, collections.deque[float]] = {}

        self._poll_waiters: dict[asyncio.Future[str], web.BaseRequest] = {}
        self._call_waiters: list[tuple[Callable[[], bool], asyncio.Future[None]]] = []
        self._polling_waiters: list[asyncio.Future[None]] = []
        self._stop_event: asyncio.Event | None = None
        self._runner: web.AppRunner | None = None
        self._base_url: str | None = None

        self._handlers: dict[str, _Handler] = {
            "getme": self._get_me,
            "getupdates": self._get_updates,
            "deletewebhook": self._delete_webhook,
            "setwebhook": self._set_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "setmycommands": self._set_my_commands,
            "deletemycommands": self._delete_my_commands,
            "getmycommands": self._get_my_commands,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagecaption": self._edit_message_caption,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "deletemessage": self._delete_message,
            "answercallbackquery": self._answer_callback_query,
            "senddocument": self._send_document,
            "sendphoto": self._send_photo,
            "sendchataction": self._send_chat_action,
            "getfile": self._get_file,
            "getchat": self._get_chat,
            "close": self._true,
            "logout": self._true,
            "forwardmessage": self._forward_message,
            "copymessage": self._copy_message,
            "createforumtopic": self._create_forum_topic,
            "closeforumtopic": self._close_forum_topic,
            "setmessagereaction": self._set_message_reaction,
        }

    # Lifecycle ---------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``; pass it to ``TelegramAPIServer.from_base``."""
        if self._base_url is None:
            msg = "FakeTelegramServer is not started"
            raise RuntimeError(msg)
        return self._base_url

    @property
    def bot_username(self) -> str:
        return str(self.bot_user["username"])

    async def start(self) -> None:
        if self._runner is not None:
            return
        self._stop_event = asyncio.Event()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._handle_not_found)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self._port)
        await site.start()
        self._runner = runner
        port = runner.addresses[0][1]
        self._base_url = f"http://{self.host}:{port}"

    async def stop(self) -> None:
        """Stop serving: pending long polls answer ``[]``, delays are cut short."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        if self._stop_event is not None:
            self._stop_event.set()
        self._wake_pollers("stop")
        await runner.cleanup()

    @property
    def stopping(self) -> bool:
        return self._stop_event is not None and self._stop_event.is_set()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    # Updates (test side) --------------------------------------------------------------------
    def push_update(self, update: JsonDict) -> JsonDict:
        """Queue an update for getUpdates (``update_id`` is allocated if missing).

        Chats and messages inside it become known to the server (history, chat_id checks).
        """
        update = copy.deepcopy(update)
        if "update_id" not in update:
            update["update_id"] = self._next_update_id
        self._next_update_id = max(self._next_update_id, int(update["update_id"])) + 1
        self._learn_from_update(update)
        self._updates.append(update)
        self._wake_pollers("update")
        return copy.deepcopy(update)

    def send_text(
        self,
        user: FakeUser,
        text: str,
        chat: JsonDict | None = None,
        *,
        reply_to: JsonDict | None = None,
    ) -> JsonDict:
        """The user writes ``text`` (private chat by default); returns the Update pushed."""
        message = self._user_message(user, chat)
        message["text"] = text
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
            ]
        if reply_to is not None:
            message["reply_to_message"] = copy.deepcopy(dict(reply_to))
        return self.push_update({"message": message})

    def send_document(
        self,
        user: FakeUser,
        content: bytes,
        file_name: str,
        *,
        mime_type: str | None = None,
        caption: str | None = None,
        chat: JsonDict | None = None,
    ) -> JsonDict:
        """The user sends a file (it can then be fetched via getFile + download)."""
        stored = self._store_file(content, "documents", file_name, mime_type)
        message = self._user_message(user, chat)
        message["document"] = self._document_dict(stored)
        if caption is not None:
            message["caption"] = caption
        return self.push_update({"message": message})

    def send_photo(
        self,
        user: FakeUser,
        content: bytes,
        *,
        caption: str | None = None,
        chat: JsonDict | None = None,
    ) -> JsonDict:
        """The user sends a photo: Telegram delivers it in several sizes, the largest last."""
        stored = self._store_file(content, "photos", None, None)
        message = self._user_message(user, chat)
        message["photo"] = self._photo_sizes(stored)
        if caption is not None:
            message["caption"] = caption
        return self.push_update({"message": message})

    def press_button(
        self,
        user: FakeUser,
        message: Mapping[str, Any] | RecordedCall,
        data: str | None = None,
        *,
        text: str | None = None,
    ) -> JsonDict:
        """The user presses an inline button (chosen by ``callback_data`` or by label) of a
        message the bot sent; returns the ``callback_query`` Update pushed.

        Raises ``AssertionError`` if that message (current state, after edits) has no such
        button — pressing a button that is not on screen is a test bug.
        """
        source = message.result if isinstance(message, RecordedCall) else message
        if not isinstance(source, Mapping):
            msg = "press_button needs a message dict (or the RecordedCall that sent it)"
            raise TypeError(msg)
        chat_id = int(source["chat"]["id"])
        message_id = int(source["message_id"])
        current = self._messages.get(chat_id, {}).get(message_id)
        if current is None or (chat_id, message_id) not in self._bot_messages:
            msg = f"no live bot message {message_id} in chat {chat_id}"
            raise AssertionError(msg)
        buttons = [
            button
            for row in current.get("reply_markup", {}).get("inline_keyboard", [])
            for button in row
        ]
        chosen = [
            button
            for button in buttons
            if "callback_data" in button
            and (data is None or button["callback_data"] == data)
            and (text is None or button["text"] == text)
        ]
        if not chosen:
            labels = [(b.get("text"), b.get("callback_data")) for b in buttons]
            msg = f"message {message_id} has no button data={data!r} text={text!r}: {labels}"
            raise AssertionError(msg)
        return self._push_callback(user, current, str(chosen[0]["callback_data"]))

    def forge_callback(self, user: FakeUser, message: Mapping[str, Any], data: str) -> JsonDict:
        """A callback_query with any data on a bot message, as a hand-crafted client can send:
        Telegram does not check that the message ever had such a button."""
        chat_id = int(message["chat"]["id"])
        current = self._messages.get(chat_id, {}).get(int(message["message_id"]))
        if current is None:
            msg = f"no message {message['message_id']} in chat {chat_id}"
            raise AssertionError(msg)
        return self._push_callback(user, current, data)

    def _push_callback(self, user: FakeUser, current: JsonDict, callback_data: str) -> JsonDict:
        chat_id = int(current["chat"]["id"])
        message_id = int(current["message_id"])
        query_id = str(next(self._ids) * 7919 + 4_000_000_000)
        self._callback_queries[query_id] = _CallbackQuery(
            query_id, chat_id, message_id, callback_data
        )
        instance = hashlib.sha1(f"{self.bot_id}:{chat_id}".encode()).hexdigest()[:16]
        query = {
            "id": query_id,
            "from": user.to_dict(),
            "message": copy.deepcopy(current),
            "chat_instance": str(int(instance, 16)),
            "data": callback_data,
        }
        return self.push_update({"callback_query": query})

    def add_chat(self, chat: JsonDict) -> None:
        """Make a chat known without an update (e.g. a group the bot was added to)."""
        self._chats[int(chat["id"])] = copy.deepcopy(chat)

    @property
    def pending_updates(self) -> list[JsonDict]:
        """Updates not yet confirmed by the bot (via getUpdates offset)."""
        return copy.deepcopy(self._updates)

    # Recording (test side) -----------------------------------------------------------------
    def calls_to(self, method: str, chat_id: int | None = None) -> list[RecordedCall]:
        return [
            call
            for call in self.calls
            if call.method.lower() == method.lower()
            and (chat_id is None or call.chat_id == chat_id)
        ]

    def unexpected_errors(self) -> list[RecordedCall]:
        """Failed calls that no fault rule / block / conflict explains: bot bugs."""
        return [call for call in self.calls if call.status >= 400 and call.fault is None]

    def history(self, chat_id: int) -> list[JsonDict]:
        """Every live message of the chat (user's and bot's), current state, by message_id."""
        messages = self._messages.get(chat_id, {})
        return [copy.deepcopy(messages[mid]) for mid in sorted(messages)]

    def sent_messages(self, chat_id: int) -> list[JsonDict]:
        """Live messages the bot sent to the chat, current state (after edits)."""
        return [
            m for m in self.history(chat_id) if (chat_id, m["message_id"]) in self._bot_messages
        ]

    def last_message(self, chat_id: int) -> JsonDict:
        """The latest live bot message in the chat; AssertionError if there is none."""
        sent = self.sent_messages(chat_id)
        if not sent:
            msg = f"the bot has no messages in chat {chat_id}"
            raise AssertionError(msg)
        return sent[-1]

    def stored_file(self, file_id: str) -> tuple[bytes, str | None, str | None] | None:
        """A file's content, name and MIME type by file_id (the demo page downloads it)."""
        stored = self._files.get(file_id)
        if stored is None:
            return None
        return stored.content, stored.file_name, stored.mime_type

    def reply_keyboard(self, chat_id: int) -> JsonDict | None:
        """The reply keyboard currently shown in the chat (None if none / removed)."""
        return copy.deepcopy(self._reply_keyboards.get(chat_id))

    def commands(self, scope: JsonDict | None = None, language_code: str = "") -> list[JsonDict]:
        """Commands set by setMyCommands for a scope (default scope if None)."""
        return copy.deepcopy(self._commands.get(self._commands_key(scope, language_code), []))

    async def wait_for_call(
        self,
        method: str,
        predicate: _CallPredicate | None = None,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - the documented test-facing signature
        *,
        since: int = 0,
    ) -> RecordedCall:
        """Wait until ``count`` calls to ``method`` (matching ``predicate``, among
        ``calls[since:]``) have been answered; return the ``count``-th one.

        Event-driven (woken by each recorded call). AssertionError on timeout.
        """

        def matching() -> list[RecordedCall]:
            return [
                call
                for call in self.calls[since:]
                if call.method.lower() == method.lower() and (predicate is None or predicate(call))
            ]

        def ready() -> bool:
            return len(matching()) >= count

        if not ready():
            future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            entry = (ready, future)
            self._call_waiters.append(entry)
            try:
                await asyncio.wait_for(future, timeout)
            except TimeoutError:
                seen = [f"{c.method}:{c.status}" for c in self.calls[since:]]
                msg = (
                    f"timed out after {timeout}s waiting for {count} x {method}; "
                    f"{len(matching())} matched; calls since {since}: {seen}"
                )
                raise AssertionError(msg) from None
            finally:
                if entry in self._call_waiters:
                    self._call_waiters.remove(entry)
        return matching()[count - 1]

    @property
    def is_polled(self) -> bool:
        """True while a getUpdates long poll is waiting for updates."""
        return any(not future.done() for future in self._poll_waiters)

    async def wait_until_polled(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until the bot has a getUpdates long poll waiting (it is listening).

        getUpdates calls are recorded when answered, so wait_for_call cannot see a poll that
        is still pending; this can. AssertionError on timeout.
        """
        if self.is_polled:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._polling_waiters.append(future)
        try:
            await asyncio.wait_for(future, timeout)
        except TimeoutError:
            msg = f"no getUpdates long poll within {timeout}s"
            raise AssertionError(msg) from None
        finally:
            self._polling_waiters.remove(future)

    # Fault injection (test side) ---------------------------------------------------------
    def fail(
        self,
        method: str,
        status: int = 429,
        *,
        retry_after: int = 3,
        description: str | None = None,
        chat_id: int | None = None,
        times: int | None = 1,
        html_body: bool | None = None,
    ) -> None:
        """Answer the next ``times`` calls to ``method`` (``"*"``: any) with an error.

        429 carries ``parameters.retry_after``; 403 says the bot was blocked; 5xx answers
        JSON except 502/504 which answer nginx's HTML page (``html_body`` overrides).
        The call is not performed.
        """
        if description is None:
            description = {
                429: f"Too Many Requests: retry after {retry_after}",
                403: BLOCKED_DESCRIPTION,
                400: "Bad Request: injected failure",
                500: "Internal Server Error",
            }.get(status, HTTPStatus(status).phrase)
        self._faults.append(
            _FaultRule(
                kind="fail",
                method=method.lower(),
                chat_id=chat_id,
                remaining=times,
                status=status,
                description=description,
                retry_after=retry_after if status == HTTPStatus.TOO_MANY_REQUESTS else None,
                html_body=status in (502, 504) if html_body is None else html_body,
            )
        )

    def delay(
        self, method: str, seconds: float, *, chat_id: int | None = None, times: int | None = 1
    ) -> None:
        """Answer the next ``times`` calls to ``method`` only after ``seconds`` (real time).

        The call is still performed even if the client gave up waiting, like Telegram.
        """
        self._faults.append(
            _FaultRule(
                kind="delay",
                method=method.lower(),
                chat_id=chat_id,
                remaining=times,
                seconds=seconds,
            )
        )

    def drop_response(
        self, method: str, *, chat_id: int | None = None, times: int | None = 1
    ) -> None:
        """Perform and record the next ``times`` calls to ``method``, then close the
        connection without answering (the client sees a network error)."""
        self._faults.append(
            _FaultRule(kind="drop", method=method.lower(), chat_id=chat_id, remaining=times)
        )

    def clear_faults(self) -> None:
        self._faults.clear()

    def block_user(self, chat_id: int) -> None:
        """From now on every send/edit to this chat answers 403 (bot blocked)."""
        self._blocked.add(chat_id)

    def unblock_user(self, chat_id: int) -> None:
        self._blocked.discard(chat_id)

    # HTTP layer ---------------------------------------------------------------------------
    async def _handle_not_found(self, request: web.Request) -> web.StreamResponse:
        return self._error_response(_ApiError(HTTPStatus.NOT_FOUND, "Not Found"))

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        stored = self._file_paths.get(request.match_info["path"])
        if request.match_info["token"] != self.token or stored is None:
            return self._error_response(_ApiError(HTTPStatus.NOT_FOUND, "Not Found"))
        return web.Response(
            body=stored.content, content_type=stored.mime_type or "application/octet-stream"
        )

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        requested = request.match_info["method"]
        call = RecordedCall(method=requested, http_method=request.method)
        rule: _FaultRule | None = None
        response: web.StreamResponse
        try:
            if request.match_info["token"] != self.token:
                raise _ApiError(HTTPStatus.UNAUTHORIZED, "Unauthorized")
            canonical = self._method_names.get(requested.lower())
            if canonical is None:
                raise _ApiError(HTTPStatus.NOT_FOUND, "Not Found: method not found")
            call.method = canonical
            raw, call.files = await self._read_params(request)
            invalid = self._decode_params(call, raw)
            rule = self._take_fault(call)
            if rule is not None and rule.kind == "fail":
                call.fault = "fail"
                raise _ApiError(
                    rule.status,
                    rule.description,
                    {"retry_after": rule.retry_after} if rule.retry_after is not None else None,
                )
            if rule is not None and rule.kind == "delay":
                call.delayed = rule.seconds
                await self._sleep(rule.seconds)
            if invalid is not None:
                raise invalid
            self._check_delivery(call, canonical.lower())
            handler = self._handlers.get(canonical.lower(), self._generic)
            result = await handler(call, request)
            call.status = 200
            call.result = copy.deepcopy(result)
            response = web.json_response({"ok": True, "result": result})
        except _ApiError as error:
            call.status = error.status
            call.description = error.description
            if call.status == HTTPStatus.CONFLICT:
                call.fault = "conflict"
            if rule is not None and rule.kind == "fail" and rule.html_body:
                response = web.Response(
                    status=error.status, text=BAD_GATEWAY_HTML, content_type="text/html"
                )
            else:
                response = self._error_response(error)
        except Exception as exc:  # a bug of the fake itself: make it loud, not a hang
            crash = _ApiError(HTTPStatus.INTERNAL_SERVER_ERROR, f"fake server error: {exc!r}")
            call.status = crash.status
            call.description = crash.description
            response = self._error_response(crash)
        if rule is not None and rule.kind == "drop":
            call.dropped = True
        self._record(call)
        if call.dropped and request.transport is not None:
            # The work is done and recorded; the answer never reaches the client.
            request.transport.close()
        return response

    def _check_delivery(self, call: RecordedCall, method: str) -> None:
        """403 for a chat that blocked the bot; 429 beyond Telegram's limits, if enforced."""
        if call.chat_id in self._blocked and method.startswith(_SEND_PREFIXES):
            call.fault = "blocked"
            raise _ApiError(HTTPStatus.FORBIDDEN, BLOCKED_DESCRIPTION)
        if self.enforce_limits and method.startswith(_NEW_MESSAGE_PREFIXES):
            self._count_against_limits(call)

    def _count_against_limits(self, call: RecordedCall) -> None:
        """Count a new message, or refuse it with 429 if it breaks Telegram's limits."""
        now = time.monotonic() * self.limit_scale
        while self._sent_at and self._sent_at[0] <= now - 1.0:
            self._sent_at.popleft()
        chat = self._chat_sent_at.setdefault(call.chat_id or 0, collections.deque())
        group = (call.chat_id or 0) < 0
        window = 60.0 if group else _LIMIT_PRIVATE_INTERVAL
        while chat and chat[0] <= now - window:
            chat.popleft()
        if (
            len(self._sent_at) >= _LIMIT_OVERALL_PER_SECOND
            or (group and len(chat) >= _LIMIT_GROUP_PER_MINUTE)
            or (not group and chat)
        ):
            self.limit_refusals += 1
            call.fault = "limit"
            raise _ApiError(
                HTTPStatus.TOO_MANY_REQUESTS,
                "Too Many Requests: retry after 1",
                {"retry_after": 1},
            )
        self._sent_at.append(now)
        chat.append(now)

    @staticmethod
    def _error_response(error: _ApiError) -> web.Response:
        body: JsonDict = {
            "ok": False,
            "error_code": error.status,
            "description": error.description,
        }
        if error.parameters:
            body["parameters"] = error.parameters
        return web.json_response(body, status=error.status)

    async def _read_params(
        self, request: web.Request
    ) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
        raw: dict[str, Any] = dict(request.query)
        files: dict[str, UploadedFile] = {}
        if request.content_type == "application/json" and request.can_read_body:
            try:
                body = await request.json()
            except ValueError:
                raise _bad_request("can't parse JSON encoded request body") from None
            if not isinstance(body, dict):
                raise _bad_request("request body must be a JSON object")
            raw.update(body)
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    files[key] = UploadedFile(
                        key, value.filename, value.content_type, value.file.read()
                    )
                else:
                    raw[key] = value
        return raw, files

    def _decode_params(self, call: RecordedCall, raw: dict[str, Any]) -> _ApiError | None:
        """Fill ``call.params`` (decoded) and return the validation error, if any."""
        specs: dict[str, JsonDict] = self._schema["methods"][call.method]["params"]
        error: _ApiError | None = None
        for name, value in raw.items():
            spec = specs.get(name)
            if spec is None:
                call.unknown_params.append(name)
                call.params[name] = _loads_lenient(value)
                continue
            try:
                call.params[name] = self._validator.decode(name, value, spec, call.files)
            except _ApiError as exc:
                call.params[name] = value
                error = error or exc
        for name, file in call.files.items():
            if name not in raw and name not in specs:
                call.params.setdefault(name, file)
        call.chat_id = self._resolve_chat(call.params.get("chat_id"))
        query = self._callback_queries.get(str(call.params.get("callback_query_id")))
        if query is not None:
            call.chat_id = query.chat_id
        if error is not None:
            return error
        try:
            self._validate(call, specs)
        except _ApiError as exc:
            return exc
        return None

    def _validate(self, call: RecordedCall, specs: dict[str, JsonDict]) -> None:
        for name, spec in specs.items():
            if spec["required"] and name not in call.params:
                raise _missing(name)
        for name, value in call.params.items():
            spec_or_none = specs.get(name)
            if spec_or_none is None:
                continue
            if isinstance(value, _AttachRef):
                raise _bad_request(f"file {value} is not attached to the request")
            self._validator.check(
                value, spec_or_none["types"], name, call.method, call.unknown_params
            )
            self._validator.check_limits(value, spec_or_none, name, call.method, name)
        _check_reply_markup(call.params.get("reply_markup"))
        for name in ("chat_id", "from_chat_id"):
            if name in call.params and self._resolve_chat(call.params[name]) is None:
                raise _bad_request("chat not found")

    def _take_fault(self, call: RecordedCall) -> _FaultRule | None:
        for rule in self._faults:
            if rule.matches(call.method, call.chat_id):
                if rule.remaining is not None:
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        self._faults.remove(rule)
                return rule
        return None

    async def _sleep(self, seconds: float) -> None:
        assert self._stop_event is not None
        try:
            await asyncio.wait_for(self._stop_event.wait(), seconds)
        except TimeoutError:
            return

    def _record(self, call: RecordedCall) -> None:
        call.index = len(self.calls)
        self.calls.append(call)
        for ready, future in list(self._call_waiters):
            if not future.done() and ready():
                future.set_result(None)

    # State helpers --------------------------------------------------------------------------
    def _now(self) -> int:
        return int(self._clock())

    def _resolve_chat(self, value: Any) -> int | None:
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return value if value in self._chats else None
        if isinstance(value, str) and value.startswith("@"):
            for chat_id, chat in self._chats.items():
                if str(chat.get("username", "")).lower() == value[1:].lower():
                    return chat_id
        return None

    def _learn_from_update(self, update: JsonDict) -> None:
        def walk(node: Any) -> None:
            if isinstance(node, dict):
                chat = node.get("chat")
                if isinstance(chat, dict) and "id" in chat and "type" in chat:
                    self._chats.setdefault(int(chat["id"]), copy.deepcopy(chat))
                for child in node.values():
                    walk(child)
            elif isinstance(node, list):
                for child in node:
                    walk(child)

        walk(update)
        for key in _MESSAGE_UPDATES:
            message = update.get(key)
            if isinstance(message, dict) and "message_id" in message and "chat" in message:
                chat_id = int(message["chat"]["id"])
                message_id = int(message["message_id"])
                self._messages.setdefault(chat_id, {})[message_id] = copy.deepcopy(message)
                self._next_message_id[chat_id] = max(
                    self._next_message_id.get(chat_id, 1), message_id + 1
                )

    def _alloc_message_id(self, chat_id: int) -> int:
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        return message_id

    def _user_message(self, user: FakeUser, chat: JsonDict | None) -> JsonDict:
        chat = copy.deepcopy(chat) if chat is not None else user.private_chat()
        self._chats.setdefault(int(chat["id"]), copy.deepcopy(chat))
        return {
            "message_id": self._alloc_message_id(int(chat["id"])),
            "from": user.to_dict(),
            "chat": chat,
            "date": self._now(),
        }

    def _find_message(self, chat_id: int | None, message_id: Any) -> JsonDict | None:
        if chat_id is None or not isinstance(message_id, int):
            return None
        return self._messages.get(chat_id, {}).get(message_id)

    def _new_bot_message(self, call: RecordedCall, content: JsonDict) -> JsonDict:
        chat_id = call.chat_id
        assert chat_id is not None
        params = call.params
        message: JsonDict = {
            "message_id": self._alloc_message_id(chat_id),
            "from": copy.deepcopy(self.bot_user),
            "chat": copy.deepcopy(self._chats[chat_id]),
            "date": self._now(),
        }
        if isinstance(params.get("message_thread_id"), int):
            message["message_thread_id"] = params["message_thread_id"]
        reply = params.get("reply_parameters")
        if isinstance(reply, dict):
            target_chat = self._resolve_chat(reply.get("chat_id", chat_id))
            target = self._find_message(target_chat, reply.get("message_id"))
            if target is not None:
                target = copy.deepcopy(target)
                target.pop("reply_to_message", None)
                message["reply_to_message"] = target
            elif not reply.get("allow_sending_without_reply"):
                raise _bad_request("message to be replied not found")
        message.update(content)
        markup = params.get("reply_markup")
        if isinstance(markup, dict):
            if markup.get("inline_keyboard"):
                message["reply_markup"] = copy.deepcopy(markup)
            elif "keyboard" in markup:
                self._reply_keyboards[chat_id] = copy.deepcopy(markup)
            elif markup.get("remove_keyboard"):
                self._reply_keyboards[chat_id] = None
        self._messages.setdefault(chat_id, {})[message["message_id"]] = message
        self._bot_messages.add((chat_id, message["message_id"]))
        return copy.deepcopy(message)

    def _store_file(
        self, content: bytes, folder: str, file_name: str | None, mime_type: str | None
    ) -> _StoredFile:
        serial = next(self._ids)
        digest = hashlib.sha1(content).hexdigest()[:12]
        suffix = Path(file_name).suffix if file_name else ""
        stored = _StoredFile(
            file_id=f"BQACAgIAAxkB{serial:06d}{digest}",
            file_unique_id=f"AgAD{digest[:8]}",
            content=content,
            file_path=f"{folder}/file_{serial}{suffix}",
            file_name=file_name,
            mime_type=mime_type,
        )
        self._files[stored.file_id] = stored
        self._file_paths[stored.file_path] = stored
        return stored

    @staticmethod
    def _document_dict(stored: _StoredFile) -> JsonDict:
        document: JsonDict = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
        }
        if stored.file_name is not None:
            document["file_name"] = stored.file_name
        if stored.mime_type is not None:
            document["mime_type"] = stored.mime_type
        return document

    def _input_file(self, call: RecordedCall, name: str, folder: str) -> _StoredFile:
        value = call.params[name]
        if isinstance(value, UploadedFile):
            return self._store_file(value.content, folder, value.filename, value.content_type)
        assert isinstance(value, str)
        if value in self._files:
            stored = self._files[value]
            kind = stored.file_path.split("/", 1)[0]
            if {kind, folder} == set(_FILE_KINDS):
                raise _bad_request(
                    f"can't use file of type {_FILE_KINDS[kind]} as {_FILE_KINDS[folder]}"
                )
            return stored
        if re.match(r"^https?://", value):
            return self._store_file(b"", folder, value.rsplit("/", 1)[-1] or None, None)
        raise _bad_request("wrong file identifier/HTTP URL specified")

    def _caption(self, call: RecordedCall, content: JsonDict) -> None:
        caption = call.params.get("caption")
        if caption is None:
            return
        plain, entities = format_text(
            caption, call.params.get("parse_mode"), call.params.get("caption_entities")
        )
        if utf16_len(plain) > 1024:
            raise _bad_request("message caption is too long")
        if plain:
            content["caption"] = plain
        if entities:
            content["caption_entities"] = entities

    def _message_text(self, call: RecordedCall) -> tuple[str, list[JsonDict]]:
        if "text" not in call.params:
            raise _bad_request("message text is empty")
        plain, entities = format_text(
            call.params["text"], call.params.get("parse_mode"), call.params.get("entities")
        )
        if not plain:
            raise _bad_request("message text is empty")
        if utf16_len(plain) > 4096:
            raise _bad_request("message is too long")
        return plain, entities

    def _wake_pollers(self, reason: str) -> None:
        for future in list(self._poll_waiters):
            if not future.done():
                future.set_result(reason)

    @staticmethod
    def _commands_key(scope: Any, language_code: Any) -> str:
        scope = scope if isinstance(scope, dict) else {"type": "default"}
        return json.dumps([scope, language_code or ""], sort_keys=True)

    def _editable(self, call: RecordedCall) -> JsonDict:
        if "message_id" not in call.params:
            raise _bad_request("message identifier is not specified")
        if "chat_id" not in call.params:
            raise _bad_request("chat_id is empty")
        message = self._find_message(call.chat_id, call.params["message_id"])
        if message is None:
            raise _bad_request("message to edit not found")
        assert call.chat_id is not None
        if (call.chat_id, message["message_id"]) not in self._bot_messages:
            raise _bad_request("message can't be edited")
        return message

    @staticmethod
    def _new_markup(call: RecordedCall) -> JsonDict | None:
        markup = call.params.get("reply_markup")
        if isinstance(markup, dict) and markup.get("inline_keyboard"):
            return copy.deepcopy(markup)
        return None  # Telegram drops the inline keyboard when an edit does not resend it

    def _apply_edit(
        self, message: JsonDict, changes: JsonDict, markup: JsonDict | None
    ) -> JsonDict:
        before = {key: message.get(key) for key in changes}
        if before == changes and message.get("reply_markup") == markup:
            raise _ApiError(HTTPStatus.BAD_REQUEST, NOT_MODIFIED_DESCRIPTION)
        for key, value in changes.items():
            if value:
                message[key] = value
            else:
                message.pop(key, None)
        if markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = markup
        message["edit_date"] = self._now()
        return copy.deepcopy(message)

    # Method implementations --------------------------------------------------------------
    async def _true(self, call: RecordedCall, request: web.BaseRequest) -> Any:
        return True

    async def _generic(self, call: RecordedCall, request: web.BaseRequest) -> Any:
        returns: list[str] = self._schema["methods"][call.method]["returns"]
        if returns and returns[0].startswith("Array of"):
            return []
        if returns == ["Message"] and call.method.startswith("send") and call.chat_id is not None:
            return self._new_bot_message(call, {})
        if returns == ["MessageId"] and call.chat_id is not None:
            return {"message_id": self._alloc_message_id(call.chat_id)}
        return True

    async def _get_me(self, call: RecordedCall, request: web.BaseRequest) -> Any:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, call: RecordedCall, request: web.BaseRequest) -> Any:
        if self._webhook_url:
            raise _ApiError(
                HTTPStatus.CONFLICT,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        # A newer getUpdates terminates the older ones, like Telegram.
        for older, other in list(self._poll_waiters.items()):
            if not older.done():
                older.set_result("gone" if _client_gone(other) else "conflict")
        offset = call.params.get("offset")
        limit = min(max(int(call.params.get("limit", 100)), 1), 100)
        timeout = max(float(call.params.get("timeout", 0)), 0.0)
        if "allowed_updates" in call.params:
            self._allowed_updates = list(call.params["allowed_updates"])
        if isinstance(offset, int):
            if offset < 0:
                del self._updates[: max(len(self._updates) + offset, 0)]
            else:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if self.stopping or _client_gone(request):
                return []
            ready = self._ready_updates(limit)
            remaining = deadline - loop.time()
            if ready or remaining <= 0:
                return ready
            future: asyncio.Future[str] = loop.create_future()
            self._poll_waiters[future] = request
            for waiter in self._polling_waiters:
                if not waiter.done():
                    waiter.set_result(None)
            try:
                done, _pending = await asyncio.wait({future}, timeout=remaining)
            finally:
                self._poll_waiters.pop(future, None)
            if not done:
                future.cancel()
                return []
            reason = future.result()
            if reason == "conflict":
                raise _ApiError(HTTPStatus.CONFLICT, CONFLICT_DESCRIPTION)
            if reason in ("stop", "gone"):
                return []

    def _ready_updates(self, limit: int) -> list[JsonDict]:
        allowed = self._allowed_updates
        kept: list[JsonDict] = []
        for update in self._updates:
            kind = next((k for k in update if k != "update_id"), "")
            if kind in allowed if allowed else kind not in _OPT_IN_UPDATES:
                kept.append(update)
            else:
                self.filtered_updates.append(update)
        self._updates = kept
        return copy.deepcopy(kept[:limit])

    async def _delete_webhook(self, call: RecordedCall, request: web.BaseRequest) -> Any:
        self._webhook_url = ""
        if call.params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _set_webhook(self, call: RecordedCall, request: web.BaseRequest) -> Any:
        self._webhook_url = str(call.params["url"])
        if call.params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _get_webhook_info(self, call: RecordedCall, request: web.BaseRequest) -> Any:
        return {
            "url": self._webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    async def _set_my_commands(self, call: RecordedCall, request: web.BaseRequest) -> Any:
        commands: list[JsonDict] = call.params["commands"]
        if len(commands) > 100:
            raise _bad_request("too many commands")
        for command in commands:
            if not _BOT_COMMAND_RE.match(command["command"]):
                raise _bad_request("BOT_COMMAND_INVALID")
        key = self._commands_key(call.params.get("scope"), call.params.get("language_code"))
        self._commands[key] = copy.deepcopy(commands)
        return True

    async def _delete_my_commands(self, call: RecordedCall, request: web.BaseRequest) -> Any:
        key = self._commands_key(call.params.get("scope"), call.params.get("language_code"))
        self._commands.pop(key, None)
        return True

    async def _get_my_commands(self, call: RecordedCall, request: web.BaseRequest) -> Any:
        key = self._commands_key(call.params.get("scope"), call.params.get("language_code"))
        return copy.deepcopy(self._commands.get(key, []))

    async def _send_message(self, call: RecordedCall, request: web.BaseRequest) -> Any:
        plain, entities = self._message_text(call)
        content: JsonDict = {"text": plain}
        if entities:
            content["entities"] = entities
        return self._new_bot_message(call, content)

    async def _edit_message_text(self, call: RecordedCall, request: web.BaseRequest) -> Any:
        plain, entities = self._message_text(call)
        if "inline_message_id" in call.params:
            return True
        message = self._editable(call)
        if "text" not in message:
            raise _bad_request("there is no text in the message to edit")
        return self._apply_edit(
            message, {"text": plain, "entities": entities or None}, self._new_markup(call)
        )

    async def _edit_message_caption(self, call: RecordedCall, request: web.BaseRequest) -> Any:
        content: JsonDict = {}
        self._caption(call, content)
        if "inline_message_id" in call.params:
            return True
        message = self._editable(call)
        if "text" in message:
            raise _bad_request("there is no caption in the message to edit")
        changes = {
            "caption": content.get("caption"),
            "caption_entities": content.get("caption_entities"),
        }
        return self._apply_edit(message, changes, self._new_markup(call))

    async def _edit_message_reply_markup(
        self, call: RecordedCall, request: web.BaseRequest
    ) -> Any:
        if "inline_message_id" in call.params:
            return True
        message = self._editable(call)
        return self._apply_edit(message, {}, self._new_markup(call))

    async def _delete_message(self, call: RecordedCall, request: web.BaseRequest) -> Any:
        message = self._find_message(call.chat_id, call.params["message_id"])
        if message is None or call.chat_id is None:
            raise _bad_request("message to delete not found")
        del self._messages[call.chat_id][message["message_id"]]
        self._bot_messages.discard((call.chat_id, message["message_id"]))
        return True

    async def _answer_callback_query(self, call: RecordedCall, request: web.BaseRequest) -> Any:
        query = self._callback_queries.get(call.params["callback_query_id"])
        if query is None or query.answered:
            raise _bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        query.answered = True
        return True

    async def _send_document(self, call: RecordedCall, request: web.BaseRequest) -> Any:
        content: JsonDict = {}
        self._caption(call, content)
        stored = self._input_file(call, "document", "documents")
        content["document"] = self._document_dict(stored)
        return self._new_bot_message(call, content)

    async def _send_photo(self, call: RecordedCall, request: web.BaseRequest) -> Any:
        content: JsonDict = {}
        self._caption(call, content)
        stored = self._input_file(call, "photo", "photos")
        content["photo"] = self._photo_sizes(stored)
        return self._new_bot_message(call, content)

    def _photo_sizes(self, stored: _StoredFile) -> list[JsonDict]:
        sizes: list[JsonDict] = [
            {
                "file_id": f"{stored.file_id}{suffix}" if suffix else stored.file_id,
                "file_unique_id": f"{stored.file_unique_id}{suffix}",
                "file_size": len(stored.content),
                "width": width,
                "height": height,
            }
            for suffix, width, height in (("_s", 90, 67), ("_m", 320, 240), ("", 800, 600))
        ]
        for size in sizes[:2]:
            self._files.setdefault(size["file_id"], stored)
        return sizes

    async def _send_chat_action(self, call: RecordedCall, request: web.BaseRequest) -> Any:
        if call.params["action"] not in _CHAT_ACTIONS:
            raise _bad_request("wrong parameter action in request")
        return True

    async def _get_file(self, call: RecordedCall, request: web.BaseRequest) -> Any:
        stored = self._files.get(call.params["file_id"])
        if stored is None:
            raise _bad_request("invalid file_id")
        if len(stored.content) > DOWNLOAD_LIMIT:
            raise _bad_request("file is too big")
        return {
            "file_id": call.params["file_id"],
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }

    async def _get_chat(self, call: RecordedCall, request: web.BaseRequest) -> Any:
        assert call.chat_id is not None
        return {
            **copy.deepcopy(self._chats[call.chat_id]),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def _source_message(self, call: RecordedCall, error: str) -> JsonDict:
        source_chat = self._resolve_chat(call.params["from_chat_id"])
        source = self._find_message(source_chat, call.params["message_id"])
        if source is None:
            raise _bad_request(error)
        return source

    _COPYABLE = ("text", "entities", "document", "photo", "caption", "caption_entities")

    async def _forward_message(self, call: RecordedCall, request: web.BaseRequest) -> Any:
        source = self._source_message(call, "message to forward not found")
        content = {k: copy.deepcopy(source[k]) for k in self._COPYABLE if k in source}
        sender = source.get("from")
        content["forward_origin"] = (
            {"type": "user", "sender_user": copy.deepcopy(sender), "date": source["date"]}
            if sender is not None
            else {
                "type": "chat",
                "sender_chat": copy.deepcopy(source["chat"]),
                "date": source["date"],
            }
        )
        return self._new_bot_message(call, content)

    async def _copy_message(self, call: RecordedCall, request: web.BaseRequest) -> Any:
        source = self._source_message(call, "message to copy not found")
        content = {k: copy.deepcopy(source[k]) for k in self._COPYABLE if k in source}
        if "caption" in call.params:
            content.pop("caption", None)
            content.pop("caption_entities", None)
            self._caption(call, content)
        message = self._new_bot_message(call, content)
        return {"message_id": message["message_id"]}

    async def _create_forum_topic(self, call: RecordedCall, request: web.BaseRequest) -> Any:
        assert call.chat_id is not None
        name = call.params["name"]
        if not 1 <= utf16_len(name) <= 128:
            raise _bad_request("TOPIC_TITLE_EMPTY" if not name else "TOPIC_TITLE_TOO_LONG")
        thread_id = self._alloc_message_id(call.chat_id)
        topic: JsonDict = {
            "message_thread_id": thread_id,
            "name": name,
            "icon_color": int(call.params.get("icon_color", 7322096)),
        }
        if "icon_custom_emoji_id" in call.params:
            topic["icon_custom_emoji_id"] = call.params["icon_custom_emoji_id"]
        self._topics[(call.chat_id, thread_id)] = {**topic, "closed": False}
        return topic

    async def _close_forum_topic(self, call: RecordedCall, request: web.BaseRequest) -> Any:
        assert call.chat_id is not None
        topic = self._topics.get((call.chat_id, call.params["message_thread_id"]))
        if topic is None:
            raise _bad_request("TOPIC_ID_INVALID")
        if topic["closed"]:
            raise _bad_request("TOPIC_NOT_MODIFIED")
        topic["closed"] = True
        return True

    async def _set_message_reaction(self, call: RecordedCall, request: web.BaseRequest) -> Any:
        message = self._find_message(call.chat_id, call.params["message_id"])
        if message is None or call.chat_id is None:
            raise _bad_request("message to react not found")
        reactions = call.params.get("reaction", [])
        self._reactions[(call.chat_id, message["message_id"])] = copy.deepcopy(reactions)
        return True


def _missing(name: str) -> _ApiError:
    special = {
        "text": "message text is empty",
        "message_id": "message identifier is not specified",
    }
    return _bad_request(special.get(name, f"{name} is empty"))


def _client_gone(request: web.BaseRequest) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


def _loads_lenient(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
