"""The table both the workbook and the CSV are made of: one row per unit and deadline window."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import TYPE_CHECKING

from bot.domain.report import ReportRow

if TYPE_CHECKING:  # the words come from the caller; gettext (aiogram's) is not a rule's
    from bot.reports.labels import ReportLabels

Cell = str | int | date | datetime | None


def headers(labels: ReportLabels) -> list[str]:
    """Who and what first, so a meeting sees the status without scrolling; the plan's own
    wording of the term and the responsible last."""
    return [
        labels.section,
        labels.code,
        labels.measure,
        labels.unit,
        labels.status,
        labels.days_overdue,
        labels.window_start,
        labels.window_end,
        labels.confirmed_at,
        labels.confirmed_by,
        labels.term,
        labels.responsible,
    ]


STATUS_COLUMN = 4
"""Zero-based position of the status in `headers`."""
WIDEST = {2: 55, 3: 36, 10: 36, 11: 36}
"""Width limits of the long text columns (measure, unit, term, responsible), in characters."""


def measure_text(row: ReportRow) -> str:
    """A sub-item reads as its measure's title followed by its own («…: – первое»)."""
    return f"{row.measure_title} {row.title}" if row.measure_title else row.title


def cells(row: ReportRow, labels: ReportLabels) -> list[Cell]:
    confirmed_at = row.confirmed_at.replace(tzinfo=None) if row.confirmed_at else None
    # None, not "", for a blank: the workbook writes no cell at all for it.
    return [
        row.section_code,
        row.code,
        measure_text(row),
        row.unit_name,
        labels.status_name(row.status),
        row.days_overdue,
        row.window_start,
        row.window_end,
        confirmed_at,  # wall-clock time of the plan's zone: spreadsheets have no time zones
        row.confirmed_by,
        row.term_text,
        row.responsible,
    ]


def table(rows: tuple[ReportRow, ...], labels: ReportLabels) -> Iterator[list[Cell]]:
    for row in rows:
        yield cells(row, labels)
