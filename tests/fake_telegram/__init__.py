"""A fake Telegram Bot API server for end-to-end tests (see ``server.py``)."""

from .server import FakeTelegramServer, FakeUser, RecordedCall, UploadedFile

__all__ = ["FakeTelegramServer", "FakeUser", "RecordedCall", "UploadedFile"]
