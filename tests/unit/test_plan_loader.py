"""The plan loader: errors name file and line, warnings catch what a careful reader notices."""

from datetime import date
from pathlib import Path

import pytest

from bot.plan.loader import LoadResult, load_plan, load_plan_text
from bot.terms import TermKind

FILE = "plans/test.yaml"

VALID_PLAN = """\
id: test-plan
title: План мероприятий
authority: Министерство
order: {number: "1", date: 2023-10-02}
region: Край
timezone: Asia/Barnaul
school_year: 2023/24
coordinators:
  - {party: Полосина Н.В., role: coordinates}
directory:
  people:
    - name: Полосина Н.В.
    - name: Рязанов М.А.
    - name: Владимирова Е.В.
      misspellings: [Владиминова Е.В.]
  organisations:
    - {name: МОУО, kind: category, full_name: муниципальные органы управления образованием}
    - {name: ОО, kind: category}
    - {name: ПК ИРО, kind: single}
    - {name: ПК, kind: category}
  groups:
    - {name: руководители МОУО, of: МОУО}
sections:
  - code: "1"
    title: Раздел
    measures:
      - code: "1.1"
        title: Первое
        term: октябрь 2023
        responsible: Полосина Н.В. Рязанов М.А.
        parties: [Полосина Н.В., Рязанов М.А.]
      - code: "1.2"
        title: Второе
        term: в течение учебного года
        responsible: руководители МОУО, ОО
      - code: "2.1"
        title: С подпунктами
        responsible: Рязанов М.А.
        parties: [Рязанов М.А.]
        items:
          - title: – первое
            term: ноябрь 2023
          - title: – второе
            term: до 31.12.2023
"""


def load(text: str) -> LoadResult:
    return load_plan_text(text, FILE)


def messages(result: LoadResult) -> list[str]:
    return [str(d) for d in result.diagnostics]


def test_valid_plan_loads_measures_items_and_parties() -> None:
    result = load(VALID_PLAN)

    assert result.errors == []
    plan = result.plan
    assert plan is not None
    assert [m.code for m in plan.measures] == ["1.1", "1.2", "2.1"]
    first = plan.measures[0]
    assert first.kind is TermKind.FIXED
    assert [(w.start, w.end) for w in first.windows] == [(date(2023, 10, 1), date(2023, 10, 31))]
    assert plan.measures[1].parties == ("руководители МОУО", "ОО")
    items = plan.measures[2].items
    assert [i.code for i in items] == ["2.1/1", "2.1/2"]
    assert items[1].windows[0].start is None
    assert items[1].parties == ("Рязанов М.А.",)
    assert plan.task("2.1/2") is items[1]
    assert plan.coordinators[0].party == "Полосина Н.В."


def test_malformed_yaml_names_file_and_line() -> None:
    result = load(VALID_PLAN.replace("title: Второе", "title: [Второе"))

    assert result.plan is None
    assert len(result.errors) == 1
    error = result.errors[0]
    assert error.file == FILE
    assert error.line is not None
    assert "malformed YAML" in error.message
    assert str(error).startswith(f"{FILE}:{error.line}:")


def test_unknown_party_suggests_the_close_name() -> None:
    result = load(VALID_PLAN.replace("parties: [Рязанов М.А.]", "parties: [Рязанов М]"))

    assert result.plan is None
    line = VALID_PLAN.splitlines().index("        parties: [Рязанов М.А.]") + 1
    assert [str(e) for e in result.errors] == [
        f'{FILE}:{line}: measure 2.1: unknown party "Рязанов М"; did you mean "Рязанов М.А."?'
    ]


def test_duplicate_measure_code_is_an_error_with_both_lines() -> None:
    result = load(VALID_PLAN.replace('code: "1.2"', 'code: "1.1"'))

    assert result.plan is None
    [error] = result.errors
    first_line = VALID_PLAN.splitlines().index('      - code: "1.1"') + 1
    second_line = VALID_PLAN.splitlines().index('      - code: "1.2"') + 1
    assert error.line == second_line
    assert error.code == "1.1"
    assert f"duplicate measure code (first used on line {first_line})" in error.message


