"""The hotline end to end: FAQ answers, tickets in the operators' chat, relays, privacy."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fake_telegram import FakeUser
from harness import ADMIN, DESK_CHAT, OPERATOR, PARENT, Harness, bot, running_bot
from sqlalchemy import func, select

from handlers.hotline import remind_waiting_askers
from storage.models import UserRow
from storage.models_hotline import HotlineQuestionRow, TicketMessageRow, TicketRow

__all__ = ["bot"]

DESK = -1001234567890
assert DESK_CHAT["id"] == DESK
STUDENT = FakeUser(3002, "Алиса", username="alisa_2024")
FAQ_QUESTION = "а если я заболел в день экзамена?"
UNKNOWN_QUESTION = "Можно ли прийти на экзамен с собакой-поводырём и где её оставить?"
EXAM_BUTTONS = ["ОГЭ / 9 класс", "ЕГЭ / 11 класс"]
# Two entries that differ only in polarity, in a FAQ file of their own beside the shipped one.
POLARITY_FAQ = """\
version: 1
topics:
  exam_day_e2e: Правила на экзамене
entries:
  - id: e2e-allowed-items
    topic: exam_day_e2e
    audience: both
    question: Что разрешено брать с собой на экзамен?
    alternatives: ["Что можно проносить в ППЭ?", "Какие вещи можно брать на экзамен?"]
    answer: РАЗРЕШЕНО-ОТВЕТ — ручка, документ, лекарства и питание.
    source: Порядок ГИА-11 (приказ № 233/552)
    school_year: 2025/26–2026/27
    actual_on: 2026-11-23
    review_by: 2027-09-01
  - id: e2e-forbidden-items
    topic: exam_day_e2e
    audience: both
    question: Что запрещено брать с собой на экзамен?
    alternatives: ["Что нельзя проносить в ППЭ?", "Какие вещи нельзя брать на экзамен?"]
    answer: ЗАПРЕЩЕНО-ОТВЕТ — средства связи, справочные материалы, записи.
    source: Порядок ГИА-11 (приказ № 233/552)
    school_year: 2025/26–2026/27
    actual_on: 2026-11-23
    review_by: 2027-09-01
