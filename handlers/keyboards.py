"""Inline keyboards as pure functions of domain values."""

from collections.abc import Sequence
from datetime import datetime, timedelta

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.screens.actions import AssignmentAction
from bot.screens.render import one_line
from bot.services.types import (
    AssignmentStatus,
    AssignmentView,
    MemberInfo,
    Page,
    UnitInfo,
)
from handlers.callbacks import (
    AssignmentCb,
    EvidenceCb,
    ExtendCb,
    ExtensionAction,
    ExtensionCb,
    InviteCb,
    InviteRole,
    LangCb,
    MyPageCb,
    ReviewAction,
    ReviewCb,
    RevokeCb,
)


def my_list_keyboard(page: Page[AssignmentView], page_number: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for number, view in enumerate(page.items, start=page.offset + 1):
        mark = "✅ " if view.status is AssignmentStatus.CONFIRMED else ""
        builder.button(
            text=f"{number}. {mark}{view.task_code}",
            callback_data=AssignmentCb(
                action=AssignmentAction.OPEN, id=view.id, page=page_number
            ).pack(),
        )
    builder.adjust(3)
    row = []
    if page.has_previous:
        row.append(
            InlineKeyboardButton(
                text=_("◀️ Back"), callback_data=MyPageCb(page=page_number - 1).pack()
            )
        )
    if page.has_next:
        row.append(
            InlineKeyboardButton(
                text=_("Next ▶️"), callback_data=MyPageCb(page=page_number + 1).pack()
            )
        )
    if row:
        builder.row(*row)
    return builder.as_markup()


def assignment_keyboard(
    view: AssignmentView, now: datetime, undo_window: timedelta, page: int
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if view.status is AssignmentStatus.OPEN:
        builder.button(
            text=_("✅ Done"),
            callback_data=AssignmentCb(action=AssignmentAction.DONE, id=view.id, page=page),
        )
    elif view.can_undo(now, undo_window):
        builder.button(
            text=_("↩️ Undo"),
            callback_data=AssignmentCb(action=AssignmentAction.UNDO, id=view.id, page=page),
        )
    builder.button(
        text=_("💬 Comment"),
        callback_data=AssignmentCb(action=AssignmentAction.COMMENT, id=view.id, page=page),
    )
    if view.active:
        builder.button(
            text=_("📎 Attach a document"),
            callback_data=AssignmentCb(action=AssignmentAction.ATTACH, id=view.id, page=page),
        )
    if view.active and view.status is AssignmentStatus.OPEN and not view.ongoing:
        builder.button(
            text=_("Request an extension"), callback_data=ExtendCb(id=view.id, page=page)
        )
    builder.button(text=_("📋 My list"), callback_data=MyPageCb(page=page))
    builder.adjust(2, 1)
    return builder.as_markup()


def language_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text="🇷🇺 Русский", callback_data=LangCb(code="ru"))
    builder.button(text="🇬🇧 English", callback_data=LangCb(code="en"))
    return builder.as_markup()


def invite_role_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for role, text in (
        (InviteRole.MEMBER, _("Member of a unit")),
        (InviteRole.STAFF, _("Ministry staff")),
        (InviteRole.OPERATOR, _("Hotline operator")),
        (InviteRole.ADMIN, _("Administrator")),
    ):
        builder.button(text=text, callback_data=InviteCb(role=role))
    builder.adjust(1)
    return builder.as_markup()


def invite_plan_keyboard(plan_ids: Sequence[str]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for index, plan_id in enumerate(plan_ids):
        builder.button(text=plan_id, callback_data=InviteCb(role=InviteRole.MEMBER, plan=index))
    builder.adjust(1)
    return builder.as_markup()


def invite_unit_keyboard(
    plan_index: int, units: Sequence[UnitInfo], page: int, page_size: int
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    shown = units[page * page_size : (page + 1) * page_size]
    for unit in shown:
        builder.button(
            text=one_line(unit.name, 40),
            callback_data=InviteCb(role=InviteRole.MEMBER, plan=plan_index, unit=unit.id),
        )
    builder.adjust(1)
    row = []
    if page > 0:
        row.append(
            InlineKeyboardButton(
                text="◀️",
                callback_data=InviteCb(
                    role=InviteRole.MEMBER, plan=plan_index, page=page - 1
                ).pack(),
            )
        )
    if (page + 1) * page_size < len(units):
        row.append(
            InlineKeyboardButton(
                text="▶️",
                callback_data=InviteCb(
                    role=InviteRole.MEMBER, plan=plan_index, page=page + 1
                ).pack(),
            )
        )
    if row:
        builder.row(*row)
    return builder.as_markup()


def members_keyboard(members: Sequence[MemberInfo]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for member in members:
        builder.button(
            text=_("Revoke {name}").format(name=one_line(member.full_name, 30)),
            callback_data=RevokeCb(membership=member.membership_id),
        )
    builder.adjust(1)
    return builder.as_markup()


def revoke_confirm_keyboard(membership_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Yes, revoke"), callback_data=RevokeCb(membership=membership_id, confirm=True)
    )
    return builder.as_markup()


def without_button(markup: InlineKeyboardMarkup, data: str) -> InlineKeyboardMarkup | None:
    """The keyboard less the button carrying `data` (None when nothing is left)."""
    rows = [
        [button for button in row if button.callback_data != data]
        for row in markup.inline_keyboard
    ]
    rows = [row for row in rows if row]
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def extension_keyboard(request_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Extend"), callback_data=ExtensionCb(action=ExtensionAction.APPROVE, id=request_id)
    )
    builder.button(
        text=_("Refuse"), callback_data=ExtensionCb(action=ExtensionAction.REFUSE, id=request_id)
    )
    return builder.as_markup()


def review_keyboard(assignment_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Accept"), callback_data=ReviewCb(action=ReviewAction.ACCEPT, id=assignment_id)
    )
    builder.button(
        text=_("Return"), callback_data=ReviewCb(action=ReviewAction.RETURN, id=assignment_id)
    )
    return builder.as_markup()


def documents_keyboard(task_id: int, count: int, offset: int = 0) -> InlineKeyboardMarkup:
    """Staff get the files of a measure card, a batch per press, from `offset` on."""
    text = _("📎 More documents ({count})") if offset else _("📎 Documents ({count})")
    builder = InlineKeyboardBuilder()
    builder.button(
        text=text.format(count=count), callback_data=EvidenceCb(task=task_id, offset=offset)
    )
    return builder.as_markup()


def attached_keyboard(assignment_id: int) -> InlineKeyboardMarkup:
    """Under «file attached»: the member says they have sent them all."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Done"),
        callback_data=AssignmentCb(action=AssignmentAction.ATTACHED, id=assignment_id),
    )
    return builder.as_markup()
