"""Notices rendered for their recipients: each in their own language, when they are written."""

from collections.abc import Callable, Sequence

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n

from bot.services.notices import NoticeDraft, Recipient

Render = Callable[[str], tuple[str, InlineKeyboardMarkup | None]]
"""The text and keyboard of a notice, given the locale it is rendered in."""


def recipient_locale(i18n: I18n, recipient: Recipient) -> str:
    if recipient.language in i18n.available_locales:
        return recipient.language
    return i18n.default_locale


def draft_notices(
    i18n: I18n,
    recipients: Sequence[Recipient],
    *,
    kind: str,
    key: Callable[[Recipient], str],
    render: Render,
) -> list[NoticeDraft]:
    """One draft per recipient, rendered in their language, keyed by `key(recipient)`."""
    drafts = []
    for recipient in recipients:
        locale = recipient_locale(i18n, recipient)
        with i18n.context(), i18n.use_locale(locale):
            text, markup = render(locale)
        keyboard = markup.model_dump(mode="json", exclude_none=True) if markup else None
        drafts.append(NoticeDraft(key(recipient), kind, recipient, text, keyboard))
    return drafts
