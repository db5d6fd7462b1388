"""The reminder policy: pure functions from a deadline window to the days a reminder is due."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from bot.terms import Window


class ReminderKind(StrEnum):
    OPENS = "opens"
    BEFORE = "before"
    DUE = "due"


@dataclass(frozen=True, slots=True)
class ReminderPolicy:
    days_before: tuple[int, ...] = (14, 3, 1)
    notify_on_open: bool = True
    notify_on_due_day: bool = True


DEFAULT_POLICY = ReminderPolicy()


@dataclass(frozen=True, slots=True, order=True)
class DueReminder:
    day: date
    kind: ReminderKind
    days_left: int
    window: Window


def reminders_for_window(
    window: Window, policy: ReminderPolicy = DEFAULT_POLICY
) -> list[DueReminder]:
    """The days a window produces reminders on, earliest first, one per day at most.

    A reminder that would come before the window opens is dropped: nobody is told
    «3 days left» about work that may not start yet, they get the opening notice instead.
    """
    by_day: dict[date, DueReminder] = {}
    if policy.notify_on_open and window.start is not None and window.start < window.end:
        by_day[window.start] = DueReminder(
            window.start, ReminderKind.OPENS, (window.end - window.start).days, window
        )
    offsets = sorted(set(policy.days_before) | ({0} if policy.notify_on_due_day else set()))
    for days in offsets:
        day = window.end - timedelta(days=days)
        if window.start is not None and day < window.start:
            continue
        kind = ReminderKind.DUE if days == 0 else ReminderKind.BEFORE
        by_day.setdefault(day, DueReminder(day, kind, days, window))
    return sorted(by_day.values())


def reminders_between(
    windows: Iterable[Window], first: date, last: date, policy: ReminderPolicy = DEFAULT_POLICY
) -> Iterator[DueReminder]:
    for window in windows:
        for reminder in reminders_for_window(window, policy):
            if first <= reminder.day <= last:
                yield reminder
