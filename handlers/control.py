"""Ministry control for staff and admins: /overdue, /progress, /measure, /coverage, /report.

A member may call /overdue too and sees their own units only; everyone else gets the catch-all
«not available». Callback data and keyboards of this feature live here beside the handlers.
"""

import asyncio
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from html import escape
from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.i18n import format_day, ngettext, one_stop
from bot.reports.csvfile import build_csv
from bot.reports.labels import localized
from bot.screens.actions import AssignmentAction
from bot.screens.render import (
    HEADING,
    clip,
    days_left_state,
    one_line,
    split_message,
    task_heading,
)
from bot.services.control import (
    AmbiguousCode,
    CardWindow,
    ControlStatus,
    Counts,
    Coverage,
    MeasureCard,
    OverdueFilter,
    OverdueMeasure,
    PartyCoverage,
    PlanProgress,
    UnitCoverage,
    UnitState,
    UnknownFilter,
    coverage,
    measure_card,
    measure_card_for_task,
    overdue_for,
    progress,
    report_data,
    resolve_filter,
)
from bot.services.errors import NotFound
from bot.services.extensions import DeadlineEvent, HistoryKind
from bot.services.members import units_of
from bot.services.review import ReviewState
from bot.services.types import Page, Role, UserInfo
from handlers.callbacks import AssignmentCb, PageNumber, RowId
from handlers.filters import RoleFilter
from handlers.keyboards import documents_keyboard

logger = logging.getLogger(__name__)

BAR_CELLS = 10
NAMES_BUDGET = 3000
"""Characters of unit names on an /overdue page, shared by its lines: a page stays one message."""
UNITS_PER_WINDOW = 30
UNITS_PER_PARTY = 40
COMMENTS_SHOWN = 20
HISTORY_SHOWN = 20
FILTERS_KEPT = 20
FILTER_DESTINY = "control"
STATUS_MARKS = {
    ControlStatus.CONFIRMED: "✅",
    ControlStatus.DUE: "⏳",
    ControlStatus.OVERDUE: "❗",
    ControlStatus.UPCOMING: "🕓",
}
CARD_ORDER = {
    status: n
    for n, status in enumerate(
        (ControlStatus.OVERDUE, ControlStatus.DUE, ControlStatus.UPCOMING, ControlStatus.CONFIRMED)
    )
}
"""The late first on a card."""
STAFF = (Role.STAFF, Role.ADMIN)


class OverduePageCb(CallbackData, prefix="ov1"):
    page: PageNumber
    key: str = ""
    """A short hash of the filter text, kept in the user's FSM data (see `remember_filter`)."""


class MeasureCb(CallbackData, prefix="ms1"):
    task: RowId


# ------------------------------------------------------------------------------ rendering


def bar(percent: int) -> str:
    filled = min(BAR_CELLS, max(0, round(percent * BAR_CELLS / 100)))
    return "▓" * filled + "░" * (BAR_CELLS - filled)


def counts_line(counts: Counts) -> str:
    line = (
        f"{bar(counts.percent)} {counts.percent}% · ✅ {counts.confirmed} · ⏳ {counts.due}"
        f" · ❗ {counts.overdue} · 🕓 {counts.upcoming}"
    )
    if counts.undated:
        line += " · " + _("no date yet: {n}").format(n=counts.undated)
    return line


def legend() -> str:
    return _("✅ confirmed · ⏳ due · ❗ overdue · 🕓 not yet due")


def and_more(n: int) -> str:
    return ngettext("and {n} more", "and {n} more", n).format(n=n)


def names_within(names: Sequence[str], budget: int) -> str:
    """As many names as fit in `budget` characters (at least one), then «and N more»."""
    shown: list[str] = []
    used = 0
    for name in names:
        if shown and used + len(name) > budget:
            break
        shown.append(escape(name))
        used += len(name) + 2
    rest = len(names) - len(shown)
    return ", ".join(shown) + (f" {and_more(rest)}" if rest else "")


def measure_heading(title: str, measure_title: str | None, limit: int = HEADING) -> str:
    return escape(task_heading(title, measure_title, limit))


def window_dates(start: date | None, end: date, locale: str) -> str:
    if start is None or start == end:
        return _("until {end}").format(end=format_day(end, locale))
    return _("from {start} to {end}").format(
        start=format_day(start, locale), end=format_day(end, locale)
    )


