"""The FAQ matcher's decisions on small FAQs built in each test: the share of words the FAQ does
not know, an FAQ without word vectors (none installed, or none for its words), and which words
meaning may lead to (issue 13: what mutation testing found untested in bot/faq/matcher.py).

Each test builds its own index, so the decisions do not hang on the real FAQ's scores, which
are tuned; thresholds are read from the module, never copied."""

import logging
import math
from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from bot.faq import Audience, Decision, Faq, FaqEntry, FaqMatch, FaqMatcher, load_faq
from bot.faq import matcher as matching
from bot.faq.lexicon import Exam
from bot.faq.text import Synonyms, is_content_word
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
    odd = faq_of(entry("odd", "фывапролдж кргхщбвт?", answer="кргхщбвт фывапролдж"))
    matcher = FaqMatcher(odd)
    assert matcher.vectors is not None
    assert matcher._vocabulary == []
    assert matcher._expand("болезнь") == []
    assert matcher.match("болезнь кргхщбвт").top_ids == ["odd"]


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


def test_a_word_that_is_not_content_is_not_guessed_by_meaning() -> None:
    # «вечером» is an adverb the vectors put close to «утром», yet a question about the evening is
    # not one about the morning: it stays an unknown word.
    faq = faq_of(entry("morning", "Экзамен начнётся утром?"), entry("phone", "Телефон"))
    matcher = FaqMatcher(faq)
    assert not is_content_word("вечером")
    assert matcher.vectors is not None
    near, far = matcher.vectors.vector("вечером"), matcher.vectors.vector("утром")
    assert near is not None and far is not None
    assert float(near @ far) >= matching.EXPAND_AT
    query = matcher._query("телефон вечером", None)
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


DATES = faq_of(
    entry("oge-when", "Когда ОГЭ?", "ОГЭ — в мае и июне."),
    entry("ege-when", "Когда ЕГЭ?", "ЕГЭ — с конца мая."),
    entry("oge-phone", "Можно ли телефон на ОГЭ?", "Нельзя."),
)


def test_generic_words_naming_an_exam_and_asking_when_get_choices_never_an_answer() -> None:
    matcher = FaqMatcher(DATES, semantic=False)  # the shipped bars: it would answer if it could
    asked = matcher.match("когда ОГЭ?")
    assert asked.decision == Decision.CLARIFY
    assert asked.top_ids[0] == "oge-when"
    assert asked.confidence == 0.0
    assert asked.exams == {Exam.GIA9}
    # Without an exam, or without asking when/where/how many, a person takes it as before.
    assert matcher.match("когда?").decision == Decision.TO_OPERATOR
    assert matcher.match("ОГЭ").decision == Decision.TO_OPERATOR
    # A word the FAQ does not know beside them («когда выпускной 9 класс»): a person takes it.
    assert matcher.match(f"когда ОГЭ {UNKNOWN[0]}").decision == Decision.TO_OPERATOR
    # An FAQ without these words: they are unknown there, and a person takes the question.
    assert choosing(PHONES).match("когда ОГЭ?").matches == ()


# --- the index: weights, key terms, exams and twins of each entry -------------------------------


def test_a_words_weight_is_the_bm25_idf_over_entries_with_their_answers() -> None:
    faq = faq_of(
        entry("a", "Телефон и паспорт", answer="Ручка."),
        entry("b", "Телефон", answer="Паспорт."),  # the answer's words count for the entry
        entry("c", "Телефон и калькулятор"),
        entry("d", "Линейка"),
    )
    idf = FaqMatcher(faq, semantic=False)._idf

    def bm25(df: int) -> float:
        return math.log(1 + (4 - df + 0.5) / (df + 0.5))

    assert idf["телефон"] == pytest.approx(bm25(3))
    assert idf["паспорт"] == pytest.approx(bm25(2))
    assert idf["линейка"] == pytest.approx(bm25(1))


def test_a_repeated_word_counts_logarithmically_in_a_unit_vector() -> None:
    matcher = FaqMatcher(PHONES, semantic=False)
    vector = matcher._vector(["телефон", "паспорт", "паспорт"])
    phone, passport = matcher._idf["телефон"], (1 + math.log(2)) * matcher._idf["паспорт"]
    norm = math.hypot(phone, passport)
    assert vector == pytest.approx({"телефон": phone / norm, "паспорт": passport / norm})
    assert matcher._vector([]) == {}


