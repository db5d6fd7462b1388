"""Parse the free-text term («срок») of a roadmap measure into dates.

The grammar works in three passes over a cleaned, lower-cased copy of the text:

1. phrase rules recognise the parts that carry no dates of their own (recurring,
   relative, external, ongoing) and blank them out, leaving a marker behind;
2. a tokenizer folds what is left into atoms (dates, months, years, school years,
   quarters, prepositions, qualifiers ...) and a small recursive-descent grammar
   turns them into items: single points, ranges, «до X» deadlines, «с X» starts;
3. years are resolved: an explicit year wins, a trailing year flows backwards
   through a list in source order, and anything left comes from the school year.

The parser is pure (no I/O) and never raises: whatever it cannot read becomes a
warning, so callers can list the terms that need a human.
"""

from __future__ import annotations

import calendar
import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, time
from enum import StrEnum
from functools import lru_cache
from typing import Literal

__all__ = [
    "Offset",
    "OffsetUnit",
    "ParsedTerm",
    "SchoolYear",
    "TermKind",
    "Window",
    "offset_to_json",
    "parse_term",
    "term_to_json",
]

_MIN_YEAR = 1990
_MAX_YEAR = 2100


class TermKind(StrEnum):
    FIXED = "fixed"
    RECURRING = "recurring"
    ONGOING = "ongoing"
    EXTERNAL = "external"
    RELATIVE = "relative"
    MIXED = "mixed"


_SY_TEXT_RE = re.compile(r"([0-9]{4})\s*[/\-‐‑‒–—―−]\s*([0-9]{2}|[0-9]{4})")


def _second_year(first: int, raw: str) -> int:
    """Expand the second half of "2023/24" to a full year."""
    if len(raw) == 4:
        return int(raw)
    second = first // 100 * 100 + int(raw)
    return second + 100 if second < first else second


def _year_ok(year: int) -> bool:
    return _MIN_YEAR <= year <= _MAX_YEAR


@dataclass(frozen=True, slots=True)
class SchoolYear:
    first: int

    @classmethod
    def parse(cls, text: str) -> SchoolYear:
        match = _SY_TEXT_RE.fullmatch(text.strip())
        if match is None:
            raise ValueError(f"not a school year: {text!r}")
        first = int(match[1])
        if _second_year(first, match[2]) != first + 1 or not _year_ok(first):
            raise ValueError(f"not a school year: {text!r}")
        return cls(first)

    @property
    def second(self) -> int:
        return self.first + 1

    @property
    def start(self) -> date:
        return date(self.first, 9, 1)

    @property
    def end(self) -> date:
        return date(self.second, 8, 31)

    def year_for_month(self, month: int) -> int:
        if not 1 <= month <= 12:
            raise ValueError(f"month out of range: {month}")
        return self.first if month >= 9 else self.second

    def __str__(self) -> str:
        return f"{self.first}/{self.second % 100:02d}"


@dataclass(frozen=True, slots=True)
class Window:
    start: date | None
    end: date
    label: str | None = None

    def __post_init__(self) -> None:
        if self.start is not None and self.start > self.end:
            raise ValueError(f"window starts after it ends: {self.start} > {self.end}")


class OffsetUnit(StrEnum):
    MINUTES = "minutes"
    HOURS = "hours"
    DAYS = "days"
    WORKING_DAYS = "working_days"
    WEEKS = "weeks"
    MONTHS = "months"


@dataclass(frozen=True, slots=True)
class Offset:
    """Where a relative term lies against its event.

    ``span`` tells a window from the event to the offset («в течение 3 рабочих дней
    после …») from a single deadline or point («за 10 дней до …»).
    """

    amount: int
    unit: OffsetUnit
    direction: Literal["before", "after"]
    span: bool
    clock: time | None = None

    def __post_init__(self) -> None:
        if self.amount < 0:
            raise ValueError(f"offset amount must not be negative: {self.amount}")


def offset_to_json(offset: Offset | None) -> dict[str, object] | None:
    if offset is None:
        return None
    return {
        "amount": offset.amount,
        "unit": str(offset.unit),
        "direction": offset.direction,
        "span": offset.span,
        "clock": offset.clock.strftime("%H:%M") if offset.clock is not None else None,
    }


@dataclass(frozen=True, slots=True)
class ParsedTerm:
    text: str
    kind: TermKind
    windows: tuple[Window, ...]
    rule: str | None
    event: str | None
    offset_days: int | None
    qualifiers: tuple[str, ...]
    warnings: tuple[str, ...]
    offset: Offset | None = None
    event_text: str | None = None  # the event's words as written («получения протокола»)


def term_to_json(term: ParsedTerm) -> dict[str, object]:
    """The stable JSON shape of a parsed term (keys and their order are a contract)."""
    return {
        "kind": str(term.kind),
        "windows": [
            {
                "start": w.start.isoformat() if w.start is not None else None,
                "end": w.end.isoformat(),
            }
            for w in term.windows
        ],
        "rule": term.rule,
        "event": term.event,
        "offset_days": term.offset_days,
        "qualifiers": list(term.qualifiers),
        "warnings": list(term.warnings),
        "offset": offset_to_json(term.offset),
        "event_text": term.event_text,
    }


# --------------------------------------------------------------------------- words

_MONTH_STEMS: tuple[tuple[str, int], ...] = (
    ("январ", 1),
    ("феврал", 2),
    ("март", 3),
    ("апрел", 4),
    ("июн", 6),
    ("июл", 7),
    ("август", 8),
    ("сентябр", 9),
    ("октябр", 10),
    ("ноябр", 11),
    ("декабр", 12),
)
_MAY_FORMS = frozenset({"май", "мая", "мае", "маю", "маем"})
_MONTH_ABBR = {
    "янв": 1,
    "фев": 2,
    "февр": 2,
    "мар": 3,
    "апр": 4,
    "авг": 8,
    "сен": 9,
    "сент": 9,
    "окт": 10,
    "ноя": 11,
    "нояб": 11,
    "дек": 12,
}


@lru_cache(maxsize=2048)
def _month_from_word(word: str) -> int | None:
    """Month number of a Russian month word in any case, or of its abbreviation."""
    w = word.lower().replace("ё", "е").strip(".")
    if w in _MAY_FORMS:
        return 5
    if w in _MONTH_ABBR:
        return _MONTH_ABBR[w]
    for stem, month in _MONTH_STEMS:
        # a case ending is at most two letters; longer tails are adjectives («мартовский»)
        if w.startswith(stem) and len(w) - len(stem) <= 2:
            return month
    return None


_YEAR_WORDS = frozenset(
    {"г", "гг", "год", "года", "году", "годом", "годе", "годы", "годов", "годах", "годам"}
)
_PLURAL_YEAR_WORDS = frozenset({"гг", "годы", "годов", "годах", "годам"})
_ORDINAL_SUFFIXES = frozenset(
    {"й", "я", "е", "го", "му", "м", "ый", "ий", "ой", "ая", "ое", "ого", "ом", "ей", "ю", "ую"}
)
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_SCHOOL_QUARTER_FORMS = frozenset({"четверть", "четверти", "четвертью", "четвертей"})
_SEASONS = {
    **dict.fromkeys(("весна", "весной", "весны", "весне", "весну"), 0),
    **dict.fromkeys(("лето", "летом", "лета", "лете", "лету"), 1),
    **dict.fromkeys(("осень", "осенью", "осени"), 2),
    **dict.fromkeys(("зима", "зимой", "зимы", "зиме", "зиму"), 3),
}
_SY_MODIFIERS = {
    "следующего": 1,
    "следующий": 1,
    "следующем": 1,
    "нового": 1,
    "новый": 1,
    "новом": 1,
    "предстоящего": 1,
    "предстоящий": 1,
    "прошлого": -1,
    "прошлый": -1,
    "прошлом": -1,
    "предыдущего": -1,
    "предыдущий": -1,
    "предыдущем": -1,
}
_NUM_WORDS = {
    **dict.fromkeys(("один", "одну", "одна", "одного", "одной", "одни", "одно"), 1.0),
    **dict.fromkeys(("два", "две", "двух"), 2.0),
    **dict.fromkeys(("три", "трех"), 3.0),
    **dict.fromkeys(("четыре", "четырех"), 4.0),
    **dict.fromkeys(("пять", "пяти"), 5.0),
    **dict.fromkeys(("шесть", "шести"), 6.0),
    **dict.fromkeys(("семь", "семи"), 7.0),
    **dict.fromkeys(("восемь", "восьми"), 8.0),
    **dict.fromkeys(("девять", "девяти"), 9.0),
    **dict.fromkeys(("десять", "десяти"), 10.0),
    **dict.fromkeys(("четырнадцать", "четырнадцати"), 14.0),
    **dict.fromkeys(("пятнадцать", "пятнадцати"), 15.0),
    **dict.fromkeys(("двадцать", "двадцати"), 20.0),
    **dict.fromkeys(("тридцать", "тридцати"), 30.0),
    **dict.fromkeys(("полтора", "полторы", "полутора"), 1.5),
}


@lru_cache(maxsize=4096)
def _classify_word(w: str) -> tuple[str, int]:
    """Kind and value of a single lower-case word token (context-free part only)."""
    month = _month_from_word(w)
    if month is not None:
        return "month", month
    if w in _YEAR_WORDS:
        return "yearword", 0
    if w in _ROMAN:
        return "ord", _ROMAN[w]
    if w.startswith("перв"):
        return "ord", 1
    if w.startswith("втор") and not w.startswith("вторник"):
        return "ord", 2
    if w.startswith("трет"):
        return "ord", 3
    if w in _SCHOOL_QUARTER_FORMS:
        return "unit", 4
    if w.startswith("четверт"):
        return "ord", 4
    if w.startswith("квартал") or w == "кв":
        return "unit", 0
    if w.startswith("полугод"):
        return "unit", 1
    if w.startswith("декад"):
        return "unit", 2
    if w.startswith("половин"):
        return "unit", 3
    if w in ("начало", "начала", "начале", "началу"):
        return "part", 1
    if w.startswith("середин"):
        return "part", 2
    if w in ("конец", "конца", "конце", "концу", "окончание", "окончания", "окончании"):
        return "part", 3
    if w in _SEASONS:
        return "season", _SEASONS[w]
    if w == "и":
        return "and", 0
    return "word", 0


_UNIT_NAMES = ("quarter", "half", "decade", "halfm", "schoolq")
_UNIT_MAX = {
    "quarter": 4,
    "half": 2,
    "decade": 3,
    "halfm": 2,
    "schoolq": 4,
    "week": 4,
    "lastday": 0,  # only «последний день»
}
LAST = 99
"""The ordinal «последняя»: the last decade or week of a month."""
_LAST_OF = {"decade": 3, "week": 5, "lastday": 1}  # the week's 5: the month's last seven days
_MONTH_UNITS = ("decade", "halfm", "week", "lastday")


