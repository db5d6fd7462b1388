"""Issue 11's wording: n-th weekdays, durations and times of day, no end, parts of a month,
bounds in words, and dirty text that must not change the result."""

from __future__ import annotations

from datetime import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.terms import Offset, OffsetUnit, SchoolYear, TermKind, parse_term, term_to_json

SY = SchoolYear(2023)
D, WD, H, MIN = OffsetUnit.DAYS, OffsetUnit.WORKING_DAYS, OffsetUnit.HOURS, OffsetUnit.MINUTES


def _windows(text: str, sy: SchoolYear = SY) -> list[tuple[str | None, str]]:
    term = parse_term(text, sy)
    return [(w.start.isoformat() if w.start else None, w.end.isoformat()) for w in term.windows]


@pytest.mark.parametrize(
    ("text", "windows"),
    [
        ("в третий четверг ноября", [("2023-11-16", "2023-11-16")]),
        ("первая рабочая пятница июня", [("2024-06-07", "2024-06-07")]),
        # 1 May 2024 is a holiday, so the first working Wednesday is the 8th
        ("первая рабочая среда мая", [("2024-05-08", "2024-05-08")]),
        ("первая среда мая", [("2024-05-01", "2024-05-01")]),
        ("последний понедельник августа", [("2024-08-26", "2024-08-26")]),
        (
            "в третий четверг ноября и первую пятницу декабря",
            [("2023-11-16", "2023-11-16"), ("2023-12-01", "2023-12-01")],
        ),
        ("во второй вторник марта (12.03.2024)", [("2024-03-12", "2024-03-12")]),
        (
            "основной срок (вторая среда февраля) – 14 февраля 2024 года",
            [("2024-02-14", "2024-02-14")],
        ),
        ("вторая среда февраля 2025 года", [("2025-02-12", "2025-02-12")]),
    ],
)
def test_nth_weekday_is_one_day(text: str, windows: list[tuple[str | None, str]]) -> None:
    assert parse_term(text, SY).kind is TermKind.FIXED
    assert _windows(text) == windows


@pytest.mark.parametrize(
    ("text", "event", "offset"),
    [
        ("в течение часа", "event", Offset(1, H, "after", True)),
        ("не более 15 календарных дней", "event", Offset(15, D, "after", True)),
        (
            "в течение 1 раб. дня после утверждения председателем ГЭК",
            "approval",
            Offset(1, WD, "after", True),
        ),
        (
            "в течение двух рабочих дней, следующих за официальным днем объявления результатов",
            "results",
            Offset(2, WD, "after", True),
        ),
        (
            "не позднее чем за два рабочих дня до заседания",
            "meeting",
            Offset(2, WD, "before", False),
        ),
        ("за 10 дней до начала экзаменов", "exam", Offset(10, D, "before", False)),
        ("за 30 минут до начала", "exam", Offset(30, MIN, "before", False)),
        ("за 1 час 30 минут", "exam", Offset(90, MIN, "before", False)),
        ("не позднее 8:00 по местному времени", "exam", Offset(0, D, "after", False, time(8, 0))),
        ("в 10 часов утра по местному времени", "exam", Offset(0, D, "after", False, time(10, 0))),
        (
            "не позднее 14.00 по местному времени накануне дня проведения",
            "event",
            Offset(1, D, "before", False, time(14, 0)),
        ),
    ],
)
def test_durations_and_times_are_relative(text: str, event: str, offset: Offset) -> None:
    term = parse_term(text, SY)
    assert term.kind is TermKind.RELATIVE, term
    assert (term.event, term.offset) == (event, offset)
    assert term.windows == ()  # never the whole school year


def test_hours_have_no_offset_days() -> None:
    assert parse_term("в течение часа", SY).offset_days is None


@pytest.mark.parametrize(
    "text", ["без ограничения срока", "постоянно", "на постоянной основе", "бессрочно"]
)
def test_no_end_is_ongoing_for_the_plan_period(text: str) -> None:
    term = parse_term(text, SY)
    assert term.kind is TermKind.ONGOING
    assert _windows(text) == [("2023-09-01", "2024-08-31")]


