"""`roadmap-bot faq`: ask the hotline FAQ a question from a shell (one process, many questions).

    roadmap-bot faq [--json] [--faq PATH ...] [--plan PATH] QUESTION
    roadmap-bot faq [--json] [--faq PATH ...] [--plan PATH] -      (one question per line on stdin)

With --json every question gives one line:

    {"id": "illness-exam-day", "question": "Что делать, если заболел в день экзамена?",
     "answer": "…", "confidence": 0.97, "top3": ["illness-exam-day", "…", "…"],
     "to_operator": false, "clarify": null}

- `id`, `question`: the best FAQ entry and its question text; `null` only when nothing in the
  FAQ relates to the text at all (greetings, gibberish).
- `answer`: the best entry's answer with regional facts filled in (from the plan's `hotline:`
  section given with --plan, else the FAQ's fallback sentences); `null` when `to_operator`.
- `confidence`: how likely the best entry is the right one, in [0, 1].
- `top3`: the ids of up to three best entries (the bot offers them as buttons when unsure).
- `to_operator`: true when the bot would hand the question to a human instead of answering (a
  complaint included); the closest entry is still named in `id` so an operator sees what the FAQ
  offered.
- `clarify`: `["gia9", "gia11"]` when the bot would first ask which exam the question is about
  (the answer differs and the question names none); always present, `null` otherwise.
This shape is stable: scripts and scoring rely on it.
"""

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

import yaml

from bot.faq import (
    DEFAULT_FAQ_PATH,
    Decision,
    Faq,
    FaqError,
    FaqMatcher,
    HotlineFacts,
    MatchResult,
    hotline_facts,
    load_faqs,
    looks_like_complaint,
)
from bot.faq.lexicon import Exam


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    faq = commands.add_parser("faq", help="answer a question from the hotline FAQ")
    faq.add_argument("question", metavar="QUESTION", help="the question, or - for one per line")
    faq.add_argument("--json", action="store_true", help="print one JSON object per question")
    faq.add_argument(
        "--faq",
        dest="faq_paths",
        action="append",
        type=Path,
        metavar="PATH",
        help=f"FAQ file; repeat for several (default: {DEFAULT_FAQ_PATH.name})",
    )
    faq.add_argument(
        "--plan", type=Path, metavar="PATH", help="plan file whose `hotline:` facts fill answers"
    )
    faq.set_defaults(handler=run_faq)


def run_faq(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    try:
        faq = load_faqs(args.faq_paths or [DEFAULT_FAQ_PATH])
        hotline = plan_hotline(args.plan) if args.plan else {}
    except (FaqError, PlanHotlineError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    matcher = FaqMatcher(faq)
    questions = (
        (line.rstrip("\n") for line in sys.stdin) if args.question == "-" else [args.question]
    )
    for question in questions:
        result = matcher.match(question)
        if args.json:
            record = result_json(faq, result, hotline, complaint=looks_like_complaint(question))
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            _print_result(faq, question, result, hotline, out)
        out.flush()
    return 0


def result_json(
    faq: Faq, result: MatchResult, hotline: HotlineFacts, *, complaint: bool = False
) -> dict[str, Any]:
    best = faq.entry(result.best.entry_id) if result.best else None
    # A complaint reaches a person even when an entry fits, as in the bot.
    to_operator = result.decision == Decision.TO_OPERATOR or complaint
    asks = result.decision == Decision.ASK_EXAM and not to_operator
    return {
        "id": best.id if best else None,
        "question": best.question if best else None,
        "answer": faq.render(best.id, hotline) if best and not to_operator else None,
        "confidence": result.confidence,
        "top3": result.top_ids[:3],
        "to_operator": to_operator,
        "clarify": [Exam.GIA9.value, Exam.GIA11.value] if asks else None,
    }


class PlanHotlineError(Exception):
    """The plan file given for hotline facts cannot be read."""


def plan_hotline(path: Path) -> dict[str, str]:
    """The `hotline:` facts of a plan file (phone, hours, websites…); empty if it has none."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise PlanHotlineError(f"{path}: cannot read the file: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise PlanHotlineError(f"{path}: not valid YAML: {error}") from None
    return hotline_facts(raw.get("hotline") if isinstance(raw, dict) else None)


def _print_result(
    faq: Faq, question: str, result: MatchResult, hotline: HotlineFacts, out: TextIO
) -> None:
    print(f"? {question}", file=out)
    others = ", ".join(result.top_ids[1:]) or "—"
    if result.decision == Decision.TO_OPERATOR:
        closest = result.best.entry_id if result.best else "nothing"
        print(f"  → operator (confidence {result.confidence:.2f}; closest: {closest})", file=out)
    elif result.decision == Decision.ASK_EXAM and result.exam_pair is not None:
        gia9, gia11 = result.exam_pair
        print(f"  → ask: ОГЭ / 9 класс [{gia9}] or ЕГЭ / 11 класс [{gia11}]?", file=out)
    elif result.decision == Decision.CLARIFY:
        print(f"  → clarify (confidence {result.confidence:.2f}): which one?", file=out)
        for number, entry_id in enumerate(result.top_ids, start=1):
            print(f"    {number}. {faq.entry(entry_id).question} [{entry_id}]", file=out)
    elif result.best is not None:
        entry = faq.entry(result.best.entry_id)
        print(f"  → {entry.id} (confidence {result.confidence:.2f}; also: {others})", file=out)
        print(f"  {entry.question}", file=out)
        print(f"  {faq.render(entry.id, hotline)}", file=out)
        print(f"  source: {entry.source}; актуально на {entry.actual_on:%d.%m.%Y}", file=out)
    if looks_like_complaint(question) and "complaint" in faq.notes:
        print(f"  note: {faq.render_note('complaint', hotline)}", file=out)