# ------------------------------------------------------------------- phrase rules


@dataclass(slots=True)
class _Marker:
    """A non-dated part of a term, found by a phrase rule."""

    kind: TermKind
    start: int
    end: int
    # ONGOING markers may take over the next item: "any" («в течение» + anything)
    # or "period" (only a school year / year that refines the period they name)
    claim: str = ""
    freq: str | None = None
    interval: int = 1
    bymonthday: int | None = None
    byday: tuple[str, ...] = ()
    event: str | None = None
    offset: int | None = None
    rel: Offset | None = None
    event_text: str | None = None
    warnings: list[str] = field(default_factory=list)
    group: int = -1
    claimed: bool = False
    label: str | None = None


_N = (
    r"(?:[0-9]{1,4}(?:[.,][0-9]{1,2})?|"
    + "|".join(sorted(_NUM_WORDS, key=len, reverse=True))
    + r")"
)
_UNIT = r"(?:дн(?:я|ей|и)|день|дн\.?(?![а-я])|сут(?:ки|ок)|недел[а-я]*|месяц[а-я]*)"
_WORKDAY = r"(?:(?P<work>рабоч[а-я]*|раб\.)|календарн[а-я]*)"
_MON = r"(?:январ|феврал|март|апрел|ма[йяюе](?![а-я])|июн|июл|август|сентябр|октябр|ноябр|декабр)"
_EVW = rf"(?:(?:гиа|гвэ|егэ|огэ)\s*-?\s*[0-9]++|(?!{_MON}|до\b)[^\W\d_]++)"
_EV = rf"(?P<ev>{_EVW}(?:[ \-«»\"'“”]+{_EVW})*+)"
_EVN = (
    r"(?:экзамен|гиа|егэ|огэ|гвэ|итогов[а-я]*\s+(?:сочинени|собеседовани|аттестац)"
    r"|сочинени|изложени|собеседовани|апелляц|объявлени[а-я]*\s+результат|результат"
    r"|государственн[а-я]*\s+итогов)"
)
_WD = (
    r"(?:понедельник[а-я]*|вторник[а-я]*|сред[аыуе](?![а-я])|средам|четверг[а-я]*"
    r"|пятниц[а-я]*|суббот[а-я]*|воскресень[а-я]*)"
)
_WEEKDAYS = (
    ("понедельник", "MO"),
    ("вторник", "TU"),
    ("сред", "WE"),
    ("четверг", "TH"),
    ("пятниц", "FR"),
    ("суббот", "SA"),
    ("воскресень", "SU"),
)

_EVENT_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (slug, re.compile(rx))
    for slug, rx in (
        ("results", r"результат|\bитог(?:и|ов|ам|ах)?\b"),
        ("essay", r"сочинени|изложени|\bис\b"),
        ("interview", r"собеседовани"),
        ("appeal", r"апелляц"),
        ("protocol", r"протокол"),
        ("approval", r"утвержд"),
        ("exam", r"экзамен|\bгиа\b|\bегэ\b|\bогэ\b|\bгвэ\b|аттестац|испытани"),
        ("vpr", r"\bвпр\b|проверочн"),
        ("meeting", r"совещани|заседани|собрани|конференци|семинар|педсовет"),
        ("training", r"обучени|курс|инструктаж|тренинг"),
        ("rehearsal", r"апробаци|тренировочн|репетиц"),
        ("monitoring", r"мониторинг|проверк|контрол"),
        ("registration", r"регистрац|заявлени|заявк"),
        ("school_year", r"учебн[а-я]*\s+год"),
        ("holidays", r"каникул"),
        ("order", r"приказ|распоряжени"),
        ("report", r"отчет"),
        ("olympiad", r"олимпиад"),
    )
)


def _event_slug(phrase: str) -> str:
    """English slug of the event a relative term refers to (the earliest noun wins)."""
    best: tuple[int, str] | None = None
    for slug, rx in _EVENT_PATTERNS:
        m = rx.search(phrase)
        if m is not None and (best is None or m.start() < best[0]):
            best = (m.start(), slug)
    return best[1] if best is not None else "event"


def _number(raw: str | None) -> float:
    if raw is None:
        return 1.0
    try:
        return float(raw.replace(",", "."))
    except ValueError:
        return _NUM_WORDS.get(raw, 1.0)


def _unit_days(unit: str) -> int:
    if unit.startswith("недел"):
        return 7
    if unit.startswith(("месяц", "месяч")):
        return 30
    return 1


@dataclass(frozen=True, slots=True)
class _Ctx:
    clean: str
    plan: SchoolYear
    norm: str = ""


_RuleBuilder = Callable[[re.Match[str], _Ctx], "_Marker | None"]


def _offset_unit(word: str, working: bool) -> OffsetUnit:
    if word.startswith("недел"):
        return OffsetUnit.WEEKS
    if word.startswith(("месяц", "месяч")):
        return OffsetUnit.MONTHS
    return OffsetUnit.WORKING_DAYS if working else OffsetUnit.DAYS


def _event_words(m: re.Match[str], ctx: _Ctx, group: str = "ev") -> str | None:
    """The event as written: the normalised text has the same offsets as the clean one."""
    if m.groupdict().get(group) is None:
        return None
    return ctx.clean[m.start(group) : m.end(group)]


def _relative(m: re.Match[str], ctx: _Ctx, offset: int, event: str, rel: Offset) -> _Marker:
    # No warning for working days: dating (bot.plan.dating.event_window) counts real working
    # days from `rel`; only a mixed term's event part still goes by `offset_days` (see _parse).
    return _Marker(
        TermKind.RELATIVE,
        m.start(),
        m.end(),
        event=event,
        offset=offset,
        rel=rel,
        event_text=_event_words(m, ctx),
    )


def _b_before(m: re.Match[str], ctx: _Ctx) -> _Marker | None:
    amount = _number(m["n"])
    unit = _offset_unit(m["unit"], bool(m["work"]))
    days = round(amount * _unit_days(m["unit"]))
    rel = Offset(round(amount), unit, "before", span=False)
    return _relative(m, ctx, -days, _event_slug(m["ev"]), rel)


def _b_after(m: re.Match[str], ctx: _Ctx) -> _Marker | None:
    count = m["n"] if m["n"] is not None else m.groupdict().get("nw")
    amount = _number(count)
    days = round(amount * _unit_days(m["unit"]))
    before = m["dir"] == "до"
    # «в течение …», «в N-дневный срок» give a window; «не позднее чем через …» a deadline
    head = m[0][: m.start("unit") - m.start()]
    span = bool(re.search(r"течение|более|белее|превышать|\bза\b", head)) or "срок" in m[0]
    span = span and not re.search(r"поздн|позже|ранее", head)
    rel = Offset(
        round(amount),
        _offset_unit(m["unit"], bool(m.groupdict().get("work"))),
        "before" if before else "after",
        span=span,
    )
    return _relative(m, ctx, -days if before else days, _event_slug(m["ev"]), rel)


def _b_day_of(m: re.Match[str], ctx: _Ctx) -> _Marker | None:
    rel = Offset(0, OffsetUnit.DAYS, "after", span=False)
    return _relative(m, ctx, 0, _event_slug(m["ev"]), rel)


def _b_eve(m: re.Match[str], ctx: _Ctx) -> _Marker | None:
    rel = Offset(1, OffsetUnit.DAYS, "before", span=False)
    return _relative(m, ctx, -1, _event_slug(m["ev"] or "экзамен"), rel)


def _b_following(m: re.Match[str], ctx: _Ctx) -> _Marker | None:
    slug = _event_slug(m["ev"])
    # «по итогам ГИА» is about the outcome of the exam, not the exam itself
    if re.match(r"по\s", m["how"]) and slug in ("exam", "event"):
        slug = "results"
    rel = Offset(0, OffsetUnit.DAYS, "after", span=False)
    return _relative(m, ctx, 0, slug, rel)


def _b_until_event(m: re.Match[str], ctx: _Ctx) -> _Marker | None:
    rel = Offset(0, OffsetUnit.DAYS, "before", span=False)
    return _relative(m, ctx, 0, _event_slug(m["ev"]), rel)


def _ongoing(claim: str) -> _RuleBuilder:
    def build(m: re.Match[str], ctx: _Ctx) -> _Marker | None:
        return _Marker(TermKind.ONGOING, m.start(), m.end(), claim=claim)

    return build


def _b_unanchored(m: re.Match[str], ctx: _Ctx) -> _Marker | None:
    """«в течение часа», «не более 15 календарных дней»: a duration whose event is unnamed."""
    word, count = m["unit"], _number(m["n"])
    days: int | None
    if word.startswith("час"):
        unit, amount, days = OffsetUnit.HOURS, round(count), None
    elif word.startswith("сут"):
        unit, amount, days = OffsetUnit.DAYS, round(count), round(count)
    else:
        unit, amount = _offset_unit(word, bool(m["work"])), round(count)
        days = round(count * _unit_days(word))
    rel = Offset(amount, unit, "after", span=True)
    marker = _Marker(
        TermKind.RELATIVE,
        m.start(),
        m.end(),
        event="event",
        offset=days,
        rel=rel,
    )
    marker.warnings.append(
        f'"{ctx.clean[m.start() : m.end()]}" names no event; the date comes from /setdate'
    )
    return marker


_CLOCK_WORDS = r"(?:по\s+(?:местному|московскому)\s+времени)"


def _b_clock(m: re.Match[str], ctx: _Ctx) -> _Marker | None:
    """«не позднее 8:00 по местному времени»: a time of day on the exam day."""
    if _DATED_RE.search(ctx.norm):
        return None  # «11 сентября с 16.00 до 16.30»: the date is the term
    hour, minute = int(m["h"]), int(m["mi"] or 0)
    if hour > 23 or minute > 59:
        return None
    # «не позднее 14.00 … накануне дня проведения»: the day before some event
    eve = "накануне" in ctx.norm
    clock = time(hour, minute)
    rel = Offset(1 if eve else 0, OffsetUnit.DAYS, "before" if eve else "after", False, clock)
    slug = "event" if eve else "exam"
    return _Marker(TermKind.RELATIVE, m.start(), m.end(), event=slug, offset=-rel.amount, rel=rel)


def _b_minutes(m: re.Match[str], ctx: _Ctx) -> _Marker | None:
    """«за 30 минут до начала», «за 1 час 30 минут»: minutes before the start."""
    if m["h"] is None and m["mi"] is None:
        return None
    minutes = round(_number(m["h"]) * 60) if m["h"] is not None else 0
    minutes += round(_number(m["mi"])) if m["mi"] is not None else 0
    if m["h"] is not None and m["mi"] is None and m["hw"] is not None:
        unit, amount = OffsetUnit.HOURS, round(_number(m["h"]))
    else:
        unit, amount = OffsetUnit.MINUTES, minutes
    slug = _event_slug(m["ev"]) if m["ev"] else "exam"
    if m["ev"] and set(m["ev"].split()) <= {"начала", "окончания", "проведения"}:
        slug = "exam"  # «за 30 минут до начала»: the start of the exam that day
    rel = Offset(amount, unit, "before", span=False)
    return _Marker(
        TermKind.RELATIVE,
        m.start(),
        m.end(),
        event=slug,
        offset=None,
        rel=rel,
        event_text=_event_words(m, ctx),
    )


