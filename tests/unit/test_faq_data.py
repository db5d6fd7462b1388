"""The FAQ data: the bundled file's content, loader errors, regional facts, review dates."""

import re
from datetime import date
from pathlib import Path

import pytest

from bot.faq import (
    Audience,
    Faq,
    FaqEntry,
    FaqError,
    hotline_facts,
    load_faq,
    load_faqs,
    looks_like_complaint,
)
from bot.faq.model import PLACEHOLDER_RE

MIN_ENTRIES = 200
CHECKED_ON = date(2026, 11, 23)
SECOND_PASS_ON = date(2026, 12, 5)  # the entries added or corrected for issue 10
# Federal facts an answer may state; anything regional comes from a {hotline.*} placeholder.
FEDERAL_PHONES = {"8-800-2000-122"}  # Детский телефон доверия
FEDERAL_SITES = {"fipi.ru", "obrnadzor.gov.ru", "checkege.rustest.ru"}
PHONE_RE = re.compile(r"(?:\+7|8)[\s(-]*\d{3}[\s)-]*\d{3,4}[\s-]*\d{2,3}[\s-]*\d{2,3}")
SCHOOL_YEAR_RE = re.compile(r"\d{4}/\d{2}(?:–\d{4}/\d{2})?")
SITE_RE = re.compile(r"\b[\w-]+(?:\.[\w-]+)*\.(?:ru|рф|org|com|gov)\b")

HOTLINE = {
    "phone": "8 (3852) 00-00-00",
    "hours": "пн–пт 9:00–18:00",
    "registration_places": "отделы образования районов",
}

VALID_ENTRY = """\
  - id: {id}
    topic: results
    audience: both
    question: Когда будут результаты?
    alternatives:
      - Сколько ждать баллы?
    answer: Смотрите {{hotline.results_website}}.
    source: Порядок ГИА-11 (приказ № 233/552)
    school_year: 2025/26–2026/27
    actual_on: 2026-11-23
    review_by: {review_by}
"""
HEADER = """\
version: 1
topics: {results: Результаты}
placeholders:
  results_website: на сайте РЦОИ
entries:
"""


