"""Load and check a FAQ YAML file (format: data/faq/README.md); errors name the file and entry."""

from collections import Counter
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from bot.faq.model import PLACEHOLDER_RE, Audience, Faq, FaqEntry
from bot.faq.text import Synonyms
from bot.resources import data_dir

ENTRY_ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
KEY_PATTERN = r"^[a-z][a-z0-9_]*$"
# «2025/26» or a range «2025/26–2026/27» (an en dash or a hyphen between the years).
SCHOOL_YEAR_PATTERN = r"^\d{4}/\d{2}(?:\s*[–-]\s*\d{4}/\d{2})?$"
DEFAULT_FAQ_PATH = data_dir() / "faq" / "gia.yaml"  # package data (bot.resources)

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Key = Annotated[str, StringConstraints(pattern=KEY_PATTERN)]


class FaqError(Exception):
    """The FAQ file cannot be used; `problems` holds one line per problem."""

    def __init__(self, file: str, problems: list[str]) -> None:
        self.file = file
        self.problems = tuple(problems)
        super().__init__("\n".join(f"{file}: {problem}" for problem in problems))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EntryDoc(_Strict):
    id: Annotated[str, StringConstraints(pattern=ENTRY_ID_PATTERN, max_length=64)]
    topic: Key
    audience: Audience
    question: Text
    alternatives: list[Text] = Field(min_length=1)
    answer: Text
    source: Text
    school_year: Annotated[str, StringConstraints(pattern=SCHOOL_YEAR_PATTERN)]
    earlier_rule: Text | None = None
    actual_on: date
    review_by: date


class FaqDoc(_Strict):
    version: Literal[1]
    synonyms: str | None = None
    topics: dict[Key, Text] = Field(min_length=1)
    placeholders: dict[Key, Text] = Field(default_factory=dict)
    notes: dict[Key, Text] = Field(default_factory=dict)
    entries: list[Any] = Field(min_length=1)


class SynonymsDoc(_Strict):
    groups: list[list[Text]]


def load_faq(path: str | Path = DEFAULT_FAQ_PATH) -> Faq:
    """Read, validate and return the FAQ; raise `FaqError` listing every problem found."""
    path = Path(path)
    file = str(path)
    raw = _read_yaml(path, file)
    try:
        doc = FaqDoc.model_validate(raw)
    except ValidationError as error:
        raise FaqError(file, _messages(error)) from None

    problems: list[str] = []
    entries: list[FaqEntry] = []
    for index, item in enumerate(doc.entries, start=1):
        label = _entry_label(item, index)
        try:
            entry_doc = EntryDoc.model_validate(item)
        except ValidationError as error:
            problems.extend(f"{label}: {message}" for message in _messages(error))
            continue
        problems.extend(f"{label}: {message}" for message in _check_entry(entry_doc, doc))
        entries.append(_entry(entry_doc))

    duplicates = [i for i, count in Counter(e.id for e in entries).items() if count > 1]
    problems.extend(
        f'entry "{entry_id}": the id is used more than once' for entry_id in duplicates
    )
    for name, text in doc.notes.items():
        problems.extend(
            f'note "{name}": no fallback for placeholder {{hotline.{key}}} in "placeholders"'
            for key in sorted(set(PLACEHOLDER_RE.findall(text)) - doc.placeholders.keys())
        )
    synonyms = Synonyms()
    if doc.synonyms is not None:
        try:
            synonyms = load_synonyms(path.parent / doc.synonyms)
        except FaqError as error:
            problems.extend(f"synonyms file {error.file}: {problem}" for problem in error.problems)
    if problems:
        raise FaqError(file, problems)
    return Faq(
        entries=tuple(entries),
        topics=dict(doc.topics),
        fallbacks=dict(doc.placeholders),
        notes=dict(doc.notes),
        synonyms=synonyms,
        file=file,
    )


def load_faqs(paths: Iterable[str | Path]) -> Faq:
    """Several FAQ files as one (e.g. the `FAQ_PATHS` globs); an id must be unique across them."""
    faqs = [load_faq(path) for path in paths]
    if not faqs:
        raise FaqError("<none>", ["no FAQ file given"])
    merged = faqs[0]
    for faq in faqs[1:]:
        merged = merge_faqs(merged, faq)
    return merged


