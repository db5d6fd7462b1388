"""A local Telegram Bot API server on 127.0.0.1 (see ``server.py``).

The end-to-end tests drive the real bot against it, and ``roadmap-bot demo`` puts a chat page
in front of it. It is product code so the installed package can run the demo without the tests.
"""

from .server import DEFAULT_TOKEN, FakeTelegramServer, FakeUser, RecordedCall, UploadedFile

__all__ = ["DEFAULT_TOKEN", "FakeTelegramServer", "FakeUser", "RecordedCall", "UploadedFile"]
