"""Terms to dated windows (bot/plan/dating.py): shifting a day by each unit, a relative term's
window from its event, clipping to the order's date, and the dates a plan keeps as JSON
(issue 13: what mutation testing found untested)."""

from datetime import date, timedelta
from types import SimpleNamespace
from typing import TYPE_CHECKING, cast

import pytest

from bot.plan.dating import (
    PlanDates,
    clip_windows,
    dated_windows,
    dates_from_json,
    dates_json,
    event_window,
    plan_dates,
    shift,
)
from bot.reminders.calendar import WorkingCalendar
from bot.terms import Offset, OffsetUnit, ParsedTerm, SchoolYear, TermKind, Window, parse_term

if TYPE_CHECKING:
    from bot.plan.model import Plan

SY = SchoolYear(2023)
DAYS = WorkingCalendar()
RESULTS = date(2024, 6, 10)  # a Monday
EVENTS = {"results": (date(2024, 6, 20), RESULTS)}  # the first date counts, not the listed one
ORDER = date(2024, 3, 1)


def relative(
    offset: Offset | None = None, offset_days: int | None = None, event: str = "results"
) -> ParsedTerm:
    return ParsedTerm(
        text="после объявления результатов",
        kind=TermKind.RELATIVE,
        windows=(),
        rule=None,
        event=event,
        offset_days=offset_days,
        qualifiers=(),
        warnings=(),
        offset=offset,
    )


# --- shift ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "amount", "unit", "expected"),
    [
        (date(2024, 3, 15), 1, "working_days", date(2024, 3, 18)),  # Friday → Monday
        (date(2024, 3, 18), -1, "working_days", date(2024, 3, 15)),
        (date(2024, 3, 15), 2, "weeks", date(2024, 3, 29)),
        (date(2024, 3, 15), -1, "weeks", date(2024, 3, 8)),
        (date(2024, 3, 15), 3, "days", date(2024, 3, 18)),
        (date(2024, 3, 15), -3, "days", date(2024, 3, 12)),
        # a month later or earlier keeps the day, or takes the month's last one
        (date(2024, 1, 31), 1, "months", date(2024, 2, 29)),
        (date(2023, 1, 31), 1, "months", date(2023, 2, 28)),
        (date(2024, 3, 31), 1, "months", date(2024, 4, 30)),
        (date(2024, 3, 31), -1, "months", date(2024, 2, 29)),
        (date(2024, 1, 15), -1, "months", date(2023, 12, 15)),
        (date(2024, 11, 15), 2, "months", date(2025, 1, 15)),
        (date(2024, 12, 15), 12, "months", date(2025, 12, 15)),
        (date(2024, 5, 31), -12, "months", date(2023, 5, 31)),
        # hours and minutes stay on the day
        (date(2024, 3, 15), 5, "hours", date(2024, 3, 15)),
        (date(2024, 3, 15), 30, "minutes", date(2024, 3, 15)),
    ],
)
def test_shift_moves_a_day_by_each_unit(day: date, amount: int, unit: str, expected: date) -> None:
    assert shift(day, amount, unit, DAYS) == expected


# --- a relative term's window --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        # «в течение 3 рабочих дней после объявления результатов»: from the event to the offset
        (
            relative(Offset(3, OffsetUnit.WORKING_DAYS, "after", True)),
            Window(RESULTS, date(2024, 6, 14)),  # 12 June is a holiday
        ),
        # «через неделю после»: a deadline after the event opens on it too
        (
            relative(Offset(1, OffsetUnit.WEEKS, "after", False)),
            Window(RESULTS, date(2024, 6, 17)),
        ),
        # «за 10 дней до»: a deadline before the event
        (relative(Offset(10, OffsetUnit.DAYS, "before", False)), Window(None, date(2024, 5, 31))),
        # «в день объявления результатов»: the day itself is a deadline, even as a span
        (relative(Offset(0, OffsetUnit.DAYS, "after", True)), Window(None, RESULTS)),
        # without an offset object: `offset_days`, calendar days
        (relative(offset_days=3), Window(RESULTS, date(2024, 6, 13))),
        (relative(offset_days=-10), Window(None, date(2024, 5, 31))),
        # no offset at all: the event's day
        (relative(), Window(None, RESULTS)),
    ],
)
def test_a_relative_term_is_dated_from_its_events_first_day(
    term: ParsedTerm, expected: Window
) -> None:
    assert event_window(term, EVENTS, DAYS) == expected


def test_a_relative_term_whose_event_the_plan_does_not_date_has_no_window() -> None:
    assert event_window(relative(offset_days=3, event="appeal"), EVENTS, DAYS) is None
    assert event_window(relative(offset_days=3), {"results": ()}, DAYS) is None


# --- clipping to the order's date ----------------------------------------------------------------


def test_without_an_order_date_nothing_is_clipped() -> None:
    windows = [(Window(None, date(2023, 10, 1)), False)]
    assert clip_windows(windows, None, 30) == tuple(windows)


def test_a_window_ending_before_the_order_is_dropped_and_the_next_one_kept() -> None:
    before = (Window(date(2024, 1, 10), date(2024, 2, 29)), False)
    after = (Window(date(2024, 3, 10), date(2024, 3, 20)), False)
    assert clip_windows([before, after], ORDER, 0) == (after,)


