"""The tick sends notices (escalations, digests): once, and like reminders when Telegram fails.

The bot is `delivery_support.StubBot`, which fails on demand the way aiogram does.
"""

from datetime import datetime, timedelta

import pytest
from delivery_support import (
    LOST,
    FakeTime,
    StubBot,
    forbidden,
    server_error,
    too_many_requests,
)
from escalation_support import COORDINATOR_USER, MONDAY, STAFF_USER, World, make_world
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.delivery.tick import DeliverySettings, TickReport, run_tick
from bot.i18n import create_i18n
from bot.services.members import get_user
from bot.services.notices import NoticeDraft, Recipient, enqueue
from bot.transport.telegram import TelegramOutbound
from storage.engine import session_factory
from storage.models_control import NoticeRow

ADMIN_ID = 1000
MAX_ATTEMPTS = 3
I18N = create_i18n("ru")
SETTINGS = DeliverySettings(admin_ids=frozenset({ADMIN_ID}), max_attempts=MAX_ATTEMPTS)
AT = MONDAY
KEYBOARD = {"inline_keyboard": [[{"text": "Открыть", "url": "https://example.org"}]]}


class Sender:
    def __init__(self, world: World) -> None:
        self.world = world
        self.time = FakeTime()
        self.limiter = self.time.limiter()
        self.bot = StubBot()

    async def tick(self, at: datetime, *, dry_run: bool = False) -> TickReport:
        self.time.now = max(self.time.now, at.timestamp())
        return await run_tick(
            self.world.sessions,
            TelegramOutbound(self.bot),
            at,
            worker_id="worker-1",
            limiter=self.limiter,
            settings=SETTINGS,
            i18n=I18N,
            dry_run=dry_run,
        )

    async def notify(self, user_id: int, text: str, *, keyboard: bool = False) -> None:
        async with self.world.sessions() as session:
            draft = NoticeDraft(
                key=f"test:{user_id}:{text}",
                kind="test",
                recipient=Recipient(user_id, user_id, "ru"),
                text=text,
                keyboard=KEYBOARD if keyboard else None,
            )
            assert await enqueue(session, [draft, draft], AT) == 1
            await session.commit()

    async def row(self) -> NoticeRow:
        async with self.world.sessions() as session:
            [row] = await session.scalars(select(NoticeRow))
            return row


@pytest.fixture
async def sender(engine: AsyncEngine) -> Sender:
    return Sender(await make_world(session_factory(engine)))


async def test_a_notice_is_sent_once_with_its_keyboard(sender: Sender) -> None:
    await sender.notify(COORDINATOR_USER, "🚨 <b>Эскалация</b>", keyboard=True)

    first = await sender.tick(AT)
    second = await sender.tick(AT + timedelta(minutes=1))

    assert (first.notices_sent, second.notices_sent) == (1, 0)
    [sent] = sender.bot.to(COORDINATOR_USER)
    assert (sent.chat_id, sent.text) == (COORDINATOR_USER, "🚨 <b>Эскалация</b>")
    assert sent.reply_markup is not None
    assert sent.reply_markup.inline_keyboard[0][0].url == "https://example.org"
    row = await sender.row()
    assert (row.status, row.attempts, row.message_id) == ("sent", 1, sent.message_id)


async def test_a_dry_run_leaves_notices_alone(sender: Sender) -> None:
    await sender.notify(COORDINATOR_USER, "digest")

    report = await sender.tick(AT, dry_run=True)

    assert report.notices_sent == 0
    assert sender.bot.to(STAFF_USER) == []
    assert (await sender.row()).status == "pending"


async def test_a_blocked_recipient_fails_is_not_retried_and_admins_hear(sender: Sender) -> None:
    await sender.notify(STAFF_USER, "digest")
    sender.bot.fail(STAFF_USER, forbidden())

    first = await sender.tick(AT)
    later = await sender.tick(AT + timedelta(hours=1))

    assert (first.notices_failed, first.deactivated) == (1, [STAFF_USER])
    assert later.notices_sent == later.notices_failed == 0
    assert sender.bot.to(STAFF_USER) == []
    [told] = sender.bot.to(ADMIN_ID)
    assert f"id {STAFF_USER}" in told.text
    assert (await sender.row()).status == "failed"
    async with sender.world.sessions() as session:
        user = await get_user(session, STAFF_USER)
    assert user is not None
    assert not user.active


async def test_a_server_error_is_retried_later_and_given_up_after_max_attempts(
    sender: Sender,
) -> None:
    await sender.notify(STAFF_USER, "digest")
    sender.bot.fail(STAFF_USER, server_error(), server_error(), server_error())

    first = await sender.tick(AT)
    row = await sender.row()
    assert (first.notices_retried, row.status, row.attempts) == (1, "pending", 1)
    # The limiter's clock moved on a little while the reminders went out first.
    assert AT + timedelta(seconds=30) <= row.next_attempt_at < AT + timedelta(seconds=31)

    assert (await sender.tick(AT + timedelta(seconds=20))).notices_retried == 0
    await sender.tick(AT + timedelta(seconds=31))
    third = await sender.tick(AT + timedelta(minutes=3))

    row = await sender.row()
    assert (third.notices_failed, row.status, row.attempts) == (1, "failed", MAX_ATTEMPTS)
    assert sender.bot.to(STAFF_USER) == []


async def test_a_server_error_then_success_delivers_once(sender: Sender) -> None:
    await sender.notify(STAFF_USER, "digest")
    sender.bot.fail(STAFF_USER, server_error())

    await sender.tick(AT)
    await sender.tick(AT + timedelta(seconds=30))
    await sender.tick(AT + timedelta(minutes=5))

    assert len(sender.bot.to(STAFF_USER)) == 1
    assert (await sender.row()).status == "sent"


async def test_429_waits_retry_after_then_a_later_tick_sends(sender: Sender) -> None:
    await sender.notify(STAFF_USER, "digest")
    sender.bot.fail(STAFF_USER, too_many_requests(30))

    first = await sender.tick(AT)
    during = await sender.tick(AT + timedelta(seconds=10))
    after = await sender.tick(AT + timedelta(seconds=31))

    assert (first.notices_deferred, during.notices_sent, after.notices_sent) == (1, 0, 1)
    row = await sender.row()
    assert (row.status, row.attempts) == ("sent", 1)


async def test_a_lost_answer_is_uncertain_and_never_sent_again(sender: Sender) -> None:
    await sender.notify(STAFF_USER, "digest")
    sender.bot.fail(STAFF_USER, LOST)

    first = await sender.tick(AT)
    for minutes in (1, 10, 60):
        await sender.tick(AT + timedelta(minutes=minutes))

    assert first.notices_uncertain == 1
    assert len(sender.bot.to(STAFF_USER)) == 1
    assert (await sender.row()).status == "uncertain"


async def test_a_notice_left_sending_by_a_dead_worker_becomes_uncertain(sender: Sender) -> None:
    await sender.notify(STAFF_USER, "digest")
    async with sender.world.sessions() as session:
        row = (await session.scalars(select(NoticeRow))).one()
        row.status, row.next_attempt_at = "sending", AT  # type: ignore[assignment]
        await session.commit()

    during = await sender.tick(AT + timedelta(seconds=5))
    after = await sender.tick(AT + timedelta(minutes=5))

    assert (during.notices_interrupted, after.notices_interrupted) == (0, 1)
    assert sender.bot.to(STAFF_USER) == []
    assert (await sender.row()).status == "uncertain"
