"""Typed callback data. Prefixes carry a version: a changed layout never misreads old buttons."""

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData

# Telegram rejects callback_data longer than 64 bytes; every class here stays far below.
CALLBACK_DATA_LIMIT = 64


class AssignmentAction(StrEnum):
    OPEN = "o"
    DONE = "d"
    UNDO = "u"
    COMMENT = "c"
    ATTACH = "f"
    ATTACHED = "g"
    """The member has sent every file they meant to attach."""


class AssignmentCb(CallbackData, prefix="a1"):
    action: AssignmentAction
    id: int
    page: int = 0


DIGEST_PAGE = -1
"""`AssignmentCb.page` of a button in a reminder digest: «Done» there leaves the digest be."""


class MyPageCb(CallbackData, prefix="my1"):
    page: int


class LangCb(CallbackData, prefix="lg1"):
    code: str


class InviteRole(StrEnum):
    MEMBER = "m"
    STAFF = "s"
    OPERATOR = "o"
    ADMIN = "a"


class InviteCb(CallbackData, prefix="iv1"):
    role: InviteRole
    plan: int = -1
    unit: int = 0
    page: int = 0


class RevokeCb(CallbackData, prefix="rv1"):
    membership: int
    confirm: bool = False


class HotlineAction(StrEnum):
    HELPFUL = "y"
    OPERATOR = "n"
    PICK = "p"


class HotlineCb(CallbackData, prefix="h1"):
    action: HotlineAction
    question: int
    rank: int = 0


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
    ticket: int


class DraftCb(CallbackData, prefix="d1"):
    draft: int
    approve: bool


class ForgetCb(CallbackData, prefix="f1"):
    confirm: bool


class EvidenceCb(CallbackData, prefix="ev1"):
    """Staff ask for the files attached for a measure card's task, from `offset` on."""

    task: int
    offset: int = 0


class ExtendCb(CallbackData, prefix="xr1"):
    """A member asks for more time on an assignment (its card's button)."""

    id: int
    page: int = 0


class ReviewAction(StrEnum):
    ACCEPT = "a"
    RETURN = "r"


class ReviewCb(CallbackData, prefix="rw1"):
    action: ReviewAction
    id: int
    """The assignment."""


class ExtensionAction(StrEnum):
    APPROVE = "a"
    REFUSE = "r"


class ExtensionCb(CallbackData, prefix="ex1"):
    action: ExtensionAction
    id: int
    """The extension request."""
