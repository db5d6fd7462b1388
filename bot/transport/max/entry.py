"""What the bot does with MAX events: invitations and binding links, /my with its ✅ / ↩️
presses, /help, and a question in plain text for the hotline's FAQ.

The checks of who may press what stay in the services (`confirm` and `undo` authorise the
person against the assignment's unit, `question_text` the asker against the question); this
module only turns a MAX event into a service call and the service's answer into a MAX reply,
built by the same screens as Telegram's, in the person's language. Not served on MAX yet:
comments, documents, extensions, staff and admin commands, and the hotline's operators (the
operators' desk is a Telegram group).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from html import escape

from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.faq.lexicon import Exam
from bot.hotline.faq import Decision, HotlineFaq
from bot.i18n import translate as _
from bot.screens import actions
from bot.screens.hotline import answer_view, choices_view, exam_view
from bot.screens.my import my_view
from bot.screens.render import role_name, split_message, upcoming_list
from bot.screens.settings import chosen_transport, settings_view
from bot.screens.upcoming import upcoming_span, upcoming_usage
from bot.services.accounts import (
    AccountTaken,
    ensure_max_user,
    messenger_status,
    redeem_binding,
    resolve_user,
    set_preferred_transport,
)
from bot.services.addresses import Account, Transport
from bot.services.assignments import confirm, open_assignments_for_user, undo, user_archived_plans
from bot.services.errors import DomainError, InvitationError, InvitationFailure
from bot.services.hotline import question_text, questions_since, record_question
from bot.services.invitations import redeem_invitation
from bot.services.members import units_of
from bot.services.reminders import upcoming_for_user
from bot.services.types import UNDO_WINDOW
from bot.transport.max.inbound import Event, MaxUser, Press, Start, Text
from bot.transport.max.render import TEXT_LIMIT
from bot.transport.max.transport import NAME
from bot.transport.port import (
    Address,
    AddressKind,
    Message,
    MessageRef,
    Outbound,
    PressRef,
    TransportError,
)

__all__ = ["MaxEntry"]

logger = logging.getLogger(__name__)


class MaxEntry:
    """The InboundHandler of the MAX side."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        transport: Outbound,
        clock: Clock,
        i18n: I18n,
        default_locale: str,
        *,
        page_size: int = 5,
        undo_window: timedelta = UNDO_WINDOW,
        questions_per_hour: int = 10,
        faq: HotlineFaq | None = None,
        telegram: bool = True,
    ) -> None:
        self._sessions = sessions
        self._transport = transport
        self._clock = clock
        self._i18n = i18n
        self._default_locale = default_locale
        self._page_size = page_size
        self._undo_window = undo_window
        self._questions_per_hour = questions_per_hour
        self.faq = faq
        """The hotline's FAQ; set once the application has loaded it."""
        self._telegram = telegram
        """Telegram is served too: a question for the operators can be asked there."""

    async def __call__(self, event: Event) -> None:
        if event.user.in_group:
            return  # the bot talks to people in dialogs; groups only receive notices
        locale = self._locale(event.user)
        with self._i18n.context(), self._i18n.use_locale(locale):
            if isinstance(event, Start):
                await self._start(event)
            elif isinstance(event, Press):
                await self._press(event)
            elif isinstance(event, Text):
                await self._ask(event)
            elif event.name == "my":
                await self._my(event.user)
            elif event.name == "upcoming":
                await self._upcoming(event.user, event.args)
            elif event.name == "settings":
                await self._settings(event.user)
            elif event.name == "help":
                await self._reply(event.user, _help(telegram=self._telegram))
            else:
                logger.info("MAX /%s from %s: not served on MAX", event.name, event.user.user_id)
                await self._reply(
                    event.user,
                    _("This command is not available in MAX yet. /help lists what works here."),
                )

    def _locale(self, user: MaxUser) -> str:
        language = (user.locale or "").split("-", 1)[0].lower()
        return language if language in self._i18n.available_locales else self._default_locale

    def _address(self, user: MaxUser) -> Address:
        return Address(NAME, AddressKind.USER, user.user_id)

    async def _reply(self, user: MaxUser, text: str) -> None:
        await self._transport.send(self._address(user), Message(text))

    async def _my_page(self, user_id: int, page: int, now: datetime) -> Message:
        async with self._sessions() as session:
            listing = await open_assignments_for_user(
                session,
                user_id,
                now,
                offset=max(page, 0) * self._page_size,
                limit=self._page_size,
                undo_window=self._undo_window,
            )
            if not listing.items and page > 0:
                page = 0
                listing = await open_assignments_for_user(
                    session,
                    user_id,
                    now,
                    limit=self._page_size,
                    undo_window=self._undo_window,
                )
            archived = await user_archived_plans(session, user_id, now)
        return my_view(
            listing,
            page,
            now,
            self._i18n.current_locale,
            page_size=self._page_size,
            undo_window=self._undo_window,
            archived=archived,
        )

    async def _my(self, user: MaxUser) -> None:
        user_id = await self._member_id(user)
        if user_id is None:
            return
        await self._transport.send(
            self._address(user), await self._my_page(user_id, 0, self._clock.now())
        )

    async def _member_id(self, user: MaxUser) -> int | None:
        """The person behind this MAX account if they report for a unit; else None, and told
        how to join."""
        async with self._sessions() as session:
            user_id = await resolve_user(session, "max", str(user.user_id))
            member = user_id is not None and bool(await units_of(session, user_id))
        if user_id is None or not member:
            await self._reply(user, _join_first())
            return None
        return user_id

    async def _upcoming(self, user: MaxUser, argument: str) -> None:
        user_id = await self._member_id(user)
        if user_id is None:
            return
        span = upcoming_span(argument)
        if span is None:
            await self._reply(user, upcoming_usage())
            return
        now = self._clock.now()
        async with self._sessions() as session:
            items = await upcoming_for_user(session, user_id, now, now + timedelta(days=span))
        listing = upcoming_list(items, span, self._i18n.current_locale)
        for chunk in split_message(listing, TEXT_LIMIT):
            await self._reply(user, chunk)

    @property
    def _messengers(self) -> tuple[Transport, ...]:
        return ("telegram", "max") if self._telegram else ("max",)

    async def _settings_view(self, session: AsyncSession, user_id: int) -> Message:
        status = await messenger_status(session, user_id, self._messengers)
        # «Link MAX» makes no sense in MAX itself: this account is the MAX one.
        return settings_view(
            status.bound, status.reminded_in, self._messengers, offer_max_link=False
        )

    async def _settings(self, user: MaxUser) -> None:
        """Where reminders go, with a button per messenger when the person is on both."""
        async with self._sessions() as session:
            user_id = await resolve_user(session, "max", str(user.user_id))
            view = None if user_id is None else await self._settings_view(session, user_id)
        if view is None:
            await self._reply(user, _join_first())
            return
        await self._transport.send(self._address(user), view)

    async def _choose_messenger(
        self, action: str, user_id: int
    ) -> tuple[str | None, Message | None]:
        transport = chosen_transport(action)
        if transport is None or transport not in self._messengers:
            return _("This button is no longer valid."), None
        async with self._sessions() as session:
            try:
                await set_preferred_transport(session, user_id, transport)
            except ValueError:  # not linked there: only a forged or stale button says so
                return _("This button is no longer valid."), None
            await session.commit()
            return None, await self._settings_view(session, user_id)

    async def _show(self, event: Press, message: Message) -> None:
        """Replace the pressed message (the /my list after a ✅ or ↩️, an answer after a
        choice); a message MAX no longer lets us edit is left as it is."""
        if event.message_id is None:
            return
        address = self._address(event.user)
        try:
            await self._transport.edit(address, MessageRef(address, event.message_id), message)
        except TransportError as error:
            logger.info("MAX: could not update message %s: %s", event.message_id, error)

    async def _start(self, event: Start) -> None:
        user, now = event.user, self._clock.now()
        account = Account("max", "user", str(user.user_id))
        if event.payload is None:
            await self._reply(
                user,
                _(
                    "Hello! This is the bot of the plan of measures for the state final exams "
                    "(ГИА-9 and ГИА-11).\n\n"
                    "Officials and school coordinators join through an invitation link from their "
                    "coordinator: open the link and I will remind you of your deadlines.\n"
                    "/help lists what you can do here, /lang changes the language."
                ),
            )
            return
        async with self._sessions() as session:
            try:
                bound = await redeem_binding(session, event.payload, account, now)
                if bound is not None:
                    text = _("Done: this MAX account is now linked to your profile.")
                else:
                    user_id = await ensure_max_user(
                        session, user.user_id, full_name=user.name, language=user.locale, now=now
                    )
                    await session.commit()
                    redemption = await redeem_invitation(
                        session,
                        event.payload,
                        user_id=user_id,
                        chat_id=user_id,
                        full_name=user.name,
                        username=None,
                        now=now,
                        language=user.locale,
                    )
                    if redemption.membership is not None:
                        text = _(
                            "Welcome! You now report for «{unit}» ({plan}).\n"
                            "I will remind you before deadlines. /my shows your assignments, "
                            "/help tells more."
                        ).format(
                            unit=escape(redemption.membership.unit_name),
                            plan=escape(redemption.membership.plan_label),
                        )
                    else:
                        text = _(
                            "Welcome! You are now registered as {role}. /help tells what you "
                            "can do."
                        ).format(role=role_name(redemption.role))
            except InvitationError as error:
                text = _refusal(error.reason)
            except AccountTaken:
                text = _("This MAX account is already linked to someone else.")
        await self._reply(user, text)

    async def _press(self, event: Press) -> None:
        # A payload the bot never makes (forged, or from a retired version) is refused alike.
        invalid = _("This button is no longer valid.")
        reply: str | None = invalid
        shown: Message | None = None
        async with self._sessions() as session:
            user_id = await resolve_user(session, "max", str(event.user.user_id))
        if user_id is not None:
            try:
                reply, shown = await self._pressed(event.data, user_id)
            except DomainError as error:
                logger.info("MAX press %s refused: %s", event.data, error)
                reply, shown = invalid, None
        await self._transport.answer_press(PressRef(NAME, event.callback_id), reply)
        if shown is not None:
            await self._show(event, shown)

    async def _pressed(self, data: str, user_id: int) -> tuple[str | None, Message | None]:
        """The press's answer and what the pressed message should show now (None: as is)."""
        invalid = _("This button is no longer valid.")
        parts = data.split(":")
        numbers = all(part.lstrip("-").isdigit() for part in parts[2:])
        now = self._clock.now()
        if parts[0] == actions.ASSIGNMENT_PREFIX and len(parts) == 4 and numbers:
            action, assignment_id, page = parts[1], int(parts[2]), int(parts[3])
            async with self._sessions() as session:
                reply: str | None
                if action == actions.AssignmentAction.DONE.value:
                    done = await confirm(session, assignment_id, user_id, now)
                    reply = _("Marked as done.") if done.changed else _("Already done.")
                elif action == actions.AssignmentAction.UNDO.value:
                    undone = await undo(session, assignment_id, user_id, now, self._undo_window)
                    reply = _("Undone: the assignment is open again.") if undone.changed else None
                else:
                    return invalid, None
            # A digest (DIGEST_PAGE) stays as sent; the /my list shows the new state.
            shown = None if page < 0 else await self._my_page(user_id, page, now)
            return reply, shown
        if parts[0] == actions.MY_PAGE_PREFIX and len(parts) == 2 and parts[1].isdigit():
            return None, await self._my_page(user_id, int(parts[1]), now)
        if parts[0] == actions.MESSENGER_PREFIX and len(parts) == 2:
            return await self._choose_messenger(parts[1], user_id)
        if parts[0] == actions.HOTLINE_PREFIX and len(parts) == 4 and numbers:
            return await self._hotline_press(parts[1], int(parts[2]), int(parts[3]), user_id)
        if parts[0] == actions.HOTLINE_EXAM_PREFIX and len(parts) == 3 and numbers:
            exam = {"9": Exam.GIA9, "11": Exam.GIA11}.get(parts[2])
            if exam is None or self.faq is None:
                return invalid, None
            async with self._sessions() as session:
                text = await question_text(session, int(parts[1]), user_id)
            answer = self.faq.consult(text).for_exam(exam)
            if answer is None:
                consultation = self.faq.consult(text, exam)
                answer = consultation.best if consultation.decision is Decision.ANSWER else None
            if answer is None:
                return invalid, None
            return None, answer_view(int(parts[1]), answer)
        return invalid, None

    async def _hotline_press(
        self, action: str, question_id: int, rank: int, user_id: int
    ) -> tuple[str | None, Message | None]:
        async with self._sessions() as session:
            text = await question_text(session, question_id, user_id)
        if action == actions.HotlineAction.PICK.value and self.faq is not None:
            candidates = self.faq.consult(text).candidates
            if rank >= len(candidates):
                return _("This button is no longer valid."), None
            return None, answer_view(question_id, candidates[rank])
        if action == actions.HotlineAction.OPERATOR.value:
            return None, Message(_operators_not_on_max(telegram=self._telegram))
        if action == actions.HotlineAction.HELPFUL.value:
            return _("Glad to help!"), None
        return _("This button is no longer valid."), None

    async def _ask(self, event: Text) -> None:
        """A question for the hotline: the FAQ's answer, its choices, or where to ask."""
        user, now = event.user, self._clock.now()
        async with self._sessions() as session:
            user_id = await ensure_max_user(
                session, user.user_id, full_name=user.name, language=user.locale, now=now
            )
            await session.commit()
            if await questions_since(session, user_id, now - timedelta(hours=1)) >= (
                self._questions_per_hour
            ):
                logger.info("hotline flood limit reached by MAX user %s", user.user_id)
                await self._reply(
                    user,
                    _(
                        "You have asked many questions in the last hour. "
                        "Please wait a little and try again."
                    ),
                )
                return
            if self.faq is None:
                await self._reply(user, _no_answer(telegram=self._telegram))
                return
            consultation = self.faq.consult(event.text)
            best = consultation.best
            question_id = await record_question(
                session,
                user_id,
                event.text,
                matched_id=best.id if best else None,
                confidence=consultation.confidence,
                now=now,
            )
        address = self._address(user)
        if consultation.decision is Decision.ANSWER and best is not None:
            await self._transport.send(address, answer_view(question_id, best))
        elif consultation.decision is Decision.ASK_EXAM and consultation.exam_pair is not None:
            await self._transport.send(address, exam_view(question_id))
        elif consultation.decision is Decision.CLARIFY and consultation.candidates:
            await self._transport.send(address, choices_view(question_id, consultation.candidates))
        else:
            await self._reply(user, _no_answer(telegram=self._telegram))