def test_key_terms_are_those_in_at_least_their_share_of_the_phrasings() -> None:
    phrasings = ["Телефон паспорт ручка линейка", "Телефон паспорт ручка", "Телефон паспорт"]
    phrasings.append("Телефон")
    faq = faq_of(replace(entry("a", phrasings[0]), alternatives=tuple(phrasings[1:])))
    matcher = FaqMatcher(faq, semantic=False)
    counts = {"телефон": 4, "паспорт": 3, "ручка": 2, "линейка": 1}
    assert matcher._key_terms[0] == {
        word: pytest.approx(matcher._idf[word] ** 2)
        for word, n in counts.items()
        if n >= matching.KEY_SHARE * len(phrasings)
    }


def test_an_entrys_exams_come_from_its_audience_topic_and_id() -> None:
    faq = faq_of(
        replace(entry("a", "Телефон"), audience=Audience.GIA9),
        replace(entry("b", "Телефон"), audience=Audience.GIA11),
        replace(entry("c", "Телефон"), topic="essay"),
        entry("essay-d", "Телефон"),
        replace(entry("e", "Телефон"), topic="interview"),
        entry("interview-f", "Телефон"),
        entry("g", "Телефон"),
    )
    assert FaqMatcher(faq, semantic=False)._exams == [
        {Exam.GIA9},
        {Exam.GIA11},
        {Exam.ESSAY},
        {Exam.ESSAY},
        {Exam.INTERVIEW},
        {Exam.INTERVIEW},
        set(),
    ]


def test_twins_are_ids_that_differ_only_in_the_exam_they_name() -> None:
    ids = ["gia9-reg", "gia11-reg", "x-oge-y", "x-ege-y", "oge-a", "ege-b", "oge-ege-c", "ege-c"]
    faq = faq_of(*(entry(entry_id, f"Телефон {n}") for n, entry_id in enumerate(ids)))
    assert dict(FaqMatcher(faq, semantic=False)._twins) == {0: {1}, 1: {0}, 2: {3}, 3: {2}}


# --- the question ------------------------------------------------------------------------------


def test_the_unknown_share_adds_up_every_unknown_word() -> None:
    matcher = choosing(PHONES)
    query = matcher._query("телефон ыыыыы ъъъъъ", None)
    unknown = matching.UNKNOWN_FACTOR * max(matcher._idf.values())
    known = matcher._idf["телефон"]
    assert query.unknown_words == 2
    assert query.unknown == pytest.approx(
        math.sqrt(2) * unknown / math.hypot(known, 2**0.5 * unknown)
    )


def test_a_word_written_right_and_misspelt_weighs_as_written_right() -> None:
    matcher = choosing(PHONES)
    for question in ("телефон телефн", "телефн телефон"):
        assert matcher._query(question, None).vector == {"телефон": matcher._idf["телефон"]}


def test_a_corrected_word_is_not_a_guess_by_meaning() -> None:
    matcher = choosing(PHONES)
    features = matcher.features("телефн")
    assert features["guessed"] == 0.0
    assert features["matched"] > 0.0


def test_the_content_feature_is_the_length_of_the_content_weights() -> None:
    matcher = choosing(PHONES)
    features = matcher.features("телефон паспорт")
    content = math.hypot(matcher._idf["телефон"], matcher._idf["паспорт"])
    expected = min(content, matching.CONTENT_CAP) / matching.CONTENT_CAP
    assert features["content"] == pytest.approx(expected)


def test_with_one_entry_the_margin_is_the_whole_score() -> None:
    features = choosing(faq_of(entry("phone", "Телефон"))).features("телефон")
    assert features["margin"] == features["best"] > 0.0


def test_without_word_vectors_nothing_scores_by_meaning() -> None:
    assert choosing(PHONES).features("телефон и ручка")["dense"] == 0.0


