"""Evidence: a member attaches a document or photo to an assignment; staff get the files."""

import asyncio
import logging
from html import escape
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.exceptions import TelegramRetryAfter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from babel.numbers import format_decimal
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.i18n import format_day
from bot.screens.actions import AssignmentAction
from bot.screens.render import one_line
from bot.services.assignments import view_for_member
from bot.services.evidence import (
    EvidenceFailure,
    EvidenceInfo,
    EvidenceLimits,
    EvidenceRefused,
    IncomingFile,
    attach,
    evidence_for_task,
    list_evidence,
)
from bot.services.types import EvidenceKind, Role, UserInfo
from handlers.callbacks import AssignmentCb, EvidenceCb
from handlers.filters import RoleFilter
from handlers.keyboards import attached_keyboard, documents_keyboard

logger = logging.getLogger(__name__)

STAFF = (Role.STAFF, Role.ADMIN)
FILES_PER_PRESS = 10
"""Files sent for one press of «Documents»: a chat takes about one message a second."""
RETRY_AFTER_MAX = 30.0
MEGABYTE = 1024 * 1024


class EvidenceStates(StatesGroup):
    waiting = State()


def megabytes(size: int, locale: str) -> str:
    amount = format_decimal(size / MEGABYTE, format="#,##0.#", locale=locale)
    return _("{amount} MB").format(amount=amount)


def refusal(error: EvidenceRefused, code: str, locale: str) -> str:
    limits = error.limits
    if error.reason is EvidenceFailure.TOO_BIG:
        return _(
            "The file is too big: {size}. The limit is {limit}; please compress it "
            "or split it into parts."
        ).format(
            size=megabytes(error.file.size or 0, locale),
            limit=megabytes(limits.max_size, locale),
        )
    if error.reason is EvidenceFailure.TOO_MANY:
        return _("{code} already has {limit} files, the most one assignment may have.").format(
            code=escape(code), limit=limits.max_files
        )
    return _("Files of this type are not accepted ({name}). Send one of: {types}.").format(
        name=escape(error.file.file_name or error.file.mime_type or "?"),
        types=", ".join(limits.labels),
    )


def incoming_file(message: Message) -> IncomingFile | None:
    if message.document is not None:
        document = message.document
        return IncomingFile(
            EvidenceKind.DOCUMENT,
            document.file_id,
            document.file_unique_id,
            document.file_name,
            document.mime_type,
            document.file_size,
        )
    if message.photo:
        # Telegram sends several sizes of one photo: keep the largest.
        photo = max(message.photo, key=lambda size: size.width * size.height)
        return IncomingFile(
            EvidenceKind.PHOTO, photo.file_id, photo.file_unique_id, size=photo.file_size
        )
    return None


async def ask_file(
    query: CallbackQuery,
    *,
    callback_data: AssignmentCb,
    session: AsyncSession,
    user: UserInfo | None,
    state: FSMContext,
    i18n: I18n,
) -> None:
    if user is None:
        await query.answer()
        return
    view = await view_for_member(session, callback_data.id, user.id)
    attached = len(await list_evidence(session, view.id))
    await state.set_state(EvidenceStates.waiting)
    await state.update_data(assignment_id=view.id, code=view.task_code)
    await query.answer()
    if isinstance(query.message, Message):
        limits = EvidenceLimits()
        await query.message.answer(
            _(
                "Send a document or a photo for {code}: {types}, up to {limit}. "
                "Files attached so far: {count}. /cancel to stop."
            ).format(
                code=escape(view.task_code),
                types=", ".join(limits.labels),
                limit=megabytes(limits.max_size, i18n.current_locale),
                count=attached,
            )
        )


