"""Escalations and the weekly digest: their texts, and the job that writes them as notices.

Each notice is rendered once, in its recipient's language, when it is written; the reminder
tick sends it (`bot.delivery.tick`). `control_tick` is what the scheduler and `roadmap-bot tick`
run: it commits escalations and their notices together, so nothing is escalated unannounced.
"""

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from html import escape
from itertools import groupby
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import format_day, format_week, ngettext, one_stop
from bot.screens.render import MESSAGE_LIMIT, days_left_state, one_line
from bot.services.addresses import Transport
from bot.services.digest import PlanDigest, digest_key, weekly_digests
from bot.services.escalation import EscalatedMeasure, PlanEscalation, escalate
from bot.services.notices import NoticeDraft, enqueue
from handlers.control import and_more, counts_line, legend, measure_heading, names_within
from handlers.notices import draft_notices

logger = logging.getLogger(__name__)

NAMES_BUDGET = 600
"""Characters of unit names on one line of an escalation or digest."""
NEWLY_OVERDUE_SHOWN = 15
ESCALATION_KIND, DIGEST_KIND = "escalation", "digest"


def working_days(n: int) -> str:
    return ngettext("{n} working day", "{n} working days", n).format(n=n)


def within_limit(
    head: Sequence[str],
    body: Sequence[str],
    limit: int = MESSAGE_LIMIT,
    *,
    rest: str | None = None,
) -> str:
    """`head`, then as many `body` lines as fit in one message, then «and N more» and, when
    given, `rest`: where the reader sees the lines that did not fit."""
    text = "\n".join(head)
    tail = f" — {rest}" if rest else ""
    reserve = 40 + len(tail)
    for shown, line in enumerate(body):
        if len(text) + 1 + len(line) > limit - reserve:
            return f"{text}\n{and_more(len(body) - shown)}{tail}"
        text = f"{text}\n{line}"
    return text


def _escalated_lines(measure: EscalatedMeasure, locale: str) -> list[str]:
    lines = []
    for deadline, late in groupby(measure.late, key=lambda item: item.deadline):
        units = list(late)
        until = _("until {end}").format(end=format_day(deadline, locale))
        heading = measure_heading(measure.title, measure.measure_title)
        lines.append(
            f"• <b>{escape(measure.code)}</b> {heading}"
            f" — {days_left_state(-units[0].days_overdue)} ({until}): "
            f"{names_within([unit.unit_name for unit in units], NAMES_BUDGET)}"
        )
    return lines


def escalation_text(escalation: PlanEscalation, locale: str) -> str:
    head = [
        _("🚨 <b>Escalation</b> · {plan}").format(plan=escape(escalation.name)),
        _("Not confirmed {days} after the deadline:").format(
            days=working_days(escalation.working_days)
        ),
    ]
    if escalation.fallback:
        if escalation.parties:
            head.append(
                _(
                    "⚠️ Nobody has joined the bot for {parties}, who coordinate the plan: "
                    "you get this instead."
                ).format(parties=escape(", ".join(escalation.parties)))
            )
        else:
            head.append(_("⚠️ The plan names no coordinator: you get this instead."))
    head.append("")
    body = [line for m in escalation.measures for line in _escalated_lines(m, locale)]
    # The escalation is one message; /overdue pages through the whole plan.
    rest = _("all of them: /overdue {plan}").format(plan=escape(escalation.plan_id))
    return within_limit(head, body, rest=rest)


def _digest_counts(digest: PlanDigest) -> list[str]:
    lines = [
        _("⏰ Overdue in all: {n}").format(n=digest.overdue_total),
        _("🚨 Escalated this week: {n}").format(n=digest.escalated),
        _("📨 Extension requests waiting for a decision: {n}").format(n=digest.extensions_pending),
    ]
    if digest.acceptance_pending is not None:
        lines.append(
            _("📝 Confirmations waiting for acceptance: {n}").format(n=digest.acceptance_pending)
        )
    return lines


