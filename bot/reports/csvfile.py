"""The report's rows as CSV the way Russian Excel opens it: UTF-8 with a BOM, `;` between
fields, dates as DD.MM.YYYY."""

import csv
import io
from datetime import date, datetime

from bot.reports.labels import ReportLabels
from bot.reports.rows import Cell, headers, table
from bot.services.control import ReportData

DELIMITER = ";"


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    return str(value)


def build_csv(data: ReportData, labels: ReportLabels | None = None) -> bytes:
    """All plans in one file, the plan id in the first column."""
    labels = labels or ReportLabels()
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=DELIMITER)
    writer.writerow([labels.plan, *headers(labels)])
    for plan in data.plans:
        for row in table(plan.rows, labels):
            writer.writerow([plan.plan_id, *(_text(value) for value in row)])
    return buffer.getvalue().encode("utf-8-sig")
