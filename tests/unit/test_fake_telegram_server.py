"""Tests of the fake Telegram Bot API server, driven by a real aiogram Bot over real HTTP."""

from __future__ import annotations

import asyncio
import re
import time

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, html
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.filters import CommandStart
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
)
from fake_telegram import FakeTelegramServer, FakeUser, RecordedCall
from fake_telegram.fixtures import fake_bot, fake_telegram, make_bot

# Fixtures are found by pytest as module attributes; listing them marks them used (F401/F811).
__all__ = ["fake_bot", "fake_telegram"]

ANYA = FakeUser(id=1001, first_name="Аня", username="anya")
BORIS = FakeUser(id=1002, first_name="Борис")


def _keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=f"btn {d}", callback_data=d)] for d in data]
    )


# --- polling ------------------------------------------------------------------------------------


async def test_dispatcher_polling_echoes_start(fake_telegram: FakeTelegramServer) -> None:
    bot = make_bot(fake_telegram)
    dp = Dispatcher()

    @dp.message(CommandStart())
    async def start(message: Message) -> None:
        assert message.from_user is not None
        await message.answer(f"Привет, <b>{html.quote(message.from_user.first_name)}</b>!")

    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False))
    try:
        await fake_telegram.wait_until_polled()
        pushed_at = time.monotonic()
        fake_telegram.send_text(ANYA, "/start")
        call = await fake_telegram.wait_for_call("sendMessage")
        # The long poll (polling_timeout=10 s) returned as soon as the update was pushed.
        assert time.monotonic() - pushed_at < 2.0
    finally:
        await dp.stop_polling()
        await polling
    assert call.ok
    assert call.chat_id == ANYA.id
    assert call.params["text"] == "Привет, <b>Аня</b>!"
    assert call.params["parse_mode"] == "HTML"
    sent = fake_telegram.last_message(ANYA.id)
    assert sent["text"] == "Привет, Аня!"
    assert sent["entities"] == [{"type": "bold", "offset": 8, "length": 3}]
    assert sent["from"]["username"] == "roadmap_test_bot"
    assert fake_telegram.calls_to("getMe")
    assert fake_telegram.pending_updates == []
    assert fake_telegram.unexpected_errors() == []


async def test_long_poll_wakes_on_push_and_returns_empty_on_stop() -> None:
    async with FakeTelegramServer() as server:
        bot = make_bot(server)
        try:
            poll = asyncio.create_task(bot.get_updates(timeout=30))
            await asyncio.sleep(0.05)
            started = time.monotonic()
            server.send_text(ANYA, "привет")
            updates = await asyncio.wait_for(poll, 2)
            assert time.monotonic() - started < 1.0
            assert [u.message.text for u in updates if u.message] == ["привет"]

            # confirming via offset empties the queue; a pending poll ends when the server stops
            poll = asyncio.create_task(
                bot.get_updates(offset=updates[-1].update_id + 1, timeout=30)
            )
            await asyncio.sleep(0.05)
            assert server.pending_updates == []
            started = time.monotonic()
            await server.stop()
            assert await asyncio.wait_for(poll, 3) == []
            assert time.monotonic() - started < 2.0
        finally:
            await bot.session.close()


async def test_second_poller_terminates_first_with_conflict(
    fake_telegram: FakeTelegramServer, fake_bot: Bot
) -> None:
    first = asyncio.create_task(fake_bot.get_updates(timeout=30))
    await asyncio.sleep(0.05)
    second = asyncio.create_task(fake_bot.get_updates(timeout=0))
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates"):
        await asyncio.wait_for(first, 2)
    assert await second == []


async def test_allowed_updates_filter_like_telegram(
    fake_telegram: FakeTelegramServer, fake_bot: Bot
) -> None:
    fake_telegram.send_text(ANYA, "/start")
    sent = await fake_bot.send_message(ANYA.id, "меню", reply_markup=_keyboard("a"))
    fake_telegram.press_button(ANYA, sent.model_dump(by_alias=True, exclude_none=True), "a")
    updates = await fake_bot.get_updates(allowed_updates=["message"])
    assert [u.message is not None for u in updates] == [True]
    assert len(fake_telegram.filtered_updates) == 1


