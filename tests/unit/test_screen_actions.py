"""The neutral codec makes exactly the strings aiogram's CallbackData makes: old buttons work."""

import pytest

from bot.screens import actions
from bot.screens.actions import DIGEST_PAGE, AssignmentAction
from handlers.callbacks import CALLBACK_DATA_LIMIT, MAX_ID, AssignmentCb, MyPageCb


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
