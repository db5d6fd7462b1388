"""Read a plan YAML file into a `Plan`, collecting errors and warnings with file and line."""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from pydantic import ValidationError

from bot.plan.control import ControlSettings
from bot.plan.exam_calendar import CALENDAR_DIR, CalendarError, ExamCalendar, load_calendar
from bot.plan.model import (
    Coordinator,
    Diagnostic,
    Item,
    Measure,
    Order,
    Plan,
    Section,
    Severity,
)
from bot.plan.parties import DuplicatePartyError, PartyDirectory, normalize_name
from bot.plan.safe_yaml import MAX_PLAN_BYTES, BoundedLoader, check_expansion, distinct_nodes
from bot.plan.schema import ItemDoc, MeasureDoc, PlanDoc, SectionDoc, WindowDoc
from bot.reminders.policy import DEFAULT_SETTINGS, ReminderSettings
from bot.terms import ParsedTerm, SchoolYear, Window, parse_term

Path_ = tuple[str | int, ...]


@dataclass(slots=True)
class LoadResult:
    file: str
    plan: Plan | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.WARNING]

    @property
    def open_warnings(self) -> list[Diagnostic]:
        """The warnings the plan does not accept: what admins are told of."""
        return [d for d in self.warnings if not d.accepted]


class _Nodes:
    """Maps a path inside the YAML document to the line it was written on."""

    def __init__(self, root: yaml.Node) -> None:
        self._root = root

    def node(self, path: Path_) -> yaml.Node:
        node = self._root
        for step in path:
            child = self._child(node, step)
            if child is None:
                break
            node = child
        return node

    def line(self, path: Path_) -> int:
        return self.node(path).start_mark.line + 1

    @staticmethod
    def _child(node: yaml.Node, step: str | int) -> yaml.Node | None:
        if isinstance(node, yaml.MappingNode) and isinstance(step, str):
            for key, value in node.value:
                if key.value == step:
                    return value  # type: ignore[no-any-return]
        if (
            isinstance(node, yaml.SequenceNode)
            and isinstance(step, int)
            and 0 <= step < len(node.value)
        ):
            return node.value[step]  # type: ignore[no-any-return]
        return None


def _duplicate_keys(node: yaml.Node) -> Iterable[tuple[int, str]]:
    """PyYAML silently keeps the last of two equal keys; a plan must not lose a line that way."""
    for current in distinct_nodes(node):
        if isinstance(current, yaml.MappingNode):
            seen: set[str] = set()
            for key, _value in current.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in seen:
                        yield key.start_mark.line + 1, key.value
                    seen.add(key.value)


