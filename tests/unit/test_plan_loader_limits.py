"""Bad plan files a careless admin writes: refused with a line, fast, never an exception."""

import time
from pathlib import Path

import pytest
from test_plan_loader import FILE, VALID_PLAN

from bot.plan.loader import load_plan, load_plan_text
from bot.plan.safe_yaml import MAX_PLAN_BYTES

# Ten levels of ten aliases: 10^10 values once expanded, 100 nodes as written.
BILLION_LAUGHS = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]\n" for i in range(1, 10)
)


def messages(text: str) -> list[str]:
    result = load_plan_text(text, FILE)
    assert result.plan is None
    return [str(error) for error in result.errors]


def test_an_impossible_event_date_is_an_error_with_its_line() -> None:
    text = VALID_PLAN.replace("sections:", "events: {exam: 2024-02-31}\nsections:", 1)
    line = text.splitlines().index("events: {exam: 2024-02-31}") + 1
    assert messages(text) == [
        f'{FILE}:{line}: malformed YAML: impossible date "2024-02-31" '
        "(day is out of range for month)"
    ]


def test_an_impossible_order_date_is_an_error() -> None:
    text = VALID_PLAN.replace("date: 2023-10-02", "date: 2024-02-31")
    assert messages(text) == [
        f'{FILE}:4: malformed YAML: impossible date "2024-02-31" (day is out of range for month)'
    ]


def test_a_number_too_long_to_read_is_an_error() -> None:
    text = VALID_PLAN.replace('number: "1"', "number: " + "9" * 5000)
    [message] = messages(text)
    assert message.startswith(f"{FILE}:4: malformed YAML: unreadable number")


def test_billion_laughs_is_refused_in_well_under_a_second() -> None:
    started = time.perf_counter()
    found = messages(BILLION_LAUGHS)
    elapsed = time.perf_counter() - started
    assert found == [
        f"{FILE}:6: malformed YAML: the document expands to more than 200000 values "
        "(too many YAML aliases?)"
    ]
    assert elapsed < 0.2


def test_a_few_aliases_are_still_fine() -> None:
    text = VALID_PLAN.replace(
        "responsible: Рязанов М.А.\n        parties: [Рязанов М.А.]",
        "responsible: &who Рязанов М.А.\n        parties: [*who]",
    )
    assert "*who" in text
    result = load_plan_text(text, FILE)
    assert result.errors == []
    assert result.plan is not None


def test_an_alias_inside_itself_is_refused() -> None:
    assert messages("a: &a [1, *a]\n") == [
        f"{FILE}:1: malformed YAML: an alias refers to a value that contains it"
    ]


def test_a_duplicate_key_under_a_shared_alias_is_reported_once() -> None:
    text = "x: &x {k: 1, k: 2}\n" + "".join(f"y{i}: *x\n" for i in range(50))
    found = messages(text)
    assert found.count(f'{FILE}:1: duplicate key "k"') == 1


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_text(VALID_PLAN + "#" * MAX_PLAN_BYTES, encoding="utf-8")
    started = time.perf_counter()
    result = load_plan(path)
    assert time.perf_counter() - started < 0.5
    assert [str(error) for error in result.errors] == [
        f"{path}: the file is larger than 2 MB: refused unread"
    ]


@pytest.mark.parametrize(
    "text", ["[" * 200 + "]" * 200, "a:\n" + "".join(" " * i + "- a:\n" for i in range(1, 300))]
)
def test_deep_nesting_is_a_clean_error(text: str) -> None:
    assert len(messages(text)) == 1
