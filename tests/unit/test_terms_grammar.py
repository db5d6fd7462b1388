"""Generalisation cases for the term parser: Russian date grammar not taken from the seeds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from bot.terms import ParsedTerm, SchoolYear, TermKind, Window, parse_term, term_to_json

FIXED = TermKind.FIXED
ONGOING = TermKind.ONGOING
EXTERNAL = TermKind.EXTERNAL
RELATIVE = TermKind.RELATIVE
RECURRING = TermKind.RECURRING
MIXED = TermKind.MIXED

SY = SchoolYear(2023)
SY_WINDOW = ("2023-09-01", "2024-08-31")


@dataclass(frozen=True, slots=True)
class Case:
    text: str
    kind: TermKind
    windows: tuple[tuple[str | None, str], ...] = ()
    rule: str | None = None
    event: str | None = None
    offset_days: int | None = None
    labels: tuple[str | None, ...] | None = None
    qualifiers: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()  # substrings; empty means "no warnings at all"
    school_year: SchoolYear = SY


def month(year: int, m: int) -> tuple[str, str]:
    last = (date(year + (m == 12), m % 12 + 1, 1) - date(year, m, 1)).days
    return f"{year}-{m:02d}-01", f"{year}-{m:02d}-{last:02d}"


def day(iso: str) -> tuple[str, str]:
    return iso, iso


def until(iso: str) -> tuple[None, str]:
    return None, iso


CASES: list[Case] = [
    # --- months in any case, capitalisation and abbreviation
    Case("в январе 2024", FIXED, (month(2024, 1),)),
    Case("Сентябре 2024 года", FIXED, (month(2024, 9),)),
    Case("АПРЕЛЬ 2024", FIXED, (month(2024, 4),)),
    Case("в марте", FIXED, (month(2024, 3),)),
    Case("в ноябре", FIXED, (month(2023, 11),)),
    Case("сент. 2023", FIXED, (month(2023, 9),)),
    Case("окт.-дек. 2023", FIXED, (("2023-10-01", "2023-12-31"),)),
    Case("к маю 2024 г.", FIXED, (until("2024-05-31"),)),
    # --- dashes and «с … по …» ranges
    Case("март—апрель 2024", FIXED, (("2024-03-01", "2024-04-30"),)),
    Case("март − апрель 2024", FIXED, (("2024-03-01", "2024-04-30"),)),
    Case("с октября 2023 по май 2024", FIXED, (("2023-10-01", "2024-05-31"),)),
    Case("с ноября по декабрь 2023 г.", FIXED, (("2023-11-01", "2023-12-31"),)),
    Case("с 15 марта до 1 апреля 2024 г.", FIXED, (("2024-03-15", "2024-04-01"),)),
    Case("с 1 по 15 марта 2024", FIXED, (("2024-03-01", "2024-03-15"),)),
    Case("1–15 марта", FIXED, (("2024-03-01", "2024-03-15"),)),
    Case("от 1 марта до 30 апреля 2024", FIXED, (("2024-03-01", "2024-04-30"),)),
    Case("01.03.2024 – 15.03.2024", FIXED, (("2024-03-01", "2024-03-15"),)),
    Case("25-30.05.2024", FIXED, (("2024-05-25", "2024-05-30"),)),
    # --- year resolution
    Case("октябрь – май", FIXED, (("2023-10-01", "2024-05-31"),)),
    Case("октябрь – май 2024", FIXED, (("2023-10-01", "2024-05-31"),)),
    Case("май – октябрь", FIXED, (("2024-05-01", "2024-10-31"),)),
    Case("ноябрь 2023 – февраль", FIXED, (("2023-11-01", "2024-02-29"),)),
    Case(
        "май 2024 – октябрь 2023",
        FIXED,
        (until("2023-10-31"),),
        warnings=("starts after it ends",),
    ),
    # --- lists
    Case("март и май 2024", FIXED, (month(2024, 3), month(2024, 5))),
    Case("октябрь, май 2024", FIXED, (month(2023, 10), month(2024, 5))),
    Case(
        "сентябрь, декабрь 2023, март 2024",
        FIXED,
        (month(2023, 9), month(2023, 12), month(2024, 3)),
    ),
    Case("март, апрель, 2024 г.", FIXED, (month(2024, 3), month(2024, 4))),
    Case(
        "10, 20 и 30 апреля 2024",
        FIXED,
        (day("2024-04-10"), day("2024-04-20"), day("2024-04-30")),
    ),
    Case("январь 2024 июнь 2024", FIXED, (month(2024, 1), month(2024, 6))),
    # --- numeric dates with broken spacing
    Case("31.12.23", FIXED, (day("2023-12-31"),)),
    Case("1.3.2024", FIXED, (day("2024-03-01"),)),
    Case("01.03", FIXED, (day("2024-03-01"),)),
    Case("15.10", FIXED, (day("2023-10-15"),)),
    Case("2024-03-01", FIXED, (day("2024-03-01"),)),
    Case("02.10.2023г.", FIXED, (day("2023-10-02"),)),
    Case("01 .03.2024", FIXED, (day("2024-03-01"),)),
    Case("1-го марта 2024 г.", FIXED, (day("2024-03-01"),)),
    Case("03.2024", FIXED, (month(2024, 3),)),
    Case("12.2023 – 05.2024", FIXED, (("2023-12-01", "2024-05-31"),)),
    Case("01.09.2023г.-31.05.2024г.", FIXED, (("2023-09-01", "2024-05-31"),)),
    Case("до 20.04. 2024 г.", FIXED, (until("2024-04-20"),)),
    # --- deadlines
    Case("до 15 мая", FIXED, (until("2024-05-15"),)),
    Case("до мая 2024", FIXED, (until("2024-05-31"),)),
    Case("не позднее 1 марта 2024", FIXED, (until("2024-03-01"),)),
    Case("не позже 10.02.2024", FIXED, (until("2024-02-10"),)),
    Case("в срок до 15.10.2023", FIXED, (until("2023-10-15"),)),
    Case("к 1 сентября 2024 г.", FIXED, (until("2024-09-01"),)),
    Case("по 20 мая 2024 года", FIXED, (until("2024-05-20"),)),
    Case("до конца марта", FIXED, (until("2024-03-31"),)),
    Case("до конца 2023 года", FIXED, (until("2023-12-31"),)),
    Case(
        "<ul><li>до 1 марта</li><li>до 1 апреля</li></ul>",
        FIXED,
        (until("2024-03-01"), until("2024-04-01")),
    ),
    Case(
        "с 1 марта 2024",
        FIXED,
        (("2024-03-01", "2024-08-31"),),
        warnings=("open-ended",),
    ),
    # --- school-year forms
    Case("2023/24 учебного года", ONGOING, (SY_WINDOW,)),
    Case("2023–2024 учебный год", ONGOING, (SY_WINDOW,)),
    Case("на протяжении 2023/24 учебного года", ONGOING, (SY_WINDOW,)),
    Case("учебного года", ONGOING, (SY_WINDOW,)),
    Case("в течение всего учебного года", ONGOING, (SY_WINDOW,)),
    Case(
        "в течение учебного года",
        ONGOING,
        (("2024-09-01", "2025-08-31"),),
        school_year=SchoolYear(2024),
    ),
    Case(
        "2024/25 учебный год",
        ONGOING,
        (("2024-09-01", "2025-08-31"),),
        school_year=SchoolYear(2024),
    ),
    Case(
        "Ноябрь - март 2024/2025 уч. г.",
        FIXED,
        (("2024-11-01", "2025-03-31"),),
        school_year=SchoolYear(2024),
    ),
    Case("2023–2024 гг.", FIXED, (("2023-01-01", "2024-12-31"),)),
    Case("в 2024 году", FIXED, (("2024-01-01", "2024-12-31"),)),
    # --- quarters, halves, school terms
    Case("I квартал 2024", FIXED, (("2024-01-01", "2024-03-31"),)),
    Case("1 кв. 2024", FIXED, (("2024-01-01", "2024-03-31"),)),
    Case("IV квартал", FIXED, (("2023-10-01", "2023-12-31"),)),
    Case("в III квартале", FIXED, (("2024-07-01", "2024-09-30"),)),
    Case("I–II квартал 2024 года", FIXED, (("2024-01-01", "2024-06-30"),)),
    Case("первое полугодие", FIXED, (("2023-09-01", "2023-12-31"),)),
    Case("второе полугодие 2023/24 уч. года", FIXED, (("2024-01-01", "2024-05-31"),)),
    Case("I полугодие 2024 года", FIXED, (("2024-01-01", "2024-06-30"),)),
    Case("2 четверть", FIXED, (("2023-11-01", "2023-12-31"),)),
    # --- decades, parts of a month, seasons
    Case("первая декада мая", FIXED, (("2024-05-01", "2024-05-10"),)),
    Case("в третьей декаде марта 2024", FIXED, (("2024-03-21", "2024-03-31"),)),
    Case("II декада апреля", FIXED, (("2024-04-11", "2024-04-20"),)),
    Case("начало марта", FIXED, (("2024-03-01", "2024-03-10"),)),
    Case("середина ноября", FIXED, (("2023-11-11", "2023-11-20"),)),
    Case("в конце мая 2024 года", FIXED, (("2024-05-21", "2024-05-31"),)),
    Case("первая половина февраля", FIXED, (("2024-02-01", "2024-02-15"),)),
    Case("последняя декада мая 2024", FIXED, (("2024-05-21", "2024-05-31"),)),
    # weeks of a month: days 1-7, 8-14, 15-21, 22-28; «последняя» the month's last seven days
    Case("первая неделя сентября", FIXED, (("2023-09-01", "2023-09-07"),)),
    Case("3-я неделя марта 2024", FIXED, (("2024-03-15", "2024-03-21"),)),
    Case("в четвертую неделю апреля", FIXED, (("2024-04-22", "2024-04-28"),)),
    Case("1-2 неделя сентября 2023", FIXED, (("2023-09-01", "2023-09-14"),)),
    Case("последняя неделя августа 2024", FIXED, (("2024-08-25", "2024-08-31"),)),
    Case("последняя неделя февраля 2024", FIXED, (("2024-02-23", "2024-02-29"),)),
    Case("последний день августа", FIXED, (("2024-08-31", "2024-08-31"),)),
    Case("последний день февраля 2024", FIXED, (("2024-02-29", "2024-02-29"),)),
    Case("до последнего дня сентября", FIXED, (until("2023-09-30"),)),
    Case("до последнего числа августа 2024", FIXED, (until("2024-08-31"),)),
    Case("последнее число мая", FIXED, (("2024-05-31", "2024-05-31"),)),
    Case("весна 2024", FIXED, (("2024-03-01", "2024-05-31"),)),
    Case("осенью", FIXED, (("2023-09-01", "2023-11-30"),)),
    # --- ongoing
    Case("постоянно", ONGOING, (SY_WINDOW,)),
    Case("систематически", ONGOING, (SY_WINDOW,)),
    Case("регулярно", ONGOING, (SY_WINDOW,)),
    Case("весь период", ONGOING, (SY_WINDOW,)),
    Case("в течение всего периода", ONGOING, (SY_WINDOW,)),
    Case("в течение 2024 года", ONGOING, (("2024-01-01", "2024-12-31"),)),
    # issue 11: a duration without its event is relative, never the whole school year
    Case(
        "в течение месяца", RELATIVE, event="event", offset_days=30, warnings=("names no event",)
    ),
    Case("в период проведения экзаменов", ONGOING, (SY_WINDOW,)),
    Case("в течение всего периода подготовки к ГИА", ONGOING, (SY_WINDOW,)),
    Case("в течение первого полугодия", ONGOING, (("2023-09-01", "2023-12-31"),)),
    # --- external
    Case("по запросу", EXTERNAL),
    Case("по мере поступления документов", EXTERNAL),
    Case("согласно приказу Минпросвещения", EXTERNAL),
    Case("в сроки, установленные Рособрнадзором", EXTERNAL),
    Case("по расписанию ЕГЭ", EXTERNAL),
    Case("по согласованию", EXTERNAL),
    Case("сроки устанавливаются Рособрнадзором", EXTERNAL),
    Case("по утвержденному графику", EXTERNAL),
    Case("в соответствии с приказом министерства", EXTERNAL),
    # --- recurring
    Case("ежемесячно", RECURRING, rule="FREQ=MONTHLY"),
    Case("ежемесячно до 25 числа", RECURRING, rule="FREQ=MONTHLY;BYMONTHDAY=25"),
    Case("до 25 числа каждого месяца", RECURRING, rule="FREQ=MONTHLY;BYMONTHDAY=25"),
    Case("до 5-го числа каждого месяца", RECURRING, rule="FREQ=MONTHLY;BYMONTHDAY=5"),
    Case("в последний день месяца", RECURRING, rule="FREQ=MONTHLY;BYMONTHDAY=-1"),
    Case("ежемесячно, до последнего числа", RECURRING, rule="FREQ=MONTHLY;BYMONTHDAY=-1"),
    Case("до последнего числа каждого месяца", RECURRING, rule="FREQ=MONTHLY;BYMONTHDAY=-1"),
    Case("еженедельно", RECURRING, rule="FREQ=WEEKLY"),
    Case("еженедельно по пятницам", RECURRING, rule="FREQ=WEEKLY;BYDAY=FR"),
    Case("по вторникам и четвергам", RECURRING, rule="FREQ=WEEKLY;BYDAY=TU,TH"),
    Case("каждый понедельник", RECURRING, rule="FREQ=WEEKLY;BYDAY=MO"),
    Case("ежеквартально", RECURRING, rule="FREQ=MONTHLY;INTERVAL=3"),
    Case(
        "ежеквартально до 5 числа месяца, следующего за отчетным кварталом",
        RECURRING,
        rule="FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=5",
    ),
    Case("ежедневно", RECURRING, rule="FREQ=DAILY"),
    Case("ежегодно", RECURRING, rule="FREQ=YEARLY"),
    Case("1 раз в месяц", RECURRING, rule="FREQ=MONTHLY"),
    Case("раз в неделю", RECURRING, rule="FREQ=WEEKLY"),
    Case("раз в две недели", RECURRING, rule="FREQ=WEEKLY;INTERVAL=2"),
    Case("не реже одного раза в квартал", RECURRING, rule="FREQ=MONTHLY;INTERVAL=3"),
    Case(
        "1 раз в четверть",
        RECURRING,
        rule="FREQ=MONTHLY;INTERVAL=2",
        warnings=("school term",),
    ),
    Case(
        "2 раза в год",
        RECURRING,
        rule="FREQ=MONTHLY;INTERVAL=6",
        warnings=("approximated",),
    ),
    # --- relative to an event
    Case("за 2 недели до экзамена", RELATIVE, event="exam", offset_days=-14),
    Case("за 3 дня до ЕГЭ", RELATIVE, event="exam", offset_days=-3),
    Case("за 10 календарных дней до начала ГИА", RELATIVE, event="exam", offset_days=-10),
    Case("в день экзамена", RELATIVE, event="exam", offset_days=0),
    Case("в день проведения ОГЭ", RELATIVE, event="exam", offset_days=0),
    Case("накануне экзамена", RELATIVE, event="exam", offset_days=-1),
    Case("в течение 2 дней после экзамена", RELATIVE, event="exam", offset_days=2),
    Case(
        "в течение 3 рабочих дней после объявления результатов",
        RELATIVE,
        event="results",
        offset_days=3,
    ),
    Case("после объявления результатов", RELATIVE, event="results", offset_days=0),
    Case("по итогам ГИА", RELATIVE, event="results", offset_days=0),
    Case(
        "не позднее чем за две недели до итогового сочинения",
        RELATIVE,
        event="essay",
        offset_days=-14,
    ),
    Case("за месяц до итогового собеседования", RELATIVE, event="interview", offset_days=-30),
    Case(
        "в течение 5 дней после подачи апелляции",
        RELATIVE,
        event="appeal",
        offset_days=5,
    ),
    Case("в 3-дневный срок после экзамена", RELATIVE, event="exam", offset_days=3),
    Case("к началу экзамена", RELATIVE, event="exam", offset_days=0),
    Case(
        "в течение 10 дней со дня получения результатов",
        RELATIVE,
        event="results",
        offset_days=10,
    ),
    # --- mixed
    Case("ноябрь 2023, далее по графику ФЦТ", MIXED, (month(2023, 11),)),
    Case("март 2024; в день экзамена", MIXED, (month(2024, 3),), event="exam", offset_days=0),
    Case(
        "ежемесячно, с октября 2023 по май 2024",
        MIXED,
        (("2023-10-01", "2024-05-31"),),
        rule="FREQ=MONTHLY",
    ),
    Case("еженедельно в течение учебного года", MIXED, (SY_WINDOW,), rule="FREQ=WEEKLY"),
    # --- qualifiers
    Case(
        "ГИА-9: апрель 2024; ГИА-11: май 2024",
        FIXED,
        (month(2024, 4), month(2024, 5)),
        labels=("ГИА-9", "ГИА-11"),
        qualifiers=("ГИА-9", "ГИА-11"),
    ),
    Case(
        "для ГИА–9 - март, для ГИА–11 - апрель 2024",
        FIXED,
        (month(2024, 3), month(2024, 4)),
        labels=("ГИА-9", "ГИА-11"),
        qualifiers=("ГИА-9", "ГИА-11"),
    ),
    Case(
        "<p>для ГИА 9: март 2024</p><br><p>для ГИА 11: май 2024</p>",
        FIXED,
        (month(2024, 3), month(2024, 5)),
        labels=("ГИА-9", "ГИА-11"),
        qualifiers=("ГИА-9", "ГИА-11"),
    ),
    Case(
        "апрель 2024 (ЕГЭ), май 2024 (ОГЭ)",
        FIXED,
        (month(2024, 4), month(2024, 5)),
        labels=("ЕГЭ", "ОГЭ"),
        qualifiers=("ЕГЭ", "ОГЭ"),
    ),
    Case(
        "апрель–май 2024 г. (ГИА-9, ГИА-11)",
        FIXED,
        (("2024-04-01", "2024-05-31"),),
        labels=("ГИА-9, ГИА-11",),
        qualifiers=("ГИА-9", "ГИА-11"),
    ),
    Case(
        "до 01.02.2024 (ИС-11), до 01.03.2024 (ИС-9)",
        FIXED,
        (until("2024-02-01"), until("2024-03-01")),
        labels=("ИС-11", "ИС-9"),
        qualifiers=("ИС-11", "ИС-9"),
    ),
    Case(  # a remark in brackets closes its item: the later label is not its
        "до 20.12.2023 (итоговое сочинение), до 01.02.2024 (ГИА-11)",
        FIXED,
        (until("2023-12-20"), until("2024-02-01")),
        labels=(None, "ГИА-11"),
        qualifiers=("ГИА-11",),
    ),
    Case(
        "(ГИА-9) до 01.03.2024",
        FIXED,
        (until("2024-03-01"),),
        labels=("ГИА-9",),
        qualifiers=("ГИА-9",),
    ),
    Case(
        "9 класс: март; 11 класс: май",
        FIXED,
        (month(2024, 3), month(2024, 5)),
        labels=("9 класс", "11 класс"),
        qualifiers=("9 класс", "11 класс"),
    ),
    Case(
        "Досрочный период: март 2024; основной период: май–июнь 2024",
        FIXED,
        (month(2024, 3), ("2024-05-01", "2024-06-30")),
        labels=("Досрочный период", "основной период"),
        qualifiers=("Досрочный период", "основной период"),
    ),
    # --- impossible years: warn, say what was assumed
    Case(
        "май 20244",
        FIXED,
        (month(2024, 5),),
        warnings=('impossible year "20244"', "assumed 2024"),
    ),
    Case(
        "до 01.03.204",
        FIXED,
        (until("2024-03-01"),),
        warnings=('impossible year "204"', "assumed 2024"),
    ),
    Case(
        "ноябрь 223 года",
        FIXED,
        (month(2023, 11),),
        warnings=('impossible year "223"', "assumed 2023"),
    ),
    # --- outside the plan period (kept as written, with a warning)
    Case(
        "сентябрь 2025",
        FIXED,
        (month(2025, 9),),
        warnings=('term "сентябрь 2025" is outside the plan period 2023/24',),
    ),
    Case(
        "Январь 2023 г.",
        FIXED,
        (month(2023, 1),),
        warnings=("outside the plan period 2023/24",),
    ),
    Case(
        "2021/22 учебный год",
        ONGOING,
        (("2021-09-01", "2022-08-31"),),
        warnings=("outside the plan period 2023/24",),
    ),
    Case("Сентябрь 2024 – декабрь 2024", FIXED, (("2024-09-01", "2024-12-31"),)),
    # --- dirty input
    Case("  Март\u00a0 2024 г..  ", FIXED, (month(2024, 3),)),
    Case("Ноябрь&nbsp;2023", FIXED, (month(2023, 11),)),
    Case("хрен знает когда", EXTERNAL, warnings=('could not parse term "хрен знает когда"',)),
    Case("", EXTERNAL, warnings=("could not parse term",)),
    Case("31.02.2024", EXTERNAL, warnings=("invalid date", "could not parse term")),
]


def _iso(term: ParsedTerm) -> tuple[tuple[str | None, str], ...]:
    return tuple(
        (w.start.isoformat() if w.start is not None else None, w.end.isoformat())
        for w in term.windows
    )


@pytest.mark.parametrize("case", CASES, ids=[c.text[:50] or "<empty>" for c in CASES])
def test_grammar(case: Case) -> None:
    term = parse_term(case.text, case.school_year)
    assert term.kind is case.kind
    assert _iso(term) == case.windows
    assert term.rule == case.rule
    assert (term.event, term.offset_days) == (case.event, case.offset_days)
    if case.labels is not None:
        assert tuple(w.label for w in term.windows) == case.labels
    assert term.qualifiers == case.qualifiers
    if case.warnings:
        for expected in case.warnings:
            assert any(expected in w for w in term.warnings), (expected, term.warnings)
    else:
        assert term.warnings == ()


def test_enough_generalisation_cases() -> None:
    assert len(CASES) >= 60
    assert len({(c.text, c.school_year) for c in CASES}) == len(CASES)


# ------------------------------------------------------------------ SchoolYear


@pytest.mark.parametrize("text", ["2023/24", "2023/2024", "2023-2024", "2023–24", " 2023 / 24 "])
def test_school_year_parse(text: str) -> None:
    assert SchoolYear.parse(text) == SchoolYear(2023)


@pytest.mark.parametrize("text", ["2023", "2023/25", "2023-2023", "23/24", "учебный год", ""])
def test_school_year_parse_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        SchoolYear.parse(text)


def test_school_year_properties() -> None:
    sy = SchoolYear(2023)
    assert sy.second == 2024
    assert sy.start == date(2023, 9, 1)
    assert sy.end == date(2024, 8, 31)
    assert [sy.year_for_month(m) for m in (9, 12, 1, 8)] == [2023, 2023, 2024, 2024]
    assert str(sy) == "2023/24"
    assert str(SchoolYear(2099)) == "2099/00"
    with pytest.raises(ValueError):
        sy.year_for_month(13)


# ---------------------------------------------------------------------- Window


def test_window_rejects_start_after_end() -> None:
    with pytest.raises(ValueError):
        Window(date(2024, 2, 1), date(2024, 1, 1))
    assert Window(None, date(2024, 1, 1)).start is None


# ----------------------------------------------------------------- JSON shape


def test_term_to_json_contract() -> None:
    term = parse_term("октябрь 2023 – май 2024", SY)
    assert term_to_json(term) == {
        "kind": "fixed",
        "windows": [{"start": "2023-10-01", "end": "2024-05-31"}],
        "rule": None,
        "event": None,
        "offset_days": None,
        "qualifiers": [],
        "warnings": [],
        "offset": None,
        "event_text": None,
    }


def test_term_to_json_deadline_and_relative() -> None:
    assert term_to_json(parse_term("до 31.12.2023", SY))["windows"] == [
        {"start": None, "end": "2023-12-31"}
    ]
    data = term_to_json(parse_term("за 1 месяц до начала экзамена", SY))
    assert data["kind"] == "relative"
    assert (data["event"], data["offset_days"], data["windows"]) == ("exam", -30, [])
    assert data["offset"] == {
        "amount": 1,
        "unit": "months",
        "direction": "before",
        "span": False,
        "clock": None,
    }
    assert data["event_text"] == "начала экзамена"


def test_text_is_kept_verbatim() -> None:
    raw = "<p>для ГИА-9: апрель, май 2024</p>"
    assert parse_term(raw, SY).text == raw
