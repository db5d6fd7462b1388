"""/upcoming's argument, read alike on every messenger: how many days ahead to list."""

from aiogram.utils.i18n import gettext as _

DEFAULT_DAYS = 14
MAX_DAYS = 92


def upcoming_span(argument: str) -> int | None:
    """The days asked for (the default without an argument), or None for anything else: a
    number out of 1…MAX_DAYS, words, signs, digits of other scripts («²», «٣»)."""
    argument = argument.strip()
    if not argument:
        return DEFAULT_DAYS
    if not (argument.isascii() and argument.isdecimal() and len(argument) <= len(str(MAX_DAYS))):
        return None
    days = int(argument)
    return days if 1 <= days <= MAX_DAYS else None


def upcoming_usage() -> str:
    return _("Usage: /upcoming [DAYS], from 1 to {max} (default {default}).").format(
        max=MAX_DAYS, default=DEFAULT_DAYS
    )