class _Builder:
    def __init__(
        self,
        file: str,
        doc: PlanDoc,
        nodes: _Nodes,
        directory: PartyDirectory,
        reminder_defaults: ReminderSettings = DEFAULT_SETTINGS,
        *,
        calendar: ExamCalendar | None = None,
    ) -> None:
        self.file = file
        self.calendar = calendar
        self.calendar_events = calendar.events() if calendar is not None else {}
        self.doc = doc
        self.nodes = nodes
        self.directory = directory
        self.reminder_defaults = reminder_defaults
        self.school_year = SchoolYear.parse(doc.school_year)
        self.diagnostics: list[Diagnostic] = []
        self.measures: list[Measure] = []
        self._code_lines: dict[str, int] = {}
        self._terms: dict[str, ParsedTerm] = {}
        self._warned: set[tuple[str | None, str]] = set()
        self._events_used: set[str] = set()

    def error(self, path: Path_, code: str | None, message: str) -> None:
        self.diagnostics.append(
            Diagnostic(self.file, self.nodes.line(path), code, message, Severity.ERROR)
        )

    def warn(self, path: Path_, code: str | None, message: str, kind: str | None = None) -> None:
        # The same misspelling in a parties list and in the responsible text is one finding.
        if (code, message) in self._warned:
            return
        self._warned.add((code, message))
        self.diagnostics.append(
            Diagnostic(self.file, self.nodes.line(path), code, message, Severity.WARNING, kind)
        )

    def build(self) -> Plan:
        sections = tuple(
            self._section(section, ("sections", i), None)
            for i, section in enumerate(self.doc.sections)
        )
        coordinators = []
        for i, coordinator in enumerate(self.doc.coordinators):
            match = self._party(coordinator.party, ("coordinators", i, "party"), None)
            if match is not None:
                coordinators.append(Coordinator(match, coordinator.role, coordinator.note))
        order = self.doc.order
        settings = self._reminder_settings()
        events = self._events()
        return Plan(
            id=self.doc.id,
            name=self.doc.name,
            file=self.file,
            title=self.doc.title,
            authority=self.doc.authority,
            order=Order(order.number, order.date, order.title),
            region=self.doc.region,
            timezone=ZoneInfo(self.doc.timezone),
            school_year=self.school_year,
            coordinators=tuple(coordinators),
            directory=self.directory,
            sections=sections,
            measures=tuple(self.measures),
            reminder_settings=settings,
            control=ControlSettings(
                acceptance=self.doc.control.acceptance,
                escalate_after_working_days=self.doc.control.escalate_after_working_days,
                weekly_digest=self.doc.control.weekly_digest,
                coordinators=tuple((c.party, c.role) for c in coordinators),
            ),
            events=events,
            calendar_id=self.doc.calendar,
            exam_periods=self.calendar.exam_periods() if self.calendar is not None else (),
            hotline=MappingProxyType(
                {
                    key: "; ".join(value) if isinstance(value, list) else value
                    for key, value in self.doc.hotline.items()
                    if (value if isinstance(value, str) else "".join(value)).strip()
                }
            ),
        )

    def _reminder_settings(self) -> ReminderSettings:
        try:
            settings = replace(self.reminder_defaults, **self.doc.reminders.overrides())
        except ValueError as exc:
            self.error(("reminders",), None, f"reminders: {exc}")
            return self.reminder_defaults
        if settings.is_quiet(settings.send_time):
            self.warn(
                ("reminders", "send_hour"),
                None,
                f"reminders: the send time {settings.send_time:%H:%M} is inside quiet hours "
                f"{settings.quiet_start:%H:%M}–{settings.quiet_end:%H:%M}: reminders go out "
                f"at {settings.quiet_end:%H:%M}",
            )
        return settings

    def _events(self) -> Mapping[str, tuple[date, ...]]:
        for slug in self.doc.events:
            if slug not in self._events_used:
                self.warn(
                    ("events", slug), None, f'event "{slug}" is declared but no term uses it'
                )
        # the plan's own dates win over its calendar's, slug by slug
        merged = {**self.calendar_events, **self.doc.events}
        return MappingProxyType(
            {slug: tuple(sorted(set(dates))) for slug, dates in merged.items()}
        )

    def _section(self, doc: SectionDoc, path: Path_, top: SectionDoc | None) -> Section:
        top = top or doc
        codes = []
        for i, measure in enumerate(doc.measures):
            codes.extend(self._measure(measure, (*path, "measures", i), top, None))
        children = tuple(
            self._section(child, (*path, "sections", i), top)
            for i, child in enumerate(doc.sections)
        )
        return Section(doc.code, doc.title, self.nodes.line(path), tuple(codes), children)

    def _claim_code(self, code: str, path: Path_) -> bool:
        line = self.nodes.line(path)
        first = self._code_lines.get(code)
        if first is not None:
            self.error(path, code, f"duplicate measure code (first used on line {first})")
            return False
        self._code_lines[code] = line
        return True

    def _measure(
        self, doc: MeasureDoc, path: Path_, top: SectionDoc, parent: Measure | None
    ) -> list[str]:
        code = doc.code
        if not self._claim_code(code, path):
            return []
        responsible = doc.responsible
        heading = bool(doc.measures) and doc.term is None and not doc.items
        parties: tuple[str, ...]
        if doc.responsible is None and doc.parties is None and parent is not None:
            responsible, parties = parent.responsible, parent.parties
        elif heading and doc.responsible is None and doc.parties is None:
            parties = ()  # «5.1 Подготовка к ГИА:» only groups its children
        else:
            parties = self._parties(doc.responsible, doc.parties, path, code)
        term, windows, overridden = self._term(doc.term, doc.windows, path, code)
        if doc.term is None and doc.windows is None and not doc.items and not doc.measures:
            self.warn(path, code, "measure has no term, no sub-items and no child measures")
        stub = Measure(
            code=code,
            title=doc.title,
            term_text=doc.term,
            term=term,
            windows=windows,
            windows_overridden=overridden,
            responsible=responsible,
            parties=parties,
            result=doc.result if doc.result is not None or parent is None else parent.result,
            line=self.nodes.line(path),
            section_code=top.code,
            section_title=top.title,
            parent_code=parent.code if parent else None,
        )
        items = tuple(
            item
            for i, item_doc in enumerate(doc.items)
            if (item := self._item(item_doc, (*path, "items", i), i + 1, stub, doc.items))
            is not None
        )
        self._check_merged_cells(doc, path, term)
        measure = Measure(**{**_fields(stub), "items": items})
        self.measures.append(measure)
        codes = [code]
        for i, child in enumerate(doc.measures):
            codes.extend(self._measure(child, (*path, "measures", i), top, measure))
        return codes

    def _item(
        self,
        doc: ItemDoc,
        path: Path_,
        number: int,
        measure: Measure,
        siblings: Sequence[ItemDoc] = (),
    ) -> Item | None:
        code = doc.code or f"{measure.code}/{number}"
        if not self._claim_code(code, path):
            return None
        if doc.term_of is not None:
            shared = self._shared_term(doc.term_of, number, siblings, path, code)
            if shared is not None:
                doc = doc.model_copy(update={"term": shared.term, "windows": shared.windows})
        if doc.responsible is None and doc.parties is None:
            responsible, parties = measure.responsible, measure.parties
        else:
            responsible = doc.responsible
            parties = self._parties(doc.responsible, doc.parties, path, code)
        term_text = doc.term if doc.term is not None else measure.term_text
        if doc.term is None and doc.windows is None:
            term, windows, overridden = measure.term, measure.windows, measure.windows_overridden
        else:
            term, windows, overridden = self._term(doc.term, doc.windows, path, code)
        if term_text is None and not windows:
            self.warn(path, code, "sub-item has no term and its measure has none either")
        return Item(
            code=code,
            title=doc.title,
            term_text=term_text,
            term=term,
            windows=windows,
            windows_overridden=overridden,
            responsible=responsible,
            parties=parties,
            result=doc.result if doc.result is not None else measure.result,
            line=self.nodes.line(path),
            measure_code=measure.code,
        )

    def _shared_term(
        self, target: int, number: int, siblings: Sequence[ItemDoc], path: Path_, code: str
    ) -> ItemDoc | None:
        source = siblings[target - 1] if target <= len(siblings) else None
        if source is None or target == number or source.term_of is not None:
            self.error(
                (*path, "term_of"),
                code,
                f"term_of: {target} must name another sub-item of this measure that has its "
                "own term",
            )
            return None
        if source.term is None and source.windows is None:
            self.error((*path, "term_of"), code, f"term_of: sub-item {target} has no term")
            return None
        return source

    def _term(
        self, text: str | None, explicit: Sequence[WindowDoc] | None, path: Path_, code: str
    ) -> tuple[ParsedTerm | None, tuple[Window, ...], bool]:
        parsed = None
        if text is not None:
            parsed = self._terms.get(text)
            if parsed is None:
                parsed = self._terms[text] = parse_term(text, self.school_year)
            if explicit is None:
                for warning in parsed.warnings:
                    self.warn((*path, "term"), code, warning)
                self._check_event(parsed, path, code)
                self._check_duplicates(parsed, path, code)
        if explicit is not None:
            windows = tuple(Window(w.start, w.end) for w in explicit)
            self._check_stale(windows, path, code)
            return parsed, windows, True
        # duplicates stay in `windows` (they must equal the term's to count as not overridden);
        # the policy keeps each window once
        windows = parsed.windows if parsed is not None else ()
        self._check_stale(windows, path, code)
        return parsed, windows, False

    def _check_stale(self, windows: Sequence[Window], path: Path_, code: str) -> None:
        """A window over before the order was signed is a typo for the next year, most often
        («Ноябрь-2022 - август 2023 года» in an order of October 2023)."""
        signed = self.doc.order.date
        for window in windows:
            if window.end >= signed:
                continue
            start = f"{window.start:%d.%m.%Y}–" if window.start is not None else "by "
            proposed = _next_year(window)
            then = f"{proposed.start:%d.%m.%Y}–" if proposed.start is not None else "by "
            self.warn(
                (*path, "term"),
                code,
                f"the window {start}{window.end:%d.%m.%Y} ends before the order of "
                f"{signed:%d.%m.%Y}: a year too early? (meant {then}{proposed.end:%d.%m.%Y}?); "
                "it gets no reminders",
                "stale-year",
            )

    def _check_duplicates(self, parsed: ParsedTerm, path: Path_, code: str) -> None:
        repeated = len(parsed.windows) - len(set(parsed.windows))
        if repeated > 0:
            self.warn(
                (*path, "term"),
                code,
                f"the term gives the same window {repeated + 1 if repeated == 1 else repeated} "
                "times; it is kept once",
                "duplicate-windows",
            )

    def _check_merged_cells(self, doc: MeasureDoc, path: Path_, term: ParsedTerm | None) -> None:
        """A merged table cell: sub-items and terms that do not pair one to one."""
        if len(doc.items) < 2:
            return
        own = [i for i, item in enumerate(doc.items, 1) if item.term or item.windows]
        shared = [i for i, item in enumerate(doc.items, 1) if item.term_of is not None]
        bare = [i for i, item in enumerate(doc.items, 1) if i not in own and i not in shared]
        if own and bare:
            self.warn(
                path,
                doc.code,
                f"{len(doc.items)} sub-items but {len(own) + len(shared)} terms: sub-items "
                f"{', '.join(map(str, bare))} take the measure's term; if a table cell was "
                "merged, say whose term they share (term_of: N) or give them their own",
                "merged-cells",
            )
        elif (
            not own and not shared and term is not None and 1 < len(term.windows) != len(doc.items)
        ):
            self.warn(
                (*path, "term"),
                doc.code,
                f"the term has {len(term.windows)} parts for {len(doc.items)} sub-items: "
                "give each sub-item its part (term: / term_of: N)",
                "merged-cells",
            )

    def _check_event(self, parsed: ParsedTerm, path: Path_, code: str) -> None:
        if parsed.event is None:
            return
        self._events_used.add(parsed.event)
        if parsed.event not in self.doc.events and parsed.event not in self.calendar_events:
            self.warn(
                (*path, "term"),
                code,
                f'event "{parsed.event}" is not declared: no reminders until a date is set',
            )

    def _party(self, written: str, path: Path_, code: str | None) -> str | None:
        match = self.directory.resolve(written)
        if match is None:
            hint = self.directory.suggest(written)
            suggestion = f'; did you mean "{hint}"?' if hint else ""
            self.error(path, code, f'unknown party "{written}"{suggestion}')
            return None
        if match.misspelled:
            self.warn(path, code, _misspelling(written, match.party.name))
        return match.party.name

    def _parties(
        self, responsible: str | None, listed: Sequence[str] | None, path: Path_, code: str
    ) -> tuple[str, ...]:
        # «руководители муниципальных органов … (далее - МОУО)» defines a name; it is one party.
        responsible_read = _DEFINITION_RE.sub(" ", responsible) if responsible else None
        found = self.directory.find_in_text(responsible_read) if responsible_read else []
        if listed is None:
            names = [m.party.name for m in found]
            for match in found:
                if match.misspelled:
                    self.warn(
                        (*path, "responsible"),
                        code,
                        _misspelling(match.written, match.party.name),
                    )
        else:
            names = []
            for i, written in enumerate(listed):
                name = self._party(written, (*path, "parties", i), code)
                if name is not None and name not in names:
                    names.append(name)
            in_text = {m.party.name: m for m in found}
            for match in found:
                if match.misspelled:
                    self.warn(
                        (*path, "responsible"),
                        code,
                        _misspelling(match.written, match.party.name),
                    )
            if responsible is not None:
                for name in names:
                    if name not in in_text:
                        self.warn(
                            (*path, "parties"),
                            code,
                            f'party "{name}" is not named in the responsible text',
                        )
                for name in in_text:
                    if name not in names:
                        self.warn(
                            (*path, "parties"),
                            code,
                            f'the responsible text names "{name}", missing from parties',
                        )
        if responsible_read is not None:
            leftover = _unmatched_text(responsible_read, [m.written for m in found])
            if leftover:
                self.warn(
                    (*path, "responsible"),
                    code,
                    f'no party in the directory matches "{leftover}" in the responsible text',
                )
        elif listed is None:
            self.warn(path, code, "no responsible given")
        return tuple(names)


