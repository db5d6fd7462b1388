"""What users read: message texts built from service values, through the gettext catalogs."""

import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import gettext as _

from bot.i18n import format_day, ngettext, one_stop
from bot.reminders.policy import ReminderKind
from bot.services.plans import ArchivedPlan
from bot.services.types import (
    AssignmentStatus,
    AssignmentView,
    Page,
    ReminderItem,
    Role,
    UserInfo,
)

TITLE_LIMIT = 1500
MESSAGE_LIMIT = 4096
SHORT_TITLE = 60


def local_today(now: datetime, timezone: str) -> date:
    """Deadlines are days in the plan's own time zone, not in UTC."""
    return now.astimezone(ZoneInfo(timezone)).date()


EXAMPLE_AHEAD = timedelta(days=14)


def example_day(today: date, after: date | None = None) -> str:
    """A date to show in «e.g. …»: two weeks past today (the plan's) and past `after` (a
    deadline), so that the example is itself a date the bot would accept."""
    day = max(today, after or today) + EXAMPLE_AHEAD
    return f"{day:%d.%m.%Y}"


def days(n: int) -> str:
    return ngettext("{n} day", "{n} days", n).format(n=n)


_CUT_PUNCTUATION = ' ,;:.–—-(«"/'
_BULLET = re.compile(r"^[\s\-–—•·*]+")
HEADING = 110
"""A task's one-line title in lists (/my, digests, /overdue, escalations, /review)."""