def _b_external(m: re.Match[str], ctx: _Ctx) -> _Marker | None:
    return _Marker(TermKind.EXTERNAL, m.start(), m.end())


_PART_DEADLINE = {"начале": 10, "середине": 20, "конце": -1}


def _b_month_part(m: re.Match[str], ctx: _Ctx) -> _Marker | None:
    """«в начале месяца»: every month, due by the end of that part (10th, 20th, last day)."""
    return _Marker(
        TermKind.RECURRING, m.start(), m.end(), freq="MONTHLY", bymonthday=_PART_DEADLINE[m["p"]]
    )


def _b_month_end(m: re.Match[str], ctx: _Ctx) -> _Marker | None:
    return _Marker(TermKind.RECURRING, m.start(), m.end(), freq="MONTHLY", bymonthday=-1)


def _b_monthday(m: re.Match[str], ctx: _Ctx) -> _Marker | None:
    day = int(m["d"])
    if not 1 <= day <= 31:
        return None
    return _Marker(TermKind.RECURRING, m.start(), m.end(), bymonthday=day)


_FREQ_WORDS: tuple[tuple[str, str, int], ...] = (
    ("ежедневн", "DAILY", 1),
    ("каждый день", "DAILY", 1),
    ("еженедельн", "WEEKLY", 1),
    ("каждую неделю", "WEEKLY", 1),
    ("ежемесячн", "MONTHLY", 1),
    ("каждый месяц", "MONTHLY", 1),
    ("каждого месяца", "MONTHLY", 1),
    ("ежеквартальн", "MONTHLY", 3),
    ("каждый квартал", "MONTHLY", 3),
    ("каждое полугодие", "MONTHLY", 6),
    ("ежегодн", "YEARLY", 1),
    ("каждый год", "YEARLY", 1),
)


def _b_freq(m: re.Match[str], ctx: _Ctx) -> _Marker | None:
    text = re.sub(r"\s+", " ", m[0])
    for prefix, freq, interval in _FREQ_WORDS:
        if text.startswith(prefix):
            return _Marker(TermKind.RECURRING, m.start(), m.end(), freq=freq, interval=interval)
    return None


_TIMES_UNITS: tuple[tuple[str, str, int], ...] = (
    ("д", "DAILY", 1),
    ("сут", "DAILY", 1),
    ("недел", "WEEKLY", 1),
    ("месяц", "MONTHLY", 1),
    ("квартал", "MONTHLY", 3),
    ("пол", "MONTHLY", 6),
    ("четверт", "MONTHLY", 2),  # a school term is two to three months
    ("год", "YEARLY", 1),
    ("лет", "YEARLY", 1),
)
_FREQ_DAYS = {"DAILY": 1, "WEEKLY": 7, "MONTHLY": 30, "YEARLY": 365}


def _b_times(m: re.Match[str], ctx: _Ctx) -> _Marker | None:
    unit = m["u"]
    freq, base = next((f, i) for p, f, i in _TIMES_UNITS if unit.startswith(p))
    interval = max(1, round(_number(m["n"]) * base))
    times = max(1, round(_number(m["k"])))
    marker = _Marker(TermKind.RECURRING, m.start(), m.end())
    if unit.startswith("четверт"):
        marker.warnings.append(
            f'school term in "{ctx.clean[m.start() : m.end()]}" approximated as two months'
        )
    if times > 1:
        # RRULE cannot say "twice a month on unspecified days": use an even spacing
        months = interval * 12 if freq == "YEARLY" else interval if freq == "MONTHLY" else 0
        if months and months % times == 0:
            freq, interval = "MONTHLY", months // times
        else:
            step = _FREQ_DAYS[freq] * interval / times
            if step >= 7:
                freq, interval = "WEEKLY", max(1, round(step / 7))
            else:
                freq, interval = "DAILY", max(1, round(step))
        rule = f"FREQ={freq}" + (f";INTERVAL={interval}" if interval > 1 else "")
        marker.warnings.append(
            f'frequency "{ctx.clean[m.start() : m.end()]}" approximated as {rule}'
        )
    marker.freq, marker.interval = freq, interval
    return marker


def _b_weekday(m: re.Match[str], ctx: _Ctx) -> _Marker | None:
    days: list[str] = []
    for word in re.findall(_WD, m[0]):
        code = next(c for stem, c in _WEEKDAYS if word.startswith(stem))
        if code not in days:
            days.append(code)
    return _Marker(TermKind.RECURRING, m.start(), m.end(), byday=tuple(days))


@dataclass(frozen=True, slots=True)
class _PhraseRule:
    pattern: re.Pattern[str]
    build: _RuleBuilder
    # literal substrings of which at least one must occur; a cheap pre-check that
    # spares most terms (plain dates) the regex scan
    triggers: tuple[str, ...]


def _rule(pattern: str, build: _RuleBuilder, triggers: str) -> _PhraseRule:
    return _PhraseRule(re.compile(pattern), build, tuple(triggers.split()))