def overdue_line(number: int, item: OverdueMeasure, locale: str, budget: int, plan: bool) -> str:
    where = f" <i>{escape(item.plan_name)}</i>" if plan else ""
    deadline = _("until {end}").format(end=format_day(item.window_end, locale))
    return (
        f"{number}. <b>{escape(item.code)}</b> {measure_heading(item.title, item.measure_title)}"
        f"{where} — {days_left_state(-item.days_overdue)} ({deadline}): "
        f"{names_within([unit.name for unit in item.units], budget)}"
    )


def overdue_list(
    page: Page[OverdueMeasure], flt: OverdueFilter, page_size: int, locale: str
) -> str:
    if page.total == 0:
        if flt.empty:
            return _("Nothing is overdue. 🎉")
        if flt.unregistered_party:
            return _(
                "Nobody is registered for «{party}»: no unit reports for it, so what it has "
                "overdue cannot be listed. Add its units with /units add."
            ).format(party=escape(flt.party or flt.text))
        return _("Nothing overdue matches «{filter}».").format(filter=escape(flt.text))
    pages = (page.total + page_size - 1) // page_size
    lines = [
        _("⏰ Overdue, oldest deadline first (page {current} of {pages}):").format(
            current=page.offset // page_size + 1, pages=pages
        )
    ]
    if not flt.empty:
        lines.append(_("Filter: {filter}").format(filter=escape(flt.text)))
    lines.append("")
    several_plans = len({item.plan_id for item in page.items}) > 1
    budget = max(120, NAMES_BUDGET // max(len(page.items), 1))
    for number, item in enumerate(page.items, start=page.offset + 1):
        lines.append(overdue_line(number, item, locale, budget, several_plans))
    return "\n".join(lines)


def overdue_keyboard(
    page: Page[OverdueMeasure], page_number: int, key: str, *, member: bool
) -> InlineKeyboardMarkup:
    """A button per line: the measure card for staff, the member's own assignment card."""
    builder = InlineKeyboardBuilder()
    for number, item in enumerate(page.items, start=page.offset + 1):
        text = f"{number}. {item.code}"
        if member:
            builder.button(
                text=text,
                callback_data=AssignmentCb(
                    action=AssignmentAction.OPEN, id=item.units[0].assignment_id
                ),
            )
        else:
            builder.button(text=text, callback_data=MeasureCb(task=item.task_id))
    builder.adjust(4)
    row = []
    if page.has_previous:
        row.append(
            InlineKeyboardButton(
                text=_("◀️ Back"),
                callback_data=OverduePageCb(page=page_number - 1, key=key).pack(),
            )
        )
    if page.has_next:
        row.append(
            InlineKeyboardButton(
                text=_("Next ▶️"),
                callback_data=OverduePageCb(page=page_number + 1, key=key).pack(),
            )
        )
    if row:
        builder.row(*row)
    return builder.as_markup()


def progress_text(plans: Sequence[PlanProgress]) -> str:
    if not any(plan.counts.total or plan.counts.undated for plan in plans):
        return _("No assignments yet: register units (/units) and invite their members.")
    lines = [legend()]
    for plan in plans:
        lines += [
            "",
            f"📊 <b>{escape(plan.name)}</b> — {escape(one_line(plan.title, 100))}",
            counts_line(plan.counts),
        ]
        for section in plan.sections:
            code = f"<b>{escape(section.code)}.</b> " if section.code else ""
            lines += [
                f"{code}{escape(one_line(section.title, 70))}",
                counts_line(section.counts),
            ]
    return "\n".join(lines)


def _moment(moment: datetime, timezone: str, locale: str) -> str:
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{format_day(local.date(), locale)} {local:%H:%M}"


def _unit_line(state: UnitState, card: MeasureCard, locale: str) -> str:
    mark, name = STATUS_MARKS[state.status], escape(state.unit_name)
    if state.evidence:
        name += f" 📎 {state.evidence}"
    extra = _review_note(state) + _extension_note(state, locale)
    if state.status is ControlStatus.CONFIRMED and state.confirmed_at is not None:
        who = f", {escape(state.confirmed_by)}" if state.confirmed_by else ""
        at = _moment(state.confirmed_at, card.timezone, locale)
        return f"{mark} {name} — {at}{who}{extra}"
    if state.status is ControlStatus.OVERDUE and state.days_overdue is not None:
        return f"{mark} {name} — {days_left_state(-state.days_overdue)}{extra}"
    return f"{mark} {name}{extra}"


def _review_note(state: UnitState) -> str:
    if state.review is ReviewState.ON_REVIEW:
        return " · 🔎 " + _("on review")
    if state.review is ReviewState.ACCEPTED:
        return " · ☑️ " + _("accepted")
    return ""


def _extension_note(state: UnitState, locale: str) -> str:
    if state.due_date is None:
        return ""
    return " · " + _("extended to {day}").format(day=format_day(state.due_date, locale))


def history_line(event: DeadlineEvent, card: MeasureCard, locale: str, several: bool) -> str:
    """«who, when, old → new, why» for a deadline change; a refused request likewise."""
    code = f"{escape(event.task_code)} · " if several else ""
    unit = f", {escape(event.unit_name)}" if event.unit_name else ""
    who = escape(event.user_name) if event.user_name else _("command line")
    old = format_day(event.old_date, locale) if event.old_date else "—"
    new = format_day(event.new_date, locale) if event.new_date else "—"
    if event.kind is HistoryKind.REFUSED and event.new_date is None:
        change = _("extension refused (no date was proposed)")
    elif event.kind is HistoryKind.REFUSED:
        change = _("extension to {new} refused").format(new=new)
    else:
        change = f"{old} → {new}"
    why = f": {escape(one_line(event.reason, 200))}" if event.reason else ""
    comment = f" — {escape(one_line(event.comment, 200))}" if event.comment else ""
    at = _moment(event.at, card.timezone, locale)
    return f"• {code}{at}{unit}: {change} ({who}){why}{comment}"


def _window_lines(window: CardWindow, card: MeasureCard, locale: str) -> list[str]:
    label = f" ({escape(window.label)})" if window.label else ""
    ongoing = " · " + _("ongoing work") if window.ongoing else ""
    lines = [f"📅 {window_dates(window.start, window.end, locale)}{label}{ongoing}"]
    if not window.units:
        return [*lines, _("No units are assigned yet.")]
    lines.append(counts_line(window.counts))
    states = sorted(window.units, key=lambda state: CARD_ORDER[state.status])
    lines += [_unit_line(state, card, locale) for state in states[:UNITS_PER_WINDOW]]
    if len(states) > UNITS_PER_WINDOW:
        lines.append(and_more(len(states) - UNITS_PER_WINDOW))
    return lines


def card_text(card: MeasureCard, locale: str) -> str:
    lines = [f"<b>{escape(card.code)}</b> · {escape(card.plan_name)}"]
    if card.measure_title:
        lines.append(f"<i>{escape(clip(card.measure_title, 700))}</i>")
    lines.append(escape(clip(card.title, 1200)))
    section = f"{card.section_code}. " if card.section_code else ""
    lines += [
        "",
        _("Section {section}").format(section=escape(one_line(section + card.section_title, 90))),
    ]
    if card.term_text:
        lines.append(_("Term: {term}").format(term=escape(one_line(card.term_text, 300))))
    if card.responsible:
        lines.append(
            _("Responsible (as in the plan): {text}").format(
                text=escape(one_line(card.responsible, 300))
            )
        )
    if card.result:
        lines.append(
            _("Expected result: {result}").format(result=escape(one_line(card.result, 300)))
        )
    lines += ["", legend(), counts_line(card.counts)]
    several = len(card.tasks) > 1
    for task in card.tasks:
        lines.append("")
        if several:
            lines.append(f"<b>{escape(task.code)}</b> {escape(one_line(task.title, 80))}")
            if task.term_text:
                lines.append(_("Term: {term}").format(term=escape(one_line(task.term_text, 200))))
        if not task.windows:
            lines.append(_("No dates yet: the term gives none (/setdate)."))
        for window in task.windows:
            lines += _window_lines(window, card, locale)
    if card.comments:
        lines += ["", _("Comments:")]
        shown = card.comments[-COMMENTS_SHOWN:]
        for note in shown:
            code = f"{escape(note.code)} · " if several else ""
            returned = " ↩️ " + _("returned") if note.returned else ""
            lines.append(
                f"• {code}{_moment(note.at, card.timezone, locale)}, {escape(note.unit_name)}"
                f" ({escape(note.author)}){returned}: {escape(one_line(note.text, 400))}"
            )
    if card.history:
        lines += ["", _("Deadline history:")]
        lines += [
            history_line(event, card, locale, several) for event in card.history[-HISTORY_SHOWN:]
        ]
    return "\n".join(lines)


def _unit_marks(unit: UnitCoverage) -> str:
    parts = [f"👤 {unit.members}" + (f" (MAX {unit.in_max})" if unit.in_max else "")]
    if unit.blocked:
        parts.append(f"🚫 {len(unit.blocked)} ({escape(', '.join(unit.blocked))})")
    if unit.failed:
        parts.append(f"⚠️ {unit.failed}")
    return " ".join(parts)


def _party_lines(party: PartyCoverage, plan_id: str, whole: bool = False) -> list[str]:
    """A party's units in natural order (№ 3 before № 40); one line when it has one unit.
    A cut list says which command shows the rest."""
    name = f"<b>{escape(party.name)}</b>"
    if not party.units:
        return [f"{name} — " + _("no units registered")]
    if len(party.units) == 1:
        [unit] = party.units
        if unit.name == party.name:
            return [f"{name}: {_unit_marks(unit)}"]
        return [f"{name} — {escape(unit.name)}: {_unit_marks(unit)}"]
    covered = sum(1 for unit in party.units if unit.covered)
    lines = [
        f"{name} — "
        + _("subscribers in {covered} of {total}").format(covered=covered, total=len(party.units))
    ]
    shown = party.units if whole else party.units[:UNITS_PER_PARTY]
    lines += [f"• {escape(unit.name)}: {_unit_marks(unit)}" for unit in shown]
    if len(party.units) > len(shown):
        lines.append(
            and_more(len(party.units) - len(shown))
            + " — "
            + _("all of them: {command}").format(
                command=escape(f"/coverage {plan_id} {party.name}")
            )
        )
    return lines


def coverage_text(report: Coverage, party: str | None = None) -> str:
    """Every plan's parties; with `party`, that party alone and all its units."""
    if not report.plans:
        return _("No plans are loaded.")
    if party is not None:
        wanted = party.casefold()
        lines = []
        for plan in report.plans:
            for found in plan.parties:
                if found.name.casefold() == wanted:
                    lines += [
                        f"👥 <b>{escape(plan.name)}</b>",
                        *_party_lines(found, plan.plan_id, True),
                    ]
        return "\n".join(lines)
    lines = [_("👤 subscribers · 🚫 blocked the bot · ⚠️ failed reminders")]
    if any(unit.in_max for plan in report.plans for p in plan.parties for unit in p.units):
        lines.append(_("(MAX N): of them, N are reminded in MAX"))
    for plan in report.plans:
        lines += ["", f"👥 <b>{escape(plan.name)}</b>"]
        gaps = plan.gaps
        if gaps:
            lines.append(
                _("⚠️ Nobody to remind: {parties}").format(
                    parties=escape(", ".join(party.name for party in gaps))
                )
            )
        else:
            lines.append(_("Every party has someone to remind."))
        for shown in (*gaps, *(p for p in plan.parties if p.covered)):
            lines += _party_lines(shown, plan.plan_id)
    return "\n".join(lines)


# ---------------------------------------------------------------------- the filter memory


def _filter_store(state: FSMContext) -> FSMContext:
    """The user's filters, apart from the dialogue state: /cancel must not break old lists."""
    return FSMContext(state.storage, replace(state.key, destiny=FILTER_DESTINY))


def filter_key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:10] if text else ""


