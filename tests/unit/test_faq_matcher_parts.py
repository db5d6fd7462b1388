"""The FAQ matcher's parts one by one: typo limits and corrections, expansion by meaning, the
confidence and its thresholds, the ГИА-9/ГИА-11 pair (issue 13: what mutation testing found
untested in bot/faq/matcher.py)."""

import math
from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from bot.faq import Audience, Decision, Faq, FaqEntry, FaqMatcher, load_faq
from bot.faq import matcher as matching
from bot.faq.lexicon import Exam, Polarity
from bot.faq.matcher import _typo_limit
from bot.faq.text import normalize
from bot.hotline.faq import Decision as HotlineDecision
from bot.hotline.faq import FaqService

FEATURES = {
    "matched",
    "best",
    "margin",
    "asked",
    "content",
    "dense",
    "personal",
    "guessed",
    "unknown",
}
CLEAR = "как подать апелляцию на результаты"


@pytest.fixture(scope="module")
def faq() -> Faq:
    return load_faq()


@pytest.fixture(scope="module")
def matcher(faq: Faq) -> FaqMatcher:
    return FaqMatcher(faq)


def entry(entry_id: str, question: str, *alternatives: str) -> FaqEntry:
    return FaqEntry(
        id=entry_id,
        question=question,
        alternatives=alternatives,
        answer="Ответ.",
        topic="exam_day",
        audience=Audience.BOTH,
        source="Порядок ГИА-11 (приказ № 233/552)",
        actual_on=date(2026, 11, 23),
        review_by=date(2027, 9, 1),
    )


# --- typos ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "known", "limit"),
    [
        ("балл", True, 0),  # a dictionary word of four letters is never «corrected»
        ("школа", True, 1),
        ("апелляция", True, 1),
        ("баал", False, 1),
        ("абвгд", False, 1),
        ("абвгде", False, 2),
        ("абвгдеёжз", False, 2),
        ("абвгдеёжзи", False, 3),
    ],
)
def test_typo_limit_grows_with_the_length_and_is_stricter_for_real_words(
    word: str, known: bool, limit: int
) -> None:
    assert _typo_limit(word, known=known) == limit


@pytest.mark.parametrize(
    ("surface", "lemma", "expected"),
    [
        ("баал", "баал", "балл"),  # four letters, one edit
        ("апеляция", "апеляция", "апелляция"),  # the FAQ word is a letter longer
        ("бааллы", "бааллы", "балл"),  # two letters longer than the FAQ word
        ("шпоргалка", "шпоргалка", "шпаргалка"),
        ("абв", "баал", "балл"),  # too short a surface: its lemma is still tried
        ("вуза", "баал", "балл"),  # a real short word is not corrected: its lemma still is
        ("баалл", "паспарт", "балл"),  # a tie: the surface's correction wins
        ("ббалл", "паспаррт", "балл"),  # the closer correction wins
        ("паспаррт", "баал", "балл"),
        ("смартфн", "смартфн", "смартфон"),  # a synonym's word the FAQ text never uses
        ("щщщщщщщщщщщщ", "щщщщщщщщщщщщ", None),
        ("щ" * 30, "щ" * 30, None),  # longer than any FAQ word: no candidates at all
        ("дома", "дома", None),  # a real word of four letters is left alone
    ],
)
def test_a_misspelt_word_is_corrected_to_the_closest_faq_word(
    faq: Faq, surface: str, lemma: str, expected: str | None
) -> None:
    # A fresh index each time: corrections are cached by the surface form.
    matcher = FaqMatcher(faq, semantic=False)
    assert matcher._correct(surface, lemma) == expected
    assert matcher._correct(surface, lemma) == expected  # the second time from the cache


def test_a_corrected_word_counts_less_than_one_written_right(matcher: FaqMatcher) -> None:
    right = matcher._query("шпаргалка", None).vector["шпаргалка"]
    misspelt = matcher._query("шпоргалка", None).vector["шпаргалка"]
    assert misspelt == pytest.approx(matching.TYPO_FACTOR * right)


# --- meaning ----------------------------------------------------------------------------------


def test_a_faq_without_any_word_vector_still_matches(faq: Faq) -> None:
    # No word of this FAQ has a vector: there is nothing to expand an unknown word to.
    odd = Faq(entries=(entry("odd", "щщщщ ыыыы?", "ыыыы щщщщ"),), synonyms=faq.synonyms)
    result = FaqMatcher(odd).match("болезнь ыыыы")
    assert result.top_ids == ["odd"]
    assert FaqMatcher(odd)._expand("болезнь") == []