def _next_year(window: Window) -> Window:
    def later(day: date) -> date:
        try:
            return day.replace(year=day.year + 1)
        except ValueError:  # 29 February
            return day.replace(year=day.year + 1, day=28)

    return Window(later(window.start) if window.start else None, later(window.end))


def _misspelling(written: str, name: str) -> str:
    return f'"{written}" is a misspelling of "{name}"; folded into it'


_DEFINITION_RE = re.compile(r"\(\s*далее\s*[-–—]?\s*[^)]*\)", re.IGNORECASE)
_FILLER_RE = re.compile(
    r"(?<!\w)(и|с|совместно|по|согласованию|в|части|касающейся|при|участии|др|другие|далее)(?!\w)"
    r"|[\s,.;:()«»\"'–—-]+"
)


def _unmatched_text(text: str, forms: Iterable[str]) -> str:
    rest = normalize_name(text)
    for form in sorted((normalize_name(f) for f in forms), key=len, reverse=True):
        rest = re.sub(r"(?<!\w)" + re.escape(form) + r"(?!\w)", " ", rest)
    leftover = _FILLER_RE.sub(" ", rest).strip()
    return " ".join(leftover.split())


def _fields(measure: Measure) -> dict[str, Any]:
    return {name: getattr(measure, name) for name in Measure.__dataclass_fields__}