# --- validation ---------------------------------------------------------------------------------


async def test_get_me(fake_bot: Bot) -> None:
    me = await fake_bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456, "roadmap_test_bot", True)


async def test_callback_data_is_limited_to_64_bytes(
    fake_telegram: FakeTelegramServer, fake_bot: Bot
) -> None:
    fake_telegram.send_text(ANYA, "/start")
    await fake_bot.send_message(ANYA.id, "ok", reply_markup=_keyboard("ж" * 32))  # 64 bytes
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await fake_bot.send_message(ANYA.id, "too long", reply_markup=_keyboard("x" * 65))
    failed = fake_telegram.calls_to("sendMessage")[-1]
    assert failed.status == 400
    assert failed.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "x" * 65
    assert [m["text"] for m in fake_telegram.sent_messages(ANYA.id)] == ["ok"]


async def test_text_length_counts_after_html_parsing(
    fake_telegram: FakeTelegramServer, fake_bot: Bot
) -> None:
    fake_telegram.send_text(ANYA, "/start")
    await fake_bot.send_message(ANYA.id, "<b>" + "a" * 4096 + "</b>")
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await fake_bot.send_message(ANYA.id, "a" * 4097)
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await fake_bot.send_message(ANYA.id, "<i> </i>")


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("<b>жирный", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("a < b", "Empty tag name at byte offset 2"),
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
    ],
)
async def test_bad_html_is_rejected(
    fake_telegram: FakeTelegramServer, fake_bot: Bot, text: str, detail: str
) -> None:
    fake_telegram.send_text(ANYA, "/start")
    with pytest.raises(TelegramBadRequest) as caught:
        await fake_bot.send_message(ANYA.id, text)
    assert caught.value.message == f"Bad Request: can't parse entities: {detail}"


async def test_html_entities_links_and_markdown(
    fake_telegram: FakeTelegramServer, fake_bot: Bot
) -> None:
    fake_telegram.send_text(ANYA, "/start")
    sent = await fake_bot.send_message(
        ANYA.id, '1 &lt; 2 &amp; <a href="https://example.org">сайт</a>\n'
    )
    assert sent.text == "1 < 2 & сайт"
    assert sent.entities is not None
    assert sent.entities[0].url == "https://example.org"
    assert (sent.entities[0].offset, sent.entities[0].length) == (8, 4)
    md = await fake_bot.send_message(ANYA.id, "*жирный* и \\.", parse_mode="MarkdownV2")
    assert md.text == "жирный и ."
    with pytest.raises(TelegramBadRequest, match=re.escape("Character '.' is reserved")):
        await fake_bot.send_message(ANYA.id, "Готово.", parse_mode="MarkdownV2")


async def test_chat_must_be_known(fake_bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await fake_bot.send_message(424242, "кто здесь?")


async def test_missing_parameter_and_unknown_method_over_raw_http(
    fake_telegram: FakeTelegramServer,
) -> None:
    api = f"{fake_telegram.base_url}/bot{fake_telegram.token}"
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{api}/sendMessage", data={"text": "hi"}) as response:
            assert response.status == 400
            assert await response.json() == {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: chat_id is empty",
            }
        async with http.post(f"{api}/sendMessages", data={}) as response:
            assert response.status == 404
            assert await response.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found: method not found",
            }
        async with http.get(f"{fake_telegram.base_url}/botWRONG:token/getMe") as response:
            assert response.status == 401
    assert [(c.method, c.status) for c in fake_telegram.calls] == [
        ("sendMessage", 400),
        ("sendMessages", 404),
        ("getMe", 401),
    ]


async def test_keyboard_rules(fake_telegram: FakeTelegramServer, fake_bot: Bot) -> None:
    fake_telegram.send_text(ANYA, "/start")
    no_action = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="просто")]])
    with pytest.raises(TelegramBadRequest, match="Text buttons are unallowed"):
        await fake_bot.send_message(ANYA.id, "x", reply_markup=no_action)
    bad_url = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="сайт", url="example.org")]]
    )
    with pytest.raises(TelegramBadRequest, match=re.escape("URL 'example.org' is invalid")):
        await fake_bot.send_message(ANYA.id, "x", reply_markup=bad_url)
    with pytest.raises(TelegramBadRequest, match="reply markup is too long"):
        await fake_bot.send_message(ANYA.id, "x", reply_markup=_keyboard(*map(str, range(101))))
    reply = ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text="Мои задачи")]])
    await fake_bot.send_message(ANYA.id, "меню", reply_markup=reply)
    assert fake_telegram.reply_keyboard(ANYA.id) == {"keyboard": [[{"text": "Мои задачи"}]]}


