"""Telegram's length limits on what the bot writes, measured as Telegram measures them.

A message may hold 4096 characters and a caption 1024, counted in UTF-16 code units (an emoji
outside the BMP is two) after the entities are parsed: HTML tags do not count, `&amp;` is one
character (https://core.telegram.org/bots/api#sendmessage, #formatting-options). Texts over the
limit are split at line boundaries, with the tags open at a cut closed and opened again, or
shortened with «…». Pure functions: no aiogram here.
"""

import re
from dataclasses import dataclass
from html import unescape

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
ELLIPSIS = "…"

_TOKEN = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)(?:\s[^<>]*)?>|&(?:#\d+|#[xX][0-9a-fA-F]+|\w+);")


def utf16_length(text: str) -> int:
    return sum(2 if ord(char) > 0xFFFF else 1 for char in text)


@dataclass(frozen=True, slots=True)
class _Atom:
    raw: str
    """As written in the source text."""
    width: int
    """UTF-16 units it shows as (0 for a tag)."""
    tag: str | None = None
    closing: bool = False


def _atoms(text: str, *, html: bool) -> list[_Atom]:
    if not html:
        return [_Atom(char, utf16_length(char)) for char in text]
    atoms: list[_Atom] = []
    position = 0
    for found in _TOKEN.finditer(text):
        atoms.extend(_Atom(char, utf16_length(char)) for char in text[position : found.start()])
        raw = found.group(0)
        if found.group(2) is not None:
            atoms.append(_Atom(raw, 0, found.group(2).lower(), bool(found.group(1))))
        else:
            atoms.append(_Atom(raw, utf16_length(unescape(raw))))
        position = found.end()
    atoms.extend(_Atom(char, utf16_length(char)) for char in text[position:])
    return atoms


def plain_text(text: str, *, html: bool = True) -> str:
    """What Telegram shows of `text`: tags gone, entities decoded, stripped."""
    return "".join(unescape(a.raw) if a.width else "" for a in _atoms(text, html=html)).strip()


def visible_length(text: str, *, html: bool = True) -> int:
    """What Telegram counts against the limit: the text after entity parsing, stripped."""
    return utf16_length(plain_text(text, html=html))


def _open_after(stack: list[_Atom], atom: _Atom) -> None:
    if atom.tag is None:
        return
    if not atom.closing:
        stack.append(atom)
        return
    for index in range(len(stack) - 1, -1, -1):
        if stack[index].tag == atom.tag:
            del stack[index]
            return


def _closing(stack: list[_Atom]) -> str:
    return "".join(f"</{atom.tag}>" for atom in reversed(stack))


def _cut_at(atoms: list[_Atom], start: int, end: int) -> int:
    """Where to end a part that may run to `end`: after the last line break, else after the
    last space, else at `end`."""
    for wanted in ("\n", " "):
        for index in range(end - 1, start, -1):
            if atoms[index].raw == wanted:
                return index + 1
    return end


def split_text(text: str, limit: int = MESSAGE_LIMIT, *, html: bool = True) -> list[str]:
    """`text` as parts of at most `limit` visible UTF-16 units each, cut at line boundaries
    (at a space or anywhere only when one line is longer than the limit), each part valid
    HTML on its own. A text within the limit is returned as it is."""
    if limit < 1:
        raise ValueError("the limit must be positive")
    if visible_length(text, html=html) <= limit:
        return [text]
    atoms = _atoms(text, html=html)
    parts: list[str] = []
    stack: list[_Atom] = []
    start = 0
    while start < len(atoms):
        opened = list(stack)
        width = 0
        end = start
        while end < len(atoms) and width + atoms[end].width <= limit:
            width += atoms[end].width
            end += 1
        if end == start:
            end += 1  # one character wider than the limit itself: it goes alone
        elif end < len(atoms):
            end = _cut_at(atoms, start, end)
        for atom in atoms[start:end]:
            _open_after(stack, atom)
        body = "".join(atom.raw for atom in opened) + "".join(a.raw for a in atoms[start:end])
        part = body + _closing(stack)
        if visible_length(part, html=html):
            parts.append(part)
        start = end
    return parts


def shorten_text(text: str, limit: int, *, html: bool = True) -> str:
    """`text` cut to `limit` visible units, ending with «…» when something was cut."""
    if visible_length(text, html=html) <= limit:
        return text
    head = split_text(text, limit - utf16_length(ELLIPSIS), html=html)[0]
    atoms = _atoms(head, html=html)
    closers = len(atoms)
    while closers > 0 and atoms[closers - 1].closing:
        closers -= 1
    return (
        "".join(a.raw for a in atoms[:closers]).rstrip()
        + ELLIPSIS
        + "".join(a.raw for a in atoms[closers:])
    )
