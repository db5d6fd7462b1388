"""FAQ matching: accuracy on the labelled questions, typos, spoken Russian, operator routing."""

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.faq import Audience, Decision, Faq, FaqEntry, FaqMatcher, load_faq
from bot.faq.lexicon import Exam
from bot.faq.text import normalize
from bot.faq.vectors import VectorsError, load_navec, read_navec

LABELLED = Path(__file__).resolve().parents[1] / "faq_labelled.yaml"
MIN_ANSWERABLE = 150
MIN_OPERATOR_BOUND = 20
TOP1_TARGET = 0.85
TOP3_TARGET = 0.93  # 204 entries since issue 10 (77 before): more close neighbours
ROUTED_TARGET = 0.80
MAX_ANSWERABLE_TO_OPERATOR = 0.10


@pytest.fixture(scope="module")
def faq() -> Faq:
    return load_faq()


@pytest.fixture(scope="module")
def matcher(faq: Faq) -> FaqMatcher:
    return FaqMatcher(faq)


@pytest.fixture(scope="module")
def labelled() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = yaml.safe_load(LABELLED.read_text(encoding="utf-8"))["questions"]
    return rows


def answerable(rows: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(row["question"], row["expected"]) for row in rows if row["expected"]]


def operator_bound(rows: list[dict[str, Any]]) -> list[str]:
    return [row["question"] for row in rows if row["expected"] is None]


def test_labelled_set_is_big_enough_and_names_real_entries(
    faq: Faq, labelled: list[dict[str, Any]]
) -> None:
    pairs = answerable(labelled)
    assert len(pairs) >= MIN_ANSWERABLE
    assert len(operator_bound(labelled)) >= MIN_OPERATOR_BOUND
    assert {expected for _, expected in pairs} <= set(faq.ids)
    questions = [row["question"].strip().lower() for row in labelled]
    assert len(set(questions)) == len(questions), "a labelled question is repeated"


def test_labelled_questions_are_not_copies_of_faq_phrasings(
    faq: Faq, labelled: list[dict[str, Any]]
) -> None:
    phrasings = {normalize(p) for entry in faq.entries for p in entry.phrasings}
    copies = [row["question"] for row in labelled if normalize(row["question"]) in phrasings]
    assert copies == []


def test_top1_and_top3_accuracy_on_the_labelled_set(
    matcher: FaqMatcher, labelled: list[dict[str, Any]]
) -> None:
    pairs = answerable(labelled)
    ranked = [(matcher.match(question).top_ids, expected) for question, expected in pairs]
    top1 = sum(ids[:1] == [expected] for ids, expected in ranked) / len(pairs)
    top3 = sum(expected in ids[:3] for ids, expected in ranked) / len(pairs)
    assert top1 >= TOP1_TARGET
    assert top3 >= TOP3_TARGET


def test_answerable_questions_rarely_go_to_an_operator(
    matcher: FaqMatcher, labelled: list[dict[str, Any]]
) -> None:
    pairs = answerable(labelled)
    sent = sum(matcher.match(q).decision == Decision.TO_OPERATOR for q, _ in pairs)
    assert sent / len(pairs) <= MAX_ANSWERABLE_TO_OPERATOR


