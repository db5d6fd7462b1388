"""Floods against the fake Bot API enforcing Telegram's limits; the e2e tests and
`bench/replies.py` share them."""

import time
from dataclasses import dataclass

from fake_telegram import FakeUser
from harness import Harness

FLOOD_BASE_ID = 500_000


@dataclass(frozen=True, slots=True)
class Flood:
    seconds: float
    """From the first update to the last answer."""
    answered: int
    refusals: int
    """429s the fake server gave (each one waited out and sent again by the bot)."""


def flood_users(count: int) -> list[FakeUser]:
    return [FakeUser(FLOOD_BASE_ID + n, f"Гость {n}") for n in range(count)]


async def flood_of_starts(harness: Harness, users: list[FakeUser], patience: float) -> Flood:
    """Every user writes /start at once; waits until each has an answer."""
    server = harness.server
    since = len(server.calls)
    ids = {user.id for user in users}
    start = time.monotonic()
    for user in users:
        server.send_text(user, "/start")
    await server.wait_for_call(
        "sendMessage",
        lambda call: call.ok and call.chat_id in ids,
        count=len(users),
        timeout=patience,
        since=since,
    )
    seconds = time.monotonic() - start
    answered = {c.chat_id for c in server.calls[since:] if c.method == "sendMessage" and c.ok}
    return Flood(seconds, len(answered & ids), server.limit_refusals)