async def remember_filter(state: FSMContext, text: str) -> str:
    key = filter_key(text)
    if not key:
        return key
    store = _filter_store(state)
    filters: dict[str, str] = dict((await store.get_data()).get("filters", {}))
    filters.pop(key, None)
    filters[key] = text
    while len(filters) > FILTERS_KEPT:
        filters.pop(next(iter(filters)))
    await store.update_data(filters=filters)
    return key


async def recall_filter(state: FSMContext, key: str) -> str | None:
    if not key:
        return ""
    filters = (await _filter_store(state).get_data()).get("filters", {})
    text = filters.get(key)
    return text if isinstance(text, str) else None


# ------------------------------------------------------------------------------- handlers


def filter_help(text: str) -> str:
    return _(
        "Nothing matches «{filter}». Filter by a plan id, «section 5», a party (МОУО) "
        "or a unit name."
    ).format(filter=escape(text))


async def _member_units(session: AsyncSession, user: UserInfo, role: Role) -> set[int] | None:
    """None for staff (everything); a member's own units otherwise."""
    if role in STAFF:
        return None
    return {unit.id for unit in await units_of(session, user.id)}


async def _overdue_page(
    session: AsyncSession,
    *,
    flt: OverdueFilter,
    only_units: set[int] | None,
    clock: Clock,
    page: int,
    page_size: int,
    key: str,
    locale: str,
) -> tuple[str, InlineKeyboardMarkup]:
    now = clock.now()
    listing = await overdue_for(
        session, now, flt, only_units=only_units, offset=max(page, 0) * page_size, limit=page_size
    )
    if not listing.items and page > 0:
        page = 0
        listing = await overdue_for(session, now, flt, only_units=only_units, limit=page_size)
    text = overdue_list(listing, flt, page_size, locale)
    return text, overdue_keyboard(listing, page, key, member=only_units is not None)


