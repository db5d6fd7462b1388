"""Plans checked for sense: stale years, merged cells, duplicate windows, accepted warnings, and
no reminder before the order's date (check and preview, and the windows the bot stores)."""

import argparse
import io
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import load_data
from bot.clock import FrozenClock
from bot.commands.plans import run_check, run_preview
from bot.config import Settings
from bot.plan.dating import plan_dates
from bot.plan.loader import LoadResult, load_plan, load_plan_text
from bot.services.plans import task_windows
from bot.terms import Window
from storage.engine import session_factory

FILE = "plans/sense.yaml"
ROOT = Path(__file__).resolve().parents[2]
SPASSK = ROOT / "data/plans/spassk-dalny-gia-2024.yaml"
ALTAI = ROOT / "data/plans/altai-gia-2024.yaml"

PLAN = """\
id: sense-plan
title: План
authority: Управление
order: {{number: "102", date: 2023-10-06}}
region: Край
timezone: Asia/Vladivostok
school_year: 2023/24
directory:
  organisations:
    - {{name: УО}}
{extra}
sections:
  - code: "4"
    title: Раздел
    measures:
      - code: "4.1"
        title: Внесение сведений
        term: По графику ФЦТ
        responsible: УО
        items:
          - title: – сбор
            term: Ноябрь-2022- август 2023 года
          - title: – формирование
            term: Сентябрь 2023 - март 2024 года
      - code: "5.4.1"
        title: Условия для ОВЗ
        term: в течение года февраль–март 2024 во время проведения ГИА
        responsible: УО
        items:
          - title: – первое
          - title: – второе
          - title: – третье
          - title: – четвёртое
      - code: "2.3.1"
        title: Приказы
        term: В течение учебного года
        responsible: УО
        items:
          - title: – схема
            term: Сентябрь-октябрь 2023/24 учебного года
          - title: – координатор
          - title: – собеседование
            term: Январь – апрель 2023/24уч. года
"""


def _load(extra: str = "") -> LoadResult:
    return load_plan_text(PLAN.format(extra=extra), FILE)


def _kinds(result: LoadResult) -> set[tuple[str | None, str | None]]:
    return {(d.kind, d.code) for d in result.warnings if d.kind is not None}


def test_stale_merged_and_duplicate_warnings_are_found() -> None:
    result = _load()
    assert not result.errors
    found = _kinds(result)
    assert ("stale-year", "4.1/1") in found
    assert ("merged-cells", "5.4.1") in found  # three terms in one cell for four sub-items
    assert ("merged-cells", "2.3.1") in found  # one sub-item of three has no term
    assert ("duplicate-windows", "5.4.1") in found
    stale = next(d for d in result.warnings if d.kind == "stale-year")
    assert "01.11.2023–31.08.2024" in stale.message  # the year + 1 it proposes
    assert ("stale-year", "4.1/2") not in found  # ends after the order: only clipped


def test_check_prints_the_warnings_with_their_kind(tmp_path: Path) -> None:
    path = tmp_path / "sense.yaml"
    path.write_text(PLAN.format(extra=""), encoding="utf-8")
    out = io.StringIO()
    assert run_check(argparse.Namespace(paths=[str(path)], json=False), out) == 0
    text = out.getvalue()
    assert "measure 4.1/1:" in text and "[stale-year]" in text
    assert "measure 5.4.1:" in text and "[merged-cells]" in text
    assert "[duplicate-windows]" in text


def test_term_of_pairs_a_merged_cell_and_silences_the_warning() -> None:
    text = PLAN.format(extra="").replace(
        "          - title: – координатор\n",
        "          - title: – координатор\n            term_of: 1\n",
    )
    result = load_plan_text(text, FILE)
    assert ("merged-cells", "2.3.1") not in _kinds(result)
    assert result.plan is not None
    shared = result.plan.task("2.3.1/2")
    first = result.plan.task("2.3.1/1")
    assert shared is not None and first is not None
    assert shared.term_text == "Сентябрь-октябрь 2023/24 учебного года"
    assert shared.windows == first.windows


def test_term_of_must_name_a_sibling_with_a_term() -> None:
    text = PLAN.format(extra="").replace(
        "          - title: – координатор\n",
        "          - title: – координатор\n            term_of: 7\n",
    )
    result = load_plan_text(text, FILE)
    assert any("term_of: 7" in d.message and d.code == "2.3.1/2" for d in result.errors)


