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
from bot.plan.schema import MeasureDoc, PlanDoc, SectionDoc, WindowDoc
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
    ) -> None:
        self.file = file
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

    def warn(self, path: Path_, code: str | None, message: str) -> None:
        # The same misspelling in a parties list and in the responsible text is one finding.
        if (code, message) in self._warned:
            return
        self._warned.add((code, message))
        self.diagnostics.append(
            Diagnostic(self.file, self.nodes.line(path), code, message, Severity.WARNING)
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
        return MappingProxyType(
            {slug: tuple(sorted(set(dates))) for slug, dates in self.doc.events.items()}
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
            if (item := self._item(item_doc, (*path, "items", i), i + 1, stub)) is not None
        )
        measure = Measure(**{**_fields(stub), "items": items})
        self.measures.append(measure)
        codes = [code]
        for i, child in enumerate(doc.measures):
            codes.extend(self._measure(child, (*path, "measures", i), top, measure))
        return codes

    def _item(self, doc: Any, path: Path_, number: int, measure: Measure) -> Item | None:
        code = doc.code or f"{measure.code}/{number}"
        if not self._claim_code(code, path):
            return None
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
        if explicit is not None:
            return parsed, tuple(Window(w.start, w.end) for w in explicit), True
        return parsed, parsed.windows if parsed is not None else (), False

    def _check_event(self, parsed: ParsedTerm, path: Path_, code: str) -> None:
        if parsed.event is None:
            return
        self._events_used.add(parsed.event)
        if parsed.event not in self.doc.events:
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
    text: str, file: str, *, reminder_defaults: ReminderSettings = DEFAULT_SETTINGS
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
    builder = _Builder(file, doc, nodes, directory, reminder_defaults)
    _check_groups(builder)
    plan = builder.build()
    result.diagnostics.extend(builder.diagnostics)
    if not result.errors:
        result.plan = plan
    return result


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
    path: Path | str, *, reminder_defaults: ReminderSettings = DEFAULT_SETTINGS
) -> LoadResult:
    file = str(path)
    try:
        if Path(path).stat().st_size > MAX_PLAN_BYTES:
            return LoadResult(file, None, [_too_big(file)])
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return LoadResult(file, None, [Diagnostic(file, None, None, str(exc), Severity.ERROR)])
    return load_plan_text(text, file, reminder_defaults=reminder_defaults)


def _too_big(file: str) -> Diagnostic:
    limit = MAX_PLAN_BYTES // (1024 * 1024)
    return Diagnostic(
        file, None, None, f"the file is larger than {limit} MB: refused unread", Severity.ERROR
    )