def test_a_deadline_on_the_orders_day_stays_a_deadline() -> None:
    on_the_day = (Window(None, ORDER), False)
    assert clip_windows([on_the_day], ORDER, 0) == (on_the_day,)


def test_a_window_that_opens_before_the_order_opens_on_it_and_keeps_its_label() -> None:
    window = (Window(date(2024, 2, 1), date(2024, 3, 31), "этап 1"), True)
    assert clip_windows([window], ORDER, 0) == (
        (Window(ORDER, date(2024, 3, 31), "этап 1"), True),
    )


def test_a_window_that_opens_after_the_order_is_left_alone() -> None:
    window = (Window(date(2024, 3, 2), date(2024, 3, 31)), False)
    assert clip_windows([window], ORDER, 30) == (window,)


def test_a_deadline_whose_earliest_reminder_falls_before_the_order_starts_on_it() -> None:
    deadline = Window(None, ORDER + timedelta(days=3))
    assert clip_windows([(deadline, False)], ORDER, 5) == ((Window(ORDER, deadline.end), False),)
    # reminded 3 days before at the earliest: on the order's day, nothing to clip
    assert clip_windows([(deadline, False)], ORDER, 3) == ((deadline, False),)


def test_windows_clipped_alike_are_kept_once() -> None:
    first = (Window(date(2024, 1, 1), date(2024, 3, 31)), False)
    second = (Window(date(2024, 2, 1), date(2024, 3, 31)), False)
    assert clip_windows([first, second], ORDER, 0) == ((Window(ORDER, date(2024, 3, 31)), False),)


# --- dated windows -------------------------------------------------------------------------------


def test_windows_the_plan_gives_outright_replace_an_ongoing_terms_period() -> None:
    term = ParsedTerm(
        text="в течение учебного года",
        kind=TermKind.ONGOING,
        windows=(Window(SY.start, SY.end),),
        rule=None,
        event=None,
        offset_days=None,
        qualifiers=(),
        warnings=(),
    )
    explicit = (Window(None, date(2024, 4, 1)),)
    assert dated_windows(term, explicit, PlanDates(SY), None, DAYS) == ((explicit[0], False),)
    assert dated_windows(term, (), PlanDates(SY), None, DAYS) == (
        (Window(SY.start, SY.end), True),
    )


# --- the dates a plan keeps as JSON --------------------------------------------------------------


def test_plan_dates_go_to_json_and_back() -> None:
    dates = PlanDates(
        SY,
        events={"exam": (date(2024, 5, 23), date(2024, 5, 28))},
        exam_periods=(
            Window(date(2024, 3, 22), date(2024, 5, 18)),
            Window(date(2024, 5, 21), date(2024, 7, 5)),
        ),
        not_before=ORDER,
        lead_days=7,
    )
    stored = dates_json(dates)
    assert stored == {
        "@exam_periods": ["2024-03-22/2024-05-18", "2024-05-21/2024-07-05"],
        "@not_before": ["2024-03-01"],
    }
    events = {"exam": ["2024-05-23", "2024-05-28"]}
    assert dates_from_json(SY, {**events, **stored}, 7) == dates


def test_a_plan_without_an_order_date_or_periods_keeps_none() -> None:
    stored = dates_json(PlanDates(SY))
    assert stored == {"@exam_periods": []}
    assert dates_from_json(SY, stored, 0) == PlanDates(SY)
    assert dates_from_json(SY, None, 3) == PlanDates(SY, lead_days=3)


def test_an_open_exam_period_is_stored_as_its_last_day() -> None:
    stored = dates_json(PlanDates(SY, exam_periods=(Window(None, date(2024, 9, 24)),)))
    assert stored["@exam_periods"] == ["2024-09-24/2024-09-24"]


def test_windows_the_plan_gives_outright_replace_a_relative_terms_event() -> None:
    explicit = (Window(None, date(2024, 4, 1)),)
    dates = PlanDates(SY, EVENTS)
    found = dated_windows(relative(offset_days=3), explicit, dates, None, DAYS)
    assert found == ((explicit[0], False),)


def test_windows_equal_to_the_terms_own_are_no_override() -> None:
    calendar_periods = (Window(date(2024, 5, 21), date(2024, 7, 5)),)
    term = parse_term("весь период проведения ГИА", SY)
    dates = PlanDates(SY, exam_periods=calendar_periods)
    found = dated_windows(term, term.windows, dates, None, DAYS)
    assert found == ((calendar_periods[0], True),)


def test_a_relative_term_whose_event_is_not_dated_has_no_windows() -> None:
    assert dated_windows(relative(offset_days=3), (), PlanDates(SY), None, DAYS) == ()


def test_plan_dates_takes_the_earliest_reminder_and_the_calendar_from_the_plan() -> None:
    periods = (Window(date(2024, 5, 21), date(2024, 7, 5)),)

    def plan(days_before: tuple[int, ...]) -> "Plan":
        return cast(
            "Plan",
            SimpleNamespace(
                school_year=SY,
                events=EVENTS,
                exam_periods=periods,
                order=SimpleNamespace(date=ORDER),
                reminder_settings=SimpleNamespace(days_before=days_before),
            ),
        )

    assert plan_dates(plan((1, 7, 3))) == PlanDates(SY, EVENTS, periods, ORDER, 7)
    assert plan_dates(plan(())).lead_days == 0