async def show_overdue(
    message: Message,
    command: CommandObject,
    *,
    session: AsyncSession,
    user: UserInfo | None,
    role: Role,
    clock: Clock,
    state: FSMContext,
    page_size: int,
    i18n: I18n,
) -> None:
    if user is None:
        return
    only_units = await _member_units(session, user, role)
    if only_units is not None and not only_units:
        await message.answer(
            _(
                "You do not report for any unit yet. Open the invitation link your "
                "coordinator sent you, or ask them for one."
            )
        )
        return
    text = " ".join((command.args or "").split())
    try:
        flt = await resolve_filter(session, text)
    except UnknownFilter:
        await message.answer(filter_help(text))
        return
    key = await remember_filter(state, text)
    body, markup = await _overdue_page(
        session,
        flt=flt,
        only_units=only_units,
        clock=clock,
        page=0,
        page_size=page_size,
        key=key,
        locale=i18n.current_locale,
    )
    chunks = split_message(body)
    for chunk in chunks[:-1]:
        await message.answer(chunk)
    await message.answer(chunks[-1], reply_markup=markup)


async def turn_overdue_page(
    query: CallbackQuery,
    *,
    callback_data: OverduePageCb,
    session: AsyncSession,
    user: UserInfo | None,
    role: Role,
    clock: Clock,
    state: FSMContext,
    page_size: int,
    i18n: I18n,
) -> None:
    text = await recall_filter(state, callback_data.key)
    if user is None or text is None:
        await query.answer(_("This list is out of date: send /overdue again."), show_alert=True)
        return
    try:
        flt = await resolve_filter(session, text)
    except UnknownFilter:
        await query.answer(filter_help(text), show_alert=True)
        return
    body, markup = await _overdue_page(
        session,
        flt=flt,
        only_units=await _member_units(session, user, role),
        clock=clock,
        page=callback_data.page,
        page_size=page_size,
        key=callback_data.key,
        locale=i18n.current_locale,
    )
    await query.answer()
    if isinstance(query.message, Message):
        try:
            await query.message.edit_text(split_message(body)[0], reply_markup=markup)
        except TelegramBadRequest as error:
            if "message is not modified" not in error.message:
                raise