def test_an_accepted_warning_is_still_listed_but_not_open() -> None:
    extra = (
        "accepted_warnings:\n"
        '  - {warning: stale-year, measure: "4.1/1", reason: сведения 2022/23 года}\n'
        '  - {warning: merged-cells, measure: "9.9", reason: устарело}\n'
    )
    result = _load(extra)
    stale = [d for d in result.warnings if d.kind == "stale-year"]
    assert stale and all(d.accepted for d in stale)
    assert stale[0] not in result.open_warnings
    assert "accepted" in str(stale[0])
    unused = [d for d in result.open_warnings if d.kind == "accepted-unused"]
    assert len(unused) == 1 and unused[0].code == "9.9"


def test_no_window_starts_or_is_reminded_before_the_order() -> None:
    result = _load()
    assert result.plan is not None
    plan = result.plan
    order = plan.order.date
    stale = plan.task("4.1/1")
    assert stale is not None
    assert task_windows(plan, stale) == ()  # over before the order: dropped
    started = plan.task("4.1/2")
    assert started is not None
    assert task_windows(plan, started) == ((Window(order, date(2024, 3, 31)), False),)
    for task in plan.tasks():
        for window, _ongoing in task_windows(plan, task):
            assert (window.start or window.end) >= order, task.code


def _preview(path: Path, first: str, last: str) -> str:
    out = io.StringIO()
    args = argparse.Namespace(
        path=str(path), first=date.fromisoformat(first), last=date.fromisoformat(last)
    )
    assert run_preview(args, out) == 0
    return out.getvalue()


def _days(text: str) -> list[date]:
    return [
        date.fromisoformat(line.split()[0])
        for line in text.splitlines()
        if line[:4].isdigit() and line[4] == "-"
    ]


def test_spassk_preview_dates_nothing_before_the_order() -> None:
    days = _days(_preview(SPASSK, "2022-09-01", "2024-12-31"))
    assert days, "the preview has reminders"
    assert min(days) == date(2023, 10, 6)


def test_spassk_stored_windows_start_no_earlier_than_the_order() -> None:
    result = load_plan(SPASSK)
    assert result.plan is not None
    plan = result.plan
    assert plan_dates(plan).not_before == date(2023, 10, 6)
    for task in plan.tasks():
        for window, _ongoing in task_windows(plan, task):
            assert (window.start or window.end) >= date(2023, 10, 6), task.code


def test_altai_preview_dates_5_1_3_from_the_calendar() -> None:
    text = _preview(ALTAI, "2024-02-01", "2024-03-01")
    lines = [line for line in text.splitlines() if " 5.1.3 " in line and "due today" in line]
    assert lines, text[:2000]
    result = load_plan(ALTAI)
    assert result.plan is not None
    task = result.plan.task("5.1.3")
    assert task is not None
    (window, ongoing), *_ = task_windows(result.plan, task)
    # a month before the first exam of ГИА-2024: ЕГЭ, early period, 22 March 2024
    assert not ongoing and window.end in (date(2024, 2, 21), date(2024, 2, 22))


def test_seed_plans_pair_their_merged_cells() -> None:
    for path in (SPASSK, ALTAI):
        result = load_plan(path)
        assert not result.errors
        assert not [d for d in result.warnings if d.kind == "merged-cells"], path
    spassk = load_plan(SPASSK).plan
    assert spassk is not None
    coordinator = spassk.task("2.3.1/13")
    assert coordinator is not None
    assert coordinator.term_text == "Сентябрь-октябрь 2023/24 учебного года"


def test_seed_plans_name_their_source_by_file_name_only() -> None:
    for path in (SPASSK, ALTAI):
        first = path.read_text(encoding="utf-8").splitlines()[:2]
        assert "/work" not in " ".join(first)
        assert "../shared/seeds/" in " ".join(first)


async def test_admins_hear_of_warnings_once_per_change(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    path = tmp_path / "sense.yaml"
    path.write_text(PLAN.format(extra=""), encoding="utf-8")
    settings = Settings(
        bot_token="123456:" + "A" * 35,
        database_url="sqlite+aiosqlite://",
        plan_paths=[str(path)],
        units_paths=[],
        _env_file=None,
    )
    clock = FrozenClock(datetime(2023, 10, 9, 0, 0, tzinfo=UTC))
    first = await load_data(settings, session_factory(engine), clock)
    assert any("[stale-year]" in p and "4.1/1" in p for p in first.problems)
    assert any("[merged-cells]" in p for p in first.problems)
    again = await load_data(settings, session_factory(engine), clock)
    assert again.problems == []  # unchanged plan: not repeated on every start
    accepted = (
        "accepted_warnings:\n"
        '  - {warning: stale-year, measure: "4.1/1", reason: сведения 2022/23 года}\n'
    )
    path.write_text(PLAN.format(extra=accepted).replace("Внесение", "Ввод"), encoding="utf-8")
    edited = await load_data(settings, session_factory(engine), clock)
    assert edited.problems, "an edited plan reports its open warnings again"
    assert not any("[stale-year" in p for p in edited.problems)
