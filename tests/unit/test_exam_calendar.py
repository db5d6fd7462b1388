"""The federal exam calendar as data (data/calendar/*.yaml) and the dates terms take from it."""

from datetime import date
from pathlib import Path

import pytest

from bot.plan.dating import PlanDates, dated_windows, event_window
from bot.plan.exam_calendar import (
    CALENDAR_DIR,
    CalendarError,
    is_exam_period_term,
    load_calendar,
    results_day,
)
from bot.reminders.calendar import WorkingCalendar
from bot.terms import SchoolYear, TermKind, Window, parse_term

SY = SchoolYear(2023)
DAYS = WorkingCalendar()


@pytest.mark.parametrize("calendar_id", ["gia-2024", "gia-2025", "gia-2026", "gia-2027"])
def test_every_shipped_calendar_loads_with_sources(calendar_id: str) -> None:
    calendar = load_calendar(calendar_id)
    assert calendar.id == calendar_id
    assert calendar.reviewed <= date(2026, 12, 31)
    assert calendar.orders  # every file names its orders
    for period in calendar.periods:
        assert period.order
        assert all(period.start <= day.day <= period.end for day in period.days)
    assert calendar.essay and calendar.interview


def test_gia_2024_has_the_ordered_periods() -> None:
    calendar = load_calendar("gia-2024")
    assert calendar.first_exam() == date(2024, 3, 22)  # ЕГЭ, early period
    periods = calendar.exam_periods()
    # early (ЕГЭ 22.03 … ОГЭ 18.05), main (ОГЭ 21.05 … ЕГЭ retakes 05.07), additional (September)
    assert [(w.start, w.end) for w in periods] == [
        (date(2024, 3, 22), date(2024, 5, 18)),
        (date(2024, 5, 21), date(2024, 7, 5)),
        (date(2024, 9, 3), date(2024, 9, 24)),
    ]
    assert "953/2116" in calendar.orders["ege"]
    assert calendar.essay == (date(2023, 12, 6), date(2024, 2, 7), date(2024, 4, 10))
    events = calendar.events()
    assert events["exam"][0] == date(2024, 3, 22)
    assert events["essay"][0] == date(2023, 12, 6)


def test_results_day_follows_the_processing_limits() -> None:
    # ЕГЭ по химии 23.05.2024 (Thursday): РЦОИ 4 days → 27.05; ФЦТ 5 working days → 03.06;
    # ГЭК 1 and announcement 1 working day → 05.06
    assert results_day(date(2024, 5, 23), False, DAYS) == date(2024, 6, 5)
    # русский язык 28.05.2024: РЦОИ 6 days → 03.06; +5 → 10.06; +2 → 13.06 (12.06 a holiday)
    assert results_day(date(2024, 5, 28), True, DAYS) == date(2024, 6, 13)
    calendar = load_calendar("gia-2024")
    assert calendar.results()[0] == date(2024, 6, 5)


def test_2027_says_it_has_no_exam_schedule() -> None:
    calendar = load_calendar("gia-2027")
    assert calendar.periods == ()
    assert "exam" not in calendar.events()
    assert any("2027" in gap for gap in calendar.gaps)


def test_unknown_or_broken_calendar_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CalendarError, match="no calendar"):
        load_calendar("gia-1999")
    (tmp_path / "gia-2030.yaml").write_text("id: gia-2030\nyear: x\n", encoding="utf-8")
    with pytest.raises(CalendarError, match="does not read"):
        load_calendar("gia-2030", tmp_path)
    assert (CALENDAR_DIR / "gia-2024.yaml").exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Весь период проведения ГИА", True),
        ("во время проведения ГИА", True),
        ("в период проведения ЕГЭ", True),
        ("Весь период ГИА", True),
        ("В течение всего периода ГИА", True),
        ("в течение проведения ГИА–11", True),
        ("Весь период подготовки и проведения ГИА", False),  # the preparation: the school year
        ("в течение учебного года", False),
        ("Весь период", False),
    ],
)
def test_exam_period_terms(text: str, expected: bool) -> None:
    assert is_exam_period_term(text) is expected


