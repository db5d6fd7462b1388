"""One-off messages: who is told, and the outbox that tells them.

A notice is rendered by whoever writes it (in the recipient's language) and stored with a key
that names what it is about (`returned:42:3:user:7`): writing it twice is harmless, so a job
that crashes half way can simply run again. The tick sends notices like reminders: taken
right before the request, sent once, retried with backoff on a Telegram error, failed for good
after a few attempts.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services._common import insert_if_absent
from bot.services.addresses import Transport, reminder_routes
from bot.services.types import Role
from storage.models import MembershipRow, UnitPartyRow, UnitRow, UserRow
from storage.models_control import NOTICE_KEY_LENGTH, NoticeRow
from storage.models_reminders import DeliveryStatus


@dataclass(frozen=True, slots=True)
class Recipient:
    user_id: int
    chat_id: int
    language: str | None


@dataclass(frozen=True, slots=True)
class NoticeDraft:
    key: str
    kind: str
    recipient: Recipient
    text: str
    keyboard: dict[str, Any] | None = None
    """An `InlineKeyboardMarkup` as `model_dump(mode="json", exclude_none=True)` gives it."""


@dataclass(frozen=True, slots=True)
class Notice:
    id: int
    kind: str
    user_id: int
    chat_id: int
    text: str
    keyboard: dict[str, Any] | None
    attempts: int


def _recipients(rows: Iterable[tuple[int, int, str | None]]) -> tuple[Recipient, ...]:
    return tuple(Recipient(user_id, chat_id, language) for user_id, chat_id, language in rows)


def _members() -> Any:
    return (
        select(UserRow.id, UserRow.chat_id, UserRow.language)
        .join(MembershipRow, MembershipRow.user_id == UserRow.id)
        .where(MembershipRow.revoked_at.is_(None), UserRow.active)
    )


async def unit_recipients(session: AsyncSession, unit_id: int) -> tuple[Recipient, ...]:
    """The active members of a unit."""
    rows = await session.execute(
        _members().where(MembershipRow.unit_id == unit_id).distinct().order_by(UserRow.id)
    )
    return _recipients(rows.tuples())


async def party_recipients(
    session: AsyncSession, plan_id: str, parties: Sequence[str]
) -> tuple[Recipient, ...]:
    """The active members of every active unit reporting for one of `parties` in the plan."""
    if not parties:
        return ()
    units = (
        select(UnitPartyRow.unit_id)
        .join(UnitRow, UnitRow.id == UnitPartyRow.unit_id)
        .where(
            UnitPartyRow.plan_id == plan_id,
            UnitPartyRow.party_name.in_(parties),
            UnitRow.active,
        )
    )
    rows = await session.execute(
        _members().where(MembershipRow.unit_id.in_(units)).distinct().order_by(UserRow.id)
    )
    return _recipients(rows.tuples())


async def staff_recipients(
    session: AsyncSession, admin_ids: frozenset[int] = frozenset()
) -> tuple[Recipient, ...]:
    """Active staff and admins (those named in ADMIN_IDS once they have written to the bot)."""
    rows = await session.execute(
        select(UserRow.id, UserRow.chat_id, UserRow.language)
        .where(
            UserRow.active,
            UserRow.role.in_([Role.STAFF, Role.ADMIN]) | UserRow.id.in_(admin_ids),
        )
        .order_by(UserRow.id)
    )
    return _recipients(rows.tuples())


async def enqueue(
    session: AsyncSession,
    drafts: Sequence[NoticeDraft],
    now: datetime,
    messengers: tuple[Transport, ...] | None = None,
) -> int:
    """Write the notices not written yet (by key); flushed, not committed. Returns how many.

    With `messengers` (the configured ones), each notice goes where its recipient's reminders
    go (`reminder_routes`): the messenger they chose, so staff on MAX get escalations there.
    Without, or for someone reachable on none of them, it goes to their Telegram chat, where
    a notice with Telegram's buttons (a decision to take) must be answered."""
    routes = (
        await reminder_routes(session, {d.recipient.user_id for d in drafts}, messengers)
        if messengers
        else {}
    )
    rows = []
    for draft in drafts:
        if len(draft.key) > NOTICE_KEY_LENGTH:
            raise ValueError(f"notice key longer than {NOTICE_KEY_LENGTH}: {draft.key!r}")
        transport, chat_id = routes.get(
            draft.recipient.user_id, ("telegram", draft.recipient.chat_id)
        )
        rows.append(
            {
                "key": draft.key,
                "kind": draft.kind,
                "user_id": draft.recipient.user_id,
                "chat_id": chat_id,
                "transport": transport,
                "text": draft.text,
                "keyboard": draft.keyboard,
                "status": DeliveryStatus.PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
        )
    return await insert_if_absent(session, NoticeRow, rows)


def _notice(row: NoticeRow) -> Notice:
    return Notice(
        id=row.id,
        kind=row.kind,
        user_id=row.user_id,
        chat_id=row.chat_id,
        text=row.text,
        keyboard=row.keyboard,
        attempts=row.attempts,
    )


async def due_notices(
    session: AsyncSession, now: datetime, limit: int, transport: str = "telegram"
) -> tuple[Notice, ...]:
    """Pending notices whose time has come, oldest first. Nothing is claimed here: the sender
    takes each one with `take_notice` right before its request, so a crash leaves the notices
    not yet taken pending, and only the one in flight `sending` (see `recover_notices`)."""
    rows = await session.scalars(
        select(NoticeRow)
        .where(
            NoticeRow.status == DeliveryStatus.PENDING,
            NoticeRow.next_attempt_at <= now,
            NoticeRow.transport == transport,
        )
        .order_by(NoticeRow.next_attempt_at, NoticeRow.id)
        .limit(limit)
    )
    notices = tuple(_notice(row) for row in rows)
    await session.rollback()
    return notices


async def take_notice(session: AsyncSession, notice_id: int, now: datetime) -> bool:
    """Commit a notice as `sending` immediately before its request; False when another worker
    took it first (the transition is guarded by the status it leaves)."""
    result = await session.execute(
        update(NoticeRow)
        .where(NoticeRow.id == notice_id, NoticeRow.status == DeliveryStatus.PENDING)
        .values(
            status=DeliveryStatus.SENDING, attempts=NoticeRow.attempts + 1, next_attempt_at=now
        )
        .returning(NoticeRow.id)
    )
    taken = result.first() is not None
    await session.commit()
    return taken


async def drop_user_notices(session: AsyncSession, user_id: int, reason: str) -> int:
    """The user cannot be reached: their waiting notices are cancelled (flushed, not committed)."""
    result = await session.execute(
        update(NoticeRow)
        .where(NoticeRow.user_id == user_id, NoticeRow.status == DeliveryStatus.PENDING)
        .values(status=DeliveryStatus.CANCELLED, error=reason)
        .returning(NoticeRow.id)
    )
    return len(result.all())


async def recover_notices(session: AsyncSession, now: datetime, lease: timedelta) -> int:
    """Notices a dead worker left `sending` may have reached Telegram: uncertain, not resent."""
    result = await session.execute(
        update(NoticeRow)
        .where(NoticeRow.status == DeliveryStatus.SENDING, NoticeRow.next_attempt_at < now - lease)
        .values(status=DeliveryStatus.UNCERTAIN, error="interrupted while sending")
        .returning(NoticeRow.id)
    )
    count = len(result.all())
    await session.commit()
    return count


async def finish_notice(
    session: AsyncSession,
    notice_id: int,
    status: DeliveryStatus,
    now: datetime,
    *,
    message_id: int | str | None = None,
    error: str | None = None,
    retry_at: datetime | None = None,
    attempt_counts: bool = True,
) -> None:
    """Record how sending went: sent, failed, uncertain, or pending again at `retry_at`.

    `attempt_counts=False` gives the attempt back (Telegram asked to wait: nothing was tried).
    """
    values: dict[str, Any] = {"status": status, "error": error}
    if status is DeliveryStatus.SENT:
        # Telegram's numeric id, or MAX's string mid.
        values |= {
            "sent_at": now,
            "message_id": message_id if isinstance(message_id, int) else None,
            "message_ref": message_id if isinstance(message_id, str) else None,
        }
    if retry_at is not None:
        values["next_attempt_at"] = retry_at
    if not attempt_counts:
        values["attempts"] = NoticeRow.attempts - 1
    await session.execute(
        update(NoticeRow)
        .where(NoticeRow.id == notice_id, NoticeRow.status == DeliveryStatus.SENDING)
        .values(**values)
    )
    await session.commit()
