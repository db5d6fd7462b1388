"""The report's picture: progress by section as stacked bars, the overdue count as a line.

Drawn on matplotlib's Agg canvas directly, without pyplot: no global figure state, no GUI.
"""

import io
from collections.abc import Mapping, Sequence
from datetime import date

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.reports.labels import ReportLabels
from bot.services.control import Counts, PlanProgress

COLOURS = {
    "confirmed": "#43A047",
    "due": "#FFB300",
    "overdue": "#E53935",
    "upcoming": "#BDBDBD",
}
LINE_COLOURS = ("#E53935", "#1E88E5", "#8E24AA", "#00897B")
LABEL_LIMIT = 48
DPI = 100
TICKS = 8


def _short(text: str, limit: int = LABEL_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _bars(progress: Sequence[PlanProgress]) -> list[tuple[str, Counts]]:
    several = len(progress) > 1
    bars = []
    for plan in progress:
        for section in plan.sections:
            code = f"{section.code}. " if section.code else ""
            prefix = f"{plan.name} · " if several else ""
            bars.append((_short(f"{prefix}{code}{section.title}"), section.counts))
    return bars


def progress_chart(
    progress: Sequence[PlanProgress],
    overdue_history: Mapping[str, Sequence[tuple[date, int]]],
    labels: ReportLabels | None = None,
) -> bytes:
    labels = labels or ReportLabels()
    bars = _bars(progress)
    height = 3.2 + 0.32 * max(len(bars), 3)
    figure = Figure(figsize=(10, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    # Subfigures, not shared subplots: the long section names must not squeeze the timeline.
    grid = figure.add_gridspec(2, 1, height_ratios=[max(len(bars), 3) * 0.32 + 0.8, 2.6])
    upper, lower = figure.add_subfigure(grid[0]), figure.add_subfigure(grid[1])
    top, bottom = upper.subplots(), lower.subplots()

    top.set_title(labels.progress_title, loc="left", fontsize=12, fontweight="bold")
    names = [name for name, _counts in reversed(bars)]
    counts = [c for _name, c in reversed(bars)]
    positions = list(range(len(bars)))
    left = [0.0] * len(bars)
    for key, label in (
        ("confirmed", labels.confirmed),
        ("due", labels.due),
        ("overdue", labels.overdue),
        ("upcoming", labels.upcoming),
    ):
        shares = [100 * getattr(c, key) / c.total if c.total else 0.0 for c in counts]
        top.barh(positions, shares, left=left, color=COLOURS[key], label=label, height=0.7)
        left = [a + b for a, b in zip(left, shares, strict=True)]
    for position, c in zip(positions, counts, strict=True):
        top.text(101, position, f"{c.percent}%", va="center", fontsize=8)
    top.set_yticks(positions, names, fontsize=8)
    top.set_xlim(0, 108)
    top.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=4, fontsize=9, frameon=False)
    if not bars:
        top.text(50, 0, "—", ha="center", va="center")

    bottom.set_title(labels.history_title, loc="left", fontsize=12, fontweight="bold")
    days = sorted({day for history in overdue_history.values() for day, _n in history})
    index_of = {day: n for n, day in enumerate(days)}
    for n, (plan_id, history) in enumerate(sorted(overdue_history.items())):
        xs = [index_of[day] for day, _count in history]
        values = [count for _day, count in history]
        colour = LINE_COLOURS[n % len(LINE_COLOURS)]
        bottom.plot(xs, values, color=colour, label=plan_id, linewidth=1.8)
        bottom.fill_between(xs, values, color=colour, alpha=0.15)
    step = max(1, len(days) // TICKS)
    ticks = list(range(0, len(days), step))
    bottom.set_xticks(ticks, [days[i].strftime("%d.%m.%y") for i in ticks], fontsize=8)
    bottom.set_ylabel(labels.assignments)
    bottom.set_ylim(bottom=0)
    bottom.grid(alpha=0.3)
    if len(overdue_history) > 1:
        bottom.legend(fontsize=8)

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()
