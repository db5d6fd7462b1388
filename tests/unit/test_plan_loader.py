"""The plan loader: errors name file and line, warnings catch what a careful reader notices."""

from dataclasses import replace
from datetime import date, time
from pathlib import Path

import pytest

from bot.plan.control import ControlSettings
from bot.plan.loader import LoadResult, load_plan, load_plan_text
from bot.plan.schema import CoordinatorRole
from bot.reminders.policy import DEFAULT_SETTINGS
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


# ------------------------------------------------------------ reminders and events


def with_top_level(block: str, text: str = VALID_PLAN) -> str:
    """The plan with `block` (top-level YAML keys) written just before its sections."""
    return text.replace("\nsections:\n", f"\n{block}sections:\n", 1)


def line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


RELATIVE_MEASURE = """\
      - code: "1.3"
        title: Третье
        term: за 1 месяц до начала экзамена
        responsible: Рязанов М.А.
"""


def with_relative_measure(text: str) -> str:
    return text.replace('      - code: "2.1"\n', RELATIVE_MEASURE + '      - code: "2.1"\n', 1)


def test_plan_without_reminder_settings_gets_the_defaults() -> None:
    plan = load(VALID_PLAN).plan

    assert plan is not None
    assert plan.reminder_settings == DEFAULT_SETTINGS
    assert dict(plan.events) == {}


def test_reminder_settings_are_merged_over_the_defaults() -> None:
    text = with_top_level(
        "reminders:\n"
        "  send_hour: 10\n"
        "  send_minute: 30\n"
        "  days_before: [7, 2]\n"
        "  overdue_limit: 5\n"
        "  quiet_start: 22:00\n"  # YAML 1.1 reads this as the base-60 number 1320
        "  quiet_end: 7:00\n"
        "  ongoing_status_check: false\n"
    )

    result = load(text)

    assert result.errors == []
    assert result.plan is not None
    assert result.plan.reminder_settings == replace(
        DEFAULT_SETTINGS,
        send_hour=10,
        send_minute=30,
        days_before=(7, 2),
        overdue_limit=5,
        quiet_start=time(22, 0),
        quiet_end=time(7, 0),
        ongoing_status_check=False,
    )


def test_plan_settings_are_merged_over_the_given_global_defaults() -> None:
    defaults = replace(DEFAULT_SETTINGS, send_hour=10, overdue_limit=1)
    text = with_top_level('reminders:\n  send_minute: 15\n  quiet_end: "07:00"\n')

    plan = load_plan_text(text, FILE, reminder_defaults=defaults).plan

    assert plan is not None
    settings = plan.reminder_settings
    assert (settings.send_time, settings.overdue_limit) == (time(10, 15), 1)
    assert settings.quiet_end == time(7, 0)


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("send_hour: 24", "less than or equal to 23"),
        ("days_before: [3, 3]", "days_before must not repeat a day"),
        ("days_before: [0]", "greater than or equal to 1"),
        ("overdue_limit: 21", "less than or equal to 20"),
        ("overdue_every_working_days: 0", "greater than or equal to 1"),
        ("quiet_start: 21", 'write a time as "HH:MM"'),
        ("quiet_end: 25:00", "valid time"),
        ("snooze: 5", 'unknown field "snooze"'),
    ],
)
def test_invalid_reminder_settings_are_errors_on_their_line(setting: str, message: str) -> None:
    text = with_top_level(f"reminders:\n  notify_on_open: true\n  {setting}\n")

    result = load(text)

    assert result.plan is None
    [error] = result.errors
    assert message in error.message
    assert error.line == line_of(text, setting)


def test_send_time_inside_quiet_hours_is_a_warning() -> None:
    text = with_top_level("reminders:\n  send_hour: 22\n")

    result = load(text)

    assert result.errors == []
    [warning] = [w for w in result.warnings if "quiet hours" in w.message]
    assert warning.line == line_of(text, "send_hour: 22")
    assert "22:00 is inside quiet hours 21:00–08:00" in warning.message


