"""Pydantic models of the plan YAML file (see docs/plan-format.md).

These models describe the file as written; `bot.plan.loader` turns them into the domain `Plan`.
"""

import re
from datetime import date, time
from enum import StrEnum
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from bot.reminders.policy import MAX_DAYS_BEFORE, MAX_OVERDUE_EVERY, MAX_OVERDUE_LIMIT
from bot.terms import SchoolYear

MEASURE_CODE_RE = re.compile(r"^[А-ЯA-Z]{0,2}\d+(\.\d+)*(/\d+)?$")
PLAN_ID_RE = r"^[a-z0-9][a-z0-9-]{1,63}$"
PLAN_NAME_LENGTH = 60

NonEmptyText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OrderDoc(_Strict):
    number: NonEmptyText
    date: date
    title: str | None = None


class CoordinatorRole(StrEnum):
    COORDINATES = "coordinates"
    CONTROLS = "controls"


class CoordinatorDoc(_Strict):
    party: NonEmptyText
    role: CoordinatorRole
    note: str | None = None


class PersonDoc(_Strict):
    name: NonEmptyText
    position: str | None = None
    aliases: list[NonEmptyText] = Field(default_factory=list)
    misspellings: list[NonEmptyText] = Field(default_factory=list)


class OrganisationKind(StrEnum):
    SINGLE = "single"
    CATEGORY = "category"


class OrganisationDoc(_Strict):
    name: NonEmptyText
    full_name: str | None = None
    kind: OrganisationKind = OrganisationKind.SINGLE
    aliases: list[NonEmptyText] = Field(default_factory=list)
    misspellings: list[NonEmptyText] = Field(default_factory=list)


class GroupDoc(_Strict):
    name: NonEmptyText
    of: NonEmptyText | None = None
    aliases: list[NonEmptyText] = Field(default_factory=list)
    misspellings: list[NonEmptyText] = Field(default_factory=list)


class DirectoryDoc(_Strict):
    people: list[PersonDoc] = Field(default_factory=list)
    organisations: list[OrganisationDoc] = Field(default_factory=list)
    groups: list[GroupDoc] = Field(default_factory=list)


class WindowDoc(_Strict):
    start: date | None = None
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> "WindowDoc":
        if self.start is not None and self.start > self.end:
            raise ValueError(f"window starts after it ends ({self.start} > {self.end})")
        return self


def _check_code(value: str) -> str:
    if not MEASURE_CODE_RE.match(value):
        raise ValueError(f'measure code "{value}" must look like 1.5, 2.1.1 or П1.3')
    return value


class ItemDoc(_Strict):
    code: str | None = None
    title: NonEmptyText
    term: str | None = None
    # a merged table cell: this sub-item shares the term of sub-item number `term_of` (1-based)
    term_of: Annotated[int, Field(ge=1)] | None = None
    windows: list[WindowDoc] | None = None
    responsible: str | None = None
    parties: list[NonEmptyText] | None = None
    result: str | None = None

    @field_validator("code")
    @classmethod
    def _valid_code(cls, value: str | None) -> str | None:
        return value if value is None else _check_code(value)

    @model_validator(mode="after")
    def _one_term(self) -> "ItemDoc":
        if self.term_of is not None and (self.term is not None or self.windows is not None):
            raise ValueError("a sub-item gives either its own term (term/windows) or term_of")
        return self


class MeasureDoc(_Strict):
    code: str
    title: NonEmptyText
    term: str | None = None
    windows: list[WindowDoc] | None = None
    responsible: str | None = None
    parties: list[NonEmptyText] | None = None
    result: str | None = None
    items: list[ItemDoc] = Field(default_factory=list)
    measures: list["MeasureDoc"] = Field(default_factory=list)

    @field_validator("code")
    @classmethod
    def _valid_code(cls, value: str) -> str:
        return _check_code(value)


class SectionDoc(_Strict):
    code: str | None = None
    title: NonEmptyText
    measures: list[MeasureDoc] = Field(default_factory=list)
    sections: list["SectionDoc"] = Field(default_factory=list)


