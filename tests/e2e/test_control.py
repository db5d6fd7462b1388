"""Ministry control end to end: the real bot, a moved clock, the fake Bot API.

At `LATE` (20:00 UTC on 5 December 2023) it is already 6 December in Vladivostok, the plan's
zone: «1.1» (until 20 October) is 47 days overdue there and «1.2» (November) 6 days; counted
in UTC they would be 46 and 5.
"""

import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fake_telegram import FakeUser, RecordedCall, UploadedFile
from harness import (
    ADMIN,
    OFFICIAL,
    PARENT,
    PLAN_ID,
    PLAN_YAML,
    SCHOOL_3,
    SCHOOL_7,
    START,
    Harness,
    bot,
    running_bot,
)
from openpyxl import load_workbook
from sqlalchemy import select

from bot.services.assignments import comment, confirm
from bot.services.types import Role
from bot.services.units import add_unit
from storage.models import AssignmentRow, TaskRow, UnitRow, WindowRow

__all__ = ["bot"]  # the fixture, imported for pytest

LATE = datetime(2023, 12, 5, 20, 0, tzinfo=UTC)
STAFF = FakeUser(5001, "Наталья", username="staff_natalia")
COMMENT = "Собрание перенесено, протокол будет 10 декабря"
SCHOOL_3_NAME, SCHOOL_7_NAME = "МБОУ СОШ № 3", "МБОУ СОШ № 7"
YEAR = "2023\u202fг."  # Babel puts a narrow no-break space before «г.»
TITLE_1_1 = f"1.1 Проведение родительских собраний — просрочено на 47 дней (до 20 октября {YEAR})"
TITLE_1_2 = f"1.2 Мониторинг сайтов школ — просрочено на 6 дней (до 30 ноября {YEAR})"
LINE_1_1 = f"1. {TITLE_1_1}: {SCHOOL_7_NAME}"
LINE_1_2 = f"2. {TITLE_1_2}: {SCHOOL_3_NAME}, {SCHOOL_7_NAME}, УО"


def buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    markup = message.get("reply_markup") or {}
    return [
        (button["text"], button.get("callback_data", ""))
        for row in markup.get("inline_keyboard", [])
        for button in row
    ]


def shown(call: RecordedCall) -> str:
    """The text as the user sees it (HTML parsed away)."""
    text: str = call.result["text"]
    return text


def measure_lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line[:1].isdigit()]


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


async def comment_as(bot: Harness, user: FakeUser, code: str, unit: str, text: str) -> None:
    found = await assignment(bot, code, unit)
    async with bot.session() as session:
        await comment(session, found, user.id, text, bot.clock.now())


async def confirm_as(bot: Harness, user: FakeUser, code: str, unit: str) -> None:
    found = await assignment(bot, code, unit)
    async with bot.session() as session:
        await confirm(session, found, user.id, bot.clock.now())


async def late_world(bot: Harness) -> None:
    """Schools 3 and 7 joined, a staff member invited; school 3 did 1.1 in time; then December."""
    await bot.join(SCHOOL_3, SCHOOL_3_NAME)
    await bot.join(SCHOOL_7, SCHOOL_7_NAME)
    await bot.join(OFFICIAL, "Иванова А.А.")
    token = await bot.invitation(Role.STAFF)
    await bot.say(STAFF, f"/start {token}")
    await confirm_as(bot, SCHOOL_3, "1.1", SCHOOL_3_NAME)
    bot.clock.set(LATE)


