"""The term resolver: years of ranges that run backwards, spans that cross a year, n-th weekdays
at a month's edges, and which words a warning quotes. Written against mutmut's survivors."""

from __future__ import annotations

import pytest

from bot.terms import SchoolYear, TermKind, parse_term

SY = SchoolYear(2023)

Windows = list[tuple[str | None, str, str | None]]


def _windows(text: str) -> Windows:
    term = parse_term(text, SY)
    return [
        (w.start.isoformat() if w.start else None, w.end.isoformat(), w.label)
        for w in term.windows
    ]


@pytest.mark.parametrize(
    ("text", "windows"),
    [
        # a season that crosses the new year
        ("зима", [("2023-12-01", "2024-02-29", None)]),
        ("декабрь-февраль", [("2023-12-01", "2024-02-29", None)]),
        # an inferred end year gives way first; equal ends are no reason to move a year
        ("с мая по октябрь", [("2024-05-01", "2024-10-31", None)]),
        ("с 10 мая по 10 мая", [("2024-05-10", "2024-05-10", None)]),
        ("май–10 мая", [("2024-05-01", "2024-05-10", None)]),
        # an end with a stated year: a start after it goes back a year, an equal one stays
        ("с 10 мая по 5 мая 2024", [("2023-05-10", "2024-05-05", None)]),
        ("с 5 мая по 5 мая 2024", [("2024-05-05", "2024-05-05", None)]),
        ("май – 10 мая 2024 года", [("2024-05-01", "2024-05-10", None)]),
        # both years stated: an end inside the start month is fine, an equal day too
        ("май 2024 – 10 мая 2024", [("2024-05-01", "2024-05-10", None)]),
        ("10 мая 2024 – 10 мая 2024", [("2024-05-10", "2024-05-10", None)]),
        # n-th weekdays at the edges of the month
        ("последняя пятница мая", [("2024-05-31", "2024-05-31", None)]),
        ("пятая пятница марта", [("2024-03-29", "2024-03-29", None)]),
    ],
)
def test_resolved_windows(text: str, windows: Windows) -> None:
    assert _windows(text) == windows


def test_a_range_that_starts_after_it_ends_keeps_its_end_and_label() -> None:
    term = parse_term("основной период: с 10 мая 2024 по 5 мая 2024", SY)
    assert [(w.start, w.end.isoformat(), w.label) for w in term.windows] == [
        (None, "2024-05-05", "основной период")
    ]
    assert term.warnings == (
        'range "с 10 мая 2024 по 5 мая 2024" starts after it ends; start dropped',
    )


def test_a_start_moved_back_to_a_day_that_does_not_exist_is_no_window_not_a_crash() -> None:
    term = parse_term("с 29 февраля по 28 февраля 2024 года", SY)
    assert term.kind is TermKind.EXTERNAL
    assert not any("internal error" in w for w in term.warnings)


def test_a_fifth_weekday_a_month_lacks_is_no_crash() -> None:
    term = parse_term("пятый понедельник февраля", SY)
    assert not any("internal error" in w for w in term.warnings)


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("до 1 марта 2030 года", "до 1 марта 2030 года"),  # one item: the whole cell
        ("до 1 марта 2024, до 1 марта 2030", "до 1 марта 2030"),  # several: that item only
        ("1 марта 2024 (основной срок), 1 марта 2030", "1 марта 2030"),
    ],
)
def test_a_warning_quotes_the_term_or_only_its_item(text: str, quoted: str) -> None:
    warnings = parse_term(text, SY).warnings
    assert f'term "{quoted}" is outside the plan period 2023/24' in warnings