def test_during_the_exams_means_the_exam_periods_not_the_school_year() -> None:
    calendar = load_calendar("gia-2024")
    dates = PlanDates(SY, calendar.events(), calendar.exam_periods())
    term = parse_term("весь период проведения ГИА", SY)
    assert term.kind is TermKind.ONGOING
    windows = dated_windows(term, (), dates, None, DAYS)
    assert [w for w, ongoing in windows if ongoing] == list(calendar.exam_periods())
    # without a calendar it stays the school year
    plain = dated_windows(term, (), PlanDates(SY), None, DAYS)
    assert plain == ((Window(SY.start, SY.end), True),)


def test_a_month_before_the_exam_counts_from_the_first_exam() -> None:
    calendar = load_calendar("gia-2024")
    term = parse_term("за 1 месяц до начала экзамена", SY)
    found = event_window(term, calendar.events(), DAYS)
    assert found is not None and found.start is None
    assert found.end in (date(2024, 2, 21), date(2024, 2, 22))  # 30 days or one month


def test_the_plans_own_date_and_setdate_win_over_the_calendar() -> None:
    calendar = load_calendar("gia-2024")
    term = parse_term("за 1 месяц до начала экзамена", SY)
    own = {**calendar.events(), "exam": (date(2024, 5, 23),)}
    found = dated_windows(term, (), PlanDates(SY, own), None, DAYS)
    assert found[0][0].end in (date(2024, 4, 22), date(2024, 4, 23))
    admin = dated_windows(term, (), PlanDates(SY, calendar.events()), date(2024, 3, 1), DAYS)
    assert admin == ((Window(None, date(2024, 3, 1)), False),)


def test_three_working_days_after_the_results_are_dated_from_the_calendar() -> None:
    calendar = load_calendar("gia-2024")
    announced = calendar.events()["results"][0]
    assert announced == date(2024, 6, 5)  # the first main-period ЕГЭ (23.05) by the Порядок
    term = parse_term("в течение трёх рабочих дней после объявления результатов", SY)
    assert term.kind is TermKind.RELATIVE and term.event == "results"
    windows = dated_windows(term, (), PlanDates(SY, calendar.events()), None, DAYS)
    # Wednesday 05.06 → Thursday, Friday, Monday: 10.06 (not 08.06, three calendar days)
    assert windows == ((Window(date(2024, 6, 5), date(2024, 6, 10)), False),)


def test_working_days_skip_holidays_after_an_event() -> None:
    term = parse_term("в течение трёх рабочих дней после объявления результатов", SY)
    found = event_window(term, {"results": (date(2024, 6, 10),)}, DAYS)
    # 11.06, (12.06 Russia Day), 13.06, 14.06
    assert found == Window(date(2024, 6, 10), date(2024, 6, 14))


def test_gia_2025_has_the_oge_periods() -> None:
    calendar = load_calendar("gia-2025")
    oge = [(p.period, p.start, p.end) for p in calendar.periods if p.exam == "oge"]
    assert [(str(kind), start, end) for kind, start, end in oge] == [
        ("early", date(2025, 4, 22), date(2025, 5, 17)),
        ("main", date(2025, 5, 21), date(2025, 7, 2)),
        ("additional", date(2025, 9, 2), date(2025, 9, 23)),
    ]
    # the exam periods join ЕГЭ and ОГЭ: early ЕГЭ 21.03 … ОГЭ 17.05, main ОГЭ 21.05 … ЕГЭ 04.07
    assert [(w.start, w.end) for w in calendar.exam_periods()] == [
        (date(2025, 3, 21), date(2025, 5, 17)),
        (date(2025, 5, 21), date(2025, 7, 4)),
        (date(2025, 9, 2), date(2025, 9, 23)),
    ]
    assert any("ГВЭ-2025" in gap for gap in calendar.gaps)
