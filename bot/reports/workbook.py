"""The XLSX report: a summary sheet, then one sheet per plan with a row per unit and window.

Written with XlsxWriter in constant-memory mode: each row goes to a temporary file as it is
written, so a region-sized plan (hundreds of thousands of cells) streams out instead of being
held as cell objects, and strings are stored inline instead of in a shared table.
"""

import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from xlsxwriter import Workbook
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from bot.reports.labels import ReportLabels
from bot.reports.rows import STATUS_COLUMN, WIDEST, Cell, headers, table
from bot.services.control import Counts, PlanReport, ReportData

GREEN, AMBER, RED = "C6EFCE", "FFEB9C", "FFC7CE"
HEADER_FILL = "D9E1F2"
DATE_FORMAT = "DD.MM.YYYY"
MOMENT_FORMAT = "DD.MM.YYYY HH:MM"
MIN_WIDTH, MAX_WIDTH = 8, 40
SHEET_TITLE_LIMIT = 31
A4_PAPER = 9
"""XlsxWriter's paper index for A4 (its default is the printer's, Letter in many setups)."""
WRAPPED = frozenset(WIDEST)
"""Long texts wrap in their column: a measure's whole wording, line breaks and all."""
WIDTH_SAMPLE = 5000
"""Rows the column widths are measured on: enough to see every kind of value."""
_SHEET_FORBIDDEN_RE = re.compile(r"[\[\]:*?/\\]")


def sheet_title(text: str, taken: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    base = _SHEET_FORBIDDEN_RE.sub("-", text).strip("'")[:SHEET_TITLE_LIMIT] or "plan"
    title, n = base, 1
    while title.casefold() in taken:
        n += 1
        suffix = f" ({n})"
        title = base[: SHEET_TITLE_LIMIT - len(suffix)] + suffix
    taken.add(title.casefold())
    return title


@dataclass(frozen=True, slots=True)
class _Formats:
    """Each format once per workbook: XlsxWriter writes a style per format object."""

    header: Any
    bold: Any
    wrap: Any
    wrap_bold: Any
    day: Any
    moment: Any
    green: Any
    amber: Any
    red: Any

    @classmethod
    def of(cls, book: Workbook) -> "_Formats":
        return cls(
            header=book.add_format({"bold": True, **_fill(HEADER_FILL)}),
            bold=book.add_format({"bold": True}),
            wrap=book.add_format({"text_wrap": True, "valign": "top"}),
            wrap_bold=book.add_format({"text_wrap": True, "valign": "top", "bold": True}),
            day=book.add_format({"num_format": DATE_FORMAT}),
            moment=book.add_format({"num_format": MOMENT_FORMAT}),
            green=book.add_format(_fill(GREEN)),
            amber=book.add_format(_fill(AMBER)),
            red=book.add_format(_fill(RED)),
        )


def _fill(color: str) -> dict[str, Any]:
    # Solid fills in conditional formats: Excel paints bgColor, LibreOffice fgColor; set both.
    return {"pattern": 1, "bg_color": f"#{color}", "fg_color": f"#{color}"}


def _width(value: Cell) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return len(MOMENT_FORMAT)
    if isinstance(value, date):
        return len(DATE_FORMAT)
    return max(map(len, str(value).split("\n")))


def _widths(
    header: Sequence[str], rows: Sequence[Sequence[Cell]], widest: Mapping[int, int]
) -> list[int]:
    widths = [len(text) + 2 for text in header]
    for row in rows[:WIDTH_SAMPLE]:
        for index, value in enumerate(row):
            widths[index] = max(widths[index], _width(value) + 1)
    return [
        min(max(width, MIN_WIDTH), widest.get(index, MAX_WIDTH))
        for index, width in enumerate(widths)
    ]


def _layout(
    sheet: Worksheet,
    header: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    formats: _Formats,
    widest: Mapping[int, int] | None = None,
) -> None:
    """Column widths, frozen header, filter, print setup and the header row itself."""
    for index, width in enumerate(_widths(header, rows, widest or {})):
        sheet.set_column(index, index, width)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, len(rows), len(header) - 1)
    # Printed for a meeting: landscape, as wide as the page, the header on every page.
    sheet.set_landscape()
    sheet.set_paper(A4_PAPER)
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0)
    for column, text in enumerate(header):
        sheet.write_string(0, column, text, formats.header)


