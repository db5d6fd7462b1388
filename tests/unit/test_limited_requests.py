"""The session middleware every Bot API call goes through, with a fake `make_request`."""

from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageReplyMarkup,
    EditMessageText,
    SendDocument,
    SendMessage,
    SetMessageReaction,
    TelegramMethod,
)
from aiogram.types import (
    CallbackQuery,
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    TelegramObject,
    User,
)
from delivery_support import FakeTime

from bot.delivery.requests import (
    MAX_RETRIES,
    Budget,
    LimitedRequests,
    TapMiddleware,
    budget_of,
    budget_within,
    tapped_chat,
)
from bot.delivery.text import CAPTION_LIMIT, MESSAGE_LIMIT, visible_length
from bot.reminders.ratelimit import PRIVATE_INTERVAL, RateLimiter

CHAT = 42
MARKUP = InlineKeyboardMarkup(
    inline_keyboard=[[InlineKeyboardButton(text="✅", callback_data="x")]]
)


class FakeApi:
    """Answers each call, or raises the errors queued for it first."""

    def __init__(self, time: FakeTime) -> None:
        self.time = time
        self.calls: list[tuple[float, TelegramMethod[Any]]] = []
        self.errors: list[Exception] = []

    async def __call__(self, bot: Bot, method: TelegramMethod[Any]) -> Any:
        self.calls.append((self.time.now, method))
        if self.errors:
            raise self.errors.pop(0)
        return True


@pytest.fixture
def time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def bot() -> Bot:
    return Bot("123456:TEST", default=DefaultBotProperties(parse_mode=ParseMode.HTML))


def too_many(method: TelegramMethod[Any], seconds: int) -> TelegramRetryAfter:
    return TelegramRetryAfter(method, f"Too Many Requests: retry after {seconds}", seconds)


def test_which_limit_each_call_counts_against() -> None:
    assert budget_of("sendMessage") is Budget.CHAT
    assert budget_of("copyMessage") is Budget.CHAT
    assert budget_of("editMessageText") is Budget.OVERALL
    assert budget_of("setMessageReaction") is Budget.OVERALL
    assert budget_of("setMyCommands") is Budget.OVERALL
    assert budget_of("answerCallbackQuery") is Budget.FREE
    assert budget_of("getFile") is Budget.FREE
    assert budget_of("getUpdates") is Budget.PASS


async def test_a_429_pauses_the_chat_and_the_reply_is_sent_again(time: FakeTime, bot: Bot) -> None:
    limiter = time.limiter()
    requests = LimitedRequests(limiter)
    api = FakeApi(time)
    method = SendMessage(chat_id=CHAT, text="ответ")
    api.errors.append(too_many(method, 5))

    result: object = await requests(api, bot, method)  # aiogram types it as a Response

    assert result is True
    assert [round(at, 6) for at, _m in api.calls] == [0.0, 5.0]
    assert requests.retried == 1


async def test_a_counted_call_gets_its_429_back(time: FakeTime, bot: Bot) -> None:
    limiter = time.limiter()
    requests = LimitedRequests(limiter)
    api = FakeApi(time)
    method = SendMessage(chat_id=CHAT, text="напоминание")
    api.errors.append(too_many(method, 7))

    with limiter.counted(), pytest.raises(TelegramRetryAfter):
        await requests(api, bot, method)

    assert len(api.calls) == 1
    assert limiter.paused_for(CHAT) == pytest.approx(7)


async def test_429s_without_end_give_up_after_the_last_retry(time: FakeTime, bot: Bot) -> None:
    requests = LimitedRequests(time.limiter())
    api = FakeApi(time)
    method = AnswerCallbackQuery(callback_query_id="1")
    api.errors.extend(too_many(method, 1) for _ in range(MAX_RETRIES + 1))

    with pytest.raises(TelegramRetryAfter):
        await requests(api, bot, method)

    assert len(api.calls) == MAX_RETRIES + 1


async def test_a_long_text_goes_in_parts_in_order_with_buttons_under_the_last(
    time: FakeTime, bot: Bot
) -> None:
    requests = LimitedRequests(time.limiter())
    api = FakeApi(time)
    text = "\n".join(f"<b>{n}</b> " + "🔔" * 40 for n in range(100))

    await requests(api, bot, SendMessage(chat_id=CHAT, text=text, reply_markup=MARKUP))

    sent = [m for _at, m in api.calls]
    assert len(sent) == 3  # 100 lines of 84 UTF-16 units: 8,400
    assert all(isinstance(m, SendMessage) for m in sent)
    texts = [m.text for m in sent if isinstance(m, SendMessage)]
    assert all(visible_length(t) <= MESSAGE_LIMIT for t in texts)
    assert texts[0].startswith("<b>0</b>")
    assert texts[-1].rstrip().endswith("<b>99</b> " + "🔔" * 40)
    assert [getattr(m, "reply_markup", None) for m in sent] == [None, None, MARKUP]
    # A private chat's pace.
    assert [round(at, 6) for at, _m in api.calls] == [0.0, PRIVATE_INTERVAL, 2 * PRIVATE_INTERVAL]