def _validation_diagnostics(
    file: str, error: ValidationError, nodes: _Nodes, data: Any
) -> list[Diagnostic]:
    diagnostics = []
    for detail in error.errors():
        loc = tuple(detail["loc"])
        message = detail["msg"].removeprefix("Value error, ")
        where = ".".join(str(step) for step in loc)
        if detail["type"] == "string_type" and loc and loc[-1] == "code":
            message = 'a code must be a quoted string, e.g. code: "1.10"'
        elif detail["type"] == "missing":
            message = f'missing required field "{loc[-1]}"'
            loc = loc[:-1]
        elif detail["type"] == "extra_forbidden":
            message = f'unknown field "{loc[-1]}"'
        diagnostics.append(
            Diagnostic(
                file,
                nodes.line(loc),
                _measure_code_at(data, loc),
                f"{where}: {message}",
                Severity.ERROR,
            )
        )
    return diagnostics


def _measure_code_at(data: Any, loc: Sequence[str | int]) -> str | None:
    """The code of the innermost measure or sub-item a validation error points into."""
    code = None
    node = data
    for previous, step in zip((None, *loc), loc, strict=False):
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(step, int) and previous in ("measures", "items") and isinstance(node, dict):
            written = node.get("code")
            if isinstance(written, str):
                code = written
            elif previous == "items" and code is not None:
                code = f"{code}/{step + 1}"
    return code


