"""The reminder digest as a neutral message: what the sender hands to any transport."""

from collections.abc import Sequence
from datetime import datetime

from aiogram.utils.i18n import gettext as _

from bot.screens import actions
from bot.screens.render import reminder_digest
from bot.services.types import ReminderItem
from bot.transport.port import Button, Message, rows

DIGEST_BUTTONS_PER_ROW = 2


def digest_buttons(items: Sequence[ReminderItem]) -> tuple[tuple[Button, ...], ...]:
    """One «✅ Done: CODE» per reminder: the same action as the card's, checked the same way."""
    buttons = [
        Button(
            _("✅ Done: {code}").format(code=item.task_code),
            action=actions.assignment(
                actions.AssignmentAction.DONE, item.assignment_id, actions.DIGEST_PAGE
            ),
        )
        for item in items
    ]
    return rows(buttons, DIGEST_BUTTONS_PER_ROW)


def digest_view(items: Sequence[ReminderItem], now: datetime, locale: str) -> Message:
    return Message(reminder_digest(items, now, locale), digest_buttons(items))
