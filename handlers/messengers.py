"""/settings: the messengers a person is reachable on, linking a MAX account to their profile,
and where their reminders go (one person on both messengers is reminded once, where they chose).

The link is a single-use binding token (`create_binding`) shown as MAX's deep link; opening it in
MAX binds that MAX account (bot/transport/max/entry.py). The choice is checked by the service:
nobody can send their reminders to a messenger they are not bound on.
"""

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.screens import actions
from bot.screens.actions import MessengerAction
from bot.screens.settings import chosen_transport, settings_view
from bot.services.accounts import create_binding, messenger_status, set_preferred_transport
from bot.services.types import UserInfo
from bot.transport.max.client import MaxApiError, MaxNetworkError
from bot.transport.max.runtime import max_deep_link
from bot.transport.telegram import markup

logger = logging.getLogger(__name__)

MaxBotName = Callable[[], Awaitable[str]]
"""The MAX bot's public name for its deep links (MAX_BOT_NAME, or asked from MAX once)."""


class MessengerCb(CallbackData, prefix=actions.MESSENGER_PREFIX):
    """The payload of /settings' buttons, made by `bot.screens.actions.messenger`."""

    action: MessengerAction


async def _screen(
    session: AsyncSession, user_id: int, settings: Settings
) -> tuple[str, InlineKeyboardMarkup | None]:
    status = await messenger_status(session, user_id, settings.messengers)
    view = settings_view(
        status.bound, status.reminded_in, settings.messengers, offer_max_link=True
    )
    return view.text, markup(view)


async def show_settings(
    message: Message, session: AsyncSession, user: UserInfo | None, settings: Settings
) -> None:
    if user is None:
        return
    text, keyboard = await _screen(session, user.id, settings)
    await message.answer(text, reply_markup=keyboard)


async def messenger_pressed(
    query: CallbackQuery,
    callback_data: MessengerCb,
    session: AsyncSession,
    user: UserInfo | None,
    *,
    settings: Settings,
    clock: Clock,
    invitation_ttl: timedelta,
    max_bot_name: MaxBotName | None = None,
) -> None:
    if user is None or not isinstance(query.message, Message):
        await query.answer()
        return
    if callback_data.action is MessengerAction.LINK_MAX:
        binding = await _binding_link(
            session, user, clock=clock, ttl=invitation_ttl, max_bot_name=max_bot_name
        )
        await query.answer(binding.alert, show_alert=binding.alert is not None)
        if binding.text is not None:
            await query.message.answer(binding.text)
        return
    transport = chosen_transport(callback_data.action.value)
    if transport is None or transport not in settings.messengers:
        await query.answer(_("This button is no longer valid."), show_alert=True)
        return
    try:
        await set_preferred_transport(session, user.id, transport)
    except ValueError:
        await query.answer(_("Link your MAX account first."), show_alert=True)
        return
    await session.commit()
    text, keyboard = await _screen(session, user.id, settings)
    await query.answer()
    await query.message.edit_text(text, reply_markup=keyboard)


@dataclass(frozen=True, slots=True)
class Binding:
    text: str | None = None
    """The message with the link."""
    alert: str | None = None
    """Why there is none."""


async def _binding_link(
    session: AsyncSession,
    user: UserInfo,
    *,
    clock: Clock,
    ttl: timedelta,
    max_bot_name: MaxBotName | None,
) -> Binding:
    if max_bot_name is None:  # MAX is not configured (any more): an old button
        return Binding(alert=_("This button is no longer valid."))
    try:
        name = await max_bot_name()
    except (MaxApiError, MaxNetworkError, ValueError) as error:
        # MAX down, refusing, or naming no bot: the person is told, the bot goes on.
        logger.warning("MAX bot name unavailable for a binding link: %s", error)
        return Binding(alert=_("MAX cannot be reached right now; please try again later."))
    token = await create_binding(session, user.id, now=clock.now(), ttl=ttl)
    text = _(
        "Open this link in MAX to link your account there (it works once, for {hours} h):\n{link}"
    ).format(hours=int(ttl.total_seconds() // 3600), link=max_deep_link(name, token))
    return Binding(text=text)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(show_settings, Command("settings"), F.chat.type == "private")
    router.callback_query.register(messenger_pressed, MessengerCb.filter())
    return router