async def test_answer_callback_query_text_limit(
    fake_telegram: FakeTelegramServer, fake_bot: Bot
) -> None:
    fake_telegram.send_text(ANYA, "/start")
    sent = await fake_bot.send_message(ANYA.id, "меню", reply_markup=_keyboard("a", "b"))
    update = fake_telegram.press_button(ANYA, fake_telegram.last_message(ANYA.id), "b")
    query_id = update["callback_query"]["id"]
    assert update["callback_query"]["message"]["message_id"] == sent.message_id
    with pytest.raises(TelegramBadRequest, match="MESSAGE_TOO_LONG"):
        await fake_bot.answer_callback_query(query_id, text="я" * 201)
    assert await fake_bot.answer_callback_query(query_id, text="я" * 200)
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await fake_bot.answer_callback_query(query_id)


# --- faults -------------------------------------------------------------------------------------


async def test_429_raises_retry_after(fake_telegram: FakeTelegramServer, fake_bot: Bot) -> None:
    fake_telegram.send_text(ANYA, "/start")
    fake_telegram.fail("sendMessage", 429, retry_after=3)
    with pytest.raises(TelegramRetryAfter) as caught:
        await fake_bot.send_message(ANYA.id, "x")
    assert caught.value.retry_after == 3
    assert "Too Many Requests: retry after 3" in caught.value.message
    await fake_bot.send_message(ANYA.id, "x")  # the rule fired once
    assert [c.status for c in fake_telegram.calls_to("sendMessage")] == [429, 200]
    assert fake_telegram.unexpected_errors() == []


async def test_403_500_and_400_faults(fake_telegram: FakeTelegramServer, fake_bot: Bot) -> None:
    fake_telegram.send_text(ANYA, "/start")
    fake_telegram.fail("sendMessage", 403)
    fake_telegram.fail("sendMessage", 500)
    fake_telegram.fail("sendMessage", 400, description="Bad Request: message text is empty")
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await fake_bot.send_message(ANYA.id, "x")
    with pytest.raises(TelegramServerError, match="Internal Server Error"):
        await fake_bot.send_message(ANYA.id, "x")
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await fake_bot.send_message(ANYA.id, "x")
    assert fake_telegram.sent_messages(ANYA.id) == []


async def test_502_html_body_raises_client_decode_error(
    fake_telegram: FakeTelegramServer, fake_bot: Bot
) -> None:
    fake_telegram.send_text(ANYA, "/start")
    fake_telegram.fail("sendMessage", 502)
    with pytest.raises(ClientDecodeError) as caught:
        await fake_bot.send_message(ANYA.id, "x")
    # Not a TelegramAPIError: senders must catch ClientDecodeError separately.
    assert not isinstance(caught.value, TelegramAPIError)
    assert "502 Bad Gateway" in str(caught.value.data)
    assert fake_telegram.calls_to("sendMessage")[0].status == 502


async def test_faults_are_scoped_per_chat_and_fifo(
    fake_telegram: FakeTelegramServer, fake_bot: Bot
) -> None:
    fake_telegram.send_text(ANYA, "/start")
    fake_telegram.send_text(BORIS, "/start")
    fake_telegram.fail("sendMessage", 403, chat_id=BORIS.id, times=2)
    fake_telegram.fail("sendMessage", 500, chat_id=BORIS.id)
    assert (await fake_bot.send_message(ANYA.id, "a")).text == "a"
    outcomes: list[str] = []
    for _ in range(4):
        try:
            await fake_bot.send_message(BORIS.id, "b")
            outcomes.append("ok")
        except TelegramAPIError as error:
            outcomes.append(type(error).__name__)
    assert outcomes == [
        "TelegramForbiddenError",
        "TelegramForbiddenError",
        "TelegramServerError",
        "ok",
    ]


