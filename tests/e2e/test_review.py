"""Acceptance and extension requests end to end: the real bot, the fake Bot API, notices sent by
the tick. The e2e plan with `control: {acceptance: true}`; «1.1» is due on 20 October 2023."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from fake_telegram import FakeUser, RecordedCall
from harness import ADMIN, PLAN_YAML, SCHOOL_3, SCHOOL_7, Harness, running_bot
from sqlalchemy import select

from bot.services.assignments import confirm
from bot.services.extensions import request_extension
from bot.services.types import AssignmentStatus, Role
from storage.models import AssignmentRow, TaskRow, UnitRow, WindowRow
from storage.models_reminders import ReminderRow, ReminderStatus

STAFF = FakeUser(5001, "Наталья", username="staff_natalia")
SCHOOL_3_NAME, SCHOOL_7_NAME = "МБОУ СОШ № 3", "МБОУ СОШ № 7"
YEAR = "2023\u202fг."
RETURN_COMMENT = "Приложите протокол собрания"
AFTER_OLD_DEADLINE = datetime(2023, 10, 24, 23, 0, tzinfo=UTC)  # 25 October in Vladivostok


@pytest.fixture
async def bot(db_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    plan = PLAN_YAML + "control: {acceptance: true}\n"
    async with running_bot(db_url, tmp_path, plan_yaml=plan, tick_seconds=0) as harness:
        yield harness


def labels(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [button["text"] for row in markup.get("inline_keyboard", []) for button in row]


def sent(bot: Harness, user: FakeUser, start: str) -> list[dict[str, Any]]:
    return [m for m in bot.server.sent_messages(user.id) if m["text"].startswith(start)]


async def arrived(bot: Harness, user: FakeUser, start: str) -> list[dict[str, Any]]:
    """The bot's messages to the user starting with `start`, once at least one is there."""
    for _attempt in range(100):
        if found := sent(bot, user, start):
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"no message starting with {start!r} for {user.id}")


async def assignment(bot: Harness, code: str, unit: str) -> int:
    async with bot.session() as session:
        found = await session.scalar(
            select(AssignmentRow.id)
            .join(WindowRow, WindowRow.id == AssignmentRow.window_id)
            .join(TaskRow, TaskRow.id == WindowRow.task_id)
            .join(UnitRow, UnitRow.id == AssignmentRow.unit_id)
            .where(TaskRow.code == code, UnitRow.name == unit)
        )
    assert found is not None
    return found


async def staff_joins(bot: Harness) -> None:
    token = await bot.invitation(Role.STAFF)
    await bot.say(STAFF, f"/start {token}")


async def reply_to(bot: Harness, user: FakeUser, text: str) -> str:
    call = await bot.say(user, text)
    answer: str = call.result["text"]
    return answer


async def press_and_wait(
    bot: Harness, user: FakeUser, message: dict[str, Any], label: str
) -> RecordedCall:
    call = await bot.press(user, message, text=label)
    await bot.settle()
    return call


async def open_card(bot: Harness, user: FakeUser) -> dict[str, Any]:
    listing = await bot.say(user, "/my")
    await press_and_wait(bot, user, listing.result, "1. 1.1")
    card = bot.last(user)
    assert card["text"].startswith("1.1"), card["text"]
    return card


