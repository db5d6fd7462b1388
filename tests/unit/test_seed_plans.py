"""The two shipped plans: complete, loadable, and warning about what a careful reader notices."""

from collections import Counter
from pathlib import Path

import pytest
from test_terms_seeds import SEED_TERMS

from bot.plan.loader import LoadResult, load_plan
from bot.plan.model import Measure, Plan

PLANS_DIR = Path(__file__).resolve().parents[2] / "data" / "plans"
ALTAI = PLANS_DIR / "altai-gia-2024.yaml"
SPASSK = PLANS_DIR / "spassk-dalny-gia-2024.yaml"

# Counted from the source documents (see README, «The seed plans»).
ALTAI_MEASURES = 127
ALTAI_ITEMS = 55
SPASSK_MEASURES = 73
SPASSK_ITEMS = 24


@pytest.fixture(scope="module")
def altai() -> LoadResult:
    return load_plan(ALTAI)


@pytest.fixture(scope="module")
def spassk() -> LoadResult:
    return load_plan(SPASSK)


def loaded(result: LoadResult) -> Plan:
    assert result.errors == [], [str(e) for e in result.errors]
    assert result.plan is not None
    return result.plan


def codes(plan: Plan) -> list[str]:
    return [m.code for m in plan.measures]


def test_altai_is_complete(altai: LoadResult) -> None:
    plan = loaded(altai)

    assert len(plan.measures) == ALTAI_MEASURES
    assert sum(len(m.items) for m in plan.measures) == ALTAI_ITEMS
    main = [c for c in codes(plan) if not c.startswith("П")]
    # Every numbered row of the main table, 1.1 … 8.7 (the document has no 2.2).
    assert main[0] == "1.1"
    assert main[-1] == "8.7"
    assert Counter(c.split(".")[0] for c in main) == {
        "1": 8, "2": 5, "3": 4, "4": 7, "5": 28, "6": 14, "7": 9, "8": 7,
    }  # fmt: skip
    appendix_1 = [c for c in codes(plan) if c.startswith("П1.")]
    assert appendix_1 == [f"П1.{n}" for n in range(1, 10)]
    appendix_2 = [c for c in codes(plan) if c.startswith("П2.")]
    # The first table of Appendix 2 numbers its rows 1–15 then 18–29: the source has no 16, 17.
    assert appendix_2 == [f"П2.1.{n}" for n in [*range(1, 16), *range(18, 30)]] + [
        f"П2.2.{n}" for n in range(1, 10)
    ]


def test_spassk_is_complete(spassk: LoadResult) -> None:
    plan = loaded(spassk)

    assert len(plan.measures) == SPASSK_MEASURES
    assert sum(len(m.items) for m in plan.measures) == SPASSK_ITEMS
    assert Counter(c.split(".")[0] for c in codes(plan)) == {
        "1": 3, "2": 3, "3": 10, "4": 13, "5": 3, "6": 14, "7": 5, "8": 15, "9": 7,
    }  # fmt: skip
    by_code = {m.code: m for m in plan.measures}
    assert [i.term_text for i in by_code["7.3"].items] == [
        "Август- октябрь 2024 года",
        "Август- ноябрь 2024 года",
        "Август- декабрь 2024 года",
    ]


def test_plan_metadata(altai: LoadResult, spassk: LoadResult) -> None:
    altai_plan, spassk_plan = loaded(altai), loaded(spassk)

    assert (altai_plan.timezone.key, str(altai_plan.school_year)) == ("Asia/Barnaul", "2023/24")
    assert (altai_plan.order.number, altai_plan.order.date.isoformat()) == ("1030", "2023-10-02")
    assert (spassk_plan.timezone.key, spassk_plan.order.number) == ("Asia/Vladivostok", "102")
    assert [c.party for c in altai_plan.coordinators] == ["Полосина Н.В.", "Терновая Л.С."]
    assert [c.party for c in spassk_plan.coordinators] == ["Бондаренко Е.Г."]


def test_three_spellings_of_one_person_are_folded_with_warnings(altai: LoadResult) -> None:
    plan = loaded(altai)

    people = {p for m in plan.tasks() for p in m.parties if p.startswith("Владим")}
    assert people == {"Владимирова Е.В."}
    misspelled = {w.message.split('"')[1] for w in altai.warnings if "misspelling" in w.message}
    assert {"Владиминова Е.В.", "Владимилова Е.В."} <= misspelled


def test_out_of_period_and_impossible_years_are_warnings(
    altai: LoadResult, spassk: LoadResult
) -> None:
    outside = {(w.code, w.message) for w in [*altai.warnings, *spassk.warnings]}

    expected = {
        ("П1.8", "2022-2023 уч. г."),
        ("П1.9", "2022-2023 уч. г."),
        ("П2.1.14", "Февраль 2023 г."),
        ("П2.1.27", "Март-апрель 2023 г."),
        ("4.1/4", "Ноябрь-2022- август 2023 года"),
    }
    for code, term in expected:
        assert any(c == code and term in m and "outside" in m for c, m in outside), code
    assert any(c == "4.10" and '"204"' in m for c, m in outside)


def test_merged_cells_keep_each_sub_item_term(altai: LoadResult) -> None:
    plan = loaded(altai)

    measure = plan.task("2.1.1")
    assert isinstance(measure, Measure)
    assert len(measure.items) == 14
    assert all(item.term_text for item in measure.items)
    assert measure.items[0].parties == ("Полосина Н.В.", "Рязанов М.А.")


def test_every_plan_term_is_in_the_seed_table(altai: LoadResult, spassk: LoadResult) -> None:
    # A term written on several lines (one per <p> of the source) is the same text.
    table = {" ".join(row.text.split()) for row in SEED_TERMS}
    used = {
        " ".join(t.term_text.split())
        for r in (altai, spassk)
        for t in loaded(r).tasks()
        if t.term_text
    }

    assert sorted(used - table) == []


def test_non_date_terms_are_not_given_dates(altai: LoadResult, spassk: LoadResult) -> None:
    for plan in (loaded(altai), loaded(spassk)):
        for task in plan.tasks():
            if task.term_text and task.term_text.lower().startswith(
                ("по графику", "по отдельному")
            ):
                assert task.windows == (), task.code


def test_seed_plans_have_short_names_for_messages(altai: LoadResult, spassk: LoadResult) -> None:
    assert loaded(altai).label == "ГИА-2024, Алтайский край"
    assert loaded(spassk).label == "ГИА-2024, Спасск-Дальний"
