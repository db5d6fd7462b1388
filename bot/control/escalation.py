"""When a late assignment is escalated and when the weekly digest is due (pure: no clock, no I/O).

Days are the plan's local days, moments tz-aware UTC datetimes, as in `bot.reminders.policy`.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.reminders.calendar import WorkingCalendar
from bot.reminders.policy import ReminderSettings, send_moment

__all__ = ["digest_moment", "escalation_day", "escalation_moment", "iso_week", "week_start"]


def escalation_day(deadline: date, working_days: int, calendar: WorkingCalendar) -> date:
    """The `working_days`-th working day after the deadline's day (the deadline day itself is
    the unit's last day, so it never counts)."""
    if working_days < 1:
        raise ValueError(f"working_days must be at least 1, not {working_days}")
    return calendar.add_working_days(deadline, working_days)


def escalation_moment(
    deadline: date,
    working_days: int,
    tz: ZoneInfo,
    settings: ReminderSettings,
    calendar: WorkingCalendar,
) -> datetime:
    """The moment an assignment still open is reported to the coordinators: the plan's send
    time on `escalation_day`, in the plan's zone, moved out of quiet hours."""
    return send_moment(escalation_day(deadline, working_days, calendar), tz, settings)


def week_start(day: date) -> date:
    """The Monday of `day`'s ISO week."""
    return day - timedelta(days=day.weekday())


def iso_week(day: date) -> str:
    """«2024-W11»: the week a digest is about, part of its key."""
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def digest_moment(today: date, tz: ZoneInfo, settings: ReminderSettings) -> datetime:
    """This week's digest goes out on Monday at the plan's send time (a holiday Monday too:
    staff plan their week on it); a bot that was down then sends it later in the week."""
    return send_moment(week_start(today), tz, settings)