async def test_a_confirmation_is_returned_confirmed_again_and_accepted(bot: Harness) -> None:
    await bot.join(SCHOOL_3, SCHOOL_3_NAME)
    await staff_joins(bot)
    found = await assignment(bot, "1.1", SCHOOL_3_NAME)
    async with bot.session() as session:
        await confirm(session, found, SCHOOL_3.id, bot.clock.now())

    waiting = (await bot.say(STAFF, "/review")).result
    assert "отметки о выполнении: 1; запросы продления: 0" in waiting["text"]
    assert "1. 🔎 На проверке" in waiting["text"]
    assert SCHOOL_3_NAME in waiting["text"]
    assert labels(waiting) == ["1. Принять", "1. Вернуть", "🔄 Обновить"]
    accept_data = _data(waiting, "1. Принять")
    member_tries = await bot.press(SCHOOL_3, bot.last(SCHOOL_3), forged=True, data=accept_data)
    assert member_tries.params.get("show_alert")  # not theirs to accept

    await press_and_wait(bot, STAFF, waiting, "1. Вернуть")
    assert "Чего не хватает" in bot.last(STAFF)["text"]
    assert "Возвращено" in await reply_to(bot, STAFF, RETURN_COMMENT)
    async with bot.session() as session:
        row = await session.get(AssignmentRow, found)
        assert row is not None
        assert (row.status, row.confirmed_at) == (AssignmentStatus.OPEN, None)

    await bot.app.tick()
    [returned] = sent(bot, SCHOOL_3, "Подтверждение по мероприятию")
    assert returned["text"] == (f"Подтверждение по мероприятию 1.1 возвращено: {RETURN_COMMENT}")
    await press_and_wait(bot, SCHOOL_3, returned, "✅ Выполнено")

    bot.clock.set(AFTER_OLD_DEADLINE)
    overdue = await reply_to(bot, ADMIN, "/overdue")
    assert SCHOOL_3_NAME not in overdue  # on review: the unit has done its part
    assert SCHOOL_7_NAME in overdue
    again = (await bot.say(STAFF, "/review")).result
    await press_and_wait(bot, STAFF, again, "1. Принять")
    accepted = bot.server.sent_messages(STAFF.id)[-1]["text"]
    assert accepted.startswith("Принято")
    assert "Решений от вас ничто не ждёт" in accepted  # the list, now empty
    assert "Решений от вас ничто не ждёт" in await reply_to(bot, STAFF, "/review")

    card = await reply_to(bot, STAFF, "/measure 1.1")
    [line] = [line for line in card.split("\n") if line.startswith(f"✅ {SCHOOL_3_NAME}")]
    assert "принято" in line
    assert bot.server.unexpected_errors() == []


def _data(message: dict[str, Any], label: str) -> str:
    markup = message.get("reply_markup") or {}
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if button["text"] == label:
                data: str = button["callback_data"]
                return data
    raise AssertionError(label)


async def pending_deadlines(bot: Harness, assignment_id: int) -> set[date]:
    async with bot.session() as session:
        rows = await session.scalars(
            select(ReminderRow.deadline).where(
                ReminderRow.assignment_id == assignment_id,
                ReminderRow.status == ReminderStatus.PENDING,
            )
        )
        return set(rows)


async def ask_extension(bot: Harness, user: FakeUser, reason: str) -> None:
    card = await open_card(bot, user)
    await press_and_wait(bot, user, card, "Запросить продление")
    assert "Почему по 1.1 нужно больше времени" in bot.last(user)["text"]
    assert "отправлен" in await reply_to(bot, user, reason)