def test_an_unknown_word_expands_to_the_nearest_faq_words_only(matcher: FaqMatcher) -> None:
    found = dict(matcher._expand("лихорадка"))
    assert "болезнь" in found
    assert 0 < len(found) <= 2 * matching.EXPAND_LIMIT
    assert all(
        matching.EXPAND_FACTOR * matching.EXPAND_AT <= weight <= matching.EXPAND_FACTOR
        for weight in found.values()
    )
    assert matcher._expand("лихорадка") == list(found.items())
    assert matcher._expand("щщщщщщ") == []


def test_words_far_in_meaning_are_not_expanded(matcher: FaqMatcher) -> None:
    assert matcher.vectors is not None
    vector = matcher.vectors.vector("лихорадка")
    assert vector is not None and matcher._vocabulary_matrix is not None
    sims = matcher._vocabulary_matrix @ vector
    nearest = {
        name
        for i in np.argsort(-sims)[: matching.EXPAND_LIMIT]
        for name in matcher._vocabulary[i]
        if sims[i] >= matching.EXPAND_AT
    }
    assert set(dict(matcher._expand("лихорадка"))) == nearest


# --- confidence and thresholds ----------------------------------------------------------------


@pytest.mark.parametrize("question", [CLEAR, "что нельзя брать на егэ", "шпора на огэ"])
def test_the_confidence_is_the_logistic_function_of_the_features(
    matcher: FaqMatcher, question: str
) -> None:
    features = matcher.features(question)
    assert set(features) == FEATURES
    assert all(0.0 <= features[k] <= 1.0 for k in FEATURES - {"best", "margin", "dense"})
    assert features["margin"] >= 0.0
    z = matching.CONFIDENCE_BIAS + sum(
        weight * features[name] for name, weight in matching.CONFIDENCE_WEIGHTS.items()
    )
    expected = 1 / (1 + math.exp(-z))
    assert matcher.match(question).confidence == pytest.approx(expected, abs=1e-4)


def test_features_of_the_best_match(matcher: FaqMatcher) -> None:
    features = matcher.features(CLEAR)
    result = matcher.match(CLEAR)
    best, second = result.matches[0].score, result.matches[1].score
    assert features["best"] == pytest.approx(best, abs=1e-4)
    assert features["margin"] == pytest.approx(best - second, abs=1e-4)
    assert features["matched"] > 0 and features["asked"] > 0 and features["dense"] > 0
    assert features["personal"] == 0.0 and features["guessed"] == 0.0
    story = matcher.features("учительница вчера сказала директор обещал апелляция")
    assert story["personal"] == 1.0  # capped at four story words


def test_features_follow_the_conversations_exam(matcher: FaqMatcher) -> None:
    question = "до какого числа подать заявление на экзамены?"
    assert matcher.features(question, exam=Exam.GIA9) != matcher.features(question)
    assert matcher.features("привет") == {}
    assert matcher.features("привет", exam=Exam.GIA9) == {}


def test_the_thresholds_are_inclusive(faq: Faq, matcher: FaqMatcher) -> None:
    confidence = matcher._confidence(matcher.features(CLEAR))
    assert FaqMatcher(faq, answer_at=confidence).match(CLEAR).decision == Decision.ANSWER
    above = math.nextafter(confidence, 2.0)
    choices = FaqMatcher(faq, answer_at=above, clarify_at=confidence).match(CLEAR)
    assert choices.decision == Decision.CLARIFY
    assert len(choices.matches) == 3
    operator = FaqMatcher(faq, answer_at=above, clarify_at=above).match(CLEAR)
    assert operator.decision == Decision.TO_OPERATOR
    assert operator.top_ids  # the candidates travel with the question to the operator


