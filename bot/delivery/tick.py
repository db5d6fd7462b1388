"""One reminder tick: release what is due, claim it, send one digest per chat, record the result.

The sender speaks only to the outbound port (bot/transport/port.py): it builds neutral messages
(bot/screens) and reads the port's outcomes, so the same guarantees hold on every messenger.

APScheduler runs `run_tick` every TICK_SECONDS inside the bot; `roadmap-bot tick` runs it once.
Each step commits before the next one starts, so a crash anywhere leaves rows whose status says
exactly how far they got (see README, «Delivery guarantees»).
"""

import asyncio
import logging
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html import escape
from itertools import groupby
from typing import Any, Protocol

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.delivery.text import visible_length
from bot.i18n import translate as _
from bot.reminders.ratelimit import RateLimiter
from bot.screens.digest import digest_view
from bot.services.addresses import Transport
from bot.services.members import get_user, units_of
from bot.services.notices import (
    Notice,
    drop_user_notices,
    due_notices,
    finish_notice,
    recover_notices,
    take_notice,
)
from bot.services.reminders import (
    Delivery,
    apply_release,
    backoff,
    cancel_deliveries,
    claim_deliveries,
    claimed_deliveries,
    defer,
    mark_failed,
    mark_sending,
    mark_sent,
    mark_uncertain,
    plan_release,
    preview_deliveries,
    recover_stale,
    renew_claims,
    retry_later,
    stop_user,
    unclaim,
)
from bot.services.types import ReminderItem
from bot.transport.port import (
    Address,
    AddressKind,
    Ambiguous,
    Button,
    Message,
    MessageRef,
    Outbound,
    Permanent,
    RecipientGone,
    RetryAfter,
    TransportError,
    Unavailable,
)
from storage.models_reminders import DeliveryStatus

logger = logging.getLogger(__name__)

PREVIEW_LIMIT = 10_000
LANES = 12
"""SEND_LANES of every sender of one token together, as bench/scale.py sets it: ten for one sender,
six each for two, three each for four (the default is 6). Chats one worker sends side by side on
PostgreSQL: enough that the shared budget's next moment always has a message ready, few enough
that requests leave when their moment comes. A lane's message waits at least the budget's 150 ms
lead (`bot.scale.budget.RESERVE_AHEAD`), so a lane sends at most ~5 a second: one sender of six
lanes managed 26.5 a second, of ten 28.3; four senders of ten each (40 lanes on two cores) sent
requests up to 350 ms late and drew 3 × 429 in 2,000 (bench/scale.py --trace)."""


class Translations(Protocol):
    """What the tick needs of aiogram's I18n: set the locale outside a handler."""

    @property
    def available_locales(self) -> tuple[str, ...]: ...

    def context(self) -> AbstractContextManager[Any]: ...

    def use_locale(self, locale: str) -> AbstractContextManager[Any]: ...


@dataclass(frozen=True, slots=True)
class DeliverySettings:
    admin_ids: frozenset[int] = frozenset()
    default_locale: str = "ru"
    lease: timedelta = timedelta(seconds=6)
    """A claim not renewed for this long belongs to a dead worker: a sending worker renews its
    claims and takes over stale ones every third of it, so a killed sender's rows are free
    again within a lease and a third (issue 14 asks for the rest delivered within 15 s; with
    10 s and 200-row claims bench/scale.py --kill saw the last 26 s after the kill). A request
    still in flight after it (a timeout) is recorded `uncertain` by whoever recovers it, and
    never sent again."""
    release_batch: int = 500
    claim_batch: int = 20
    """Rows claimed at a time, refilled while the lanes send: what a dead worker held waits for
    its lease, and what a live one holds waits its turn, so few (a second or two of sending)."""
    lanes: int = 1
    """Chats sent side by side by one worker (see `_Tick.send`); `Application` uses more on
    PostgreSQL, where each message's writes overlap another's request."""
    max_attempts: int = 6
    digest_items: int = 20
    """Items per message: 20 short lines and 20 buttons stay far below Telegram's limits."""
    transports: tuple[Transport, ...] = ("telegram",)
    """The configured messengers: a reminder is released to the one each person chose."""

    @classmethod
    def from_settings(cls, settings: Settings) -> "DeliverySettings":
        return cls(
            admin_ids=settings.admin_ids,
            default_locale=settings.default_locale,
            transports=settings.messengers,
            # SQLite lets one writer in at a time: lanes there would only queue for it.
            lanes=settings.send_lanes if settings.database_url.startswith("postgresql") else 1,
        )


