"""The reminder policy: pure functions from a deadline window to the moments a reminder is sent.

Nothing here reads the clock or does I/O: callers pass the window, the plan's zone and the
moments they care about. Days are the plan's local days; moments are tz-aware UTC datetimes.

For one window the policy works in local days first, then turns days into moments:

1. the nominal days: the window's opening, `days_before` its end, the due day, and overdue
   nudges every `overdue_every_working_days` working days after it, up to `overdue_limit`;
2. a day off moves a reminder to the previous working day, never before the window opens (an
   opening notice moves forward instead): a reminder that cannot move is dropped, except the
   due-day one: a window made only of days off (a one-day window on a Saturday, 3–8 January)
   is reminded of on the last working day before it rather than on a day off;
3. one reminder per day: when two fall on one day the most urgent stays
   (OVERDUE > DUE > BEFORE 1 > BEFORE 3 > … > OPENS);
4. each day becomes the send time in the plan's zone; a moment inside quiet hours moves to the
   end of the quiet period (22:00 with quiet hours 21:00–08:00 goes out at 08:00 the next day).
"""

import calendar as _calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from bot.reminders.calendar import WorkingCalendar
from bot.terms import ParsedTerm, SchoolYear, TermKind, Window

__all__ = [
    "DEFAULT_SETTINGS",
    "EventDates",
    "PlannedReminder",
    "ReminderKind",
    "ReminderSettings",
    "after_quiet",
    "due_reminders",
    "occurrences",
    "ongoing_windows",
    "plan_reminders",
    "send_moment",
    "status_checks",
    "windows_for_task",
]

MAX_DAYS_BEFORE = 366
MAX_OVERDUE_EVERY = 60
MAX_OVERDUE_LIMIT = 20


class ReminderKind(StrEnum):
    OPENS = "opens"
    BEFORE = "before"
    DUE = "due"
    OVERDUE = "overdue"
    STATUS_CHECK = "status_check"


@dataclass(frozen=True, slots=True)
class ReminderSettings:
    send_hour: int = 9
    send_minute: int = 0
    days_before: tuple[int, ...] = (14, 3, 1)
    notify_on_open: bool = True
    notify_on_due_day: bool = True
    overdue_every_working_days: int = 3
    overdue_limit: int = 3
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)
    skip_non_working_days: bool = True
    ongoing_status_check: bool = True
    ongoing_check_day: int = 25

    def __post_init__(self) -> None:
        problems = settings_problems(self)
        if problems:
            raise ValueError("; ".join(problems))

    @property
    def send_time(self) -> time:
        return time(self.send_hour, self.send_minute)

    def is_quiet(self, moment: time) -> bool:
        """Whether a local wall-clock time is inside quiet hours (equal bounds: none)."""
        start, end = self.quiet_start, self.quiet_end
        if start <= end:
            return start <= moment < end
        return moment >= start or moment < end


def settings_problems(settings: ReminderSettings) -> list[str]:
    """What is wrong with a set of reminder settings, one message per field."""
    problems = []
    if not 0 <= settings.send_hour <= 23:
        problems.append(f"send_hour must be 0–23, not {settings.send_hour}")
    if not 0 <= settings.send_minute <= 59:
        problems.append(f"send_minute must be 0–59, not {settings.send_minute}")
    if any(not 1 <= d <= MAX_DAYS_BEFORE for d in settings.days_before):
        problems.append(f"days_before must be whole days 1–{MAX_DAYS_BEFORE}")
    if len(set(settings.days_before)) != len(settings.days_before):
        problems.append("days_before must not repeat a day")
    if not 1 <= settings.overdue_every_working_days <= MAX_OVERDUE_EVERY:
        problems.append(f"overdue_every_working_days must be 1–{MAX_OVERDUE_EVERY}")
    if not 0 <= settings.overdue_limit <= MAX_OVERDUE_LIMIT:
        problems.append(f"overdue_limit must be 0–{MAX_OVERDUE_LIMIT}")
    if not 1 <= settings.ongoing_check_day <= 31:
        problems.append("ongoing_check_day must be a day of the month, 1–31")
    if settings.quiet_start.tzinfo is not None or settings.quiet_end.tzinfo is not None:
        problems.append("quiet hours are local wall-clock times, without a zone")
    return problems


