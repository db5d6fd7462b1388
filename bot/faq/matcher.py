"""Rank FAQ entries for a question and decide: answer, ask to clarify, or hand to an operator.

The index is built once per `Faq`: TF-IDF vectors over lemmas (with synonyms folded in) of each
phrasing (question and alternatives), of each entry's phrasings together, and, with a lighter
weight, of its answer. A question is scored by cosine similarity against all three, plus a
character-level similarity to the closest phrasing. Words the FAQ does not know are corrected
against its vocabulary when they look like typos; otherwise they count against the match, which
is what sends unrelated questions to an operator.
"""

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein

from bot.faq.model import Audience, Faq
from bot.faq.text import MIN_FUZZY_LENGTH, Term, analyze, is_known_word

Vector = dict[str, float]

# Weights of the score parts; they sum to 1 so a perfect match scores 1.
W_PHRASING = 0.35
W_ENTRY = 0.3
W_ANSWER = 0.15
W_CHARS = 0.2
TYPO_FACTOR = 0.8  # a corrected word counts a little less than one written right
UNKNOWN_FACTOR = 0.7  # an unknown word weighs as much as 70% of the rarest FAQ word
OTHER_AUDIENCE_FACTOR = 0.85  # «ОГЭ» in the question: ГИА-11-only entries step back
RERANK = 12
KEY_SHARE = 0.5  # a term in half of an entry's phrasings is what the entry is about
KEY_PENALTY = 0.3  # the share of the score lost when a question names none of those terms

# Confidence is a logistic function of the match features (see `_features`), fitted on the
# labelled questions in tests/faq_labelled.yaml: the chance that the best entry is right.
CONFIDENCE_WEIGHTS = {"best": 5.9, "margin": 5.0, "asked": 3.4, "content": 1.0}
CONFIDENCE_BIAS = -5.5
CONTENT_CAP = 5.0
# Asking words say what kind of answer is wanted, not what about: alone they match nothing.
QUESTION_WORDS = frozenset({"где", "когда", "сколько", "куда", "почему", "зачем", "откуда"})

ANSWER_AT = 0.5
CLARIFY_AT = 0.3

GIA9, GIA11 = "гиа9", "гиа11"


class Decision(StrEnum):
    ANSWER = "answer"
    CLARIFY = "clarify"
    TO_OPERATOR = "to_operator"


@dataclass(frozen=True, slots=True)
class FaqMatch:
    entry_id: str
    score: float


@dataclass(frozen=True, slots=True)
class MatchResult:
    matches: tuple[FaqMatch, ...]
    confidence: float
    decision: Decision

    @property
    def best(self) -> FaqMatch | None:
        return self.matches[0] if self.matches else None

    @property
    def top_ids(self) -> list[str]:
        return [match.entry_id for match in self.matches]


@dataclass(frozen=True, slots=True)
class _Query:
    vector: Vector
    norm: float  # includes the unknown words, so they pull every cosine down
    content_norm: float  # without unknown words and asking words
    text: str  # the known terms, sorted, for the character-level comparison