def test_operator_bound_questions_are_routed_to_an_operator(
    matcher: FaqMatcher, labelled: list[dict[str, Any]]
) -> None:
    questions = operator_bound(labelled)
    routed = sum(matcher.match(q).decision == Decision.TO_OPERATOR for q in questions)
    assert routed / len(questions) >= ROUTED_TARGET


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("как подать аппеляцию если не согласен с балами", "appeal-scores"),
        ("когда будут резултаты экзамина", "results-when"),
        ("можно ли мабильный на огэ", "phone-at-exam"),
        ("итоговое сочинени незачот что делать", "essay-retake"),
        ("EГЭ досрочно можно?", "early-period"),  # a Latin «E»
    ],
)
def test_typos_are_tolerated(matcher: FaqMatcher, question: str, expected: str) -> None:
    assert matcher.match(question).top_ids[0] == expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("а если я заболел в день экзамена?", "illness-exam-day"),
        ("ну а если я телефон в кармане забуду, что будет", "phone-at-exam"),
        ("слушайте, а черновики на экзамене вообще кто-то проверяет?", "drafts"),
        ("короче не пустят если без паспорта приду?", "no-passport-exam-day"),
    ],
)
def test_spoken_questions_are_answered(matcher: FaqMatcher, question: str, expected: str) -> None:
    # Answered, or offered first among the choices: never a guess at another entry.
    result = matcher.match(question)
    assert result.decision in {Decision.ANSWER, Decision.CLARIFY}
    assert result.top_ids[0] == expected


def test_capitals_emoji_and_yo_do_not_change_the_match(matcher: FaqMatcher) -> None:
    plain = matcher.match("что будет если найдут телефон на экзамене")
    shouted = matcher.match("ЧТО БУДЕТ ЕСЛИ НАЙДУТ ТЕЛЕФОН НА ЭКЗАМЕНЕ 😱📱!!!")
    assert shouted == plain
    assert matcher.match("зачёт по сочинению") == matcher.match("зачет по сочинению")


@pytest.mark.parametrize("text", ["", "   ", "Здравствуйте!", "спасибо", "🙂🙂", "фывапролдж"])
def test_greetings_and_gibberish_go_to_an_operator_with_no_candidates(
    matcher: FaqMatcher, text: str
) -> None:
    result = matcher.match(text)
    assert result.decision == Decision.TO_OPERATOR
    assert result.matches == ()
    assert result.confidence == 0.0


def test_unrelated_question_goes_to_an_operator(matcher: FaqMatcher) -> None:
    result = matcher.match("где оформить загранпаспорт ребёнку для поездки на море")
    assert result.decision == Decision.TO_OPERATOR


def test_gia9_and_gia11_words_pick_the_right_registration(matcher: FaqMatcher) -> None:
    assert matcher.match("до какого числа заявление на ОГЭ").top_ids[0] == "gia9-registration"
    assert matcher.match("до какого числа заявление на ЕГЭ").top_ids[0] == "gia11-registration"
    assert matcher.match("заявление на экзамены 9 класс срок").top_ids[0] == "gia9-registration"


def test_result_shape(matcher: FaqMatcher) -> None:
    result = matcher.match("апелляция по баллам")
    assert 0.0 <= result.confidence <= 1.0
    assert len(result.matches) == 3
    scores = [match.score for match in result.matches]
    assert scores == sorted(scores, reverse=True)
    assert result.best is not None
    assert result.best.entry_id == result.top_ids[0]
    assert len(matcher.match("апелляция по баллам", limit=5).matches) == 5


def test_clarify_offers_the_close_candidates(matcher: FaqMatcher) -> None:
    result = matcher.match("сочинение")
    assert result.decision != Decision.TO_OPERATOR
    assert all(entry_id.startswith("essay") for entry_id in result.top_ids)


def test_an_added_entry_is_matched_by_a_new_index(faq: Faq) -> None:
    draft = FaqEntry(
        id="draft-17",
        question="Есть ли в пункте проведения экзамена гардероб для курток?",
        alternatives=("Куда деть верхнюю одежду в ППЭ зимой?",),
        answer="Ответ оператора.",
        topic="schedule",
        audience=Audience.GIA11,
        source="Ответ оператора горячей линии",
        actual_on=date(2026, 11, 23),
        review_by=date(2027, 9, 1),
    )
    # (The FAQ answers moving to another region itself since school-transfer-before-gia.)
    question = "а куртку где оставить в ппэ, гардероб там есть?"
    assert FaqMatcher(faq).match(question).top_ids[0] != "draft-17"
    assert FaqMatcher(faq.with_entries(draft)).match(question).top_ids[0] == "draft-17"


