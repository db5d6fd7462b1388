"""/help for every role, /lang, /cancel, and the catch-all for what nobody else handles."""

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.members import set_language
from bot.services.types import Role, UserInfo
from handlers.callbacks import LangCb
from handlers.keyboards import language_keyboard
from handlers.menus import set_menu


def help_text(role: Role) -> str:
    lines = [_("What I can do for you:"), ""]
    if role is not Role.PUBLIC:
        lines += [
            _("/my — your open assignments, nearest deadline first; confirm them with a tap"),
            _("/upcoming [DAYS] — the reminders coming in the next days (default 14)"),
        ]
    if role is Role.ADMIN:
        lines += [
            _("/invite — create a single-use invitation link (member, staff, operator, admin)"),
            _("/members — who has joined, with buttons to revoke"),
            _("/revoke ID — revoke a membership by its number"),
            _("/units — the units of each plan; /units add PLAN | PARTY | NAME registers one"),
            _("/setdate CODE DATE — set the date of a term that gives none («по графику ФЦТ»)"),
        ]
    if role in (Role.ADMIN, Role.STAFF):
        lines += [
            _("/overdue [plan | раздел N | party | unit] — what is late, by measure"),
            _("/progress — confirmed, due and overdue per plan and section"),
            _("/measure CODE — a measure's card: term, windows, every unit's status, comments"),
            _("/coverage — who has joined, who blocked the bot, parties nobody covers"),
            _("/report — the workbook (XLSX), CSV and a progress chart"),
            _("/review — confirmations to accept or return, extension requests to decide"),
        ]
    if role in (Role.OPERATOR, Role.ADMIN, Role.STAFF):
        lines += [_("/tickets — open hotline tickets")]
    if role is Role.ADMIN:
        lines += [_("/drafts — FAQ drafts from operators' answers, to approve")]
    if role is Role.PUBLIC:
        lines += [
            _("You have not joined a plan. Ask your coordinator for an invitation link."),
        ]
    lines += [_("/lang — change the language"), _("/help — this message")]
    return "\n".join(lines)


async def show_help(message: Message, role: Role) -> None:
    await message.answer(help_text(role))


async def choose_language(message: Message) -> None:
    await message.answer(_("Choose the language:"), reply_markup=language_keyboard())


async def set_user_language(
    query: CallbackQuery,
    callback_data: LangCb,
    session: AsyncSession,
    user: UserInfo | None,
    i18n: I18n,
    *,
    role: Role,
) -> None:
    if user is None or callback_data.code not in i18n.available_locales:
        await query.answer()
        return
    await set_language(session, user.id, callback_data.code)
    with i18n.use_locale(callback_data.code):
        # Said in the newly chosen language: "Language: English." / «Язык: русский.»
        text = _("Language: English.")
        if query.bot is not None and user.chat_id > 0:
            await set_menu(query.bot, user.chat_id, role)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(text)


async def cancel(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(_("Cancelled."))


async def unknown_command(message: Message) -> None:
    await message.answer(_("I do not know this command, or it is not available to you. /help"))


async def anything_else(message: Message) -> None:
    await message.answer(_("I understand commands only. /help lists them."))


async def stale_button(query: CallbackQuery) -> None:
    await query.answer(_("This button is no longer valid."), show_alert=True)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(show_help, Command("help"))
    router.message.register(choose_language, Command("lang"))
    router.callback_query.register(set_user_language, LangCb.filter())
    router.message.register(cancel, Command("cancel"), StateFilter("*"))
    router.message.register(unknown_command, F.text.startswith("/"))
    router.message.register(anything_else)
    router.callback_query.register(stale_button)
    return router
