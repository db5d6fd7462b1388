"""The operators' side of the hotline: answering by reply, closing tickets, drafts for the FAQ."""

import logging
from html import escape
from typing import Protocol

from aiogram import Bot, F, Router
from aiogram.enums import ContentType
from aiogram.exceptions import ClientDecodeError, TelegramAPIError
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message, ReactionTypeEmoji
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.screens.render import one_line, split_message
from bot.services.hotline import (
    add_message,
    close_ticket,
    create_draft,
    decide_draft,
    drafts,
    open_tickets,
    ticket_for_operator_message,
)
from bot.services.types import Role
from handlers.callbacks import DraftCb, TicketAction, TicketCb
from handlers.desk import OperatorsDesk
from handlers.filters import RoleFilter
from storage.models_hotline import Direction, DraftStatus, TicketStatus

logger = logging.getLogger(__name__)

RELAYED_TYPES = {ContentType.TEXT, ContentType.PHOTO, ContentType.DOCUMENT}


class HotlineFaqSink(Protocol):
    """Where approved drafts go: the FAQ the hotline answers from."""

    def add_approved(self, draft_id: int, question: str, answer: str) -> None: ...


async def operator_reply(
    message: Message,
    *,
    session: AsyncSession,
    desk: OperatorsDesk | None,
    bot: Bot,
    clock: Clock,
) -> None:
    if desk is None or message.chat.id != desk.chat_id:
        return
    reply_to = message.reply_to_message.message_id if message.reply_to_message else None
    topic = message.message_thread_id if desk.forum and message.is_topic_message else None
    ticket = await ticket_for_operator_message(
        session, desk.chat_id, reply_to_message_id=reply_to, topic_id=topic
    )
    if ticket is None:
        return  # operators talking among themselves
    if ticket.status is TicketStatus.CLOSED:
        await message.reply(_("Ticket #{number} is closed.").format(number=ticket.id))
        return
    if message.content_type not in RELAYED_TYPES:
        await message.reply(_("Only text, photos and documents are passed to the asker."))
        return
    relayed = await desk.relay_to_asker(ticket, message)
    await add_message(
        session,
        ticket.id,
        direction=Direction.TO_ASKER,
        text=relayed.text,
        operators_chat_id=desk.chat_id,
        operators_message_id=message.message_id,
        author_user_id=message.from_user.id if message.from_user else None,
        now=clock.now(),
    )
    if ticket.status is TicketStatus.OPEN:
        await desk.mark_answered(ticket)
    try:
        await bot.set_message_reaction(
            message.chat.id, message.message_id, reaction=[ReactionTypeEmoji(emoji="👍")]
        )
    except (TelegramAPIError, ClientDecodeError) as error:
        # The relay stands: a reaction that failed (disabled in the chat, a 5xx, a lost answer)
        # is cosmetic, so it is logged and must not look like a failed relay.
        logger.warning("no reaction on operator message %s: %s", message.message_id, error)


async def ticket_button(
    query: CallbackQuery,
    callback_data: TicketCb,
    *,
    session: AsyncSession,
    desk: OperatorsDesk | None,
    bot: Bot,
    clock: Clock,
) -> None:
    # The operators' chat is the authorisation: a button pressed anywhere else is forged.
    message = query.message
    if desk is None or not isinstance(message, Message) or message.chat.id != desk.chat_id:
        logger.warning("ticket button outside the operators' chat from %s", query.from_user.id)
        await query.answer(_("This button is no longer valid."), show_alert=True)
        return
    if callback_data.action is TicketAction.DRAFT:
        draft = await create_draft(
            session, callback_data.ticket, by_user_id=query.from_user.id, now=clock.now()
        )
        await query.answer(
            _("Draft #{number} saved; an administrator approves it with /drafts.").format(
                number=draft.id
            ),
            show_alert=True,
        )
        return
    ticket = await close_ticket(
        session, callback_data.ticket, by_user_id=query.from_user.id, now=clock.now()
    )
    await query.answer(_("Ticket #{number} closed.").format(number=ticket.id))
    await message.edit_reply_markup(reply_markup=None)
    await message.reply(
        _("Closed by {name}.").format(name=escape(query.from_user.full_name)),
    )
    await bot.send_message(
        ticket.asker_chat_id,
        _(
            "Your question #{number} is closed. If you have another one, just write it here."
        ).format(number=ticket.id),
    )


async def list_tickets(message: Message, *, session: AsyncSession) -> None:
    tickets = await open_tickets(session)
    if not tickets:
        await message.answer(_("No open tickets."))
        return
    lines = [_("Open tickets ({count}):").format(count=len(tickets))]
    for ticket in tickets:
        state = _("answered") if ticket.status is TicketStatus.ANSWERED else _("waiting")
        complaint = " ⚠️" if ticket.complaint else ""
        lines.append(f"#{ticket.id}{complaint} — {state}, {ticket.created_at:%d.%m %H:%M} UTC")
    for chunk in split_message("\n".join(lines)):
        await message.answer(chunk)


async def list_drafts(message: Message, *, session: AsyncSession) -> None:
    pending = await drafts(session, DraftStatus.DRAFT)
    if not pending:
        await message.answer(_("No FAQ drafts are waiting."))
        return
    for draft in pending:
        builder = InlineKeyboardBuilder()
        builder.button(text=_("✅ Approve"), callback_data=DraftCb(draft=draft.id, approve=True))
        builder.button(text=_("🗑 Reject"), callback_data=DraftCb(draft=draft.id, approve=False))
        text = _("Draft #{number}\nQuestion: {question}\nAnswer: {answer}").format(
            number=draft.id,
            question=escape(one_line(draft.question, 600)),
            answer=escape(one_line(draft.answer, 2500)),
        )
        await message.answer(text, reply_markup=builder.as_markup())


async def draft_decision(
    query: CallbackQuery,
    callback_data: DraftCb,
    *,
    session: AsyncSession,
    clock: Clock,
    faq_sink: HotlineFaqSink,
) -> None:
    draft = await decide_draft(
        session,
        callback_data.draft,
        approve=callback_data.approve,
        by_user_id=query.from_user.id,
        now=clock.now(),
    )
    if callback_data.approve:
        faq_sink.add_approved(draft.id, draft.question, draft.answer)
    await query.answer()
    if isinstance(query.message, Message):
        verdict = _("approved: it answers from now on") if callback_data.approve else _("rejected")
        await query.message.edit_text(
            _("Draft #{number} {verdict}.").format(number=draft.id, verdict=verdict)
        )


async def ignore_desk_chatter(message: Message) -> None:
    """Commands and chatter in the operators' chat are not for the bot's catch-alls."""


def create_router(operators_chat_id: int | None) -> Router:
    router = Router(name=__name__)
    staff = RoleFilter(Role.OPERATOR, Role.ADMIN, Role.STAFF)
    if operators_chat_id is not None:
        in_desk = F.chat.id == operators_chat_id
        router.message.register(list_tickets, Command("tickets"), in_desk)
        router.message.register(operator_reply, in_desk, ~F.text.startswith("/"))
        router.message.register(ignore_desk_chatter, in_desk)
    router.message.register(list_tickets, Command("tickets"), staff)
    router.message.register(list_drafts, Command("drafts"), RoleFilter(Role.ADMIN))
    router.callback_query.register(ticket_button, TicketCb.filter())
    router.callback_query.register(draft_decision, DraftCb.filter(), RoleFilter(Role.ADMIN))
    return router
