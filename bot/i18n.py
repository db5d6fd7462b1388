"""Translations from the gettext catalogs shipped as package data, and locale-aware formatting.

The `.po` files are the source of truth and are compiled in memory at start-up, so a deployment
never runs with stale `.mo` files and there is no build step to forget.
"""

import gettext
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as gettext_
from babel.dates import format_date, format_interval
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.resources import data_dir

# Package data, not a path beside the source tree: an installed bot runs from any folder.
LOCALES_DIR = data_dir() / "locales"
DOMAIN = "messages"
SUPPORTED_LOCALES = ("ru", "en")


class CatalogError(RuntimeError):
    pass


def compile_catalog(po_path: Path, locale: str) -> gettext.GNUTranslations:
    with po_path.open("rb") as source:
        catalog = read_po(source, locale=locale, domain=DOMAIN)
    problems = [
        f"{po_path}:{message.lineno}: {error}"
        for message, errors in catalog.check()
        for error in errors
    ]
    if problems:
        raise CatalogError("; ".join(problems))
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


class CatalogI18n(I18n):
    """aiogram's I18n reading `.po` catalogs directly."""

    @contextmanager
    def context(self) -> Iterator[I18n]:
        # aiogram's `gettext` looks the instance up on I18n itself, and every subclass of its
        # ContextInstanceMixin gets a context variable of its own: register on the base.
        token = I18n.set_current(self)
        try:
            yield self
        finally:
            I18n.reset_current(token)

    def find_locales(self) -> dict[str, gettext.GNUTranslations]:
        return {
            locale: compile_catalog(self.path / locale / "LC_MESSAGES" / f"{DOMAIN}.po", locale)
            for locale in SUPPORTED_LOCALES
        }


def create_i18n(default_locale: str, path: Path = LOCALES_DIR) -> CatalogI18n:
    return CatalogI18n(path=path, default_locale=default_locale, domain=DOMAIN)


def format_day(day: date, locale: str) -> str:
    """«15 октября 2023 г.» / «October 15, 2023»."""
    return format_date(day, format="long", locale=locale)


_DIGITS_DASH = re.compile(r"(?<=\d)—(?=\d)")


def format_week(iso_week: str, locale: str) -> str:
    """«2024-W11» as its days: «11–17 марта» / «March 11 – 17»."""
    monday = date.fromisoformat(f"{iso_week}-1")
    days = format_interval(monday, monday + timedelta(days=6), "MMMMd", locale=locale)
    # CLDR's Russian puts an em dash between the two numbers; a span of numbers takes an en dash.
    return _DIGITS_DASH.sub("–", days)


_DOUBLE_STOP = re.compile(r"(?<=\w)\.\.(?!\.)")


def one_stop(text: str) -> str:
    """A sentence that ends in an abbreviated date («…2024 г.») keeps one full stop, not
    «г..»: messages whose `{day}` ends a sentence pass through here."""
    return _DOUBLE_STOP.sub(".", text)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Plural-aware gettext under the name babel's extractor knows."""
    return gettext_(singular, plural, n)


def translate(message: str) -> str:
    """The current locale's translation, for code that must not import aiogram (bot/delivery):
    the catalog and the locale are still aiogram's I18n context, set by the caller."""
    return gettext_(message)
