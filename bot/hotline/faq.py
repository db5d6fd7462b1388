"""What the hotline needs from the FAQ: a consultation per question, and room for drafts."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from bot.faq.complaint import looks_like_complaint
from bot.faq.lexicon import Exam
from bot.faq.model import Audience, Faq, FaqEntry

if TYPE_CHECKING:
    from bot.faq.matcher import FaqMatcher


class Decision(StrEnum):
    ANSWER = "answer"
    CLARIFY = "clarify"
    ASK_EXAM = "ask_exam"
    OPERATOR = "operator"


@dataclass(frozen=True, slots=True)
class FaqAnswer:
    id: str
    question: str
    answer: str
    source: str


@dataclass(frozen=True, slots=True)
class Consultation:
    decision: Decision
    best: FaqAnswer | None
    candidates: tuple[FaqAnswer, ...]
    confidence: float
    complaint: bool
    complaint_note: str | None = None  # where official appeals go, with the region's facts
    exam_pair: tuple[FaqAnswer, FaqAnswer] | None = None  # ГИА-9 and ГИА-11 answers: ask which

    def for_exam(self, exam: Exam) -> FaqAnswer | None:
        """After «ОГЭ or ЕГЭ?»: the chosen exam's answer."""
        if self.exam_pair is None:
            return None
        return self.exam_pair[0] if exam is Exam.GIA9 else self.exam_pair[1]


class HotlineFaq(Protocol):
    def consult(self, text: str, exam: Exam | None = None) -> Consultation: ...

    def add_approved(self, draft_id: int, question: str, answer: str) -> None: ...


DRAFT_REVIEW_DAYS = 180


class FaqService:
    """The hotline's FAQ: the shipped entries, the admin-approved drafts, the region's facts."""

    def __init__(
        self,
        faq: Faq,
        hotline_facts: Mapping[str, str],
        today: date,
        *,
        matcher: "FaqMatcher | None" = None,
    ) -> None:
        """`matcher`: an index of `faq` built beforehand (the benchmark re-calibrates one)."""
        self._faq = faq
        self._facts = dict(hotline_facts)
        self._today = today
        self._built: FaqMatcher | None = matcher

    @property
    def _matcher(self) -> "FaqMatcher":
        """Built at the first question, not at start-up: loading word vectors takes a moment
        and memory that a process answering no question (a CLI run, a sync) should not pay.
        The matcher's module (numpy, rapidfuzz, the vectors) is imported then too."""
        if self._built is None:
            from bot.faq.matcher import FaqMatcher  # noqa: PLC0415

            self._built = FaqMatcher(self._faq)
        return self._built

    @property
    def faq(self) -> Faq:
        return self._faq

    def _answer(self, entry_id: str) -> FaqAnswer:
        entry = self._faq.entry(entry_id)
        return FaqAnswer(
            id=entry.id,
            question=entry.question,
            answer=self._faq.render(entry_id, self._facts),
            source=entry.source,
        )

    def consult(self, text: str, exam: Exam | None = None) -> Consultation:
        """What to reply; `exam` is the one this conversation chose earlier, if any."""
        from bot.faq.matcher import Decision as MatchDecision  # noqa: PLC0415  (see _matcher)

        result = self._matcher.match(text, exam=exam)
        candidates = tuple(self._answer(match.entry_id) for match in result.matches[:3])
        decision = {
            MatchDecision.ANSWER: Decision.ANSWER,
            MatchDecision.CLARIFY: Decision.CLARIFY,
            MatchDecision.ASK_EXAM: Decision.ASK_EXAM,
            MatchDecision.TO_OPERATOR: Decision.OPERATOR,
        }[result.decision]
        complaint = looks_like_complaint(text)
        if complaint:
            decision = Decision.OPERATOR  # a complaint goes to a person even if the FAQ fits
        pair = result.exam_pair
        return Consultation(
            decision=decision,
            best=candidates[0] if candidates else None,
            candidates=candidates,
            confidence=result.confidence,
            complaint=complaint,
            complaint_note=self._complaint_note() if complaint else None,
            exam_pair=(self._answer(pair[0]), self._answer(pair[1])) if pair else None,
        )

    def _complaint_note(self) -> str | None:
        if "complaint" not in self._faq.notes:
            return None
        return self._faq.render_note("complaint", self._facts)

    def _draft_entry(self, draft_id: int, question: str, answer: str) -> FaqEntry:
        return FaqEntry(
            id=f"draft-{draft_id}",
            question=question,
            alternatives=(),
            answer=answer,
            topic="operators",
            audience=Audience.BOTH,
            source="ответ оператора горячей линии, одобренный администратором",
            actual_on=self._today,
            review_by=self._today + timedelta(days=DRAFT_REVIEW_DAYS),
        )

    def add_approved(self, draft_id: int, question: str, answer: str) -> None:
        """An approved operator's answer joins the FAQ at once (the index is rebuilt: small)."""
        self.add_approved_many([(draft_id, question, answer)])

    def add_approved_many(self, approved: Sequence[tuple[int, str, str]]) -> None:
        """The drafts approved earlier, at start-up: one index rebuild for all of them."""
        if not approved:
            return
        entries = [self._draft_entry(*draft) for draft in approved]
        self._faq = self._faq.with_entries(*entries)
        self._built = None

    def due_for_review(self, today: date) -> list[FaqEntry]:
        return self._faq.entries_due_for_review(today)