async def test_extensions_approved_and_refused_move_the_deadline_and_are_kept(
    bot: Harness,
) -> None:
    await bot.join(SCHOOL_3, SCHOOL_3_NAME)
    await bot.join(SCHOOL_7, SCHOOL_7_NAME)
    await staff_joins(bot)
    await bot.say(ADMIN, "/help")  # an admin is known once they have written to the bot
    school_7 = await assignment(bot, "1.1", SCHOOL_7_NAME)
    assert await pending_deadlines(bot, school_7) == {date(2023, 10, 20)}

    await ask_extension(bot, SCHOOL_7, "Учитель на больничном, просим до 15.11.2023")
    await bot.app.tick()
    [request] = sent(bot, STAFF, "⏳ Запрос продления")
    assert "Предлагаемый срок: 15 ноября" in request["text"]
    assert labels(request) == ["Продлить", "Отказать"]
    assert sent(bot, ADMIN, "⏳ Запрос продления")  # admins decide too
    await press_and_wait(bot, STAFF, request, "Продлить")
    assert "ДД.ММ.ГГГГ" in bot.last(STAFF)["text"]
    assert "Это не дата" in await reply_to(bot, STAFF, "пятнадцатого")
    assert "позже действующего" in await reply_to(bot, STAFF, "19.10.2023")
    done = await reply_to(bot, STAFF, "15.11.2023 согласовано")
    assert done == f"Продлено: 1.1 для исполнителя «{SCHOOL_7_NAME}» до 15 ноября {YEAR}"
    assert await pending_deadlines(bot, school_7) == {date(2023, 11, 15)}

    await bot.app.tick()
    [approved] = sent(bot, SCHOOL_7, "Срок продлён")
    assert approved["text"].startswith(f"Срок продлён: 1.1, новый срок — 15 ноября {YEAR}\n")
    card = await open_card(bot, SCHOOL_7)
    assert f"до 15 ноября {YEAR}" in card["text"]
    assert "Запросить продление" in labels(card)

    bot.clock.set(AFTER_OLD_DEADLINE)
    overdue = await reply_to(bot, ADMIN, "/overdue")
    assert SCHOOL_3_NAME in overdue
    assert SCHOOL_7_NAME not in overdue

    await ask_extension(bot, SCHOOL_3, "Нет помещения")
    await bot.app.tick()
    refused_request = sent(bot, STAFF, "⏳ Запрос продления")[-1]
    assert SCHOOL_3_NAME in refused_request["text"]
    await press_and_wait(bot, STAFF, refused_request, "Отказать")
    assert "Отказано" in await reply_to(bot, STAFF, "Срок федеральный")
    again = await bot.press(STAFF, refused_request, text="Продлить")
    assert again.params.get("show_alert")  # decided already
    await bot.app.tick()
    [refused] = sent(bot, SCHOOL_3, "В продлении отказано")
    assert "Срок федеральный" in refused["text"]

    card_text = await reply_to(bot, STAFF, "/measure 1.1")
    history = card_text.split("История сроков:")[1].strip().split("\n")
    assert len(history) == 2
    assert SCHOOL_7_NAME in history[0]
    assert f"20 октября {YEAR} → 15 ноября {YEAR}" in history[0]
    assert "Наталья" in history[0] and "Учитель на больничном" in history[0]
    assert SCHOOL_3_NAME in history[1] and "отказано" in history[1]
    assert "Срок федеральный" in history[1]
    assert f"продлено до 15 ноября {YEAR}" in card_text
    assert bot.server.unexpected_errors() == []


async def test_review_is_one_paged_message_with_the_extension_requests(
    db_url: str, tmp_path: Path
) -> None:
    """Two confirmations and two extension requests wait; Telegram's limits are enforced. One
    message lists all four with their buttons; a decision made from it keeps the list."""
    plan = PLAN_YAML + "control: {acceptance: true}\n"
    async with running_bot(
        db_url, tmp_path, plan_yaml=plan, tick_seconds=0, limit_scale=20
    ) as bot:
        await bot.join(SCHOOL_3, SCHOOL_3_NAME)
        await bot.join(SCHOOL_7, SCHOOL_7_NAME)
        await staff_joins(bot)
        async with bot.session() as session:
            for user, unit in ((SCHOOL_3, SCHOOL_3_NAME), (SCHOOL_7, SCHOOL_7_NAME)):
                await confirm(
                    session, await assignment(bot, "1.1", unit), user.id, bot.clock.now()
                )
                await request_extension(
                    session,
                    await assignment(bot, "1.2", unit),
                    user.id,
                    f"Нет данных, пишет {user.first_name}",
                    now=bot.clock.now(),
                )
            await session.commit()

        before = len(bot.server.sent_messages(STAFF.id))
        await bot.say(STAFF, "/review")
        await bot.settle()  # anything more the handler would send
        new = bot.server.sent_messages(STAFF.id)[before:]
        assert len(new) == 1, [m["text"][:60] for m in new]
        [listing] = new
        text = listing["text"]
        assert text.count(SCHOOL_3_NAME) == 2 and text.count(SCHOOL_7_NAME) == 2, text
        assert "пишет Ирина" in text and "пишет Олег" in text
        assert labels(listing)[:4] == ["1. Принять", "1. Вернуть", "2. Принять", "2. Вернуть"]
        assert labels(listing)[4:8] == ["3. Продлить", "3. Отказать", "4. Продлить", "4. Отказать"]

        await press_and_wait(bot, STAFF, listing, "1. Принять")
        after = bot.server.sent_messages(STAFF.id)[before]
        assert after["message_id"] == listing["message_id"]
        assert after["text"].startswith("Принято, снято с контроля: 1.1, ")
        assert after["text"].count("1.1") == 2  # the accepted one and the one still waiting
        assert labels(after) == [
            "1. Принять", "1. Вернуть", "2. Продлить", "2. Отказать",
            "3. Продлить", "3. Отказать", "🔄 Обновить",
        ]  # fmt: skip
        assert bot.server.unexpected_errors() == []