async def test_drop_response_performs_call_but_client_sees_network_error(
    fake_telegram: FakeTelegramServer, fake_bot: Bot
) -> None:
    fake_telegram.send_text(ANYA, "/start")
    fake_telegram.drop_response("sendMessage")
    with pytest.raises(TelegramNetworkError):
        await fake_bot.send_message(ANYA.id, "напоминание")
    call = fake_telegram.calls_to("sendMessage")[0]
    assert call.dropped
    assert call.status == 200
    assert not call.ok
    assert [m["text"] for m in fake_telegram.sent_messages(ANYA.id)] == ["напоминание"]
    again = await fake_bot.send_message(ANYA.id, "напоминание")  # the retry duplicates it
    assert again.message_id == call.result["message_id"] + 1


async def test_delay_and_block_user(fake_telegram: FakeTelegramServer, fake_bot: Bot) -> None:
    fake_telegram.send_text(ANYA, "/start")
    fake_telegram.delay("sendMessage", 0.3)
    started = time.monotonic()
    await fake_bot.send_message(ANYA.id, "медленно")
    assert time.monotonic() - started >= 0.3
    fake_telegram.block_user(ANYA.id)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await fake_bot.send_message(ANYA.id, "ещё")
    assert fake_telegram.calls_to("sendMessage")[-1].fault == "blocked"
    assert await fake_bot.get_chat(ANYA.id)  # reading is still allowed
    fake_telegram.unblock_user(ANYA.id)
    await fake_bot.send_message(ANYA.id, "снова")


# --- edits, files, commands -------------------------------------------------------------------


async def test_edit_flow(fake_telegram: FakeTelegramServer, fake_bot: Bot) -> None:
    fake_telegram.send_text(ANYA, "/start")
    sent = await fake_bot.send_message(
        ANYA.id, "Задача: <b>отчёт</b>", reply_markup=_keyboard("done")
    )
    update = fake_telegram.press_button(ANYA, fake_telegram.last_message(ANYA.id), "done")
    assert update["callback_query"]["data"] == "done"
    assert update["callback_query"]["from"]["id"] == ANYA.id
    updates = await fake_bot.get_updates()
    query = updates[-1].callback_query
    assert query is not None
    assert query.message is not None
    assert query.message.message_id == sent.message_id

    edited = await fake_bot.edit_message_text(
        "Задача: <s>отчёт</s> ✅", chat_id=ANYA.id, message_id=sent.message_id
    )
    assert isinstance(edited, Message)
    assert edited.edit_date is not None
    current = fake_telegram.last_message(ANYA.id)
    assert current["text"] == "Задача: отчёт ✅"
    assert "reply_markup" not in current  # not resent -> removed, like Telegram

    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await fake_bot.edit_message_text(
            "Задача: <s>отчёт</s> ✅", chat_id=ANYA.id, message_id=sent.message_id
        )
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await fake_bot.edit_message_text("x", chat_id=ANYA.id, message_id=999)
    with pytest.raises(AssertionError, match="no button"):
        fake_telegram.press_button(ANYA, current, "done")

    await fake_bot.edit_message_reply_markup(
        chat_id=ANYA.id, message_id=sent.message_id, reply_markup=_keyboard("undo")
    )
    assert fake_telegram.last_message(ANYA.id)["reply_markup"] == _keyboard("undo").model_dump(
        exclude_none=True
    )
    assert await fake_bot.delete_message(ANYA.id, sent.message_id)
    assert fake_telegram.sent_messages(ANYA.id) == []
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await fake_bot.delete_message(ANYA.id, sent.message_id)


async def test_documents_round_trip_through_get_file(
    fake_telegram: FakeTelegramServer, fake_bot: Bot
) -> None:
    fake_telegram.send_text(ANYA, "/start")
    content = "дорожная карта\n".encode()
    sent = await fake_bot.send_document(
        ANYA.id, BufferedInputFile(content, filename="plan.txt"), caption="<i>план</i>"
    )
    assert sent.document is not None
    assert sent.caption == "план"
    call = fake_telegram.calls_to("sendDocument")[0]
    assert call.params["document"].content == content
    downloaded = await fake_bot.download(sent.document.file_id)
    assert downloaded is not None
    assert downloaded.read() == content

    update = fake_telegram.send_document(ANYA, b"a;b\n", "import.csv", mime_type="text/csv")
    file_id = update["message"]["document"]["file_id"]
    file = await fake_bot.get_file(file_id)
    assert file.file_path is not None
    assert file.file_path.endswith(".csv")
    with pytest.raises(TelegramBadRequest, match="invalid file_id"):
        await fake_bot.get_file("nope")


