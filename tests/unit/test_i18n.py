"""Catalogs: both compile, every string in the code is translated, plurals and dates are right."""

import ast
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from bot.i18n import LOCALES_DIR, SUPPORTED_LOCALES, compile_catalog, create_i18n, format_day

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "ngettext": (1, 2)}
PLACEHOLDER_RE = re.compile(r"\{(\w*)\}")
SEND_METHODS = {"answer", "edit_text", "send_message", "reply"}


def code_messages() -> set[str | tuple[str, str]]:
    found: set[str | tuple[str, str]] = set()
    for folder in ("bot", "handlers"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            found.add(message if isinstance(message, str) else (message[0], message[1]))
    return found


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_catalog_compiles(locale: str) -> None:
    translations = compile_catalog(LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po", locale)

    assert translations.gettext("✅ Done")


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_string_in_the_code_is_in_the_catalog(locale: str) -> None:
    i18n = create_i18n("ru")
    catalog = i18n.locales[locale]
    messages = code_messages()
    assert len(messages) > 50

    untranslated = []
    for message in messages:
        if isinstance(message, tuple):
            translated = catalog.ngettext(message[0], message[1], 5)
            source = message[1]
        else:
            translated = catalog.gettext(message)
            source = message
        # gettext answers with the msgid itself when the catalog lacks it.
        if locale == "ru" and translated == source:
            untranslated.append(message)
        if set(PLACEHOLDER_RE.findall(translated)) != set(PLACEHOLDER_RE.findall(source)):
            untranslated.append(message)
    assert untranslated == []


def test_english_catalog_lists_every_message() -> None:
    po = (LOCALES_DIR / "en" / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    for message in code_messages():
        msgid = message[0] if isinstance(message, tuple) else message
        first_line = msgid.split("\n")[0]
        assert first_line.replace('"', '\\"')[:40] in po, msgid


@pytest.mark.parametrize(
    ("n", "russian"),
    [(1, "1 день"), (3, "3 дня"), (5, "5 дней"), (11, "11 дней"), (21, "21 день"), (22, "22 дня")],
)
def test_russian_plural_forms(n: int, russian: str) -> None:
    i18n = create_i18n("ru")

    assert i18n.gettext("{n} day", "{n} days", n, locale="ru").format(n=n) == russian
    assert i18n.gettext("{n} day", "{n} days", n, locale="en").format(n=n) == (
        f"{n} day" if n == 1 else f"{n} days"
    )


def test_dates_in_the_users_locale() -> None:
    from datetime import date

    assert (
        format_day(date(2023, 10, 15), "ru") == "15 октября 2023\u202fг."
    )  # narrow no-break space, as CLDR writes it
    assert format_day(date(2023, 10, 15), "en") == "October 15, 2023"


def test_handlers_send_no_literal_text() -> None:
    """A user-facing string must pass through _(): a bare literal would skip the catalogs."""
    offenders = []
    for path in (ROOT / "handlers").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in SEND_METHODS
                and node.args
                and isinstance(node.args[0], ast.Constant | ast.JoinedStr)
            ):
                offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []
