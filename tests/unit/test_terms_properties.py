"""Properties of the term parser on arbitrary and grammar-shaped text."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.terms import SchoolYear, TermKind, parse_term, term_to_json

CONTRACT_KEYS = [
    "kind",
    "windows",
    "rule",
    "event",
    "offset_days",
    "qualifiers",
    "warnings",
    "offset",
    "event_text",
]

# Pieces of the term grammar, so that generated text often gets deep into the parser.
PIECES = [
    "январь",
    "января",
    "феврале",
    "марта",
    "апр.",
    "май",
    "мае",
    "июнь",
    "июля",
    "август",
    "сентябрь",
    "окт.",
    "ноября",
    "Декабрь",
    "до",
    "с",
    "со",
    "по",
    "к",
    "от",
    "после",
    "не позднее",
    "не ранее",
    "в течение",
    "весь период",
    "учебного года",
    "уч. г.",
    "года",
    "г.",
    "гг.",
    "-",
    "–",
    "—",
    ".",
    ",",
    ";",
    ":",
    "(",
    ")",
    "/",
    "и",
    "для",
    "ГИА-9",
    "ГИА–11",
    "ЕГЭ",
    "ежемесячно",
    "числа",
    "каждого месяца",
    "по пятницам",
    "за",
    "дня",
    "недели",
    "месяц",
    "рабочих",
    "экзамена",
    "результатов",
    "в день",
    "накануне",
    "по графику",
    "I",
    "IV",
    "квартал",
    "полугодие",
    "декада",
    "первая",
    "начало",
    "конца",
    "весна",
    "2023",
    "2024",
    "2023/24",
    "2022-2023",
    "204",
    "20244",
    "31",
    "01",
    "12",
    "15.03",
    "31.12.2023",
    "2024-03-01",
    "1-го",
    "<p>",
    "</p>",
    "&nbsp;",
    "\u00a0",
]

grammarish = st.tuples(
    st.lists(
        st.one_of(st.sampled_from(PIECES), st.integers(0, 40000).map(str)),
        max_size=14,
    ),
    st.sampled_from([" ", "", "  ", "\n"]),
).map(lambda parts: parts[1].join(parts[0]))

school_years = st.integers(2000, 2090).map(SchoolYear)


def _check(text: str, school_year: SchoolYear) -> None:
    term = parse_term(text, school_year)
    assert term.text == text
    assert not any("internal error" in w for w in term.warnings), term.warnings
    for w in term.windows:
        assert w.start is None or w.start <= w.end
    if term.kind in (TermKind.EXTERNAL, TermKind.RELATIVE, TermKind.RECURRING):
        assert term.windows == ()
    if term.kind is TermKind.RECURRING:
        assert term.rule is not None and term.rule.startswith("FREQ=")
    if term.kind is TermKind.RELATIVE:
        assert term.event is not None and term.offset is not None
    else:
        assert term.offset is None or term.kind is TermKind.MIXED
    data = term_to_json(term)
    assert list(data) == CONTRACT_KEYS
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    assert data["kind"] in {k.value for k in TermKind}


@settings(max_examples=300, deadline=None)
@given(st.text(), school_years)
def test_never_raises_on_any_text(text: str, school_year: SchoolYear) -> None:
    _check(text, school_year)


@settings(max_examples=300, deadline=None)
@given(grammarish, school_years)
def test_never_raises_on_grammar_shaped_text(text: str, school_year: SchoolYear) -> None:
    _check(text, school_year)


@settings(max_examples=100, deadline=None)
@given(
    st.integers(1, 12),
    st.integers(1, 12),
    st.sampled_from(["-", " – ", "—", " по "]),
    st.sampled_from(["", " 2024", " 2024 г.", " 2023/24 учебного года"]),
)
def test_month_ranges_never_end_before_they_start(
    first: int, last: int, dash: str, year: str
) -> None:
    names = [
        "январь",
        "февраль",
        "март",
        "апрель",
        "май",
        "июнь",
        "июль",
        "август",
        "сентябрь",
        "октябрь",
        "ноябрь",
        "декабрь",
    ]
    term = parse_term(f"{names[first - 1]}{dash}{names[last - 1]}{year}", SchoolYear(2023))
    assert term.windows
    for w in term.windows:
        assert w.start is None or w.start <= w.end