def _help(*, telegram: bool) -> str:
    lines = [
        _("What I can do for you in MAX:"),
        "",
        _("/my — your open assignments, nearest deadline first; confirm them with a tap"),
        _("/upcoming [DAYS] — the reminders coming in the next days (default 14)"),
        _("Reminders come here if you chose MAX for them."),
    ]
    if telegram:  # with MAX alone there is nothing to choose
        lines.append(_("/settings — whether reminders come here or to Telegram"))
    lines += [
        _("Write a question in plain text and the hotline answers from its FAQ."),
        _("/help — this message"),
    ]
    return "\n".join(lines)


def _join_first() -> str:
    return _(
        "You do not report for any unit yet. Open the invitation link your "
        "coordinator sent you, or ask them for one."
    )


def _operators_not_on_max(*, telegram: bool) -> str:
    if not telegram:  # MAX alone: there is no bot in Telegram to send anyone to
        return _(
            "The hotline's operators cannot be reached through this bot yet: please rephrase "
            "the question, or use the hotline's phone or e-mail."
        )
    return _(
        "The hotline's operators cannot be reached through MAX yet: please ask them through "
        "the bot in Telegram, or rephrase the question."
    )


def _no_answer(*, telegram: bool) -> str:
    return (
        _("I found no answer to this in the FAQ.") + " " + _operators_not_on_max(telegram=telegram)
    )


def _refusal(reason: InvitationFailure) -> str:
    if reason is InvitationFailure.USED:
        return _(
            "This invitation link has already been used. Links work once: "
            "please ask your coordinator for a new one."
        )
    if reason is InvitationFailure.EXPIRED:
        return _("This invitation link has expired. Please ask your coordinator for a new one.")
    return _(
        "This invitation link is not valid. Please check that it was copied completely, "
        "or ask your coordinator for a new one."
    )