"""


def buttons(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [button["text"] for row in markup.get("inline_keyboard", []) for button in row]


async def ask_operator(bot: Harness, user: FakeUser, text: str) -> dict[str, Any]:
    """The user's question goes to the desk; returns the ticket's header in the desk."""
    since = len(bot.server.calls)
    bot.server.send_text(user, text)
    header = await bot.server.wait_for_call(
        "sendMessage", lambda call: call.chat_id == DESK, since=since
    )
    await bot.server.wait_for_call(
        "sendMessage", lambda call: call.chat_id == user.id, since=since
    )
    return header.result  # type: ignore[no-any-return]


async def test_a_faq_question_gets_the_answer_with_feedback_buttons(bot: Harness) -> None:
    reply = await bot.say(PARENT, FAQ_QUESTION)

    text = reply.params["text"]
    assert "справк" in text.lower()  # a medical certificate is what the answer is about
    assert "Помогло?" in text
    assert buttons(reply.result) == ["👍 Да", "Нет, спросить оператора"]

    await bot.press(PARENT, reply.result, text="👍 Да")
    assert bot.server.calls_to("sendMessage", chat_id=DESK) == []


async def test_unmatched_question_becomes_a_ticket_without_personal_data(bot: Harness) -> None:
    header = await ask_operator(bot, PARENT, UNKNOWN_QUESTION)

    text = header["text"]
    assert "#1" in text
    assert "собакой-поводырём" in text
    for private in ("petr_parent", "Пётр", str(PARENT.id)):
        assert private not in text
    assert "передан оператору" in bot.last(PARENT)["text"]


async def test_operator_reply_relayed_follow_up_threaded_and_closed(bot: Harness) -> None:
    header = await ask_operator(bot, PARENT, UNKNOWN_QUESTION)

    since = len(bot.server.calls)
    bot.server.send_text(
        OPERATOR, "Да, с собакой-поводырём можно.", chat=DESK_CHAT, reply_to=header
    )
    copied = await bot.server.wait_for_call(
        "copyMessage", lambda call: call.params.get("chat_id") == PARENT.id, since=since
    )
    assert copied.ok
    assert bot.server.last_message(PARENT.id)["text"] == "Да, с собакой-поводырём можно."

    since = len(bot.server.calls)
    bot.server.send_text(PARENT, "Спасибо! А поводок нужен?")
    follow_up = await bot.server.wait_for_call(
        "sendMessage", lambda call: call.chat_id == DESK, since=since
    )
    assert "поводок" in follow_up.params["text"]
    assert follow_up.params["reply_parameters"]["message_id"] == header["message_id"]

    header_now = bot.server.sent_messages(DESK)[0]
    assert "✅ Закрыть" in buttons(header_now)
    since = len(bot.server.calls)
    await bot.press(OPERATOR, header_now, text="✅ Закрыть")
    closed = await bot.server.wait_for_call(
        "sendMessage",
        lambda call: call.chat_id == PARENT.id and "закрыт" in call.params["text"],
        since=since,
    )
    assert closed.ok
    async with bot.session() as session:
        status = await session.scalar(select(TicketRow.status))
    assert status == "closed"


async def test_off_hours_get_an_auto_reply_with_the_hours(bot: Harness) -> None:
    bot.clock.set(datetime(2023, 10, 14, 3, 0, tzinfo=UTC))  # Saturday 13:00 in Vladivostok

    await ask_operator(bot, PARENT, UNKNOWN_QUESTION)

    text = bot.last(PARENT)["text"]
    assert "не работают" in text
    assert "09:00–18:00" in text


async def test_html_in_a_question_is_shown_literally_to_operators(bot: Harness) -> None:
    header = await ask_operator(bot, PARENT, "<b>срочно</b> <a href='http://x'>тут</a> собака")

    assert "<b>срочно</b>" in header["text"]
    assert "<a href='http://x'>тут</a>" in header["text"]
    assert not header.get("entities") or all(
        entity["type"] in {"blockquote", "bold", "italic"} for entity in header["entities"]
    )


async def test_nobody_answers_the_asker_is_told_once(bot: Harness) -> None:
    await ask_operator(bot, PARENT, UNKNOWN_QUESTION)
    i18n = bot.app.dispatcher["i18n"]
    hours = bot.settings.hotline_schedule()
    within = timedelta(minutes=bot.settings.hotline_answer_minutes)

    early = await remind_waiting_askers(
        bot.app.sessions, bot.app.bot, hours=hours, answer_within=within,
        now=bot.clock.advance(timedelta(minutes=30)), i18n=i18n,
    )  # fmt: skip
    late = await remind_waiting_askers(
        bot.app.sessions, bot.app.bot, hours=hours, answer_within=within,
        now=bot.clock.advance(timedelta(hours=3)), i18n=i18n,
    )  # fmt: skip
    again = await remind_waiting_askers(
        bot.app.sessions, bot.app.bot, hours=hours, answer_within=within,
        now=bot.clock.advance(timedelta(hours=3)), i18n=i18n,
    )  # fmt: skip

    assert (early, late, again) == (0, 1, 0)
    assert "ещё ждёт" in bot.last(PARENT)["text"]


async def test_forget_deletes_the_askers_rows(bot: Harness) -> None:
    await ask_operator(bot, PARENT, UNKNOWN_QUESTION)
    await bot.say(PARENT, FAQ_QUESTION)

    prompt = await bot.say(PARENT, "/forget")
    await bot.press(PARENT, prompt.result, text="Да, удалить мои данные")
    await bot.settle()

    async with bot.session() as session:
        for table, column in (
            (HotlineQuestionRow, HotlineQuestionRow.user_id),
            (TicketRow, TicketRow.asker_user_id),
        ):
            count = await session.scalar(
                select(func.count()).select_from(table).where(column == PARENT.id)
            )
            assert count == 0, table
        assert await session.scalar(select(func.count()).select_from(TicketMessageRow)) == 0
        assert await session.get(UserRow, PARENT.id) is None


async def test_draft_approved_by_admin_answers_the_next_similar_question(bot: Harness) -> None:
    header = await ask_operator(bot, PARENT, UNKNOWN_QUESTION)
    answer = "Да, участник может прийти с собакой-поводырём; её оставляют у входа в ППЭ."
    since = len(bot.server.calls)
    bot.server.send_text(OPERATOR, answer, chat=DESK_CHAT, reply_to=header)
    await bot.server.wait_for_call("editMessageReplyMarkup", since=since)

    header_now = bot.server.sent_messages(DESK)[0]
    draft_answer = await bot.press(OPERATOR, header_now, text="📝 В черновик FAQ")
    assert "Черновик #1" in draft_answer.params["text"]

    listing = await bot.say(ADMIN, "/drafts")
    await bot.press(ADMIN, listing.result, text="✅ Одобрить")
    await bot.settle()

    reply = await bot.say(STUDENT, "можно ли прийти на экзамен с собакой поводырем")
    assert "оставляют у входа" in reply.params["text"]


async def test_flood_limit_per_hour(db_url: str, tmp_path: Path) -> None:
    async with running_bot(db_url, tmp_path, hotline_questions_per_hour=2) as bot:
        await bot.say(PARENT, FAQ_QUESTION)
        await bot.say(PARENT, "когда результаты ЕГЭ")
        refused = await bot.say(PARENT, "как подать апелляцию")
        assert "много вопросов" in refused.params["text"]

        bot.clock.advance(timedelta(hours=1, minutes=1))
        allowed = await bot.say(PARENT, "как подать апелляцию")
        assert "много вопросов" not in allowed.params["text"]


async def test_faq_entries_past_their_review_date_are_flagged_to_admins(bot: Harness) -> None:
    bot.clock.set(datetime(2028, 1, 10, 3, 0, tzinfo=UTC))
    since = len(bot.server.calls)

    await bot.app.review_faq()

    await bot.server.wait_for_call(
        "sendMessage", lambda call: call.chat_id == ADMIN.id, since=since
    )
    texts = [
        call.params["text"]
        for call in bot.server.calls[since:]
        if call.method == "sendMessage" and call.chat_id == ADMIN.id
    ]
    flagged = "\n".join(texts)
    assert all(len(text) <= 4000 for text in texts)
    assert "review was due" in flagged
    # Every entry is listed, however long the list (200+ entries span several messages).
    faq = bot.app.dispatcher["faq"]
    for entry in faq.due_for_review(bot.clock.now().date()):
        assert f"FAQ entry {entry.id}:" in flagged
    assert "illness-exam-day" in flagged


async def test_an_exam_dependent_question_asks_which_exam_and_remembers_it(bot: Harness) -> None:
    reply = await bot.say(PARENT, "до какого числа подать заявление на экзамены?")
    assert "О каком экзамене" in reply.params["text"]
    assert buttons(reply.result) == EXAM_BUTTONS

    since = len(bot.server.calls)
    await bot.press(PARENT, reply.result, text="ОГЭ / 9 класс")
    edited = await bot.server.wait_for_call("editMessageText", since=since)
    answer = edited.params["text"]
    assert "ГИА-9" in answer
    assert "ГИА-11" not in answer
    assert "Помогло?" in answer
    assert buttons(bot.last(PARENT)) == ["👍 Да", "Нет, спросить оператора"]

    # The next question of the conversation uses the choice: no buttons, the ГИА-9 answer.
    follow_up = await bot.say(PARENT, "а кого допускают к экзаменам?")
    assert "ГИА-9" in follow_up.params["text"]
    assert buttons(follow_up.result) == ["👍 Да", "Нет, спросить оператора"]

    # Another person has chosen nothing yet: they are asked.
    other = await bot.say(STUDENT, "кого допускают к экзаменам")
    assert buttons(other.result) == EXAM_BUTTONS
    since = len(bot.server.calls)
    await bot.press(STUDENT, other.result, text="ЕГЭ / 11 класс")
    edited = await bot.server.wait_for_call("editMessageText", since=since)
    assert "ГИА-11" in edited.params["text"]
    assert "ГИА-9" not in edited.params["text"]


async def test_a_question_about_what_is_forbidden_gets_the_forbidden_entry(
    db_url: str, tmp_path: Path
) -> None:
    extra = tmp_path / "polarity.yaml"
    extra.write_text(POLARITY_FAQ, encoding="utf-8")
    async with running_bot(db_url, tmp_path, faq_paths=["data/faq/*.yaml", str(extra)]) as bot:
        forbidden = await bot.say(PARENT, "что нельзя брать с собой на экзамен?")
        assert "РАЗРЕШЕНО-ОТВЕТ" not in forbidden.params["text"]
        # The added forbidden entry, or the shipped «what to bring», which says both what is
        # allowed and what is forbidden; never the answer about what is allowed alone.
        assert (
            "ЗАПРЕЩЕНО-ОТВЕТ" in forbidden.params["text"]
            or "Иметь при себе запрещено" in forbidden.params["text"]
        )

        # Less sure: the choices are offered, the forbidden entry first, never the allowed answer.
        not_allowed = await bot.say(PARENT, "а что не разрешают проносить в ппэ")
        assert "РАЗРЕШЕНО-ОТВЕТ" not in not_allowed.params["text"]
        text = not_allowed.params["text"]
        if "ЗАПРЕЩЕНО-ОТВЕТ" not in text and "Иметь при себе запрещено" not in text:
            assert buttons(not_allowed.result)[0] in {
                "Что запрещено брать с собой на экзамен?",
                "Что можно взять с собой на экзамен?",
            }


async def test_a_personal_case_goes_to_an_operator(bot: Harness) -> None:
    question = (
        "нам вчера сказали что моего сына не допустят к экзамену из-за пропусков, это правда?"
    )
    header = await ask_operator(bot, PARENT, question)

    assert "из-за пропусков" in header["text"]
    assert "передан оператору" in bot.last(PARENT)["text"]