class RemindersDoc(_Strict):
    """Per-plan overrides of the reminder settings; a field left out keeps the global default."""

    send_hour: Annotated[int, Field(ge=0, le=23)] | None = None
    send_minute: Annotated[int, Field(ge=0, le=59)] | None = None
    days_before: list[Annotated[int, Field(ge=1, le=MAX_DAYS_BEFORE)]] | None = None
    notify_on_open: bool | None = None
    notify_on_due_day: bool | None = None
    overdue_every_working_days: Annotated[int, Field(ge=1, le=MAX_OVERDUE_EVERY)] | None = None
    overdue_limit: Annotated[int, Field(ge=0, le=MAX_OVERDUE_LIMIT)] | None = None
    quiet_start: time | None = None
    quiet_end: time | None = None
    skip_non_working_days: bool | None = None
    ongoing_status_check: bool | None = None
    ongoing_check_day: Annotated[int, Field(ge=1, le=31)] | None = None

    @field_validator("days_before")
    @classmethod
    def _distinct(cls, value: list[int] | None) -> list[int] | None:
        if value is not None and len(set(value)) != len(value):
            raise ValueError("days_before must not repeat a day")
        return value

    @field_validator("quiet_start", "quiet_end", mode="before")
    @classmethod
    def _clock_time(cls, value: object) -> object:
        # pydantic reads a number as seconds since midnight; a plan means "HH:MM"
        if isinstance(value, int | float):
            raise ValueError('write a time as "HH:MM", e.g. "21:00"')
        if isinstance(value, str) and re.fullmatch(r"\d:\d\d", value.strip()):
            return f"0{value.strip()}"  # "8:00": pydantic wants two-digit hours
        return value

    def overrides(self) -> dict[str, Any]:
        """The fields the plan sets, ready for `dataclasses.replace(ReminderSettings(), ...)`."""
        values = self.model_dump(exclude_none=True)
        if "days_before" in values:
            values["days_before"] = tuple(values["days_before"])
        return values


class ControlDoc(_Strict):
    """How the plan is controlled (see docs/plan-format.md, «control»)."""

    acceptance: bool = False
    escalate_after_working_days: Annotated[int, Field(ge=1, le=60)] | None = 5
    weekly_digest: bool = True


class AcceptedWarningDoc(_Strict):
    """A warning the plan's author has looked at and accepts: it stops being sent to admins."""

    warning: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z-]*$")]
    measure: str | None = None
    reason: NonEmptyText


CALENDAR_ID_RE = r"^[a-z0-9][a-z0-9-]{1,63}$"

EVENT_SLUG_RE = r"^[a-z][a-z0-9_]*$"
EventSlug = Annotated[str, StringConstraints(pattern=EVENT_SLUG_RE)]


def _event_dates(value: object) -> object:
    return [value] if isinstance(value, date) else value


class PlanDoc(_Strict):
    id: Annotated[str, StringConstraints(pattern=PLAN_ID_RE)]
    # What people read in messages («ГИА-2024, Спасск-Дальний»); the id stays for commands.
    name: (
        Annotated[
            str,
            StringConstraints(strip_whitespace=True, min_length=1, max_length=PLAN_NAME_LENGTH),
        ]
        | None
    ) = None
    title: NonEmptyText
    authority: NonEmptyText
    order: OrderDoc
    region: NonEmptyText
    timezone: str
    school_year: str
    source: str | None = None
    # the federal exam calendar (data/calendar/<id>.yaml) event terms are dated from
    calendar: Annotated[str, StringConstraints(pattern=CALENDAR_ID_RE)] | None = None
    accepted_warnings: list[AcceptedWarningDoc] = Field(default_factory=list)
    coordinators: list[CoordinatorDoc] = Field(default_factory=list)
    directory: DirectoryDoc = Field(default_factory=DirectoryDoc)
    reminders: RemindersDoc = Field(default_factory=RemindersDoc)
    control: ControlDoc = Field(default_factory=ControlDoc)
    events: dict[EventSlug, list[date]] = Field(default_factory=dict)
    # Regional facts the hotline's answers quote ({hotline.phone} …): filled in by the admin.
    hotline: dict[Annotated[str, StringConstraints(pattern=r"^[a-z_]+$")], str | list[str]] = (
        Field(default_factory=dict)
    )
    sections: list[SectionDoc] = Field(min_length=1)

    @field_validator("events", mode="before")
    @classmethod
    def _single_dates(cls, value: object) -> object:
        """`essay: 2023-12-06` is a list of one date."""
        if isinstance(value, dict):
            return {slug: _event_dates(dates) for slug, dates in value.items()}
        return value

    @field_validator("events")
    @classmethod
    def _some_dates(cls, value: dict[str, list[date]]) -> dict[str, list[date]]:
        for slug, dates in value.items():
            if not dates:
                raise ValueError(f'event "{slug}" needs at least one date')
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f'unknown time zone "{value}" (use an IANA name such as Asia/Barnaul)'
            ) from None
        return value

    @field_validator("school_year")
    @classmethod
    def _school_year(cls, value: str) -> str:
        try:
            SchoolYear.parse(value)
        except ValueError:
            raise ValueError(f'school year "{value}" must look like 2023/24') from None
        return value
