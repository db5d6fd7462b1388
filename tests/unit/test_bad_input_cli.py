"""The command line on bad arguments: one line on stderr and a non-zero exit, no traceback."""

from datetime import date
from pathlib import Path

import pytest
from control_support import NOW, PLAN_ID
from test_control_cli import configure, seeded  # noqa: F401  (the fixture is used by name)

from bot.cli import main
from bot.commands.plans import preview_range_error

SEED_PLAN = Path(__file__).resolve().parents[2] / "data" / "plans"


def test_report_into_a_missing_folder_is_one_line(
    seeded: str,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure(monkeypatch, tmp_path, seeded)

    code = main(
        ["report", "--plan", PLAN_ID, "--out", "/nonexistent/x.xlsx", "--now", NOW.isoformat()]
    )

    assert code == 1
    err = capsys.readouterr().err
    assert err == "error: cannot write /nonexistent/x.xlsx: No such file or directory\n"


def test_preview_from_after_to_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    plan = next(SEED_PLAN.glob("*.yaml"))
    code = main(["preview", str(plan), "--from", "2024-03-01", "--to", "2024-02-01"])

    assert code == 2
    assert capsys.readouterr().err == "error: --from 2024-03-01 is after --to 2024-02-01\n"


@pytest.mark.parametrize(
    ("first", "last", "refused"),
    [
        (date(2024, 1, 1), date(2024, 1, 1), False),
        (date(2024, 1, 2), date(2024, 1, 1), True),
        (date.min, date(2024, 1, 1), True),
        (date(2024, 1, 1), date.max, True),
    ],
)
def test_preview_range(first: date, last: date, refused: bool) -> None:
    assert (preview_range_error(first, last) is not None) is refused