async def test_commands_and_generic_methods(
    fake_telegram: FakeTelegramServer, fake_bot: Bot
) -> None:
    commands = [BotCommand(command="start", description="Начать")]
    assert await fake_bot.set_my_commands(commands)
    assert [c.model_dump() for c in await fake_bot.get_my_commands()] == [
        c.model_dump() for c in commands
    ]
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await fake_bot.set_my_commands([BotCommand(command="Start", description="x")])
    assert await fake_bot.delete_my_commands()
    assert await fake_bot.get_my_commands() == []

    fake_telegram.send_text(ANYA, "/start")
    sent = await fake_bot.send_message(ANYA.id, "закрепить")
    assert await fake_bot.pin_chat_message(ANYA.id, sent.message_id)  # not emulated: True
    assert fake_telegram.calls_to("pinChatMessage")[0].ok
    assert await fake_bot.send_chat_action(ANYA.id, "typing")
    topic = await fake_bot.create_forum_topic(ANYA.id, "Март")
    assert await fake_bot.close_forum_topic(ANYA.id, topic.message_thread_id)
    copied = await fake_bot.copy_message(ANYA.id, ANYA.id, sent.message_id)
    assert fake_telegram.last_message(ANYA.id)["message_id"] == copied.message_id


async def test_wait_for_call_times_out_with_assertion(fake_telegram: FakeTelegramServer) -> None:
    started = time.monotonic()
    with pytest.raises(AssertionError, match="waiting for 1 x sendMessage"):
        await fake_telegram.wait_for_call("sendMessage", timeout=0.1)
    assert time.monotonic() - started < 1.0


async def test_wait_for_call_predicate_and_count(
    fake_telegram: FakeTelegramServer, fake_bot: Bot
) -> None:
    fake_telegram.send_text(ANYA, "/start")

    async def send_later() -> None:
        for text in ("раз", "два", "три"):
            await asyncio.sleep(0.01)
            await fake_bot.send_message(ANYA.id, text)

    sender = asyncio.create_task(send_later())

    def to_anya(call: RecordedCall) -> bool:
        return call.chat_id == ANYA.id

    third = await fake_telegram.wait_for_call("sendMessage", to_anya, count=3)
    await sender
    assert third.result["text"] == "три"


# --- Telegram's limits (opt-in) -----------------------------------------------------------------


async def test_enforced_limits_refuse_a_second_message_within_a_second_in_one_chat() -> None:
    async with FakeTelegramServer(enforce_limits=True) as server:
        server.add_chat(ANYA.private_chat())
        server.add_chat(BORIS.private_chat())
        bot = make_bot(server)
        try:
            await bot.send_message(ANYA.id, "one")
            with pytest.raises(TelegramRetryAfter) as refused:
                await bot.send_message(ANYA.id, "two")
            await bot.send_message(BORIS.id, "another chat is fine")
        finally:
            await bot.session.close()

    assert refused.value.retry_after == 1
    assert server.limit_refusals == 1
    assert server.unexpected_errors() == []


async def test_enforced_limits_refuse_the_31st_message_in_a_second() -> None:
    users = [FakeUser(id=5000 + n, first_name=f"U{n}") for n in range(31)]
    async with FakeTelegramServer(enforce_limits=True) as server:
        for user in users:
            server.add_chat(user.private_chat())
        bot = make_bot(server)
        try:
            started = time.monotonic()
            for user in users[:30]:
                await bot.send_message(user.id, "hi")
            with pytest.raises(TelegramRetryAfter):
                await bot.send_message(users[30].id, "one too many")
        finally:
            await bot.session.close()

    assert time.monotonic() - started < 1.0  # all in one second, or the test proves nothing
    assert server.limit_refusals == 1