def test_the_character_similarity_is_of_the_whole_phrasing_not_its_best_part(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    matcher = choosing(faq_of(entry("pen", "Ручка и калькулятор")))

    def chars(question: str) -> float:
        with monkeypatch.context() as patch:
            patch.setattr(matching, "W_CHARS", 0.0)
            without = matcher.match(question).matches[0].score
        return (matcher.match(question).matches[0].score - without) / matching.W_CHARS

    assert chars("калькулятор ручка") == pytest.approx(1.0, abs=2e-3)  # any word order
    assert chars("ручка") < 0.5  # one word of two is not nearly the phrasing


def test_weak_cues_of_both_exams_name_neither() -> None:
    matcher = choosing(PHONES)
    assert matcher.exams_named("после колледжа или вуза") == frozenset()
    assert matcher.exams_named("после колледжа") == {Exam.GIA9}


def test_a_match_tells_the_exams_its_question_names() -> None:
    matcher = choosing(PHONES)
    assert matcher.match("телефон на огэ").exams == {Exam.GIA9}
    assert matcher.match("телефон").exams == frozenset()
    assert matcher.match("телефон", exam=Exam.GIA11).exams == {Exam.GIA11}


def test_asking_which_exam_names_none_yet() -> None:
    # The real FAQ's ГИА-9/ГИА-11 pair for registration (test_faq_matching asks the same).
    result = FaqMatcher(load_faq()).match("до какого числа подать заявление на экзамены?")
    assert result.decision == Decision.ASK_EXAM
    assert result.exams == frozenset()


def test_choices_that_rest_on_a_guess_start_at_the_unknown_share() -> None:
    query = choosing(PHONES)._query("телефон ыыыыы", None)
    at = replace(query, unknown=matching.UNKNOWN_AT, guessed=frozenset({"телефон"}))
    unmatched = {"matched": 0.0}
    assert FaqMatcher._only_guessed(at, unmatched)
    below = replace(at, unknown=math.nextafter(matching.UNKNOWN_AT, 0.0))
    assert not FaqMatcher._only_guessed(below, unmatched)
    assert not FaqMatcher._only_guessed(at, {"matched": 1 / matching.MATCHED_CAP})
    assert not FaqMatcher._only_guessed(replace(at, guessed=frozenset()), unmatched)


def test_meaning_is_the_idf_weighted_mean_of_the_word_vectors() -> None:
    # «телефон» is in every entry, «паспорт» in one: their weights differ about sevenfold.
    matcher = FaqMatcher(PHONES)
    assert matcher.vectors is not None
    phone, passport = matcher.vectors.vector("телефон"), matcher.vectors.vector("паспорт")
    assert phone is not None and passport is not None
    total = matcher._idf["телефон"] * phone + matcher._idf["паспорт"] * passport
    expected = total / np.linalg.norm(total)

    assert matcher._query("телефон паспорт", None).dense == pytest.approx(expected, abs=1e-6)
    assert matcher._dense is not None
    assert matcher._dense[0] == pytest.approx(expected, abs=1e-6)  # «Телефон и паспорт»


def test_scores_and_confidence_leave_the_matcher_rounded_to_four_places() -> None:
    matcher = FaqMatcher(PHONES, semantic=False)
    question = "телефон и паспорт, ручка"
    scores, _ = matcher._scores(matcher._query(question, None))
    raw = dict(zip(matcher._ids, scores, strict=True))
    confidence = matcher._confidence(matcher.features(question))
    # Values whose fifth place is not 0, so a different rounding shows.
    assert all(round(value, 5) != round(value, 4) for value in (*scores, confidence))

    result = matcher.match(question)

    assert [match.score for match in result.matches] == [
        round(raw[match.entry_id], 4) for match in result.matches
    ]
    assert result.confidence == round(confidence, 4)


def test_a_word_reached_only_by_meaning_is_a_guess_and_no_match() -> None:
    ill = faq_of(entry("ill", "Болезнь в день экзамена", answer="Справка."))
    features = FaqMatcher(ill).features("лихорадка")  # only the vectors link it to «болезнь»
    assert features["guessed"] == pytest.approx(1.0)
    assert features["matched"] == 0.0


def test_the_margin_against_the_rest_skips_the_entries_asked_about() -> None:
    matcher = choosing(PHONES)
    query = matcher._query("телефон паспорт ручка", None)
    scores, dense = matcher._scores(query)
    ranked = sorted(range(len(scores)), key=lambda i: -scores[i])
    features = matcher._features(query, scores, dense, ranked, skip={ranked[1]})
    assert features["margin"] == pytest.approx(scores[ranked[0]] - scores[ranked[2]])


def test_a_question_worded_as_the_only_entry_scores_its_words_and_characters() -> None:
    matcher = choosing(faq_of(entry("phone", "Телефон")))  # the answer shares no word
    expected = matching.W_PHRASING + matching.W_ENTRY + matching.W_CHARS
    assert matcher.features("телефон")["best"] == pytest.approx(expected)


# --- what kind of answer the question asks for ---------------------------------------------

# Both entries share every content word; only the question word tells them apart.
DATES_OR_NUMBERS = faq_of(
    entry("results-when", "Когда объявят результаты экзамена по математике?"),
    entry("results-scores", "Сколько баллов за экзамен по математике нужно для результата?"),
)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("когда результаты экзамена по математике и баллы", "results-when"),
        ("сколько результаты экзамена по математике и баллы", "results-scores"),
    ],
)
def test_the_question_word_prefers_the_entry_that_asks_the_same(
    question: str, expected: str
) -> None:
    matcher = choosing(DATES_OR_NUMBERS)
    assert matcher.match(question).top_ids[0] == expected


