"""Button payloads without aiogram: the same strings aiogram's `CallbackData.pack()` makes for
handlers/callbacks.py, so buttons already sent keep working and a MAX press reads the same.

Format: `prefix:field:field…`, enums by their value; tests/unit/test_screen_actions.py checks
each against the aiogram class. All stay under 64 bytes, Telegram's limit (MAX allows 1024).
"""

from enum import StrEnum

ASSIGNMENT_PREFIX = "a1"
MY_PAGE_PREFIX = "my1"

DIGEST_PAGE = -1
"""The page of a button in a reminder digest: «Done» there leaves the digest be."""


class AssignmentAction(StrEnum):
    OPEN = "o"
    DONE = "d"
    UNDO = "u"
    COMMENT = "c"
    ATTACH = "f"
    ATTACHED = "g"
    """The member has sent every file they meant to attach."""


def assignment(action: AssignmentAction, assignment_id: int, page: int = 0) -> str:
    return f"{ASSIGNMENT_PREFIX}:{action.value}:{assignment_id}:{page}"


def my_page(page: int) -> str:
    return f"{MY_PAGE_PREFIX}:{page}"
