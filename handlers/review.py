"""Control as document-flow systems do it: acceptance of confirmations and extension requests.

A member asks for more time from the assignment card; staff decide from the notice or from
/review, where confirmations awaiting acceptance are listed too. Whoever is told about a
decision hears it through a notice, sent by the tick in their own language.
"""

import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.i18n import format_day, one_stop
from bot.screens.render import example_day, local_today, one_line, task_heading, too_long
from bot.services.assignments import COMMENT_MAX_LENGTH, get_assignment_view
from bot.services.extensions import (
    REASON_MAX_LENGTH,
    DateNotLater,
    ExtensionInfo,
    approve,
    extendable,
    pending_extensions,
    pending_request,
    refuse,
    request_extension,
)
from bot.services.notices import (
    Recipient,
    enqueue,
    staff_recipients,
    unit_recipients,
)
from bot.services.review import ReviewItem, accept, pending_reviews, require_staff, return_
from bot.services.types import AssignmentView, Role, UserInfo
from handlers.callbacks import (
    ExtendCb,
    ExtensionAction,
    ExtensionCb,
    ReviewAction,
    ReviewCb,
    ReviewPageCb,
)
from handlers.filters import RoleFilter
from handlers.keyboards import assignment_keyboard, extension_keyboard
from handlers.notices import Render, draft_notices

STAFF = (Role.STAFF, Role.ADMIN)
REVIEW_PAGE = 5
"""Items on a page of /review: confirmations first, then extension requests, oldest first."""
REASON_SHOWN = 300
"""A reason is cut in the list (the request's notice has it whole), so a page stays one message."""
_DAY_RE = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b")


class ExtensionStates(StatesGroup):
    reason = State()
    new_date = State()
    refusal = State()


class ReturnStates(StatesGroup):
    comment = State()


def find_day(text: str) -> date | None:
    """The first DD.MM.YYYY in the text that is a real date («до 15.12.2023»)."""
    for found in _DAY_RE.finditer(text):
        day, month, year = (int(part) for part in found.groups())
        try:
            return date(year, month, day)
        except ValueError:
            continue
    return None


def parse_decision(text: str) -> tuple[date | None, str]:
    """«15.12.2023 согласовано» → the date and the comment after it."""
    text = text.strip()
    found = _DAY_RE.match(text)
    if found is None:
        return None, text
    return find_day(found.group(0)), text[found.end() :].strip(" ,.;:-—")


def _title(code: str, title: str, measure_title: str | None) -> str:
    return f"<b>{escape(code)}</b> {escape(task_heading(title, measure_title))}"


# ------------------------------------------------------------------------------ rendering


def extension_text(request: ExtensionInfo, locale: str, reason_limit: int | None = None) -> str:
    proposed = (
        format_day(request.proposed_date, locale) if request.proposed_date else _("not named")
    )
    return "\n".join(
        [
            _("⏳ Extension requested: {measure}").format(
                measure=_title(request.task_code, request.task_title, request.measure_title)
            ),
            _("Unit: {unit} ({who})").format(
                unit=escape(request.unit_name), who=escape(request.requested_by_name)
            ),
            _("Deadline: {day}").format(day=format_day(request.deadline, locale)),
            _("Proposed date: {day}").format(day=proposed),
            _("Reason: {reason}").format(
                reason=escape(
                    one_line(request.reason, reason_limit) if reason_limit else request.reason
                )
            ),
        ]
    )


def review_text(item: ReviewItem, locale: str) -> str:
    local = item.confirmed_at.astimezone(ZoneInfo(item.plan_timezone))
    who = f" ({escape(item.confirmed_by)})" if item.confirmed_by else ""
    return "\n".join(
        [
            _("🔎 On review: {measure}").format(
                measure=_title(item.task_code, item.task_title, item.measure_title)
            ),
            _("{unit} confirmed it on {day} {time}{who}.").format(
                unit=escape(item.unit_name),
                day=format_day(local.date(), locale),
                time=f"{local:%H:%M}",
                who=who,
            ),
        ]
    )