def test_a_calibration_is_the_logistic_function_with_its_own_bar(faq: Faq) -> None:
    features = {"margin": 0.1, "matched": 1.0}
    calibration = matching.Calibration({"margin": 10.0, "matched": 2.0}, -3.0, 0.5)
    assert calibration.confidence(features) == pytest.approx(1 / (1 + math.exp(-0.0)))
    # Extreme weights saturate instead of overflowing math.exp.
    assert matching.Calibration({"margin": -1e6}, 0.0, 0.5).confidence(features) < 1e-12
    assert matching.Calibration({"margin": 1e6}, 0.0, 0.5).confidence(features) > 1 - 1e-12

    never = matching.Calibration(matching.CONFIDENCE_WEIGHTS, matching.CONFIDENCE_BIAS, 2.0)
    swapped = FaqMatcher(faq, calibration=never)
    assert swapped.answer_at == 2.0
    assert swapped.match(CLEAR).decision != Decision.ANSWER
    always = matching.Calibration({}, 30.0, 0.5)  # confidence 1 whatever the features
    swapped.calibration = always  # what the benchmark does per cross-validation fold
    assert swapped.match(CLEAR).confidence == 1.0
    assert swapped.match(CLEAR).decision == Decision.ANSWER
    # An explicit `answer_at` still wins over the calibration's bar.
    assert FaqMatcher(faq, answer_at=1.5, calibration=always).match(CLEAR).decision != (
        Decision.ANSWER
    )


def test_the_hotline_service_uses_a_matcher_built_beforehand(faq: Faq) -> None:
    never = matching.Calibration(matching.CONFIDENCE_WEIGHTS, matching.CONFIDENCE_BIAS, 2.0)
    built = FaqMatcher(faq, calibration=never)
    service = FaqService(faq, {}, date(2026, 11, 23), matcher=built)
    assert service.consult(CLEAR).decision != HotlineDecision.ANSWER
    built.calibration = matching.Calibration({}, 30.0, 0.5)
    assert service.consult(CLEAR).decision == HotlineDecision.ANSWER


def test_the_shipped_calibration_is_the_module_constants(matcher: FaqMatcher) -> None:
    assert matcher.calibration == matching.DEFAULT_CALIBRATION
    assert matcher.answer_at == matching.ANSWER_AT
    assert dict(matcher.calibration.weights) == matching.CONFIDENCE_WEIGHTS
    assert set(matching.CONFIDENCE_WEIGHTS) <= FEATURES


def test_limit_cuts_the_matches_but_not_the_decision(matcher: FaqMatcher) -> None:
    one = matcher.match(CLEAR, limit=1)
    three = matcher.match(CLEAR)
    assert len(one.matches) == 1 and len(three.matches) == 3
    assert one.decision == three.decision and one.confidence == three.confidence
    assert len(matcher.match(CLEAR, limit=5).matches) == 5


# --- ОГЭ or ЕГЭ? ------------------------------------------------------------------------------


def test_the_exam_pair_is_built_on_the_best_entry_only(matcher: FaqMatcher) -> None:
    ids = matcher._ids
    gia9, gia11 = ids.index("gia9-registration"), ids.index("gia11-registration")
    lonely = next(i for i in range(len(ids)) if i not in matcher._twins)
    scores = [0.0] * len(ids)
    scores[lonely], scores[gia9], scores[gia11] = 1.0, 0.9, 0.9
    ranked = sorted(range(len(ids)), key=lambda i: -scores[i])
    assert matcher._exam_pair(scores, ranked) is None

    scores[lonely] = 0.0
    scores[gia11] = 1.0
    scores[gia9] = matching.PAIR_RATIO  # exactly at the ratio: still a pair
    ranked = sorted(range(len(ids)), key=lambda i: -scores[i])
    assert matcher._exam_pair(scores, ranked) == (gia9, gia11)
    scores[gia9] = math.nextafter(matching.PAIR_RATIO, 0.0)
    assert matcher._exam_pair(scores, ranked) is None


def test_registration_twins_are_found_by_their_ids(matcher: FaqMatcher) -> None:
    ids = matcher._ids
    gia9, gia11 = ids.index("gia9-registration"), ids.index("gia11-registration")
    assert gia11 in matcher._twins[gia9] and gia9 in matcher._twins[gia11]
    assert all(twin != index for index, twins in matcher._twins.items() for twin in twins)


@pytest.mark.parametrize("dash", ["-", "\u2011", "\u2013", "\u2014"])
def test_an_ordinal_with_any_dash_names_the_grade(matcher: FaqMatcher, dash: str) -> None:
    assert normalize(f"заявление в 10{dash}й класс") == "заявление в 10 класс"
    assert matcher.exams_named(f"после 9{dash}го класса") == {Exam.GIA9}


