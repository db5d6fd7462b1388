"""Terms to dated windows, with what the plan knows beside the term itself.

`bot.reminders.policy.windows_for_task` dates a term from the term, the school year and the
declared events. A plan also knows its federal exam calendar (the exam periods that «весь
период проведения ГИА» means, working-day offsets from calendar events) and the day its order
was signed, before which nothing it asks for can be due or reminded of. Reminders, /overdue and
`roadmap-bot preview` all take their windows from `dated_windows`.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import MappingProxyType
from typing import TYPE_CHECKING

from bot.plan.exam_calendar import is_exam_period_term
from bot.reminders.calendar import WorkingCalendar
from bot.reminders.policy import ongoing_windows, windows_for_task
from bot.terms import ParsedTerm, SchoolYear, TermKind, Window

if TYPE_CHECKING:
    from bot.plan.model import Plan

__all__ = [
    "PlanDates",
    "clip_windows",
    "dated_windows",
    "dates_from_json",
    "dates_json",
    "event_window",
    "plan_dates",
]

TaskWindow = tuple[Window, bool]


@dataclass(frozen=True, slots=True)
class PlanDates:
    """What a plan dates its terms against."""

    school_year: SchoolYear
    events: Mapping[str, tuple[date, ...]] = field(default_factory=lambda: MappingProxyType({}))
    # «весь период проведения ГИА»: the exam periods of the plan's calendar
    exam_periods: tuple[Window, ...] = ()
    # the order's date: nothing is due, opens or is reminded of before it
    not_before: date | None = None
    # the earliest reminder before a deadline (the largest `days_before`)
    lead_days: int = 0


def _offset_parts(term: ParsedTerm) -> tuple[int, str, bool] | None:
    """(signed amount, unit, span) of the term's offset: the parser's `Offset` when it gives
    one (working days, months …), else `offset_days` (calendar days)."""
    offset = term.offset
    if offset is not None:
        sign = -1 if offset.direction == "before" else 1
        return sign * offset.amount, str(offset.unit), offset.span
    if term.offset_days is None:
        return None
    return term.offset_days, "days", term.offset_days > 0


def _months_from(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - 28 always exists


def shift(day: date, amount: int, unit: str, days: WorkingCalendar) -> date:
    """`day` moved by `amount` units (negative: earlier); hours and minutes stay on the day."""
    match unit:
        case "working_days":
            return days.add_working_days(day, amount)
        case "weeks":
            return day + timedelta(weeks=amount)
        case "months":
            return _months_from(day, amount)
        case "days":
            return day + timedelta(days=amount)
        case _:
            return day


def event_window(
    term: ParsedTerm, events: Mapping[str, tuple[date, ...]], days: WorkingCalendar
) -> Window | None:
    """A relative term's window from its event's first date: «в течение трёх рабочих дней после
    объявления результатов» opens on the announcement and ends three working days later; «за 1
    месяц до начала экзамена» is a deadline a month before the first exam."""
    if term.event is None or not events.get(term.event):
        return None
    first = min(events[term.event])
    parts = _offset_parts(term)
    amount, unit, span = parts if parts is not None else (0, "days", False)
    deadline = shift(first, amount, unit, days)
    if deadline > first:
        return Window(first, deadline) if span or amount > 0 else Window(None, deadline)
    return Window(None, deadline)


def clip_windows(
    windows: Iterable[TaskWindow], not_before: date | None, lead_days: int
) -> tuple[TaskWindow, ...]:
    """No window ends, opens or is reminded of before `not_before` (the order's date).

    A window that ends before it is dropped (the loader warns about it as a stale year); one
    that starts before it starts on it; a deadline whose earliest reminder would fall before it
    gets it as its start, so reminders before the order are dropped like any before a start.
    """
    if not_before is None:
        return tuple(windows)
    kept: list[TaskWindow] = []
    for window, ongoing in windows:
        if window.end < not_before:
            continue
        first = window.start if window.start is not None else window.end - timedelta(lead_days)
        clipped = Window(not_before, window.end, window.label) if first < not_before else window
        kept.append((clipped, ongoing))
    return tuple(dict.fromkeys(kept))


def dated_windows(
    term: ParsedTerm | None,
    explicit: tuple[Window, ...],
    dates: PlanDates,
    external_date: date | None,
    days: WorkingCalendar,
) -> tuple[TaskWindow, ...]:
    """Ongoing periods first, then due-date windows (so adding a date later keeps earlier
    sequence numbers), clipped to the order's date."""
    ongoing = ongoing_windows(term, explicit, dates.school_year)
    overridden = bool(explicit) and (term is None or explicit != term.windows)
    if (
        term is not None
        and term.kind is TermKind.ONGOING
        and ongoing
        and dates.exam_periods
        and not overridden
        and is_exam_period_term(term.text)
    ):
        ongoing = dates.exam_periods
    if (
        term is not None
        and term.kind is TermKind.RELATIVE
        and external_date is None
        and not overridden
    ):
        found = event_window(term, dates.events, days)
        due: tuple[Window, ...] = (found,) if found is not None else ()
    else:
        due = windows_for_task(term, explicit, dates.school_year, dates.events, external_date)
    both = [(w, True) for w in ongoing] + [(w, False) for w in due]
    return clip_windows(dict.fromkeys(both), dates.not_before, dates.lead_days)


def plan_dates(plan: "Plan") -> PlanDates:
    return PlanDates(
        school_year=plan.school_year,
        events=plan.events,
        exam_periods=plan.exam_periods,
        not_before=plan.order.date,
        lead_days=max(plan.reminder_settings.days_before, default=0),
    )


# The database keeps a plan's event dates as JSON ({slug: [iso dates]}); the exam periods and
# the order's date travel in the same document under keys no event slug can take ("@…"), so a
# task re-dated from the database (/setdate) sees what a freshly loaded plan sees.
_PERIODS_KEY = "@exam_periods"
_NOT_BEFORE_KEY = "@not_before"


def dates_json(dates: PlanDates) -> dict[str, list[str]]:
    found = {
        _PERIODS_KEY: [
            f"{(w.start or w.end).isoformat()}/{w.end.isoformat()}" for w in dates.exam_periods
        ]
    }
    if dates.not_before is not None:
        found[_NOT_BEFORE_KEY] = [dates.not_before.isoformat()]
    return found


def dates_from_json(
    school_year: SchoolYear, stored: Mapping[str, list[str]] | None, lead_days: int
) -> PlanDates:
    stored = stored or {}
    events = {
        slug: tuple(date.fromisoformat(day) for day in days)
        for slug, days in stored.items()
        if not slug.startswith("@")
    }
    periods = []
    for span in stored.get(_PERIODS_KEY, []):
        start, _, end = span.partition("/")
        periods.append(Window(date.fromisoformat(start), date.fromisoformat(end)))
    not_before = stored.get(_NOT_BEFORE_KEY)
    return PlanDates(
        school_year=school_year,
        events=MappingProxyType(events),
        exam_periods=tuple(periods),
        not_before=date.fromisoformat(not_before[0]) if not_before else None,
        lead_days=lead_days,
    )