# --- issue 10: meaning, generic words, negation, polarity, exams, «ОГЭ or ЕГЭ?» -------------


@pytest.mark.parametrize(
    "question", ["кто сдает ЕГЭ?", "как сдавать огэ", "когда ЕГЭ", "можно ли сдавать экзамен"]
)
def test_generic_words_alone_are_never_a_confident_answer(
    matcher: FaqMatcher, question: str
) -> None:
    assert matcher.match(question).decision != Decision.ANSWER


def test_a_generic_word_weighs_less_than_a_word_about_something(matcher: FaqMatcher) -> None:
    generic = matcher.match("результаты ЕГЭ когда").top_ids[0]
    assert generic == matcher.match("результаты когда").top_ids[0]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("у сына ангина, а завтра экзамен", "illness-exam-day"),
        ("сын слабовидящий, какие условия на экзамене", "ovz-special-conditions"),
    ],
)
def test_everyday_words_reach_the_official_wording(
    matcher: FaqMatcher, question: str, expected: str
) -> None:
    result = matcher.match(question)
    assert result.top_ids[0] == expected
    assert result.decision in {Decision.ANSWER, Decision.CLARIFY}


def test_a_word_the_faq_never_uses_is_matched_by_meaning(faq: Faq) -> None:
    # «лихорадка» is in no phrasing and no synonym group: only the word vectors link it to illness.
    question = "лихорадка в день экзамена что делать"
    by_meaning = FaqMatcher(faq).match(question)
    by_words = FaqMatcher(faq, semantic=False).match(question)
    assert by_meaning.top_ids[0] == "illness-exam-day"
    assert by_meaning.decision != Decision.TO_OPERATOR
    assert by_words.top_ids[0] != "illness-exam-day"


def test_failing_and_not_taking_an_exam_are_different_needs(matcher: FaqMatcher) -> None:
    failed = matcher.match("не сдал ЕГЭ по математике").top_ids[0]
    absent = matcher.match("не пришёл на экзамен что будет").top_ids[0]
    assert failed == "gia11-retake-mandatory"
    assert absent in {"valid-reasons", "illness-exam-day"}
    assert matcher.match("не сдал огэ что делать").top_ids[0] == "gia9-retake"


FORBIDDEN_ENTRY = FaqEntry(
    id="forbidden-items",
    question="Что запрещено брать с собой на экзамен?",
    alternatives=("Что нельзя проносить в ППЭ?", "Какие вещи нельзя брать на экзамен?"),
    answer="Запрещены средства связи, справочные материалы, записи.",
    topic="exam_day",
    audience=Audience.BOTH,
    source="Порядок ГИА-11 (приказ № 233/552)",
    actual_on=date(2026, 11, 23),
    review_by=date(2027, 9, 1),
)
ALLOWED_ENTRY = FaqEntry(
    id="allowed-items",
    question="Что разрешено брать с собой на экзамен?",
    alternatives=("Что можно проносить в ППЭ?", "Какие вещи можно брать на экзамен?"),
    answer="Можно взять ручку, документ, лекарства и питание.",
    topic="exam_day",
    audience=Audience.BOTH,
    source="Порядок ГИА-11 (приказ № 233/552)",
    actual_on=date(2026, 11, 23),
    review_by=date(2027, 9, 1),
)