@dataclass(frozen=True, slots=True)
class DigestPreview:
    chat_id: int
    recipients: tuple[str, ...]
    text: str


@dataclass(slots=True)
class TickReport:
    requeued: int = 0
    """Claims of a dead worker given back to the queue."""
    interrupted: int = 0
    """Rows a dead worker left `sending`: now uncertain."""
    released: int = 0
    cancelled: int = 0
    folded: int = 0
    queued: int = 0
    messages: int = 0
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    uncertain: int = 0
    deferred: int = 0
    split: int = 0
    """Digests Telegram refused (400) that went again in smaller parts."""
    deactivated: list[int] = field(default_factory=list)
    previews: list[DigestPreview] = field(default_factory=list)
    notices_sent: int = 0
    """One-off notices (escalations, digests, decisions) sent in this tick."""
    notices_retried: int = 0
    notices_failed: int = 0
    notices_uncertain: int = 0
    notices_deferred: int = 0
    notices_interrupted: int = 0


class _Moment:
    """The tick's `now`, moving on with the monotonic clock while the tick sends."""

    def __init__(self, now: datetime, limiter: RateLimiter) -> None:
        self._start = now
        self._limiter = limiter
        self._started = limiter.monotonic()

    def __call__(self) -> datetime:
        return self._start + timedelta(seconds=self._limiter.monotonic() - self._started)


def _address(outbound: Outbound, chat_id: int) -> Address:
    """Telegram's chat ids: a person's is positive, a group's negative."""
    kind = AddressKind.USER if chat_id > 0 else AddressKind.CHAT
    return Address(outbound.name, kind, chat_id)


def _stored_id(ref: MessageRef) -> int | str:
    """Telegram's numeric id or MAX's string mid: the services store each in its column."""
    return ref.id


def _stored_buttons(keyboard: dict[str, Any] | None) -> tuple[tuple[Button, ...], ...]:
    """A notice's keyboard as the outbox stores it (`inline_keyboard` rows of `text` with
    `callback_data` or `url`, the shape notices have always been written in) as neutral rows."""
    if not keyboard:
        return ()
    laid: list[tuple[Button, ...]] = []
    for row in keyboard.get("inline_keyboard") or []:
        buttons = tuple(
            Button(str(cell["text"]), action=cell.get("callback_data"), url=cell.get("url"))
            for cell in row
            if isinstance(cell, dict)
            and "text" in cell
            and (cell.get("callback_data") is None) != (cell.get("url") is None)
        )
        if buttons:
            laid.append(buttons)
    return tuple(laid)


def _by_assignment(deliveries: Sequence[Delivery]) -> list[list[Delivery]]:
    """The rows grouped by assignment, nearest deadline first."""
    by_assignment: dict[int, list[Delivery]] = {}
    for delivery in deliveries:
        by_assignment.setdefault(delivery.item.assignment_id, []).append(delivery)
    return sorted(
        by_assignment.values(),
        key=lambda group: (group[0].item.deadline, group[0].item.task_code),
    )


def _chunks(deliveries: Sequence[Delivery], size: int) -> Iterator[list[Delivery]]:
    """One chat's rows as digests of at most `size` assignments, nearest deadline first."""
    groups = _by_assignment(deliveries)
    for start in range(0, len(groups), size):
        yield [delivery for group in groups[start : start + size] for delivery in group]


def _items(deliveries: Sequence[Delivery]) -> list[ReminderItem]:
    """One line per assignment: the latest of its reminders (two users may share a chat)."""
    latest: dict[int, ReminderItem] = {}
    for delivery in deliveries:
        item = delivery.item
        known = latest.get(item.assignment_id)
        if known is None or item.due_at > known.due_at:
            latest[item.assignment_id] = item
    return list(latest.values())


