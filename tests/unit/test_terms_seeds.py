"""Every distinct term («Сроки») of the two seed roadmaps, with what it must parse to.

The texts are the seed cells as a transcriber writes them: HTML stripped, cells split
by a page break joined, and each sub-item's term on its own. Where one cell holds the
terms of several sub-items, the whole cell is listed too. ``SEED_TERMS`` is exported
so that other tests can check that every term used in ``data/plans`` is covered here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from bot.terms import ParsedTerm, SchoolYear, TermKind, parse_term, term_to_json

FIXED = TermKind.FIXED
ONGOING = TermKind.ONGOING
EXTERNAL = TermKind.EXTERNAL
RELATIVE = TermKind.RELATIVE
MIXED = TermKind.MIXED

# Both seed plans are for the 2023/24 school year (ГИА-2024).
SCHOOL_YEARS: dict[str, SchoolYear] = {"altai": SchoolYear(2023), "spassk": SchoolYear(2023)}

ISOWindow = tuple[str | None, str]


@dataclass(frozen=True, slots=True)
class SeedTerm:
    plan: str  # key of SCHOOL_YEARS
    text: str
    kind: TermKind
    windows: tuple[ISOWindow, ...]
    labels: tuple[str | None, ...] | None = None  # per window, when the term has qualifiers
    qualifiers: tuple[str, ...] = ()
    event: str | None = None
    offset_days: int | None = None
    warnings: tuple[str, ...] = ()  # substrings; an empty tuple means "no warnings at all"


SEED_TERMS: list[SeedTerm] = [
    # Altai Krai, order No. 1030 (plan, appendices 1 and 2)
    SeedTerm("altai", "октябрь 2023", FIXED, (("2023-10-01", "2023-10-31"),)),
    SeedTerm("altai", "октябрь 2023 – май 2024", FIXED, (("2023-10-01", "2024-05-31"),)),
    SeedTerm("altai", "в соответствии с графиком курсовых мероприятий", EXTERNAL, ()),
    SeedTerm(
        "altai", "в течение 2023-2024 учебного года", ONGOING, (("2023-09-01", "2024-08-31"),)
    ),
    SeedTerm("altai", "с 1 марта по 20 мая 2024 года", FIXED, (("2024-03-01", "2024-05-20"),)),
    SeedTerm("altai", "по отдельному плану", EXTERNAL, ()),
    SeedTerm("altai", "июль-сентябрь 2024", FIXED, (("2024-07-01", "2024-09-30"),)),
    SeedTerm("altai", "ноябрь 2023", FIXED, (("2023-11-01", "2023-11-30"),)),
    SeedTerm("altai", "декабрь 2023", FIXED, (("2023-12-01", "2023-12-31"),)),
    SeedTerm("altai", "февраль 2024", FIXED, (("2024-02-01", "2024-02-29"),)),
    SeedTerm(
        "altai",
        "февраль, май 2024",
        FIXED,
        (("2024-02-01", "2024-02-29"), ("2024-05-01", "2024-05-31")),
    ),
    SeedTerm("altai", "март 2024", FIXED, (("2024-03-01", "2024-03-31"),)),
    SeedTerm("altai", "апрель 2024", FIXED, (("2024-04-01", "2024-04-30"),)),
    SeedTerm("altai", "май 2024", FIXED, (("2024-05-01", "2024-05-31"),)),
    SeedTerm("altai", "август 2024", FIXED, (("2024-08-01", "2024-08-31"),)),
    SeedTerm("altai", "январь 2024", FIXED, (("2024-01-01", "2024-01-31"),)),
    SeedTerm("altai", "июль 2024", FIXED, (("2024-07-01", "2024-07-31"),)),
    SeedTerm("altai", "в течение учебного года", ONGOING, (("2023-09-01", "2024-08-31"),)),
    # judgement: a calendar year that overlaps the plan period is not a warning
    SeedTerm("altai", "в течение 2023 года", ONGOING, (("2023-01-01", "2023-12-31"),)),
    SeedTerm("altai", "февраль-март 2024", FIXED, (("2024-02-01", "2024-03-31"),)),
    SeedTerm(
        "altai",
        "август, сентябрь 2024",
        FIXED,
        (("2024-08-01", "2024-08-31"), ("2024-09-01", "2024-09-30")),
    ),
    SeedTerm(
        "altai",
        "ноябрь 2023, февраль–апрель 2024",
        FIXED,
        (("2023-11-01", "2023-11-30"), ("2024-02-01", "2024-04-30")),
    ),
    SeedTerm("altai", "январь–апрель 2024", FIXED, (("2024-01-01", "2024-04-30"),)),
    SeedTerm(
        "altai",
        "для ГИА-9: апрель, май 2024 для ГИА-11: февраль–май 2024",
        FIXED,
        (("2024-04-01", "2024-04-30"), ("2024-05-01", "2024-05-31"), ("2024-02-01", "2024-05-31")),
        labels=("ГИА-9", "ГИА-9", "ГИА-11"),
        qualifiers=("ГИА-9", "ГИА-11"),
    ),
    SeedTerm("altai", "октябрь 2023 – апрель 2024", FIXED, (("2023-10-01", "2024-04-30"),)),
    SeedTerm("altai", "февраль–апрель 2024", FIXED, (("2024-02-01", "2024-04-30"),)),
    SeedTerm("altai", "март – июль 2024", FIXED, (("2024-03-01", "2024-07-31"),)),
    SeedTerm("altai", "по графику Федерального центра тестирования", EXTERNAL, ()),
    SeedTerm("altai", "по графику Рособнадзора, графику региональных апробаций", EXTERNAL, ()),
    SeedTerm(
        "altai", "за 1 месяц до начала экзамена", RELATIVE, (), event="exam", offset_days=-30
    ),
    SeedTerm(
        "altai",
        "ноябрь 2023 декабрь 2023 декабрь 2023 февраль, май 2024",
        FIXED,
        (
            ("2023-11-01", "2023-11-30"),
            ("2023-12-01", "2023-12-31"),
            ("2023-12-01", "2023-12-31"),
            ("2024-02-01", "2024-02-29"),
            ("2024-05-01", "2024-05-31"),
        ),
    ),
    SeedTerm(
        "altai",
        "декабрь 2023, февраль, август 2024",
        FIXED,
        (("2023-12-01", "2023-12-31"), ("2024-02-01", "2024-02-29"), ("2024-08-01", "2024-08-31")),
    ),
    SeedTerm("altai", "март–май 2024", FIXED, (("2024-03-01", "2024-05-31"),)),
    SeedTerm("altai", "март–сентябрь 2024", FIXED, (("2024-03-01", "2024-09-30"),)),
    SeedTerm("altai", "февраль–сентябрь 2024", FIXED, (("2024-02-01", "2024-09-30"),)),
    SeedTerm(
        "altai",
        "август 2024 года сентябрь– октябрь 2024",
        FIXED,
        (("2024-08-01", "2024-08-31"), ("2024-09-01", "2024-10-31")),
    ),
    SeedTerm("altai", "август 2024 года", FIXED, (("2024-08-01", "2024-08-31"),)),
    SeedTerm("altai", "сентябрь– октябрь 2024", FIXED, (("2024-09-01", "2024-10-31"),)),
    # whole cell of two sub-items: «during ГИА-11» (ongoing) + a dated part → mixed
    SeedTerm(
        "altai",
        "в течение проведения ГИА–11 февраль 2024",
        MIXED,
        (("2023-09-01", "2024-08-31"), ("2024-02-01", "2024-02-29")),
    ),
    # judgement: «during the exam period» is ongoing over the school year, not relative
    SeedTerm("altai", "в течение проведения ГИА–11", ONGOING, (("2023-09-01", "2024-08-31"),)),
    SeedTerm(
        "altai",
        "в течение года февраль–март 2024 во время проведения ГИА",
        MIXED,
        (("2023-09-01", "2024-08-31"), ("2024-02-01", "2024-03-31"), ("2023-09-01", "2024-08-31")),
    ),
    SeedTerm("altai", "в течение года", ONGOING, (("2023-09-01", "2024-08-31"),)),
    SeedTerm("altai", "февраль–март 2024", FIXED, (("2024-02-01", "2024-03-31"),)),
    SeedTerm("altai", "во время проведения ГИА", ONGOING, (("2023-09-01", "2024-08-31"),)),
    SeedTerm(
        "altai",
        "март, апрель-май, август 2024",
        FIXED,
        (("2024-03-01", "2024-03-31"), ("2024-04-01", "2024-05-31"), ("2024-08-01", "2024-08-31")),
    ),
    SeedTerm(
        "altai",
        "март, май-июль, сентябрь 2024",
        FIXED,
        (("2024-03-01", "2024-03-31"), ("2024-05-01", "2024-07-31"), ("2024-09-01", "2024-09-30")),
    ),
    SeedTerm("altai", "март-сентябрь 2024", FIXED, (("2024-03-01", "2024-09-30"),)),
    SeedTerm("altai", "ноябрь 2024", FIXED, (("2024-11-01", "2024-11-30"),)),
    SeedTerm("altai", "октябрь 2024", FIXED, (("2024-10-01", "2024-10-31"),)),
    SeedTerm(
        "altai", "в течение 2023–2024 учебного года", ONGOING, (("2023-09-01", "2024-08-31"),)
    ),
    # whole cells of several sub-items: one deadline per item, duplicates kept
    SeedTerm(
        "altai",
        "до 31.12.2023 до 31.12.2023 до 01.04.2024 до 20.03.2024",
        FIXED,
        ((None, "2023-12-31"), (None, "2023-12-31"), (None, "2024-04-01"), (None, "2024-03-20")),
    ),
    SeedTerm(
        "altai",
        "до 31.12.2023 до 31.12.2023 до 01.04.2024 до 20.03.2024 до 20.04 2024",
        FIXED,
        (
            (None, "2023-12-31"),
            (None, "2023-12-31"),
            (None, "2024-04-01"),
            (None, "2024-03-20"),
            (None, "2024-04-20"),
        ),
    ),
    SeedTerm("altai", "до 31.12.2023", FIXED, ((None, "2023-12-31"),)),
    SeedTerm("altai", "до 01.04.2024", FIXED, ((None, "2024-04-01"),)),
    SeedTerm("altai", "до 20.03.2024", FIXED, ((None, "2024-03-20"),)),
    SeedTerm("altai", "до 20.04 2024", FIXED, ((None, "2024-04-20"),)),
    SeedTerm(
        "altai",
        "до 01.11.2023 до 31.12.2023 до 01.11.2023 до 20.02.2024 до 01.11.2023, до 20.04.2024",
        FIXED,
        (
            (None, "2023-11-01"),
            (None, "2023-12-31"),
            (None, "2023-11-01"),
            (None, "2024-02-20"),
            (None, "2023-11-01"),
            (None, "2024-04-20"),
        ),
    ),
    SeedTerm("altai", "до 01.11.2023", FIXED, ((None, "2023-11-01"),)),
    SeedTerm("altai", "до 20.02.2024", FIXED, ((None, "2024-02-20"),)),
    SeedTerm(
        "altai",
        "до 01.11.2023, до 20.04.2024",
        FIXED,
        ((None, "2023-11-01"), (None, "2024-04-20")),
    ),
    SeedTerm("altai", "февраль –март 2024", FIXED, (("2024-02-01", "2024-03-31"),)),
    SeedTerm(
        "altai",
        "декабрь 2023 апрель 2024",
        FIXED,
        (("2023-12-01", "2023-12-31"), ("2024-04-01", "2024-04-30")),
    ),
    SeedTerm("altai", "по плану учредительного контроля", EXTERNAL, ()),
    SeedTerm("altai", "январь- март", FIXED, (("2024-01-01", "2024-03-31"),)),
    SeedTerm(
        "altai",
        "март, май, август 2024",
        FIXED,
        (("2024-03-01", "2024-03-31"), ("2024-05-01", "2024-05-31"), ("2024-08-01", "2024-08-31")),
    ),
    SeedTerm(
        "altai",
        "март-апрель, май-июнь, сентябрь 2024",
        FIXED,
        (("2024-03-01", "2024-04-30"), ("2024-05-01", "2024-06-30"), ("2024-09-01", "2024-09-30")),
    ),
    SeedTerm("altai", "май-июнь 2024", FIXED, (("2024-05-01", "2024-06-30"),)),
    SeedTerm("altai", "октябрь-ноябрь 2024", FIXED, (("2024-10-01", "2024-11-30"),)),
    # judgement: consecutive years with singular «г.» name the school year («гг.» = calendar years)
    SeedTerm("altai", "2023-2024 г.", ONGOING, (("2023-09-01", "2024-08-31"),)),
    SeedTerm("altai", "2023-2024 уч. г.", ONGOING, (("2023-09-01", "2024-08-31"),)),
    SeedTerm(
        "altai",
        "2022-2023 уч. г.",
        ONGOING,
        (("2022-09-01", "2023-08-31"),),
        warnings=("outside the plan period 2023/24",),
    ),
    SeedTerm("altai", "Октябрь-ноябрь 2023 г.", FIXED, (("2023-10-01", "2023-11-30"),)),
    SeedTerm("altai", "Сентябрь 2023 г.", FIXED, (("2023-09-01", "2023-09-30"),)),
    SeedTerm("altai", "Октябрь-ноябрь 2023 г", FIXED, (("2023-10-01", "2023-11-30"),)),
    SeedTerm("altai", "Октябрь 2023 г.", FIXED, (("2023-10-01", "2023-10-31"),)),
    SeedTerm("altai", "Ноябрь 2023 г.", FIXED, (("2023-11-01", "2023-11-30"),)),
    # judgement: ongoing + someone else's plan (not in parentheses) → mixed, school-year window
    SeedTerm(
        "altai",
        "В течение года в соответствии с планом работы отделений краевого УМО",
        MIXED,
        (("2023-09-01", "2024-08-31"),),
    ),
    SeedTerm(
        "altai",
        "Февраль 2023 г.",
        FIXED,
        (("2023-02-01", "2023-02-28"),),
        warnings=("outside the plan period 2023/24",),
    ),
    # a parenthesised remark without dates is ignored
    SeedTerm(
        "altai",
        "Октябрь 2023 г. – май 2024 г. (по плану мобильной сети)",
        FIXED,
        (("2023-10-01", "2024-05-31"),),
    ),
    SeedTerm("altai", "Октябрь 2023 г. – май 2024 г.", FIXED, (("2023-10-01", "2024-05-31"),)),
    SeedTerm("altai", "Февраль 2024", FIXED, (("2024-02-01", "2024-02-29"),)),
    SeedTerm("altai", "Февраль 2024 г.", FIXED, (("2024-02-01", "2024-02-29"),)),
    SeedTerm("altai", "Март 2024 г.", FIXED, (("2024-03-01", "2024-03-31"),)),
    SeedTerm("altai", "Февраль-май 2024 г.", FIXED, (("2024-02-01", "2024-05-31"),)),
    SeedTerm(
        "altai",
        "Ноябрь 2023 г., март 2024 г.",
        FIXED,
        (("2023-11-01", "2023-11-30"), ("2024-03-01", "2024-03-31")),
    ),
    SeedTerm(
        "altai",
        "Март-апрель 2023 г.",
        FIXED,
        (("2023-03-01", "2023-04-30"),),
        warnings=("outside the plan period 2023/24",),
    ),
    SeedTerm(
        "altai", "В течение 2023-2024 учебного года", ONGOING, (("2023-09-01", "2024-08-31"),)
    ),
    SeedTerm("altai", "Январь – февраль, 2024 г.", FIXED, (("2024-01-01", "2024-02-29"),)),
    SeedTerm("altai", "Ноябрь 2023 г. – май 2024 г.", FIXED, (("2023-11-01", "2024-05-31"),)),
    SeedTerm(
        "altai",
        "По согласованию с Министерством образования и науки Алтайского края",
        EXTERNAL,
        (),
    ),
    # Spassk-Dalny, order No. 102
    SeedTerm(
        "spassk", "Ноябрь- апрель 2023/24 учебного года", FIXED, (("2023-11-01", "2024-04-30"),)
    ),
    SeedTerm("spassk", "Весь период проведения ГИА", ONGOING, (("2023-09-01", "2024-08-31"),)),
    SeedTerm("spassk", "Март –декабрь 2024 года", FIXED, (("2024-03-01", "2024-12-31"),)),
    SeedTerm("spassk", "Весь период ГИА", ONGOING, (("2023-09-01", "2024-08-31"),)),
    SeedTerm(
        "spassk",
        "Декабрь – июль 2023/2024 учебного года (утвержденных Рособрнадзором и приказом МО ПК)",
        FIXED,
        (("2023-12-01", "2024-07-31"),),
    ),
    SeedTerm("spassk", "В течение учебного года", ONGOING, (("2023-09-01", "2024-08-31"),)),
    SeedTerm(
        "spassk",
        "Август - ноябрь 2023 года Сентябрь 2023 года Сентябрь –ноябрь 2023 года Октябрь-ноябрь 2023 года. Октябрь-ноябрь 2023 года Ноябрь-апрель 2023/24 учебного года Февраль- август 2023/24 учебного года Декабрь -март 2023/24 учебного года Март-апрель 2023/24 учебного года В течение учебного года Ноябрь- декабрь 2023/24 учебного года Сентябрь-октябрь 2023/24 учебного года",  # noqa: E501
        MIXED,
        (
            ("2023-08-01", "2023-11-30"),
            ("2023-09-01", "2023-09-30"),
            ("2023-09-01", "2023-11-30"),
            ("2023-10-01", "2023-11-30"),
            ("2023-10-01", "2023-11-30"),
            ("2023-11-01", "2024-04-30"),
            ("2024-02-01", "2024-08-31"),
            ("2023-12-01", "2024-03-31"),
            ("2024-03-01", "2024-04-30"),
            ("2023-09-01", "2024-08-31"),
            ("2023-11-01", "2023-12-31"),
            ("2023-09-01", "2023-10-31"),
        ),
    ),
    # judgement: starts before the plan period but overlaps it → no warning
    SeedTerm("spassk", "Август - ноябрь 2023 года", FIXED, (("2023-08-01", "2023-11-30"),)),
    SeedTerm("spassk", "Сентябрь 2023 года", FIXED, (("2023-09-01", "2023-09-30"),)),
    SeedTerm("spassk", "Сентябрь –ноябрь 2023 года", FIXED, (("2023-09-01", "2023-11-30"),)),
    SeedTerm("spassk", "Октябрь-ноябрь 2023 года.", FIXED, (("2023-10-01", "2023-11-30"),)),
    SeedTerm("spassk", "Октябрь-ноябрь 2023 года", FIXED, (("2023-10-01", "2023-11-30"),)),
    SeedTerm(
        "spassk", "Ноябрь-апрель 2023/24 учебного года", FIXED, (("2023-11-01", "2024-04-30"),)
    ),
    SeedTerm(
        "spassk", "Февраль- август 2023/24 учебного года", FIXED, (("2024-02-01", "2024-08-31"),)
    ),
    SeedTerm(
        "spassk", "Декабрь -март 2023/24 учебного года", FIXED, (("2023-12-01", "2024-03-31"),)
    ),
    SeedTerm(
        "spassk", "Март-апрель 2023/24 учебного года", FIXED, (("2024-03-01", "2024-04-30"),)
    ),
    SeedTerm(
        "spassk", "Ноябрь- декабрь 2023/24 учебного года", FIXED, (("2023-11-01", "2023-12-31"),)
    ),
    SeedTerm(
        "spassk", "Сентябрь-октябрь 2023/24 учебного года", FIXED, (("2023-09-01", "2023-10-31"),)
    ),
    SeedTerm(
        "spassk",
        "Январь – апрель 2023/24уч. года Март – апрель 2024 года Декабрь - апрель 2023/24 уч. года Август 2024 года",  # noqa: E501
        FIXED,
        (
            ("2024-01-01", "2024-04-30"),
            ("2024-03-01", "2024-04-30"),
            ("2023-12-01", "2024-04-30"),
            ("2024-08-01", "2024-08-31"),
        ),
    ),
    SeedTerm("spassk", "Январь – апрель 2023/24уч. года", FIXED, (("2024-01-01", "2024-04-30"),)),
    SeedTerm("spassk", "Март – апрель 2024 года", FIXED, (("2024-03-01", "2024-04-30"),)),
    SeedTerm(
        "spassk", "Декабрь - апрель 2023/24 уч. года", FIXED, (("2023-12-01", "2024-04-30"),)
    ),
    SeedTerm("spassk", "Август 2024 года", FIXED, (("2024-08-01", "2024-08-31"),)),
    SeedTerm(
        "spassk", "В течение 2023/24 учебного года", ONGOING, (("2023-09-01", "2024-08-31"),)
    ),
    SeedTerm("spassk", "февраль – май 2024 года", FIXED, (("2024-02-01", "2024-05-31"),)),
    SeedTerm("spassk", "В соответствии с графиком проведения указанных мероприятий", EXTERNAL, ()),
    SeedTerm(
        "spassk",
        "В течение учебного 2023/24 учебного года",
        ONGOING,
        (("2023-09-01", "2024-08-31"),),
    ),
    SeedTerm("spassk", "По отдельному графику МП РФ , ПК ИРО", EXTERNAL, ()),
    # the parenthesised external remark is ignored → ongoing
    SeedTerm(
        "spassk",
        "В течение учебного года (по отдельному графику МП РФ , ПК ИРО)",
        ONGOING,
        (("2023-09-01", "2024-08-31"),),
    ),
    SeedTerm("spassk", "По отдельному графику ПК ИРО", EXTERNAL, ()),
    SeedTerm("spassk", "По графику ФЦТ, РЦОИ", EXTERNAL, ()),
    # «Октябрь 2023-до 01 февраля» is a range ending on the deadline;
    # «(ГИА-11)» labels what precedes it
    SeedTerm(
        "spassk",
        "Октябрь 2023-до 01 февраля 2024 года (ГИА-11), Октябрь 2023-до 01 марта 2024 года (ГИА-9) до 22.11. 2023 года(ГИА-11) до 30.01.2024 года (ГИА-9)",  # noqa: E501
        FIXED,
        (
            ("2023-10-01", "2024-02-01"),
            ("2023-10-01", "2024-03-01"),
            (None, "2023-11-22"),
            (None, "2024-01-30"),
        ),
        labels=("ГИА-11", "ГИА-9", "ГИА-11", "ГИА-9"),
        qualifiers=("ГИА-11", "ГИА-9"),
    ),
    SeedTerm(
        "spassk",
        "Октябрь 2023-до 01 февраля 2024 года (ГИА-11), Октябрь 2023-до 01 марта 2024 года (ГИА-9)",  # noqa: E501
        FIXED,
        (("2023-10-01", "2024-02-01"), ("2023-10-01", "2024-03-01")),
        labels=("ГИА-11", "ГИА-9"),
        qualifiers=("ГИА-11", "ГИА-9"),
    ),
    SeedTerm(
        "spassk",
        "до 22.11. 2023 года(ГИА-11)",
        FIXED,
        ((None, "2023-11-22"),),
        labels=("ГИА-11",),
        qualifiers=("ГИА-11",),
    ),
    SeedTerm(
        "spassk",
        "до 30.01.2024 года (ГИА-9)",
        FIXED,
        ((None, "2024-01-30"),),
        labels=("ГИА-9",),
        qualifiers=("ГИА-9",),
    ),
    SeedTerm(
        "spassk",
        "Ноябрь-2022- август 2023 года",
        FIXED,
        (("2022-11-01", "2023-08-31"),),
        warnings=("outside the plan period 2023/24",),
    ),
    SeedTerm("spassk", "По расписанию, утвержденному Рособрнадзором", EXTERNAL, ()),
    SeedTerm("spassk", "В течение всего периода ГИА", ONGOING, (("2023-09-01", "2024-08-31"),)),
    SeedTerm("spassk", "Ноябрь 2023- февраль 2024 года", FIXED, (("2023-11-01", "2024-02-29"),)),
    SeedTerm(
        "spassk",
        "В соответствии с расписанием тестирования видео, утвержденным Рособрнадзором",
        EXTERNAL,
        (),
    ),
    SeedTerm("spassk", "По графику Рособнадзора", EXTERNAL, ()),
    SeedTerm("spassk", "В утвержденные Порядками и НПБ министерством сроки", EXTERNAL, ()),
    SeedTerm(
        "spassk",
        "До 01 марта 204 года",
        FIXED,
        ((None, "2024-03-01"),),
        warnings=('impossible year "204"', "assumed 2024"),
    ),
    SeedTerm("spassk", "Июль- август 2024 года", FIXED, (("2024-07-01", "2024-08-31"),)),
    SeedTerm("spassk", "По утвержденном у графику", EXTERNAL, ()),
    SeedTerm("spassk", "Весь период", ONGOING, (("2023-09-01", "2024-08-31"),)),
    SeedTerm(
        "spassk",
        "Весь период подготовки и проведения ГИА",
        ONGOING,
        (("2023-09-01", "2024-08-31"),),
    ),
    SeedTerm("spassk", "Декабрь 2023 –май 2024 года", FIXED, (("2023-12-01", "2024-05-31"),)),
    SeedTerm(
        "spassk",
        "В утвержденные сроки проведения ИС (И), итогового собеседования по русскому языку",
        EXTERNAL,
        (),
    ),
    SeedTerm(
        "spassk",
        "До 01.02.2024 (ГИА-11). До 01.03.2024 (ГИА-9)",
        FIXED,
        ((None, "2024-02-01"), (None, "2024-03-01")),
        labels=("ГИА-11", "ГИА-9"),
        qualifiers=("ГИА-11", "ГИА-9"),
    ),
    SeedTerm(
        "spassk",
        "Не позднее чем за 2 недели до соответствующего экзамена",
        RELATIVE,
        (),
        event="exam",
        offset_days=-14,
    ),
    SeedTerm(
        "spassk", "Ноябрь- апрель 2023/2024 учебного года", FIXED, (("2023-11-01", "2024-04-30"),)
    ),
    SeedTerm("spassk", "Январь-май 2024 года", FIXED, (("2024-01-01", "2024-05-31"),)),
    SeedTerm("spassk", "По мере необходимости", ONGOING, (("2023-09-01", "2024-08-31"),)),
    SeedTerm("spassk", "Июль-сентябрь 2024 года", FIXED, (("2024-07-01", "2024-09-30"),)),
    SeedTerm("spassk", "Август-октябрь 2024 года", FIXED, (("2024-08-01", "2024-10-31"),)),
    SeedTerm("spassk", "Август- октябрь 2024 года", FIXED, (("2024-08-01", "2024-10-31"),)),
    SeedTerm("spassk", "Август- ноябрь 2024 года", FIXED, (("2024-08-01", "2024-11-30"),)),
    SeedTerm("spassk", "Август- декабрь 2024 года", FIXED, (("2024-08-01", "2024-12-31"),)),
    SeedTerm("spassk", "Август –октябрь 2024 год", FIXED, (("2024-08-01", "2024-10-31"),)),
    SeedTerm("spassk", "Август- Октябрь 2024 года", FIXED, (("2024-08-01", "2024-10-31"),)),
    SeedTerm("spassk", "По отдельному плану", EXTERNAL, ()),
    SeedTerm(
        "spassk", "Сентябрь 2023 - декабрь 2024 года", FIXED, (("2023-09-01", "2024-12-31"),)
    ),
    SeedTerm("spassk", "Сентябрь 2023 - январь 2024 года", FIXED, (("2023-09-01", "2024-01-31"),)),
    SeedTerm("spassk", "Сентябрь 2024 года", FIXED, (("2024-09-01", "2024-09-30"),)),
    SeedTerm("spassk", "Октябрь- декабрь 2023 года", FIXED, (("2023-10-01", "2023-12-31"),)),
    SeedTerm("spassk", "Декабрь 2023 год", FIXED, (("2023-12-01", "2023-12-31"),)),
    SeedTerm(
        "spassk", "Январь - март 2023/24 учебного года", FIXED, (("2024-01-01", "2024-03-31"),)
    ),
    SeedTerm(
        "spassk", "Декабрь - апрель 2023/24 учебного года", FIXED, (("2023-12-01", "2024-04-30"),)
    ),
    SeedTerm(
        "spassk", "Декабрь-апрель 2023/2024 учебного года", FIXED, (("2023-12-01", "2024-04-30"),)
    ),
    SeedTerm(
        "spassk", "В течение 2023/2024 учебного года", ONGOING, (("2023-09-01", "2024-08-31"),)
    ),
]


def _parse(row: SeedTerm) -> ParsedTerm:
    return parse_term(row.text, SCHOOL_YEARS[row.plan])


def _iso(term: ParsedTerm) -> tuple[ISOWindow, ...]:
    return tuple(
        (w.start.isoformat() if w.start is not None else None, w.end.isoformat())
        for w in term.windows
    )


@pytest.mark.parametrize("row", SEED_TERMS, ids=[f"{r.plan}:{r.text[:50]}" for r in SEED_TERMS])
def test_seed_term(row: SeedTerm) -> None:
    term = _parse(row)
    assert term.text == row.text
    assert term.kind is row.kind
    assert _iso(term) == row.windows
    if row.labels is not None:
        assert tuple(w.label for w in term.windows) == row.labels
    assert term.qualifiers == row.qualifiers
    assert (term.event, term.offset_days) == (row.event, row.offset_days)
    assert term.rule is None  # no seed term is recurring
    if row.warnings:
        for expected in row.warnings:
            assert any(expected in w for w in term.warnings), (expected, term.warnings)
    else:
        assert term.warnings == ()


def test_seed_table_has_no_duplicates() -> None:
    texts = [(row.plan, row.text) for row in SEED_TERMS]
    assert len(texts) == len(set(texts))


def test_seed_table_covers_both_plans() -> None:
    plans = {row.plan for row in SEED_TERMS}
    assert plans == set(SCHOOL_YEARS)


def test_seed_terms_have_the_json_contract() -> None:
    for row in SEED_TERMS:
        data = term_to_json(_parse(row))
        assert list(data) == [
            "kind",
            "windows",
            "rule",
            "event",
            "offset_days",
            "qualifiers",
            "warnings",
            "offset",
            "event_text",
        ]
        assert data["kind"] == row.kind.value
        assert json.loads(json.dumps(data, ensure_ascii=False)) == data
