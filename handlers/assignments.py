"""/my and the assignment card: confirm with a tap, undo for a while, comment."""

import logging
from datetime import timedelta

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.delivery.text import plain_text
from bot.screens.actions import DIGEST_PAGE, AssignmentAction
from bot.screens.render import assignment_card, my_list, result_is_document, too_long
from bot.services.assignments import (
    COMMENT_MAX_LENGTH,
    comment,
    confirm,
    open_assignments_for_user,
    undo,
    user_archived_plans,
    view_for_member,
)
from bot.services.evidence import list_evidence
from bot.services.members import get_user, units_of
from bot.services.types import AssignmentStatus, AssignmentView, UserInfo
from handlers.callbacks import AssignmentCb, MyPageCb
from handlers.keyboards import assignment_keyboard, my_list_keyboard, without_button

logger = logging.getLogger(__name__)


class CommentStates(StatesGroup):
    waiting = State()


async def _list_page(
    session: AsyncSession,
    *,
    user: UserInfo,
    clock: Clock,
    page: int,
    page_size: int,
    undo_window: timedelta,
    locale: str,
) -> tuple[str, InlineKeyboardMarkup]:
    now = clock.now()
    listing = await open_assignments_for_user(
        session,
        user.id,
        now,
        offset=max(page, 0) * page_size,
        limit=page_size,
        undo_window=undo_window,
    )
    if not listing.items and page > 0:
        listing = await open_assignments_for_user(
            session, user.id, now, offset=0, limit=page_size, undo_window=undo_window
        )
        page = 0
    archived = await user_archived_plans(session, user.id, now)
    return my_list(listing, now, locale, page_size, archived), my_list_keyboard(listing, page)


async def _card(
    session: AsyncSession,
    *,
    view: AssignmentView,
    clock: Clock,
    undo_window: timedelta,
    page: int,
    locale: str,
) -> tuple[str, InlineKeyboardMarkup]:
    now = clock.now()
    confirmer = (
        await get_user(session, view.confirmed_by_user_id) if view.confirmed_by_user_id else None
    )
    attached = (
        len(await list_evidence(session, view.id))
        if view.status is AssignmentStatus.CONFIRMED and result_is_document(view.result)
        else 0
    )
    text = assignment_card(view, now, locale, confirmer, attached=attached)
    return text, assignment_keyboard(view, now, undo_window, page)


def shows_already(message: Message, text: str, markup: InlineKeyboardMarkup | None) -> bool:
    """Whether `message` already shows `text` (HTML) and `markup`."""
    shown = message.reply_markup.model_dump(exclude_none=True) if message.reply_markup else None
    wanted = markup.model_dump(exclude_none=True) if markup else None
    return (message.text or "") == plain_text(text) and shown == wanted


async def _show(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup) -> None:
    """Edit the message the button belongs to; Telegram refuses edits that change nothing,
    so a second tap on a button whose result is already shown sends no edit at all."""
    if not isinstance(query.message, Message):
        return
    if shows_already(query.message, text, markup):
        return
    try:
        await query.message.edit_text(text, reply_markup=markup)
    except TelegramBadRequest as error:
        if "message is not modified" not in error.message:
            raise


async def show_my(
    message: Message,
    *,
    session: AsyncSession,
    user: UserInfo | None,
    clock: Clock,
    page_size: int,
    undo_window: timedelta,
    i18n: I18n,
) -> None:
    if user is None:
        return
    if not await units_of(session, user.id):
        await message.answer(
            _(
                "You do not report for any unit yet. Open the invitation link your "
                "coordinator sent you, or ask them for one."
            )
        )
        return
    text, markup = await _list_page(
        session,
        user=user,
        clock=clock,
        page=0,
        page_size=page_size,
        undo_window=undo_window,
        locale=i18n.current_locale,
    )
    await message.answer(text, reply_markup=markup)


async def turn_page(
    query: CallbackQuery,
    *,
    callback_data: MyPageCb,
    session: AsyncSession,
    user: UserInfo | None,
    clock: Clock,
    page_size: int,
    undo_window: timedelta,
    i18n: I18n,
) -> None:
    if user is None:
        await query.answer()
        return
    text, markup = await _list_page(
        session,
        user=user,
        clock=clock,
        page=callback_data.page,
        page_size=page_size,
        undo_window=undo_window,
        locale=i18n.current_locale,
    )
    await query.answer()
    await _show(query, text, markup)


async def open_card(
    query: CallbackQuery,
    *,
    callback_data: AssignmentCb,
    session: AsyncSession,
    user: UserInfo | None,
    clock: Clock,
    undo_window: timedelta,
    i18n: I18n,
) -> None:
    if user is None:
        await query.answer()
        return
    view = await view_for_member(session, callback_data.id, user.id)
    text, markup = await _card(
        session,
        view=view,
        clock=clock,
        undo_window=undo_window,
        page=callback_data.page,
        locale=i18n.current_locale,
    )
    await query.answer()
    await _show(query, text, markup)


