"""The domain view of a loaded plan: what reminders, reports and the bot work with."""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from zoneinfo import ZoneInfo

from bot.plan.control import DEFAULT_CONTROL, ControlSettings
from bot.plan.parties import PartyDirectory
from bot.plan.schema import CoordinatorRole
from bot.reminders.policy import DEFAULT_SETTINGS, ReminderSettings
from bot.terms import ParsedTerm, SchoolYear, TermKind, Window


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    file: str
    line: int | None
    code: str | None
    message: str
    severity: Severity
    # a stable name of the kind of finding ("stale-year", "merged-cells" ...): with `code`, what
    # a plan's `accepted_warnings:` matches
    kind: str | None = None
    accepted: bool = False

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        subject = f" measure {self.code}:" if self.code else ""
        tag = f" [{self.kind}{', accepted' if self.accepted else ''}]" if self.kind else ""
        return f"{where}:{subject} {self.message}{tag}"


@dataclass(frozen=True, slots=True)
class Task:
    """Something with a term that someone must do: a measure or one of its sub-items."""

    code: str
    title: str
    term_text: str | None
    term: ParsedTerm | None
    windows: tuple[Window, ...]
    windows_overridden: bool
    responsible: str | None
    parties: tuple[str, ...]
    result: str | None
    line: int

    @property
    def kind(self) -> TermKind | None:
        if self.windows_overridden:
            return TermKind.FIXED
        return self.term.kind if self.term is not None else None


@dataclass(frozen=True, slots=True)
class Item(Task):
    measure_code: str = ""


@dataclass(frozen=True, slots=True)
class Measure(Task):
    section_code: str | None = None
    section_title: str = ""
    parent_code: str | None = None
    items: tuple[Item, ...] = ()


@dataclass(frozen=True, slots=True)
class Section:
    code: str | None
    title: str
    line: int
    measures: tuple[str, ...] = ()
    sections: tuple["Section", ...] = ()


@dataclass(frozen=True, slots=True)
class Order:
    number: str
    date: date
    title: str | None


@dataclass(frozen=True, slots=True)
class Coordinator:
    party: str
    role: CoordinatorRole
    note: str | None


def plan_label(plan_id: str, name: str | None) -> str:
    """What messages call a plan: the short name from its YAML, else its id."""
    return name or plan_id


@dataclass(frozen=True, slots=True)
class Plan:
    id: str
    file: str
    title: str
    authority: str
    order: Order
    region: str
    timezone: ZoneInfo
    school_year: SchoolYear
    coordinators: tuple[Coordinator, ...]
    directory: PartyDirectory
    sections: tuple[Section, ...]
    measures: tuple[Measure, ...]
    reminder_settings: ReminderSettings = DEFAULT_SETTINGS
    control: ControlSettings = DEFAULT_CONTROL
    # event slug → its dates in order, for relative terms («за 1 месяц до начала экзамена»)
    events: Mapping[str, tuple[date, ...]] = field(default_factory=lambda: MappingProxyType({}))
    # the federal exam calendar the plan names (`calendar:`) and its exam periods
    calendar_id: str | None = None
    exam_periods: tuple[Window, ...] = ()
    # the `hotline:` facts (phone, hours, addresses) as text, for the FAQ's placeholders
    hotline: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    # the short name people read («ГИА-2024, Спасск-Дальний»); None: the id is shown
    name: str | None = None
    _by_code: dict[str, Task] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for task in self.tasks():
            self._by_code[task.code] = task

    def tasks(self) -> Iterator[Task]:
        """Every measure and sub-item, in document order."""
        for measure in self.measures:
            yield measure
            yield from measure.items

    def task(self, code: str) -> Task | None:
        return self._by_code.get(code)

    @property
    def label(self) -> str:
        """What messages call the plan: its short name, else its id."""
        return plan_label(self.id, self.name)
