"""The report files: the XLSX opens with openpyxl with the expected rows, statuses, frozen header,
filter and colours; the CSV reads back; the PNG is a real picture with something drawn on it."""

import csv
import io
from dataclasses import replace
from datetime import UTC, date, datetime

import numpy as np
import pytest
from control_support import NOW, PLAN_ID, SCHOOL_3, SCHOOL_7, confirm_some, seed
from matplotlib.image import imread
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.ext.asyncio import AsyncSession

from bot.reports.chart import progress_chart
from bot.reports.csvfile import build_csv
from bot.reports.labels import ReportLabels
from bot.reports.workbook import build_workbook, sheet_title
from bot.services.control import (
    ControlStatus,
    Counts,
    PlanProgress,
    PlanReport,
    ReportData,
    ReportRow,
    SectionProgress,
    report_data,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
RUSSIAN = ReportLabels(
    plan="План",
    unit="Исполнитель",
    status="Статус",
    confirmed="выполнено",
    overdue="просрочено",
    due="в работе",
    upcoming="срок не наступил",
)


@pytest.fixture
async def data(session: AsyncSession) -> ReportData:
    await seed(session)
    await confirm_some(session)
    return await report_data(session, PLAN_ID, NOW)


def sheet(book_bytes: bytes, title: str) -> Worksheet:
    book = load_workbook(io.BytesIO(book_bytes))
    found = book[title]
    assert isinstance(found, Worksheet)
    return found


async def test_workbook_holds_a_row_per_unit_and_window_with_statuses(data: ReportData) -> None:
    content = build_workbook(data, RUSSIAN)

    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["Summary", PLAN_ID]
    plan = sheet(content, PLAN_ID)
    rows = list(plan.iter_rows(values_only=True))
    header = rows[0]
    assert header[:3] == ("Section", "Code", "Measure")
    assert (header[3], header[4]) == ("Исполнитель", "Статус")
    assert len(rows) == 1 + 14
    by_key = {(row[1], row[3]): row for row in rows[1:]}
    school_3 = by_key[("1.5", SCHOOL_3)]
    assert (school_3[4], school_3[9]) == ("выполнено", "Ирина Петрова")
    # 20:00 UTC is 06:00 the next morning in Vladivostok.
    assert school_3[8] == datetime(2024, 3, 11, 6, 0)
    school_7 = by_key[("1.5", SCHOOL_7)]
    assert (school_7[4], school_7[5]) == ("просрочено", 1)
    assert (school_7[6], school_7[7]) == (datetime(2024, 3, 1), datetime(2024, 3, 10))
    assert (school_7[10], school_7[11]) == ("с 1 по 10 марта 2024 года", "ОО")
    assert by_key[("5.2/1", "Отдел образования Хорольского района")][2] == (
        "Информирование участников – о сроках"
    )
    statuses = [row[4] for row in rows[1:]]
    assert statuses.count("просрочено") == 7
    assert statuses.count("срок не наступил") == 3


async def test_workbook_freezes_the_header_filters_and_colours_by_status(
    data: ReportData,
) -> None:
    plan = sheet(build_workbook(data, RUSSIAN), PLAN_ID)

    assert plan.freeze_panes == "A2"
    assert plan.auto_filter.ref == "A1:L15"
    # Both colours of the fill (Excel paints one, LibreOffice the other), alpha aside.
    rules = {
        rule.formula[0]: (rule.dxf.fill.fgColor.rgb[2:], rule.dxf.fill.bgColor.rgb[2:])
        for area in plan.conditional_formatting
        for rule in area.rules
        if rule.dxf is not None and rule.dxf.fill is not None
    }
    assert rules == {
        '$E2="выполнено"': ("C6EFCE", "C6EFCE"),
        '$E2="просрочено"': ("FFC7CE", "FFC7CE"),
        '$E2="в работе"': ("FFEB9C", "FFEB9C"),
    }
    widths = {key: dim.width for key, dim in plan.column_dimensions.items()}
    assert widths["B"] < widths["C"] <= 55
    assert plan["A1"].font.bold


async def test_summary_sheet_counts_per_section(data: ReportData) -> None:
    summary = sheet(build_workbook(data), "Summary")

    rows = list(summary.iter_rows(values_only=True))
    assert rows[0][:3] == ("Plan", "Section", "Title")
    assert rows[1] == (PLAN_ID, "1", "Организационные меры", 1, 0, 3, 3, 0, 7, 14)
    assert rows[2] == (PLAN_ID, "5", "Информирование", 1, 2, 4, 0, 0, 7, 14)
    assert rows[3][:2] == (PLAN_ID, "Total")
    assert rows[3][3:] == (2, 2, 7, 3, 0, 14, 14)
    assert summary.freeze_panes == "A2"


async def test_csv_reads_back_with_semicolons_and_a_bom(data: ReportData) -> None:
    content = build_csv(data, RUSSIAN)

    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "План"
    assert len(rows) == 1 + 14
    school_7 = next(row for row in rows if row[2] == "1.5" and row[4] == SCHOOL_7)
    assert school_7[0] == PLAN_ID
    assert school_7[5:9] == ["просрочено", "1", "01.03.2024", "10.03.2024"]
    school_3 = next(row for row in rows if row[2] == "1.5" and row[4] == SCHOOL_3)
    assert school_3[9:11] == ["11.03.2024 06:00", "Ирина Петрова"]


async def test_chart_is_a_png_with_real_content(data: ReportData) -> None:
    [plan] = data.plans

    content = progress_chart([plan.progress], {plan.plan_id: plan.overdue_history})

    assert content.startswith(PNG_SIGNATURE)
    assert len(content) > 20_000
    pixels = imread(io.BytesIO(content), format="png")
    height, width = pixels.shape[:2]
    assert width == 1000 and height > 300
    colours = np.unique(pixels.reshape(-1, pixels.shape[2]), axis=0)
    assert len(colours) > 50
    # The four status colours of the bars are there.
    rgb = {tuple(round(float(v) * 255) for v in c[:3]) for c in colours}
    assert {(0x43, 0xA0, 0x47), (0xE5, 0x39, 0x35), (0xFF, 0xB3, 0x00)} <= rgb


def test_chart_and_workbook_of_an_empty_report() -> None:
    today = date(2024, 3, 11)
    plan = PlanReport(
        "empty",
        "Пустой план",
        "Europe/Moscow",
        today,
        (),
        PlanProgress("empty", "Пустой", "Пустой план", "Europe/Moscow", today, Counts(), ()),
        ((today, 0),),
    )
    data = ReportData(datetime(2024, 3, 11, tzinfo=UTC), (plan,))

    assert progress_chart([plan.progress], {"empty": plan.overdue_history}).startswith(
        PNG_SIGNATURE
    )
    rows = list(sheet(build_workbook(data), "empty").iter_rows(values_only=True))
    assert len(rows) == 1
    assert build_csv(data).decode("utf-8-sig").count("\n") == 1


def test_chart_with_several_plans_has_a_bar_per_section() -> None:
    today = date(2024, 3, 11)
    counts = Counts(confirmed=3, due=2, overdue=1, upcoming=4)
    progress = [
        PlanProgress(
            plan_id,
            plan_id.upper(),
            "План",
            "Europe/Moscow",
            today,
            counts,
            tuple(SectionProgress(str(n), f"Раздел {n}", counts) for n in range(1, 6)),
        )
        for plan_id in ("a", "b")
    ]
    history = {"a": [(today, 3)], "b": [(today, 1)]}

    assert progress_chart(progress, history).startswith(PNG_SIGNATURE)


def test_sheet_titles_follow_excels_rules() -> None:
    taken: set[str] = set()

    assert sheet_title("plan/with:bad*chars?", taken) == "plan-with-bad-chars-"
    long = "x" * 40
    assert sheet_title(long, taken) == "x" * 31
    assert sheet_title(long, taken) == "x" * 27 + " (2)"


def test_report_row_status_names() -> None:
    row = ReportRow(
        None, "", "1", "Т", None, None, None, None, date(2024, 1, 1), None, "У",
        ControlStatus.DUE, None, None, None,
    )  # fmt: skip
    assert RUSSIAN.status_name(row.status) == "в работе"


async def test_workbook_prints_on_a4_wraps_long_texts_and_stamps_the_plans_time(
    data: ReportData,
) -> None:
    """«Generated» in the plan's zone as text (a date in a narrow column prints «###»), the
    measure's wording wrapped and whole, line breaks and all, and A4 paper."""
    two_lines = "Информирование участников\nо сроках и местах"
    [plan] = data.plans
    rows = (replace(plan.rows[0], title=two_lines, measure_title=None), *plan.rows[1:])
    content = build_workbook(replace(data, plans=(replace(plan, rows=rows),)), RUSSIAN)

    summary = sheet(content, "Summary")
    first = [row[0] for row in summary.iter_rows(values_only=True)]
    stamps = [cell for cell in first if isinstance(cell, str) and "Generated" in cell]
    # 20:00 UTC on 10 March is 06:00 on 11 March in Vladivostok.
    assert stamps == ["Generated: 11.03.2024 06:00 (Asia/Vladivostok)"]
    table = sheet(content, PLAN_ID)
    assert table.page_setup.paperSize == 9  # A4
    assert table.page_setup.orientation == "landscape"
    measure = table["C2"]
    assert measure.value == two_lines
    assert measure.alignment.wrap_text
    assert table["B2"].alignment.wrap_text is not True  # a code stays on one line
    assert summary["C2"].alignment.wrap_text