async def test_a_refused_request_without_a_date_reads_whole(bot: Harness) -> None:
    """The measure card's history says the request named no date (not «до —»), and the
    refusal notice has one full stop after «г.»."""
    await bot.join(SCHOOL_7, SCHOOL_7_NAME)
    await staff_joins(bot)
    async with bot.session() as session:
        await request_extension(
            session, await assignment(bot, "1.1", SCHOOL_7_NAME), SCHOOL_7.id,
            "Учитель на больничном", now=bot.clock.now(),
        )  # fmt: skip
        await session.commit()
    listing = (await bot.say(STAFF, "/review")).result
    await press_and_wait(bot, STAFF, listing, "1. Отказать")
    await arrived(bot, STAFF, "Почему")  # the question for the reason, before the answer
    assert "Отказано" in await reply_to(bot, STAFF, "Срок федеральный")

    card = await reply_to(bot, STAFF, "/measure 1.1")
    assert "в продлении до —" not in card, card
    assert "в продлении отказано (дата не предлагалась)" in card, card
    await bot.app.tick()
    [refused] = await arrived(bot, SCHOOL_7, "В продлении отказано")
    assert "г.." not in refused["text"], refused["text"]
    assert f"20 октября {YEAR} Срок федеральный" in refused["text"], refused["text"]


async def test_the_member_sees_what_became_of_a_late_confirmation(bot: Harness) -> None:
    """Confirmed after the deadline: /my and the card say «на проверке», not «просрочено»;
    accepted by staff, the card says «принято»."""
    await bot.join(SCHOOL_3, SCHOOL_3_NAME)
    await staff_joins(bot)
    bot.clock.set(AFTER_OLD_DEADLINE)
    card = await open_card(bot, SCHOOL_3)
    await press_and_wait(bot, SCHOOL_3, card, "✅ Выполнено")

    listing = await reply_to(bot, SCHOOL_3, "/my")
    [line] = [line for line in listing.split("\n") if "1.1" in line]
    assert "на проверке" in line and "просрочено" not in line, line
    card = await open_confirmed_card(bot)
    assert "на проверке" in card["text"] and "просрочено" not in card["text"], card["text"]

    listing_for_staff = (await bot.say(STAFF, "/review")).result
    await press_and_wait(bot, STAFF, listing_for_staff, "1. Принять")
    card = await open_confirmed_card(bot)
    assert "принято" in card["text"], card["text"]
    listing = await reply_to(bot, SCHOOL_3, "/my")
    [line] = [line for line in listing.split("\n") if "1.1" in line]
    assert "принято" in line and "просрочено" not in line, line


async def open_confirmed_card(bot: Harness) -> dict[str, Any]:
    listing = await bot.say(SCHOOL_3, "/my")
    await press_and_wait(bot, SCHOOL_3, listing.result, "1. ✅ 1.1")
    return bot.last(SCHOOL_3)


