"""The states and kinds the database stores. Here, below storage, so the ORM models take them
without importing the services above them (README, «Architecture»)."""

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    STAFF = "staff"
    OPERATOR = "operator"
    MEMBER = "member"
    PUBLIC = "public"


class UnitKind(StrEnum):
    PERSON = "person"
    ORGANISATION = "organisation"


class AssignmentStatus(StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed"


class EventKind(StrEnum):
    CONFIRMED = "confirmed"
    UNDONE = "undone"
    COMMENTED = "commented"
    EVIDENCE = "evidence"
    """A document or photo attached to the confirmation."""
    ACCEPTED = "accepted"
    """Staff accepted the confirmation («снято с контроля»)."""
    RETURNED = "returned"
    """Staff returned the confirmation with a comment: the assignment is open again."""
    EXT_REQUESTED = "ext_requested"
    EXT_APPROVED = "ext_approved"
    EXT_REFUSED = "ext_refused"


class ExtensionStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


class EvidenceKind(StrEnum):
    DOCUMENT = "document"
    PHOTO = "photo"
