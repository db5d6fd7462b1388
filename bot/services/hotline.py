"""Hotline use cases: questions, tickets between the public and the operators, FAQ drafts."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.errors import Conflict, NotFound
from bot.services.types import Role
from storage.models import MembershipRow, UserRow
from storage.models_hotline import (
    Direction,
    DraftStatus,
    FaqDraftRow,
    HotlineQuestionRow,
    TicketMessageRow,
    TicketRow,
    TicketStatus,
)

QUESTION_LENGTH = 4000


@dataclass(frozen=True, slots=True)
class TicketInfo:
    id: int
    asker_user_id: int
    asker_chat_id: int
    status: TicketStatus
    complaint: bool
    operators_chat_id: int
    topic_id: int | None
    header_message_id: int | None
    created_at: datetime
    answered_at: datetime | None


@dataclass(frozen=True, slots=True)
class DraftInfo:
    id: int
    question: str
    answer: str
    status: DraftStatus
    created_by: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ForgetReport:
    questions: int
    tickets: int
    user_removed: bool


def _ticket(row: TicketRow) -> TicketInfo:
    return TicketInfo(
        id=row.id,
        asker_user_id=row.asker_user_id,
        asker_chat_id=row.asker_chat_id,
        status=row.status,
        complaint=row.complaint,
        operators_chat_id=row.operators_chat_id,
        topic_id=row.topic_id,
        header_message_id=row.header_message_id,
        created_at=row.created_at,
        answered_at=row.answered_at,
    )


def _draft(row: FaqDraftRow) -> DraftInfo:
    return DraftInfo(
        id=row.id,
        question=row.question,
        answer=row.answer,
        status=row.status,
        created_by=row.created_by,
        created_at=row.created_at,
    )


async def questions_since(session: AsyncSession, user_id: int, since: datetime) -> int:
    count = await session.scalar(
        select(func.count()).where(
            HotlineQuestionRow.user_id == user_id, HotlineQuestionRow.asked_at > since
        )
    )
    return count or 0


async def record_question(
    session: AsyncSession,
    user_id: int,
    text: str,
    *,
    matched_id: str | None,
    confidence: float,
    now: datetime,
) -> int:
    row = HotlineQuestionRow(
        user_id=user_id,
        text=text[:QUESTION_LENGTH],
        matched_id=matched_id,
        confidence=confidence,
        asked_at=now,
    )
    session.add(row)
    await session.commit()
    return row.id


async def question_text(session: AsyncSession, question_id: int, user_id: int) -> str:
    """A question the user asked earlier (buttons carry its id; only the asker may use it)."""
    row = await session.get(HotlineQuestionRow, question_id)
    if row is None or row.user_id != user_id:
        raise NotFound(f"no question {question_id} of user {user_id}")
    return row.text


async def open_ticket_of(session: AsyncSession, user_id: int) -> TicketInfo | None:
    row = await session.scalar(
        select(TicketRow)
        .where(TicketRow.asker_user_id == user_id, TicketRow.status != TicketStatus.CLOSED)
        .order_by(TicketRow.id.desc())
        .limit(1)
    )
    return _ticket(row) if row is not None else None


async def create_ticket(
    session: AsyncSession,
    *,
    asker_user_id: int,
    asker_chat_id: int,
    operators_chat_id: int,
    complaint: bool,
    now: datetime,
) -> TicketInfo:
    row = TicketRow(
        asker_user_id=asker_user_id,
        asker_chat_id=asker_chat_id,
        status=TicketStatus.OPEN,
        complaint=complaint,
        operators_chat_id=operators_chat_id,
        created_at=now,
    )
    session.add(row)
    await session.commit()
    return _ticket(row)


async def set_ticket_place(
    session: AsyncSession, ticket_id: int, *, header_message_id: int, topic_id: int | None
) -> None:
    await session.execute(
        update(TicketRow)
        .where(TicketRow.id == ticket_id)
        .values(header_message_id=header_message_id, topic_id=topic_id)
    )
    await session.commit()


async def add_message(
    session: AsyncSession,
    ticket_id: int,
    *,
    direction: Direction,
    text: str | None,
    operators_chat_id: int,
    operators_message_id: int | None,
    author_user_id: int | None,
    now: datetime,
) -> None:
    session.add(
        TicketMessageRow(
            ticket_id=ticket_id,
            direction=direction,
            text=text[:QUESTION_LENGTH] if text else None,
            operators_chat_id=operators_chat_id,
            operators_message_id=operators_message_id,
            author_user_id=author_user_id,
            at=now,
        )
    )
    if direction is Direction.TO_ASKER:
        await session.execute(
            update(TicketRow)
            .where(TicketRow.id == ticket_id, TicketRow.status == TicketStatus.OPEN)
            .values(status=TicketStatus.ANSWERED, answered_at=now)
        )
    await session.commit()


async def ticket_for_operator_message(
    session: AsyncSession,
    operators_chat_id: int,
    *,
    reply_to_message_id: int | None,
    topic_id: int | None,
) -> TicketInfo | None:
    """The ticket of an operator's message: by forum topic, or by the message replied to."""
    row = None
    if topic_id is not None:
        row = await session.scalar(
            select(TicketRow).where(
                TicketRow.operators_chat_id == operators_chat_id, TicketRow.topic_id == topic_id
            )
        )
    if row is None and reply_to_message_id is not None:
        row = await session.scalar(
            select(TicketRow).where(
                TicketRow.operators_chat_id == operators_chat_id,
                TicketRow.header_message_id == reply_to_message_id,
            )
        )
        if row is None:
            ticket_id = await session.scalar(
                select(TicketMessageRow.ticket_id).where(
                    TicketMessageRow.operators_chat_id == operators_chat_id,
                    TicketMessageRow.operators_message_id == reply_to_message_id,
                )
            )
            row = await session.get(TicketRow, ticket_id) if ticket_id is not None else None
    return _ticket(row) if row is not None else None