# -------------------------------------------------------------------------------- notices


async def _notify(
    session: AsyncSession,
    i18n: I18n,
    recipients: Sequence[Recipient],
    *,
    key: str,
    kind: str,
    render: Render,
    now: datetime,
) -> None:
    """One notice per recipient, committed together with the decision the caller staged."""
    drafts = draft_notices(
        i18n, recipients, kind=kind, key=lambda r: f"{key}:user:{r.user_id}", render=render
    )
    await enqueue(session, drafts, now)
    await session.commit()


def _card_keyboard(
    view: AssignmentView, now: datetime, undo_window: timedelta
) -> InlineKeyboardMarkup:
    return assignment_keyboard(view, now, undo_window, 0)


# ------------------------------------------------------------------------------- members


async def ask_reason(
    query: CallbackQuery,
    *,
    callback_data: ExtendCb,
    session: AsyncSession,
    user: UserInfo | None,
    state: FSMContext,
    clock: Clock,
) -> None:
    if user is None:
        await query.answer()
        return
    view = await extendable(session, callback_data.id, user.id)
    today = local_today(clock.now(), view.plan_timezone)
    await state.set_state(ExtensionStates.reason)
    await state.update_data(assignment_id=view.id)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(
            _(
                "Why does {code} need more time? Send the reason in one message (up to {limit} "
                "characters); you may name the date you propose, e.g. «до {example}». "
                "Or /cancel."
            ).format(
                code=escape(view.task_code),
                limit=REASON_MAX_LENGTH,
                example=example_day(today, view.deadline),
            )
        )


async def save_reason(
    message: Message,
    *,
    session: AsyncSession,
    user: UserInfo | None,
    clock: Clock,
    state: FSMContext,
    settings: Settings,
    i18n: I18n,
) -> None:
    if user is None or message.text is None:
        return
    if (refusal := too_long(message.text, REASON_MAX_LENGTH)) is not None:
        await message.answer(refusal)
        return
    data = await state.get_data()
    now = clock.now()
    try:
        request = await request_extension(
            session,
            int(data["assignment_id"]),
            user.id,
            message.text,
            proposed_date=find_day(message.text),
            now=now,
        )
    except DateNotLater:
        await message.answer(
            _(
                "The proposed date must be later than the current deadline. "
                "Send the reason again, or /cancel."
            )
        )
        return
    await state.clear()
    await _notify(
        session,
        i18n,
        await staff_recipients(session, settings.admin_ids),
        key=f"ext:{request.id}:requested",
        kind="ext_requested",
        render=lambda locale: (extension_text(request, locale), extension_keyboard(request.id)),
        now=now,
    )
    await message.answer(
        _(
            "Your request for {code} is sent to the ministry staff; you will hear their decision."
        ).format(code=escape(request.task_code))
    )


# --------------------------------------------------------------------------------- staff