def load_faqs_skipping(paths: Iterable[str | Path]) -> tuple[Faq, list[FaqError]]:
    """`load_faqs` for a running hotline: a file that fails is left out and returned as an
    error, the others still answer; with no good file the FAQ is empty."""
    faq = Faq(entries=())
    refused: list[FaqError] = []
    good = 0
    for path in paths:
        try:
            one = load_faq(path)
            faq = one if not good else merge_faqs(faq, one)
            good += 1
        except FaqError as error:
            refused.append(error)
    return faq, refused


def merge_faqs(merged: Faq, faq: Faq) -> Faq:
    """Two FAQs as one; an id in both is an error naming both files."""
    clashes = sorted(set(merged.ids) & set(faq.ids))
    if clashes:
        raise FaqError(faq.file, [f'entry "{i}" is also in {merged.file}' for i in clashes])
    return Faq(
        entries=merged.entries + faq.entries,
        topics={**merged.topics, **faq.topics},
        fallbacks={**merged.fallbacks, **faq.fallbacks},
        notes={**merged.notes, **faq.notes},
        synonyms=merged.synonyms.merged(faq.synonyms),
        file=f"{merged.file}, {faq.file}",
    )


def load_synonyms(path: Path) -> Synonyms:
    raw = _read_yaml(path, str(path))
    try:
        doc = SynonymsDoc.model_validate(raw)
    except ValidationError as error:
        raise FaqError(str(path), _messages(error)) from None
    return Synonyms.from_groups(doc.groups)


def _read_yaml(path: Path, file: str) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise FaqError(file, [f"cannot read the file: {error.strerror or error}"]) from None
    try:
        return yaml.load(text, Loader=_DatesAsText)  # a SafeLoader subclass: no arbitrary objects
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise FaqError(file, [f"{where}not valid YAML: {problem}"]) from None


class _DatesAsText(yaml.SafeLoader):
    """SafeLoader that leaves dates as text for pydantic to parse.

    PyYAML turns `2027-02-30` into a raw ValueError from `datetime.date` with no line or entry;
    kept as text, an impossible date fails validation like any other field, with its entry named.
    """


_DatesAsText.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _entry_label(item: object, index: int) -> str:
    if isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"].strip():
        return f'entry "{item["id"].strip()}"'
    return f"entry #{index} (no id)"


def _check_entry(entry: EntryDoc, doc: FaqDoc) -> list[str]:
    problems = []
    if entry.topic not in doc.topics:
        known = ", ".join(sorted(doc.topics))
        problems.append(f'topic "{entry.topic}" is not listed in "topics" ({known})')
    if entry.review_by <= entry.actual_on:
        problems.append(f"review_by {entry.review_by} must come after actual_on {entry.actual_on}")
    for key in sorted(set(PLACEHOLDER_RE.findall(entry.answer)) - doc.placeholders.keys()):
        problems.append(f'no fallback for placeholder {{hotline.{key}}} in "placeholders"')
    stray = PLACEHOLDER_RE.sub("", entry.answer)
    if "{" in stray or "}" in stray:
        problems.append("answer has a brace that is not a {hotline.key} placeholder")
    return problems


def _entry(doc: EntryDoc) -> FaqEntry:
    return FaqEntry(
        id=doc.id,
        question=doc.question,
        alternatives=tuple(doc.alternatives),
        answer=doc.answer,
        topic=doc.topic,
        audience=doc.audience,
        source=doc.source,
        actual_on=doc.actual_on,
        review_by=doc.review_by,
        school_year=doc.school_year,
        earlier_rule=doc.earlier_rule or "",
    )


def _messages(error: ValidationError) -> list[str]:
    messages = []
    for detail in error.errors():
        where = ".".join(str(part) for part in detail["loc"])
        if detail["type"] == "extra_forbidden":
            message = "unknown field"
        elif detail["type"] == "missing":
            message = "required field is missing"
        elif detail["type"].startswith(("date_", "datetime_")):
            message = f"{detail['input']!r} is not a real date (YYYY-MM-DD): {detail['msg']}"
        else:
            message = detail["msg"]
        messages.append(f"{where}: {message}" if where else message)
    return messages