DEFAULT_SETTINGS = ReminderSettings()


@dataclass(frozen=True, slots=True, order=True)
class PlannedReminder:
    at: datetime
    local_day: date
    kind: ReminderKind
    # Part of the idempotency key: the offset for BEFORE (14, 3, 1: several per window),
    # 1..limit for OVERDUE, year*100+month for STATUS_CHECK (202403), 0 otherwise.
    sequence: int
    deadline: date
    days_left: int


def _urgency(kind: ReminderKind, sequence: int) -> int:
    if kind is ReminderKind.OPENS:
        return 0
    if kind is ReminderKind.BEFORE:
        return 1 + MAX_DAYS_BEFORE - sequence
    if kind is ReminderKind.DUE:
        return 2 + MAX_DAYS_BEFORE
    return 2 + MAX_DAYS_BEFORE + sequence


@dataclass(frozen=True, slots=True)
class _Slot:
    kind: ReminderKind
    sequence: int

    @property
    def urgency(self) -> int:
        return _urgency(self.kind, self.sequence)


class _Days:
    """A window's working-day arithmetic, honouring `skip_non_working_days`."""

    def __init__(
        self, window: Window, settings: ReminderSettings, calendar: WorkingCalendar
    ) -> None:
        self.start = window.start
        self.shift = settings.skip_non_working_days
        self.calendar = calendar

    def back_anyway(self, day: date) -> date:
        """The last working day on or before `day`, even before the window opens."""
        return self.calendar.on_or_before(day) if self.shift else day

    def back(self, day: date) -> date | None:
        """The last working day on or before `day` but not before the window opens."""
        moved = self.back_anyway(day)
        return moved if self.start is None or moved >= self.start else None

    def forward(self, day: date, last: date) -> date | None:
        """The first working day on or after `day` but not after `last`."""
        if self.shift and not self.calendar.is_working_day(day):
            day = self.calendar.next_working_day(day)
        return day if day <= last else None

    def after(self, day: date, count: int) -> date:
        if self.shift:
            return self.calendar.add_working_days(day, count)
        return day + timedelta(days=count)


def _moment(day: date, tz: ZoneInfo, settings: ReminderSettings) -> datetime:
    """The send time of a local day as a UTC moment, moved out of quiet hours."""
    local = datetime.combine(day, settings.send_time)
    # A wall time in a DST gap resolves forward (PEP 495, fold=0), which may land in quiet
    # hours again; another pass leaves them, as gaps are never on consecutive days.
    for _ in range(3):
        real = local.replace(tzinfo=tz).astimezone(UTC).astimezone(tz)
        if not settings.is_quiet(real.time()):
            break
        local = datetime.combine(real.date(), settings.quiet_end)
        if local <= real.replace(tzinfo=None):
            local += timedelta(days=1)
    return real.astimezone(UTC)


def after_quiet(moment: datetime, tz: ZoneInfo, settings: ReminderSettings) -> datetime:
    """`moment` (UTC) if it is outside quiet hours in `tz`, else the end of those quiet hours:
    a reminder caught up after missed ticks waits for the morning like a planned one."""
    _aware(moment)
    local = moment.astimezone(tz)
    if not settings.is_quiet(local.time()):
        return moment
    end = datetime.combine(local.date(), settings.quiet_end, tz)
    if end <= local:
        end = datetime.combine(local.date() + timedelta(days=1), settings.quiet_end, tz)
    return end.astimezone(UTC)


def send_moment(day: date, tz: ZoneInfo, settings: ReminderSettings) -> datetime:
    """When a message about local `day` goes out: the send time in `tz`, out of quiet hours."""
    return _moment(day, tz, settings)


def _place(
    slots: Mapping[date, _Slot], deadline: date, tz: ZoneInfo, settings: ReminderSettings
) -> list[PlannedReminder]:
    by_day: dict[date, tuple[int, PlannedReminder]] = {}
    for day, slot in slots.items():
        at = _moment(day, tz, settings)
        local_day = at.astimezone(tz).date()
        reminder = PlannedReminder(
            at, local_day, slot.kind, slot.sequence, deadline, (deadline - local_day).days
        )
        # Quiet hours and DST gaps move moments alike, so this only matters at a gap near
        # midnight; it keeps «one per local day» true whatever the zone.
        old = by_day.get(local_day)
        if old is None or slot.urgency > old[0]:
            by_day[local_day] = (slot.urgency, reminder)
    return sorted(reminder for _, reminder in by_day.values())


