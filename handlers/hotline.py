"""The public side of the hotline: a question gets a FAQ answer, or reaches an operator."""

import logging
from datetime import datetime, timedelta
from html import escape

from aiogram import Bot, F, Router
from aiogram.enums import ChatType, ContentType
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from babel.dates import get_day_names
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.faq.lexicon import Exam
from bot.hotline.faq import Consultation, Decision, FaqAnswer, HotlineFaq
from bot.hotline.hours import HotlineHours
from bot.screens.hotline import answer_text
from bot.screens.render import one_line, split_message
from bot.services.hotline import (
    add_message,
    create_ticket,
    forget_user,
    mark_waiting_notified,
    open_ticket_of,
    question_text,
    questions_since,
    record_question,
    set_ticket_place,
    tickets_without_answer,
)
from bot.services.members import get_user
from bot.services.types import UserInfo
from handlers.callbacks import ExamChoice, ForgetCb, HotlineAction, HotlineCb, HotlineExamCb
from handlers.desk import OperatorsDesk
from storage.models_hotline import Direction

logger = logging.getLogger(__name__)

RELAYED_TYPES = {ContentType.TEXT, ContentType.PHOTO, ContentType.DOCUMENT}
BUTTON_TEXT_LIMIT = 60
# FSM data key: the exam this conversation chose with «ОГЭ / 9 класс» · «ЕГЭ / 11 класс». Only
# data is set, never a state, so the hotline's StateFilter(None) handlers keep taking questions.
EXAM_KEY = "hotline_exam"
EXAMS = {ExamChoice.GIA9: Exam.GIA9, ExamChoice.GIA11: Exam.GIA11}


async def conversation_exam(state: FSMContext) -> Exam | None:
    value = (await state.get_data()).get(EXAM_KEY)
    return Exam(value) if value in {Exam.GIA9.value, Exam.GIA11.value} else None


def hours_text(hours: HotlineHours, locale: str) -> str:
    names = get_day_names("abbreviated", locale=locale)
    days = ", ".join(names[day] for day in sorted(hours.weekdays))
    return _("Operators work {days}, {opens}–{closes} ({zone}).").format(
        days=days,
        opens=hours.opens.strftime("%H:%M"),
        closes=hours.closes.strftime("%H:%M"),
        zone=hours.timezone.key,
    )


def answer_keyboard(question_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("👍 Yes"),
        callback_data=HotlineCb(action=HotlineAction.HELPFUL, question=question_id),
    )
    builder.button(
        text=_("No, ask an operator"),
        callback_data=HotlineCb(action=HotlineAction.OPERATOR, question=question_id),
    )
    return builder.as_markup()


