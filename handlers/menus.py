"""Command menus by role: each chat's «/» menu lists the commands its person can use.

Telegram keeps a menu per scope (setMyCommands); the default scope is the members' menu, and
a person whose role differs gets one for their own chat, set whenever their role is learnt or
changes (/start, an invitation, /lang) and at start-up for staff, operators and admins.
"""

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat
from aiogram.utils.i18n import gettext as _

from bot.services.types import Role

logger = logging.getLogger(__name__)

_CONTROL = ("overdue", "progress", "review", "report", "coverage")
_MEMBER = ("my", "upcoming")
_ALWAYS = ("help", "lang")
MENUS: dict[Role, tuple[str, ...]] = {
    Role.PUBLIC: _ALWAYS,
    Role.MEMBER: (*_MEMBER, *_ALWAYS),
    Role.OPERATOR: (*_MEMBER, "tickets", *_ALWAYS),
    Role.STAFF: (*_MEMBER, *_CONTROL, "tickets", *_ALWAYS),
    Role.ADMIN: (*_MEMBER, *_CONTROL, "invite", "members", "units", "tickets", "drafts", *_ALWAYS),
}


def _descriptions() -> dict[str, str]:
    return {
        "my": _("My assignments"),
        "upcoming": _("Coming reminders"),
        "overdue": _("What is overdue"),
        "progress": _("Progress by plan and section"),
        "review": _("Confirmations and extension requests to decide"),
        "report": _("The report: XLSX, CSV and a chart"),
        "coverage": _("Who has joined, parties nobody covers"),
        "invite": _("Invite someone"),
        "members": _("Members, with buttons to revoke"),
        "units": _("The units of each plan"),
        "tickets": _("Open hotline tickets"),
        "drafts": _("FAQ drafts to approve"),
        "help": _("What this bot can do"),
        "lang": _("Language"),
    }


def menu(role: Role) -> list[BotCommand]:
    """The role's commands, described in the current locale."""
    descriptions = _descriptions()
    return [BotCommand(command=name, description=descriptions[name]) for name in MENUS[role]]


async def set_menu(bot: Bot, chat_id: int, role: Role) -> None:
    """The chat's own menu in the current locale; a refusal is logged, the reply still goes."""
    try:
        await bot.set_my_commands(menu(role), scope=BotCommandScopeChat(chat_id=chat_id))
    except TelegramAPIError as error:
        logger.warning("could not set the %s menu of chat %s: %s", role, chat_id, error)
