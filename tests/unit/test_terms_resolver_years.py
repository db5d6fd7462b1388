"""The term resolver, more of it: how a year flows back through a list (halves of a year,
groups, chains of three), bare days borrowing a month, the additional September period,
open-ended terms at the school year's end, and when a term is outside the plan period (issue
13: what mutation testing found untested in `_Resolver`)."""

from __future__ import annotations

import pytest

from bot.terms import SchoolYear, parse_term

SY = SchoolYear(2023)

Windows = list[tuple[str | None, str, str | None]]


def _windows(text: str) -> Windows:
    return [
        (w.start.isoformat() if w.start else None, w.end.isoformat(), w.label)
        for w in parse_term(text, SY).windows
    ]


def _outside(text: str) -> list[str]:
    return [w for w in parse_term(text, SY).warnings if "outside the plan period" in w]


@pytest.mark.parametrize(
    ("text", "windows"),
    [
        # a half of a stated year anchors the months before it at its first month
        (
            "февраль, первое полугодие 2024",
            [("2023-02-01", "2023-02-28", None), ("2024-01-01", "2024-06-30", None)],
        ),
        (
            "июнь, второе полугодие 2024",
            [("2024-06-01", "2024-06-30", None), ("2024-07-01", "2024-12-31", None)],
        ),
        (
            "август, второе полугодие 2024",
            [("2023-08-01", "2023-08-31", None), ("2024-07-01", "2024-12-31", None)],
        ),
        # a year flows back through every item before it
        (
            "октябрь, ноябрь 2024",
            [("2024-10-01", "2024-10-31", None), ("2024-11-01", "2024-11-30", None)],
        ),
        (
            "март, апрель, май 2025",
            [
                ("2025-03-01", "2025-03-31", None),
                ("2025-04-01", "2025-04-30", None),
                ("2025-05-01", "2025-05-31", None),
            ],
        ),
        # bare days take the month of the next date, past other bare days, never of a former one
        (
            "1, 10, 20 марта",
            [
                ("2024-03-01", "2024-03-01", None),
                ("2024-03-10", "2024-03-10", None),
                ("2024-03-20", "2024-03-20", None),
            ],
        ),
        (
            "5 апреля, 10, 20 мая",
            [
                ("2024-04-05", "2024-04-05", None),
                ("2024-05-10", "2024-05-10", None),
                ("2024-05-20", "2024-05-20", None),
            ],
        ),
        # or of a month that follows
        ("с 15 по март", [("2024-03-15", "2024-03-31", None)]),
        ("10, март", [("2024-03-10", "2024-03-10", None), ("2024-03-01", "2024-03-31", None)]),
        # the additional period starts with the 2nd of September; the 1st is the plan's own
        ("2 сентября", [("2024-09-02", "2024-09-02", None)]),
        ("1 сентября", [("2023-09-01", "2023-09-01", None)]),
        # open-ended: to the school year's end when it starts by then, else to its year's end
        ("с 31 августа 2024", [("2024-08-31", "2024-08-31", None)]),
        ("с 1 марта 2025", [("2025-03-01", "2025-12-31", None)]),
    ],
)
def test_resolved_windows(text: str, windows: Windows) -> None:
    assert _windows(text) == windows


def test_the_additional_period_is_said() -> None:
    assert parse_term("2 сентября", SY).warnings == (
        'September days in "2 сентября" read as the additional period of 2024',
    )


@pytest.mark.parametrize(
    "text",
    [
        "до 1 сентября 2023",  # ends on the plan's first day
        "31 декабря 2024",  # starts on the last day the plan period reaches
        "с декабря 2024 по январь 2025",  # starts inside, ends after
        "октябрь, ноябрь 2024",
    ],
)
def test_terms_touching_the_plan_period_are_inside(text: str) -> None:
    assert _outside(text) == []


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("до 31 августа 2023", "до 31 августа 2023"),
        ("1 января 2025", "1 января 2025"),
        # within the dates, but of another school year
        ("сентябрь 2024/25 учебного года", "сентябрь 2024/25 учебного года"),
        # one item: the whole cell, with its label; with a remark beside it, the item only
        ("основной период: март 2025", "основной период: март 2025"),
        ("март 2025 (по согласованию)", "март 2025"),
        # an item that is no date is skipped, the next one still checked
        ("до 30 февраля, март 2025", "март 2025"),
    ],
)
def test_a_term_outside_the_plan_period_is_said(text: str, quoted: str) -> None:
    assert _outside(text) == [f'term "{quoted}" is outside the plan period 2023/24']


def test_an_impossible_school_year_is_said_with_the_one_assumed() -> None:
    assert parse_term("2023/25 учебный год", SY).warnings == (
        'impossible school year "2023/25 учебный год" in term "2023/25 учебный год"; '
        "assumed 2023/24",
    )


def test_an_impossible_bare_year_is_read_as_the_plans_school_year_and_said() -> None:
    term = parse_term("в 2200 году", SY)
    assert _windows("в 2200 году") == [("2023-09-01", "2024-08-31", None)]
    assert term.warnings == (
        'impossible year "2200" in term "в 2200 году"; assumed the school year 2023/24',
    )