class FaqMatcher:
    """An index of one `Faq`; build it once and call `match` for each question."""

    def __init__(
        self, faq: Faq, *, answer_at: float = ANSWER_AT, clarify_at: float = CLARIFY_AT
    ) -> None:
        self.faq = faq
        self.answer_at = answer_at
        self.clarify_at = clarify_at
        self._ids = [entry.id for entry in faq.entries]
        self._audience = [entry.audience for entry in faq.entries]

        surfaces: dict[str, str] = {}
        phrasings = [
            [self._analyze(phrasing, surfaces) for phrasing in entry.phrasings]
            for entry in faq.entries
        ]
        answers = [self._analyze(entry.answer, surfaces) for entry in faq.entries]
        asked = [[term for terms in entry for term in terms] for entry in phrasings]
        self._idf = _idf(asked, answers)
        self._unknown_weight = UNKNOWN_FACTOR * max(self._idf.values(), default=1.0)

        self._phrasing_owner = [i for i, entry in enumerate(phrasings) for _ in entry]
        flat = [terms for entry in phrasings for terms in entry]
        self._phrasings = _Postings([self._vector(terms) for terms in flat])
        self._entries = _Postings([self._vector(terms) for terms in asked])
        self._answers = _Postings([self._vector(terms) for terms in answers])
        self._phrasing_texts = [
            [" ".join(sorted(set(terms))) for terms in entry] for entry in phrasings
        ]
        self._asked_terms = [frozenset(terms) for terms in asked]
        self._key_terms = [self._key_terms_of(entry) for entry in phrasings]

        # Typo targets: every word form and lemma of the FAQ, and the synonyms' words.
        self._targets: dict[str, str] = dict(surfaces)
        for word in (*self._idf, *faq.synonyms.words):
            self._targets.setdefault(word, word)
        self._choices = [word for word in self._targets if len(word) >= MIN_FUZZY_LENGTH]
        self._corrections: dict[str, str | None] = {}

    def match(self, text: str, limit: int = 3) -> MatchResult:
        query = self._query(text)
        if query.content_norm == 0.0:
            return MatchResult((), 0.0, Decision.TO_OPERATOR)
        scores = self._scores(query)
        ranked = sorted(range(len(scores)), key=lambda i: (-scores[i], self._ids[i]))
        matches = tuple(
            FaqMatch(self._ids[i], round(scores[i], 4)) for i in ranked[: max(limit, 2)]
        )
        confidence = self._confidence(query, matches, ranked[0])
        if confidence >= self.answer_at:
            decision = Decision.ANSWER
        elif confidence >= self.clarify_at:
            decision = Decision.CLARIFY
        else:
            decision = Decision.TO_OPERATOR
        return MatchResult(matches[:limit], round(confidence, 4), decision)

    def features(self, text: str) -> dict[str, float]:
        """What the confidence is computed from (for calibration and the benchmark)."""
        query = self._query(text)
        if query.content_norm == 0.0:
            return {}
        scores = self._scores(query)
        ranked = sorted(range(len(scores)), key=lambda i: (-scores[i], self._ids[i]))
        return self._features(query, scores[ranked[0]], scores[ranked[1]], ranked[0])

    def _features(self, query: _Query, best: float, second: float, entry: int) -> dict[str, float]:
        asked = self._asked_terms[entry]
        asked_mass = sum(w**2 for term, w in query.vector.items() if term in asked)
        return {
            "best": best,
            "margin": best - second,
            "asked": math.sqrt(asked_mass) / query.norm,
            "content": min(query.content_norm, CONTENT_CAP) / CONTENT_CAP,
        }

    def _confidence(self, query: _Query, matches: Sequence[FaqMatch], entry: int) -> float:
        features = self._features(query, matches[0].score, matches[1].score, entry)
        z = CONFIDENCE_BIAS + sum(CONFIDENCE_WEIGHTS[k] * v for k, v in features.items())
        return 1.0 / (1.0 + math.exp(-z))

    def _scores(self, query: _Query) -> list[float]:
        best_phrasing = [0.0] * len(self._ids)
        for index, score in enumerate(self._phrasings.cosines(query)):
            owner = self._phrasing_owner[index]
            best_phrasing[owner] = max(best_phrasing[owner], score)
        entry = self._entries.cosines(query)
        answer = self._answers.cosines(query)
        scores = [
            W_PHRASING * best_phrasing[i] + W_ENTRY * entry[i] + W_ANSWER * answer[i]
            for i in range(len(self._ids))
        ]
        for index in sorted(range(len(scores)), key=lambda i: -scores[i])[:RERANK]:
            found = process.extractOne(
                query.text, self._phrasing_texts[index], scorer=fuzz.token_sort_ratio
            )
            scores[index] += W_CHARS * (found[1] / 100 if found else 0.0)
        for index, key_terms in enumerate(self._key_terms):
            if key_terms:
                missing = sum(w for term, w in key_terms.items() if term not in query.vector)
                scores[index] *= 1 - KEY_PENALTY * missing / sum(key_terms.values())
        asks_gia9, asks_gia11 = GIA9 in query.vector, GIA11 in query.vector
        if asks_gia9 != asks_gia11:
            other = Audience.GIA11 if asks_gia9 else Audience.GIA9
            for index, audience in enumerate(self._audience):
                if audience == other:
                    scores[index] *= OTHER_AUDIENCE_FACTOR
        return scores

    def _key_terms_of(self, phrasings: list[list[str]]) -> dict[str, float]:
        """Terms most of an entry's phrasings share: what the entry is about (with idf²)."""
        counts: dict[str, int] = defaultdict(int)
        for terms in phrasings:
            for term in set(terms) - QUESTION_WORDS:
                counts[term] += 1
        return {
            term: self._idf[term] ** 2
            for term, n in counts.items()
            if n >= KEY_SHARE * len(phrasings)
        }

    def _query(self, text: str) -> _Query:
        weights: Vector = {}
        unknown = 0.0
        for term in analyze(text, self.faq.synonyms):
            resolved = self._resolve(term)
            if resolved is None:
                if not term.lemma.isdigit():
                    unknown += self._unknown_weight**2
                continue
            for name, factor in resolved:
                weights[name] = max(weights.get(name, 0.0), factor * self._idf[name])
        known = sum(weight**2 for weight in weights.values())
        content = sum(w**2 for name, w in weights.items() if name not in QUESTION_WORDS)
        return _Query(
            vector=weights,
            norm=math.sqrt(known + unknown) or 1.0,
            content_norm=math.sqrt(content),
            text=" ".join(sorted(weights)),
        )

    def _resolve(self, term: Term) -> list[tuple[str, float]] | None:
        """The index terms a query word stands for, each with a factor; None if unknown."""
        found = [(name, 1.0) for name in term.terms() if name in self._idf]
        if found or term.canonical is not None or term.lemma.isdigit():
            return found or None
        corrected = self._correct(term.surface, term.lemma)
        if corrected is None:
            return None
        canonical = self.faq.synonyms.words.get(corrected)
        names = [name for name in (corrected, canonical) if name and name in self._idf]
        return [(name, TYPO_FACTOR) for name in dict.fromkeys(names)] or None

    def _correct(self, surface: str, lemma: str) -> str | None:
        """The FAQ lemma a misspelt word most likely meant, if one is close enough."""
        if surface in self._corrections:
            return self._corrections[surface]
        best: tuple[int, str] | None = None
        for word in dict.fromkeys((surface, lemma)):
            if len(word) < MIN_FUZZY_LENGTH:
                continue
            limit = _typo_limit(word, known=is_known_word(word))
            found = process.extractOne(
                word, self._choices, scorer=DamerauLevenshtein.distance, score_cutoff=limit
            )
            if found is not None and (best is None or found[1] < best[0]):
                best = (int(found[1]), found[0])
        corrected = self._targets[best[1]] if best is not None else None
        self._corrections[surface] = corrected
        return corrected

    def _analyze(self, text: str, surfaces: dict[str, str]) -> list[str]:
        terms: list[str] = []
        for term in analyze(text, self.faq.synonyms):
            terms.extend(term.terms())
            if term.canonical is None or " " not in term.surface:
                surfaces.setdefault(term.surface, term.lemma)
        return terms

    def _vector(self, terms: Iterable[str]) -> Vector:
        counts: dict[str, int] = defaultdict(int)
        for term in terms:
            counts[term] += 1
        vector = {term: (1 + math.log(n)) * self._idf[term] for term, n in counts.items()}
        norm = math.sqrt(sum(weight**2 for weight in vector.values())) or 1.0
        return {term: weight / norm for term, weight in vector.items()}


