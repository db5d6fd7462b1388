"""The hotline's replies as neutral messages: a FAQ answer, the choices, the exam question."""

from html import escape

from aiogram.utils.i18n import gettext as _

from bot.hotline.faq import FaqAnswer
from bot.screens import actions
from bot.screens.render import one_line
from bot.transport.port import Button, Message

CHOICE_TEXT_LIMIT = 60


def answer_text(answer: FaqAnswer) -> str:
    return (
        f"<b>{escape(answer.question)}</b>\n\n{escape(answer.answer)}\n\n"
        + _("Source: {source}").format(source=escape(answer.source))
        + "\n\n"
        + _("Did this help?")
    )


def answer_view(question_id: int, answer: FaqAnswer) -> Message:
    """The FAQ's answer with «👍 Yes» and «No, ask an operator», as on Telegram."""
    return Message(
        answer_text(answer),
        (
            (
                Button(
                    _("👍 Yes"),
                    action=actions.hotline(actions.HotlineAction.HELPFUL, question_id),
                ),
                Button(
                    _("No, ask an operator"),
                    action=actions.hotline(actions.HotlineAction.OPERATOR, question_id),
                ),
            ),
        ),
    )


def choices_view(question_id: int, candidates: tuple[FaqAnswer, ...]) -> Message:
    """«Is your question one of these?» with a button per candidate and one for «none»."""
    buttons = tuple(
        (
            Button(
                one_line(candidate.question, CHOICE_TEXT_LIMIT),
                action=actions.hotline(actions.HotlineAction.PICK, question_id, rank),
            ),
        )
        for rank, candidate in enumerate(candidates)
    )
    none = Button(
        _("None of these: ask an operator"),
        action=actions.hotline(actions.HotlineAction.OPERATOR, question_id),
    )
    return Message(
        _("I am not sure I understood. Is your question one of these?"), (*buttons, (none,))
    )


def exam_view(question_id: int) -> Message:
    return Message(
        _("Which exam is your question about? The answer differs for the OGE and the EGE."),
        (
            (
                Button(_("OGE / 9th grade"), action=actions.hotline_exam(question_id, "9")),
                Button(_("EGE / 11th grade"), action=actions.hotline_exam(question_id, "11")),
            ),
        ),
    )