def clarify_keyboard(question_id: int, candidates: tuple[FaqAnswer, ...]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for rank, candidate in enumerate(candidates):
        builder.button(
            text=one_line(candidate.question, BUTTON_TEXT_LIMIT),
            callback_data=HotlineCb(action=HotlineAction.PICK, question=question_id, rank=rank),
        )
    builder.button(
        text=_("None of these: ask an operator"),
        callback_data=HotlineCb(action=HotlineAction.OPERATOR, question=question_id),
    )
    builder.adjust(1)
    return builder.as_markup()


def exam_keyboard(question_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("OGE / 9th grade"),
        callback_data=HotlineExamCb(question=question_id, exam=ExamChoice.GIA9),
    )
    builder.button(
        text=_("EGE / 11th grade"),
        callback_data=HotlineExamCb(question=question_id, exam=ExamChoice.GIA11),
    )
    return builder.as_markup()


async def _to_operator(
    message: Message,
    *,
    text: str,
    consultation: Consultation | None,
    session: AsyncSession,
    user: UserInfo,
    desk: OperatorsDesk | None,
    hours: HotlineHours,
    clock: Clock,
    i18n: I18n,
) -> None:
    now = clock.now()
    complaint = consultation.complaint if consultation is not None else False
    if complaint:
        await message.answer(
            escape(consultation.complaint_note)
            if consultation is not None and consultation.complaint_note
            else _("The hotline does not take official complaints; I am passing this on anyway.")
        )
    if desk is None:
        await message.answer(
            _("Sorry, the operators cannot be reached through this bot right now.")
            + "\n"
            + hours_text(hours, i18n.current_locale)
        )
        return
    ticket = await create_ticket(
        session,
        asker_user_id=user.id,
        asker_chat_id=message.chat.id,
        operators_chat_id=desk.chat_id,
        complaint=complaint,
        now=now,
    )
    candidates = [c.question for c in consultation.candidates] if consultation else []
    header_id, topic_id = await desk.post_ticket(ticket, text, candidates)
    await set_ticket_place(session, ticket.id, header_message_id=header_id, topic_id=topic_id)
    await add_message(
        session,
        ticket.id,
        direction=Direction.FROM_ASKER,
        text=text,
        operators_chat_id=desk.chat_id,
        operators_message_id=header_id,
        author_user_id=user.id,
        now=now,
    )
    reply = _(
        "Your question #{number} has been passed to an operator. The answer will come here."
    ).format(number=ticket.id)
    if not hours.is_open(now):
        reply += "\n" + _("The operators are not at work now.") + " "
        reply += hours_text(hours, i18n.current_locale)
    await message.answer(reply)


async def ask(
    message: Message,
    *,
    state: FSMContext,
    session: AsyncSession,
    user: UserInfo | None,
    faq: HotlineFaq,
    desk: OperatorsDesk | None,
    hours: HotlineHours,
    clock: Clock,
    i18n: I18n,
    questions_per_hour: int,
) -> None:
    if user is None or message.text is None:
        return
    now = clock.now()
    ticket = await open_ticket_of(session, user.id)
    if ticket is not None and desk is not None:
        relayed = await desk.relay_from_asker(ticket, message)
        await add_message(
            session,
            ticket.id,
            direction=Direction.FROM_ASKER,
            text=message.text,
            operators_chat_id=desk.chat_id,
            operators_message_id=relayed.message_id,
            author_user_id=user.id,
            now=now,
        )
        await message.answer(_("Added to your question #{number}.").format(number=ticket.id))
        return
    if await questions_since(session, user.id, now - timedelta(hours=1)) >= questions_per_hour:
        logger.info("hotline flood limit reached by user %s", user.id)
        await message.answer(
            _(
                "You have asked many questions in the last hour. "
                "Please wait a little and try again."
            )
        )
        return
    consultation = faq.consult(message.text, await conversation_exam(state))
    best = consultation.best
    question_id = await record_question(
        session,
        user.id,
        message.text,
        matched_id=best.id if best else None,
        confidence=consultation.confidence,
        now=now,
    )
    if consultation.decision is Decision.ANSWER and best is not None:
        for chunk in split_message(answer_text(best)):
            await message.answer(chunk, reply_markup=answer_keyboard(question_id))
        return
    if consultation.decision is Decision.ASK_EXAM and consultation.exam_pair is not None:
        await message.answer(
            _("Which exam is your question about? The answer differs for the OGE and the EGE."),
            reply_markup=exam_keyboard(question_id),
        )
        return
    if consultation.decision is Decision.CLARIFY and consultation.candidates:
        await message.answer(
            _("I am not sure I understood. Is your question one of these?"),
            reply_markup=clarify_keyboard(question_id, consultation.candidates),
        )
        return
    await _to_operator(
        message,
        text=message.text,
        consultation=consultation,
        session=session,
        user=user,
        desk=desk,
        hours=hours,
        clock=clock,
        i18n=i18n,
    )


async def follow_up_with_media(
    message: Message,
    *,
    session: AsyncSession,
    user: UserInfo | None,
    desk: OperatorsDesk | None,
    clock: Clock,
) -> None:
    if user is None:
        return
    ticket = await open_ticket_of(session, user.id)
    if ticket is None or desk is None or message.content_type not in RELAYED_TYPES:
        await message.answer(
            _("Please write your question as text; photos and documents can follow it.")
        )
        return
    relayed = await desk.relay_from_asker(ticket, message)
    await add_message(
        session,
        ticket.id,
        direction=Direction.FROM_ASKER,
        text=message.caption,
        operators_chat_id=desk.chat_id,
        operators_message_id=relayed.message_id,
        author_user_id=user.id,
        now=clock.now(),
    )
    await message.answer(_("Added to your question #{number}.").format(number=ticket.id))


async def exam_chosen(
    query: CallbackQuery,
    callback_data: HotlineExamCb,
    *,
    state: FSMContext,
    session: AsyncSession,
    user: UserInfo | None,
    faq: HotlineFaq,
) -> None:
    """The asker said which exam: remember it for the conversation and give that answer."""
    message = query.message
    if user is None or not isinstance(message, Message):
        await query.answer()
        return
    text = await question_text(session, callback_data.question, user.id)
    exam = EXAMS[callback_data.exam]
    await state.update_data({EXAM_KEY: exam.value})
    answer = faq.consult(text).for_exam(exam)
    if answer is None:  # the FAQ changed since the question: match again for that exam
        consultation = faq.consult(text, exam)
        answer = consultation.best if consultation.decision is Decision.ANSWER else None
    if answer is None:
        await query.answer(_("This button is no longer valid."), show_alert=True)
        return
    await query.answer()
    await message.edit_text(
        answer_text(answer)[:4000], reply_markup=answer_keyboard(callback_data.question)
    )


async def hotline_button(
    query: CallbackQuery,
    callback_data: HotlineCb,
    *,
    state: FSMContext,
    session: AsyncSession,
    user: UserInfo | None,
    faq: HotlineFaq,
    desk: OperatorsDesk | None,
    hours: HotlineHours,
    clock: Clock,
    i18n: I18n,
) -> None:
    message = query.message
    if user is None or not isinstance(message, Message):
        await query.answer()
        return
    text = await question_text(session, callback_data.question, user.id)
    if callback_data.action is HotlineAction.HELPFUL:
        await query.answer(_("Glad to help!"))
        await message.edit_reply_markup(reply_markup=None)
        return
    if callback_data.action is HotlineAction.PICK:
        candidates = faq.consult(text, await conversation_exam(state)).candidates
        if callback_data.rank >= len(candidates):
            await query.answer(_("This button is no longer valid."), show_alert=True)
            return
        await query.answer()
        await message.edit_text(
            answer_text(candidates[callback_data.rank])[:4000],
            reply_markup=answer_keyboard(callback_data.question),
        )
        return
    await query.answer()
    await message.edit_reply_markup(reply_markup=None)
    if await open_ticket_of(session, user.id) is not None:
        await message.answer(_("Your earlier question is still with an operator."))
        return
    await _to_operator(
        message,
        text=text,
        consultation=faq.consult(text),
        session=session,
        user=user,
        desk=desk,
        hours=hours,
        clock=clock,
        i18n=i18n,
    )


async def forget(message: Message) -> None:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Yes, delete my data"), callback_data=ForgetCb(confirm=True))
    await message.answer(
        _(
            "This deletes your hotline questions and conversations with operators from the bot. "
            "Continue?"
        ),
        reply_markup=builder.as_markup(),
    )


async def forget_confirmed(
    query: CallbackQuery, *, state: FSMContext, session: AsyncSession, user: UserInfo | None
) -> None:
    if user is None:
        await query.answer()
        return
    report = await forget_user(session, user.id)
    await state.update_data({EXAM_KEY: None})
    logger.info(
        "user %s forgotten: %s questions, %s tickets", user.id, report.questions, report.tickets
    )
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(_("Done: your hotline data has been deleted."))


async def unsupported_content(message: Message) -> None:
    await message.answer(_("I can take text, photos and documents only."))


def create_router() -> Router:
    router = Router(name=__name__)
    private = F.chat.type == ChatType.PRIVATE
    router.message.register(forget, Command("forget"), private)
    router.callback_query.register(forget_confirmed, ForgetCb.filter(F.confirm))
    router.callback_query.register(hotline_button, HotlineCb.filter())
    router.callback_query.register(exam_chosen, HotlineExamCb.filter())
    router.message.register(ask, private, StateFilter(None), F.text, ~F.text.startswith("/"))
    router.message.register(follow_up_with_media, private, StateFilter(None), F.photo | F.document)
    router.message.register(unsupported_content, private, StateFilter(None), ~F.text)
    return router


async def remind_waiting_askers(
    sessions: async_sessionmaker[AsyncSession],
    bot: Bot,
    *,
    hours: HotlineHours,
    answer_within: timedelta,
    now: datetime,
    i18n: I18n,
) -> int:
    """Tell askers, once, that their question waits longer than operators should take.

    Counted in the operators' working time: a Friday-evening question is not late on Sunday.
    """
    told = 0
    async with sessions() as session:
        for ticket in await tickets_without_answer(session, created_before=now - answer_within):
            if hours.working_time_between(ticket.created_at, now) < answer_within:
                continue
            asker = await get_user(session, ticket.asker_user_id)
            locale = asker.language if asker and asker.language else i18n.default_locale
            with i18n.context(), i18n.use_locale(locale):
                text = _(
                    "Your question #{number} is still waiting for an operator. It has not been "
                    "forgotten: the answer will come here."
                ).format(number=ticket.id)
            try:
                await bot.send_message(ticket.asker_chat_id, text)
            except TelegramAPIError as error:
                logger.warning("could not tell asker of ticket %s: %s", ticket.id, error)
            await mark_waiting_notified(session, ticket.id)
            told += 1
    return told
