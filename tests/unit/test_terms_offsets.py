"""The offset object of relative terms: amount, unit, direction, span and the event's words."""

from __future__ import annotations

import argparse
import io
import json
from datetime import time

import pytest

from bot.commands.plans import run_terms
from bot.terms import Offset, OffsetUnit, SchoolYear, TermKind, offset_to_json, parse_term

SY = SchoolYear(2023)
D, WD, W, M = OffsetUnit.DAYS, OffsetUnit.WORKING_DAYS, OffsetUnit.WEEKS, OffsetUnit.MONTHS

OFFSETS: list[tuple[str, str, Offset, str, int]] = [
    # text, event slug, offset, event words as written, offset_days
    (
        "за 1 месяц до начала экзамена",
        "exam",
        Offset(1, M, "before", False),
        "начала экзамена",
        -30,
    ),
    ("за 2 недели до экзамена", "exam", Offset(2, W, "before", False), "экзамена", -14),
    (
        "в течение трёх рабочих дней после получения протокола",
        "protocol",
        Offset(3, WD, "after", True),
        "получения протокола",
        3,
    ),
    (
        "не позднее чем через 7 дней после заседания комиссии",
        "meeting",
        Offset(7, D, "after", False),
        "заседания комиссии",
        7,
    ),
    ("в 3-дневный срок после экзамена", "exam", Offset(3, D, "after", True), "экзамена", 3),
    ("в день экзамена", "exam", Offset(0, D, "after", False), "экзамена", 0),
    ("накануне экзамена", "exam", Offset(1, D, "before", False), "экзамена", -1),
]


@pytest.mark.parametrize(("text", "event", "offset", "words", "days"), OFFSETS)
def test_offset(text: str, event: str, offset: Offset, words: str, days: int) -> None:
    term = parse_term(text, SY)
    assert term.kind is TermKind.RELATIVE
    assert (term.event, term.offset, term.event_text, term.offset_days) == (
        event,
        offset,
        words,
        days,
    )
    assert term.windows == ()


def test_offset_rejects_negative_amount() -> None:
    with pytest.raises(ValueError):
        Offset(-1, D, "before", False)


def test_terms_command_prints_the_offset_object() -> None:
    out = io.StringIO()
    args = argparse.Namespace(
        text="в течение 3 рабочих дней после объявления результатов",
        school_year=SY,
        json=True,
    )
    assert run_terms(args, out) == 0
    data = json.loads(out.getvalue())
    assert list(data)[-2:] == ["offset", "event_text"]
    assert data["offset"] == {
        "amount": 3,
        "unit": "working_days",
        "direction": "after",
        "span": True,
        "clock": None,
    }
    assert data["event_text"] == "объявления результатов"


def test_terms_command_prints_the_offset_in_words() -> None:
    out = io.StringIO()
    args = argparse.Namespace(text="за 10 дней до начала экзаменов", school_year=SY, json=False)
    run_terms(args, out)
    assert "offset: at 10 days before «начала экзаменов»" in out.getvalue()


def test_clock_is_serialised_as_hours_and_minutes() -> None:
    data = offset_to_json(Offset(0, D, "after", False, time(8, 0)))
    assert data is not None and data["clock"] == "08:00"


def test_working_days_of_a_relative_term_carry_no_approximation_warning() -> None:
    # dating counts real working days from the offset object (bot.plan.dating.event_window)
    term = parse_term("в течение 3 рабочих дней после объявления результатов", SY)
    assert term.kind is TermKind.RELATIVE
    assert term.offset == Offset(3, WD, "after", True)
    assert term.warnings == ()


def test_working_days_of_a_mixed_term_are_said_to_count_as_calendar_days() -> None:
    # a mixed term's event part is dated by bot.reminders.policy from offset_days
    term = parse_term("апрель, в течение 3 рабочих дней после объявления результатов", SY)
    assert term.kind is TermKind.MIXED
    assert term.warnings == (
        'working days in "в течение 3 рабочих дней после объявления результатов" '
        "of a mixed term counted as calendar days",
    )


def test_calendar_days_of_a_mixed_term_carry_no_working_day_warning() -> None:
    term = parse_term("апрель, в течение 3 дней после объявления результатов", SY)
    assert term.kind is TermKind.MIXED
    assert not any("working days" in w for w in term.warnings)
