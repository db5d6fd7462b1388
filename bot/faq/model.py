"""The FAQ as domain objects: entries, review dates, answers rendered with regional facts."""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from functools import cached_property

from bot.faq.text import Synonyms

PLACEHOLDER_RE = re.compile(r"\{hotline\.([a-z_]+)\}")

HotlineFacts = Mapping[str, str]


class Audience(StrEnum):
    GIA9 = "gia9"
    GIA11 = "gia11"
    BOTH = "both"


@dataclass(frozen=True, slots=True)
class FaqEntry:
    id: str
    question: str
    alternatives: tuple[str, ...]
    answer: str
    topic: str
    audience: Audience
    source: str
    actual_on: date
    review_by: date
    # The school years the rule holds for («2025/26–2026/27»); the loader requires it for every
    # bundled entry, while an operator's approved draft may leave it empty.
    school_year: str = ""
    # How the rule differed before (e.g. in the 2023/24 plans), so staff can explain a change.
    earlier_rule: str = ""

    @property
    def phrasings(self) -> tuple[str, ...]:
        return (self.question, *self.alternatives)

    def placeholders(self) -> set[str]:
        return set(PLACEHOLDER_RE.findall(self.answer))


@dataclass(frozen=True)
class Faq:
    """A loaded FAQ. `fallbacks` say where to find a regional fact the plan does not give."""

    entries: tuple[FaqEntry, ...]
    topics: Mapping[str, str] = field(default_factory=dict)
    fallbacks: Mapping[str, str] = field(default_factory=dict)
    notes: Mapping[str, str] = field(default_factory=dict)
    synonyms: Synonyms = field(default_factory=Synonyms)
    file: str = "<memory>"

    @cached_property
    def _by_id(self) -> dict[str, FaqEntry]:
        return {entry.id: entry for entry in self.entries}

    @property
    def ids(self) -> list[str]:
        return [entry.id for entry in self.entries]

    def entry(self, entry_id: str) -> FaqEntry:
        return self._by_id[entry_id]

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._by_id

    def with_entries(self, *entries: FaqEntry) -> "Faq":
        """A copy with entries added or replaced by id (e.g. an approved operator's answer)."""
        new_ids = {entry.id for entry in entries}
        kept = tuple(entry for entry in self.entries if entry.id not in new_ids)
        return replace(self, entries=kept + entries)

    def render(self, entry_id: str, hotline: HotlineFacts | None = None) -> str:
        """The entry's answer with `{hotline.*}` filled from the plan's facts or the fallbacks."""
        return fill_placeholders(self.entry(entry_id).answer, self.fallbacks, hotline or {})

    def render_note(self, name: str, hotline: HotlineFacts | None = None) -> str:
        return fill_placeholders(self.notes[name], self.fallbacks, hotline or {})

    def entries_due_for_review(self, today: date) -> list[FaqEntry]:
        """Entries whose review date has passed, oldest deadline first."""
        due = [entry for entry in self.entries if entry.review_by < today]
        return sorted(due, key=lambda entry: (entry.review_by, entry.id))


def fill_placeholders(text: str, fallbacks: Mapping[str, str], hotline: HotlineFacts) -> str:
    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        value = hotline.get(key, "").strip()
        return value or fallbacks.get(key, match.group(0))

    return PLACEHOLDER_RE.sub(fill, text)


def hotline_facts(raw: object) -> dict[str, str]:
    """The `hotline:` section of a plan as text facts; lists become «a; b», blanks are dropped."""
    if not isinstance(raw, Mapping):
        return {}
    facts: dict[str, str] = {}
    for key, value in raw.items():
        if isinstance(value, list | tuple):
            text = "; ".join(str(item).strip() for item in value if str(item).strip())
        elif value is None:
            text = ""
        else:
            text = str(value).strip()
        if text:
            facts[str(key)] = text
    return facts