class _Tick:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        outbound: Outbound,
        now: datetime,
        *,
        worker_id: str,
        limiter: RateLimiter,
        settings: DeliverySettings,
        i18n: Translations,
        stop: asyncio.Event,
    ) -> None:
        self.sessions = sessions
        self.outbound = outbound
        self.now = now
        self.moment = _Moment(now, limiter)
        self.worker_id = worker_id
        self.limiter = limiter
        self.settings = settings
        self.i18n = i18n
        self.stop = stop
        self.report = TickReport()
        self.queue: deque[list[list[Delivery]]] = deque()
        """Claimed chats waiting for a lane, each its digests in order."""
        self.seen: set[int] = set()
        self.exhausted = False
        self.halted = False
        self.claiming = asyncio.Lock()

    def render(self, deliveries: Sequence[Delivery]) -> Message:
        items = _items(deliveries)
        locale = next(
            (d.language for d in deliveries if d.language in self.i18n.available_locales),
            self.settings.default_locale,
        )
        # Outside a handler nothing has set the locale: the tick does it for each digest.
        with self.i18n.context(), self.i18n.use_locale(locale):
            return digest_view(items, self.moment(), locale)

    async def recover(self, now: datetime | None = None) -> None:
        now = now or self.now
        async with self.sessions() as session:
            requeued, interrupted = await recover_stale(session, now, self.settings.lease)
            notices = await recover_notices(session, now, self.settings.lease)
        self.report.requeued += requeued
        self.report.interrupted += interrupted
        self.report.notices_interrupted += notices
        if interrupted:
            logger.warning("%d reminders were interrupted while sending: not resent", interrupted)
        if notices:
            logger.warning("%d notices were interrupted while sending: not resent", notices)

    async def release(self) -> None:
        while True:
            async with self.sessions() as session:
                plan = await plan_release(
                    session,
                    self.now,
                    self.settings.release_batch,
                    transports=self.settings.transports,
                )
                outcome = await apply_release(session, plan, self.now)
            self.report.released += outcome.released
            self.report.cancelled += outcome.cancelled
            self.report.folded += outcome.folded
            self.report.queued += outcome.deliveries
            if plan.size == 0:
                return

    async def send(self) -> None:
        """Claim and send until nothing is due, a 429 or the stop: `lanes` chats at a time.

        One request at a time leaves the shared budget idle while a process writes to the
        database around each message (one sender managed 22 a second of the 28); lanes let the
        next digest be prepared while one is on its way. A chat's digests stay in one lane, in
        order. Claims are renewed by a task of their own, so a slow request or a 429's wait
        does not let them lapse while this worker lives.
        """
        renewer = asyncio.create_task(self.keep_alive())
        try:
            # A lane that fails (the database gone) stops the others, and its error is the
            # tick's, as when one loop sent everything.
            try:
                async with asyncio.TaskGroup() as lanes:
                    for _ in range(max(1, self.settings.lanes)):
                        lanes.create_task(self.lane())
            except ExceptionGroup as failed:
                raise failed.exceptions[0] from None
        finally:
            renewer.cancel()
            with suppress(asyncio.CancelledError):
                await renewer

    async def lane(self) -> None:
        while not self.halted and self.limiter.paused_for() <= 0:
            if len(self.queue) < self.settings.lanes and not self.exhausted:
                await self.refill()
            if not self.queue:
                if self.exhausted:
                    return
                continue
            for digest in self.queue.popleft():
                if self.stop.is_set():
                    self.halted = True
                    await self.give_back()
                    return
                if self.halted or not await self.send_digest(digest):
                    self.halted = True
                    return

    async def refill(self) -> None:
        """Claim the next rows while the lanes still have chats to send: no lane waits for it."""
        async with self.claiming:
            if len(self.queue) >= self.settings.lanes or self.exhausted or self.halted:
                return
            async with self.sessions() as session:
                claimed = await claim_deliveries(
                    session,
                    self.moment(),
                    self.worker_id,
                    self.settings.claim_batch,
                    self.outbound.name,
                )
                if not claimed:
                    self.exhausted = True
                    return
                deliveries, stale = await claimed_deliveries(session, self.worker_id)
                self.report.cancelled += await cancel_deliveries(
                    session, stale, "confirmed or no longer assigned before it was sent"
                )
            # This worker's earlier claims come back too: those already in a lane stay there.
            fresh = [d for d in deliveries if d.outbox_id not in self.seen]
            self.seen.update(d.outbox_id for d in fresh if d.outbox_id is not None)
            for _chat_id, in_chat in groupby(fresh, key=lambda d: d.chat_id):
                chunks = _chunks(list(in_chat), self.settings.digest_items)
                self.queue.append([part for chunk in chunks for part in self.fit(chunk)])

    async def keep_alive(self) -> None:
        """Every third of the lease while sending: renew this worker's claims, and take over
        those of a worker that stopped renewing (it died) without waiting for another tick."""
        period = self.settings.lease.total_seconds() / 3
        while True:
            await asyncio.sleep(period)
            now = self.moment()
            try:
                async with self.sessions() as session:
                    await renew_claims(session, self.worker_id, now)
                await self.recover(now)
            except SQLAlchemyError as error:  # the next renewal tries again
                logger.warning("claims not renewed: %s", error)

    async def give_back(self) -> None:
        """The bot is stopping: what this worker claimed goes back to the queue at once."""
        async with self.sessions() as session:
            await unclaim(session, self.worker_id, self.moment())

    def fit(self, digest: list[Delivery]) -> list[list[Delivery]]:
        """The digest as messages within the transport's length (measured in UTF-16 after the
        markup, never less than characters): halves until each part fits, so each reminder
        keeps its button in the message it is in."""
        groups = _by_assignment(digest)
        if (
            len(groups) < 2
            or visible_length(self.render(digest).text) <= self.outbound.limits.text_length
        ):
            return [digest]
        half = len(groups) // 2
        head = [d for group in groups[:half] for d in group]
        tail = [d for group in groups[half:] for d in group]
        return self.fit(head) + self.fit(tail)

    async def send_digest(self, digest: list[Delivery]) -> bool:
        """Send one digest and record what happened; False when the tick must stop sending."""
        chat_id = digest[0].chat_id
        # The chat's turn first, then `sending`, then the overall moment: the database write
        # stays out of the gap between the reserved moment and the request, where its jitter
        # bunched messages from several processes into Telegram's second (issue 14).
        await self.limiter.wait_for_chat(chat_id)
        async with self.sessions() as session:
            taken = await mark_sending(
                session,
                [d.outbox_id for d in digest if d.outbox_id],
                self.worker_id,
                self.moment(),
            )
        digest = [d for d in digest if d.outbox_id in taken]
        if not digest:
            return True
        message = self.render(digest)  # before the moment: nothing but the request after it
        await self.limiter.acquire(chat_id)
        return await self.deliver(digest, message)

    async def deliver(self, digest: list[Delivery], message: Message | None = None) -> bool:
        """One request for rows already `sending` (the limiter counted it); a 400 on several
        reminders is never their end: they go again in smaller parts, one by one at last."""
        chat_id = digest[0].chat_id
        ids = [d.outbox_id for d in digest if d.outbox_id is not None]
        message = message or self.render(digest)
        try:
            # Counted above, before the rows became `sending`: the session's limiter lets the
            # request through and hands a 429 back here (the rows wait for a later tick).
            with self.limiter.counted():
                sent = await self.outbound.send(_address(self.outbound, chat_id), message)
        except RetryAfter as error:
            await self.wait_for_messenger(ids, error)
            return False
        except RecipientGone as error:
            await self.unreachable(digest, error.detail)
        except Permanent as error:
            if len(groups := _by_assignment(digest)) > 1:
                # Refused before anything was shown: resending part of it cannot duplicate.
                logger.warning(
                    "%s refused a digest of %d for chat %s (%s): sent in parts",
                    self.outbound.name,
                    len(groups),
                    chat_id,
                    error.detail,
                )
                self.report.split += 1
                half = len(groups) // 2
                for part in (groups[:half], groups[half:]):
                    await self.limiter.acquire(chat_id)
                    if not await self.deliver([d for group in part for d in group]):
                        return False
            else:
                logger.error(
                    "%s refused a digest for chat %s: %s", self.outbound.name, chat_id, error
                )
                await self.record(mark_failed, ids, error.detail)
                self.report.failed += len(ids)
        except Ambiguous as error:
            logger.warning("answer to a digest for chat %s lost: %s", chat_id, error.detail)
            await self.record(mark_uncertain, ids, error.detail)
            self.report.uncertain += len(ids)
        except Unavailable as error:
            await self.retry(digest, error.detail)
        else:
            async with self.sessions() as session:
                await mark_sent(session, ids, self.moment(), _stored_id(sent))
            self.report.messages += 1
            self.report.delivered += len(ids)
        return True

    async def record(self, action: "_Recorder", ids: list[int], error: str) -> None:
        async with self.sessions() as session:
            await action(session, ids, error)

    async def retry(self, digest: list[Delivery], error: str) -> None:
        async with self.sessions() as session:
            retried, failed = await retry_later(
                session, digest, self.moment(), error, self.settings.max_attempts
            )
        self.report.retried += retried
        self.report.failed += failed

    async def wait_for_messenger(self, ids: list[int], error: RetryAfter) -> None:
        """429: everything waits `retry_after`; the tick ends, a later one sends."""
        await self.limiter.hold(error.seconds)
        until = self.moment() + timedelta(seconds=error.seconds)
        async with self.sessions() as session:
            deferred = await defer(session, ids, until, error.detail)
            deferred += await unclaim(session, self.worker_id, until)
        self.report.deferred += deferred
        logger.warning(
            "%s asked to wait %s s; %d reminders wait", self.outbound.name, error.seconds, deferred
        )

    async def unreachable(self, digest: list[Delivery], error: str) -> None:
        """403 or «chat not found»: stop writing to these users, tell the admins once."""
        async with self.sessions() as session:
            await mark_failed(session, [d.outbox_id for d in digest if d.outbox_id], error)
            self.report.failed += len(digest)
            users = {d.user_id: d.full_name for d in digest}
            newly = []
            for user_id, name in users.items():
                was_reachable, _cancelled = await stop_user(session, user_id, error)
                if was_reachable:
                    newly.append((user_id, name))
        for user_id, name in newly:
            self.report.deactivated.append(user_id)
            await self.tell_admins(user_id, name)

    async def send_notices(self) -> None:
        """The notices due, one message each, after the reminders and through the same limiter."""
        while self.limiter.paused_for() <= 0 and not self.stop.is_set():
            async with self.sessions() as session:
                notices = await due_notices(
                    session, self.moment(), self.settings.claim_batch, self.outbound.name
                )
            if not notices:
                return
            for notice in notices:
                if self.stop.is_set() or not await self.send_notice(notice):
                    return

    async def send_notice(self, notice: Notice) -> bool:
        """Send one notice and record what happened; False when the tick must stop sending."""
        await self.limiter.acquire(notice.chat_id)
        async with self.sessions() as session:
            if not await take_notice(session, notice.id, self.moment()):
                return True
        attempt = notice.attempts + 1
        message = Message(notice.text, _stored_buttons(notice.keyboard))
        try:
            with self.limiter.counted():
                sent = await self.outbound.send(_address(self.outbound, notice.chat_id), message)
        except RetryAfter as error:
            await self.limiter.hold(error.seconds)
            until = self.moment() + timedelta(seconds=error.seconds)
            await self.finish(
                notice, DeliveryStatus.PENDING, error.detail, retry_at=until, counts=False
            )
            self.report.notices_deferred += 1
            return False
        except RecipientGone as error:
            await self.notice_unreachable(notice, error.detail)
        except Permanent as error:
            logger.error("%s refused notice %s: %s", self.outbound.name, notice.id, error)
            await self.finish(notice, DeliveryStatus.FAILED, error.detail)
            self.report.notices_failed += 1
        except Ambiguous as error:
            logger.warning("answer to notice %s lost: %s", notice.id, error.detail)
            await self.finish(notice, DeliveryStatus.UNCERTAIN, error.detail)
            self.report.notices_uncertain += 1
        except Unavailable as error:
            await self.retry_notice(notice, attempt, error.detail)
        else:
            async with self.sessions() as session:
                await finish_notice(
                    session,
                    notice.id,
                    DeliveryStatus.SENT,
                    self.moment(),
                    message_id=_stored_id(sent),
                )
            self.report.notices_sent += 1
        return True

    async def finish(
        self,
        notice: Notice,
        status: DeliveryStatus,
        error: str,
        *,
        retry_at: datetime | None = None,
        counts: bool = True,
    ) -> None:
        async with self.sessions() as session:
            await finish_notice(
                session,
                notice.id,
                status,
                self.moment(),
                error=error,
                retry_at=retry_at,
                attempt_counts=counts,
            )

    async def retry_notice(self, notice: Notice, attempt: int, error: str) -> None:
        """The request did not reach Telegram: again after a backoff, failed after the last try."""
        if attempt >= self.settings.max_attempts:
            await self.finish(notice, DeliveryStatus.FAILED, error)
            self.report.notices_failed += 1
            return
        retry_at = self.moment() + backoff(attempt)
        await self.finish(notice, DeliveryStatus.PENDING, error, retry_at=retry_at)
        self.report.notices_retried += 1

    async def notice_unreachable(self, notice: Notice, error: str) -> None:
        """403 or «chat not found»: as for a reminder, the user is stopped and admins told."""
        await self.finish(notice, DeliveryStatus.FAILED, error)
        self.report.notices_failed += 1
        async with self.sessions() as session:
            user = await get_user(session, notice.user_id)
            await drop_user_notices(session, notice.user_id, error)
            was_reachable, _cancelled = await stop_user(session, notice.user_id, error)
        if was_reachable:
            self.report.deactivated.append(notice.user_id)
            await self.tell_admins(notice.user_id, user.full_name if user else str(notice.user_id))

    async def tell_admins(self, user_id: int, name: str) -> None:
        """A first name and an id say little to an admin: the notice names the person's units."""
        async with self.sessions() as session:
            found = await units_of(session, user_id)
        units = ", ".join(dict.fromkeys(unit.name for unit in found))
        with self.i18n.context(), self.i18n.use_locale(self.settings.default_locale):
            if units:
                text = _(
                    "⚠️ {name} (id {id}, {units}) has blocked the bot or deleted the account: "
                    "reminders to them are stopped until they write to the bot again."
                ).format(name=escape(name), id=user_id, units=escape(units))
            else:
                text = _(
                    "⚠️ {name} (id {id}) has blocked the bot or deleted the account: reminders "
                    "to them are stopped until they write to the bot again."
                ).format(name=escape(name), id=user_id)
        for admin_id in sorted(self.settings.admin_ids - {user_id}):
            try:
                await self.limiter.acquire(admin_id)
                with self.limiter.counted():
                    await self.outbound.send(_address(self.outbound, admin_id), Message(text))
            except TransportError as error:
                logger.warning(
                    "could not tell admin %s that %s is gone: %s", admin_id, user_id, error
                )

    async def dry_run(self) -> None:
        async with self.sessions() as session:
            plan = await plan_release(session, self.now, PREVIEW_LIMIT, lock=False)
            deliveries = await preview_deliveries(session, plan, self.now)
            await session.rollback()
        self.report.released = len(plan.release)
        self.report.cancelled = len(plan.cancel)
        self.report.folded = len(plan.fold)
        self.report.queued = len(plan.recipients)
        deliveries.sort(key=lambda d: d.chat_id)
        for chat_id, in_chat in groupby(deliveries, key=lambda d: d.chat_id):
            digests = _chunks(list(in_chat), self.settings.digest_items)
            for digest in (part for chunk in digests for part in self.fit(chunk)):
                text = self.render(digest).text
                names = tuple(sorted({d.full_name for d in digest}))
                self.report.previews.append(DigestPreview(chat_id, names, text))


class _Recorder(Protocol):
    async def __call__(self, session: AsyncSession, ids: list[int], error: str) -> int: ...


async def run_tick(
    sessions: async_sessionmaker[AsyncSession],
    outbound: Outbound,
    now: datetime,
    *,
    worker_id: str,
    limiter: RateLimiter,
    settings: DeliverySettings,
    i18n: Translations,
    dry_run: bool = False,
    stop: asyncio.Event | None = None,
) -> TickReport:
    """Release the reminders due at `now`, send them, record what happened.

    With `dry_run`, only say what would be sent and to whom: nothing is sent or written.
    Setting `stop` ends the tick after the digest it is sending.
    """
    tick = _Tick(
        sessions,
        outbound,
        now,
        worker_id=worker_id,
        limiter=limiter,
        settings=settings,
        i18n=i18n,
        stop=stop or asyncio.Event(),
    )
    if dry_run:
        await tick.dry_run()
        return tick.report
    await tick.recover()
    await tick.release()
    await tick.send()
    await tick.send_notices()
    return tick.report
