"""The plain values services hand out: enums and frozen dataclasses, never ORM objects."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Generic, TypeVar

from bot.domain.enums import (
    AssignmentStatus,
    EventKind,
    EvidenceKind,
    ExtensionStatus,
    Role,
    UnitKind,
)
from bot.plan.model import plan_label
from bot.reminders.policy import ReminderKind

__all__ = [
    "UNDO_WINDOW",
    "AssignmentStatus",
    "AssignmentView",
    "ConfirmOutcome",
    "EventInfo",
    "EventKind",
    "EvidenceKind",
    "ExtensionStatus",
    "InvitationInfo",
    "MemberInfo",
    "MembershipInfo",
    "Page",
    "Redemption",
    "ReminderItem",
    "Role",
    "UnitInfo",
    "UnitKind",
    "UserInfo",
]
"""The enums live in bot/domain/enums.py so storage can use them; they are named here too,
where services and handlers have always taken them."""

T = TypeVar("T")


UNDO_WINDOW = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class UserInfo:
    id: int
    chat_id: int
    full_name: str
    username: str | None
    language: str | None
    role: Role
    active: bool
    created_at: datetime
    first_seen: bool = False
    """This update registered the user: they have never written to the bot before."""


@dataclass(frozen=True, slots=True)
class UnitInfo:
    id: int
    plan_id: str
    name: str
    kind: UnitKind
    party_name: str | None
    """The person or single organisation this unit embodies; None for a registered unit."""
    parties: tuple[str, ...]
    """The parties (categories, groups) the unit reports for."""
    active: bool


@dataclass(frozen=True, slots=True)
class MembershipInfo:
    id: int
    user_id: int
    unit_id: int
    unit_name: str
    plan_id: str
    created_at: datetime
    revoked_at: datetime | None
    plan_name: str | None = None
    """The plan's short name from its YAML, where the caller looked it up."""

    @property
    def plan_label(self) -> str:
        """What messages call the plan: its short name, else its id."""
        return plan_label(self.plan_id, self.plan_name)


@dataclass(frozen=True, slots=True)
class MemberInfo:
    membership_id: int
    user_id: int
    full_name: str
    username: str | None
    unit_id: int
    unit_name: str
    plan_id: str
    since: datetime


@dataclass(frozen=True, slots=True)
class InvitationInfo:
    id: int
    role: Role
    unit_id: int | None
    created_by: int | None
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    used_by: int | None


@dataclass(frozen=True, slots=True)
class Redemption:
    user: UserInfo
    role: Role
    """The role the invitation granted."""
    membership: MembershipInfo | None
    """The unit membership, for a member invitation."""


@dataclass(frozen=True, slots=True)
class AssignmentView:
    id: int
    plan_id: str
    plan_timezone: str
    task_code: str
    task_title: str
    measure_title: str | None
    """The title of the measure a sub-item belongs to (sub-item titles rarely stand alone)."""
    term_text: str | None
    window_start: date | None
    window_end: date
    window_label: str | None
    unit_id: int
    unit_name: str
    status: AssignmentStatus
    confirmed_at: datetime | None
    confirmed_by_user_id: int | None
    active: bool
    due_date: date | None = None
    """An approved extension: the unit's own deadline, in place of `window_end`."""
    ongoing: bool = False
    """A period of ongoing work: status checks, no extensions."""
    accepted_at: datetime | None = None
    """Staff accepted the confirmation; an accepted confirmation can no longer be undone."""
    acceptance: bool = False
    """The plan has staff accept confirmations: one not accepted yet is «on review»."""
    returned_comment: str | None = None
    """Staff returned the latest confirmation with this comment; the assignment is open again."""
    plan_name: str | None = None
    """The plan's short name from its YAML; messages show `plan_label`."""
    result: str | None = None
    """The expected result, as the plan writes it (a sub-item has its measure's)."""

    @property
    def plan_label(self) -> str:
        """What messages call the plan: its short name, else its id."""
        return plan_label(self.plan_id, self.plan_name)

    @property
    def deadline(self) -> date:
        """The deadline in force: the approved extension, else the window's end."""
        return self.due_date or self.window_end

    def undo_deadline(self, undo_window: timedelta = UNDO_WINDOW) -> datetime | None:
        if (
            self.status is not AssignmentStatus.CONFIRMED
            or self.confirmed_at is None
            or self.accepted_at is not None
        ):
            return None
        return self.confirmed_at + undo_window

    def can_undo(self, now: datetime, undo_window: timedelta = UNDO_WINDOW) -> bool:
        deadline = self.undo_deadline(undo_window)
        return deadline is not None and now <= deadline


@dataclass(frozen=True, slots=True)
class ConfirmOutcome:
    view: AssignmentView
    changed: bool


@dataclass(frozen=True, slots=True)
class EventInfo:
    id: int
    assignment_id: int
    kind: EventKind
    user_id: int
    at: datetime
    text: str | None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    total: int
    offset: int
    limit: int

    @property
    def has_previous(self) -> bool:
        return self.offset > 0

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.items) < self.total


@dataclass(frozen=True, slots=True)
class ReminderItem:
    """One reminder of one assignment, as a digest line or an /upcoming entry shows it."""

    reminder_id: int
    assignment_id: int
    kind: ReminderKind
    plan_id: str
    plan_timezone: str
    task_code: str
    task_title: str
    measure_title: str | None
    unit_id: int
    unit_name: str
    deadline: date
    due_at: datetime
    window_start: date | None