async def receive_file(
    message: Message,
    *,
    session: AsyncSession,
    user: UserInfo | None,
    clock: Clock,
    state: FSMContext,
    i18n: I18n,
) -> None:
    file = incoming_file(message)
    data = await state.get_data()
    assignment_id, code = data.get("assignment_id"), str(data.get("code", ""))
    if user is None or file is None or not isinstance(assignment_id, int):
        return
    try:
        outcome = await attach(session, assignment_id, user.id, file, clock.now())
    except EvidenceRefused as error:
        logger.info("user %s: %s", user.id, error)
        await message.answer(refusal(error, code, i18n.current_locale))
        return
    name = escape(file.file_name or _("photo"))
    if outcome.added:
        text = _(
            "📎 Attached to {code}: {name}. Files attached: {count}. "
            "Send another one if there are more, or press «Done»."
        )
    else:
        text = _("{name} is already attached to {code}. Files attached: {count}.")
    await message.answer(
        text.format(code=escape(code), name=name, count=outcome.count),
        reply_markup=attached_keyboard(assignment_id),
    )


async def finish_files(
    query: CallbackQuery, *, callback_data: AssignmentCb, state: FSMContext
) -> None:
    """«Done» under the last file: stop waiting for files (a stale button changes nothing)."""
    if (await state.get_data()).get("assignment_id") == callback_data.id:
        await state.clear()
    await query.answer(_("Done."))
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)


async def file_expected(message: Message) -> None:
    await message.answer(_("Send the document as a file (📎 in Telegram) or a photo, or /cancel."))


def _caption(item: EvidenceInfo, locale: str) -> str:
    local = item.at.astimezone(ZoneInfo(item.plan_timezone))
    when = f"{format_day(local.date(), locale)} {local:%H:%M}"
    lines = [
        f"📎 <b>{escape(item.task_code)}</b> · {escape(one_line(item.unit_name, 200))}",
        f"{escape(one_line(item.author, 100))}, {when}",
    ]
    if item.file_name:
        lines.append(escape(one_line(item.file_name, 200)))
    return "\n".join(lines)


async def _send(message: Message, item: EvidenceInfo, locale: str) -> None:
    caption = _caption(item, locale)
    for attempt in range(2):
        try:
            if item.kind is EvidenceKind.PHOTO:
                await message.answer_photo(item.file_id, caption=caption)
            else:
                await message.answer_document(item.file_id, caption=caption)
            return
        except TelegramRetryAfter as error:
            if attempt or error.retry_after > RETRY_AFTER_MAX:
                raise
            await asyncio.sleep(error.retry_after)


async def send_files(
    query: CallbackQuery,
    *,
    callback_data: EvidenceCb,
    session: AsyncSession,
    i18n: I18n,
) -> None:
    files = await evidence_for_task(session, callback_data.task)
    batch = files[callback_data.offset : callback_data.offset + FILES_PER_PRESS]
    await query.answer(None if batch else _("No files are attached."))
    if not isinstance(query.message, Message):
        return
    for item in batch:
        await _send(query.message, item, i18n.current_locale)
    rest = len(files) - callback_data.offset - len(batch)
    if batch and rest > 0:
        await query.message.answer(
            _("Files not sent yet: {count}.").format(count=rest),
            reply_markup=documents_keyboard(
                callback_data.task, rest, offset=callback_data.offset + len(batch)
            ),
        )


async def refuse_files(query: CallbackQuery, role: Role) -> None:
    """Only staff have the «Documents» button: anyone else pressing it forged the callback."""
    logger.warning(
        "refused evidence callback %r for user %s (%s)", query.data, query.from_user.id, role
    )
    await query.answer(_("Only ministry staff can see the documents."), show_alert=True)


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(
        ask_file, AssignmentCb.filter(F.action == AssignmentAction.ATTACH)
    )
    router.callback_query.register(
        finish_files, AssignmentCb.filter(F.action == AssignmentAction.ATTACHED)
    )
    router.message.register(receive_file, EvidenceStates.waiting, F.document | F.photo)
    router.message.register(file_expected, EvidenceStates.waiting, ~F.text.startswith("/"))
    router.callback_query.register(send_files, EvidenceCb.filter(), RoleFilter(*STAFF))
    router.callback_query.register(refuse_files, EvidenceCb.filter())
    return router
