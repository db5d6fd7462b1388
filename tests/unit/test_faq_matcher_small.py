"""The FAQ matcher's decisions on small FAQs built in each test: the share of words the FAQ does
not know, an FAQ without word vectors (none installed, or none for its words), and which words
meaning may lead to (issue 13: what mutation testing found untested in bot/faq/matcher.py).

Each test builds its own index, so the decisions do not hang on the real FAQ's scores, which
are tuned; thresholds are read from the module, never copied."""

import logging
import math
from dataclasses import replace
from datetime import date

import pytest

from bot.faq import Audience, Decision, Faq, FaqEntry, FaqMatcher
from bot.faq import matcher as matching
from bot.faq.lexicon import Exam
from bot.faq.text import Synonyms
from bot.faq.vectors import VectorsError

NEVER = 2.0  # a confidence is at most 1: with `answer_at=NEVER` the matcher never answers
# Words no FAQ here uses and no typo limit brings near one of its words.
UNKNOWN = ["ыыыыы", "ъъъъъ", "щщщщщ", "жжжжж", "ххххх"]


def entry(entry_id: str, question: str, answer: str = "Ответ.") -> FaqEntry:
    return FaqEntry(
        id=entry_id,
        question=question,
        alternatives=(),
        answer=answer,
        topic="exam_day",
        audience=Audience.BOTH,
        source="Порядок ГИА-11 (приказ № 233/552)",
        actual_on=date(2026, 11, 23),
        review_by=date(2027, 9, 1),
    )


def faq_of(*entries: FaqEntry) -> Faq:
    return Faq(entries=entries, synonyms=Synonyms())


# «телефон» is in every entry: a low weight beside the words the FAQ does not know, which weigh
# as much as most of its rarest word.
PHONES = faq_of(
    entry("phone-pass", "Телефон и паспорт"),
    entry("phone-pen", "Телефон и ручка"),
    entry("phone-calc", "Телефон и калькулятор"),
)


def choosing(faq: Faq) -> FaqMatcher:
    """Offers choices for any question it finds words for, unless they are mostly unknown."""
    return FaqMatcher(faq, answer_at=NEVER, clarify_at=0.0, semantic=False)


# --- words the FAQ does not know ----------------------------------------------------------------


def test_enough_unknown_words_send_a_question_to_an_operator_not_to_choices() -> None:
    matcher = choosing(PHONES)
    words = matching.UNKNOWN_WORDS
    few = "телефон " + " ".join(UNKNOWN[: words - 1])
    enough = "телефон " + " ".join(UNKNOWN[:words])
    assert matcher.features(few)["unknown"] >= matching.UNKNOWN_AT  # heavy, but too few words
    assert matcher.match(few).decision == Decision.CLARIFY
    assert matcher.features(enough)["unknown"] >= matching.UNKNOWN_AT
    result = matcher.match(enough)
    assert result.decision == Decision.TO_OPERATOR
    assert result.top_ids  # the candidates still travel with the question


def test_unknown_words_that_weigh_little_still_get_choices() -> None:
    # The rare words the question knows outweigh them: not «mostly unknown».
    matcher = choosing(PHONES)
    question = "паспорт ручка калькулятор " + " ".join(UNKNOWN[: matching.UNKNOWN_WORDS])
    assert matcher.features(question)["unknown"] < matching.UNKNOWN_AT
    assert matcher.match(question).decision == Decision.CLARIFY


def test_numbers_are_not_unknown_words() -> None:
    matcher = choosing(PHONES)
    query = matcher._query("телефон 2024 15 ыыыыы", None)
    assert query.unknown_words == 1
    assert query.unknown == pytest.approx(matcher.features("телефон ыыыыы")["unknown"])


def test_mostly_unknown_starts_at_its_share_and_its_number_of_words() -> None:
    query = choosing(PHONES)._query("телефон ыыыыы", None)
    at = replace(query, unknown=matching.UNKNOWN_AT, unknown_words=matching.UNKNOWN_WORDS)
    assert FaqMatcher._mostly_unknown(at)
    below = math.nextafter(matching.UNKNOWN_AT, 0.0)
    assert not FaqMatcher._mostly_unknown(replace(at, unknown=below))
    assert not FaqMatcher._mostly_unknown(replace(at, unknown_words=matching.UNKNOWN_WORDS - 1))


# --- without word vectors -----------------------------------------------------------------------


def test_without_the_vectors_file_matching_works_on_words_and_the_log_says_why(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def missing() -> None:
        raise VectorsError("navec.tar: no such file")

    monkeypatch.setattr(matching, "load_navec", missing)
    with caplog.at_level(logging.ERROR, logger=matching.__name__):
        matcher = FaqMatcher(PHONES)
    assert matcher.vectors is None
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.ERROR, "FAQ matching without word vectors: navec.tar: no such file")
    ]
    assert matcher.match("телефон и калькулятор").top_ids[0] == "phone-calc"


def test_a_faq_none_of_whose_words_has_a_vector_still_matches() -> None:
    # Not even its answer: there is nothing to expand a word to, and no question breaks that.
    odd = faq_of(entry("odd", "щщщщ ыыыы?", answer="ыыыы щщщщ"))
    matcher = FaqMatcher(odd)
    assert matcher.vectors is not None
    assert matcher._expand("болезнь") == []
    assert matcher.match("болезнь ыыыы").top_ids == ["odd"]


# --- what meaning leads to ----------------------------------------------------------------------


@pytest.mark.parametrize(("word", "generic"), [("тест", "экзамен"), ("гимназия", "школа")])
def test_a_word_near_only_a_generic_word_stays_unknown(word: str, generic: str) -> None:
    faq = faq_of(entry("phone", f"Телефон на {generic}?", answer="Телефон сдают."))
    matcher = FaqMatcher(faq)
    assert generic in matcher.lexicon.no_content and generic in matcher._idf
    assert matcher.vectors is not None
    near, far = matcher.vectors.vector(word), matcher.vectors.vector(generic)
    assert near is not None and far is not None
    assert float(near @ far) >= matching.EXPAND_AT  # close enough to stand for it otherwise
    assert matcher._expand(word) == []
    query = matcher._query(f"телефон {word}", None)
    assert set(query.vector) == {"телефон"}
    assert query.unknown_words == 1


def test_a_question_without_content_still_tells_the_exam_it_names() -> None:
    matcher = choosing(PHONES)
    named = matcher.match("когда ОГЭ?")
    assert (named.decision, named.matches) == (Decision.TO_OPERATOR, ())
    assert named.exams == {Exam.GIA9}
    chosen = matcher.match("когда?", exam=Exam.GIA11)  # the conversation's choice
    assert chosen.decision == Decision.TO_OPERATOR
    assert chosen.exams == {Exam.GIA11}