# Order matters: the more specific phrases go first and blank out their text, so
# that e.g. «за 3 дня до экзамена» is not later read as the day «3».
_PHRASE_RULES: tuple[_PhraseRule, ...] = (
    # «за 30 минут до начала», «(не позднее, чем) за 1 час 30 минут»
    _rule(
        r"(?:\bне\s+(?:позднее|позже|ранее)\s*,?\s+(?:чем\s+)?)?\bза\s+"
        r"(?=(?:[^\s]+\s+)?(?:час|минут))"
        rf"(?:(?P<h>{_N})\s+(?P<hw>час[а-я]*)\s*)?(?:(?P<mi>{_N})\s+минут[а-я]*)?"
        r"(?:\s+и\s+за\s+[0-9]+\s+минут[а-я]*)?"
        rf"(?:\s+до\s+{_EV})?",
        _b_minutes,
        "минут час",
    ),
    # «не позднее 8:00 по местному времени», «в 10 часов утра по местному времени»
    _rule(
        r"(?:\b(?:не\s+позднее|не\s+позже|не\s+ранее)\s*,?\s+(?:чем\s+)?)?(?:\bв\s+)?"
        r"(?<![0-9.])\b(?P<h>[0-9]{1,2})(?:[:.](?P<mi>[0-9]{2})(?![0-9]|\.[0-9])"
        r"|\s+час[а-я]*(?:\s+утра)?)"
        rf"(?:\s+{_CLOCK_WORDS})?",
        _b_clock,
        ": . час",
    ),
    # «(не позднее чем) за 2 недели до экзамена»
    _rule(
        rf"(?:\bне\s+(?:позднее|позже|менее|ранее)\s+(?:чем\s+)?)?\bза\s+(?:(?P<n>{_N})\s*)?"
        rf"(?:{_WORKDAY}\s+)?(?P<unit>{_UNIT})\s+до\s+{_EV}",
        _b_before,
        "за",
    ),
    # «в течение 3 рабочих дней после объявления результатов»
    _rule(
        r"(?:\b(?:в\s+течение|не\s+позднее|не\s+позже|не\s+ранее|не\s+более|не\s+белее|"
        r"не\s+должна\s+превышать|через|спустя|за|"
        r"в\s+срок\s+не\s+позднее|в\s+срок\s+до)\s*,?\s+(?:чем\s+(?:через\s+)?)?)?"
        rf"\b(?:(?P<n>{_N})\s*-?\s*)?(?:{_WORKDAY}\s*)?(?P<unit>{_UNIT})\s*"
        r"(?:\([^()]*\)\s*)?,?\s*"
        r"(?P<dir>после(?:\s+(?:окончания|завершения|проведения))?(?:\s+дня)?|с\s+момента|"
        r"со\s+дня|с\s+(?:соответствующей\s+)?даты|от\s+даты|по\s+окончании|по\s+завершении"
        rf"|следующ[а-я]*\s+за\s+(?:официальным\s+)?дн[её]м|до)\s+{_EV}",
        _b_after,
        "дн ден сут недел месяц",
    ),
    # «в 3-дневный срок после …», «в двухнедельный срок со дня …»
    _rule(
        rf"\bв\s+(?:(?P<n>{_N})\s*-?\s*(?:х|ти|ми|и|е)?\s*-?\s*|(?P<nw>{_N})(?=дневн|недельн|месячн))?"
        r"(?P<unit>дневн|недельн|месячн)[а-я]*\s+срок[а-я]*\s+"
        r"(?P<dir>после(?:\s+(?:окончания|завершения|проведения))?|с\s+момента|со\s+дня|"
        rf"с\s+даты|от\s+даты|до)\s+{_EV}",
        _b_after,
        "срок",
    ),
    # «до 25 числа каждого месяца», «25-го числа»
    _rule(
        r"(?:\b(?:до|не\s+позднее|не\s+позже|к|ко)\s+)?\b(?P<d>[0-9]{1,2})\s*(?:-\s*(?:го|е|ое|му)\s*)?"
        r"числ[а-я]*(?:\s+(?:каждого|текущего|следующего|отчетного))*(?:\s+месяц[а-я]*)?"
        r"(?:\s*,?\s*следующ[а-я]*\s+за\s+отчетн[а-я]*(?:\s+(?:месяцем|периодом|кварталом))?)?",
        _b_monthday,
        "числ",
    ),
    # «в последний день месяца», «до последнего числа каждого месяца»: every month, its last
    # day («последний день августа» is one date, read by the grammar)
    _rule(
        r"(?:\b(?:в|до|не\s+позднее|не\s+позже|к)\s+)?\bпоследн[а-я]*\s+"
        r"(?:(?:день|дня|дню)\s+(?:(?:каждого|текущего|отчетного)\s+)?месяц[а-я]*"
        r"|числ[а-я]*(?:\s+(?:каждого|текущего|отчетного))*(?:\s+месяц[а-я]*)?)\b"
        r"(?!\s+(?:январ|феврал|март|апрел|ма[яй]|июн|июл|август|сентябр|октябр|ноябр|декабр))",
        _b_month_end,
        "последн",
    ),
    _rule(
        r"\bв\s+(?P<p>начале|середине|конце)\s+(?:каждого\s+|текущего\s+)?месяца\b",
        _b_month_part,
        "месяца",
    ),
    _rule(rf"\bв[о]?\s+(?:день|дни|дату|даты)\s+{_EV}", _b_day_of, "день дни дат"),
    _rule(rf"\bнакануне\b(?:\s+{_EV})?", _b_eve, "накануне"),
    _rule(
        r"\b(?P<how>после(?:\s+(?:окончания|завершения|проведения))?|по\s+окончании|"
        rf"по\s+завершении|по\s+итогам|по\s+результатам)\s+{_EV}",
        _b_following,
        "после оконч заверш итог результат",
    ),
    # during the exam period: «весь период проведения ГИА», «во время проведения ГИА»
    _rule(
        r"\b(?:(?:в\s+течение|на\s+протяжении)(?:\s+всего)?\s+период[а-я]*|весь\s+период|"
        r"в\s+период|в\s+сроки|в\s+течение|во\s+время|на\s+протяжении|в\s+ходе|при)\s+"
        rf"(?:(?:подготовки\s+и\s+)?(?:проведения|проведении|сдачи)|подготовки\s+к)(?:\s+{_EV})?",
        _ongoing(""),
        "проведени сдачи подготовк",
    ),
    _rule(
        r"\b(?:весь|в\s+течение\s+всего|на\s+протяжении\s+всего)\s+период[а-я]*"
        rf"(?:\s+(?={_EVN}){_EV})?",
        _ongoing("period"),
        "период",
    ),
    _rule(
        r"\b(?:до|не\s+позднее|не\s+позже|к|перед)\s+(?:(?:начала|началом|началу|проведения|проведением|проведению"
        rf"|дня|дню|даты|момента|моменту|старта|окончания|завершения)\s+)*(?={_EVN}){_EV}",
        _b_until_event,
        "экзамен гиа егэ огэ гвэ сочинени изложени собеседовани апелляц результат итогов",
    ),
    _rule(
        r"\b(?:ежедневн[а-я]*|еженедельн[а-я]*|ежемесячн[а-я]*|ежеквартальн[а-я]*|ежегодн[а-я]*"
        r"|каждый\s+день|каждую\s+неделю|каждый\s+месяц|каждого\s+месяца|каждый\s+квартал"
        r"|каждое\s+полугодие|каждый\s+год)\b",
        _b_freq,
        "ежедн еженед ежемес ежекв ежегод кажд",
    ),
    _rule(
        rf"(?:\b(?P<k>{_N})\s+)?\bраза?\s+в\s+(?:(?P<n>{_N})\s+)?(?P<u>день|дня|дней|сутки"
        r"|неделю|недели|недель|месяц|месяца|месяцев|квартал|квартала|кварталов|полугодие"
        r"|полгода|четверть|четверти|год|года|лет)\b",
        _b_times,
        "раз",
    ),
    _rule(
        rf"\b(?:по|кажд[а-я]*|в|во)\s+{_WD}(?:\s*(?:,|и)\s*(?:(?:по|в|во)\s+)?{_WD})*",
        _b_weekday,
        "понедельник вторник сред четверг пятниц суббот воскресень",
    ),
    _rule(
        r"\bв\s+течение\s+(?:(?:всего|текущего|календарного|учебного)\s+)*года\b",
        _ongoing("period"),
        "течение",
    ),
    _rule(
        r"\b(?:в\s+течение|не\s+более|не\s+должн[а-я]*\s+превышать)\s+"
        rf"(?:(?P<n>{_N})\s+)?(?:{_WORKDAY}\s*)?(?P<unit>{_UNIT}|час[а-я]*)(?![а-я])"
        r"(?:\s+(?:после|с\s+момента)\s+[а-я]+(?:\s+[а-я]+)??)?",
        _b_unanchored,
        "течение более превышать",
    ),
    _rule(
        r"\b(?:постоянно|систематически|регулярно|непрерывно|круглогодично|"
        r"по\s+мере\s+необходимости|при\s+необходимости|в\s+случае\s+необходимости|"
        r"в\s+постоянном\s+режиме|в\s+рабочем\s+порядке|на\s+постоянной\s+основе|бессрочно"
        r"|без\s+ограничения\s+срока)\b",
        _ongoing("period"),
        "постоянн систематич регулярно непрерывно круглогодично необходимост рабочем"
        " бессрочно ограничения",
    ),
    # someone else's schedule: «по графику ФЦТ», «в соответствии с ...», «по согласованию»
    _rule(
        r"\bграфик[а-я]*|\bрасписани[а-я]*|\bпо\s+(?:[а-я]+\s+){0,2}?план[а-я]*"
        r"|\bв\s+соответствии\s+со?\b|\bсогласно\b|\bпо\s+согласовани[а-я]*"
        r"|\bпо\s+(?:запрос|требовани|решени|указани|поручени|приглашени|заявк|факту|вызову)"
        r"[а-я]*|\bпо\s+мере\s+[а-я]+"
        r"|\bв\s+(?:сроки?\s*,?\s*)?(?:установленн|утвержденн|определенн|предусмотренн|указанн"
        r"|регламентированн|согласованн)[а-я]*(?:\s+[^\s,;()\x00\x01]+){0,6}?\s+срок[а-я]*"
        r"|\bв\s+срок[а-я]*\s*,?\s*(?:установленн|утвержденн|определенн|предусмотренн"
        r"|указанн)[а-я]*|\bв\s+установленн[а-я]*\s+порядке|\bопределя[а-я]*"
        r"|\bбуд(?:ут|ет)\s+определен[а-я]*|\bуточня[а-я]*|\bустанавлива[а-я]*|\bутвержда[а-я]*",
        _b_external,
        "график расписани план соответстви согласно согласовани запрос требовани решени"
        " указани поручени приглашени заявк факту вызову мере срок порядк определ уточня"
        " устанавлива утвержда",
    ),
    _rule(r"\b(?:в\s+течение|на\s+протяжении)\b", _ongoing("any"), "течение протяжении"),
)


# --------------------------------------------------------------------- cleaning

_TAG_RE = re.compile(r"<[^>]*>")
_CTRL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u00ad\u200b-\u200d\u2060\ufeff]")
_WS_RE = re.compile(r"\s+")
_NORM_TABLE = str.maketrans(
    {
        **dict.fromkeys("‐‑‒–—―−﹘﹣－", "-"),
        "ё": "е",
        "і": "i",
        "ⅰ": "i",
    }
)


# Latin letters that look like Cyrillic ones, as typed inside Russian words («нoября»)
_LOOKALIKES = str.maketrans("aAeEoOpPcCxXyKkMTHBm", "аАеЕоОрРсСхХуКкМТНВт")
_MIXED_WORD_RE = re.compile(
    r"[^\W\d_]*(?:[a-zA-Z][^\W\d_]*[а-яА-ЯёЁ]|[а-яА-ЯёЁ][^\W\d_]*[a-zA-Z])[^\W\d_]*"
)


def _clean(text: str) -> str:
    """Plain one-line text: no HTML, no control characters, single spaces, no look-alikes."""
    s = _TAG_RE.sub(" ", html.unescape(text))
    s = _CTRL_RE.sub("", s)
    s = _MIXED_WORD_RE.sub(lambda m: m[0].translate(_LOOKALIKES), s)
    return _WS_RE.sub(" ", s).strip()


def _normalise(clean: str) -> str:
    """Lower-case, «ё»→«е», dashes→"-"; length-preserving so spans map back to clean."""
    low = clean.lower()
    if len(low) != len(clean):
        low = "".join(c.lower() if len(c.lower()) == 1 else c for c in clean)
    return low.translate(_NORM_TABLE)


# -------------------------------------------------------------------- tokenizer

# ASCII digits only: "¹".isdigit() is true but int("¹") fails
_TOKEN_RE = re.compile(r"\x00\x01*|[0-9]+|[^\W\d_]+|\S")


@dataclass(slots=True)
class _Tok:
    text: str
    start: int
    end: int
    gap: bool  # whitespace (or the start of the text) before the token

    @property
    def is_num(self) -> bool:
        return "0" <= self.text[0] <= "9"


@dataclass(slots=True)
class _Atom:
    kind: str
    start: int
    end: int
    text: str = ""
    value: int = 0
    value2: int = 0
    year: int | None = None
    ok: bool = True
    group: int = -1  # innermost parenthesised group, -1 outside any
    marker: _Marker | None = None


_PUNCT_KINDS = {
    "-": "dash",
    ",": "comma",
    ";": "semi",
    ":": "colon",
    ".": "dot",
    "(": "lparen",
    "[": "lparen",
    ")": "rparen",
    "]": "rparen",
    "/": "slash",
}


