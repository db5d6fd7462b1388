"""Fuzz: command arguments, from the CLI and from chat commands, parse or are refused cleanly."""

import contextlib
import io
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.cli import build_parser
from bot.services.errors import InvalidInput
from bot.services.units import _clean_name, unit_key
from handlers.callbacks import CALLBACK_DATA_LIMIT, MAX_ID, parse_row_id
from handlers.control import OverduePageCb, filter_key
from handlers.reminders import parse_day
from handlers.review import find_day, parse_decision

FUZZ = settings(max_examples=200, deadline=None)
COMMANDS = ["run", "check", "terms", "preview", "invite", "report", "units", "sync", "db",
            "setdate", "faq", "tick", "reminders"]  # fmt: skip
OPTIONS = ["--plan", "--unit", "--role", "--from", "--to", "--out", "--now", "--csv",
           "--chart", "--bot-username", "--name", "--party", "add", "list", "member", "admin",
           "-h"]  # fmt: skip
VALUES = st.one_of(
    st.sampled_from(["2024-02-31", "2024-01-01", "9999-12-31", "x", "", "-1", "9" * 30]),
    st.text(max_size=12),
)
argv = st.tuples(
    st.sampled_from(COMMANDS), st.lists(st.one_of(st.sampled_from(OPTIONS), VALUES), max_size=8)
).map(lambda found: [found[0], *found[1]])


@FUZZ
@given(argv)
def test_any_cli_arguments_parse_or_exit_with_a_usage_error(args: list[str]) -> None:
    stderr, stdout = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(stdout):
        try:
            build_parser().parse_args(args)
        except SystemExit as exit_:
            assert exit_.code in (0, 2)
            assert "Traceback" not in stderr.getvalue()


@FUZZ
@given(st.text(max_size=40))
def test_a_row_number_is_parsed_or_refused(text: str) -> None:
    number = parse_row_id(text)
    assert number is None or 0 <= number <= MAX_ID


@pytest.mark.parametrize(
    ("text", "number"),
    [("12", 12), (" #7 ", 7), ("99999999999999999999999", None), ("٣", None), ("²", None),
     ("-1", None), (str(MAX_ID), MAX_ID), (str(MAX_ID + 1), None), ("", None)],
)  # fmt: skip
def test_row_numbers(text: str, number: int | None) -> None:
    assert parse_row_id(text) == number


@FUZZ
@given(
    st.one_of(st.text(max_size=30), st.from_regex(r"\d{1,3}\.\d{1,3}\.\d{1,5}", fullmatch=True))
)
def test_dates_in_commands_are_parsed_or_refused(text: str) -> None:
    for day in (parse_day(text), find_day(text), parse_decision(text)[0]):
        assert day is None or isinstance(day, date)


@FUZZ
@given(st.text(max_size=300))
def test_unit_names_are_cleaned_or_refused(name: str) -> None:
    try:
        cleaned = _clean_name(name)
    except InvalidInput:
        return
    assert cleaned == cleaned.strip()
    assert all(char.isprintable() for char in cleaned)
    assert unit_key(cleaned) == unit_key(unit_key(cleaned))


@FUZZ
@given(st.text(max_size=300))
def test_any_overdue_filter_fits_a_button(text: str) -> None:
    packed = OverduePageCb(page=MAX_ID, key=filter_key(text)).pack()
    assert len(packed.encode()) <= CALLBACK_DATA_LIMIT
