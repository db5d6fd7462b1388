"""/upcoming for members: the reminders coming their way; /setdate for admins: date an
external term («по графику ФЦТ») so its reminders can start."""

import re
from datetime import date, timedelta
from html import escape

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.i18n import format_day, ngettext
from bot.screens.render import split_message, upcoming_list
from bot.screens.upcoming import upcoming_span, upcoming_usage
from bot.services.errors import NotFound
from bot.services.members import units_of
from bot.services.reminders import (
    DateNotSettable,
    DateRefusal,
    set_external_date,
    upcoming_for_user,
)
from bot.services.types import Role, UserInfo
from handlers.filters import RoleFilter

_RUSSIAN_DATE_RE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")


async def upcoming(
    message: Message,
    command: CommandObject,
    *,
    session: AsyncSession,
    user: UserInfo | None,
    clock: Clock,
    i18n: I18n,
) -> None:
    if user is None:
        return
    if not await units_of(session, user.id):
        await message.answer(
            _(
                "You do not report for any unit yet. Open the invitation link your "
                "coordinator sent you, or ask them for one."
            )
        )
        return
    span = upcoming_span(command.args or "")
    if span is None:
        await message.answer(upcoming_usage())
        return
    now = clock.now()
    items = await upcoming_for_user(session, user.id, now, now + timedelta(days=span))
    for chunk in split_message(upcoming_list(items, span, i18n.current_locale)):
        await message.answer(chunk)


def parse_day(text: str) -> date | None:
    """2024-02-15 or 15.02.2024."""
    russian = _RUSSIAN_DATE_RE.fullmatch(text)
    try:
        if russian is not None:
            return date(int(russian[3]), int(russian[2]), int(russian[1]))
        return date.fromisoformat(text)
    except ValueError:
        return None


def refusal(error: DateNotSettable) -> str:
    if error.reason is DateRefusal.SUB_ITEMS:
        return _("{code} is done through its sub-items: set the date on them.").format(
            code=escape(error.code)
        )
    if error.reason is DateRefusal.AMBIGUOUS:
        return _("{code} is in several plans: write /setdate PLAN {code} DATE.").format(
            code=escape(error.code)
        )
    return _("The term of {code} has dates of its own; change them in the plan file.").format(
        code=escape(error.code)
    )


async def set_date(
    message: Message,
    command: CommandObject,
    *,
    session: AsyncSession,
    clock: Clock,
    user: UserInfo | None,
    i18n: I18n,
) -> None:
    parts = (command.args or "").split()
    day = parse_day(parts[-1]) if len(parts) in (2, 3) else None
    if day is None:
        await message.answer(
            _(
                "Usage: /setdate CODE DATE, e.g. /setdate 5.1.5 2024-02-15; "
                "with several plans: /setdate PLAN CODE DATE."
            )
        )
        return
    plan_id, code = (parts[0], parts[1]) if len(parts) == 3 else (None, parts[0])
    try:
        outcome = await set_external_date(
            session, code, day, clock.now(), plan_id, user_id=user.id if user else None
        )
    except DateNotSettable as error:
        await message.answer(refusal(error))
        return
    except NotFound:
        await message.answer(
            _("There is no measure {code} in the loaded plans.").format(code=escape(code))
        )
        return
    await message.answer(
        ngettext(
            "{code} ({plan}): due {day}; {count} reminder scheduled.",
            "{code} ({plan}): due {day}; {count} reminders scheduled.",
            outcome.reminders.created,
        ).format(
            code=escape(code),
            plan=escape(outcome.plan_id),
            day=format_day(day, i18n.current_locale),
            count=outcome.reminders.created,
        )
    )


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(upcoming, Command("upcoming"))
    router.message.register(set_date, Command("setdate"), RoleFilter(Role.ADMIN))
    return router
