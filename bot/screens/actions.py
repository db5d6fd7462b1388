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


HOTLINE_PREFIX = "h1"
HOTLINE_EXAM_PREFIX = "hx1"


class HotlineAction(StrEnum):
    HELPFUL = "y"
    OPERATOR = "n"
    PICK = "p"


def hotline(action: HotlineAction, question_id: int, rank: int = 0) -> str:
    return f"{HOTLINE_PREFIX}:{action.value}:{question_id}:{rank}"


def hotline_exam(question_id: int, exam: str) -> str:
    """``exam`` is handlers.callbacks.ExamChoice's value: "9" or "11"."""
    return f"{HOTLINE_EXAM_PREFIX}:{question_id}:{exam}"


MESSENGER_PREFIX = "ms1"


class MessengerAction(StrEnum):
    """/settings: link a MAX account, or send reminders to Telegram / to MAX."""

    LINK_MAX = "l"
    TELEGRAM = "t"
    MAX = "m"


def messenger(action: MessengerAction) -> str:
    return f"{MESSENGER_PREFIX}:{action.value}"