class _Atomizer:
    """Folds raw tokens into grammar atoms (dates, years, school years, labels ...)."""

    def __init__(self, toks: list[_Tok], markers: dict[int, _Marker]) -> None:
        self.toks = toks
        self.n = len(toks)
        self.markers = markers
        self.atoms: list[_Atom] = []
        self.parens: list[int] = []  # open parenthesised groups, innermost last
        self.next_group = 0

    def text(self, k: int) -> str:
        return self.toks[k].text if 0 <= k < self.n else ""

    def num(self, k: int, max_len: int = 99) -> bool:
        return 0 <= k < self.n and self.toks[k].is_num and len(self.toks[k].text) <= max_len

    def gap(self, k: int) -> bool:
        return 0 <= k < self.n and self.toks[k].gap

    def run(self) -> list[_Atom]:
        k = 0
        while k < self.n:
            tok = self.toks[k]
            if tok.text[0] == "\x00":
                k = self._add("mark", k, k + 1, marker=self.markers[tok.start])
            elif tok.is_num:
                k = self._number(k)
            elif tok.text[0].isalpha():
                k = self._word(k)
            else:
                kind = _PUNCT_KINDS.get(tok.text, "punct")
                if kind == "lparen":
                    self.parens.append(self.next_group)
                    self.next_group += 1
                k = self._add(kind, k, k + 1, text=tok.text)
                if kind == "rparen" and self.parens:
                    self.parens.pop()  # after _add: a closing paren belongs to its group
        return self.atoms

    def _add(self, kind: str, k0: int, k1: int, **kw: object) -> int:
        """Append an atom spanning tokens k0..k1-1 and return k1."""
        group = self.parens[-1] if self.parens else -1
        atom = _Atom(kind, self.toks[k0].start, self.toks[k1 - 1].end, group=group)
        for key, value in kw.items():
            setattr(atom, key, value)
        if atom.marker is not None:
            atom.marker.group = group
        self.atoms.append(atom)
        return k1

    def _skip_year_word(self, k: int) -> int:
        """Skip «г.», «года» etc. after a complete date or year."""
        if self.text(k) in _YEAR_WORDS:
            k += 1
            if self.text(k) == "." and self.text(k - 1) in ("г", "гг"):
                k += 1
        return k

    def _number(self, k: int) -> int:
        t = self.text
        raw = t(k)
        # ISO 2024-03-01 and 2024.03.01
        if (
            len(raw) == 4
            and t(k + 1) in ("-", ".")
            and t(k + 3) == t(k + 1)
            and self.num(k + 2, 2)
            and self.num(k + 4, 2)
            and not any(self.gap(i) for i in range(k + 1, k + 5))
        ):
            return self._date(k, k + 5, t(k + 4), t(k + 2), raw)
        if (
            len(raw) <= 2
            and 1 <= int(raw) <= 12
            and t(k + 1) in (".", "/")
            and len(t(k + 2)) == 4
            and self.num(k + 2)
            and _year_ok(int(t(k + 2)))
            and not self.gap(k + 1)
            and not self.gap(k + 2)
        ):
            # «03.2024»: a month and its year
            self._add("month", k, k + 1, value=int(raw))
            return self._add("year", k + 2, k + 3, value=int(t(k + 2)), text=t(k + 2))
        if len(raw) <= 2 and t(k + 1) in (".", "/") and self.num(k + 2, 2):
            done = self._dotted(k)
            if done is not None:
                return done
        if len(raw) == 4 and t(k + 1) in ("/", "-") and self.num(k + 2, 4):
            done = self._school_year(k)
            if done is not None:
                return done
        # «1-го», «2-й»: an ordinal suffix glued with a dash
        ordinal_end = k + 1
        if (
            t(k + 1) == "-"
            and t(k + 2) in _ORDINAL_SUFFIXES
            and not self.gap(k + 1)
            and not self.gap(k + 2)
        ):
            ordinal_end = k + 3
        value = int(raw) if len(raw) <= 12 else 10**12
        if t(ordinal_end) in _YEAR_WORDS:
            end = self._skip_year_word(ordinal_end)
            ok = len(raw) == 4 and _year_ok(value)
            return self._add("year", k, end, value=value, ok=ok, text=raw)
        if len(raw) == 4 and _year_ok(value) and ordinal_end == k + 1:
            return self._add("year", k, k + 1, value=value, text=raw)
        return self._add("num", k, ordinal_end, value=value, text=raw)

    def _dotted(self, k: int) -> int | None:
        """dd.mm, dd.mm.yy, dd.mm.yyyy, dd/mm/yyyy with broken spacing around dots."""
        t = self.text
        sep = t(k + 1)
        day_raw, month_raw = t(k), t(k + 2)
        j = k + 3
        year_raw: str | None = None
        if sep == "/":
            if t(j) != "/" or not self.num(j + 1, 4) or self.gap(j) or self.gap(j + 1):
                return None
            year_raw, j = t(j + 1), j + 2
        elif t(j) == ".":
            nxt = j + 1
            if self.num(nxt) and not (t(nxt + 1) == "." and self.num(nxt + 2, 2)):
                # a spaced year must look like one: «02.10. 2023», not «01.03. 15.04»
                if not self.gap(nxt) or len(t(nxt)) == 4 or t(nxt + 1) in _YEAR_WORDS:
                    year_raw, j = t(nxt), nxt + 1
                else:
                    j = nxt
            else:
                j = nxt
        elif _month_from_word(t(j)) is not None:
            return None  # «1. 2 марта» is a numbered list, not a date
        day, month = int(day_raw), int(month_raw)
        if not (1 <= day <= 31 and 1 <= month <= 12):
            if year_raw is None:
                return None
            return self._add("baddate", k, j)
        return self._date(k, j, day_raw, month_raw, year_raw)

    def _date(self, k0: int, k1: int, day: str, month: str, year_raw: str | None) -> int:
        year: int | None = None
        bad = ""
        if year_raw is not None:
            value = int(year_raw) if len(year_raw) <= 12 else 0
            if len(year_raw) == 2:
                year = 2000 + value
            elif len(year_raw) == 4 and _year_ok(value):
                year = value
            else:
                bad = year_raw
        if not (1 <= int(day) <= 31 and 1 <= int(month) <= 12):
            return self._add("baddate", k0, k1)
        if year is not None:
            k1 = self._skip_year_word(k1)
        return self._add("date", k0, k1, value=int(day), value2=int(month), year=year, text=bad)

    def _school_year(self, k: int) -> int | None:
        """«2023/24», «2023-2024 уч. г.», «2023–2024 учебный год», «2023-2025 гг.»."""
        t = self.text
        first_raw, sep, second_raw = t(k), t(k + 1), t(k + 2)
        if len(second_raw) not in (2, 4):
            return None
        first = int(first_raw)
        second = _second_year(first, second_raw)
        j = k + 3
        school_words = plural = year_word = False
        while True:
            w = t(j)
            if w == "уч" or w.startswith("учебн"):
                school_words = True
                j += 1
            elif w == "у" and t(j + 1) == "." and t(j + 2) == "г":
                school_words = True
                j += 2
            elif w in _YEAR_WORDS:
                year_word = True
                plural = plural or w in _PLURAL_YEAR_WORDS
                j += 1
            elif w == "." and (school_words or year_word):
                j += 1
            else:
                break
        if second == first + 1 and _year_ok(first):
            if plural and not school_words:
                return self._add("yrange", k, j, value=first, value2=second)
            return self._add("sy", k, j, value=first, text=self._slice(k, j))
        if sep == "-" and len(second_raw) == 4 and _year_ok(first) and _year_ok(second):
            if first < second:
                return self._add("yrange", k, j, value=first, value2=second)
            return None
        if sep == "/" or school_words:
            return self._add("sy", k, j, value=first, ok=False, text=self._slice(k, j))
        return None

    def _slice(self, k0: int, k1: int) -> str:
        return "".join(
            (" " if i > k0 and self.toks[i].gap else "") + self.toks[i].text for i in range(k0, k1)
        )

    def _word(self, k: int) -> int:
        t = self.text
        w = t(k)
        if w in ("гиа", "гвэ", "егэ", "огэ", "ис"):
            j = k + 1
            if t(j) == "-":
                j += 1
            if self.num(j):
                if w in ("гиа", "гвэ", "ис") and t(j) in ("9", "11"):
                    return self._add("label", k, j + 1, text=f"{w.upper()}-{t(j)}")
                return self._add("word", k, j + 1, text=w)  # «ЕГЭ-2024» names an exam
            if w == "ис":
                return self._add("word", k, k + 1, text=w)
            return self._add("lword", k, k + 1, text=w.upper())
        if w == "уч" or w.startswith("учебн") or (w == "у" and t(k + 1) == "."):
            j = k + 1
            if t(j) == ".":
                j += 1
            if t(j) in _YEAR_WORDS:
                j = self._skip_year_word(j)
                shift = 0
                if self.atoms and self.atoms[-1].kind == "word":
                    shift = _SY_MODIFIERS.get(self.atoms[-1].text, 0)
                if shift:
                    # fold «следующего» into the school-year atom so «к началу» reaches it
                    modifier = self.atoms.pop()
                    self._add("syword", k, j, value=shift)
                    self.atoms[-1].start = modifier.start
                    return j
                return self._add("syword", k, j, value=shift)
            return self._add("word", k, k + 1, text=w)
        if w == "не" and t(k + 1) in ("позднее", "позже", "ранее"):
            j = k + 2
            if t(j) == "чем":
                j += 1
            return self._add("prep", k, j, text="from" if t(k + 1) == "ранее" else "until")
        if w in ("до", "к", "ко"):
            return self._add("prep", k, k + 1, text="until")
        if w == "по":
            return self._add("prep", k, k + 1, text="po")
        if w in ("с", "со", "от", "после"):
            return self._add("prep", k, k + 1, text="from")
        if w.startswith("последн") and t(k + 1).startswith(
            ("недел", "декад", "ден", "дн", "числ")
        ):
            # «последняя неделя августа», «последняя декада мая», «последний день августа»:
            # the last one of the month
            return self._add("ord", k, k + 1, value=LAST, text=w)
        last_before = self.atoms and self.atoms[-1].kind == "ord" and self.atoms[-1].value == LAST
        if (w in ("день", "дня", "дню", "днем", "днём") or w.startswith("числ")) and last_before:
            return self._add("unit", k, k + 1, text="lastday")
        if w.startswith("недел") and self.atoms and self.atoms[-1].kind in ("ord", "num"):
            # «первая неделя сентября», «3-я неделя марта»; other weeks («за неделю до…»)
            # stay words for the offset rules
            return self._add("unit", k, k + 1, text="week")
        kind, value = _classify_word(w)
        if kind == "unit":
            return self._add(kind, k, k + 1, text=_UNIT_NAMES[value])
        return self._add(kind, k, k + 1, value=value, text=w)


# ---------------------------------------------------------------------- grammar


@dataclass(slots=True)
class _Point:
    kind: str
    start: int
    end: int
    month: int = 0  # anchor month for year inference; 0 = the point has a fixed year
    day: int = 0
    sub: int = 0
    year: int | None = None
    year_raw: str | None = None
    sy: SchoolYear | None = None
    sy_named: bool = False  # the text names this school year with digits or «следующего»
    sy_raw: str | None = None
    source: str = ""
    resolved: int = 0
    group: int = 0


@dataclass(slots=True)
class _Item:
    form: str  # single | range | until | from
    a: _Point | None
    b: _Point | None
    start: int
    end: int
    group: int = -1
    label: str | None = None
    ongoing: bool = False
    window: Window | None = None

    def points(self) -> list[_Point]:
        if self.a is not None and self.a is self.b:
            return [self.a]
        return [p for p in (self.a, self.b) if p is not None]


_SEPARATORS = frozenset({"comma", "semi", "colon", "lparen", "rparen", "and", "dot"})
_POINT_STARTS = frozenset(
    {"date", "num", "ord", "month", "part", "season", "year", "yrange", "sy", "syword", "prep"}
)
_QUALIFIER_RE = re.compile(
    r"период|этап|класс|сочинени|собеседовани|гиа|егэ|огэ|гвэ|досрочн|основн|дополнительн"
    r"|резерв|пересдач|волн"
)
_PART_MONTH_OF_YEAR = {1: 1, 2: 6, 3: 12}
_SEASON_MONTHS = {0: 3, 1: 6, 2: 9, 3: 12}
_SCHOOL_QUARTERS = {1: (9, 10), 2: (11, 12), 3: (1, 3), 4: (4, 5)}