async def mark_done(
    query: CallbackQuery,
    *,
    callback_data: AssignmentCb,
    session: AsyncSession,
    user: UserInfo | None,
    clock: Clock,
    undo_window: timedelta,
    i18n: I18n,
) -> None:
    if user is None:
        await query.answer()
        return
    outcome = await confirm(session, callback_data.id, user.id, clock.now())
    if callback_data.page == DIGEST_PAGE:
        # A digest has no card to ask for the document on: the answer does.
        wants_file = (
            outcome.changed
            and result_is_document(outcome.view.result)
            and not await list_evidence(session, outcome.view.id)
        )
        await query.answer(
            _("Marked as done. The result is a document: attach it from the card in /my.")
            if wants_file
            else _("Marked as done.")
            if outcome.changed
            else _("Already done."),
            show_alert=wants_file,
        )
        await _strike_from_digest(query)
        return
    await query.answer(_("Marked as done.") if outcome.changed else _("Already done."))
    text, markup = await _card(
        session,
        view=outcome.view,
        clock=clock,
        undo_window=undo_window,
        page=callback_data.page,
        locale=i18n.current_locale,
    )
    await _show(query, text, markup)


async def _strike_from_digest(query: CallbackQuery) -> None:
    """A digest lists several measures: only the button of the one done goes away."""
    message = query.message
    if not isinstance(message, Message) or message.reply_markup is None or query.data is None:
        return
    try:
        await message.edit_reply_markup(
            reply_markup=without_button(message.reply_markup, query.data)
        )
    except TelegramBadRequest as error:
        if "message is not modified" not in error.message:
            raise


async def undo_done(
    query: CallbackQuery,
    *,
    callback_data: AssignmentCb,
    session: AsyncSession,
    user: UserInfo | None,
    clock: Clock,
    undo_window: timedelta,
    i18n: I18n,
) -> None:
    if user is None:
        await query.answer()
        return
    outcome = await undo(session, callback_data.id, user.id, clock.now(), undo_window)
    text, markup = await _card(
        session,
        view=outcome.view,
        clock=clock,
        undo_window=undo_window,
        page=callback_data.page,
        locale=i18n.current_locale,
    )
    await query.answer(_("Undone: the assignment is open again.") if outcome.changed else None)
    await _show(query, text, markup)


async def ask_comment(
    query: CallbackQuery,
    callback_data: AssignmentCb,
    session: AsyncSession,
    user: UserInfo | None,
    state: FSMContext,
) -> None:
    if user is None:
        await query.answer()
        return
    view = await view_for_member(session, callback_data.id, user.id)
    await state.set_state(CommentStates.waiting)
    await state.update_data(assignment_id=view.id, page=callback_data.page)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(
            _(
                "Send your comment on {code} in one message (up to {limit} characters), "
                "or /cancel."
            ).format(code=view.task_code, limit=COMMENT_MAX_LENGTH)
        )


async def save_comment(
    message: Message,
    *,
    session: AsyncSession,
    user: UserInfo | None,
    clock: Clock,
    state: FSMContext,
    undo_window: timedelta,
    i18n: I18n,
) -> None:
    data = await state.get_data()
    if user is None or message.text is None:
        return
    if (refusal := too_long(message.text, COMMENT_MAX_LENGTH)) is not None:
        await message.answer(refusal)
        return
    assignment_id = int(data["assignment_id"])
    await comment(session, assignment_id, user.id, message.text, clock.now())
    await state.clear()
    view = await view_for_member(session, assignment_id, user.id)
    text, markup = await _card(
        session,
        view=view,
        clock=clock,
        undo_window=undo_window,
        page=int(data.get("page", 0)),
        locale=i18n.current_locale,
    )
    await message.answer(_("Comment saved."))
    await message.answer(text, reply_markup=markup)


async def comment_must_be_text(message: Message) -> None:
    await message.answer(_("A comment is a text message. Send text, or /cancel."))


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(show_my, Command("my"))
    router.callback_query.register(turn_page, MyPageCb.filter())
    router.callback_query.register(
        open_card, AssignmentCb.filter(F.action == AssignmentAction.OPEN)
    )
    router.callback_query.register(
        mark_done, AssignmentCb.filter(F.action == AssignmentAction.DONE)
    )
    router.callback_query.register(
        undo_done, AssignmentCb.filter(F.action == AssignmentAction.UNDO)
    )
    router.callback_query.register(
        ask_comment, AssignmentCb.filter(F.action == AssignmentAction.COMMENT)
    )
    router.message.register(save_comment, CommentStates.waiting, F.text, ~F.text.startswith("/"))
    router.message.register(comment_must_be_text, CommentStates.waiting, ~F.text)
    return router