@pytest.mark.parametrize(
    ("question", "expected", "not_expected"),
    [
        ("что нельзя брать на экзамен", "forbidden-items", "allowed-items"),
        ("какие вещи запрещены на огэ", "forbidden-items", "allowed-items"),
        ("что не разрешают проносить в ппэ", "forbidden-items", "allowed-items"),
        ("что можно взять с собой на экзамен", "allowed-items", "forbidden-items"),
        ("какие вещи разрешено брать на ЕГЭ", "allowed-items", "forbidden-items"),
    ],
)
def test_forbidden_is_not_answered_with_allowed_and_vice_versa(
    faq: Faq, question: str, expected: str, not_expected: str
) -> None:
    result = FaqMatcher(faq.with_entries(FORBIDDEN_ENTRY, ALLOWED_ENTRY)).match(question, 10)
    ranked = result.top_ids
    assert ranked[0] != not_expected
    # The added entry of the asked polarity ranks above the one of the other polarity.
    assert ranked.index(expected) < (
        ranked.index(not_expected) if not_expected in ranked else len(ranked)
    )
    # The shipped «what to bring» entry says both what is allowed and what is forbidden (asked
    # both ways, so it has no polarity), and may answer either as well as the added one.
    assert ranked[0] in {expected, "what-to-bring", "allowed-aids"}


@pytest.mark.parametrize(
    ("question", "exams"),
    [
        ("сын девятиклассник, что сдавать", {Exam.GIA9}),
        ("после 9 класса в колледж", {Exam.GIA9}),
        ("поступаю в вуз, какие баллы нужны", {Exam.GIA11}),
        ("что будет на ЕГЭ по физике", {Exam.GIA11}),
        ("итоговое сочинение когда", {Exam.ESSAY}),
        ("итоговое собеседование в 9 классе", {Exam.INTERVIEW, Exam.GIA9}),
        ("когда результаты", set()),
    ],
)
def test_the_exam_is_read_from_the_words(
    matcher: FaqMatcher, question: str, exams: set[Exam]
) -> None:
    assert matcher.exams_named(question) == exams


@pytest.mark.parametrize(
    ("question", "pair"),
    [
        (
            "до какого числа подать заявление на экзамены?",
            ("gia9-registration", "gia11-registration"),
        ),
        ("кого допускают к экзаменам", ("gia9-admission", "gia11-admission")),
        ("как пересдать если не сдал", ("gia9-retake", "gia11-retake-mandatory")),
    ],
)
def test_an_answer_that_depends_on_the_exam_asks_which_one(
    matcher: FaqMatcher, question: str, pair: tuple[str, str]
) -> None:
    result = matcher.match(question)
    assert result.decision == Decision.ASK_EXAM
    assert result.exam_pair == pair
    assert result.entry_for(Exam.GIA9) == pair[0]
    assert result.entry_for(Exam.GIA11) == pair[1]

    for exam, entry_id in ((Exam.GIA9, pair[0]), (Exam.GIA11, pair[1])):
        chosen = matcher.match(question, exam=exam)
        assert chosen.decision != Decision.ASK_EXAM
        assert chosen.top_ids[0] == entry_id


def test_a_named_exam_wins_over_the_conversations_choice(matcher: FaqMatcher) -> None:
    result = matcher.match("до какого числа заявление на ЕГЭ", exam=Exam.GIA9)
    assert result.decision != Decision.ASK_EXAM
    assert result.top_ids[0] == "gia11-registration"


def test_a_personal_story_goes_to_an_operator(matcher: FaqMatcher) -> None:
    question = "учительница в нашей школе сказала что моего сына не допустят, это законно?"
    assert matcher.match(question).decision == Decision.TO_OPERATOR


def test_the_word_vectors_come_from_the_installed_package() -> None:
    vectors = load_navec()
    assert len(vectors) > 200_000
    illness = vectors.vector("болезнь")
    flu = vectors.vector("грипп")
    assert illness is not None and flu is not None
    assert abs(float(illness @ illness) - 1.0) < 1e-4
    table = vectors.vector("стол")
    assert table is not None
    assert float(illness @ flu) > float(illness @ table)
    assert vectors.vector("фывапролдж") is None


def test_a_missing_vectors_file_is_an_error_not_a_crash(tmp_path: Path) -> None:
    with pytest.raises(VectorsError):
        read_navec(tmp_path / "none.tar")
    broken = tmp_path / "broken.tar"
    broken.write_bytes(b"not a tar file")
    with pytest.raises(VectorsError):
        read_navec(broken)
