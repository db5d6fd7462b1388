"""`roadmap-bot check | terms | preview`: the admin's view of plan files before anything runs."""

import argparse
import json
import sys
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any, TextIO

from bot.plan.dating import dated_windows, plan_dates
from bot.plan.loader import LoadResult, load_plan
from bot.plan.model import Diagnostic, Measure, Plan, Task
from bot.reminders.calendar import WorkingCalendar
from bot.reminders.policy import (
    PlannedReminder,
    ReminderKind,
    ReminderSettings,
    due_reminders,
    status_checks,
)
from bot.resources import data_dir
from bot.terms import SchoolYear, Window, parse_term, term_to_json


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    check = commands.add_parser("check", help="validate plan files and list what was derived")
    check.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="plan YAML files (default: the plans shipped with the package)",
    )
    check.add_argument("--json", action="store_true", help="print one JSON document")
    check.set_defaults(handler=run_check)

    terms = commands.add_parser("terms", help="show how a term text is parsed")
    terms.add_argument("text", metavar="TEXT", help="the term, or - to read one term per line")
    terms.add_argument(
        "--school-year", type=_school_year, default=None, help="e.g. 2023/24 (default: current)"
    )
    terms.add_argument("--json", action="store_true", help="print JSON (one object per line)")
    terms.set_defaults(handler=run_terms)

    preview = commands.add_parser("preview", help="the reminder timeline a plan would produce")
    preview.add_argument("path", metavar="PATH", help="the plan YAML file")
    preview.add_argument(
        "--from",
        dest="first",
        type=date.fromisoformat,
        required=True,
        help="first day shown, YYYY-MM-DD",
    )
    preview.add_argument(
        "--to", dest="last", type=date.fromisoformat, required=True, help="last day, YYYY-MM-DD"
    )
    preview.set_defaults(handler=run_preview)


def _school_year(text: str) -> SchoolYear:
    try:
        return SchoolYear.parse(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'"{text}" is not a school year like 2023/24') from None


def current_school_year(today: date) -> SchoolYear:
    return SchoolYear(today.year if today.month >= 9 else today.year - 1)


def windows_json(windows: tuple[Window, ...]) -> list[dict[str, str | None]]:
    return [
        {"start": w.start.isoformat() if w.start else None, "end": w.end.isoformat()}
        for w in windows
    ]


def _task_json(task: Task) -> dict[str, Any]:
    term = term_to_json(task.term) if task.term is not None else None
    return {
        "code": task.code,
        "title": task.title,
        "term": task.term_text,
        "kind": str(task.kind) if task.kind is not None else None,
        "windows": windows_json(task.windows),
        "rule": term["rule"] if term else None,
        "event": term["event"] if term else None,
        "offset_days": term["offset_days"] if term else None,
        "responsible": task.responsible,
        "parties": list(task.parties),
        "line": task.line,
    }


def _diagnostic_json(diagnostic: Diagnostic, *, with_file: bool) -> dict[str, Any]:
    data: dict[str, Any] = {"file": diagnostic.file} if with_file else {}
    data.update(line=diagnostic.line, code=diagnostic.code, message=diagnostic.message)
    if diagnostic.kind is not None:
        data.update(kind=diagnostic.kind, accepted=diagnostic.accepted)
    return data


def check_json(results: list[LoadResult]) -> dict[str, Any]:
    plans = []
    for result in results:
        if result.plan is None:
            continue
        plan = result.plan
        measures = [
            {**_task_json(m), "items": [{**_task_json(i), "items": []} for i in m.items]}
            for m in plan.measures
        ]
        plans.append(
            {
                "id": plan.id,
                "file": plan.file,
                "title": plan.title,
                "timezone": plan.timezone.key,
                "school_year": str(plan.school_year),
                "measures": measures,
                "warnings": [_diagnostic_json(w, with_file=False) for w in result.warnings],
            }
        )
    errors = [_diagnostic_json(e, with_file=True) for r in results for e in r.errors]
    return {"plans": plans, "errors": errors}


def kind_counts(plan: Plan) -> Counter[str]:
    return Counter(str(t.kind) if t.kind is not None else "none" for t in plan.tasks())


def _print_check(result: LoadResult, out: TextIO) -> None:
    plan = result.plan
    if plan is None:
        print(f"{result.file}: not loaded ({len(result.errors)} errors)", file=out)
    else:
        items = sum(len(m.items) for m in plan.measures)
        print(
            f"{result.file}: plan {plan.id}: {len(plan.measures)} measures, {items} sub-items, "
            f"{len(plan.directory)} parties, school year {plan.school_year}, {plan.timezone.key}",
            file=out,
        )
        counts = ", ".join(f"{kind} {n}" for kind, n in sorted(kind_counts(plan).items()))
        print(f"  terms by kind: {counts}", file=out)
    for diagnostic in result.errors:
        print(f"  error: {diagnostic}", file=out)
    if result.warnings:
        accepted = len(result.warnings) - len(result.open_warnings)
        note = f", {accepted} accepted" if accepted else ""
        print(f"  warnings ({len(result.warnings)}{note}):", file=out)
        for diagnostic in result.warnings:
            print(f"  warning: {diagnostic}", file=out)


