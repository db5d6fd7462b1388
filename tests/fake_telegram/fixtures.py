"""Pytest fixtures for the fake Telegram server; import them explicitly where needed::

from fake_telegram.fixtures import fake_bot, fake_telegram
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bot.fakeapi import FakeTelegramServer

__all__ = ["fake_bot", "fake_telegram", "make_bot"]


def make_bot(server: FakeTelegramServer, *, parse_mode: str | None = "HTML") -> Bot:
    """A real aiogram Bot whose real AiohttpSession talks to ``server``.

    The caller owns the session: ``await bot.session.close()`` (``Dispatcher.start_polling``
    closes it too when polling stops).
    """
    session = AiohttpSession(api=TelegramAPIServer.from_base(server.base_url))
    return Bot(server.token, session=session, default=DefaultBotProperties(parse_mode=parse_mode))


@pytest_asyncio.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegramServer]:
    """A started FakeTelegramServer, stopped after the test."""
    async with FakeTelegramServer() as server:
        yield server


@pytest_asyncio.fixture
async def fake_bot(fake_telegram: FakeTelegramServer) -> AsyncIterator[Bot]:
    """A Bot (parse_mode=HTML) wired to ``fake_telegram``; its session is closed after."""
    bot = make_bot(fake_telegram)
    try:
        yield bot
    finally:
        await bot.session.close()
