"""The XLSX report: a summary sheet, then one sheet per plan with a row per unit and window.

Written in openpyxl's write-only mode, so a region-sized plan (hundreds of thousands of rows)
streams out instead of being held as cell objects.
"""

import io
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell as SheetCell
from openpyxl.formatting.rule import Rule
from openpyxl.styles import Font, PatternFill
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.properties import PageSetupProperties

from bot.reports.labels import ReportLabels
from bot.reports.rows import STATUS_COLUMN, WIDEST, Cell, headers, table
from bot.services.control import Counts, PlanReport, ReportData

GREEN, AMBER, RED = "C6EFCE", "FFEB9C", "FFC7CE"
HEADER_FILL = "D9E1F2"
DATE_FORMAT = "DD.MM.YYYY"
MOMENT_FORMAT = "DD.MM.YYYY HH:MM"
MIN_WIDTH, MAX_WIDTH = 8, 40
SHEET_TITLE_LIMIT = 31
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


def _width(value: Cell) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return len(MOMENT_FORMAT)
    if isinstance(value, date):
        return len(DATE_FORMAT)
    return len(str(value))


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
    sheet: WriteOnlyWorksheet,
    header: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    widest: Mapping[int, int] | None = None,
) -> None:
    """Column widths, frozen header and filter: set before the first row is streamed."""
    # types-openpyxl omits what WriteOnlyWorksheet._setup gives it (widths, filter, formats).
    for index, width in enumerate(_widths(header, rows, widest or {}), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width  # type: ignore[attr-defined]
    sheet.freeze_panes = "A2"
    last = get_column_letter(len(header))
    sheet.auto_filter.ref = f"A1:{last}{len(rows) + 1}"  # type: ignore[attr-defined]
    # Printed for a meeting: landscape, as wide as the page, the header on every page.
    sheet.page_setup.orientation = "landscape"  # type: ignore[attr-defined]
    sheet.page_setup.fitToWidth = 1  # type: ignore[attr-defined]
    sheet.page_setup.fitToHeight = 0  # type: ignore[attr-defined]
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)  # type: ignore[attr-defined]
    sheet.print_title_rows = "1:1"


def _cell(
    sheet: WriteOnlyWorksheet,
    value: Cell,
    *,
    font: Font | None = None,
    fill: PatternFill | None = None,
) -> SheetCell:
    number_format = None
    if isinstance(value, datetime):
        number_format = MOMENT_FORMAT
    elif isinstance(value, date):
        # openpyxl stores a date as a datetime anyway; its type hints take only the latter.
        value, number_format = datetime(value.year, value.month, value.day), DATE_FORMAT
    cell = WriteOnlyCell(sheet, value=value)
    if number_format is not None:
        cell.number_format = number_format
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    return cell


def _header_row(sheet: WriteOnlyWorksheet, header: Sequence[str]) -> list[SheetCell]:
    bold, fill = Font(bold=True), _fill(HEADER_FILL)
    return [_cell(sheet, text, font=bold, fill=fill) for text in header]


def _styled(sheet: WriteOnlyWorksheet, row: Sequence[Cell]) -> list[Cell | SheetCell]:
    """Dates need a cell of their own for the format; everything else goes in as is."""
    return [_cell(sheet, value) if isinstance(value, date) else value for value in row]


def _fill(color: str) -> PatternFill:
    # Solid fills in conditional formats: Excel paints bgColor, LibreOffice fgColor; set both.
    return PatternFill("solid", start_color=color, end_color=color)


def _status_colours(
    sheet: WriteOnlyWorksheet, labels: ReportLabels, columns: int, rows: int
) -> None:
    if rows == 0:
        return
    status = get_column_letter(STATUS_COLUMN + 1)
    area = f"A2:{get_column_letter(columns)}{rows + 1}"
    for text, color in ((labels.confirmed, GREEN), (labels.overdue, RED), (labels.due, AMBER)):
        rule = Rule(
            type="expression",
            formula=[f'${status}2="{text}"'],
            dxf=DifferentialStyle(fill=_fill(color)),
        )
        sheet.conditional_formatting.add(area, rule)  # type: ignore[attr-defined]


def _plan_sheet(book: Workbook, plan: PlanReport, labels: ReportLabels, taken: set[str]) -> None:
    sheet = book.create_sheet(sheet_title(plan.plan_id, taken))
    assert isinstance(sheet, WriteOnlyWorksheet)
    header = headers(labels)
    rows = list(table(plan.rows, labels))
    _layout(sheet, header, rows, WIDEST)
    _status_colours(sheet, labels, len(header), len(rows))
    sheet.append(_header_row(sheet, header))
    for row in rows:
        sheet.append(_styled(sheet, row))


def _counts(counts: Counts) -> list[Cell]:
    return [
        counts.confirmed,
        counts.due,
        counts.overdue,
        counts.upcoming,
        counts.total,
        counts.percent,
    ]


def _summary_sheet(
    book: Workbook, data: ReportData, labels: ReportLabels, taken: set[str]
) -> None:
    sheet = book.create_sheet(sheet_title(labels.summary, taken))
    assert isinstance(sheet, WriteOnlyWorksheet)
    header = [
        labels.plan,
        labels.section,
        labels.title,
        labels.confirmed,
        labels.due,
        labels.overdue,
        labels.upcoming,
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
    _layout(sheet, header, rows)
    sheet.append(_header_row(sheet, header))
    bold = Font(bold=True)
    for index, row in enumerate(rows):
        sheet.append([_cell(sheet, value, font=bold) for value in row] if index in totals else row)
    sheet.append([])
    stamp = _cell(sheet, data.generated_at.replace(tzinfo=None))
    sheet.append([f"{labels.generated} (UTC)", stamp])


def build_workbook(data: ReportData, labels: ReportLabels | None = None) -> bytes:
    labels = labels or ReportLabels()
    book = Workbook(write_only=True)
    taken: set[str] = set()
    _summary_sheet(book, data, labels, taken)
    for plan in data.plans:
        _plan_sheet(book, plan, labels, taken)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
