"""Fuzz: the term parser takes any text and answers with a result, never an exception."""

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.terms import SchoolYear, parse_term

YEAR = SchoolYear.parse("2023/24")
WORDS = st.sampled_from(
    ["до", "с", "по", "в течение", "ежемесячно", "за", "месяц", "дней", "до начала",
     "экзамена", "октябрь", "февраль", "2023", "2024", "31.02.2024", "29.02.2023", "–", "-",
     "31", "99999999999999999999", "года", "учебного", "по графику ФЦТ", "числа", ",", ";"]
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_gives_a_result(text: str) -> None:
    parsed = parse_term(text, YEAR)
    assert parsed.kind is not None


@settings(max_examples=200, deadline=None)
@given(st.lists(WORDS, max_size=12).map(" ".join))
def test_any_sequence_of_term_words_gives_a_result(text: str) -> None:
    parsed = parse_term(text, YEAR)
    for window in parsed.windows:
        assert window.start is None or window.start <= window.end
