"""What the bot does with MAX events: invitations and binding links, and the ✅ / ↩️ presses.

The checks of who may press what stay in the services (`confirm` and `undo` authorise the
person against the assignment's unit); this module only turns a MAX event into a service call
and the service's answer into a MAX reply, in the person's language.
"""

from __future__ import annotations

import logging
from html import escape

from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.i18n import translate as _
from bot.screens import actions
from bot.screens.render import role_name
from bot.services.accounts import AccountTaken, ensure_max_user, redeem_binding, resolve_user
from bot.services.addresses import Account
from bot.services.assignments import confirm, undo
from bot.services.errors import DomainError, InvitationError, InvitationFailure
from bot.services.invitations import redeem_invitation
from bot.transport.max.inbound import Command, Event, MaxUser, Press, Start, Text
from bot.transport.max.transport import NAME, MaxTransport
from bot.transport.port import Address, AddressKind, Message, PressRef

__all__ = ["MaxEntry"]

logger = logging.getLogger(__name__)


class MaxEntry:
    """The InboundHandler of the MAX side."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        transport: MaxTransport,
        clock: Clock,
        i18n: I18n,
        default_locale: str,
    ) -> None:
        self._sessions = sessions
        self._transport = transport
        self._clock = clock
        self._i18n = i18n
        self._default_locale = default_locale

    async def __call__(self, event: Event) -> None:
        if event.user.in_group:
            return  # the bot talks to people in dialogs; groups only receive notices
        locale = self._locale(event.user)
        with self._i18n.context(), self._i18n.use_locale(locale):
            if isinstance(event, Start):
                await self._start(event)
            elif isinstance(event, Press):
                await self._press(event)
            elif isinstance(event, Command | Text):
                logger.info(
                    "MAX %s from %s: not served on MAX yet",
                    type(event).__name__,
                    event.user.user_id,
                )

    def _locale(self, user: MaxUser) -> str:
        language = (user.locale or "").split("-", 1)[0].lower()
        return language if language in self._i18n.available_locales else self._default_locale

    async def _reply(self, user: MaxUser, text: str) -> None:
        await self._transport.send(Address(NAME, AddressKind.USER, user.user_id), Message(text))

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
                            plan=escape(redemption.membership.plan_id),
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
        parts = event.data.split(":")
        # A payload the bot never makes (forged, or from a retired version) is refused alike.
        reply: str | None = _("This button is no longer valid.")
        if len(parts) == 4 and parts[0] == actions.ASSIGNMENT_PREFIX and parts[2].isdigit():
            action, assignment_id = parts[1], int(parts[2])
            async with self._sessions() as session:
                user_id = await resolve_user(session, "max", str(event.user.user_id))
                if user_id is None:
                    reply = _("This button is no longer valid.")
                else:
                    try:
                        if action == actions.AssignmentAction.DONE.value:
                            done = await confirm(
                                session, assignment_id, user_id, self._clock.now()
                            )
                            reply = _("Marked as done.") if done.changed else _("Already done.")
                        elif action == actions.AssignmentAction.UNDO.value:
                            undone = await undo(session, assignment_id, user_id, self._clock.now())
                            reply = (
                                _("Undone: the assignment is open again.")
                                if undone.changed
                                else None
                            )
                    except DomainError as error:
                        logger.info("MAX press %s refused: %s", event.data, error)
                        reply = _("This button is no longer valid.")
        await self._transport.answer_press(PressRef(NAME, event.callback_id), reply)


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