class _Grammar:
    """Recursive descent over atoms: finds items, qualifiers and claims."""

    def __init__(self, atoms: list[_Atom], clean: str, plan: SchoolYear) -> None:
        self.atoms = atoms
        self.n = len(atoms)
        self.clean = clean
        self.plan = plan
        self.parts: list[_Item | _Marker] = []
        self.items: list[_Item] = []
        self.qualifiers: list[str] = []
        self.label_groups: set[int] = set()
        self.current_label: str | None = None
        self.label_group = 0
        self.suffix_from = 0
        self.pending: _Marker | None = None
        self.last_end = -1

    def kind(self, i: int) -> str:
        return self.atoms[i].kind if 0 <= i < self.n else ""

    def run(self) -> None:
        i = 0
        while i < self.n:
            atom = self.atoms[i]
            kind = atom.kind
            if kind == "mark" and atom.marker is not None:
                atom.marker.label = self.current_label
                self.parts.append(atom.marker)
                self.pending = atom.marker if atom.marker.claim else None
                i += 1
                continue
            if kind in ("label", "lword"):
                j = self._label(i)
                i = max(j, i + 1)
                continue
            if kind == "colon" and self._colon_label(i):
                i += 1
                continue
            if kind in _SEPARATORS:
                self.pending = None
            if kind == "rparen":
                # «до 20.12 (итоговое сочинение), до 01.02 (ГИА-11)»: a remark in brackets
                # closes what came before it; a later label does not reach back past it.
                self.suffix_from = len(self.parts)
            if kind in ("year", "sy", "syword") and self._trailing(i):
                i += 1
                continue
            j = self._item(i)
            i = max(j, i + 1)

    # ---------------------------------------------------------------- qualifiers

    def _label(self, i: int) -> int:
        names: list[str] = []
        strong = True
        j = i
        while self.kind(j) in ("label", "lword"):
            names.append(self.atoms[j].text)
            strong = strong and self.kind(j) == "label"
            j += 1
            if self.kind(j) in ("comma", "and") and self.kind(j + 1) in ("label", "lword"):
                j += 1
                continue
            break
        prev = self.atoms[i - 1] if i > 0 else None
        after_for = prev is not None and prev.kind == "word" and prev.text == "для"
        if self.kind(j) == "colon":
            return self._prefix(names, i, j + 1)
        if after_for:
            return self._prefix(names, i, j + 1 if self.kind(j) == "dash" else j)
        if self.kind(i - 1) == "lparen" and self.kind(j) == "rparen":
            if self.suffix_from == len(self.parts):
                return self._prefix(names, i, j)  # «(ГИА-9) до 01.03»: nothing before it
            return self._suffix(names, i, j)
        if not strong:
            return i
        if self.kind(j) == "dash" and self._point(j + 1) is not None:
            return self._prefix(names, i, j + 1)
        at_start = i == 0 or self.kind(i - 1) in _SEPARATORS | {"mark"}
        if at_start and self.kind(j) in _POINT_STARTS and self._starts_item(j):
            return self._prefix(names, i, j)
        if self.last_end == i:
            return self._suffix(names, i, j)
        return i

    def _starts_item(self, j: int) -> bool:
        if self.kind(j) == "prep":
            return self._point(j + 1) is not None
        return self._point(j) is not None

    def _remember(self, names: list[str], i: int) -> None:
        for name in names:
            if name not in self.qualifiers:
                self.qualifiers.append(name)
        self.label_groups.add(self.atoms[i].group)
        self.pending = None

    def _prefix(self, names: list[str], i: int, j: int) -> int:
        self._remember(names, i)
        self.current_label = ", ".join(names)
        self.label_group += 1
        self.suffix_from = len(self.parts)
        return j

    def _suffix(self, names: list[str], i: int, j: int) -> int:
        self._remember(names, i)
        label = ", ".join(names)
        for part in self.parts[self.suffix_from :]:
            if part.label is None:
                part.label = label
        self.suffix_from = len(self.parts)
        return j

    def _colon_label(self, i: int) -> bool:
        """«Досрочный период: март 2024» — a free-text qualifier before a colon."""
        k = i - 1
        while k >= 0 and self.kind(k) in ("word", "lword", "num", "dash") and i - k <= 5:
            k -= 1
        first = k + 1
        if first == i or first <= self.last_end - 1 or (k >= 0 and self.kind(k) == "word"):
            return False
        text = self.clean[self.atoms[first].start : self.atoms[i].start].strip()
        low = _normalise(text)
        if low.startswith("для "):
            text, low = text[4:].strip(), low[4:].strip()
        if not _QUALIFIER_RE.search(low) or low.startswith(("срок", "дата")):
            return False
        self._prefix([text.replace("–", "-").replace("—", "-")], first, i + 1)
        return True

    # --------------------------------------------------------------------- items

    def _trailing(self, i: int) -> bool:
        """A year after a comma still belongs to the list: «январь – февраль, 2024 г.»."""
        prev = i - 1
        if self.kind(prev) == "comma":
            prev -= 1
        if not self.items or self.last_end != prev + 1:
            return False
        item = self.items[-1]
        last = item.b if item.b is not None else item.a
        if last is None or last.month == 0 or self._has_year(last):
            return False
        self._attach(last, i)
        item.end = max(item.end, self.atoms[i].end)
        self.last_end = i + 1
        return True

    def _item(self, i: int) -> int:
        atom = self.atoms[i]
        if atom.kind == "prep":
            got = self._point(i + 1)
            if got is None:
                return i
            p, j, p2 = got
            if atom.text in ("until", "po"):
                self._add(_Item("until", None, p2 or p, 0, 0), i, j)
                return j
            if p2 is not None:
                self._add(_Item("range", p, p2, 0, 0), i, j)
                return j
            end = self._range_end(j)
            if end is not None:
                self._add(_Item("range", p, end[0], 0, 0), i, end[1])
                return end[1]
            self._add(_Item("from", p, None, 0, 0), i, j)
            return j
        got = self._point(i)
        if got is None:
            return i
        p, j, p2 = got
        if p2 is not None:
            self._add(_Item("range", p, p2, 0, 0), i, j)
            return j
        end = self._range_end(j)
        if end is not None:
            self._add(_Item("range", p, end[0], 0, 0), i, end[1])
            return end[1]
        self._add(_Item("single", p, p, 0, 0), i, j)
        return j

    def _range_end(self, j: int) -> tuple[_Point, int] | None:
        k = j
        if self.kind(k) == "dot" and self.kind(k + 1) in ("dash", "prep"):
            k += 1  # «окт.-дек.»: the dot of an abbreviation
        if self.kind(k) == "dash":
            k += 1
            if self.kind(k) == "prep" and self.atoms[k].text in ("until", "po"):
                k += 1
        elif self.kind(k) == "prep" and self.atoms[k].text in ("until", "po"):
            k += 1
        else:
            return None
        got = self._point(k)
        if got is None:
            return None
        p, end, p2 = got
        return (p2 or p), end

    def _add(self, item: _Item, i: int, j: int) -> None:
        item.start = self.atoms[i].start
        item.end = self.atoms[j - 1].end
        item.group = self.atoms[i].group
        item.label = self.current_label
        for p in item.points():
            p.group = self.label_group
        only = item.a if item.form == "single" else None
        marker = self.pending
        if marker is not None and (
            marker.claim == "any" or (only is not None and only.kind in ("sy", "year", "yrange"))
        ):
            item.ongoing = marker.claimed = True
        if only is not None and only.kind == "sy":
            item.ongoing = True  # a bare school-year form is the whole year
        self.pending = None
        self.items.append(item)
        self.parts.append(item)
        self.last_end = j

    # -------------------------------------------------------------------- points

    @staticmethod
    def _has_year(p: _Point) -> bool:
        return p.year is not None or p.sy is not None or p.year_raw is not None

    def _attach(self, p: _Point, j: int) -> int:
        """Take a year or school year that follows point p, if p has none yet."""
        if self._has_year(p):
            return j
        k = j
        if self.kind(k) == "dot" and self.kind(k + 1) in ("year", "sy", "syword"):
            k += 1
        if k >= self.n:
            return j
        atom = self.atoms[k]
        if atom.kind == "year":
            if atom.ok:
                p.year = atom.value
            else:
                p.year_raw = atom.text
        elif atom.kind == "sy":
            p.sy = SchoolYear(atom.value) if atom.ok else self.plan
            p.sy_named = atom.ok
            p.sy_raw = None if atom.ok else atom.text
        elif atom.kind == "syword":
            p.sy = SchoolYear(self.plan.first + atom.value)
        elif (
            atom.kind == "num"
            and p.kind in ("month", "date")
            and len(atom.text) >= 3
            and self.kind(k + 1) != "month"
        ):
            p.year_raw = atom.text  # «марта 204», «май 20244»: meant as a year
        else:
            return j
        p.end = atom.end
        return k + 1

    def _point(self, i: int) -> tuple[_Point, int, _Point | None] | None:
        if not 0 <= i < self.n:
            return None
        a = self.atoms[i]
        k = a.kind
        nxt = self.kind(i + 1)
        if k == "date":
            p = _Point("date", a.start, a.end, month=a.value2, day=a.value)
            if a.year is not None:
                p.year = a.year
                return p, i + 1, None
            if a.text:
                p.year_raw = a.text
                return p, i + 1, None
            return p, self._attach(p, i + 1), None
        if k == "baddate":
            return _Point("bad", a.start, a.end), i + 1, None
        if k == "num":
            if nxt == "unit" and 1 <= a.value <= 4:
                return self._ordinal(i)
            if nxt == "month" and 1 <= a.value <= 31 and len(a.text) <= 2:
                m = self.atoms[i + 1]
                p = _Point("date", a.start, m.end, month=m.value, day=a.value)
                return p, self._attach(p, i + 2), None
            if (
                nxt == "dash"
                and self.kind(i + 2) in ("ord", "num")
                and self.kind(i + 3) == "unit"
                and 1 <= a.value <= 4
            ):
                return self._ordinal(i)
            joins = nxt in ("dash", "comma", "and") or (
                nxt == "prep" and self.atoms[i + 1].text in ("until", "po")
            )
            if joins and 1 <= a.value <= 31 and len(a.text) <= 2:
                return _Point("day", a.start, a.end, day=a.value), i + 1, None
            return None
        if k == "ord":
            return self._ordinal(i)
        if k == "month":
            p = _Point("month", a.start, a.end, month=a.value)
            j = i + 1
            if nxt == "dash" and self.kind(j + 1) == "year" and self.atoms[j + 1].ok:
                # «Ноябрь-2022»: a dash between a month and its year
                p.year = self.atoms[j + 1].value
                p.end = self.atoms[j + 1].end
                return p, j + 2, None
            return p, self._attach(p, j), None
        if k == "part":
            return self._part(i)
        if k == "season":
            p = _Point("season", a.start, a.end, month=_SEASON_MONTHS[a.value], sub=a.value)
            return p, self._attach(p, i + 1), None
        if k == "year":
            if a.ok:
                return _Point("year", a.start, a.end, year=a.value), i + 1, None
            p = _Point("sy", a.start, a.end, sy=self.plan, year_raw=a.text)
            return p, i + 1, None
        if k == "yrange":
            return _Point("yrange", a.start, a.end, year=a.value, sub=a.value2), i + 1, None
        if k == "sy":
            sy = SchoolYear(a.value) if a.ok else self.plan
            p = _Point("sy", a.start, a.end, sy=sy, sy_named=a.ok)
            p.sy_raw = None if a.ok else a.text
            return p, i + 1, None
        if k == "syword":
            sy = SchoolYear(self.plan.first + a.value)
            return _Point("sy", a.start, a.end, sy=sy), i + 1, None
        return None

    def _ordinal(self, i: int) -> tuple[_Point, int, _Point | None] | None:
        """«I квартал», «1-2 кв.», «вторая декада мая», «II полугодие», «первая половина марта»."""
        n1 = self.atoms[i].value
        n2: int | None = None
        j = i + 1
        if self.kind(j) == "dash" and self.kind(j + 1) in ("ord", "num"):
            n2 = self.atoms[j + 1].value
            j += 2
        if self.kind(j) != "unit":
            return None
        unit = self.atoms[j].text
        j += 1
        if self.kind(j) == "dot":
            j += 1
        top = _UNIT_MAX[unit]
        if n1 == LAST and n2 is None and unit in _LAST_OF:
            n1 = _LAST_OF[unit]
        elif not 1 <= n1 <= top or (n2 is not None and not n1 < n2 <= top):
            return None
        month = 0
        if unit in _MONTH_UNITS:
            if self.kind(j) != "month":
                return None
            month = self.atoms[j].value
            j += 1
        start = self.atoms[i].start
        end = self.atoms[j - 1].end
        p = self._unit_point(unit, n1, month, start, end)
        p2 = None if n2 is None else self._unit_point(unit, n2, month, start, end)
        j = self._attach(p2 or p, j)
        return p, j, p2

    @staticmethod
    def _unit_point(unit: str, n: int, month: int, start: int, end: int) -> _Point:
        if unit == "quarter":
            month = 3 * n - 2
        elif unit == "half":
            month = 9 if n == 1 else 1
        elif unit == "schoolq":
            month = _SCHOOL_QUARTERS[n][0]
        return _Point(unit, start, end, month=month, sub=n)

    def _part(self, i: int) -> tuple[_Point, int, _Point | None] | None:
        """«начало/середина/конец» of a month, a year or a school year."""
        a = self.atoms[i]
        j = i + 1
        if self.kind(j) == "ord" or self.kind(j) == "unit":
            return None
        nk = self.kind(j)
        if nk == "month":
            m = self.atoms[j]
            p = _Point("mpart", a.start, m.end, month=m.value, sub=a.value)
            return p, self._attach(p, j + 1), None
        if nk == "year":
            y = self.atoms[j]
            p = _Point("ypart", a.start, y.end, month=_PART_MONTH_OF_YEAR[a.value], sub=a.value)
            if y.ok:
                p.year = y.value
            else:
                p.year_raw = y.text
            return p, j + 1, None
        if nk in ("sy", "syword"):
            got = self._point(j)
            if got is None or got[0].sy is None:
                return None
            sy_point = got[0]
            p = _Point("sypart", a.start, sy_point.end, sub=a.value, sy=sy_point.sy)
            p.sy_named, p.sy_raw = sy_point.sy_named, sy_point.sy_raw
            return p, got[1], None
        if nk == "yearword":
            y = self.atoms[j]
            return (
                _Point("ypart", a.start, y.end, month=_PART_MONTH_OF_YEAR[a.value], sub=a.value),
                j + 1,
                None,
            )
        return None