async def review_page(
    session: AsyncSession, locale: str, page: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    """One message, like /overdue: a numbered page of what awaits a decision, a pair of buttons
    per item, and the pages around it."""
    reviews = await pending_reviews(session)
    requests = await pending_extensions(session)
    if not reviews and not requests:
        return _("Nothing awaits your decision. 🎉"), None
    items: list[ReviewItem | ExtensionInfo] = [*reviews, *requests]
    pages = (len(items) + REVIEW_PAGE - 1) // REVIEW_PAGE
    page = min(max(page, 0), pages - 1)
    first = page * REVIEW_PAGE
    head = _(
        "Awaiting your decision — confirmations: {reviews}; extension requests: {requests}."
    ).format(reviews=len(reviews), requests=len(requests))
    if pages > 1:
        head += "\n" + _("Page {current} of {pages}.").format(current=page + 1, pages=pages)
    blocks = [head]
    builder = InlineKeyboardBuilder()
    for number, item in enumerate(items[first : first + REVIEW_PAGE], start=first + 1):
        actions: list[tuple[str, CallbackData]]
        if isinstance(item, ReviewItem):
            blocks.append(f"{number}. {review_text(item, locale)}")
            actions = [
                (_("Accept"), ReviewCb(action=ReviewAction.ACCEPT, id=item.assignment_id)),
                (_("Return"), ReviewCb(action=ReviewAction.RETURN, id=item.assignment_id)),
            ]
        else:
            blocks.append(f"{number}. {extension_text(item, locale, REASON_SHOWN)}")
            actions = [
                (_("Extend"), ExtensionCb(action=ExtensionAction.APPROVE, id=item.id)),
                (_("Refuse"), ExtensionCb(action=ExtensionAction.REFUSE, id=item.id)),
            ]
        builder.row(
            *(
                InlineKeyboardButton(text=f"{number}. {label}", callback_data=data.pack())
                for label, data in actions
            )
        )
    nav = []
    if page > 0:
        nav.append(
            InlineKeyboardButton(
                text=_("◀️ Back"), callback_data=ReviewPageCb(page=page - 1).pack()
            )
        )
    nav.append(
        InlineKeyboardButton(text=_("🔄 Refresh"), callback_data=ReviewPageCb(page=page).pack())
    )
    if page + 1 < pages:
        nav.append(
            InlineKeyboardButton(
                text=_("Next ▶️"), callback_data=ReviewPageCb(page=page + 1).pack()
            )
        )
    builder.row(*nav)
    return "\n\n".join(blocks), builder.as_markup()


def _list_page(message: Message) -> int | None:
    """The page of the /review list `message` is, or None for a single item's notice."""
    markup = message.reply_markup
    for row in markup.inline_keyboard if markup else []:
        for button in row:
            data = button.callback_data or ""
            if data.startswith(ReviewPageCb.__prefix__ + ":") and "🔄" in button.text:
                return ReviewPageCb.unpack(data).page
    return None


async def show_review(message: Message, *, session: AsyncSession, i18n: I18n) -> None:
    text, markup = await review_page(session, i18n.current_locale, 0)
    await message.answer(text, reply_markup=markup)


async def turn_review_page(
    query: CallbackQuery,
    *,
    callback_data: ReviewPageCb,
    session: AsyncSession,
    user: UserInfo | None,
    settings: Settings,
    i18n: I18n,
) -> None:
    if user is None:
        await query.answer()
        return
    await require_staff(session, user.id, settings.admin_ids)
    text, markup = await review_page(session, i18n.current_locale, callback_data.page)
    await query.answer()
    if isinstance(query.message, Message) and (
        text != query.message.html_text or markup != query.message.reply_markup
    ):
        await query.message.edit_text(text, reply_markup=markup)


async def accept_confirmation(
    query: CallbackQuery,
    *,
    callback_data: ReviewCb,
    session: AsyncSession,
    user: UserInfo | None,
    clock: Clock,
    settings: Settings,
    i18n: I18n,
) -> None:
    if user is None:
        await query.answer()
        return
    outcome = await accept(
        session, callback_data.id, user.id, clock.now(), admin_ids=settings.admin_ids
    )
    text = _("Accepted: {code}, {unit}.").format(
        code=escape(outcome.view.task_code), unit=escape(outcome.view.unit_name)
    )
    await query.answer(text if outcome.changed else _("Accepted already."))
    if not isinstance(query.message, Message):
        return
    page = _list_page(query.message)
    if page is None:
        await query.message.edit_text(text)
        return
    # From the /review list: the list stays, with what was done on top.
    listing, markup = await review_page(session, i18n.current_locale, page)
    await query.message.edit_text("\n\n".join((text, listing)), reply_markup=markup)


async def ask_return_comment(
    query: CallbackQuery,
    *,
    callback_data: ReviewCb,
    session: AsyncSession,
    user: UserInfo | None,
    state: FSMContext,
    settings: Settings,
) -> None:
    if user is None:
        await query.answer()
        return
    await require_staff(session, user.id, settings.admin_ids)
    view = await get_assignment_view(session, callback_data.id)
    await state.set_state(ReturnStates.comment)
    await state.update_data(assignment_id=view.id)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(
            _(
                "What is missing in the confirmation of {code} by {unit}? The unit will get "
                "your comment (up to {limit} characters). Or /cancel."
            ).format(
                code=escape(view.task_code), unit=escape(view.unit_name), limit=COMMENT_MAX_LENGTH
            )
        )


async def save_return(
    message: Message,
    *,
    session: AsyncSession,
    user: UserInfo | None,
    clock: Clock,
    state: FSMContext,
    settings: Settings,
    undo_window: timedelta,
    i18n: I18n,
) -> None:
    if user is None or message.text is None:
        return
    if (refusal := too_long(message.text, COMMENT_MAX_LENGTH)) is not None:
        await message.answer(refusal)
        return
    data = await state.get_data()
    now = clock.now()
    outcome = await return_(
        session,
        int(data["assignment_id"]),
        user.id,
        message.text,
        now,
        admin_ids=settings.admin_ids,
    )
    await state.clear()
    view, comment = outcome.view, message.text.strip()
    await _notify(
        session,
        i18n,
        await unit_recipients(session, view.unit_id),
        key=f"returned:{view.id}:{int(now.timestamp())}",
        kind="returned",
        render=lambda _locale: (
            _("The confirmation of measure {code} was returned: {comment}").format(
                code=escape(view.task_code), comment=escape(comment)
            ),
            _card_keyboard(view, now, undo_window),
        ),
        now=now,
    )
    await message.answer(
        _("Returned to {unit}; they will get your comment.").format(unit=escape(view.unit_name))
    )


async def ask_new_date(
    query: CallbackQuery,
    *,
    callback_data: ExtensionCb,
    session: AsyncSession,
    user: UserInfo | None,
    state: FSMContext,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    if user is None:
        await query.answer()
        return
    await require_staff(session, user.id, settings.admin_ids)
    request = await pending_request(session, callback_data.id)
    approving = callback_data.action is ExtensionAction.APPROVE
    await state.set_state(ExtensionStates.new_date if approving else ExtensionStates.refusal)
    await state.update_data(request_id=request.id)
    await query.answer()
    if not isinstance(query.message, Message):
        return
    if approving:
        today = local_today(clock.now(), request.plan_timezone)
        proposed = request.proposed_date
        example = (
            f"{proposed:%d.%m.%Y}"
            if proposed is not None and proposed > today
            else example_day(today, request.deadline)
        )
        await query.message.answer(
            _(
                "The new deadline of {code} for {unit}, as DD.MM.YYYY (e.g. {example}); "
                "a comment may follow the date. Or /cancel."
            ).format(
                code=escape(request.task_code),
                unit=escape(request.unit_name),
                example=example,
            )
        )
    else:
        await query.message.answer(
            _("Why is the extension of {code} for {unit} refused? Or /cancel.").format(
                code=escape(request.task_code), unit=escape(request.unit_name)
            )
        )


async def save_approval(
    message: Message,
    *,
    session: AsyncSession,
    user: UserInfo | None,
    clock: Clock,
    state: FSMContext,
    settings: Settings,
    undo_window: timedelta,
    i18n: I18n,
) -> None:
    if user is None or message.text is None:
        return
    day, comment = parse_decision(message.text)
    if day is None:
        await message.answer(
            _("That is not a date: write it as DD.MM.YYYY, e.g. {example}. Or /cancel.").format(
                example=example_day(clock.now().date())
            )
        )
        return
    data = await state.get_data()
    now = clock.now()
    try:
        request = await approve(
            session,
            int(data["request_id"]),
            user.id,
            day,
            comment=comment or None,
            now=now,
            admin_ids=settings.admin_ids,
        )
    except DateNotLater:
        await message.answer(
            _(
                "The new deadline must be later than the current one and not in the past. "
                "Send another date, or /cancel."
            )
        )
        return
    await state.clear()
    view = await get_assignment_view(session, request.assignment_id)

    def render(locale: str) -> tuple[str, InlineKeyboardMarkup | None]:
        text = one_stop(
            _("Extension approved: {code}, the new deadline is {day}.").format(
                code=escape(request.task_code), day=format_day(day, locale)
            )
        )
        if request.decision_comment:
            text += "\n" + escape(request.decision_comment)
        return text, _card_keyboard(view, now, undo_window)

    await _notify(
        session,
        i18n,
        await unit_recipients(session, request.unit_id),
        key=f"ext:{request.id}:decided",
        kind="ext_approved",
        render=render,
        now=now,
    )
    await message.answer(
        one_stop(
            _("Extended: {code} for {unit} until {day}.").format(
                code=escape(request.task_code),
                unit=escape(request.unit_name),
                day=format_day(day, i18n.current_locale),
            )
        )
    )


async def save_refusal(
    message: Message,
    *,
    session: AsyncSession,
    user: UserInfo | None,
    clock: Clock,
    state: FSMContext,
    settings: Settings,
    i18n: I18n,
) -> None:
    if user is None or message.text is None:
        return
    data = await state.get_data()
    now = clock.now()
    request = await refuse(
        session, int(data["request_id"]), user.id, message.text, now, admin_ids=settings.admin_ids
    )
    await state.clear()
    await _notify(
        session,
        i18n,
        await unit_recipients(session, request.unit_id),
        key=f"ext:{request.id}:decided",
        kind="ext_refused",
        render=lambda locale: (
            one_stop(
                _("Extension refused: {code}, the deadline stays {day}. {comment}").format(
                    code=escape(request.task_code),
                    day=format_day(request.deadline, locale),
                    comment=escape(request.decision_comment or ""),
                )
            ),
            None,
        ),
        now=now,
    )
    await message.answer(
        _("Refused: {code} for {unit}; they will get your comment.").format(
            code=escape(request.task_code), unit=escape(request.unit_name)
        )
    )


async def must_be_text(message: Message) -> None:
    await message.answer(_("Please answer with a text message, or /cancel."))


def create_router() -> Router:
    router = Router(name=__name__)
    staff = RoleFilter(*STAFF)
    router.callback_query.register(ask_reason, ExtendCb.filter())
    router.message.register(save_reason, ExtensionStates.reason, F.text, ~F.text.startswith("/"))
    router.message.register(show_review, Command("review"), staff)
    router.callback_query.register(turn_review_page, ReviewPageCb.filter(), staff)
    router.callback_query.register(
        accept_confirmation, ReviewCb.filter(F.action == ReviewAction.ACCEPT), staff
    )
    router.callback_query.register(
        ask_return_comment, ReviewCb.filter(F.action == ReviewAction.RETURN), staff
    )
    router.message.register(save_return, ReturnStates.comment, F.text, ~F.text.startswith("/"))
    router.callback_query.register(ask_new_date, ExtensionCb.filter(), staff)
    router.message.register(
        save_approval, ExtensionStates.new_date, F.text, ~F.text.startswith("/"), staff
    )
    router.message.register(
        save_refusal, ExtensionStates.refusal, F.text, ~F.text.startswith("/"), staff
    )
    for waiting in (
        ExtensionStates.reason,
        ExtensionStates.new_date,
        ExtensionStates.refusal,
        ReturnStates.comment,
    ):
        router.message.register(must_be_text, waiting, ~F.text)
    return router