async def get_ticket(session: AsyncSession, ticket_id: int) -> TicketInfo:
    row = await session.get(TicketRow, ticket_id)
    if row is None:
        raise NotFound(f"no ticket {ticket_id}")
    return _ticket(row)


async def close_ticket(
    session: AsyncSession, ticket_id: int, *, by_user_id: int, now: datetime
) -> TicketInfo:
    row = await session.get(TicketRow, ticket_id)
    if row is None:
        raise NotFound(f"no ticket {ticket_id}")
    if row.status is TicketStatus.CLOSED:
        raise Conflict(f"ticket {ticket_id} is already closed")
    row.status = TicketStatus.CLOSED
    row.closed_at = now
    row.closed_by = by_user_id
    await session.commit()
    return _ticket(row)


async def open_tickets(session: AsyncSession) -> tuple[TicketInfo, ...]:
    rows = await session.scalars(
        select(TicketRow).where(TicketRow.status != TicketStatus.CLOSED).order_by(TicketRow.id)
    )
    return tuple(_ticket(row) for row in rows)


async def first_question(session: AsyncSession, ticket_id: int) -> str | None:
    return await session.scalar(
        select(TicketMessageRow.text)
        .where(
            TicketMessageRow.ticket_id == ticket_id,
            TicketMessageRow.direction == Direction.FROM_ASKER,
            TicketMessageRow.text.is_not(None),
        )
        .order_by(TicketMessageRow.id)
        .limit(1)
    )


async def last_answer(session: AsyncSession, ticket_id: int) -> str | None:
    return await session.scalar(
        select(TicketMessageRow.text)
        .where(
            TicketMessageRow.ticket_id == ticket_id,
            TicketMessageRow.direction == Direction.TO_ASKER,
            TicketMessageRow.text.is_not(None),
        )
        .order_by(TicketMessageRow.id.desc())
        .limit(1)
    )


async def tickets_without_answer(
    session: AsyncSession, *, created_before: datetime
) -> tuple[TicketInfo, ...]:
    """Open tickets nobody answered, whose askers have not been told so yet."""
    rows = await session.scalars(
        select(TicketRow)
        .where(
            TicketRow.status == TicketStatus.OPEN,
            TicketRow.created_at <= created_before,
            TicketRow.waiting_notified.is_(False),
        )
        .order_by(TicketRow.id)
    )
    return tuple(_ticket(row) for row in rows)


async def mark_waiting_notified(session: AsyncSession, ticket_id: int) -> None:
    await session.execute(
        update(TicketRow).where(TicketRow.id == ticket_id).values(waiting_notified=True)
    )
    await session.commit()


async def forget_user(session: AsyncSession, user_id: int) -> ForgetReport:
    """Delete what the hotline holds about a member of the public (152-FZ: on request)."""
    tickets = list(
        await session.scalars(select(TicketRow.id).where(TicketRow.asker_user_id == user_id))
    )
    if tickets:
        # Explicit, not only ON DELETE CASCADE: SQLite enforces it only with foreign keys on.
        await session.execute(
            delete(TicketMessageRow).where(TicketMessageRow.ticket_id.in_(tickets))
        )
        await session.execute(delete(TicketRow).where(TicketRow.id.in_(tickets)))
    questions = await session.execute(
        delete(HotlineQuestionRow).where(HotlineQuestionRow.user_id == user_id)
    )
    user = await session.get(UserRow, user_id)
    member = await session.scalar(
        select(MembershipRow.id).where(MembershipRow.user_id == user_id).limit(1)
    )
    removed = user is not None and user.role is Role.PUBLIC and member is None
    if removed:
        await session.delete(user)
    await session.commit()
    return ForgetReport(
        questions=questions.rowcount or 0,  # type: ignore[attr-defined]
        tickets=len(tickets),
        user_removed=removed,
    )


async def create_draft(
    session: AsyncSession, ticket_id: int, *, by_user_id: int, now: datetime
) -> DraftInfo:
    question = await first_question(session, ticket_id)
    answer = await last_answer(session, ticket_id)
    if question is None or answer is None:
        raise Conflict(f"ticket {ticket_id} has no question and answer to draft from")
    row = FaqDraftRow(
        question=question,
        answer=answer,
        status=DraftStatus.DRAFT,
        created_by=by_user_id,
        created_at=now,
    )
    session.add(row)
    await session.commit()
    return _draft(row)


async def drafts(session: AsyncSession, status: DraftStatus) -> tuple[DraftInfo, ...]:
    rows = await session.scalars(
        select(FaqDraftRow).where(FaqDraftRow.status == status).order_by(FaqDraftRow.id)
    )
    return tuple(_draft(row) for row in rows)


async def decide_draft(
    session: AsyncSession, draft_id: int, *, approve: bool, by_user_id: int, now: datetime
) -> DraftInfo:
    row = await session.get(FaqDraftRow, draft_id)
    if row is None:
        raise NotFound(f"no draft {draft_id}")
    if row.status is not DraftStatus.DRAFT:
        raise Conflict(f"draft {draft_id} was already decided")
    row.status = DraftStatus.APPROVED if approve else DraftStatus.REJECTED
    row.decided_by = by_user_id
    row.decided_at = now
    await session.commit()
    return _draft(row)