@pytest.mark.parametrize(
    ("text", "windows"),
    [
        ("до середины апреля", [(None, "2024-04-20")]),
        ("в начале марта", [("2024-03-01", "2024-03-10")]),
        ("в конце мая", [("2024-05-21", "2024-05-31")]),
        ("первая декада марта", [("2024-03-01", "2024-03-10")]),
        ("вторая половина мая", [("2024-05-16", "2024-05-31")]),
        ("не ранее 1 марта", [("2024-03-01", "2024-08-31")]),
        ("не ранее 1 марта, но не позднее 15 апреля", [("2024-03-01", "2024-04-15")]),
        (
            "не ранее 1 марта, но не позднее окончания учебного года",
            [("2024-03-01", "2024-05-31")],
        ),
        ("контрольный срок — 15 апреля", [("2024-04-15", "2024-04-15")]),
    ],
)
def test_parts_of_months_and_bounds(text: str, windows: list[tuple[str | None, str]]) -> None:
    assert _windows(text) == windows


def test_part_of_every_month_is_recurring() -> None:
    assert parse_term("в начале месяца", SY).rule == "FREQ=MONTHLY;BYMONTHDAY=10"
    assert parse_term("в конце месяца", SY).rule == "FREQ=MONTHLY;BYMONTHDAY=-1"


# --------------------------------------------------------------------- dirty text

LOOKALIKE = {"а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "х": "x", "у": "y"}
CLEAN_TERMS = [
    "ноябрь 2023 – май 2024",
    "в течение трёх рабочих дней после получения протокола",
    "до 1 марта 2024 года",
    "в третий четверг ноября",
    "за 2 недели до экзамена",
    "первая декада апреля",
    "не позднее 8:00 по местному времени",
    "ежемесячно, до 25 числа",
]


@st.composite
def dirty(draw: st.DrawFn) -> tuple[str, str]:
    clean = draw(st.sampled_from(CLEAN_TERMS))
    out: list[str] = []
    for ch in clean:
        low = ch.lower()
        if low in LOOKALIKE and draw(st.booleans()):
            out.append(LOOKALIKE[low] if ch == low else LOOKALIKE[low].upper())
        elif ch == " ":
            out.append(draw(st.sampled_from([" ", "  ", "\u00a0", " \u00a0", "\t"])))
        elif ch in {"-", "–"}:
            out.append(draw(st.sampled_from(["-", "\u2011", "–", "—"])))
        else:
            out.append(ch)
        if ch.isalpha() and draw(st.integers(0, 9)) == 0:
            out.append(draw(st.sampled_from(["\u00ad", "\x07", "\u200b", "\x00"])))
    return clean, "".join(out)


@settings(max_examples=200, deadline=None)
@given(dirty())
def test_dirty_text_reads_the_same(pair: tuple[str, str]) -> None:
    clean, messy = pair
    want, got = term_to_json(parse_term(clean, SY)), term_to_json(parse_term(messy, SY))
    for data in (want, got):
        data.pop("warnings")  # they quote the text
        data.pop("event_text")
    assert got == want


@pytest.mark.parametrize(
    ("text", "windows"),
    [
        # yearless September days after the 1st: the exam year's additional period
        ("с 6 по 24 сентября", [("2024-09-06", "2024-09-24")]),
        ("12 сентября", [("2024-09-12", "2024-09-12")]),
        ("4-20 сентября", [("2024-09-04", "2024-09-20")]),
        ("5 и 18 сентября", [("2024-09-05", "2024-09-05"), ("2024-09-18", "2024-09-18")]),
        # a plan's own September: the month, a bound, the 1st, another month, a stated year
        ("сентябрь", [("2023-09-01", "2023-09-30")]),
        ("до 15 сентября", [(None, "2023-09-15")]),
        ("с 1 по 15 сентября", [("2023-09-01", "2023-09-15")]),
        ("с 20 сентября по 10 октября", [("2023-09-20", "2023-10-10")]),
        ("10 сентября 2023 года", [("2023-09-10", "2023-09-10")]),
    ],
)
def test_september_days(text: str, windows: list[tuple[str | None, str]]) -> None:
    assert _windows(text) == windows


def test_the_additional_period_reading_is_said() -> None:
    term = parse_term("с 6 по 24 сентября", SY)
    assert any("additional period of 2024" in w for w in term.warnings)
    assert not any("additional period" in w for w in parse_term("до 15 сентября", SY).warnings)