@pytest.mark.parametrize(
    ("gia9", "gia11"),
    [
        ("gia9-registration", "gia11-registration"),
        ("oge-foreign-oral", "ege-foreign-oral"),
        ("gve-who-gia9", "gve-who-gia11"),  # the exam at the end of the id
        ("what-is-oge", "what-is-ege"),
    ],
)
def test_twins_are_found_wherever_the_id_names_the_exam(
    matcher: FaqMatcher, gia9: str, gia11: str
) -> None:
    ids = matcher._ids
    assert ids.index(gia11) in matcher._twins[ids.index(gia9)]
    assert ids.index(gia9) in matcher._twins[ids.index(gia11)]


def test_an_id_naming_both_exams_has_no_twin_by_its_id(faq: Faq) -> None:
    both = entry("oge-ege-x", "Чем ОГЭ отличается от ЕГЭ?")
    small = Faq(entries=(both, entry("ege-x", "Что такое ЕГЭ?")), synonyms=faq.synonyms)
    assert not FaqMatcher(small, semantic=False)._twins


def test_an_unknown_word_dilutes_the_share_of_the_question_covered(matcher: FaqMatcher) -> None:
    alone = matcher.features("шпаргалка")
    diluted = matcher.features("шпаргалка щщщщщщщщщщщщ")
    weight = matcher._idf["шпаргалка"]
    unknown = matching.UNKNOWN_FACTOR * max(matcher._idf.values())
    assert alone["asked"] == pytest.approx(1.0)
    assert diluted["asked"] == pytest.approx(weight / math.hypot(weight, unknown))


def test_an_empty_faq_sends_everything_to_an_operator(faq: Faq) -> None:
    empty = FaqMatcher(Faq(entries=(), synonyms=faq.synonyms), semantic=False)
    result = empty.match("как подать апелляцию")
    assert result.decision == Decision.TO_OPERATOR and result.top_ids == []


