"""The fake MAX server refuses what MAX refuses, records what was sent and serves updates."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web

from bot.fakemax import DEFAULT_MAX_TOKEN, DIALOG_CHAT_BASE, FakeMaxServer

AUTH = {"Authorization": DEFAULT_MAX_TOKEN}
KEYBOARD = {
    "type": "inline_keyboard",
    "payload": {"buttons": [[{"type": "callback", "text": "✅", "payload": "done:1"}]]},
}


@pytest_asyncio.fixture
async def max_server() -> AsyncIterator[FakeMaxServer]:
    async with FakeMaxServer(allow_http_webhook=True) as server:
        server.add_user(42, "Аня")
        yield server


@pytest_asyncio.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def _call(
    http: aiohttp.ClientSession,
    server: FakeMaxServer,
    method: str,
    path: str,
    *,
    params: dict[str, Any] | None = None,
    json: Any = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    async with http.request(
        method,
        server.base_url + path,
        params=params,
        json=json,
        headers=AUTH if headers is None else headers,
    ) as response:
        return response.status, await response.json()


async def test_send_is_recorded_with_its_keyboard(
    max_server: FakeMaxServer, http: aiohttp.ClientSession
) -> None:
    status, body = await _call(
        http,
        max_server,
        "POST",
        "/messages",
        params={"user_id": 42},
        json={"text": "<b>Привет</b>", "format": "html", "attachments": [KEYBOARD]},
    )
    assert status == 200
    mid = body["message"]["body"]["mid"]
    assert body["message"]["recipient"] == {
        "chat_id": DIALOG_CHAT_BASE + 42,
        "chat_type": "dialog",
        "user_id": 42,
    }
    [sent] = max_server.sent_to(42)
    assert (sent.mid, sent.text, sent.format) == (mid, "<b>Привет</b>", "html")


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "wrong"}, {"Authorization": "Bearer " + DEFAULT_MAX_TOKEN}]
)
async def test_missing_or_wrong_token_is_401(
    max_server: FakeMaxServer, http: aiohttp.ClientSession, headers: dict[str, str]
) -> None:
    status, body = await _call(
        http,
        max_server,
        "POST",
        "/messages",
        params={"user_id": 42},
        json={"text": "x"},
        headers=headers,
    )
    assert status == 401
    assert body["code"] == "verify.token"
    assert max_server.sent() == []


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({"text": "x" * 4001}, "at most 4000"),
        ({"text": "x", "parse_mode": "HTML"}, "unknown field(s) parse_mode"),
        ({"text": "x", "format": "MarkdownV2"}, "html or markdown"),
        ({"text": "x", "attachments": [{**KEYBOARD, "extra": 1}]}, "unknown field(s) extra"),
        (
            {
                "text": "x",
                "attachments": [
                    {
                        "type": "inline_keyboard",
                        "payload": {
                            "buttons": [[{"type": "callback", "text": "a", "payload": "p" * 1025}]]
                        },
                    }
                ],
            },
            "at most 1024",
        ),
        (
            {
                "text": "x",
                "attachments": [
                    {
                        "type": "inline_keyboard",
                        "payload": {
                            "buttons": [[{"type": "callback", "text": "a", "callback_data": "p"}]]
                        },
                    }
                ],
            },
            "unknown field(s) callback_data",
        ),
        ({}, "empty"),
    ],
)
async def test_schema_violations_are_400(
    max_server: FakeMaxServer, http: aiohttp.ClientSession, payload: Any, fragment: str
) -> None:
    status, body = await _call(
        http, max_server, "POST", "/messages", params={"user_id": 42}, json=payload
    )
    assert status == 400
    assert fragment in body["message"]
    assert max_server.sent() == []


async def test_exactly_4000_characters_and_1024_payload_pass(
    max_server: FakeMaxServer, http: aiohttp.ClientSession
) -> None:
    keyboard = {
        "type": "inline_keyboard",
        "payload": {"buttons": [[{"type": "callback", "text": "a", "payload": "p" * 1024}]]},
    }
    status, _ = await _call(
        http,
        max_server,
        "POST",
        "/messages",
        params={"user_id": 42},
        json={"text": "я" * 4000, "attachments": [keyboard]},
    )
    assert status == 200


async def test_blocked_unknown_and_injected_faults(
    max_server: FakeMaxServer, http: aiohttp.ClientSession
) -> None:
    status, body = await _call(
        http, max_server, "POST", "/messages", params={"user_id": 7}, json={"text": "x"}
    )
    assert (status, body["code"]) == (404, "chat.not.found")
    max_server.block_user(42)
    status, body = await _call(
        http, max_server, "POST", "/messages", params={"user_id": 42}, json={"text": "x"}
    )
    assert (status, body["code"]) == (403, "chat.denied")

    max_server.add_user(43)
    max_server.fail("POST /messages", 429, retry_after=3)
    max_server.fail("POST /messages", 503)
    async with http.post(
        max_server.base_url + "/messages",
        params={"user_id": 43},
        json={"text": "x"},
        headers=AUTH,
    ) as response:
        assert response.status == 429
        assert response.headers["Retry-After"] == "3"
    status, _ = await _call(
        http, max_server, "POST", "/messages", params={"user_id": 43}, json={"text": "x"}
    )
    assert status == 503
    status, _ = await _call(
        http, max_server, "POST", "/messages", params={"user_id": 43}, json={"text": "x"}
    )
    assert status == 200
    assert [c.status for c in max_server.calls] == [404, 403, 429, 503, 200]


async def test_dropped_answer_is_performed_but_never_arrives(
    max_server: FakeMaxServer, http: aiohttp.ClientSession
) -> None:
    max_server.drop_response("POST /messages")
    with pytest.raises(aiohttp.ClientError):
        await _call(
            http, max_server, "POST", "/messages", params={"user_id": 42}, json={"text": "x"}
        )
    assert [m.text for m in max_server.sent_to(42)] == ["x"]


async def test_updates_with_marker_commit_what_was_read(
    max_server: FakeMaxServer, http: aiohttp.ClientSession
) -> None:
    max_server.bot_started(50, "inv-abc", name="Борис")
    max_server.bot_started(51, "x" * 129)  # too long: MAX omits it
    max_server.user_message(50, "/my")
    status, page = await _call(http, max_server, "GET", "/updates", params={"timeout": 0})
    assert status == 200
    kinds = [u["update_type"] for u in page["updates"]]
    assert kinds == ["bot_started", "bot_started", "message_created"]
    assert page["updates"][0]["payload"] == "inv-abc"
    assert "payload" not in page["updates"][1]
    assert page["updates"][2]["message"]["body"]["text"] == "/my"
    assert all("update_id" not in u for u in page["updates"])
    # Without the marker the same updates come again; with it they are committed.
    _, again = await _call(http, max_server, "GET", "/updates", params={"timeout": 0})
    assert len(again["updates"]) == 3
    _, after = await _call(
        http, max_server, "GET", "/updates", params={"timeout": 0, "marker": page["marker"]}
    )
    assert after["updates"] == []
    _, after = await _call(http, max_server, "GET", "/updates", params={"timeout": 0})
    assert after["updates"] == []


async def test_press_needs_a_shown_button_and_is_answered(
    max_server: FakeMaxServer, http: aiohttp.ClientSession
) -> None:
    _, body = await _call(
        http,
        max_server,
        "POST",
        "/messages",
        params={"user_id": 42},
        json={"text": "card", "attachments": [KEYBOARD]},
    )
    mid = body["message"]["body"]["mid"]
    with pytest.raises(ValueError, match="no button"):
        max_server.press(42, mid, "done:2")
    callback_id = max_server.press(42, mid, "done:1")
    _, page = await _call(http, max_server, "GET", "/updates", params={"timeout": 0})
    [update] = page["updates"]
    assert update["update_type"] == "message_callback"
    assert update["callback"]["callback_id"] == callback_id
    assert update["callback"]["payload"] == "done:1"
    status, _ = await _call(
        http,
        max_server,
        "POST",
        "/answers",
        params={"callback_id": callback_id},
        json={"message": {"text": "card ✅", "attachments": []}, "notification": "Готово"},
    )
    assert status == 200
    assert max_server.answers(callback_id)[0]["notification"] == "Готово"
    assert max_server.messages[mid].text == "card ✅"
    assert max_server.messages[mid].attachments == []
    status, _ = await _call(
        http,
        max_server,
        "POST",
        "/answers",
        params={"callback_id": "nope"},
        json={"notification": "x"},
    )
    assert status == 404


async def test_webhook_delivery_carries_the_secret(
    max_server: FakeMaxServer, http: aiohttp.ClientSession
) -> None:
    received: list[tuple[str | None, Any]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append((request.headers.get("X-Max-Bot-Api-Secret"), await request.json()))
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/max", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        status, _ = await _call(
            http,
            max_server,
            "POST",
            "/subscriptions",
            json={"url": f"http://127.0.0.1:{port}/max", "secret": "bad secret"},
        )
        assert status == 400
        status, _ = await _call(
            http,
            max_server,
            "POST",
            "/subscriptions",
            json={"url": f"http://127.0.0.1:{port}/max", "secret": "s3cret_value"},
        )
        assert status == 200
        status, _ = await _call(http, max_server, "GET", "/updates", params={"timeout": 0})
        assert status == 405
        max_server.bot_started(60, "inv-1")
        assert await max_server.deliver_webhook(http) == [200]
        assert received[0][0] == "s3cret_value"
        assert received[0][1]["payload"] == "inv-1"
        assert max_server.pending_updates() == []
    finally:
        await runner.cleanup()


async def test_webhook_must_be_https_by_default(http: aiohttp.ClientSession) -> None:
    async with FakeMaxServer() as server:
        status, body = await _call(
            http, server, "POST", "/subscriptions", json={"url": "http://example.org/hook"}
        )
    assert status == 400
    assert "https" in body["message"]
