"""Outer middlewares: one database session per update, the user behind it, their language."""

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User
from aiogram.utils.i18n import I18nMiddleware
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.scale.fsm import bind_session, update_session
from bot.services.members import effective_role, ensure_user
from bot.services.types import Role, UserInfo

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class DbSessionMiddleware(BaseMiddleware):
    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self.session_factory = session_factory

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        # On PostgreSQL, the connection that holds the user's lock (bot.scale.fsm).
        async with bind_session(self.session_factory) as session:
            data["session"] = session
            token = update_session.set(session)
            try:
                result = await handler(event, data)
                await session.commit()
            finally:
                update_session.reset(token)
            return result


class UserMiddleware(BaseMiddleware):
    """Registers the sender on first sight and passes `user` and `role` to handlers."""

    def __init__(self, admin_ids: frozenset[int], clock: Clock) -> None:
        self.admin_ids = admin_ids
        self.clock = clock

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        sender: User | None = data.get("event_from_user")
        chat = data.get("event_chat")
        if sender is None or sender.is_bot:
            data["user"], data["role"] = None, Role.PUBLIC
            return await handler(event, data)
        session: AsyncSession = data["session"]
        user = await ensure_user(
            session,
            sender.id,
            chat_id=chat.id if chat is not None else sender.id,
            full_name=sender.full_name,
            username=sender.username,
            language=None,  # Russian first: English only when the user picks it with /lang
            now=self.clock.now(),
        )
        data["user"] = user
        # The row ensure_user has just read: `role_of` without a second query.
        data["role"] = effective_role(sender.id, user.role, self.admin_ids)
        return await handler(event, data)


class StoredLocaleMiddleware(I18nMiddleware):
    """The user's /lang choice, else the configured default locale."""

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        user: UserInfo | None = data.get("user")
        if user is not None and user.language in self.i18n.available_locales:
            return user.language
        return self.i18n.default_locale
