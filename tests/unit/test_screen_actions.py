"""The neutral codec makes exactly the strings aiogram's CallbackData makes: old buttons work."""

import pytest

from bot.screens import actions
from bot.screens.actions import DIGEST_PAGE, AssignmentAction
from bot.screens.settings import chosen_transport
from handlers.callbacks import (
    CALLBACK_DATA_LIMIT,
    MAX_ID,
    AssignmentCb,
    ExamChoice,
    HotlineAction,
    HotlineCb,
    HotlineExamCb,
    MyPageCb,
)
from handlers.messengers import MessengerCb


@pytest.mark.parametrize("action", list(AssignmentAction))
@pytest.mark.parametrize(("row", "page"), [(0, 0), (17, 3), (MAX_ID, DIGEST_PAGE)])
def test_assignment_payloads_match_the_callback_data(
    action: AssignmentAction, row: int, page: int
) -> None:
    packed = AssignmentCb(action=action, id=row, page=page).pack()
    assert actions.assignment(action, row, page) == packed
    assert AssignmentCb.unpack(actions.assignment(action, row, page)) == AssignmentCb(
        action=action, id=row, page=page
    )
    assert len(packed.encode()) <= CALLBACK_DATA_LIMIT


@pytest.mark.parametrize("page", [0, 5, MAX_ID, DIGEST_PAGE])
def test_my_page_payloads_match_the_callback_data(page: int) -> None:
    assert actions.my_page(page) == MyPageCb(page=page).pack()


@pytest.mark.parametrize("action", list(HotlineAction))
def test_hotline_payloads_match_the_callback_data(action: HotlineAction) -> None:
    packed = HotlineCb(action=action.value, question=17, rank=2).pack()
    assert actions.hotline(actions.HotlineAction(action.value), 17, 2) == packed


@pytest.mark.parametrize("exam", list(ExamChoice))
def test_hotline_exam_payloads_match_the_callback_data(exam: ExamChoice) -> None:
    packed = HotlineExamCb(question=17, exam=exam).pack()
    assert actions.hotline_exam(17, exam.value) == packed


@pytest.mark.parametrize("action", list(actions.MessengerAction))
def test_messenger_payloads_match_the_callback_data(action: actions.MessengerAction) -> None:
    assert actions.messenger(action) == MessengerCb(action=action).pack()
    assert chosen_transport(action.value) == {"t": "telegram", "m": "max", "l": None}[action.value]