def write_faq(tmp_path: Path, body: str, name: str = "faq.yaml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def valid_faq(entry_id: str = "results-when", review_by: str = "2027-09-01") -> str:
    return HEADER + VALID_ENTRY.format(id=entry_id, review_by=review_by)


@pytest.fixture(scope="module")
def faq() -> Faq:
    return load_faq()


def test_bundled_faq_covers_the_asked_topics(faq: Faq) -> None:
    assert len(faq.entries) >= MIN_ENTRIES
    assert {entry.topic for entry in faq.entries} == set(faq.topics)
    assert {entry.audience for entry in faq.entries} == set(Audience)
    for required in ("registration", "essay", "interview", "appeals", "retakes", "gve_ovz"):
        assert sum(entry.topic == required for entry in faq.entries) >= 2, required
    # The topics issue 10 found missing, each with more than a token entry.
    for required in ("basics", "admission", "school_path", "foreign", "awards", "psychology"):
        assert sum(entry.topic == required for entry in faq.entries) >= 3, required
    essay_content = {
        "essay-literary-material",
        "essay-genre",
        "essay-quotes",
        "essay-factual-errors",
    }
    assert essay_content | {"essay-handwriting", "essay-word-count"} <= set(faq.ids)


def test_bundled_entries_carry_source_and_dates(faq: Faq) -> None:
    for entry in faq.entries:
        assert len(entry.alternatives) >= 3, entry.id
        assert entry.actual_on in (CHECKED_ON, SECOND_PASS_ON), entry.id
        assert entry.review_by > entry.actual_on, entry.id
        assert entry.source, entry.id
    sources = " ".join(entry.source for entry in faq.entries)
    assert "232/551" in sources
    assert "233/552" in sources


def test_bundled_answers_state_no_regional_fact(faq: Faq) -> None:
    for entry in faq.entries:
        assert set(PHONE_RE.findall(entry.answer)) <= FEDERAL_PHONES, entry.id
        assert set(SITE_RE.findall(entry.answer)) <= FEDERAL_SITES, entry.id
        assert entry.placeholders() <= faq.fallbacks.keys(), entry.id


def test_bundled_answers_render_without_braces_with_or_without_facts(faq: Faq) -> None:
    for entry in faq.entries:
        for facts in ({}, HOTLINE):
            rendered = faq.render(entry.id, facts)
            assert "{" not in rendered, entry.id
            assert "}" not in rendered, entry.id


def test_every_bundled_entry_has_a_source_a_school_year_and_a_review_date(faq: Faq) -> None:
    for entry in faq.entries:
        assert entry.source.strip(), entry.id
        assert SCHOOL_YEAR_RE.fullmatch(entry.school_year), entry.id
        first, _, last = entry.school_year.partition("–")
        # Every rule stated must hold for the current school year or the next one.
        assert first <= "2026/27", entry.id
        assert (last or first) >= "2025/26", entry.id
        assert entry.review_by > entry.actual_on, entry.id


# Facts issue 10 found out of date: each entry states the rule in force and names its source.
CORRECTED_FACTS = [
    (
        "ege-retake-improve",
        [
            "один раз пересдать ЕГЭ по одному любому предмету",
            "русский язык или математику",
            "сменить уровень",
            "начале июля",
            "аннулируется",
        ],
        "243/802",
    ),
    ("gia11-retake-mandatory", ["Если не сданы оба", "в июле", "не ранее 1 сентября"], "243/802"),
    (
        "reserve-days",
        [
            "не более чем по двум любым предметам",
            "выпускники прошлых лет сдают ЕГЭ в досрочный",
            "резервные дни основного периода",
        ],
        "233/552",
    ),
    ("gia9-retake", ["не более чем по двум любым предметам", "или по выбору"], "232/551"),
    ("ege-minimum-scores", ["каждое ведомство-учредитель", "других министерств"], "№ 845"),
    ("oge-grading-scale", ["рекомендует Рособрнадзор", "письмом"], "№ 02-20"),
    ("allowed-aids", ["совместным приказом Минпросвещения России и Рособрнадзора"], "№ 1904"),
    (
        "parents-at-exam",
        [
            "С 2025 года на ЕГЭ",
            "представители родительских комитетов",
            "не являются родственниками участников, сдающих экзамен в этом ППЭ",
        ],
        "232/551",
    ),
    (
        "public-observer",
        ["С 2025 года на ЕГЭ", "не являются родственниками участников"],
        "233/552",
    ),
    ("removal-consequences", ["удаляется с экзамена", "акт об", "аннулируется"], "232/551"),
    ("essay-topics-bank", ["закрытого банка тем", "шесть тем"], "Структура закрытого банка"),
    ("essay-directions", ["закрытого банка тем", "три раздела"], "закрытого банка"),
    (
        "early-period",
        ["Выпускники прошлых лет с 2024 года сдают ЕГЭ в досрочный период"],
        "233/552",
    ),
]


@pytest.mark.parametrize(("entry_id", "phrases", "source"), CORRECTED_FACTS)
def test_the_out_of_date_facts_are_corrected(
    faq: Faq, entry_id: str, phrases: list[str], source: str
) -> None:
    entry = faq.entry(entry_id)
    answer = " ".join(entry.answer.split())
    for phrase in phrases:
        assert phrase in answer, (entry_id, phrase)
    assert source in entry.source
    assert entry.actual_on == SECOND_PASS_ON
    assert entry.school_year == "2025/26–2026/27"


def test_the_corrections_drop_the_old_statements(faq: Faq) -> None:
    assert "один предмет ЕГЭ по выбору" not in faq.entry("ege-retake-improve").answer
    assert "ФИПИ" not in faq.entry("oge-grading-scale").answer
    assert "устанавливает Минобрнауки России, а вузы" not in faq.entry("ege-minimum-scores").answer
    assert "в следующем году" not in faq.entry("removal-consequences").answer
    # The essay topics come from a closed bank; only the изложение texts are in an open one.
    for entry in faq.entries:
        assert "открытого банка тем" not in entry.answer, entry.id
    # Where the 2023/24 rule of the seed plans differed, the entry says how.
    for entry_id in (
        "ege-retake-improve",
        "gia11-retake-mandatory",
        "reserve-days",
        "parents-at-exam",
    ):
        assert faq.entry(entry_id).earlier_rule, entry_id


# Facts the third pass of issue 10 added, each checked against the source it names.
ADDED_FACTS = [
    (
        "past-graduates-when",
        ["досрочный период", "резервные дни основного периода", "В дополнительный (сентябрьский)"],
        "243/802",
    ),
    ("foreign-russian-test-failed", ["не ранее чем через три месяца", "только устно"], "№ 170"),
    ("foreign-russian-test-exempt", ["переводятся из одной российской школы", "ГИА-9"], "№ 171"),
    ("admission-special-quota", ["Особая квота — не менее 10%", "Отдельная квота"], "ч. 5.1"),
    ("admission-target", ["«Работа России»", "после зачисления"], "№ 555"),
    ("medal-rounding", ["среднее арифметическое полугодовых и годовых", "баллы ЕГЭ"], "№ 730"),
    (
        "college-after-10th",
        ["аттестат об основном общем образовании", "справку об обучении"],
        "№ 457",
    ),
    ("essay-memorized-text", ["«незачёт» за работу в целом"], "требование № 2"),
    ("oge-two-exams-college", ["русскому языку и математике", "до 2029 года"], "18.12.2025"),
]


@pytest.mark.parametrize(("entry_id", "phrases", "source"), ADDED_FACTS)
def test_the_added_facts_name_their_source(
    faq: Faq, entry_id: str, phrases: list[str], source: str
) -> None:
    entry = faq.entry(entry_id)
    answer = " ".join(entry.answer.split())
    for phrase in phrases:
        assert phrase in answer, (entry_id, phrase)
    assert source in " ".join(entry.source.split())
    assert entry.actual_on == SECOND_PASS_ON


def test_rules_that_changed_since_the_seed_plans_say_how(faq: Faq) -> None:
    for entry_id in ("past-graduates-when", "foreign-russian-test-failed", "admission-target"):
        assert faq.entry(entry_id).earlier_rule, entry_id


# What a source must name: a document with its number, or an official body or site.
OFFICIAL_SOURCE_RE = re.compile(
    r"№|ФИПИ|Рособрнадзор|Минпросвещения|Минобрнауки|РЦОИ|Порядок|Порядки|Федеральный закон"
    r"|fipi\.ru|obrnadzor\.gov\.ru|раздела hotline плана"
)


def test_every_source_names_an_official_document_or_body(faq: Faq) -> None:
    for entry in faq.entries:
        assert OFFICIAL_SOURCE_RE.search(entry.source), entry.id


def test_answers_give_no_medical_advice(faq: Faq) -> None:
    psychology = [entry for entry in faq.entries if entry.topic == "psychology"]
    assert len(psychology) >= 6
    for entry in psychology:
        answer = entry.answer.lower()
        for advice in ("вдох на", "спите не меньше", "двух недель", "выпейте", "примите"):
            assert advice not in answer, (entry.id, advice)
        assert "психолог" in answer or "8-800-2000-122" in answer, entry.id


def test_answers_that_differ_by_exam_come_in_pairs(faq: Faq) -> None:
    pairs = [
        ("gve-who-gia9", "gve-who-gia11"),
        ("gia9-retake", "gia11-retake-mandatory"),
        ("gia9-registration", "gia11-registration"),
        ("what-is-oge", "what-is-ege"),
    ]
    for gia9, gia11 in pairs:
        assert faq.entry(gia9).audience == Audience.GIA9
        assert faq.entry(gia11).audience == Audience.GIA11


def test_the_appeal_deadlines_are_stated(faq: Faq) -> None:
    violation = faq.entry("appeal-procedure-violation").answer
    scores = faq.entry("appeal-scores").answer
    assert "не покидая ППЭ" in violation
    assert "двух рабочих дней" in scores
    assert "1 марта" in faq.entry("gia9-registration").answer
    assert "1 февраля" in faq.entry("gia11-registration").answer


def test_placeholders_are_filled_from_the_hotline_facts(faq: Faq) -> None:
    rendered = faq.render("hotline-contacts", HOTLINE)
    assert "8 (3852) 00-00-00" in rendered
    assert "пн–пт 9:00–18:00" in rendered


def test_a_missing_fact_says_where_to_find_it(faq: Faq) -> None:
    rendered = faq.render("hotline-contacts", {"hours": "круглосуточно"})
    assert faq.fallbacks["phone"] in rendered
    assert "круглосуточно" in rendered
    assert faq.render("hotline-contacts", {"phone": "  "}) == faq.render("hotline-contacts")
    assert not PLACEHOLDER_RE.search(faq.render("hotline-contacts"))


def test_the_complaint_note_names_where_official_appeals_go(faq: Faq) -> None:
    assert faq.fallbacks["official_appeals"] in faq.render_note("complaint")
    note = faq.render_note("complaint", {"official_appeals": "приёмная министерства, ул. Мира, 1"})
    assert "приёмная министерства, ул. Мира, 1" in note


def test_hotline_facts_from_a_plan_section() -> None:
    raw = {
        "phone": 88002000000,
        "registration_places": ["МОУО города", " ", "школы района"],
        "hours": None,
        "website": "  ",
    }
    assert hotline_facts(raw) == {
        "phone": "88002000000",
        "registration_places": "МОУО города; школы района",
    }
    assert hotline_facts(None) == {}
    assert hotline_facts(["not", "a", "mapping"]) == {}


def test_entries_due_for_review() -> None:
    def entry(entry_id: str, review_by: date) -> FaqEntry:
        return FaqEntry(
            id=entry_id,
            question="?",
            alternatives=("?",),
            answer="!",
            topic="results",
            audience=Audience.BOTH,
            source="Порядок",
            actual_on=date(2026, 1, 1),
            review_by=review_by,
        )

    faq = Faq(
        entries=(
            entry("later", date(2027, 9, 1)),
            entry("soon", date(2027, 2, 1)),
            entry("first", date(2027, 1, 15)),
        )
    )
    assert faq.entries_due_for_review(date(2027, 2, 1)) == [faq.entry("first")]
    assert [e.id for e in faq.entries_due_for_review(date(2027, 2, 2))] == ["first", "soon"]
    assert len(faq.entries_due_for_review(date(2027, 9, 2))) == 3


def test_bundled_faq_is_not_due_when_written(faq: Faq) -> None:
    assert faq.entries_due_for_review(CHECKED_ON) == []
    last = max(entry.review_by for entry in faq.entries)
    assert len(faq.entries_due_for_review(date(last.year + 1, 1, 1))) == len(faq.entries)


def test_a_valid_file_loads(tmp_path: Path) -> None:
    faq = load_faq(write_faq(tmp_path, valid_faq()))
    assert faq.ids == ["results-when"]
    assert faq.render("results-when") == "Смотрите на сайте РЦОИ."
    assert faq.entry("results-when").school_year == "2025/26–2026/27"
    assert faq.entry("results-when").earlier_rule == ""
    assert faq.entry("results-when").review_by == date(2027, 9, 1)


def test_the_earlier_rule_is_kept(tmp_path: Path) -> None:
    body = valid_faq().replace(
        "    school_year: 2025/26–2026/27\n",
        "    school_year: 2025/26\n    earlier_rule: В 2023/24 результаты объявляли позже.\n",
    )
    entry = load_faq(write_faq(tmp_path, body)).entry("results-when")
    assert entry.school_year == "2025/26"
    assert entry.earlier_rule == "В 2023/24 результаты объявляли позже."


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            valid_faq().replace("    question: Когда будут результаты?\n", ""),
            'entry "results-when": question: required field is missing',
        ),
        (
            valid_faq().replace("audience: both", "audience: gia10"),
            'entry "results-when": audience: Input should be',
        ),
        (
            valid_faq().replace("topic: results", "topic: money"),
            'entry "results-when": topic "money" is not listed in "topics"',
        ),
        (
            valid_faq().replace("{hotline.results_website}", "{hotline.phone}"),
            'entry "results-when": no fallback for placeholder {hotline.phone}',
        ),
        (
            valid_faq(review_by="2026-01-01"),
            'entry "results-when": review_by 2026-01-01 must come after actual_on 2026-11-23',
        ),
        (
            valid_faq().replace("    source: Порядок", "    sourse: Порядок"),
            'entry "results-when": sourse: unknown field',
        ),
        (
            valid_faq().replace("id: results-when", "id: Results When"),
            'entry "Results When": id: String should match pattern',
        ),
        (
            valid_faq() + VALID_ENTRY.format(id="results-when", review_by="2027-09-01"),
            'entry "results-when": the id is used more than once',
        ),
        (
            valid_faq().replace("{hotline.results_website}", "{hotline.results_website"),
            'entry "results-when": answer has a brace',
        ),
        (
            HEADER.replace("version: 1", "version: 2")
            + VALID_ENTRY.format(id="a", review_by="2027-09-01"),
            "version: Input should be 1",
        ),
        ("version: 1\ntopics: {a: A}\nentries: [\n", "line 4: not valid YAML"),
        (valid_faq() + "synonyms: missing.yaml\n", "synonyms file"),
        (
            valid_faq().replace("    school_year: 2025/26–2026/27\n", ""),
            'entry "results-when": school_year: required field is missing',
        ),
        (
            valid_faq().replace("school_year: 2025/26–2026/27", "school_year: скоро"),
            'entry "results-when": school_year: String should match pattern',
        ),
        (
            valid_faq(review_by="2027-02-30"),
            "entry \"results-when\": review_by: '2027-02-30' is not a real date",
        ),
        (
            valid_faq(review_by='"2027-02-30"'),
            "entry \"results-when\": review_by: '2027-02-30' is not a real date",
        ),
        (
            valid_faq().replace("actual_on: 2026-11-23", "actual_on: 2026-13-01"),
            "entry \"results-when\": actual_on: '2026-13-01' is not a real date",
        ),
    ],
)
def test_loader_errors_name_the_file_and_the_entry(
    tmp_path: Path, body: str, message: str
) -> None:
    path = write_faq(tmp_path, body)
    with pytest.raises(FaqError) as caught:
        load_faq(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


def test_an_entry_without_an_id_is_named_by_its_position(tmp_path: Path) -> None:
    body = valid_faq() + VALID_ENTRY.format(id="x", review_by="2027-09-01").replace(
        "  - id: x\n    topic", "  - topic"
    )
    with pytest.raises(FaqError, match=r"entry #2 \(no id\): id: required field is missing"):
        load_faq(write_faq(tmp_path, body))


def test_a_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(FaqError, match="cannot read the file"):
        load_faq(tmp_path / "nope.yaml")


def test_several_files_merge_and_ids_must_not_clash(tmp_path: Path) -> None:
    first = write_faq(tmp_path, valid_faq("results-when"), "a.yaml")
    second = write_faq(tmp_path, valid_faq("results-where"), "b.yaml")
    assert load_faqs([first, second]).ids == ["results-when", "results-where"]
    clash = write_faq(tmp_path, valid_faq("results-when"), "c.yaml")
    with pytest.raises(FaqError, match=r'entry "results-when" is also in'):
        load_faqs([first, clash])


@pytest.mark.parametrize(
    "text",
    [
        "Прошу принять меры! Организатор кричал на детей",
        "Обращаюсь к министру образования: разберитесь со школой №5",
        "Я напишу жалобу в прокуратуру",
        "требую разобраться и наказать виновных",
        "это нарушение прав ребёнка, подам в суд",
        "хочу пожаловаться на директора",
        "официальное заявление: в ППЭ не работали камеры",
    ],
)
def test_formal_complaints_are_recognised(text: str) -> None:
    assert looks_like_complaint(text)


@pytest.mark.parametrize(
    "text",
    [
        "как подать апелляцию о несогласии с баллами",
        "можно ли пожаловаться на баллы за ОГЭ",
        "не согласен с результатом, что делать",
        "когда будут результаты ЕГЭ",
        "министерство образования выложило расписание?",
        "",
    ],
)
def test_ordinary_questions_are_not_complaints(text: str) -> None:
    assert not looks_like_complaint(text)
