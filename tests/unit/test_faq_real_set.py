"""The development set of real questions (tests/faq_real): shape, split rule, labels, size."""

import hashlib
import re
from pathlib import Path

import pytest
import yaml
from faq_real.split import in_test_part, load_items, misplaced, split

from bot.faq import load_faqs

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "tests" / "faq_real"
FAQ_FILES = sorted((ROOT / "data" / "faq").glob("*.yaml"))
MIN_TOTAL = 400
MIN_TEST = 150
KEYS = {"q", "source", "source_type", "colloquial", "exam", "need", "expect"}
OPTIONAL_KEYS = {"from_url"}
SOURCE_TYPES = {
    # a family's or student's own words on the page
    "forum",
    "qa",
    "comments",
    "blog",
    # the asker's question title restored from a Q&A page's address (the page starts at the answer)
    "qa_url",
    # citizens' questions printed by an authority or a school («вопрос–ответ»)
    "official_qa",
    # a question-form heading of an explainer article: the weakest kind
    "article_heading",
    # the first collection's kinds
    "rcoi",
    "school",
    "official",
    "news_comments",
    "other",
}
EXAMS = {"gia9", "gia11", "essay", "interview", None}
NON_ENTRY_LABELS = {"operator", "missing"}
URL_RE = re.compile(r"^https?://[^\s/]+\.[^\s/]+\S*$")
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
GROWN_FAQ_SIZE = 200

Item = dict[str, object]


def _parts() -> dict[str, list[Item]]:
    return {name: load_items(FOLDER / name) for name in ("tuning.yaml", "test.yaml")}


def _all_items() -> list[Item]:
    return [item for items in _parts().values() for item in items]


def _expected_ids(item: Item) -> list[str]:
    expect = item["expect"]
    if isinstance(expect, list):
        return [str(label) for label in expect]
    return [str(expect)]


def _normalized(question: str) -> str:
    return " ".join(re.findall(r"\w+", question.casefold().replace("ё", "е")))


def test_items_have_the_documented_fields() -> None:
    for item in _all_items():
        assert KEYS <= set(item) <= KEYS | OPTIONAL_KEYS, item
        assert isinstance(item["q"], str) and item["q"].strip(), item
        assert item["source_type"] in SOURCE_TYPES, item
        assert isinstance(item["colloquial"], bool), item
        assert item["exam"] in EXAMS, item
        assert isinstance(item["need"], str) and item["need"].strip(), item
        # a title restored from an address is marked, and only Q&A-address items are
        assert (item.get("from_url") is True) == (item["source_type"] == "qa_url"), item


def test_every_item_names_its_source_page() -> None:
    for item in _all_items():
        assert isinstance(item["source"], str) and URL_RE.match(item["source"]), item


def test_every_item_sits_in_the_part_the_rule_gives() -> None:
    for name, items in _parts().items():
        for item in items:
            source = str(item["source"])
            bucket = int(hashlib.sha1(source.encode()).hexdigest(), 16) % 5
            assert (bucket < 2) == (name == "test.yaml"), (name, source)
            assert in_test_part(source) == (bucket < 2)
    assert misplaced(FOLDER) == []


def test_no_question_appears_twice() -> None:
    seen: dict[str, str] = {}
    for item in _all_items():
        key = _normalized(str(item["q"]))
        assert key not in seen, (item["q"], seen.get(key))
        seen[key] = str(item["source"])


def test_every_label_is_well_formed() -> None:
    for item in _all_items():
        labels = _expected_ids(item)
        assert labels, item
        for label in labels:
            assert label != "?", f"not labelled: {item['q']}"
            assert ID_RE.match(label), (label, item["q"])
        if len(labels) > 1:
            assert NON_ENTRY_LABELS.isdisjoint(labels), item
            assert item["exam"] is None, item  # two entries only where the question names no exam


# The labels name the entries of the grown FAQ (branch faq-data, 200+ entries); until that
# branch is merged the FAQ in this tree has 77 and most labels cannot resolve. Once the FAQ
# holds 200 entries the mark lifts by itself and every label must resolve.
_FAQ_GROWN = len(load_faqs(FAQ_FILES).ids) >= GROWN_FAQ_SIZE


@pytest.mark.xfail(
    not _FAQ_GROWN,
    strict=True,
    reason="labels use the 200+ ids of branch faq-data, not yet merged here",
)
def test_every_label_is_an_faq_entry_or_operator_or_missing() -> None:
    ids = set(load_faqs(FAQ_FILES).ids)
    for item in _all_items():
        for label in _expected_ids(item):
            assert label in ids or label in NON_ENTRY_LABELS, (label, item["q"])


@pytest.mark.xfail(
    strict=True,
    reason="241 real questions (151 tuning, 90 test), 32% colloquial, from the pages corpus "
    "after ~600 look-ups; see tests/faq_real/README.md («Shortfall»). "
    "Remove this mark once the set reaches 400 / 150 and is mostly colloquial.",
)
def test_the_set_is_large_and_mostly_colloquial() -> None:
    parts = _parts()
    items = _all_items()
    assert len(items) >= MIN_TOTAL
    assert len(parts["test.yaml"]) >= MIN_TEST
    assert 2 * sum(1 for item in items if item["colloquial"]) >= len(items)


def test_split_keeps_the_questions_of_a_page_together() -> None:
    sources = [f"https://example.org/page/{n}" for n in range(40)]
    items: list[Item] = [{"q": f"{s} {k}", "source": s} for s in sources for k in range(3)]
    tuning, test = split(items)
    assert len(tuning) + len(test) == len(items)
    tuning_pages = {item["source"] for item in tuning}
    test_pages = {item["source"] for item in test}
    assert tuning_pages.isdisjoint(test_pages)
    assert test_pages and tuning_pages  # 40 pages: both parts get some
    assert all(in_test_part(str(page)) for page in test_pages)


def test_check_reports_an_item_in_the_wrong_part(tmp_path: Path) -> None:
    source = next(
        f"https://example.org/{n}" for n in range(100) if in_test_part(f"https://example.org/{n}")
    )
    (tmp_path / "tuning.yaml").write_text(
        yaml.safe_dump([{"q": "когда результаты", "source": source}], allow_unicode=True),
        encoding="utf-8",
    )
    (tmp_path / "test.yaml").write_text("[]\n", encoding="utf-8")
    assert misplaced(tmp_path) == [f"tuning.yaml: {source}"]


def test_load_items_rejects_what_is_not_a_list_of_sourced_items(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("q: одна строка\n", encoding="utf-8")
    with pytest.raises(ValueError, match="list of mappings"):
        load_items(path)
    path.write_text("- q: без адреса\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no source"):
        load_items(path)