def test_a_question_worded_as_a_phrasing_gets_the_full_character_similarity(
    faq: Faq, matcher: FaqMatcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    question = faq.entry("cheat-sheets").question
    with_chars = matcher.match(question).matches[0]
    weight = matching.W_CHARS
    monkeypatch.setattr(matching, "W_CHARS", 0.0)
    without = matcher.match(question).matches[0]
    assert with_chars.entry_id == without.entry_id == "cheat-sheets"
    assert with_chars.score - without.score == pytest.approx(weight, abs=2e-4)


def test_a_question_naming_the_interview_prefers_the_interviews_entries(
    matcher: FaqMatcher,
) -> None:
    # The general «ill on the exam day» entry is close; the interview's own retake answers it.
    assert matcher.match("заболела в день собеседования").top_ids[0] == "interview-retake"


def test_generic_words_do_not_move_a_phrasings_meaning(faq: Faq) -> None:
    small = Faq(entries=(entry("phone", "телефон на экзамене ЕГЭ?"),), synonyms=faq.synonyms)
    matcher = FaqMatcher(small)
    assert matcher._dense_scores(matcher._query("телефон", None))[0] == pytest.approx(1.0)


def test_word_vectors_never_lead_to_generic_or_excluded_words(matcher: FaqMatcher) -> None:
    lexicon = matcher.lexicon
    reachable = {name for names in matcher._vocabulary for name in names}
    assert reachable
    assert not reachable & lexicon.not_by_meaning
    # Generic words are reached only as the group of a synonym («девятиклассник» → ГИА-9).
    assert not reachable & {"экзамен", "сдавать", "можно", "школа", "класс"}


def test_an_entry_takes_the_polarity_most_of_its_phrasings_have(faq: Faq) -> None:
    forbidden = entry("no", "Что нельзя брать на экзамен?", "Что запрещено проносить?", "Где ППЭ?")
    allowed = entry("yes", "Что можно брать на экзамен?", "Что разрешено проносить?")
    even = entry("even", "Что можно брать?", "Что нельзя брать?")
    small = Faq(entries=(forbidden, allowed, even), synonyms=faq.synonyms)
    assert FaqMatcher(small, semantic=False)._polarity == [
        Polarity.FORBIDDEN,
        Polarity.ALLOWED,
        Polarity.NEUTRAL,
    ]


def test_entries_of_one_topic_pair_across_the_exams_only(faq: Faq) -> None:
    def of(entry_id: str, audience: Audience) -> FaqEntry:
        return replace(entry(entry_id, f"Вопрос {entry_id}?"), topic="results", audience=audience)

    small = Faq(
        entries=(of("a", Audience.GIA9), of("b", Audience.GIA11), of("c", Audience.BOTH)),
        synonyms=faq.synonyms,
    )
    assert dict(FaqMatcher(small, semantic=False)._twins) == {0: {1}, 1: {0}}


def test_a_confident_best_entry_asks_with_a_wider_gap_to_its_twin(matcher: FaqMatcher) -> None:
    ids = matcher._ids
    gia9, gia11 = ids.index("gia9-exams-list"), ids.index("gia11-exams-list")
    scores = [0.0] * len(ids)
    scores[gia9], scores[gia11] = 1.0, matching.CONFIDENT_PAIR_RATIO
    ranked = sorted(range(len(ids)), key=lambda i: -scores[i])
    assert matching.CONFIDENT_PAIR_RATIO < matching.PAIR_RATIO
    assert matcher._exam_pair(scores, ranked) is None  # not confident: the narrow gap holds
    confident = matcher.answer_at
    assert matcher._exam_pair(scores, ranked, confident) == (gia9, gia11)
    below = math.nextafter(confident, 0.0)
    assert matcher._exam_pair(scores, ranked, below) is None
    scores[gia11] = math.nextafter(matching.CONFIDENT_PAIR_RATIO, 0.0)
    assert matcher._exam_pair(scores, ranked, confident) is None


def test_an_exam_neutral_question_about_the_subjects_asks_which_exam(
    matcher: FaqMatcher,
) -> None:
    result = matcher.match("Сколько предметов нужно сдавать")
    assert result.decision == Decision.ASK_EXAM
    assert result.exam_pair == ("gia9-exams-list", "gia11-exams-list")
    assert matcher.match("Сколько предметов нужно сдавать на ЕГЭ").decision != Decision.ASK_EXAM


def test_the_interview_and_the_essay_twin_apart_from_the_school_exams(
    matcher: FaqMatcher,
) -> None:
    ids = matcher._ids

    def twins_of(entry_id: str) -> set[str]:
        return {ids[i] for i in matcher._twins.get(ids.index(entry_id), ())}

    assert twins_of("interview-retake") == {"essay-retake"}
    assert twins_of("essay-results") == {"interview-results"}
    assert twins_of("gia9-registration") == {"gia11-registration"}  # not essay-registration
    essay, interview = ids.index("essay-retake"), ids.index("interview-retake")
    scores = [0.0] * len(ids)
    scores[essay], scores[interview] = 1.0, 0.9
    ranked = sorted(range(len(ids)), key=lambda i: -scores[i])
    assert matcher._exam_pair(scores, ranked) == (interview, essay)  # 9th grade first


def test_the_thread_free_product_equals_the_matrix_product() -> None:
    rng = np.random.default_rng(7)
    matrix = rng.standard_normal((40, 300)).astype(np.float32)
    vector = rng.standard_normal(300).astype(np.float32)
    product = matching._matvec(matrix, vector)
    assert product.shape == (40,)
    assert np.allclose(product, matrix @ vector, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("апеляция", "апелляция"),
        ("экзамин", "экзамен"),
        ("экзмаен", "экзамен"),
        ("рузультат", "результат"),
    ],
)
def test_a_swapped_or_missing_letter_is_corrected(
    matcher: FaqMatcher, typo: str, meant: str
) -> None:
    assert matcher._correct(typo, typo) == meant


def test_choices_resting_only_on_guessed_words_go_to_an_operator(matcher: FaqMatcher) -> None:
    text = "как получить путевку в лагерь"
    query = matcher._query(text, None)
    features = matcher.features(text)
    assert features["matched"] == 0 and query.guessed and query.unknown >= matching.UNKNOWN_AT
    assert matcher._only_guessed(query, features)
    assert matcher.match(text).decision == Decision.TO_OPERATOR
    one_sure_word = {**features, "matched": 1 / matching.MATCHED_CAP}
    assert not matcher._only_guessed(query, one_sure_word)
    assert not matcher._only_guessed(replace(query, guessed=frozenset()), features)
    assert not matcher._only_guessed(
        replace(query, unknown=math.nextafter(matching.UNKNOWN_AT, 0.0)), features
    )
    plain = "Как ОГЭ влияет на переход в 10-й класс"  # no unknown words: choices stay
    plain_query = matcher._query(plain, None)
    assert not matcher._only_guessed(plain_query, matcher.features(plain))