def _put(slots: dict[date, _Slot], day: date | None, kind: ReminderKind, seq: int = 0) -> None:
    if day is None:
        return
    slot = _Slot(kind, seq)
    old = slots.get(day)
    if old is None or slot.urgency > old.urgency:
        slots[day] = slot


def plan_reminders(
    window: Window,
    tz: ZoneInfo,
    settings: ReminderSettings = DEFAULT_SETTINGS,
    calendar: WorkingCalendar | None = None,
) -> list[PlannedReminder]:
    """Every reminder of one window, in time order, at most one per local day."""
    days = _Days(window, settings, calendar or WorkingCalendar())
    start, end = window.start, window.end
    slots: dict[date, _Slot] = {}
    if settings.notify_on_open and start is not None and start < end:
        _put(slots, days.forward(start, end), ReminderKind.OPENS)
    for offset in settings.days_before:
        nominal = end - timedelta(days=offset)
        if start is None or nominal >= start:
            _put(slots, days.back(nominal), ReminderKind.BEFORE, offset)
    if settings.notify_on_due_day:
        # back even past the start: a window of days off alone is still reminded of at work
        _put(slots, days.back_anyway(end), ReminderKind.DUE)
    nudge = end
    for sequence in range(1, settings.overdue_limit + 1):
        nudge = days.after(nudge, settings.overdue_every_working_days)
        _put(slots, nudge, ReminderKind.OVERDUE, sequence)
    return _place(slots, end, tz, settings)


def _aware(*moments: datetime) -> None:
    for moment in moments:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"a naive datetime cannot bound reminders: {moment!r}")


def due_reminders(
    window: Window,
    tz: ZoneInfo,
    settings: ReminderSettings = DEFAULT_SETTINGS,
    calendar: WorkingCalendar | None = None,
    *,
    after: datetime,
    until: datetime,
) -> list[PlannedReminder]:
    """The window's reminders with `after < at <= until`: what one tick has to send."""
    _aware(after, until)
    return [r for r in plan_reminders(window, tz, settings, calendar) if after < r.at <= until]


