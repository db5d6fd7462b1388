"""The outbox's exactly-once guarantees through the MAX transport, over HTTP to the fake MAX.

A member bound on Telegram and MAX who chose MAX: the reminder goes once, to MAX, and nothing
to Telegram; 429 waits, 503 retries, a lost answer is uncertain and never sent again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiohttp
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine
from test_reminder_delivery import BEFORE_3, I18N, MEMBER, POLOSINA, World, make_world

from bot.delivery.tick import DeliverySettings, TickReport, run_tick
from bot.fakemax import FakeMaxServer
from bot.services.accounts import Account, bind_account, set_preferred_transport
from bot.transport.max.client import MaxClient
from bot.transport.max.transport import MaxTransport
from bot.transport.port import Outbound
from bot.transport.telegram import TelegramOutbound
from storage.models_reminders import DeliveryStatus

MAX_ID = 4242
SETTINGS = DeliverySettings(max_attempts=3, transports=("telegram", "max"))


@dataclass
class Both:
    world: World
    max_server: FakeMaxServer
    max: MaxTransport

    async def tick(self, at: datetime = BEFORE_3, *, via: str = "max") -> TickReport:
        # The limiter's clock keeps pace with the ticks, as the real one does between them.
        self.world.time.now = max(self.world.time.now, at.timestamp())
        outbound: Outbound = self.max if via == "max" else TelegramOutbound(self.world.bot)
        return await run_tick(
            self.world.sessions,
            outbound,
            at,
            worker_id=f"worker-{via}",
            limiter=self.world.limiter,
            settings=SETTINGS,
            i18n=I18N,
        )


@pytest_asyncio.fixture
async def both(engine: AsyncEngine) -> AsyncIterator[Both]:
    world = await make_world(engine)
    await world.join(POLOSINA, MEMBER)
    async with world.sessions() as session:
        await bind_account(session, MEMBER, Account("max", "user", str(MAX_ID)), BEFORE_3)
        await set_preferred_transport(session, MEMBER, "max")
        await session.commit()
    async with FakeMaxServer() as server, aiohttp.ClientSession() as http:
        server.add_user(MAX_ID, "Полосина")
        client = MaxClient(server.token, http, base_url=server.base_url, timeout=5)
        yield Both(world, server, MaxTransport(client))


async def test_the_reminder_goes_once_to_max_and_nothing_to_telegram(both: Both) -> None:
    telegram = await both.tick(via="telegram")  # releases; holds no Telegram rows to send
    report = await both.tick()
    assert (telegram.delivered, report.delivered) == (0, 1)
    assert both.world.bot.messages == []
    [sent] = both.max_server.sent_to(MAX_ID)
    assert sent.format == "html" and "Совещание руководителей" in (sent.text or "")
    [keyboard] = sent.attachments
    assert keyboard["payload"]["buttons"][0][0]["type"] == "callback"
    [row] = await both.world.outbox()
    assert (row.transport, row.chat_id, row.status) == ("max", MAX_ID, DeliveryStatus.SENT)
    assert row.message_ref == sent.mid and row.message_id is None
    again = await both.tick(BEFORE_3 + timedelta(minutes=5))
    assert again.delivered == 0
    assert len(both.max_server.sent_to(MAX_ID)) == 1


async def test_429_waits_then_sends_once(both: Both) -> None:
    both.max_server.fail("POST /messages", 429, retry_after=30)
    first = await both.tick()
    assert first.deferred == 1 and first.delivered == 0
    assert both.max_server.sent() == []
    [row] = await both.world.outbox()
    assert row.status == DeliveryStatus.PENDING and row.attempts == 0
    # Not before MAX's Retry-After: a tick within it sends nothing.
    early = await both.tick(BEFORE_3 + timedelta(seconds=20))
    assert early.delivered == 0
    assert both.max_server.sent() == []
    later = await both.tick(BEFORE_3 + timedelta(seconds=31))
    assert later.delivered == 1
    assert len(both.max_server.sent_to(MAX_ID)) == 1


async def test_503_is_retried_after_a_backoff_and_sent_once(both: Both) -> None:
    both.max_server.fail("POST /messages", 503)
    first = await both.tick()
    assert first.retried == 1 and first.delivered == 0
    [row] = await both.world.outbox()
    assert row.status == DeliveryStatus.PENDING and row.attempts == 1
    early = await both.tick(BEFORE_3 + timedelta(seconds=10))  # the first backoff is 30 s
    assert early.delivered == 0
    assert both.max_server.sent() == []
    later = await both.tick(BEFORE_3 + timedelta(hours=1))
    assert later.delivered == 1
    assert len(both.max_server.sent_to(MAX_ID)) == 1


async def test_a_lost_answer_is_uncertain_and_never_sent_again(both: Both) -> None:
    both.max_server.drop_response("POST /messages")
    first = await both.tick()
    assert first.uncertain == 1 and first.delivered == 0
    [row] = await both.world.outbox()
    assert row.status == DeliveryStatus.UNCERTAIN
    for hours in (1, 24):
        for via in ("max", "telegram"):
            later = await both.tick(BEFORE_3 + timedelta(hours=hours), via=via)
            assert later.delivered == 0
    assert len(both.max_server.sent_to(MAX_ID)) == 1  # MAX did show it, once
    assert both.world.bot.messages == []  # nor is it "made up for" on Telegram
    [row] = await both.world.outbox()
    assert row.status == DeliveryStatus.UNCERTAIN


async def test_a_user_who_stopped_the_bot_on_max_is_not_written_to_again(both: Both) -> None:
    both.max_server.block_user(MAX_ID)
    report = await both.tick()
    assert report.delivered == 0
    [row] = await both.world.outbox()
    assert row.status == DeliveryStatus.FAILED
    assert both.max_server.sent() == []


async def test_who_chose_telegram_is_reminded_once_there_and_not_on_max(both: Both) -> None:
    async with both.world.sessions() as session:
        await set_preferred_transport(session, MEMBER, "telegram")
        await session.commit()
    on_max = await both.tick()  # MAX's tick releases first; the row is Telegram's
    on_telegram = await both.tick(via="telegram")
    assert (on_max.delivered, on_telegram.delivered) == (0, 1)
    assert both.max_server.sent() == []
    assert len(both.world.bot.messages) == 1
    [row] = await both.world.outbox()
    assert (row.transport, row.chat_id, row.status) == ("telegram", MEMBER, DeliveryStatus.SENT)
    for via in ("max", "telegram"):
        assert (await both.tick(BEFORE_3 + timedelta(minutes=5), via=via)).delivered == 0
    assert both.max_server.sent() == [] and len(both.world.bot.messages) == 1