# ------------------------------------------------------------------- resolution


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _months(y: int, m0: int, m1: int) -> tuple[date, date]:
    """First day of month m0 to the last day of month m1 (m1 may exceed 12)."""
    y1, m1n = (y + 1, m1 - 12) if m1 > 12 else (y, m1)
    return date(y, m0, 1), date(y1, m1n, _last_day(y1, m1n))


def _span(p: _Point) -> tuple[date, date] | None:
    """The dates a resolved point covers, or None when it names no real day."""
    y, m, k = p.resolved, p.month, p.kind
    if k == "date":
        if p.day > _last_day(y, m):
            return None
        d = date(y, m, p.day)
        return d, d
    if k == "month":
        return _months(y, m, m)
    if k in ("decade", "mpart", "halfm", "week", "lastday"):
        last = _last_day(y, m)
        bounds = {
            "lastday": ((last, last),),
            "halfm": ((1, 15), (16, last)),
            "week": ((1, 7), (8, 14), (15, 21), (22, 28), (last - 6, last)),
        }.get(k, ((1, 10), (11, 20), (21, last)))
        lo, hi = bounds[p.sub - 1]
        return date(y, m, lo), date(y, m, hi)
    if k == "quarter":
        return _months(y, m, m + 2)
    if k == "half":
        if p.source == "explicit":
            return _months(y, 1, 6) if p.sub == 1 else _months(y, 7, 12)
        return _months(y, 9, 12) if p.sub == 1 else _months(y, 1, 5)
    if k == "schoolq":
        m0, m1 = _SCHOOL_QUARTERS[p.sub]
        return _months(y, m0, m1)
    if k == "season":
        return _months(y, m, m + 2)
    if k == "ypart":
        return _months(y, 6, 7) if p.sub == 2 else _months(y, m, m)
    if k == "sypart" and p.sy is not None:
        sy = p.sy
        if p.sub == 1:
            return _months(sy.first, 9, 9)
        return _months(sy.second, 1, 1) if p.sub == 2 else _months(sy.second, 5, 5)
    if k == "year" and p.year is not None:
        return date(p.year, 1, 1), date(p.year, 12, 31)
    if k == "yrange" and p.year is not None:
        return date(p.year, 1, 1), date(p.sub, 12, 31)
    if k == "sy" and p.sy is not None:
        return p.sy.start, p.sy.end
    return None


class _Resolver:
    """Gives every point a year and every item a window; collects warnings."""

    def __init__(self, grammar: _Grammar, clean: str, plan: SchoolYear) -> None:
        self.g = grammar
        self.clean = clean
        self.plan = plan
        self.warnings: list[str] = []

    def run(self) -> None:
        points: list[_Point] = []
        for item in self.g.items:
            points.extend(item.points())
        self._borrow(points)
        self._years(points)
        self._additional_period(points)
        for item in self.g.items:
            item.window = self._window(item)
        self._warn_years(points)
        self._warn_period()

    @staticmethod
    def _borrow(points: list[_Point]) -> None:
        """«с 1 по 15 марта», «1, 15 марта»: a bare day takes the month of what follows."""
        for idx, p in enumerate(points):
            if p.kind != "day":
                continue
            for q in points[idx + 1 :]:
                if q.kind == "day":
                    continue
                if q.kind in ("date", "month"):
                    p.kind, p.month = "date", q.month
                    p.year, p.year_raw, p.sy = q.year, q.year_raw, q.sy
                break

    def _years(self, points: list[_Point]) -> None:
        # Right to left: a trailing year flows back through the list, assuming the
        # source order is chronological («октябрь – май 2024» → October 2023).
        anchor: tuple[int, int] | None = None
        anchor_sy: SchoolYear | None = None
        group: int | None = None
        for p in reversed(points):
            if p.group != group:
                anchor, anchor_sy, group = None, None, p.group
            if p.month == 0 or p.kind in ("day", "bad"):
                continue
            if p.year is not None:
                if p.kind == "half":
                    p.month = 1 if p.sub == 1 else 7
                p.resolved, p.source = p.year, "explicit"
                anchor, anchor_sy = (p.year, p.month), None
            elif p.sy is not None:
                p.resolved, p.source = p.sy.year_for_month(p.month), "sy"
                anchor, anchor_sy = None, p.sy
            elif anchor_sy is not None:
                p.sy = anchor_sy
                p.resolved, p.source = anchor_sy.year_for_month(p.month), "sy"
            elif anchor is not None:
                year = anchor[0] if p.month <= anchor[1] else anchor[0] - 1
                p.resolved, p.source = year, "chain"
                anchor = (year, p.month)
            else:
                p.resolved, p.source = self.plan.year_for_month(p.month), "default"

    def _additional_period(self, points: list[_Point]) -> None:
        """«с 4 по 25 сентября», «9 сентября»: the exam year's additional period.

        A plan's own September is «сентябрь», «до 15 сентября» or «с 1 сентября»; a
        yearless cell made only of September days after the 1st, as a day or a closed
        range, is what schedules and news give for the additional (September) period
        of the school year's exams, which falls in the September that ends it.
        """
        if not points or any(item.form not in ("single", "range") for item in self.g.items):
            return
        if not all(
            p.kind == "date" and p.month == 9 and p.source == "default" and p.day >= 2
            for p in points
        ):
            return
        for p in points:
            p.resolved = self.plan.second
        self.warnings.append(
            f'September days in "{self.clean}" read as the additional period of {self.plan.second}'
        )

    def _fragment(self, item: _Item) -> str:
        alone = len(self.g.items) == 1 and len(self.g.parts) == 1
        return self.clean if alone else self.clean[item.start : item.end]

    def _window(self, item: _Item) -> Window | None:
        points = item.points()
        if any(p.kind == "day" for p in points):
            return None  # a bare number that found no month to belong to: not a date
        spans = [span for p in points if (span := _span(p)) is not None]
        if len(spans) != len(points):
            self.warnings.append(f'invalid date "{self.clean[item.start : item.end]}" ignored')
            return None
        if item.form == "range" and item.a is not None and item.b is not None:
            return self._range(item, item.a, item.b, item.label)
        if item.form == "until":
            return Window(None, spans[-1][1], item.label)
        start, end = spans[0]
        if item.form == "from":
            # «с 1 марта»: runs to the end of the school year (or of its own year)
            end = max(end, self.plan.end if start <= self.plan.end else date(start.year, 12, 31))
            self.warnings.append(
                f'open-ended "{self.clean[item.start : item.end]}"; '
                f"assumed to run until {end.isoformat()}"
            )
        return Window(start, end, item.label)

    def _range(self, item: _Item, a: _Point, b: _Point, label: str | None) -> Window | None:
        a_span, b_span = _span(a), _span(b)
        if a_span is None or b_span is None:
            return None
        # an inferred year gives way first: «май – октябрь» is May–October 2024
        if a_span[0] > b_span[1] and b.source == "default":
            b.resolved += 1
            b_span = _span(b)
        elif a_span[0] > b_span[1] and a.source in ("default", "chain"):
            a.resolved -= 1
            a_span = _span(a)
        if a_span is None or b_span is None:
            return None
        if a_span[0] > b_span[1]:
            self.warnings.append(
                f'range "{self.clean[item.start : item.end]}" starts after it ends; start dropped'
            )
            return Window(None, b_span[1], label)
        return Window(a_span[0], b_span[1], label)

    def _warn_years(self, points: list[_Point]) -> None:
        for p in points:
            if p.year_raw is not None and p.kind == "sy":
                self.warnings.append(
                    f'impossible year "{p.year_raw}" in term "{self.clean}"; '
                    f"assumed the school year {self.plan}"
                )
            elif p.year_raw is not None and p.resolved:
                self.warnings.append(
                    f'impossible year "{p.year_raw}" in term "{self.clean}"; assumed {p.resolved}'
                )
            if p.sy_raw is not None:
                self.warnings.append(
                    f'impossible school year "{p.sy_raw}" in term "{self.clean}"; '
                    f"assumed {self.plan}"
                )

    def _warn_period(self) -> None:
        lo, hi = self.plan.start, date(self.plan.second, 12, 31)
        for item in self.g.items:
            w = item.window
            if w is None:
                continue
            first = w.start if w.start is not None else w.end
            outside = w.end < lo or first > hi
            other_sy = any(
                p.sy_named and p.sy is not None and p.sy != self.plan for p in item.points()
            )
            if outside or other_sy:
                self.warnings.append(
                    f'term "{self._fragment(item)}" is outside the plan period {self.plan}'
                )