def _clock_times(data: dict[str, Any], nodes: _Nodes) -> None:
    """YAML 1.1 reads an unquoted 21:00 as the base-60 integer 1260: keep the text as written."""
    reminders = data.get("reminders")
    if not isinstance(reminders, dict):
        return
    for key in ("quiet_start", "quiet_end"):
        node = nodes.node(("reminders", key))
        if (
            isinstance(reminders.get(key), int)
            and isinstance(node, yaml.ScalarNode)
            and ":" in node.value
        ):
            reminders[key] = node.value


def load_plan_text(
    text: str,
    file: str,
    *,
    reminder_defaults: ReminderSettings = DEFAULT_SETTINGS,
    calendar_dir: Path = CALENDAR_DIR,
) -> LoadResult:
    """Load a plan; `reminder_defaults` are what its `reminders:` settings are merged over."""
    result = LoadResult(file)
    if len(text) > MAX_PLAN_BYTES:
        result.diagnostics.append(_too_big(file))
        return result
    loader = BoundedLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            result.diagnostics.append(
                Diagnostic(file, 1, None, "the file is empty", Severity.ERROR)
            )
            return result
        check_expansion(root)
        data = loader.construct_document(root)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        result.diagnostics.append(
            Diagnostic(file, line, None, f"malformed YAML: {problem}", Severity.ERROR)
        )
        return result
    finally:
        loader.dispose()
    for line, key in _duplicate_keys(root):
        result.diagnostics.append(
            Diagnostic(file, line, None, f'duplicate key "{key}"', Severity.ERROR)
        )
    nodes = _Nodes(root)
    if not isinstance(data, dict):
        result.diagnostics.append(
            Diagnostic(file, 1, None, "a plan must be a mapping of fields", Severity.ERROR)
        )
        return result
    _clock_times(data, nodes)
    try:
        doc = PlanDoc.model_validate(data)
    except ValidationError as exc:
        result.diagnostics.extend(_validation_diagnostics(file, exc, nodes, data))
        return result
    try:
        directory = PartyDirectory.from_doc(doc.directory)
    except DuplicatePartyError as exc:
        result.diagnostics.append(
            Diagnostic(file, nodes.line(("directory",)), None, str(exc), Severity.ERROR)
        )
        return result
    calendar = None
    if doc.calendar is not None:
        try:
            calendar = load_calendar(doc.calendar, calendar_dir)
        except CalendarError as exc:
            result.diagnostics.append(
                Diagnostic(file, nodes.line(("calendar",)), None, str(exc), Severity.ERROR)
            )
            return result
    builder = _Builder(file, doc, nodes, directory, reminder_defaults, calendar=calendar)
    _check_groups(builder)
    plan = builder.build()
    result.diagnostics.extend(_accepted(builder, doc))
    if not result.errors:
        result.plan = plan
    return result