async def test_the_member_sees_a_returned_confirmation_and_why(bot: Harness) -> None:
    """Returned by staff: /my and the card say «возвращено» with the staff's comment; confirmed
    again, the comment is gone and the card reads «на проверке»."""
    await bot.join(SCHOOL_3, SCHOOL_3_NAME)
    await staff_joins(bot)
    bot.clock.set(AFTER_OLD_DEADLINE)
    card = await open_card(bot, SCHOOL_3)
    await press_and_wait(bot, SCHOOL_3, card, "✅ Выполнено")
    waiting = (await bot.say(STAFF, "/review")).result
    await press_and_wait(bot, STAFF, waiting, "1. Вернуть")
    assert "Возвращено" in await reply_to(bot, STAFF, RETURN_COMMENT)

    listing = await reply_to(bot, SCHOOL_3, "/my")
    [entry] = [entry for entry in listing.split("\n\n") if "1.1" in entry]
    assert "1. ↩️ 1.1 — " in entry and "возвращено, просрочено на 5 дней" in entry, entry
    assert f"↩️ {RETURN_COMMENT}" in entry, entry
    card = await open_card(bot, SCHOOL_3)
    assert f"↩️ Возвращено: {RETURN_COMMENT}" in card["text"], card["text"]

    await press_and_wait(bot, SCHOOL_3, card, "✅ Выполнено")
    card = await open_confirmed_card(bot)
    assert "на проверке" in card["text"] and RETURN_COMMENT not in card["text"], card["text"]


async def test_cards_show_the_expected_result_and_keep_the_return_comment(
    db_url: str, tmp_path: Path
) -> None:
    """The member's card says what the plan expects; ✅ on a measure whose result is a document
    asks for it; staff's /measure card keeps the return comment after the unit confirms again."""
    plan = (
        PLAN_YAML.replace(
            "        term: до 20.10.2023\n        responsible: ОО\n",
            "        term: до 20.10.2023\n        responsible: ОО\n"
            "        result: протоколы родительских собраний\n",
        )
        + "control: {acceptance: true}\n"
    )
    assert "result: протоколы" in plan
    async with running_bot(db_url, tmp_path, plan_yaml=plan, tick_seconds=0) as bot:
        await bot.join(SCHOOL_3, SCHOOL_3_NAME)
        await staff_joins(bot)
        card = await open_card(bot, SCHOOL_3)
        assert "Ожидаемый результат: протоколы родительских собраний" in card["text"]
        assert "приложите" not in card["text"]  # nothing is done yet

        await press_and_wait(bot, SCHOOL_3, card, "✅ Выполнено")
        done = bot.last(SCHOOL_3)["text"]
        assert "Результат — документ: приложите его" in done, done

        waiting = (await bot.say(STAFF, "/review")).result
        await press_and_wait(bot, STAFF, waiting, "1. Вернуть")
        await reply_to(bot, STAFF, RETURN_COMMENT)
        card = await open_card(bot, SCHOOL_3)
        await press_and_wait(bot, SCHOOL_3, card, "✅ Выполнено")

        staff_card = await reply_to(bot, STAFF, "/measure 1.1")
        [note] = [line for line in staff_card.split("\n") if RETURN_COMMENT in line]
        assert f"{SCHOOL_3_NAME} (Наталья) ↩️ возвращено: {RETURN_COMMENT}" in note, note
        assert bot.server.unexpected_errors() == []


async def test_the_example_dates_are_after_today(bot: Harness) -> None:
    """On 11 March 2024, long after the 20 October deadline, «e.g. …» names a date the bot
    would take: two weeks from today in the plan's zone, for the member and for staff."""
    await bot.join(SCHOOL_3, SCHOOL_3_NAME)
    await staff_joins(bot)
    bot.clock.set(datetime(2024, 3, 10, 20, 0, tzinfo=UTC))  # 11 March in Vladivostok
    card = await open_card(bot, SCHOOL_3)

    await press_and_wait(bot, SCHOOL_3, card, "Запросить продление")
    prompt = bot.last(SCHOOL_3)["text"]
    assert "например «до 25.03.2024»" in prompt, prompt
    assert "отправлен" in await reply_to(bot, SCHOOL_3, "Нет помещения")

    await bot.app.tick()
    [request] = sent(bot, STAFF, "⏳ Запрос продления")
    await press_and_wait(bot, STAFF, request, "Продлить")
    assert "(например, 25.03.2024)" in bot.last(STAFF)["text"], bot.last(STAFF)["text"]
    assert "например 24.03.2024" in await reply_to(bot, STAFF, "завтра")