def test_an_entry_that_never_asks_that_way_loses_its_share_of_the_score(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    matcher = choosing(DATES_OR_NUMBERS)
    question = "когда результаты экзамена по математике"
    factor = matching.ASK_TYPE_FACTOR
    steered = dict(zip(*_scores(matcher, question), strict=True))
    monkeypatch.setattr(matching, "ASK_TYPE_FACTOR", 1.0)
    plain = dict(zip(*_scores(matcher, question), strict=True))
    assert steered["results-when"] == pytest.approx(plain["results-when"])
    assert steered["results-scores"] == pytest.approx(plain["results-scores"] * factor, abs=1e-4)
    assert factor < 1.0


def test_how_and_what_are_not_question_words_that_steer() -> None:
    matcher = choosing(DATES_OR_NUMBERS)
    neutral = _scores(matcher, "результаты экзамена по математике")
    assert _scores(matcher, "как результаты экзамена по математике") == neutral


def _scores(matcher: FaqMatcher, text: str) -> tuple[list[str], list[float]]:
    result = matcher.match(text, limit=len(matcher.faq.entries))
    ids = [match.entry_id for match in result.matches]
    return ids, [match.score for match in result.matches]


# --- asking which exam -------------------------------------------------------------------------

# The ГИА-9 and the ГИА-11 entry of one need, worded alike. Their audience is both exams here, so
# naming an exam steps neither back: only the rule that a named exam is never asked about stops
# the matcher from asking.
TWINS = faq_of(
    entry("gia9-phone", "Телефон на экзамене"),
    entry("gia11-phone", "Телефон на экзамене"),
)
TWIN_QUESTION = "телефон на экзамене"


def asking(calibration: matching.Calibration) -> FaqMatcher:
    return FaqMatcher(
        TWINS, answer_at=NEVER, clarify_at=0.0, calibration=calibration, semantic=False
    )


def test_a_question_that_names_an_exam_is_never_asked_which() -> None:
    matcher = asking(matching.Calibration({}, 5.0, NEVER))  # confident whatever the features
    asked = matcher.match(TWIN_QUESTION)
    assert (asked.decision, asked.exam_pair) == (Decision.ASK_EXAM, ("gia9-phone", "gia11-phone"))
    for result in (
        matcher.match(TWIN_QUESTION + " огэ"),
        matcher.match(TWIN_QUESTION, exam=Exam.GIA11),  # the conversation's choice
    ):
        assert (result.decision, result.exam_pair) == (Decision.CLARIFY, None)
        assert set(result.top_ids) == {"gia9-phone", "gia11-phone"}


def test_the_pair_is_asked_about_on_its_margin_over_the_rest_and_reports_the_questions_own() -> (
    None
):
    # Confident only with a margin: between the twins there is none, over the rest of the FAQ
    # (nothing here) the whole score.
    calibration = matching.Calibration({"margin": 10.0}, -1.0, NEVER)
    matcher = asking(calibration)
    best = matcher.features(TWIN_QUESTION)["best"]
    assert calibration.confidence({"margin": best}) >= matching.ASK_AT

    result = matcher.match(TWIN_QUESTION)

    assert result.decision == Decision.ASK_EXAM
    assert result.exam_pair == ("gia9-phone", "gia11-phone")
    score = round(best, 4)
    assert result.matches == (FaqMatch("gia11-phone", score), FaqMatch("gia9-phone", score))
    # The confidence reported is the question's, margin 0 between the twins.
    assert result.confidence == round(calibration.confidence({"margin": 0.0}), 4)


def test_the_pair_is_asked_about_from_its_bar_inclusive() -> None:
    at_the_bar = matching.Calibration({}, 0.0, NEVER)
    assert at_the_bar.confidence({}) == matching.ASK_AT
    assert asking(at_the_bar).match(TWIN_QUESTION).decision == Decision.ASK_EXAM
    below = matching.Calibration({}, -1e-9, NEVER)
    assert asking(below).match(TWIN_QUESTION).decision == Decision.CLARIFY
