"""Typed callback data. Prefixes carry a version: a changed layout never misreads old buttons."""

from enum import StrEnum
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from bot.screens.actions import ASSIGNMENT_PREFIX, DIGEST_PAGE, MY_PAGE_PREFIX, AssignmentAction

# Telegram rejects callback_data longer than 64 bytes; every class here stays far below.
CALLBACK_DATA_LIMIT = 64

MAX_ID = 2**31 - 1
"""Row ids are INTEGER on PostgreSQL. A larger number in a button is forged: the filter refuses
it (the catch-all answers «no longer valid») before it can overflow a database driver."""

RowId = Annotated[int, Field(ge=0, le=MAX_ID)]


def parse_row_id(text: str) -> int | None:
    """A row number typed by a person («12», «#12»); None for anything no row can have."""
    text = text.strip().removeprefix("#")
    if not (text.isascii() and text.isdecimal()) or len(text) > len(str(MAX_ID)):
        return None
    number = int(text)
    return number if number <= MAX_ID else None


PageNumber = Annotated[int, Field(ge=DIGEST_PAGE, le=MAX_ID)]
Small = Annotated[int, Field(ge=0, le=1000)]


class AssignmentCb(CallbackData, prefix=ASSIGNMENT_PREFIX):
    action: AssignmentAction
    id: RowId
    page: PageNumber = 0


class MyPageCb(CallbackData, prefix=MY_PAGE_PREFIX):
    page: PageNumber


class LangCb(CallbackData, prefix="lg1"):
    code: str


class InviteRole(StrEnum):
    MEMBER = "m"
    STAFF = "s"
    OPERATOR = "o"
    ADMIN = "a"


class InviteCb(CallbackData, prefix="iv1"):
    role: InviteRole
    plan: Annotated[int, Field(ge=-1, le=MAX_ID)] = -1
    unit: RowId = 0
    page: PageNumber = 0


class RevokeCb(CallbackData, prefix="rv1"):
    membership: RowId
    confirm: bool = False


class HotlineAction(StrEnum):
    HELPFUL = "y"
    OPERATOR = "n"
    PICK = "p"


class HotlineCb(CallbackData, prefix="h1"):
    action: HotlineAction
    question: RowId
    rank: Small = 0


class ExamChoice(StrEnum):
    GIA9 = "9"
    GIA11 = "11"


class HotlineExamCb(CallbackData, prefix="hx1"):
    """«ОГЭ / 9 класс» or «ЕГЭ / 11 класс» for a question whose answer depends on the exam."""

    question: int
    exam: ExamChoice


class TicketAction(StrEnum):
    CLOSE = "c"
    DRAFT = "d"


class TicketCb(CallbackData, prefix="t1"):
    action: TicketAction
    ticket: RowId


class DraftCb(CallbackData, prefix="d1"):
    draft: RowId
    approve: bool


class ForgetCb(CallbackData, prefix="f1"):
    confirm: bool


class EvidenceCb(CallbackData, prefix="ev1"):
    """Staff ask for the files attached for a measure card's task, from `offset` on."""

    task: RowId
    offset: Annotated[int, Field(ge=0, le=MAX_ID)] = 0


class ExtendCb(CallbackData, prefix="xr1"):
    """A member asks for more time on an assignment (its card's button)."""

    id: RowId
    page: PageNumber = 0


class ReviewAction(StrEnum):
    ACCEPT = "a"
    RETURN = "r"


class ReviewCb(CallbackData, prefix="rw1"):
    action: ReviewAction
    id: RowId
    """The assignment."""


class ExtensionAction(StrEnum):
    APPROVE = "a"
    REFUSE = "r"


class ExtensionCb(CallbackData, prefix="ex1"):
    action: ExtensionAction
    id: RowId
    """The extension request."""
