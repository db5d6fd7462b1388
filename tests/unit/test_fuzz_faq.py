"""Fuzz: the FAQ matcher takes any text a parent might write and decides, never raises."""

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.faq.loader import load_faq
from bot.hotline.faq import Decision, FaqService

SERVICE = FaqService(load_faq(), {}, date(2026, 11, 23))
WORDS = st.sampled_from(
    ["когда", "результаты", "ЕГЭ", "ОГЭ", "апелляция", "пересдача", "?", "!!!", "ё", "рзультаты",
     "гиа-9", "телефон", "😀", "<b>", "&amp;", "\u202e", "\x00", "   ", "0" * 50]
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=500))
def test_any_text_gets_a_decision(text: str) -> None:
    assert SERVICE.consult(text).decision in set(Decision)


@settings(max_examples=200, deadline=None)
@given(st.lists(WORDS, max_size=15).map(" ".join))
def test_any_mix_of_faq_words_gets_a_decision(text: str) -> None:
    consultation = SERVICE.consult(text)
    assert consultation.decision in set(Decision)
    assert 0 <= consultation.confidence <= 1