def digest_text(digest: PlanDigest, locale: str) -> str:
    plan = digest.progress
    head = [
        _("📅 <b>Week {week}</b> · {plan}").format(
            week=format_week(digest.week, locale), plan=escape(digest.progress.name)
        ),
        one_stop(_("As of {day}.").format(day=format_day(digest.today, locale))),
        "",
        *_digest_counts(digest),
        "",
        _("📊 Progress (confirmed out of everything assigned):"),
        counts_line(plan.counts),
    ]
    for section in plan.sections:
        code = f"<b>{escape(section.code)}.</b> " if section.code else ""
        head.append(f"{code}{escape(one_line(section.title, 70))}: {counts_line(section.counts)}")
    head += ["", legend(), ""]
    if not digest.newly_overdue:
        head.append(_("❗ Nothing fell overdue in the last 7 days."))
        return within_limit(head, [])
    head.append(_("❗ Fell overdue in the last 7 days: {n}").format(n=digest.newly_overdue_count))
    body = []
    for item in digest.newly_overdue[:NEWLY_OVERDUE_SHOWN]:
        until = _("until {end}").format(end=format_day(item.deadline, locale))
        body.append(
            f"• <b>{escape(item.code)}</b> {escape(one_line(item.title, 80))} ({until}): "
            f"{names_within(item.units, NAMES_BUDGET)}"
        )
    rest = len(digest.newly_overdue) - NEWLY_OVERDUE_SHOWN
    if rest > 0:
        body.append(and_more(rest))
    return within_limit(head, body)


def escalation_key(escalation: PlanEscalation, day: date, user_id: int) -> str:
    """One notice per recipient and run: the hash names the assignments escalated in it."""
    ids = ",".join(str(i) for i in sorted(escalation.assignment_ids))
    digest = hashlib.sha256(ids.encode()).hexdigest()[:16]
    return f"escalation:{escalation.plan_id}:{day.isoformat()}:{user_id}:{digest}"


@dataclass(slots=True)
class ControlReport:
    escalated: int = 0
    """Assignments escalated in this run."""
    digests: int = 0
    notices: int = 0
    """Notices written (the tick sends them)."""


def escalation_drafts(i18n: I18n, escalation: PlanEscalation, today: date) -> list[NoticeDraft]:
    return draft_notices(
        i18n,
        escalation.recipients,
        kind=ESCALATION_KIND,
        key=lambda r: escalation_key(escalation, today, r.user_id),
        render=lambda locale: (escalation_text(escalation, locale), None),
    )


def digest_drafts(i18n: I18n, digest: PlanDigest) -> list[NoticeDraft]:
    return draft_notices(
        i18n,
        digest.recipients,
        kind=DIGEST_KIND,
        key=lambda r: digest_key(digest.plan_id, digest.week, r.user_id),
        render=lambda locale: (digest_text(digest, locale), None),
    )


async def control_tick(
    sessions: async_sessionmaker[AsyncSession],
    now: datetime,
    *,
    i18n: I18n,
    admin_ids: frozenset[int] = frozenset(),
    messengers: tuple[Transport, ...] = ("telegram",),
) -> ControlReport:
    """Escalate what is due and write this week's digests, as notices the next tick sends
    on the messenger each recipient chose among `messengers`."""
    report = ControlReport()
    async with sessions() as session:
        for escalation in await escalate(session, now, admin_ids=admin_ids):
            today = now.astimezone(ZoneInfo(escalation.timezone)).date()
            report.escalated += len(escalation.assignment_ids)
            drafts = escalation_drafts(i18n, escalation, today)
            report.notices += await enqueue(session, drafts, now, messengers)
        await session.commit()
    async with sessions() as session:
        for digest in await weekly_digests(session, now, admin_ids=admin_ids):
            report.digests += 1
            report.notices += await enqueue(session, digest_drafts(i18n, digest), now, messengers)
        await session.commit()
    if report.escalated or report.digests:
        logger.info(
            "control: %d assignments escalated, %d digests, %d notices written",
            report.escalated,
            report.digests,
            report.notices,
        )
    return report
