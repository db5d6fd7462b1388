"""The database schema: portable SQLAlchemy 2 models for SQLite and PostgreSQL alike."""

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Dialect,
    Enum,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Mapper, mapped_column

from bot.domain.enums import AssignmentStatus, EventKind, Role, UnitKind
from bot.plan.parties import PartyKind
from bot.plan.schema import PLAN_NAME_LENGTH

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

CODE_LENGTH = 32
NAME_LENGTH = 255
TRANSPORT_LENGTH = 16
EXTERNAL_ID_LENGTH = 64


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime, stored as UTC and read back as UTC on every dialect.

    SQLite has no timezone type: SQLAlchemy writes the wall-clock digits and drops the offset, so
    the value is converted to UTC first and read back as UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: store timezone-aware datetimes only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _enum(enum: type[StrEnum], name: str) -> Enum:
    """A string column with a CHECK constraint: no native ENUM type to migrate on PostgreSQL."""
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        validate_strings=True,
        values_callable=lambda members: [member.value for member in members],
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), date: Date()}  # noqa: RUF012


class PlanRow(Base):
    __tablename__ = "plans"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(PLAN_NAME_LENGTH))
    """The short name messages show (`bot.plan.model.plan_label`); None: the id."""
    title: Mapped[str] = mapped_column(Text)
    authority: Mapped[str] = mapped_column(Text)
    timezone: Mapped[str] = mapped_column(String(64))
    school_year: Mapped[str] = mapped_column(String(16))
    file: Mapped[str] = mapped_column(Text)
    loaded_at: Mapped[datetime]
    # The plan's reminder overrides and event dates, kept so the scheduler needs no YAML.
    reminder_settings: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    events: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    control_settings: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """Acceptance, escalation and the coordinating parties (`bot.control.settings`)."""


class PartyRow(Base):
    __tablename__ = "parties"

    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH), primary_key=True)
    kind: Mapped[PartyKind] = mapped_column(_enum(PartyKind, "kind"))
    full_name: Mapped[str | None] = mapped_column(Text)
    of: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class TaskRow(Base):
    """A measure or one of its sub-items; `active` is false once it is gone from the plan file."""

    __tablename__ = "tasks"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id"))
    code: Mapped[str] = mapped_column(String(CODE_LENGTH))
    measure_code: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    parent_code: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    title: Mapped[str] = mapped_column(Text)
    term_text: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    responsible: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str | None] = mapped_column(Text)
    section_code: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    section_title: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    external_date: Mapped[date | None]
    """The date an admin set for an external term (`/setdate`)."""


class TaskPartyRow(Base):
    __tablename__ = "task_parties"

    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), primary_key=True)
    party_name: Mapped[str] = mapped_column(String(NAME_LENGTH), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)


class WindowRow(Base):
    """A deadline window of a task; (task, seq) keeps its identity when the plan is re-loaded."""

    __tablename__ = "task_windows"
    __table_args__ = (UniqueConstraint("task_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"))
    seq: Mapped[int] = mapped_column(Integer)
    start: Mapped[date | None]
    end: Mapped[date]
    label: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    ongoing: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """A period of ongoing work: monthly status checks instead of due-date reminders."""


class UnitRow(Base):
    """Something that reports for itself: a person, an organisation, one school of «ОО»."""

    __tablename__ = "units"
    __table_args__ = (
        UniqueConstraint("plan_id", "name"),
        UniqueConstraint("plan_id", "party_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id"))
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    kind: Mapped[UnitKind] = mapped_column(_enum(UnitKind, "kind"))
    party_name: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class UnitPartyRow(Base):
    __tablename__ = "unit_parties"
    __table_args__ = (
        ForeignKeyConstraint(["plan_id", "party_name"], ["parties.plan_id", "parties.name"]),
    )

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    party_name: Mapped[str] = mapped_column(String(NAME_LENGTH), primary_key=True)
    plan_id: Mapped[str] = mapped_column(String(64))


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    full_name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    username: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(16))
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    preferred_transport: Mapped[str | None] = mapped_column(String(TRANSPORT_LENGTH))
    """Where reminders go when the user is bound on several messengers (/settings); None:
    the first configured one they are bound on."""


INTERNAL_USER_ID_BASE = 2**60
"""users.id of a person first seen outside Telegram (MAX) is taken from here upwards.

users.id is the Telegram user id for everyone who came through Telegram, so code keyed by
users.id keeps working. Telegram user ids have at most 52 significant bits, so ids from 2**60
(still a BIGINT, below 2**63) can never be a Telegram user's.
"""


class AccountRow(Base):
    """A person's address on one messenger: (transport, kind, external id) -> users.id.

    transport is "telegram" or "max"; kind is "user" (a dialog: Telegram's user id, MAX's
    user_id) or "chat" (a group); external_id is the messenger's id as text, since MAX's
    identifiers are not guaranteed to stay numeric.
    """

    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("transport", "kind", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    transport: Mapped[str] = mapped_column(String(TRANSPORT_LENGTH))
    kind: Mapped[str] = mapped_column(String(8))
    external_id: Mapped[str] = mapped_column(String(EXTERNAL_ID_LENGTH))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime]


class AssignmentRow(Base):
    """(window, unit) with its own status; `active` is false once the plan stops asking for it."""

    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("window_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("task_windows.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    status: Mapped[AssignmentStatus] = mapped_column(_enum(AssignmentStatus, "status"))
    confirmed_at: Mapped[datetime | None]
    confirmed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime]
    due_date: Mapped[date | None]
    """An approved extension: the unit's own deadline, in place of the window's end."""
    accepted_at: Mapped[datetime | None]
    """Staff accepted the confirmation («снято с контроля»); None while it awaits review."""
    accepted_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class AssignmentEventRow(Base):
    """The audit trail: rows are appended, never updated or deleted."""

    __tablename__ = "assignment_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), index=True)
    kind: Mapped[EventKind] = mapped_column(_enum(EventKind, "kind"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime]
    text: Mapped[str | None] = mapped_column(Text)


class MembershipRow(Base):
    __tablename__ = "memberships"
    __table_args__ = (Index(None, "user_id", "revoked_at"), Index(None, "unit_id", "revoked_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id"))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[int | None] = mapped_column(BigInteger)


class InvitationRow(Base):
    """A single-use invitation; only the SHA-256 of its token is kept."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by: Mapped[int | None] = mapped_column(BigInteger)
    binds_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    """Set: not an invitation but a link to bind this person's account on another messenger
    (`bot.services.accounts.create_binding`); it grants nothing else."""


@event.listens_for(AssignmentEventRow, "before_update")
@event.listens_for(AssignmentEventRow, "before_delete")
def _audit_is_append_only(
    mapper: Mapper[Any], connection: Any, target: AssignmentEventRow
) -> None:
    raise RuntimeError(f"assignment event {target.id} is part of the audit trail: append only")
