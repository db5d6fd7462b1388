"""The operators' desk: how tickets appear in the operators' chat and how messages cross over.

The asker's identity stays on our side: operators see a ticket number, the question and the FAQ
candidates, never a username, a phone or a name.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from aiogram import Bot
from aiogram.types import InlineKeyboardMarkup, Message, ReplyParameters
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.screens.render import MESSAGE_LIMIT, split_message
from bot.services.hotline import TicketInfo
from handlers.callbacks import TicketAction, TicketCb

TOPIC_NAME_LIMIT = 128


@dataclass(frozen=True, slots=True)
class Relayed:
    message_id: int
    text: str | None


def _reply(message_id: int | None) -> ReplyParameters | None:
    # allow_sending_without_reply: an operator may have deleted the header; the thread goes on.
    if message_id is None:
        return None
    return ReplyParameters(message_id=message_id, allow_sending_without_reply=True)


def ticket_keyboard(ticket_id: int, *, answered: bool) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("✅ Close"), callback_data=TicketCb(action=TicketAction.CLOSE, ticket=ticket_id)
    )
    if answered:
        builder.button(
            text=_("📝 Draft a FAQ entry"),
            callback_data=TicketCb(action=TicketAction.DRAFT, ticket=ticket_id),
        )
    return builder.as_markup()


def ticket_header(ticket: TicketInfo, question: str, candidates: Sequence[str]) -> str:
    lines = [_("🎫 Ticket #{number}").format(number=ticket.id)]
    if ticket.complaint:
        lines.append(_("⚠️ Reads like a formal complaint: the asker was told where appeals go."))
    lines += ["", f"<blockquote>{escape(question)}</blockquote>"]
    if candidates:
        lines.append(_("Closest FAQ entries:"))
        lines += [f"• {escape(candidate)}" for candidate in candidates]
    lines += ["", _("Reply to this message to answer; the asker does not see who you are.")]
    return "\n".join(lines)


class OperatorsDesk:
    def __init__(self, bot: Bot, chat_id: int, *, forum: bool) -> None:
        self.bot = bot
        self.chat_id = chat_id
        self.forum = forum

    async def post_ticket(
        self, ticket: TicketInfo, question: str, candidates: Sequence[str]
    ) -> tuple[int, int | None]:
        """Post a new ticket; returns its header message id and forum topic id."""
        topic_id = None
        if self.forum:
            topic = await self.bot.create_forum_topic(
                self.chat_id, _("Ticket #{number}").format(number=ticket.id)[:TOPIC_NAME_LIMIT]
            )
            topic_id = topic.message_thread_id
        header = ticket_header(ticket, question, candidates)
        # The header must fit one message; the full question still reaches the desk below.
        clipped = len(header) > MESSAGE_LIMIT
        sent = await self.bot.send_message(
            self.chat_id,
            header if not clipped else ticket_header(ticket, question[:2000] + "…", candidates),
            message_thread_id=topic_id,
            reply_markup=ticket_keyboard(ticket.id, answered=False),
        )
        if clipped:
            await self.relay_text(ticket, question, topic_id=topic_id, reply_to=sent.message_id)
        return sent.message_id, topic_id

    async def relay_text(
        self, ticket: TicketInfo, text: str, *, topic_id: int | None, reply_to: int | None
    ) -> Relayed:
        first = None
        for chunk in split_message(
            _("#{number} asks:").format(number=ticket.id) + "\n" + escape(text)
        ):
            sent = await self.bot.send_message(
                self.chat_id,
                chunk,
                message_thread_id=topic_id,
                reply_parameters=_reply(reply_to),
            )
            first = first or sent.message_id
        return Relayed(first or 0, text)

    async def relay_from_asker(self, ticket: TicketInfo, message: Message) -> Relayed:
        """A follow-up from the asker: text escaped, photos and documents copied without
        their sender's name."""
        reply_to = ticket.header_message_id
        if message.text is not None:
            return await self.relay_text(
                ticket, message.text, topic_id=ticket.topic_id, reply_to=reply_to
            )
        copied = await self.bot.copy_message(
            self.chat_id,
            message.chat.id,
            message.message_id,
            message_thread_id=ticket.topic_id,
            reply_parameters=_reply(reply_to),
        )
        return Relayed(copied.message_id, message.caption)

    async def relay_to_asker(self, ticket: TicketInfo, message: Message) -> Relayed:
        """An operator's answer, copied so that the asker sees the words, not the operator."""
        copied = await self.bot.copy_message(
            ticket.asker_chat_id, message.chat.id, message.message_id
        )
        return Relayed(copied.message_id, message.text or message.caption)

    async def mark_answered(self, ticket: TicketInfo) -> None:
        if ticket.header_message_id is None:
            return
        await self.bot.edit_message_reply_markup(
            chat_id=self.chat_id,
            message_id=ticket.header_message_id,
            reply_markup=ticket_keyboard(ticket.id, answered=True),
        )
