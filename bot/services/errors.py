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


class InvitationFailure(StrEnum):
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"


class InvitationError(DomainError):
    def __init__(self, reason: InvitationFailure) -> None:
        super().__init__(f"invitation {reason}")
        self.reason = reason
