"""Hotline services: tickets find operators' messages, drafts need approval, /forget forgets."""

from datetime import timedelta

import pytest
from services_support import NOW
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.errors import Conflict
from bot.services.hotline import (
    add_message,
    close_ticket,
    create_draft,
    create_ticket,
    decide_draft,
    drafts,
    forget_user,
    open_ticket_of,
    questions_since,
    record_question,
    set_ticket_place,
    ticket_for_operator_message,
    tickets_without_answer,
)
from bot.services.members import ensure_user
from storage.models import UserRow
from storage.models_hotline import (
    Direction,
    DraftStatus,
    HotlineQuestionRow,
    TicketMessageRow,
    TicketRow,
    TicketStatus,
)

ASKER = 5_001
OPERATOR = 7_001
DESK = -100_200


async def new_ticket(session: AsyncSession, asker: int = ASKER) -> int:
    await ensure_user(
        session, asker, chat_id=asker, full_name="Родитель", username=None, language=None, now=NOW
    )
    ticket = await create_ticket(
        session,
        asker_user_id=asker,
        asker_chat_id=asker,
        operators_chat_id=DESK,
        complaint=False,
        now=NOW,
    )
    await set_ticket_place(session, ticket.id, header_message_id=10, topic_id=None)
    await add_message(
        session,
        ticket.id,
        direction=Direction.FROM_ASKER,
        text="Когда будут результаты?",
        operators_chat_id=DESK,
        operators_message_id=10,
        author_user_id=asker,
        now=NOW,
    )
    return ticket.id


async def test_operator_reply_to_header_or_relayed_message_finds_the_ticket(
    session: AsyncSession,
) -> None:
    ticket_id = await new_ticket(session)
    await add_message(
        session,
        ticket_id,
        direction=Direction.FROM_ASKER,
        text="И ещё вопрос",
        operators_chat_id=DESK,
        operators_message_id=15,
        author_user_id=ASKER,
        now=NOW,
    )

    for reply_to in (10, 15):
        found = await ticket_for_operator_message(
            session, DESK, reply_to_message_id=reply_to, topic_id=None
        )
        assert found is not None
        assert found.id == ticket_id
    assert (
        await ticket_for_operator_message(session, DESK, reply_to_message_id=99, topic_id=None)
        is None
    )


async def test_answer_marks_answered_and_close_is_once(session: AsyncSession) -> None:
    ticket_id = await new_ticket(session)
    await add_message(
        session,
        ticket_id,
        direction=Direction.TO_ASKER,
        text="Результаты публикуются по графику.",
        operators_chat_id=DESK,
        operators_message_id=20,
        author_user_id=OPERATOR,
        now=NOW,
    )
    ticket = await open_ticket_of(session, ASKER)
    assert ticket is not None
    assert ticket.status is TicketStatus.ANSWERED

    await close_ticket(session, ticket_id, by_user_id=OPERATOR, now=NOW)
    assert await open_ticket_of(session, ASKER) is None
    with pytest.raises(Conflict):
        await close_ticket(session, ticket_id, by_user_id=OPERATOR, now=NOW)


async def test_draft_from_a_ticket_needs_an_answer_then_an_admin(session: AsyncSession) -> None:
    ticket_id = await new_ticket(session)
    with pytest.raises(Conflict):  # no answer yet, nothing to draft
        await create_draft(session, ticket_id, by_user_id=OPERATOR, now=NOW)
    await add_message(
        session,
        ticket_id,
        direction=Direction.TO_ASKER,
        text="Через две недели.",
        operators_chat_id=DESK,
        operators_message_id=21,
        author_user_id=OPERATOR,
        now=NOW,
    )

    draft = await create_draft(session, ticket_id, by_user_id=OPERATOR, now=NOW)

    assert (draft.question, draft.answer) == ("Когда будут результаты?", "Через две недели.")
    assert [d.id for d in await drafts(session, DraftStatus.DRAFT)] == [draft.id]
    await decide_draft(session, draft.id, approve=True, by_user_id=1, now=NOW)
    assert [d.id for d in await drafts(session, DraftStatus.APPROVED)] == [draft.id]


async def test_waiting_tickets_and_question_counts(session: AsyncSession) -> None:
    await new_ticket(session)
    for n in range(3):
        await record_question(
            session, ASKER, f"вопрос {n}", matched_id=None, confidence=0.0, now=NOW
        )

    assert await questions_since(session, ASKER, NOW - timedelta(hours=1)) == 3
    assert await questions_since(session, ASKER, NOW) == 0
    assert len(await tickets_without_answer(session, created_before=NOW)) == 1
    assert await tickets_without_answer(session, created_before=NOW - timedelta(minutes=1)) == ()


async def test_forget_removes_questions_tickets_messages_and_the_public_user(
    session: AsyncSession,
) -> None:
    await new_ticket(session)
    await new_ticket(session, asker=ASKER + 1)
    await record_question(session, ASKER, "вопрос", matched_id=None, confidence=0.0, now=NOW)

    report = await forget_user(session, ASKER)

    assert (report.questions, report.tickets, report.user_removed) == (1, 1, True)
    for table, column in (
        (HotlineQuestionRow, HotlineQuestionRow.user_id),
        (TicketRow, TicketRow.asker_user_id),
    ):
        assert (
            await session.scalar(select(func.count()).select_from(table).where(column == ASKER))
            == 0
        )
    assert (
        await session.scalar(select(func.count()).select_from(TicketMessageRow)) == 1
    )  # the other asker's
    assert await session.get(UserRow, ASKER) is None
    assert await session.get(UserRow, ASKER + 1) is not None