def clip(text: str, limit: int) -> str:
    """`text` within `limit` characters, cut at a word where one ends in the second half."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(_CUT_PUNCTUATION) + "…"


def task_heading(title: str, measure_title: str | None, limit: int = HEADING) -> str:
    """A task's title on one line that says what to do without opening the card.

    A sub-item's own title is often a fragment of its measure's sentence («– мест и сроков
    подачи заявлений»), so it follows the measure's lead: «Приведение нормативно-правовых
    актов…: приказ о назначении координатора». The item gets most of the room; both are cut
    at a word.
    """
    item = _BULLET.sub("", one_line(title, TITLE_LIMIT))
    if not measure_title:
        return clip(item[:1].upper() + item[1:], limit)
    lead = one_line(measure_title, TITLE_LIMIT).rstrip(" :;,.")
    lead = clip(lead, max(limit * 2 // 5, limit - 2 - len(item)))
    return f"{lead}: {clip(item, limit - 2 - len(lead))}"


def too_long(text: str, limit: int) -> str | None:
    """The reply to a comment or reason over `limit` characters; None when it fits."""
    if len(text) <= limit:
        return None
    return _(
        "The text is too long ({length} characters); the limit is {limit}. Please shorten it."
    ).format(length=len(text), limit=limit)


def one_line(text: str, limit: int = SHORT_TITLE) -> str:
    return clip(" ".join(text.split()), limit)


def window_text(view: AssignmentView, locale: str) -> str:
    """The window, ending on the deadline in force (an approved extension moves it)."""
    end = format_day(view.deadline, locale)
    if view.window_start is None or view.window_start == view.deadline:
        return _("until {end}").format(end=end)
    start = format_day(view.window_start, locale)
    return _("from {start} to {end}").format(start=start, end=end)


def deadline_state(view: AssignmentView, now: datetime) -> str:
    return days_left_state((view.deadline - local_today(now, view.plan_timezone)).days)


def confirmed_state(view: AssignmentView) -> str:
    """What became of a confirmation: accepted, on review (a plan with acceptance), done."""
    if view.accepted_at is not None:
        return _("accepted")
    return _("on review") if view.acceptance else _("confirmed")


def days_left_state(left: int) -> str:
    if left > 0:
        return _("{days} left").format(days=days(left))
    if left == 0:
        return _("due today")
    return _("overdue by {days}").format(days=days(-left))


def role_name(role: Role) -> str:
    return {
        Role.ADMIN: _("administrator"),
        Role.STAFF: _("ministry staff"),
        Role.OPERATOR: _("hotline operator"),
        Role.MEMBER: _("member of a unit"),
        Role.PUBLIC: _("visitor"),
    }[role]


_DOCUMENT = re.compile(
    r"\b(приказ|протокол|справк|отч[её]т|план[аыу]?\b|планы|записк|письм|сертификат|"
    r"удостоверени|рекомендаци|инструкци|сборник|аналитическ|документ|положени|график|"
    r"распоряжени|журнал|ведомост|списк|список|заявк|акт\b|акты)",
    re.IGNORECASE,
)


def result_is_document(result: str | None) -> bool:
    """Whether the plan's expected result is a paper staff can check («приказы», «протоколы»,
    «справки по итогам…»), not an effect («повышение квалификации»)."""
    return bool(result and _DOCUMENT.search(result))


def assignment_card(
    view: AssignmentView,
    now: datetime,
    locale: str,
    confirmed_by: UserInfo | None,
    *,
    attached: int = 0,
) -> str:
    """A member's card; `attached` counts the files on it, so that a confirmed measure whose
    result is a document and that has none asks for it."""
    lines = [f"<b>{escape(view.task_code)}</b> · {escape(view.plan_label)}"]
    if view.measure_title:
        lines.append(f"<i>{escape(clip(view.measure_title, TITLE_LIMIT // 2))}</i>")
    lines.append(escape(clip(view.task_title, TITLE_LIMIT)))
    lines.append("")
    if view.term_text:
        lines.append(_("Term: {term}").format(term=escape(one_line(view.term_text, 300))))
    label = f" ({escape(view.window_label)})" if view.window_label else ""
    lines.append(_("Deadline: {window}").format(window=window_text(view, locale)) + label)
    if view.due_date is not None:
        lines.append(
            one_stop(
                _("Extended; the plan's deadline was {day}.").format(
                    day=format_day(view.window_end, locale)
                )
            )
        )
    lines.append(_("Responsible: {unit}").format(unit=escape(view.unit_name)))
    if view.result:
        lines.append(
            _("Expected result: {result}").format(result=escape(one_line(view.result, 300)))
        )
    if view.status is AssignmentStatus.CONFIRMED and view.confirmed_at is not None:
        when = format_day(local_today(view.confirmed_at, view.plan_timezone), locale)
        who = escape(confirmed_by.full_name) if confirmed_by else "—"
        lines.append(
            _("✅ Done on {day} ({who})").format(day=when, who=who) + f" — {confirmed_state(view)}"
        )
        if attached == 0 and result_is_document(view.result) and view.active:
            lines.append(
                _("📎 The result is a document: attach it (📎 Attach a document) for the check.")
            )
    else:
        if view.returned_comment is not None:
            lines.append(
                _("↩️ Returned: {comment}").format(
                    comment=escape(clip(view.returned_comment, TITLE_LIMIT // 2))
                )
            )
        lines.append(_("⏳ Not done yet, {state}").format(state=deadline_state(view, now)))
    return "\n".join(lines)


def archived_lines(archived: Sequence[ArchivedPlan], locale: str) -> list[str]:
    return [
        _(
            "🗄 {plan}: the school year ended on {day}, the plan is archived. Its items are not "
            "listed or reminded any more; reports keep them."
        ).format(plan=escape(plan.label), day=format_day(plan.ended, locale))
        for plan in archived
    ]


def my_list(
    page: Page[AssignmentView],
    now: datetime,
    locale: str,
    page_size: int,
    archived: Sequence[ArchivedPlan] = (),
) -> str:
    """The member's list; a note for each archived plan of theirs, whose items it leaves out."""
    notes = archived_lines(archived, locale)
    if page.total == 0:
        return "\n\n".join([_("You have no open assignments. Well done!"), *notes])
    pages = (page.total + page_size - 1) // page_size
    current = page.offset // page_size + 1
    lines = [
        _("Your assignments, nearest deadline first (page {current} of {pages}):").format(
            current=current, pages=pages
        ),
        "",
    ]
    for number, view in enumerate(page.items, start=page.offset + 1):
        confirmed = view.status is AssignmentStatus.CONFIRMED
        returned = view.returned_comment is not None
        mark = "✅" if confirmed else "↩️" if returned else "▫️"
        # A confirmed item is not «overdue»: it says what became of the confirmation.
        state = confirmed_state(view) if confirmed else deadline_state(view, now)
        if returned:
            state = _("returned, {state}").format(state=state)
        lines.append(
            f"{number}. {mark} <b>{escape(view.task_code)}</b> — "
            f"{window_text(view, locale)}, {state}\n"
            f"{escape(task_heading(view.task_title, view.measure_title))}"
            + f"\n<i>{escape(view.unit_name)}</i>"
            + (f"\n↩️ {escape(one_line(view.returned_comment or '', 200))}" if returned else "")
        )
    if notes:
        lines += ["", *notes]
    return "\n".join(lines)


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Telegram refuses texts over 4096 characters: cut long listings at line ends."""
    chunks: list[str] = []
    current = ""
    for raw_line in text.split("\n"):
        line = clip(raw_line, limit)
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current or not chunks:
        chunks.append(current)
    return chunks


def reminder_title(item: ReminderItem, limit: int = HEADING) -> str:
    return task_heading(item.task_title, item.measure_title, limit)


def reminder_state(item: ReminderItem, today: date, locale: str) -> str:
    """What the reminder says about the deadline, seen from `today` (the plan's local day)."""
    end = format_day(item.deadline, locale)
    if item.kind is ReminderKind.STATUS_CHECK:
        return _("ongoing until {end}: how is it going?").format(end=end)
    left = (item.deadline - today).days
    if item.kind is ReminderKind.OPENS:
        return _("starts now; deadline {end}, {state}").format(
            end=end, state=days_left_state(left)
        )
    if left == 0:
        return _("due today, {end}").format(end=end)
    return _("deadline {end}, {state}").format(end=end, state=days_left_state(left))


def reminder_digest(items: Sequence[ReminderItem], now: datetime, locale: str) -> str:
    """Several reminders for one chat as one message, in the order given (nearest first)."""
    several_units = len({item.unit_id for item in items}) > 1
    lines = [
        ngettext(
            "🔔 Reminder: {count} measure", "🔔 Reminders: {count} measures", len(items)
        ).format(count=len(items)),
        "",
    ]
    for number, item in enumerate(items, start=1):
        today = local_today(now, item.plan_timezone)
        unit = f" · <i>{escape(item.unit_name)}</i>" if several_units else ""
        lines.append(
            f"{number}. <b>{escape(item.task_code)}</b> {escape(reminder_title(item))}\n"
            f"{reminder_state(item, today, locale)}{unit}"
        )
    lines += ["", _("Tap «✅ Done» when a measure is complete; /my lists all your assignments.")]
    return "\n".join(lines)


def upcoming_list(items: Sequence[ReminderItem], span: int, locale: str) -> str:
    """/upcoming: the reminders of the coming `span` days, by day in each plan's zone."""
    if not items:
        return _("No reminders in the next {days}.").format(days=days(span))
    lines = [_("Reminders in the next {days}:").format(days=days(span))]
    shown_day: date | None = None
    for item in items:
        day = item.due_at.astimezone(ZoneInfo(item.plan_timezone)).date()
        if day != shown_day:
            lines += ["", f"<b>{format_day(day, locale)}</b>"]
            shown_day = day
        lines.append(
            f"• <b>{escape(item.task_code)}</b> {escape(reminder_title(item, 50))} — "
            f"{reminder_state(item, day, locale)}"
        )
    return "\n".join(lines)