def _accepted(builder: _Builder, doc: PlanDoc) -> list[Diagnostic]:
    """Mark the warnings the plan accepts (`accepted_warnings:`); an acceptance that matches
    nothing is itself a warning, so a stale one does not hide a future finding."""
    wanted: dict[tuple[str | None, str | None], int] = {
        (a.warning, a.measure): i for i, a in enumerate(doc.accepted_warnings)
    }
    used: set[int] = set()
    diagnostics = []
    for diagnostic in builder.diagnostics:
        key = (diagnostic.kind, diagnostic.code)
        matched = diagnostic.severity is Severity.WARNING and key in wanted
        if matched:
            used.add(wanted[key])
        diagnostics.append(replace(diagnostic, accepted=True) if matched else diagnostic)
    for i, accepted in enumerate(doc.accepted_warnings):
        if i not in used:
            subject = f" for measure {accepted.measure}" if accepted.measure else ""
            diagnostics.append(
                Diagnostic(
                    builder.file,
                    builder.nodes.line(("accepted_warnings", i)),
                    accepted.measure,
                    f'accepted warning "{accepted.warning}"{subject} matches no warning',
                    Severity.WARNING,
                    "accepted-unused",
                )
            )
    return diagnostics


def _check_groups(builder: _Builder) -> None:
    for i, group in enumerate(builder.doc.directory.groups):
        if group.of is None:
            continue
        target = builder.directory.resolve(group.of)
        if target is None or not target.party.expands:
            builder.error(
                ("directory", "groups", i, "of"),
                None,
                f'group "{group.name}" is drawn from "{group.of}", which is not an organisation '
                "category of the directory",
            )


def load_plan(
    path: Path | str,
    *,
    reminder_defaults: ReminderSettings = DEFAULT_SETTINGS,
    calendar_dir: Path = CALENDAR_DIR,
) -> LoadResult:
    file = str(path)
    try:
        if Path(path).stat().st_size > MAX_PLAN_BYTES:
            return LoadResult(file, None, [_too_big(file)])
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return LoadResult(file, None, [Diagnostic(file, None, None, str(exc), Severity.ERROR)])
    return load_plan_text(
        text, file, reminder_defaults=reminder_defaults, calendar_dir=calendar_dir
    )


def _too_big(file: str) -> Diagnostic:
    limit = MAX_PLAN_BYTES // (1024 * 1024)
    return Diagnostic(
        file, None, None, f"the file is larger than {limit} MB: refused unread", Severity.ERROR
    )