def _idf(asked: Sequence[list[str]], answers: Sequence[list[str]]) -> dict[str, float]:
    """BM25-style inverse document frequency; an entry is its phrasings and its answer."""
    frequency: dict[str, int] = defaultdict(int)
    for entry_terms, answer_terms in zip(asked, answers, strict=True):
        for term in set(entry_terms) | set(answer_terms):
            frequency[term] += 1
    count = len(asked)
    return {term: math.log(1 + (count - df + 0.5) / (df + 0.5)) for term, df in frequency.items()}


class _Postings:
    """Unit vectors stored by term, so a query touches only the documents sharing its words."""

    def __init__(self, vectors: Sequence[Vector]) -> None:
        self.size = len(vectors)
        self.by_term: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for index, vector in enumerate(vectors):
            for term, weight in vector.items():
                self.by_term[term].append((index, weight))

    def cosines(self, query: _Query) -> list[float]:
        scores = [0.0] * self.size
        for term, weight in query.vector.items():
            for index, doc_weight in self.by_term.get(term, ()):
                scores[index] += weight * doc_weight
        return [score / query.norm for score in scores]


def _typo_limit(word: str, *, known: bool) -> int:
    """How many edits a word may be from the FAQ word it is corrected to."""
    if known:
        return 1 if len(word) >= 5 else 0
    if len(word) <= 5:
        return 1
    return 2 if len(word) <= 9 else 3