async def show_progress(
    message: Message, command: CommandObject, *, session: AsyncSession, clock: Clock
) -> None:
    plan_id = (command.args or "").strip() or None
    plans = await progress(session, clock.now(), plan_id)
    if plan_id is not None and not plans:
        await message.answer(_("There is no plan {plan}.").format(plan=escape(plan_id)))
        return
    for chunk in split_message(progress_text(plans)):
        await message.answer(chunk)


def card_keyboard(card: MeasureCard) -> InlineKeyboardMarkup | None:
    if not card.evidence:
        return None
    return documents_keyboard(card.task_id, card.evidence)


async def _send_card(message: Message, card: MeasureCard, locale: str) -> None:
    chunks = split_message(card_text(card, locale))
    for chunk in chunks[:-1]:
        await message.answer(chunk)
    await message.answer(chunks[-1], reply_markup=card_keyboard(card))


async def show_measure(
    message: Message,
    command: CommandObject,
    *,
    session: AsyncSession,
    clock: Clock,
    i18n: I18n,
) -> None:
    parts = (command.args or "").split()
    if len(parts) not in (1, 2):
        await message.answer(
            _("Usage: /measure CODE, or /measure PLAN CODE when several plans have the code.")
        )
        return
    plan_id, code = (parts[0], parts[1]) if len(parts) == 2 else (None, parts[0])
    try:
        card = await measure_card(session, plan_id, code, clock.now())
    except AmbiguousCode as error:
        await message.answer(
            _("{code} is in several plans ({plans}): write /measure PLAN {code}.").format(
                code=escape(code), plans=escape(", ".join(error.plan_ids))
            )
        )
        return
    except NotFound:
        await message.answer(
            _("There is no measure {code} in the loaded plans.").format(code=escape(code))
        )
        return
    await _send_card(message, card, i18n.current_locale)


