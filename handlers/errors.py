"""Refusals and failures: a domain refusal becomes a polite answer, anything else is logged."""

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, ErrorEvent, Message, TelegramObject, Update
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    InvitationError,
    NotFound,
)

logger = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


def refusal_text(error: DomainError) -> str:
    if isinstance(error, Forbidden):
        return _("This is not yours: it belongs to another unit.")
    if isinstance(error, NotFound):
        return _("Not found: it may have been removed from the plan.")
    if isinstance(error, Conflict):
        return _("This can no longer be done.")
    if isinstance(error, InvalidInput):
        return _("That does not look right. Please check and try again.")
    if isinstance(error, InvitationError):
        return _("This invitation cannot be used.")
    return _("This cannot be done.")


async def tell(event: TelegramObject, text: str) -> None:
    """Answer a message or a button press, whichever the update was."""
    if isinstance(event, Update):
        event = event.callback_query or event.message or event
    if isinstance(event, CallbackQuery):
        await event.answer(text, show_alert=True)
    elif isinstance(event, Message):
        await event.answer(text)


class DomainErrorMiddleware(BaseMiddleware):
    """Turns a service's refusal into an answer in the user's language, and logs forged input."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        try:
            return await handler(event, data)
        except DomainError as error:
            session: AsyncSession | None = data.get("session")
            if session is not None:
                await session.rollback()
            sender = data.get("event_from_user")
            level = logging.WARNING if isinstance(error, Forbidden) else logging.INFO
            logger.log(
                level,
                "refused %s for user %s: %s",
                type(event).__name__,
                sender.id if sender else None,
                error,
            )
            await tell(event, refusal_text(error))
            return None


async def on_unexpected_error(event: ErrorEvent, i18n: I18n) -> bool:
    """Last resort: log with context, apologise, keep polling."""
    update = event.update
    logger.error(
        "update %s failed: %r", update.update_id, event.exception, exc_info=event.exception
    )
    target = update.callback_query or update.message
    if target is None:
        return True
    with i18n.context(), i18n.use_locale(i18n.default_locale):
        text = _("Sorry, something went wrong. It has been logged; please try again later.")
    try:
        if isinstance(target, CallbackQuery):
            await target.answer(text, show_alert=True)
        else:
            await target.answer(text)
    except TelegramAPIError as error:
        logger.warning("could not apologise for update %s: %s", update.update_id, error)
    return True


def create_router() -> Router:
    router = Router(name=__name__)
    router.errors.register(on_unexpected_error)
    return router
