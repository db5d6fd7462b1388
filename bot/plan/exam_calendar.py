"""The federal exam calendar (data/calendar/*.yaml) and the dates event terms take from it.

A plan names its calendar (`calendar: gia-2024`); the loader turns the calendar into the plan's
event dates (`exam`, `essay`, `interview`, `results`) and its exam periods, under whatever the
plan's own `events:` and an admin's `/setdate` say. Pure: reading the file is the only I/O.
See docs/exam-calendar.md for the rules and the sources.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from bot.reminders.calendar import WorkingCalendar, working_calendar
from bot.resources import data_dir
from bot.terms import Window

__all__ = [
    "CALENDAR_DIR",
    "CalendarError",
    "ExamCalendar",
    "ExamDay",
    "ExamPeriod",
    "calendar_path",
    "is_exam_period_term",
    "load_calendar",
    "results_day",
]

CALENDAR_DIR = data_dir() / "calendar"
CALENDAR_ID_RE = r"^[a-z0-9][a-z0-9-]{1,63}$"

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class CalendarError(ValueError):
    """A calendar file that is missing or does not read: the plan reports it as an error."""


class Exam(StrEnum):
    EGE = "ege"
    OGE = "oge"
    GVE11 = "gve11"
    GVE9 = "gve9"


class Period(StrEnum):
    EARLY = "early"
    MAIN = "main"
    ADDITIONAL = "additional"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _SourceDoc(_Strict):
    order: Text
    title: str | None = None
    urls: list[Text] = Field(min_length=1)


class _DayDoc(_Strict):
    date: date
    subjects: Text


class _PeriodDoc(_Strict):
    exam: Exam
    period: Period
    from_: date = Field(alias="from")
    to: date
    source: Text
    days: list[_DayDoc] = Field(default_factory=list)
    reserve: list[_DayDoc] = Field(default_factory=list)
    retake: list[_DayDoc] = Field(default_factory=list)


class _DatesDoc(_Strict):
    source: Text
    dates: list[date] = Field(min_length=1)


class _CalendarDoc(_Strict):
    id: Annotated[str, StringConstraints(pattern=CALENDAR_ID_RE)]
    year: int
    school_year: Text
    reviewed: date
    sources: dict[str, _SourceDoc]
    periods: list[_PeriodDoc] = Field(default_factory=list)
    essay: _DatesDoc | None = None
    interview: _DatesDoc | None = None
    gaps: list[Text] = Field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ExamDay:
    day: date
    exam: Exam
    period: Period
    kind: str  # "exam", "reserve" or "retake"
    subjects: str


@dataclass(frozen=True, slots=True)
class ExamPeriod:
    exam: Exam
    period: Period
    start: date
    end: date
    order: str
    days: tuple[ExamDay, ...]


@dataclass(frozen=True, slots=True)
class ExamCalendar:
    id: str
    year: int
    reviewed: date
    periods: tuple[ExamPeriod, ...]
    essay: tuple[date, ...]
    interview: tuple[date, ...]
    orders: Mapping[str, str]
    gaps: tuple[str, ...]

    def exam_periods(self) -> tuple[Window, ...]:
        """«Весь период проведения ГИА»: the early, main and additional periods, each from its
        first exam of any kind to its last day (reserve days and retakes included)."""
        spans: dict[Period, tuple[date, date]] = {}
        for period in self.periods:
            lo, hi = spans.get(period.period, (period.start, period.end))
            spans[period.period] = (min(lo, period.start), max(hi, period.end))
        return tuple(
            Window(lo, hi, f"ГИА: {kind.value}")
            for kind, (lo, hi) in sorted(spans.items(), key=lambda item: item[1])
        )

    def first_exam(self) -> date | None:
        """The day the year's exams begin: what «за 1 месяц до начала экзамена» counts from."""
        starts = [period.start for period in self.periods]
        return min(starts) if starts else None

    def results(self, days: WorkingCalendar | None = None) -> tuple[date, ...]:
        """The days the results of the main-period ЕГЭ exams are announced, by `results_day`."""
        days = days or working_calendar([self.year])
        found = {
            results_day(day.day, _mandatory(day.subjects), days)
            for period in self.periods
            if period.exam is Exam.EGE and period.period is Period.MAIN
            for day in period.days
            if day.kind == "exam"
        }
        return tuple(sorted(found))

    def events(self, days: WorkingCalendar | None = None) -> dict[str, tuple[date, ...]]:
        """Event slug → dates, as a plan's `events:` gives them (the first date counts)."""
        found: dict[str, tuple[date, ...]] = {}
        first = self.first_exam()
        if first is not None:
            exam_days = {d.day for p in self.periods for d in p.days} | {first}
            found["exam"] = tuple(sorted(exam_days))
        if self.essay:
            found["essay"] = self.essay
        if self.interview:
            found["interview"] = self.interview
        results = self.results(days)
        if results:
            found["results"] = results
        return found


_MANDATORY_RE = re.compile(r"русск|математик", re.IGNORECASE)


def _mandatory(subjects: str) -> bool:
    return _MANDATORY_RE.search(subjects) is not None


