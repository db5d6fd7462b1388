"""What a use case refuses, for the error handler to turn into a polite, localised answer."""

from enum import StrEnum


class DomainError(Exception):
    pass


# The short names read well in handlers: `except NotFound`, `raise Forbidden(...)`.
class NotFound(DomainError):  # noqa: N818
    pass


class Forbidden(DomainError):  # noqa: N818
    pass


class Conflict(DomainError):  # noqa: N818
    pass


class InvalidInput(DomainError):  # noqa: N818
    pass


class DuplicateUnit(Conflict):
    """A unit whose name a person would take for one already registered («СОШ №3», «сош № 3»)."""

    def __init__(self, plan_id: str, name: str, existing: str) -> None:
        same = "" if name == existing else f'; "{name}" would be the same unit'
        super().__init__(f'plan {plan_id} already has the unit "{existing}"{same}')
        self.plan_id = plan_id
        self.name = name
        self.existing = existing


class InvitationFailure(StrEnum):
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"


class InvitationError(DomainError):
    def __init__(self, reason: InvitationFailure) -> None:
        super().__init__(f"invitation {reason}")
        self.reason = reason
