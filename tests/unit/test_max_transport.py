"""The MAX transport over real HTTP against the fake MAX server: rendering and error classes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio

from bot.fakemax import DEFAULT_MAX_TOKEN, FakeMaxServer
from bot.transport.max.client import MaxApiError, MaxClient, MaxNetworkError
from bot.transport.max.render import fit_text, message_body, to_max_html
from bot.transport.max.transport import MAX_LIMITS, MaxTransport, classify
from bot.transport.port import (
    Address,
    AddressKind,
    Ambiguous,
    Button,
    Message,
    MessageRef,
    Outbound,
    Permanent,
    PressRef,
    RecipientGone,
    RetryAfter,
    Unavailable,
)

ANYA = Address("max", AddressKind.USER, 42)
X = Message("x")


def _user(user_id: int) -> Address:
    return Address("max", AddressKind.USER, user_id)


@pytest_asyncio.fixture
async def max_server() -> AsyncIterator[FakeMaxServer]:
    async with FakeMaxServer() as server:
        server.add_user(42, "Аня")
        yield server


@pytest_asyncio.fixture
async def transport(max_server: FakeMaxServer) -> AsyncIterator[MaxTransport]:
    async with aiohttp.ClientSession() as session:
        yield MaxTransport(MaxClient(max_server.token, session, base_url=max_server.base_url))


def test_telegram_only_tags_are_unwrapped_and_attributes_dropped() -> None:
    text = (
        '<b>Срок</b> <tg-spoiler>скрыто</tg-spoiler> <a href="https://x.ru/a?b=1" '
        'target="_blank">ссылка</a> <blockquote expandable>цитата</blockquote> '
        '<pre><code class="language-python">x</code></pre> &lt;тег&gt;'
    )
    assert to_max_html(text) == (
        '<b>Срок</b> скрыто <a href="https://x.ru/a?b=1">ссылка</a> '
        "<blockquote>цитата</blockquote> <pre><code>x</code></pre> &lt;тег&gt;"
    )


def test_long_text_is_cut_to_4000_characters_with_tags_balanced() -> None:
    text = "<b>" + "я" * 5000 + "</b>"
    fitted = fit_text(text)
    assert len(fitted) <= 4000
    assert fitted.startswith("<b>") and fitted.endswith("…</b>")
    assert fit_text("short") == "short"


def test_keyboard_rows_and_limits() -> None:
    body = message_body(
        "x", [[Button("✅", action="done:1"), Button("Сайт", url="https://max.ru")]]
    )
    assert body["attachments"] == [
        {
            "type": "inline_keyboard",
            "payload": {
                "buttons": [
                    [
                        {"type": "callback", "text": "✅", "payload": "done:1"},
                        {"type": "link", "text": "Сайт", "url": "https://max.ru"},
                    ]
                ]
            },
        }
    ]
    assert "attachments" not in message_body("x")
    assert message_body("x", replace_keyboard=True)["attachments"] == []
    with pytest.raises(ValueError, match="1025"):
        message_body("x", [[Button("a", action="p" * 1025)]])
    with pytest.raises(ValueError, match="row of 8"):
        message_body("x", [[Button(str(i), action=str(i)) for i in range(8)]])


async def test_send_renders_html_and_keyboard(
    transport: MaxTransport, max_server: FakeMaxServer
) -> None:
    outbound: Outbound = transport
    assert (outbound.name, outbound.limits) == ("max", MAX_LIMITS)
    ref = await outbound.send(
        ANYA, Message("<b>Отчёт</b> до 5 мая", ((Button("✅ Сделано", action="a:1:done"),),))
    )
    [sent] = max_server.sent_to(42)
    assert ref == MessageRef(ANYA, sent.mid)
    assert isinstance(ref.id, str)
    assert (sent.text, sent.format) == ("<b>Отчёт</b> до 5 мая", "html")
    assert sent.attachments[0]["payload"]["buttons"][0][0]["payload"] == "a:1:done"
    call = max_server.calls[-1]
    assert (call.path, call.query) == (
        "POST /messages",
        {"user_id": "42", "disable_link_preview": "true"},
    )


async def test_edit_removes_the_keyboard_and_answer_replaces_the_message(
    transport: MaxTransport, max_server: FakeMaxServer
) -> None:
    ref = await transport.send(ANYA, Message("card", ((Button("✅", action="ok"),),)))
    mid = str(ref.id)
    await transport.edit(ANYA, ref, Message("card ✅"))
    assert max_server.messages[mid].attachments == []
    await transport.edit(ANYA, ref, Message("card", ((Button("↩️", action="undo"),),)))
    assert max_server.messages[mid].text == "card"
    callback_id = max_server.press(42, mid, "undo")
    await transport.answer_press(PressRef("max", callback_id), "Отменено")
    await transport.answer_press(PressRef("max", callback_id))
    assert max_server.answers(callback_id) == [{"notification": "Отменено"}, {"notification": "✓"}]


async def test_error_classes_over_http(transport: MaxTransport, max_server: FakeMaxServer) -> None:
    max_server.fail("POST /messages", 429, retry_after=7)
    with pytest.raises(RetryAfter) as waited:
        await transport.send(ANYA, X)
    assert waited.value.seconds == 7

    max_server.fail("POST /messages", 503)
    with pytest.raises(Unavailable):
        await transport.send(ANYA, X)

    max_server.drop_response("POST /messages")
    with pytest.raises(Ambiguous):
        await transport.send(ANYA, X)
    assert len(max_server.sent_to(42)) == 1  # performed although the answer was lost

    with pytest.raises(RecipientGone):
        await transport.send(_user(999), X)  # never started the bot
    max_server.block_user(42)
    with pytest.raises(RecipientGone):
        await transport.send(ANYA, X)
    with pytest.raises(RecipientGone):
        await transport.send(Address("max", AddressKind.CHAT, -5), X)

    max_server.fail("POST /messages", 400)
    with pytest.raises(Permanent):
        await transport.send(_user(1), X)


async def test_a_wrong_token_is_permanent(max_server: FakeMaxServer) -> None:
    async with aiohttp.ClientSession() as session:
        client = MaxClient("not-" + DEFAULT_MAX_TOKEN, session, base_url=max_server.base_url)
        with pytest.raises(Permanent, match="401"):
            await MaxTransport(client).send(ANYA, X)
    assert max_server.sent() == []


async def test_refused_connection_is_safe_to_retry() -> None:
    async with aiohttp.ClientSession() as session:
        # Port 9 (discard) on 127.0.0.1 is closed in the test environment: no connection.
        client = MaxClient("t", session, base_url="http://127.0.0.1:9", timeout=5)
        with pytest.raises(MaxNetworkError) as error:
            await client.get_me()
    assert error.value.never_left
    assert isinstance(classify(error.value), Unavailable)


def test_classify_table() -> None:
    assert isinstance(classify(MaxApiError(404, "not.found", "message")), Permanent)
    assert isinstance(classify(MaxApiError(404, "chat.not.found", "x")), RecipientGone)
    assert isinstance(classify(MaxApiError(500, "internal", "x")), Unavailable)
    assert isinstance(classify(MaxNetworkError("timeout", never_left=False)), Ambiguous)
    waited = classify(MaxApiError(429, "x", "x"))
    assert isinstance(waited, RetryAfter) and waited.seconds == 1.0


async def test_an_address_of_another_transport_is_refused(transport: MaxTransport) -> None:
    with pytest.raises(Permanent, match="telegram address"):
        await transport.send(Address("telegram", AddressKind.USER, 42), X)