def test_bad_time_zone_is_an_error_on_its_line() -> None:
    result = load(VALID_PLAN.replace("Asia/Barnaul", "Asia/Barnual"))

    assert result.plan is None
    [error] = result.errors
    assert error.line == 6
    assert 'unknown time zone "Asia/Barnual"' in error.message


def test_unquoted_numeric_code_asks_for_quotes() -> None:
    result = load(VALID_PLAN.replace('code: "1.2"', "code: 1.2"))

    [error] = result.errors
    assert error.line == VALID_PLAN.splitlines().index('      - code: "1.2"') + 1
    assert "quoted string" in error.message


def test_unknown_field_and_missing_field_are_reported_where_they_are() -> None:
    text = VALID_PLAN.replace("        title: Первое\n", "        titel: Первое\n")
    result = load(text)

    found = {e.message for e in result.errors}
    assert any('unknown field "titel"' in m for m in found)
    assert any('missing required field "title"' in m for m in found)
    assert all(e.code == "1.1" for e in result.errors)


def test_duplicate_yaml_key_is_not_silently_dropped() -> None:
    text = VALID_PLAN.replace(
        "        term: октябрь 2023\n", "        term: октябрь 2023\n        term: ноябрь 2023\n"
    )
    result = load(text)

    assert any('duplicate key "term"' in e.message for e in result.errors)


def test_misspelled_person_is_folded_with_a_warning() -> None:
    text = VALID_PLAN.replace(
        "        responsible: Рязанов М.А.\n        parties: [Рязанов М.А.]",
        "        responsible: Владиминова Е.В.\n        parties: [Владиминова Е.В.]",
    )
    result = load(text)

    assert result.errors == []
    assert result.plan is not None
    assert result.plan.measures[2].parties == ("Владимирова Е.В.",)
    misspelling = [w for w in result.warnings if "misspelling" in w.message]
    assert len(misspelling) == 1
    assert '"Владиминова Е.В." is a misspelling of "Владимирова Е.В."' in misspelling[0].message


def test_parties_and_responsible_text_are_cross_checked() -> None:
    text = VALID_PLAN.replace(
        "        responsible: Полосина Н.В. Рязанов М.А.\n",
        "        responsible: Полосина Н.В., ПК ИРО, Неизвестный отдел\n",
    )
    result = load(text)

    found = [w.message for w in result.warnings if w.code == "1.1"]
    assert 'party "Рязанов М.А." is not named in the responsible text' in found
    assert 'the responsible text names "ПК ИРО", missing from parties' in found
    assert 'no party in the directory matches "неизвестный отдел" in the responsible text' in found


def test_longest_name_wins_so_abbreviations_do_not_collide() -> None:
    text = VALID_PLAN.replace("responsible: руководители МОУО, ОО", "responsible: ПК ИРО, ПК")
    result = load(text)

    assert result.plan is not None
    assert result.plan.measures[1].parties == ("ПК ИРО", "ПК")


def test_group_must_be_drawn_from_a_category() -> None:
    result = load(VALID_PLAN.replace("of: МОУО}", "of: ПК ИРО}"))

    assert any("not an organisation category" in e.message for e in result.errors)


def test_out_of_period_term_is_a_warning_not_an_error() -> None:
    result = load(VALID_PLAN.replace("term: октябрь 2023", "term: Февраль 2023 г."))

    assert result.errors == []
    assert any(w.code == "1.1" and "outside" in w.message for w in result.warnings)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    result = load_plan(tmp_path / "absent.yaml")

    [error] = result.errors
    assert "absent.yaml" in str(error)


@pytest.mark.parametrize("text", ["", "- just\n- a list\n"])
def test_not_a_plan_at_all(text: str) -> None:
    result = load(text)

    assert result.plan is None
    assert result.errors
