"""/start: redeem an invitation (deep link), or enter as a member of the public."""

import logging
from html import escape

from aiogram import Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.screens.render import role_name
from bot.services.errors import InvitationError, InvitationFailure
from bot.services.invitations import redeem_invitation
from bot.services.types import Role, UserInfo
from handlers.menus import set_menu

logger = logging.getLogger(__name__)


def refusal(reason: InvitationFailure) -> str:
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


async def start_with_invitation(
    message: Message, command: CommandObject, session: AsyncSession, clock: Clock, role: Role
) -> None:
    sender = message.from_user
    if sender is None:
        return
    try:
        redemption = await redeem_invitation(
            session,
            command.args or "",
            user_id=sender.id,
            chat_id=message.chat.id,
            full_name=sender.full_name,
            username=sender.username,
            now=clock.now(),
        )
    except InvitationError as error:
        logger.info("invitation refused for user %s: %s", sender.id, error.reason)
        await message.answer(refusal(error.reason))
        return
    if message.bot is not None:
        # ADMIN_IDS outrank what the invitation gave.
        await set_menu(
            message.bot, message.chat.id, Role.ADMIN if role is Role.ADMIN else redemption.role
        )
    if redemption.membership is not None:
        text = _(
            "Welcome! You now report for «{unit}» ({plan}).\n"
            "I will remind you before deadlines. /my shows your assignments, /help tells more."
        ).format(
            unit=escape(redemption.membership.unit_name),
            plan=escape(redemption.membership.plan_label),
        )
    else:
        text = _("Welcome! You are now registered as {role}. /help tells what you can do.").format(
            role=role_name(redemption.role)
        )
    await message.answer(text)


async def start_public(message: Message, user: UserInfo | None, role: Role) -> None:
    if message.bot is not None and message.chat.type == "private" and role is not Role.PUBLIC:
        # A visitor has the default menu (`bot.app.set_commands`): no call per /start.
        await set_menu(message.bot, message.chat.id, role)
    if role is Role.ADMIN and user is not None and user.first_seen:
        # An admin comes from ADMIN_IDS, not an invitation: their first /start is a first.
        await message.answer(
            _(
                "Hello! You are an administrator (ADMIN_IDS). /invite creates invitation "
                "links for officials, school coordinators and staff; /help lists the rest."
            )
        )
        return
    if role is not Role.PUBLIC:
        await message.answer(
            _("Hello again! You are registered as {role}. /help tells what you can do.").format(
                role=role_name(role)
            )
        )
        return
    await message.answer(
        _(
            "Hello! This is the bot of the plan of measures for the state final exams "
            "(ГИА-9 and ГИА-11).\n\n"
            "Officials and school coordinators join through an invitation link from their "
            "coordinator: open the link and I will remind you of your deadlines.\n"
            "/help lists what you can do here, /lang changes the language."
        )
    )


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(start_with_invitation, CommandStart(deep_link=True))
    router.message.register(start_public, CommandStart())
    return router
