"""The tests' fake Telegram Bot API server: a re-export of :mod:`bot.fakeapi`.

The server moved into the product (``roadmap-bot demo`` runs it); the tests keep importing it
from here, and the pytest fixtures stay in ``fixtures.py``.
"""

from bot.fakeapi import FakeTelegramServer, FakeUser, RecordedCall, UploadedFile

__all__ = ["FakeTelegramServer", "FakeUser", "RecordedCall", "UploadedFile"]