# The Порядок ГИА-11 (приказ № 233/552): the regional centre (РЦОИ) processes the papers within
# 6 calendar days of a mandatory exam (Russian, mathematics) and 4 of any other; the federal
# centre (ФЦТ) checks them within 5 working days; the ГЭК approves within 1 working day and the
# participants learn the result within 1 working day of the approval. No official per-year
# processing schedule was found, so the announcement day is the latest these limits allow.
RCOI_DAYS_MANDATORY = 6
RCOI_DAYS_OTHER = 4
FCT_WORKING_DAYS = 5
GEK_WORKING_DAYS = 1
ANNOUNCE_WORKING_DAYS = 1


def results_day(exam_day: date, mandatory: bool, days: WorkingCalendar) -> date:
    """The latest day the Порядок lets the results of an exam held on `exam_day` be announced."""
    rcoi = exam_day + timedelta(days=RCOI_DAYS_MANDATORY if mandatory else RCOI_DAYS_OTHER)
    checked = days.add_working_days(rcoi, FCT_WORKING_DAYS)
    return days.add_working_days(checked, GEK_WORKING_DAYS + ANNOUNCE_WORKING_DAYS)


# «весь период подготовки и проведения ГИА» includes the preparation: that stays the school year
_EXAM_PERIOD_RE = re.compile(
    r"(?:весь|в\s+течение\s+(?:всего\s+)?|на\s+протяжении\s+(?:всего\s+)?|в)\s*период[а-я]*"
    r"\s+(?:(?:проведения|сдачи)\s+)?(?:гиа|егэ|огэ|гвэ|экзамен)"
    r"|(?:во\s+время|в\s+ходе|в\s+дни|в\s+течение|на\s+протяжении)\s+(?:проведения|сдачи)"
    r"\s+(?:гиа|егэ|огэ|гвэ|экзамен)",
    re.IGNORECASE,
)


def is_exam_period_term(text: str | None) -> bool:
    """«весь период проведения ГИА», «во время проведения ГИА»: the exam periods, not the year."""
    if not text:
        return False
    return _EXAM_PERIOD_RE.search(" ".join(text.replace("ё", "е").split())) is not None


def calendar_path(calendar_id: str, folder: Path = CALENDAR_DIR) -> Path:
    return folder / f"{calendar_id}.yaml"


def load_calendar(calendar_id: str, folder: Path = CALENDAR_DIR) -> ExamCalendar:
    """Read `data/calendar/<id>.yaml`; raises `CalendarError` with a readable reason."""
    if not re.match(CALENDAR_ID_RE, calendar_id):
        raise CalendarError(f'calendar id "{calendar_id}" must look like gia-2024')
    path = calendar_path(calendar_id, folder)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
        doc = _CalendarDoc.model_validate(data)
    except OSError:
        known = ", ".join(sorted(p.stem for p in folder.glob("*.yaml"))) or "none"
        raise CalendarError(f'no calendar "{calendar_id}" (known: {known})') from None
    except (yaml.YAMLError, ValidationError) as exc:
        raise CalendarError(f"calendar {path.name} does not read: {exc}") from None
    if doc.id != calendar_id:
        raise CalendarError(f'calendar {path.name} says its id is "{doc.id}"')
    return _build(doc, path.name)


def _listed(period: _PeriodDoc) -> tuple[tuple[str, list[_DayDoc]], ...]:
    return (("exam", period.days), ("reserve", period.reserve), ("retake", period.retake))


def _build(doc: _CalendarDoc, name: str) -> ExamCalendar:
    periods = []
    for p in doc.periods:
        source = doc.sources.get(p.source)
        if source is None:
            raise CalendarError(f'calendar {name}: period cites unknown source "{p.source}"')
        days = tuple(
            sorted(
                (
                    ExamDay(d.date, p.exam, p.period, kind, d.subjects)
                    for kind, listed in (
                        ("exam", p.days),
                        ("reserve", p.reserve),
                        ("retake", p.retake),
                    )
                    for d in listed
                ),
                key=lambda d: d.day,
            )
        )
        outside = [d.day for d in days if not p.from_ <= d.day <= p.to]
        if p.from_ > p.to or outside:
            raise CalendarError(
                f"calendar {name}: {p.exam} {p.period} runs {p.from_}–{p.to}"
                + (f" but lists {', '.join(map(str, outside))}" if outside else "")
            )
        periods.append(ExamPeriod(p.exam, p.period, p.from_, p.to, source.order, days))
    for dates in (doc.essay, doc.interview):
        if dates is not None and dates.source not in doc.sources:
            raise CalendarError(f'calendar {name}: dates cite unknown source "{dates.source}"')
    return ExamCalendar(
        id=doc.id,
        year=doc.year,
        reviewed=doc.reviewed,
        periods=tuple(periods),
        essay=tuple(sorted(doc.essay.dates)) if doc.essay else (),
        interview=tuple(sorted(doc.interview.dates)) if doc.interview else (),
        orders={key: source.order for key, source in doc.sources.items()},
        gaps=tuple(doc.gaps),
    )
