"""/my as a neutral message: the list of the member's assignments with a button per item."""

from collections.abc import Sequence
from datetime import datetime, timedelta

from aiogram.utils.i18n import gettext as _

from bot.screens import actions
from bot.screens.render import my_list
from bot.services.plans import ArchivedPlan
from bot.services.types import AssignmentStatus, AssignmentView, Page
from bot.transport.port import Button, Message, rows

MY_BUTTONS_PER_ROW = 2


def my_buttons(
    page: Page[AssignmentView], page_number: int, now: datetime, undo_window: timedelta
) -> tuple[tuple[Button, ...], ...]:
    """«✅ Done: CODE» for an open item, «↩️ Undo: CODE» while a confirmation can be undone,
    then ◀️ / ▶️ between pages: the same actions the Telegram card uses, checked the same way."""
    buttons: list[Button] = []
    for view in page.items:
        if view.status is AssignmentStatus.OPEN:
            label = _("✅ Done: {code}").format(code=view.task_code)
            action = actions.AssignmentAction.DONE
        elif view.can_undo(now, undo_window):
            label = _("↩️ Undo: {code}").format(code=view.task_code)
            action = actions.AssignmentAction.UNDO
        else:
            continue
        buttons.append(Button(label, action=actions.assignment(action, view.id, page_number)))
    turns: list[Button] = []
    if page.has_previous:
        turns.append(Button(_("◀️ Back"), action=actions.my_page(page_number - 1)))
    if page.has_next:
        turns.append(Button(_("Next ▶️"), action=actions.my_page(page_number + 1)))
    return rows(buttons, MY_BUTTONS_PER_ROW) + ((tuple(turns),) if turns else ())


def my_view(
    page: Page[AssignmentView],
    page_number: int,
    now: datetime,
    locale: str,
    *,
    page_size: int,
    undo_window: timedelta,
    archived: Sequence[ArchivedPlan] = (),
) -> Message:
    return Message(
        my_list(page, now, locale, page_size, archived),
        my_buttons(page, page_number, now, undo_window),
    )
