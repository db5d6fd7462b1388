"""The neutral message rendered for MAX: its HTML ``format`` and an ``inline_keyboard``.

The neutral markup is the port's HTML subset (``bot.transport.port.ALLOWED_TAGS``). MAX strips
tags it does not know but keeps their text, so any other tag (a Telegram-only tg-spoiler, a
span) is unwrapped here and attributes other than ``href`` dropped: what the user sees does
not depend on MAX's stripping. The limits are schema.yaml's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from bot.delivery.text import shorten_text
from bot.transport.port import Button

__all__ = [
    "BUTTONS_PER_ROW",
    "BUTTON_TEXT_LIMIT",
    "PAYLOAD_LIMIT",
    "TEXT_LIMIT",
    "fit_text",
    "keyboard",
    "message_body",
    "to_max_html",
]

TEXT_LIMIT = 4000
"""NewMessageBody.text maxLength: characters of the text as sent, tags included."""
PAYLOAD_LIMIT = 1024
"""CallbackButton.payload maxLength, in characters."""
BUTTON_TEXT_LIMIT = 128
BUTTONS_PER_ROW = 7
"""schema.yaml sets no width; seven keeps a row readable on a phone, as Telegram's 8 does."""

_MAX_TAGS = frozenset(
    {"b", "strong", "i", "em", "u", "ins", "s", "del", "a", "code", "pre", "blockquote"}
)
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s[^<>]*)?)>")
_HREF = re.compile(r"""\bhref\s*=\s*("[^"]*"|'[^']*')""")


def to_max_html(text: str) -> str:
    """The neutral HTML with only the tags MAX renders; other tags unwrapped, text kept."""

    def tag(found: re.Match[str]) -> str:
        closing, name, attributes = found.group(1), found.group(2).lower(), found.group(3)
        if name not in _MAX_TAGS:
            return ""
        if closing:
            return f"</{name}>"
        if name == "a":
            href = _HREF.search(attributes)
            return f"<a href={href.group(1)}>" if href else "<a>"
        return f"<{name}>"

    return _TAG.sub(tag, text)


def fit_text(text: str, limit: int = TEXT_LIMIT) -> str:
    """``text`` cut (with «…», tags kept balanced) until the whole string fits ``limit``."""
    budget = limit
    fitted = text
    while len(fitted) > limit and budget > 1:
        budget -= len(fitted) - limit
        fitted = shorten_text(text, max(budget, 1))
    return fitted


def keyboard(rows: Sequence[Sequence[Button]]) -> dict[str, Any] | None:
    """An ``inline_keyboard`` attachment; ValueError for what MAX would refuse."""
    out: list[list[dict[str, str]]] = []
    for row in rows:
        if not row:
            continue
        if len(row) > BUTTONS_PER_ROW:
            raise ValueError(f"a row of {len(row)} buttons; MAX rows take {BUTTONS_PER_ROW}")
        buttons = []
        for button in row:
            label = button.label[:BUTTON_TEXT_LIMIT] or "·"
            if button.url is not None:
                buttons.append({"type": "link", "text": label, "url": button.url})
            elif button.action is not None:
                if len(button.action) > PAYLOAD_LIMIT:
                    raise ValueError(f"callback payload of {len(button.action)} characters")
                buttons.append({"type": "callback", "text": label, "payload": button.action})
            else:
                raise ValueError(f"button {button.label!r} has neither action nor url")
        out.append(buttons)
    if not out:
        return None
    return {"type": "inline_keyboard", "payload": {"buttons": out}}


def message_body(
    text: str, rows: Sequence[Sequence[Button]] = (), *, replace_keyboard: bool = False
) -> dict[str, Any]:
    """A NewMessageBody. ``replace_keyboard`` (edits): no rows means remove the keyboard,
    since MAX keeps the old attachments when ``attachments`` is absent."""
    body: dict[str, Any] = {"text": fit_text(to_max_html(text)), "format": "html"}
    attachment = keyboard(rows)
    if attachment is not None:
        body["attachments"] = [attachment]
    elif replace_keyboard:
        body["attachments"] = []
    return body