async def test_captions_and_edits_are_shortened(time: FakeTime, bot: Bot) -> None:
    requests = LimitedRequests(time.limiter())
    api = FakeApi(time)

    await requests(api, bot, SendDocument(chat_id=CHAT, document="file-id", caption="я" * 2000))
    await requests(api, bot, EditMessageText(chat_id=CHAT, message_id=1, text="я" * 5000))

    document, edit = (m for _at, m in api.calls)
    assert isinstance(document, SendDocument)
    assert isinstance(edit, EditMessageText)
    assert document.caption is not None
    assert visible_length(document.caption) == CAPTION_LIMIT
    assert edit.text is not None
    assert visible_length(edit.text) == MESSAGE_LIMIT


async def test_an_edit_that_changes_nothing_is_done(time: FakeTime, bot: Bot) -> None:
    requests = LimitedRequests(time.limiter())
    api = FakeApi(time)
    method = EditMessageText(chat_id=CHAT, message_id=1, text="то же")
    api.errors.append(TelegramBadRequest(method, "Bad Request: message is not modified: ..."))

    result: object = await requests(api, bot, method)
    assert result is True


async def test_other_400s_are_not_swallowed(time: FakeTime, bot: Bot) -> None:
    requests = LimitedRequests(time.limiter())
    api = FakeApi(time)
    method = SetMessageReaction(chat_id=CHAT, message_id=1)
    api.errors.append(TelegramBadRequest(method, "Bad Request: REACTION_INVALID"))

    with pytest.raises(TelegramBadRequest):
        await requests(api, bot, method)


def test_an_edit_in_the_tapped_chat_answers_the_tap() -> None:
    assert budget_within("editMessageReplyMarkup", CHAT, tapped=CHAT) is Budget.REPLY
    assert budget_within("editMessageText", CHAT, tapped=CHAT) is Budget.REPLY
    # Another chat's message, a new message, or no tap at all: the usual budgets.
    assert budget_within("editMessageText", CHAT + 1, tapped=CHAT) is Budget.OVERALL
    assert budget_within("editMessageText", None, tapped=CHAT) is Budget.OVERALL
    assert budget_within("editMessageText", CHAT, tapped=None) is Budget.OVERALL
    assert budget_within("sendMessage", CHAT, tapped=CHAT) is Budget.CHAT
    assert budget_within("setMessageReaction", CHAT, tapped=CHAT) is Budget.OVERALL
    assert budget_within("answerCallbackQuery", None, tapped=CHAT) is Budget.FREE


def strike(chat_id: int) -> EditMessageReplyMarkup:
    return EditMessageReplyMarkup(chat_id=chat_id, message_id=1, reply_markup=MARKUP)


async def test_edits_answering_taps_leave_the_overall_budget_to_broadcasts(
    time: FakeTime, bot: Bot
) -> None:
    """Five members tap at once: their buttons go at once, not at 2 a second."""
    limiter = RateLimiter(2.0, 2.0, monotonic=time.monotonic, sleep=time.sleep)
    requests = LimitedRequests(limiter)
    api = FakeApi(time)

    for chat_id in range(100, 105):
        token = tapped_chat.set(chat_id)
        try:
            await requests(api, bot, strike(chat_id))
        finally:
            tapped_chat.reset(token)
    # The same edits not answering a tap are counted: 2 a second.
    for chat_id in range(200, 205):
        await requests(api, bot, strike(chat_id))

    at = [round(moment, 6) for moment, _m in api.calls]
    assert at[:5] == [0.0] * 5
    assert at[5:] == [0.0, 0.5, 1.0, 1.5, 2.0]


async def test_an_edit_answering_a_tap_keeps_its_chats_interval(time: FakeTime, bot: Bot) -> None:
    limiter = time.limiter()
    requests = LimitedRequests(limiter)
    api = FakeApi(time)
    token = tapped_chat.set(CHAT)
    try:
        await requests(api, bot, SendMessage(chat_id=CHAT, text="Комментарий сохранён."))
        await requests(api, bot, strike(CHAT))
    finally:
        tapped_chat.reset(token)

    assert [round(at, 6) for at, _m in api.calls] == [0.0, PRIVATE_INTERVAL]


async def test_an_edit_answering_a_tap_waits_out_its_chats_429(time: FakeTime, bot: Bot) -> None:
    requests = LimitedRequests(time.limiter())
    api = FakeApi(time)
    api.errors.append(too_many(strike(CHAT), 3))
    token = tapped_chat.set(CHAT)
    try:
        await requests(api, bot, strike(CHAT))
    finally:
        tapped_chat.reset(token)

    assert [round(at, 6) for at, _m in api.calls] == [0.0, 3.0]
    assert requests.retried == 1


class Tap:
    """What the middleware hands on: the chat it marks while the handler runs."""

    def __init__(self) -> None:
        self.seen: list[int | None] = []

    async def __call__(self, _event: TelegramObject, _data: dict[str, Any]) -> str:
        self.seen.append(tapped_chat.get())
        return "handled"


async def test_the_tap_middleware_marks_the_tapped_chat_while_its_handler_runs() -> None:
    user = User(id=7, is_bot=False, first_name="Координатор")
    chat = Chat(id=CHAT, type="private")
    message = Message(message_id=1, date=datetime(2026, 12, 5, tzinfo=UTC), chat=chat)
    query = CallbackQuery(id="q", from_user=user, chat_instance="ci", message=message, data="x")
    without_message = CallbackQuery(id="r", from_user=user, chat_instance="ci", data="x")
    handler = Tap()

    assert await TapMiddleware()(handler, query, {}) == "handled"
    assert await TapMiddleware()(handler, without_message, {}) == "handled"

    assert handler.seen == [CHAT, None]
    assert tapped_chat.get() is None
