"""The matcher's word lists (data/faq/lexicon/matching.yaml): generic words, polarity, exam cues.

Kept as data beside the synonyms so they can be tuned without touching code. Every word is
written as a dictionary form (lemma); phrases are lemmas separated by spaces.
"""

import functools
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.resources import data_dir

LEXICON_PATH = data_dir() / "faq" / "lexicon" / "matching.yaml"


class Exam(StrEnum):
    GIA9 = "gia9"
    GIA11 = "gia11"
    ESSAY = "essay"
    INTERVIEW = "interview"


class Polarity(StrEnum):
    NEUTRAL = "neutral"
    ALLOWED = "allowed"
    FORBIDDEN = "forbidden"


class _ExamCues(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    strong: list[str] = Field(default_factory=list)
    weak: list[str] = Field(default_factory=list)


class _LexiconDoc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    generic: list[str]
    asking: list[str]
    allowed: list[str]
    forbidden: list[str]
    negators: list[str]
    personal: list[str] = Field(default_factory=list)
    not_by_meaning: list[str] = Field(default_factory=list)
    exams: dict[Exam, _ExamCues]


@dataclass(frozen=True)
class Lexicon:
    generic: frozenset[str]
    asking: frozenset[str]
    allowed: frozenset[str]
    forbidden: frozenset[str]
    negators: frozenset[str]
    personal: frozenset[str]
    not_by_meaning: frozenset[str]
    strong: dict[Exam, tuple[tuple[str, ...], ...]]
    weak: dict[Exam, tuple[tuple[str, ...], ...]]

    @property
    def no_content(self) -> frozenset[str]:
        return self.generic | self.asking

    def polarity(self, lemmas: list[str]) -> Polarity:
        """«нельзя», «запрещено», «не разрешают»: forbidden; «можно», «разрешено»: allowed."""
        allowed = False
        for i, word in enumerate(lemmas):
            negated = i > 0 and lemmas[i - 1] in self.negators
            if word in self.forbidden and not negated:
                return Polarity.FORBIDDEN
            if word in self.allowed:
                if negated:
                    return Polarity.FORBIDDEN
                allowed = True
        return Polarity.ALLOWED if allowed else Polarity.NEUTRAL

    def exams(self, lemmas: list[str]) -> tuple[set[Exam], set[Exam]]:
        """The exams a text names outright, and those it only hints at («вуз», «колледж»)."""
        return _find(self.strong, lemmas), _find(self.weak, lemmas)


def _find(cues: dict[Exam, tuple[tuple[str, ...], ...]], lemmas: list[str]) -> set[Exam]:
    found: set[Exam] = set()
    words = set(lemmas)
    for exam, phrases in cues.items():
        for phrase in phrases:
            if phrase[0] not in words:  # most cues are absent: skip the scan
                continue
            size = len(phrase)
            if any(tuple(lemmas[i : i + size]) == phrase for i in range(len(lemmas) - size + 1)):
                found.add(exam)
                break
    return found


class LexiconError(Exception):
    pass


@functools.cache
def load_lexicon(path: Path = LEXICON_PATH) -> Lexicon:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        doc = _LexiconDoc.model_validate(raw)
    except (OSError, yaml.YAMLError, ValidationError) as error:
        raise LexiconError(f"{path}: {error}") from None

    def phrases(items: list[str]) -> tuple[tuple[str, ...], ...]:
        return tuple(tuple(item.lower().replace("ё", "е").split()) for item in items)

    return Lexicon(
        generic=frozenset(doc.generic),
        asking=frozenset(doc.asking),
        allowed=frozenset(doc.allowed),
        forbidden=frozenset(doc.forbidden),
        negators=frozenset(doc.negators),
        personal=frozenset(doc.personal),
        not_by_meaning=frozenset(doc.not_by_meaning),
        strong={exam: phrases(cues.strong) for exam, cues in doc.exams.items()},
        weak={exam: phrases(cues.weak) for exam, cues in doc.exams.items()},
    )