async def open_measure(
    query: CallbackQuery,
    *,
    callback_data: MeasureCb,
    session: AsyncSession,
    clock: Clock,
    i18n: I18n,
) -> None:
    card = await measure_card_for_task(session, callback_data.task, clock.now())
    await query.answer()
    if isinstance(query.message, Message):
        await _send_card(query.message, card, i18n.current_locale)


async def show_coverage(
    message: Message, command: CommandObject, *, session: AsyncSession
) -> None:
    plan_id, _space, party = (command.args or "").strip().partition(" ")
    report = await coverage(session, plan_id or None)
    if plan_id and not report.plans:
        await message.answer(_("There is no plan {plan}.").format(plan=escape(plan_id)))
        return
    text = coverage_text(report, party.strip() or None)
    if not text:
        await message.answer(
            _("The plan names no party «{party}».").format(party=escape(party.strip()))
        )
        return
    for chunk in split_message(text):
        await message.answer(chunk)


async def send_report(
    message: Message,
    command: CommandObject,
    *,
    session: AsyncSession,
    clock: Clock,
    i18n: I18n,
) -> None:
    plan_id = (command.args or "").strip() or None
    now = clock.now()
    try:
        data = await report_data(session, plan_id, now)
    except NotFound:
        await message.answer(_("There is no plan {plan}.").format(plan=escape(plan_id or "")))
        return
    if not data.plans:
        await message.answer(_("No plans are loaded."))
        return
    # Imported at the first report: XlsxWriter and matplotlib are ~60 MB that a bot process
    # serving confirmations (or several replicas of it) should not carry until asked.
    from bot.reports.chart import progress_chart  # noqa: PLC0415
    from bot.reports.workbook import build_workbook  # noqa: PLC0415

    labels = localized()
    # Building the files is CPU work: off the event loop, so other users are still answered.
    workbook = await asyncio.to_thread(build_workbook, data, labels)
    table = await asyncio.to_thread(build_csv, data, labels)
    chart = await asyncio.to_thread(
        progress_chart,
        [plan.progress for plan in data.plans],
        {plan.plan_id: plan.overdue_history for plan in data.plans},
        labels,
    )
    stem = f"roadmap-{plan_id or 'all'}-{now:%Y-%m-%d}"
    day = format_day(data.plans[0].today, i18n.current_locale)
    await message.answer_document(
        BufferedInputFile(workbook, f"{stem}.xlsx"),
        caption=one_stop(_("Roadmap report on {day}.").format(day=day)),
    )
    await message.answer_document(
        BufferedInputFile(table, f"{stem}.csv"),
        caption=_("The same rows as CSV, for any spreadsheet."),
    )
    await message.answer_photo(
        BufferedInputFile(chart, f"{stem}.png"),
        caption=_("Progress by section and the overdue count over time."),
    )
    logger.info("report %s sent to %s", stem, message.chat.id)


def create_router() -> Router:
    router = Router(name=__name__)
    staff = RoleFilter(*STAFF)
    router.message.register(show_overdue, Command("overdue"), RoleFilter(*STAFF, Role.MEMBER))
    router.callback_query.register(
        turn_overdue_page, OverduePageCb.filter(), RoleFilter(*STAFF, Role.MEMBER)
    )
    router.message.register(show_progress, Command("progress"), staff)
    router.message.register(show_measure, Command("measure"), staff)
    router.callback_query.register(open_measure, MeasureCb.filter(), staff)
    router.message.register(show_coverage, Command("coverage"), staff)
    router.message.register(send_report, Command("report"), staff)
    return router
