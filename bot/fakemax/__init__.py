"""A fake MAX Bot API server for the tests (see server.py)."""

from bot.fakemax.server import DEFAULT_MAX_TOKEN, DIALOG_CHAT_BASE, FakeMaxServer, MaxCall

__all__ = ["DEFAULT_MAX_TOKEN", "DIALOG_CHAT_BASE", "FakeMaxServer", "MaxCall"]
