"""/upcoming's argument, as both messengers read it."""

import pytest

from bot.screens.upcoming import DEFAULT_DAYS, MAX_DAYS, upcoming_span


@pytest.mark.parametrize(
    ("argument", "days"),
    [("", DEFAULT_DAYS), ("  ", DEFAULT_DAYS), ("1", 1), (" 7 ", 7), (str(MAX_DAYS), MAX_DAYS)],
)
def test_a_span_in_range_or_none_given(argument: str, days: int) -> None:
    assert upcoming_span(argument) == days


@pytest.mark.parametrize(
    "argument", ["0", str(MAX_DAYS + 1), "-3", "+3", "1.5", "две", "²", "٣", "0007", "7 8"]
)
def test_anything_else_is_refused(argument: str) -> None:
    assert upcoming_span(argument) is None
