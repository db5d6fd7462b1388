"""MAX updates in: parsing, de-duplication, long polling with marker, the webhook's secret."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web

from bot.fakemax import DIALOG_CHAT_BASE, FakeMaxServer
from bot.transport.max.client import MaxClient
from bot.transport.max.inbound import (
    Command,
    Event,
    MaxInbound,
    Press,
    SeenKeys,
    Start,
    Text,
    parse_update,
)
from bot.transport.max.transport import MaxTransport
from bot.transport.port import Address, AddressKind, Button, Message


class Recorder:
    def __init__(self) -> None:
        self.events: list[Event] = []

    async def __call__(self, event: Event) -> None:
        self.events.append(event)


@pytest_asyncio.fixture
async def max_server() -> AsyncIterator[FakeMaxServer]:
    async with FakeMaxServer(allow_http_webhook=True) as server:
        yield server


@pytest_asyncio.fixture
async def client(max_server: FakeMaxServer) -> AsyncIterator[MaxClient]:
    async with aiohttp.ClientSession() as session:
        yield MaxClient(max_server.token, session, base_url=max_server.base_url)


async def test_deep_link_commands_text_and_presses_become_events(
    max_server: FakeMaxServer, client: MaxClient
) -> None:
    recorder = Recorder()
    inbound = MaxInbound(recorder)
    max_server.bot_started(42, "inv-Abc_123", name="Аня")
    max_server.user_message(42, "/my")
    max_server.user_message(42, "/start inv-2")
    max_server.user_message(42, "Когда подавать заявление на ЕГЭ?")
    assert await inbound.poll_once(client, wait=0) == 4
    start, my, start2, question = recorder.events
    assert isinstance(start, Start) and start.payload == "inv-Abc_123"
    assert start.user.user_id == 42 and start.user.name == "Аня"
    assert start.user.chat_id == DIALOG_CHAT_BASE + 42
    assert isinstance(my, Command) and (my.name, my.args) == ("my", "")
    assert isinstance(start2, Start) and start2.payload == "inv-2"
    assert isinstance(question, Text) and question.text.startswith("Когда")

    ref = await MaxTransport(client).send(
        Address("max", AddressKind.USER, 42),
        Message("card", ((Button("✅", action="a:7:done"),),)),
    )
    mid = str(ref.id)
    callback_id = max_server.press(42, mid, "a:7:done")
    assert await inbound.poll_once(client, wait=0) == 1
    press = recorder.events[-1]
    assert isinstance(press, Press)
    assert (press.callback_id, press.data, press.message_id) == (callback_id, "a:7:done", mid)


async def test_a_repeated_poll_without_marker_dispatches_nothing_twice(
    max_server: FakeMaxServer, client: MaxClient
) -> None:
    recorder = Recorder()
    inbound = MaxInbound(recorder)
    max_server.user_message(42, "/my")
    assert await inbound.poll_once(client, wait=0) == 1
    inbound.marker = None  # as after a restart that lost the marker: MAX sends them again
    assert await inbound.poll_once(client, wait=0) == 0
    assert len(recorder.events) == 1


async def test_marker_commits_at_max(max_server: FakeMaxServer, client: MaxClient) -> None:
    inbound = MaxInbound(Recorder())
    max_server.user_message(42, "a")
    await inbound.poll_once(client, wait=0)
    assert inbound.marker is not None
    await inbound.poll_once(client, wait=0)
    assert max_server.pending_updates() == []
    assert max_server.calls[-1].query["marker"] == str(inbound.marker)


@pytest.mark.parametrize(
    "update",
    [
        {},
        {"update_type": "message_created"},
        {"update_type": "message_created", "message": {"body": {"mid": "m", "text": "x"}}},
        {
            "update_type": "message_created",
            "message": {"sender": {"user_id": "42"}, "body": {"mid": "m", "text": "x"}},
        },
        {"update_type": "message_callback", "callback": {"callback_id": 5}},
        {"update_type": "bot_started", "user": {"user_id": -1}},
        {"update_type": "dialog_muted", "user": {"user_id": 1}},
        {
            "update_type": "message_created",
            "message": {
                "sender": {"user_id": 9, "is_bot": True},
                "body": {"mid": "m", "text": "from a bot"},
            },
        },
    ],
)
def test_malformed_or_foreign_updates_are_ignored(update: dict[str, Any]) -> None:
    assert parse_update(update) is None


def test_an_overlong_start_payload_is_dropped_not_cut() -> None:
    user = {"user_id": 1, "first_name": "A"}
    update = {"update_type": "bot_started", "user": user, "chat_id": 5, "payload": "x" * 129}
    event = parse_update(update)
    assert isinstance(event, Start) and event.payload is None


def test_seen_keys_forget_the_oldest() -> None:
    seen = SeenKeys(size=2)
    assert seen.add("a") and seen.add("b") and not seen.add("a")
    assert seen.add("c")  # evicts b, the least recently seen
    assert seen.add("b")


async def test_a_failing_handler_does_not_stop_the_others(
    max_server: FakeMaxServer, client: MaxClient
) -> None:
    seen: list[str] = []

    async def handler(event: Event) -> None:
        assert isinstance(event, Text)
        if event.text == "boom":
            raise RuntimeError("handler bug")
        seen.append(event.text)

    max_server.user_message(42, "boom")
    max_server.user_message(42, "fine")
    await MaxInbound(handler).poll_once(client, wait=0)
    assert seen == ["fine"]


async def test_poll_backs_off_after_errors_and_stops(
    max_server: FakeMaxServer, client: MaxClient
) -> None:
    stop = asyncio.Event()
    pauses: list[float] = []
    recorder = Recorder()

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)

    async def handler(event: Event) -> None:
        await recorder(event)
        stop.set()

    max_server.fail("GET /updates", 503, times=2)
    max_server.fail("GET /updates", 429, retry_after=4)
    max_server.user_message(42, "hi")
    await asyncio.wait_for(MaxInbound(handler, sleep=sleep).poll(client, stop, wait=0), 10)
    assert pauses == [1.0, 2.0, 4.0]
    assert len(recorder.events) == 1


async def test_webhook_checks_the_secret_and_dedups(max_server: FakeMaxServer) -> None:
    recorder = Recorder()
    inbound = MaxInbound(recorder)
    app = web.Application()
    app.router.add_post("/max", inbound.webhook("s3cret_value"))
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        url = f"http://127.0.0.1:{port}/max"
        async with aiohttp.ClientSession() as http:
            client = MaxClient(max_server.token, http, base_url=max_server.base_url)
            await client.subscribe(url, "s3cret_value", ["bot_started"])
            max_server.bot_started(42, "inv-1")
            assert await max_server.deliver_webhook(http) == [200]
            update = {"update_type": "message_created", "message": {}}
            async with http.post(url, json=update) as response:
                assert response.status == 401
            async with http.post(
                url, json=update, headers={"X-Max-Bot-Api-Secret": "wrong_secret"}
            ) as response:
                assert response.status == 401
            # MAX retrying the same update (its 200 was lost) dispatches it once.
            again = {
                "update_type": "bot_started",
                "timestamp": 1,
                "chat_id": 5,
                "user": {"user_id": 43, "first_name": "Б", "is_bot": False},
                "payload": "inv-2",
            }
            for _ in range(2):
                async with http.post(
                    url, json=again, headers={"X-Max-Bot-Api-Secret": "s3cret_value"}
                ) as response:
                    assert response.status == 200
    finally:
        await runner.cleanup()
    assert [e.payload for e in recorder.events if isinstance(e, Start)] == ["inv-1", "inv-2"]