def run_check(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    paths = args.paths or sorted((data_dir() / "plans").glob("*.yaml"))
    results = [load_plan(path) for path in paths]
    if args.json:
        json.dump(check_json(results), out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        for result in results:
            _print_check(result, out)
    return 1 if any(r.errors for r in results) else 0


def run_terms(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    school_year = args.school_year or current_school_year(date.today())
    texts = (line.rstrip("\n") for line in sys.stdin) if args.text == "-" else iter([args.text])
    for text in texts:
        parsed = parse_term(text, school_year)
        if args.json:
            out.write(json.dumps(term_to_json(parsed), ensure_ascii=False) + "\n")
            continue
        print(f"{text!r}: {parsed.kind}", file=out)
        for window in parsed.windows:
            label = f"  [{window.label}]" if window.label else ""
            print(f"  {window.start or '…'} – {window.end}{label}", file=out)
        for name, value in (("rule", parsed.rule), ("event", parsed.event)):
            if value is not None:
                print(f"  {name}: {value}", file=out)
        if parsed.offset is not None:
            off = parsed.offset
            span = "within" if off.span else "at"
            clock = f" at {off.clock:%H:%M}" if off.clock is not None else ""
            print(
                f"  offset: {span} {off.amount} {off.unit} {off.direction}{clock}"
                f" «{parsed.event_text or ''}»",
                file=out,
            )
        if parsed.offset_days is not None:
            print(f"  offset_days: {parsed.offset_days:+d}", file=out)
        for warning in parsed.warnings:
            print(f"  warning: {warning}", file=out)
        out.flush()
    return 0


def preview_range_error(first: date, last: date) -> str | None:
    if first > last:
        return f"--from {first} is after --to {last}"
    if first == date.min or last == date.max:
        return "--from and --to must lie between 0001-01-02 and 9999-12-30"
    return None


def run_preview(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    problem = preview_range_error(args.first, args.last)
    if problem is not None:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    result = load_plan(args.path)
    if result.plan is None:
        for diagnostic in result.errors:
            print(f"error: {diagnostic}", file=sys.stderr)
        return 1
    plan = result.plan
    tz, settings = plan.timezone, plan.reminder_settings
    calendar = WorkingCalendar()
    # every moment of the local days --from … --to (due_reminders excludes `after`)
    after = datetime.combine(args.first, time.min, tz) - timedelta(microseconds=1)
    until = datetime.combine(args.last + timedelta(days=1), time.min, tz) - timedelta(
        microseconds=1
    )
    timeline: dict[date, dict[str, list[tuple[datetime, str]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    undated = 0
    dates = plan_dates(plan)
    for task in plan.tasks():
        if isinstance(task, Measure) and task.items:
            continue  # a measure with sub-items is reminded through its items
        explicit = task.windows if task.windows_overridden else ()
        # the same windows the bot stores (calendar dates, nothing before the order's date)
        both = dated_windows(task.term, explicit, dates, None, calendar)
        windows = tuple(w for w, is_ongoing in both if not is_ongoing)
        ongoing = tuple(w for w, is_ongoing in both if is_ongoing)
        undated += not windows and not ongoing
        reminders = [
            reminder
            for window in windows
            for reminder in due_reminders(window, tz, settings, calendar, after=after, until=until)
        ] + [
            reminder
            for window in ongoing
            for reminder in status_checks(window, tz, settings, calendar, after=after, until=until)
        ]
        for reminder in reminders:
            line = (
                f"{reminder.at.astimezone(tz):%H:%M} {reminder.kind:<12} {task.code} "
                f"{_reminder_note(reminder)}: {_short(task.title)}"
            )
            for party in task.parties or ("(no party)",):
                timeline[reminder.local_day][party].append((reminder.at, line))
    print(
        f"{plan.id}: reminders {args.first} – {args.last} ({tz.key}; {_describe(settings)})",
        file=out,
    )
    if undated:
        print(f"  {undated} tasks have no date yet (external terms, undeclared events)", file=out)
    if not timeline:
        print("  nothing is due in this period", file=out)
    for day in sorted(timeline):
        print(f"{day.isoformat()} {day:%a}", file=out)
        for party in sorted(timeline[day]):
            print(f"  {party}", file=out)
            for _, line in sorted(timeline[day][party]):
                print(f"    {line}", file=out)
    return 0


def _days(count: int) -> str:
    return "1 day" if count == 1 else f"{count} days"


def _reminder_note(reminder: PlannedReminder) -> str:
    due = f"due {reminder.deadline}"
    match reminder.kind:
        case ReminderKind.OPENS:
            return f"opens, {due}"
        case ReminderKind.BEFORE:
            return f"{_days(reminder.days_left)} left, {due}"
        case ReminderKind.DUE:
            return "due today" if reminder.days_left == 0 else f"{due} (a day off)"
        case ReminderKind.OVERDUE:
            return f"overdue by {_days(-reminder.days_left)} (nudge {reminder.sequence}), {due}"
        case _:
            return f"monthly status check, runs until {reminder.deadline}"


def _describe(settings: ReminderSettings) -> str:
    before = "/".join(map(str, sorted(settings.days_before, reverse=True))) or "no"
    return (
        f"at {settings.send_time:%H:%M}, {before} days before and on the day, "
        f"overdue every {settings.overdue_every_working_days} working days "
        f"up to {settings.overdue_limit} times, "
        f"quiet {settings.quiet_start:%H:%M}–{settings.quiet_end:%H:%M}"
    )


def _short(title: str, limit: int = 70) -> str:
    first = " ".join(title.split())
    return first if len(first) <= limit else first[: limit - 1] + "…"