def test_events_are_loaded_in_date_order() -> None:
    text = with_relative_measure(
        with_top_level("events:\n  exam: [2024-05-28, 2024-05-23]\n  essay: 2023-12-06\n")
    )

    result = load(text)

    assert result.errors == []
    assert result.plan is not None
    assert dict(result.plan.events) == {
        "exam": (date(2024, 5, 23), date(2024, 5, 28)),
        "essay": (date(2023, 12, 6),),
    }
    assert not any("is not declared" in w.message for w in result.warnings)
    [unused] = [w for w in result.warnings if "no term uses it" in w.message]
    assert unused.line == line_of(text, "essay:")
    assert unused.message == 'event "essay" is declared but no term uses it'


def test_relative_term_with_an_undeclared_event_is_a_warning() -> None:
    text = with_relative_measure(VALID_PLAN)

    result = load(text)

    assert result.errors == []
    [warning] = [w for w in result.warnings if "is not declared" in w.message]
    assert (warning.code, warning.line) == ("1.3", line_of(text, "за 1 месяц до начала экзамена"))
    assert warning.message == 'event "exam" is not declared: no reminders until a date is set'


@pytest.mark.parametrize(
    ("events", "message"),
    [
        ("events:\n  exam: []\n", 'event "exam" needs at least one date'),
        ("events:\n  Экзамен: 2024-05-23\n", "should match pattern"),
        ("events:\n  exam: [23.05.2024]\n", "valid date"),
    ],
)
def test_invalid_events_are_errors(events: str, message: str) -> None:
    result = load(with_top_level(events))

    assert result.plan is None
    assert any(message in e.message for e in result.errors), [e.message for e in result.errors]


def test_control_section_and_coordinators_become_control_settings() -> None:
    text = VALID_PLAN.replace(
        "directory:\n",
        "control: {acceptance: true, escalate_after_working_days: 3, weekly_digest: false}\n"
        "directory:\n",
        1,
    )
    result = load(text)
    assert result.plan is not None, messages(result)
    control = result.plan.control
    assert control == ControlSettings(
        acceptance=True,
        escalate_after_working_days=3,
        weekly_digest=False,
        coordinators=(("Полосина Н.В.", CoordinatorRole.COORDINATES),),
    )
    assert control.escalation_parties() == ("Полосина Н.В.",)
    assert ControlSettings.from_json(control.to_json()) == control


def test_control_defaults_escalate_after_five_working_days() -> None:
    result = load(VALID_PLAN)
    assert result.plan is not None
    assert result.plan.control.acceptance is False
    assert result.plan.control.escalate_after_working_days == 5
    assert ControlSettings.from_json(None) == ControlSettings()


@pytest.mark.parametrize("days", [0, 61, "пять"])
def test_escalation_days_out_of_range_is_an_error(days: object) -> None:
    text = VALID_PLAN.replace(
        "directory:\n", f"control: {{escalate_after_working_days: {days}}}\ndirectory:\n", 1
    )
    result = load(text)
    assert result.plan is None
    assert any("escalate_after_working_days" in m for m in messages(result))


def test_a_plan_controlled_only_escalates_to_its_controller() -> None:
    control = ControlSettings(coordinators=(("Бондаренко Е.Г.", CoordinatorRole.CONTROLS),))
    assert control.escalation_parties() == ("Бондаренко Е.Г.",)
    assert control.controlling_parties() == ("Бондаренко Е.Г.",)


def test_the_short_name_is_what_messages_call_the_plan() -> None:
    unnamed = load(VALID_PLAN).plan
    named = load(VALID_PLAN.replace("id: test-plan\n", "id: test-plan\nname: ГИА-2024, Край\n"))

    assert unnamed is not None and named.plan is not None
    assert (unnamed.name, unnamed.label) == (None, "test-plan")
    assert (named.plan.name, named.plan.label) == ("ГИА-2024, Край", "ГИА-2024, Край")


def test_a_name_too_long_for_a_header_is_an_error_on_its_line() -> None:
    result = load(VALID_PLAN.replace("id: test-plan\n", f"id: test-plan\nname: {'Я' * 61}\n"))

    assert result.plan is None
    [error] = result.errors
    assert error.line == 2
    assert "60" in error.message