@pytest.fixture
async def paged(db_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    """The running bot with one measure per /overdue page."""
    async with running_bot(db_url, tmp_path, page_size=1) as harness:
        yield harness


async def test_overdue_lists_exactly_the_late_assignments_with_days_in_the_plans_zone(
    bot: Harness,
) -> None:
    await late_world(bot)

    for user in (ADMIN, STAFF):
        listing = await bot.say(user, "/overdue")
        assert measure_lines(shown(listing)) == [LINE_1_1, LINE_1_2], user
    assert [label for label, _data in buttons(listing.result)] == ["1. 1.1", "2. 1.2"]
    assert bot.server.unexpected_errors() == []


async def test_overdue_filters_by_plan_section_party_and_unit(bot: Harness) -> None:
    await late_world(bot)

    for text in (f"/overdue {PLAN_ID}", "/overdue раздел 1", "/overdue section 1"):
        assert measure_lines(shown(await bot.say(ADMIN, text))) == [LINE_1_1, LINE_1_2], text
    by_party = measure_lines(shown(await bot.say(ADMIN, "/overdue УО")))
    assert by_party == [f"1. {TITLE_1_2}: УО"]  # not the schools, though 1.2 names them too
    by_unit = measure_lines(shown(await bot.say(ADMIN, "/overdue мбоу сош №3")))
    assert by_unit == [f"1. {TITLE_1_2}: {SCHOOL_3_NAME}"]
    unknown = shown(await bot.say(ADMIN, "/overdue Рособрнадзор"))
    assert "«Рособрнадзор»" in unknown
    assert measure_lines(unknown) == []


async def test_overdue_for_a_party_nobody_registered_for_says_so(
    db_url: str, tmp_path: Path
) -> None:
    """«МОУО» is in the plan but no unit reports for it: not «nothing overdue», but why."""
    plan = PLAN_YAML.replace(
        "    - {name: ОО, kind: category",
        "    - {name: МОУО, kind: category}\n    - {name: ОО, kind: category",
    ).replace("        responsible: Иванова А.А.\n", "        responsible: МОУО\n")
    assert "responsible: МОУО" in plan
    async with running_bot(db_url, tmp_path, plan_yaml=plan) as bot:
        bot.clock.set(datetime(2024, 1, 15, 3, 0, tzinfo=UTC))
        answer = shown(await bot.say(ADMIN, "/overdue МОУО"))
        assert "никто не зарегистрирован" in answer and "«МОУО»" in answer, answer
        assert "просроченного нет" not in answer.casefold(), answer
        registered = shown(await bot.say(ADMIN, "/overdue ОО"))
        assert "никто не зарегистрирован" not in registered, registered


async def test_overdue_pages_with_buttons(paged: Harness) -> None:
    bot = paged
    await late_world(bot)

    first = await bot.say(ADMIN, "/overdue раздел 1")
    assert measure_lines(shown(first)) == [LINE_1_1]
    assert [label for label, _data in buttons(first.result)] == ["1. 1.1", "Далее ▶️"]
    assert all(len(data.encode()) <= 64 for _label, data in buttons(first.result))

    await bot.press(ADMIN, first.result, text="Далее ▶️")
    edited = await bot.server.wait_for_call("editMessageText")
    assert measure_lines(edited.result["text"]) == [LINE_1_2]
    assert "раздел 1" in edited.result["text"]  # the filter is kept across pages
    assert [label for label, _data in buttons(edited.result)] == ["2. 1.2", "◀️ Назад"]

    since = len(bot.server.calls)
    await bot.press(ADMIN, bot.last(ADMIN), text="◀️ Назад")
    back = await bot.server.wait_for_call("editMessageText", since=since)
    assert measure_lines(back.result["text"]) == [LINE_1_1]


async def test_a_line_opens_the_measure_card(bot: Harness) -> None:
    await late_world(bot)
    await comment_as(bot, SCHOOL_7, "1.1", SCHOOL_7_NAME, COMMENT)
    listing = await bot.say(ADMIN, "/overdue")

    since = len(bot.server.calls)
    await bot.press(ADMIN, listing.result, text="1. 1.1")
    card = await bot.server.wait_for_call(
        "sendMessage", lambda call: call.chat_id == ADMIN.id, since=since
    )

    text = shown(card)
    assert text.startswith(f"1.1 · {PLAN_ID}\nПроведение родительских собраний")
    assert "Срок по плану: до 20.10.2023" in text
    assert "Ирина" in text  # who confirmed for school 3
    assert f"❗ {SCHOOL_7_NAME} — просрочено на 47 дней" in text
    assert f"✅ {SCHOOL_3_NAME} — 10 октября {YEAR} 09:00, Ирина" in text
    assert f"{SCHOOL_7_NAME} (Олег): {COMMENT}" in text


async def test_measure_card_by_code(bot: Harness) -> None:
    await late_world(bot)

    text = shown(await bot.say(STAFF, "/measure 1.2"))

    assert "Мониторинг сайтов школ" in text
    assert "УО, ОО" in text  # the responsible text, verbatim
    assert "❗ УО — просрочено на 6 дней" in text
    missing = shown(await bot.say(STAFF, "/measure 9.9"))
    assert "9.9" in missing
    assert "Мониторинг" not in missing


async def test_member_sees_only_their_own_unit(bot: Harness) -> None:
    await late_world(bot)

    listing = await bot.say(SCHOOL_7, "/overdue")

    assert measure_lines(shown(listing)) == [
        f"1. {TITLE_1_1}: {SCHOOL_7_NAME}",
        f"2. {TITLE_1_2}: {SCHOOL_7_NAME}",
    ]
    # Their buttons open their own assignment card, with «Выполнено».
    await bot.press(SCHOOL_7, listing.result, text="1. 1.1")
    card = await bot.server.wait_for_call("editMessageText")
    assert "✅ Выполнено" in [label for label, _data in buttons(card.result)]
    nothing = shown(await bot.say(SCHOOL_3, "/overdue мбоу сош № 7"))
    assert measure_lines(nothing) == []
    for command in ("/progress", "/measure 1.1", "/coverage", "/report"):
        reply = await bot.say(SCHOOL_7, command)
        assert "недоступна" in shown(reply), command


async def test_public_user_is_refused(bot: Harness) -> None:
    await late_world(bot)
    await bot.say(PARENT, "/start")

    for command in ("/overdue", "/progress", "/measure 1.1", "/coverage", "/report"):
        reply = await bot.say(PARENT, command)
        assert "недоступна" in shown(reply), command
    assert bot.server.calls_to("sendDocument") == []


async def test_progress_per_plan_and_section(bot: Harness) -> None:
    await late_world(bot)

    text = shown(await bot.say(STAFF, "/progress"))

    # 1.1: 2 schools (one confirmed, one late); 1.2: УО and 2 schools, late; 1.3: due.
    counts = "▓▓░░░░░░░░ 16% · ✅ 1 · ⏳ 1 · ❗ 4 · 🕓 0"
    assert f"{PLAN_ID} — План мероприятий для проверки\n{counts}" in text
    assert f"1. Раздел\n{counts}" in text


async def test_progress_and_the_workbook_count_measures_with_no_date_yet(
    db_url: str, tmp_path: Path
) -> None:
    """«по графику ФЦТ» gives no date: the two schools it asks are counted «без срока» in
    /progress, in the workbook's summary and as rows of their own in the report."""
    plan = PLAN_YAML + (
        '      - code: "1.4"\n'
        "        title: Участие в апробации\n"
        "        term: по графику ФЦТ\n"
        "        responsible: ОО\n"
    )
    async with running_bot(db_url, tmp_path, plan_yaml=plan) as bot:
        bot.clock.set(LATE)
        text = shown(await bot.say(ADMIN, "/progress"))
        since = len(bot.server.calls)
        bot.server.send_text(ADMIN, "/report")
        await bot.server.wait_for_call("sendPhoto", since=since, timeout=30)
        workbook, table = (
            call.params["document"] for call in bot.server.calls_to("sendDocument", ADMIN.id)
        )
    [plan_line, section_line] = [line for line in text.split("\n") if "%" in line]
    assert plan_line == section_line, text
    assert plan_line.endswith(" · без срока: 2"), text
    assert isinstance(workbook, UploadedFile)
    summary = list(load_workbook(io.BytesIO(workbook.content)).worksheets[0].values)
    column = summary[0].index("без срока")
    assert [row[column] for row in summary[1:3]] == [2, 2], summary  # the section, the plan
    assert isinstance(table, UploadedFile)
    lines = [line.split(";") for line in table.content.decode("utf-8-sig").splitlines()]
    # plan; section; code; measure; unit; status; days overdue; window start; window end; …
    undated = [(cells[4], cells[5], cells[8]) for cells in lines if cells[2] == "1.4"]
    assert undated == [(SCHOOL_3_NAME, "без срока", ""), (SCHOOL_7_NAME, "без срока", "")]


async def test_coverage_names_the_gaps(bot: Harness) -> None:
    await bot.join(SCHOOL_3, SCHOOL_3_NAME)

    text = shown(await bot.say(ADMIN, "/coverage"))

    gaps = next(line for line in text.split("\n") if line.startswith("⚠️"))
    assert "Иванова А.А." in gaps
    assert "УО" in gaps
    assert "ОО" not in gaps.replace("УО", "")
    assert f"• {SCHOOL_3_NAME}: 👤 1" in text
    assert f"• {SCHOOL_7_NAME}: 👤 0" in text


async def test_coverage_reads_in_natural_order_one_line_per_lone_party_and_lists_the_rest(
    bot: Harness,
) -> None:
    """45 schools: № 3 before № 40, the 41st onwards behind a command that lists them all;
    a party that is one unit of its own name («УО») takes one line."""
    async with bot.session() as session:
        for number in range(8, 51):
            await add_unit(session, PLAN_ID, "ОО", f"МБОУ СОШ № {number}", START)
        await session.commit()
    await bot.join(SCHOOL_3, SCHOOL_3_NAME)

    text = shown(await bot.say(ADMIN, "/coverage"))

    lines = text.split("\n")
    schools = [line for line in lines if line.startswith("• МБОУ СОШ")]
    assert schools[:3] == [
        f"• {SCHOOL_3_NAME}: 👤 1",
        f"• {SCHOOL_7_NAME}: 👤 0",
        "• МБОУ СОШ № 8: 👤 0",
    ]
    assert schools[-1] == "• МБОУ СОШ № 45: 👤 0"
    assert "УО: 👤 0" in lines and "Иванова А.А.: 👤 0" in lines, text
    [rest] = [line for line in lines if line.startswith("и ещё")]
    assert rest == f"и ещё 5 — все: /coverage {PLAN_ID} ОО", rest

    whole = shown(await bot.say(ADMIN, f"/coverage {PLAN_ID} ОО"))
    listed = [line for line in whole.split("\n") if line.startswith("• ")]
    assert len(listed) == 45 and listed[-1] == "• МБОУ СОШ № 50: 👤 0", whole
    unknown = shown(await bot.say(ADMIN, f"/coverage {PLAN_ID} Рособрнадзор"))
    assert "«Рособрнадзор»" in unknown


async def test_report_sends_a_workbook_a_csv_and_a_chart(bot: Harness) -> None:
    await late_world(bot)
    since = len(bot.server.calls)

    bot.server.send_text(ADMIN, "/report")
    chart = await bot.server.wait_for_call("sendPhoto", since=since, timeout=30)

    documents = bot.server.calls_to("sendDocument", ADMIN.id)
    assert [call.ok for call in documents] == [True, True]
    workbook = documents[0].params["document"]
    assert isinstance(workbook, UploadedFile)
    assert workbook.filename == f"roadmap-all-{LATE:%Y-%m-%d}.xlsx"
    book = load_workbook(io.BytesIO(workbook.content))
    assert book.sheetnames[1] == PLAN_ID
    rows = list(book[PLAN_ID].iter_rows(values_only=True))
    assert len(rows) == 1 + 6
    statuses = {(row[1], row[3]): row[4] for row in rows[1:]}
    assert statuses[("1.1", SCHOOL_7_NAME)] == statuses[("1.2", "УО")]
    assert statuses[("1.1", SCHOOL_3_NAME)] != statuses[("1.1", SCHOOL_7_NAME)]
    days = {(row[1], row[3]): row[5] for row in rows[1:]}
    assert days[("1.1", SCHOOL_7_NAME)] == 47
    assert days[("1.2", "УО")] == 6
    table = documents[1].params["document"]
    assert isinstance(table, UploadedFile)
    assert table.content.startswith(b"\xef\xbb\xbf")
    photo = chart.params["photo"]
    assert isinstance(photo, UploadedFile)
    assert photo.content.startswith(b"\x89PNG")
    assert chart.ok