def _write_rows(
    sheet: Worksheet,
    rows: Sequence[Sequence[Cell]],
    formats: _Formats,
    *,
    first: int = 1,
    bold: Any = None,
    wrapped: frozenset[int] = WRAPPED,
) -> None:
    """The hot loop of a region-sized report: the writer called straight, by the value's type."""
    write_string, write_number = sheet.write_string, sheet.write_number
    write_datetime = sheet.write_datetime
    day, moment = formats.day, formats.moment
    wrap = formats.wrap_bold if bold is not None else formats.wrap
    for number, row in enumerate(rows, start=first):
        for column, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, str):
                write_string(number, column, value, wrap if column in wrapped else bold)
            elif isinstance(value, datetime):
                write_datetime(number, column, value, moment)
            elif isinstance(value, date):
                write_datetime(number, column, value, day)
            else:
                write_number(number, column, value, bold)


def _status_colours(
    sheet: Worksheet, labels: ReportLabels, formats: _Formats, columns: int, rows: int
) -> None:
    if rows == 0:
        return
    status = xl_col_to_name(STATUS_COLUMN)
    for text, fill in (
        (labels.confirmed, formats.green),
        (labels.overdue, formats.red),
        (labels.due, formats.amber),
    ):
        sheet.conditional_format(
            1,
            0,
            rows,
            columns - 1,
            {"type": "formula", "criteria": f'=${status}2="{text}"', "format": fill},
        )


def _plan_sheet(
    book: Workbook, plan: PlanReport, labels: ReportLabels, formats: _Formats, taken: set[str]
) -> None:
    sheet = book.add_worksheet(sheet_title(plan.plan_id, taken))
    header = headers(labels)
    rows = list(table(plan.rows, labels))
    _layout(sheet, header, rows, formats, WIDEST)
    _status_colours(sheet, labels, formats, len(header), len(rows))
    _write_rows(sheet, rows, formats)


def _counts(counts: Counts) -> list[Cell]:
    return [
        counts.confirmed,
        counts.due,
        counts.overdue,
        counts.upcoming,
        counts.undated,
        counts.total,
        counts.percent,
    ]


def _summary_sheet(
    book: Workbook, data: ReportData, labels: ReportLabels, formats: _Formats, taken: set[str]
) -> None:
    sheet = book.add_worksheet(sheet_title(labels.summary, taken))
    header = [
        labels.plan,
        labels.section,
        labels.title,
        labels.confirmed,
        labels.due,
        labels.overdue,
        labels.upcoming,
        labels.undated,
        labels.total,
        labels.percent,
    ]
    rows: list[list[Cell]] = []
    totals: set[int] = set()
    for plan in data.plans:
        progress = plan.progress
        for part in progress.sections:
            rows.append([plan.plan_id, part.code or "", part.title, *_counts(part.counts)])
        totals.add(len(rows))
        rows.append([plan.plan_id, labels.total, plan.title, *_counts(progress.counts)])
    _layout(sheet, header, rows, formats)
    for index, row in enumerate(rows):
        bold = formats.bold if index in totals else None
        _write_rows(sheet, [row], formats, first=index + 1, bold=bold, wrapped=frozenset({2}))
    # After a blank row, in each plan's zone; text, so that no narrow column shows «###».
    zones = dict.fromkeys(plan.timezone for plan in data.plans) or {"UTC": None}
    for number, zone in enumerate(zones, start=len(rows) + 2):
        local = data.generated_at.astimezone(ZoneInfo(zone))
        sheet.write_string(number, 0, f"{labels.generated}: {local:%d.%m.%Y %H:%M} ({zone})")


def build_workbook(data: ReportData, labels: ReportLabels | None = None) -> bytes:
    labels = labels or ReportLabels()
    buffer = io.BytesIO()
    book = Workbook(buffer, {"constant_memory": True})
    formats = _Formats.of(book)
    taken: set[str] = set()
    _summary_sheet(book, data, labels, formats, taken)
    for plan in data.plans:
        _plan_sheet(book, plan, labels, formats, taken)
    book.close()
    return buffer.getvalue()
