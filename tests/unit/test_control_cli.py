"""`roadmap-bot report`: the same files as /report, from the shell, reproducible with --now."""

import csv
import io
from pathlib import Path

import pytest
from control_support import NOW, PLAN_ID, SCHOOL_3, UO, confirm_some, seed
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cli import main
from bot.services.control import natural_key
from storage.engine import session_factory

TOKEN = "123456:TEST-roadmap-bot-fake-token-for-cli"


@pytest.fixture
async def seeded(db_url: str, engine: AsyncEngine) -> str:
    async with session_factory(engine)() as session:
        await seed(session)
        await confirm_some(session)
    return db_url


def configure(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, db_url: str) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("DEFAULT_LOCALE", "en")


def test_report_writes_the_workbook_csv_and_chart(
    seeded: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure(monkeypatch, tmp_path, seeded)
    out = tmp_path / "report.xlsx"

    code = main(
        ["report", "--plan", PLAN_ID, "--out", str(out), "--csv", "--chart",
         str(tmp_path / "chart.png"), "--now", NOW.isoformat()]
    )  # fmt: skip

    assert code == 0
    printed = capsys.readouterr().out
    assert (
        f"{PLAN_ID}: 14 assignments, 2 confirmed, 2 due, 7 overdue, 3 not yet due (14% done) "
        "on 2024-03-11"
    ) in printed
    book = load_workbook(out)
    assert book.sheetnames == ["Summary", PLAN_ID]
    assert len(list(book[PLAN_ID].iter_rows())) == 15
    table = (tmp_path / "report.csv").read_bytes().decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(table), delimiter=";"))) == 15
    assert (tmp_path / "chart.png").read_bytes().startswith(b"\x89PNG")


def test_report_refuses_an_unknown_plan_and_a_naive_moment(
    seeded: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure(monkeypatch, tmp_path, seeded)

    assert main(["report", "--plan", "nope", "--out", str(tmp_path / "x.xlsx")]) == 1
    assert "no plan nope" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["report", "--out", "x.xlsx", "--now", "2024-03-11T09:00"])
    assert not (tmp_path / "x.xlsx").exists()


def test_units_sort_in_natural_order() -> None:
    names = ["МБОУ СОШ № 11", "МБОУ СОШ № 3", "Гимназия № 2", "МБОУ СОШ № 3а"]

    assert sorted(names, key=natural_key) == [
        "Гимназия № 2",
        "МБОУ СОШ № 3",
        "МБОУ СОШ № 3а",
        "МБОУ СОШ № 11",
    ]


def test_units_list_has_a_header_and_names_each_unit_once(
    seeded: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A unit made from the directory is its own party: «УО» is not printed twice."""
    configure(monkeypatch, tmp_path, seeded)

    assert main(["units", "list", "--plan", PLAN_ID]) == 0

    header, *rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert header == ["plan", "id", "kind", "name", "parties"]
    by_name = {row[3]: row for row in rows}
    assert by_name[UO][4] == ""  # the directory's «УО» is its own party
    assert by_name[SCHOOL_3][4] == "ОО"
    assert by_name[UO].count(UO) == 1
    names = [row[3] for row in rows]
    assert names == sorted(names, key=natural_key)
