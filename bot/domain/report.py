"""What a control report row is and the four states it shows: plain data, below the services
that fill it (bot/services/control.py) and the rules that lay it out (bot/reports/rows.py)."""

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

__all__ = ["ControlStatus", "ReportRow"]


class ControlStatus(StrEnum):
    CONFIRMED = "confirmed"
    OVERDUE = "overdue"
    DUE = "due"
    """The window has started (or has no start) and its last day has not passed."""
    UPCOMING = "upcoming"
    """The window has not started yet."""


@dataclass(frozen=True, slots=True)
class ReportRow:
    section_code: str | None
    section_title: str
    code: str
    title: str
    measure_title: str | None
    term_text: str | None
    responsible: str | None
    window_start: date | None
    window_end: date | None
    """None for a measure whose term gives no date yet («по графику ФЦТ»)."""
    window_label: str | None
    unit_name: str
    status: ControlStatus | None
    """None: no date yet, so no assignment; the unit is asked all the same."""
    days_overdue: int | None
    confirmed_at: datetime | None
    """In the plan's time zone."""
    confirmed_by: str | None