# --------------------------------------------------------------------- assembly


_DATED_RE = re.compile(
    rf"{_MON}|\b[0-9]{{1,2}}\s*\.\s*(?:0?[1-9]|1[0-2])\b(?!\s*(?:по\s+|час))"
    r"|\b[0-9]{1,2}\.[0-9]{4}\b"
)
_ORDINALS = {"перв": 1, "втор": 2, "трет": 3, "четверт": 4, "пят": 5}
_NTH_RE = re.compile(
    r"(?P<ord>перв|втор|трет|четверт|пят|последн)[а-я]*\s+(?P<work>рабоч[а-я]*\s+)?"
    rf"(?P<wd>{_WD})\s+(?P<mon>[а-я]+)(?:\s+(?P<y>[0-9]{{4}})(?:\s*(?:года|г\.?))?)?"
)
_BRACKET_DATE_RE = re.compile(r"\s*\(\s*[0-9]{1,2}\.[0-9]{1,2}(?:\.[0-9]{2,4})?\s*\)")
_TIME_OF_DAY_RE = re.compile(
    r"\bс\s+[0-9]{1,2}[.:][0-9]{2}\s+до\s+[0-9]{1,2}[.:][0-9]{2}"
    r"|\bв\s+[0-9]{1,2}[.:][0-9]{2}(?![.0-9])|\b[0-9]{1,2}\s+час(?:а|ов)?\b(?=\s+[0-9])"
)
_WEEKDAY_REMARK_RE = re.compile(
    rf"(?<=[а-я.0-9])(?:\s*,\s*в[о]?\s+{_WD}|\s*\(\s*(?:пн|вт|ср|чт|пт|сб|вс|{_WD})\s*\))"
)


@lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[date]:
    import holidays  # noqa: PLC0415 - only terms with «рабочий» weekdays need it

    return frozenset(holidays.country_holidays("RU", years=year))


def _nth_weekday(year: int, month: int, weekday: int, nth: int, working: bool) -> date | None:
    days = [
        date(year, month, d)
        for d in range(1, _last_day(year, month) + 1)
        if date(year, month, d).weekday() == weekday
        and not (working and date(year, month, d) in _holidays(year))
    ]
    if nth == -1:
        return days[-1] if days else None
    return days[nth - 1] if len(days) >= nth else None


def _blank(s: str, start: int, end: int, fill: str = "") -> str:
    return s[:start] + fill.ljust(end - start) + s[end:]


def _prepare(norm: str, plan: SchoolYear) -> str:
    """Length-preserving rewrites before the phrase rules.

    «третий четверг ноября» becomes the date it names; with an exact date in brackets
    after it the bracketed date stays and the words go. Times of day inside a dated
    term and weekday remarks after a date («1 июля, в субботу», «24 мая (ср)») go.
    """
    out = norm
    for m in reversed(list(_NTH_RE.finditer(norm))):
        month = _month_from_word(m["mon"])
        if month is None:
            continue
        before, after = norm[: m.start()], norm[m.end() :]
        in_parens = before.rstrip().endswith("(") and after.lstrip().startswith(")")
        if in_parens or _BRACKET_DATE_RE.match(after):
            out = _blank(out, m.start(), m.end())
            continue
        year = int(m["y"]) if m["y"] else plan.year_for_month(month)
        if not _year_ok(year):
            continue
        weekday = next(i for i, (stem, _) in enumerate(_WEEKDAYS) if m["wd"].startswith(stem))
        nth = -1 if m["ord"] == "последн" else _ORDINALS[m["ord"]]
        day = _nth_weekday(year, month, weekday, nth, bool(m["work"]))
        text = f"{day.day:02d}.{month:02d}.{year}" if day is not None else ""
        if day is not None and len(text) <= m.end() - m.start():
            out = _blank(out, m.start(), m.end(), text)
    if _DATED_RE.search(out):
        for m in reversed(list(_TIME_OF_DAY_RE.finditer(out))):
            out = _blank(out, m.start(), m.end())
        for m in reversed(list(_WEEKDAY_REMARK_RE.finditer(out))):
            out = _blank(out, m.start(), m.end())
    return out


def _find_markers(norm: str, ctx: _Ctx) -> tuple[str, dict[int, _Marker]]:
    """Run the phrase rules; return the text with matched spans blanked out."""
    work = norm
    markers: dict[int, _Marker] = {}
    for rule in _PHRASE_RULES:
        if not any(t in work for t in rule.triggers):
            continue
        found: list[_Marker] = []
        for m in rule.pattern.finditer(work):
            if m.end() == m.start():
                continue
            marker = rule.build(m, ctx)
            if marker is not None:
                found.append(marker)
        for marker in found:
            span = marker.end - marker.start
            work = work[: marker.start] + "\x00" + "\x01" * (span - 1) + work[marker.end :]
            markers[marker.start] = marker
    return work, markers


def _tokens(work: str) -> list[_Tok]:
    return [
        _Tok(m[0], m.start(), m.end(), m.start() == 0 or work[m.start() - 1] == " ")
        for m in _TOKEN_RE.finditer(work)
    ]


def _recurrence(markers: list[_Marker]) -> str | None:
    freq: str | None = None
    interval = 1
    monthday: int | None = None
    days: list[str] = []
    for m in markers:
        if m.freq is not None and freq is None:
            freq, interval = m.freq, m.interval
        if m.bymonthday is not None and monthday is None:
            monthday = m.bymonthday
        days.extend(d for d in m.byday if d not in days)
    if freq is None:
        freq = "WEEKLY" if days else "MONTHLY" if monthday is not None else None
    if freq is None:
        return None
    rule = f"FREQ={freq}"
    if interval > 1:
        rule += f";INTERVAL={interval}"
    if monthday is not None:
        rule += f";BYMONTHDAY={monthday}"
    if days:
        rule += f";BYDAY={','.join(days)}"
    return rule


def _drop_remarks(grammar: _Grammar) -> list[_Item | _Marker]:
    """Parenthesised remarks without dates or qualifiers («(по плану сети)») are ignored."""
    content = {item.group for item in grammar.items} | grammar.label_groups
    keep = [
        part
        for part in grammar.parts
        if not (
            isinstance(part, _Marker)
            and part.group != -1
            and part.group not in content
            and part.kind in (TermKind.EXTERNAL, TermKind.ONGOING)
        )
    ]
    return keep if keep else grammar.parts


def _bounds(first: _Item | None, second: _Item) -> bool:
    """A «from» bound followed by an «until» bound that ends after it starts."""
    if first is None or first.form != "from" or second.form != "until":
        return False
    if first.window is None or second.window is None or first.window.start is None:
        return False
    return first.window.start <= second.window.end


def _parse(text: str, plan: SchoolYear) -> ParsedTerm:
    clean = _clean(text)
    norm = _normalise(clean)
    work, markers = _find_markers(_prepare(norm, plan), _Ctx(clean, plan, norm))
    atoms = _Atomizer(_tokens(work), markers).run()
    grammar = _Grammar(atoms, clean, plan)
    grammar.run()
    resolver = _Resolver(grammar, clean, plan)
    resolver.run()

    parts = _drop_remarks(grammar)
    kinds: list[TermKind] = []
    windows: list[Window] = []
    used: list[_Marker] = []
    previous: _Item | None = None
    for part in parts:
        if isinstance(part, _Item):
            if part.window is None:
                continue
            if _bounds(previous, part) and previous is not None and previous.window is not None:
                # «не ранее 1 марта, но не позднее 31 мая»: one window between the bounds
                start = previous.window.start
                windows[-1] = Window(start, part.window.end, previous.window.label)
                fragment = clean[previous.start : previous.end]
                resolver.warnings = [w for w in resolver.warnings if fragment not in w]
                previous = None
                continue
            kinds.append(TermKind.ONGOING if part.ongoing else TermKind.FIXED)
            windows.append(part.window)
            previous = part
            continue
        previous = None
        used.append(part)
        kinds.append(part.kind)
        if part.kind is TermKind.ONGOING and not part.claimed:
            windows.append(Window(plan.start, plan.end, part.label))

    warnings: list[str] = []
    for marker in used:
        warnings.extend(marker.warnings)
    warnings.extend(resolver.warnings)
    distinct = set(kinds)
    if not distinct:
        kind = TermKind.EXTERNAL
        windows = []
        warnings.append(f'could not parse term "{clean}"')
    elif len(distinct) == 1:
        kind = kinds[0]
    else:
        kind = TermKind.MIXED
    relative = next((m for m in used if m.kind is TermKind.RELATIVE), None)
    if (
        kind is TermKind.MIXED
        and relative is not None
        and relative.rel is not None
        and relative.rel.unit is OffsetUnit.WORKING_DAYS
    ):
        # a mixed term's event part is dated by bot.reminders.policy from `offset_days`
        warnings.append(
            f'working days in "{clean[relative.start : relative.end]}" of a mixed term '
            "counted as calendar days"
        )
    return ParsedTerm(
        text=text,
        kind=kind,
        windows=tuple(windows),
        rule=_recurrence([m for m in used if m.kind is TermKind.RECURRING]),
        event=relative.event if relative is not None else None,
        offset_days=relative.offset if relative is not None else None,
        qualifiers=tuple(grammar.qualifiers),
        warnings=tuple(dict.fromkeys(warnings)),
        offset=relative.rel if relative is not None else None,
        event_text=relative.event_text if relative is not None else None,
    )


def parse_term(text: str, school_year: SchoolYear) -> ParsedTerm:
    """Parse one term against the plan's school year. Never raises."""
    try:
        return _parse(text, school_year)
    except Exception as exc:  # the contract is "never raise": report instead
        clean = _clean(text) if isinstance(text, str) else repr(text)
        return ParsedTerm(
            text=text,
            kind=TermKind.EXTERNAL,
            windows=(),
            rule=None,
            event=None,
            offset_days=None,
            qualifiers=(),
            warnings=(f'could not parse term "{clean}" (internal error: {type(exc).__name__})',),
        )