def _month_after(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def status_checks(
    window: Window,
    tz: ZoneInfo,
    settings: ReminderSettings = DEFAULT_SETTINGS,
    calendar: WorkingCalendar | None = None,
    *,
    after: datetime,
    until: datetime,
) -> list[PlannedReminder]:
    """Monthly status checks of an ongoing window with `after < at <= until`.

    One on `ongoing_check_day` of every month the window covers (the month's last day when it
    is shorter), moved to a working day like any reminder.
    """
    _aware(after, until)
    if not settings.ongoing_status_check or until <= after:
        return []
    days = _Days(window, settings, calendar or WorkingCalendar())
    # A check moves back by at most a holiday run and forward by one night: a month of
    # margin on each side finds every check whose moment falls between the bounds.
    first = max(after.astimezone(tz).date() - timedelta(days=31), window.start or date.min)
    last = min(until.astimezone(tz).date() + timedelta(days=31), window.end)
    slots: dict[date, _Slot] = {}
    year, month = first.year, first.month
    while date(year, month, 1) <= last:
        nominal = date(year, month, min(settings.ongoing_check_day, _month_days(year, month)))
        if first <= nominal <= last:
            _put(slots, days.back(nominal), ReminderKind.STATUS_CHECK, year * 100 + month)
        year, month = _month_after(year, month)
    return [r for r in _place(slots, window.end, tz, settings) if after < r.at <= until]


def _month_days(year: int, month: int) -> int:
    return _calendar.monthrange(year, month)[1]


# ------------------------------------------------------------ what a task is reminded of


def occurrences(rule: str, start: date, end: date) -> list[date]:
    """The days an RRULE (RFC 5545, as the term parser writes it) falls on, `start`..`end`.

    The rule counts from `start`: FREQ=WEEKLY without BYDAY repeats `start`'s weekday.
    """
    rules = rrulestr(rule, dtstart=datetime.combine(start, time()), forceset=True)
    found = rules.between(datetime.combine(start, time()), datetime.combine(end, time()), inc=True)
    return [moment.date() for moment in found]


EventDates = Mapping[str, date | tuple[date, ...]]


def _whole_year(window: Window, school_year: SchoolYear) -> bool:
    return window.start == school_year.start and window.end == school_year.end


def _unique(windows: Iterable[Window]) -> tuple[Window, ...]:
    return tuple(dict.fromkeys(windows))


def _recurrence_period(school_year: SchoolYear) -> tuple[date, date]:
    # the school year and the autumn after it: a plan runs until the new year's one replaces it
    return school_year.start, date(school_year.second, 12, 31)


def _occurrence_windows(rule: str, spans: Iterable[tuple[date, date]]) -> list[Window]:
    return [Window(day, day) for lo, hi in spans for day in occurrences(rule, lo, hi)]


def _event_window(term: ParsedTerm, events: EventDates) -> Window | None:
    if term.event is None or term.event not in events:
        return None
    declared = events[term.event]
    dates = (declared,) if isinstance(declared, date) else declared
    if not dates:
        return None
    first = min(dates)
    deadline = first + timedelta(days=term.offset_days or 0)
    # «в течение 10 дней после экзамена» opens on the exam day; «за месяц до» has no start
    return Window(first, deadline) if deadline > first else Window(None, deadline)


def _overridden(term: ParsedTerm | None, explicit: tuple[Window, ...]) -> bool:
    return bool(explicit) and (term is None or explicit != term.windows)


def windows_for_task(
    term: ParsedTerm | None,
    explicit: tuple[Window, ...],
    school_year: SchoolYear,
    events: EventDates,
    external_date: date | None,
) -> tuple[Window, ...]:
    """The due-date windows a task is reminded of (each one an assignment window).

    `explicit` are the windows the plan gives outright (`windows:` in the YAML): they win over
    the term. Passing `task.windows` also works: windows equal to the term's own are not an
    override. Then by term kind:

    - fixed: its windows;
    - recurring: a one-day window per occurrence in the school year and the autumn after it;
    - mixed: its windows less the whole-school-year ones (its «в течение года» part gets status
      checks instead), the occurrences of its rule within them, and its event's window;
    - external, relative, ongoing, or no term: the admin-set date (`/setdate`) when there is
      one; else, for a relative term whose event the plan declares, the event's first date plus
      the offset; else nothing. A mixed term whose parts give no date takes the admin's too.
    """
    if _overridden(term, explicit):
        return _unique(explicit)
    admin = (Window(None, external_date),) if external_date is not None else ()
    if term is None or term.kind in (TermKind.EXTERNAL, TermKind.ONGOING):
        return admin
    if term.kind is TermKind.RELATIVE:
        found = _event_window(term, events)
        return admin or ((found,) if found is not None else ())
    if term.kind is TermKind.RECURRING:
        period = [_recurrence_period(school_year)]
        return _unique(_occurrence_windows(term.rule, period)) if term.rule else ()
    if term.kind is TermKind.MIXED:
        windows = [w for w in term.windows if not _whole_year(w, school_year)]
        if term.rule is not None:
            spans = [(w.start or w.end, w.end) for w in windows]
            windows = _occurrence_windows(term.rule, spans or [_recurrence_period(school_year)])
        found = _event_window(term, events)
        if found is not None:
            windows.append(found)
        return _unique(windows) or admin
    return _unique(term.windows)


def ongoing_windows(
    term: ParsedTerm | None, explicit: tuple[Window, ...], school_year: SchoolYear
) -> tuple[Window, ...]:
    """The windows that get monthly status checks instead of a due date.

    An ongoing term's windows (the school year when it names none) and a mixed term's
    whole-school-year windows; nothing when the plan gives windows outright.
    """
    if term is None or _overridden(term, explicit):
        return ()
    if term.kind is TermKind.ONGOING:
        return _unique(term.windows) or (Window(school_year.start, school_year.end),)
    if term.kind is TermKind.MIXED:
        return _unique(w for w in term.windows if _whole_year(w, school_year))
    return ()
