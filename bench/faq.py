"""FAQ matching on the labelled questions: accuracy, operator routing, latency, index build time.

Usage: python bench/faq.py [--misses] [--calibrate] [--faq PATH] [--labelled PATH]
  --misses     list the questions whose expected entry is not first
  --calibrate  refit the confidence weights (logistic regression on the match features) and
               print them for bot/faq/matcher.py; operator-bound questions are weighted up, as
               real traffic has more of them than the labelled set
Targets: top-1 ≥ 0.85, top-3 ≥ 0.95, ≥ 80% of operator-bound questions routed to an operator.
"""

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

import yaml

from bot.faq import DEFAULT_FAQ_PATH, Decision, FaqMatcher, load_faq
from bot.faq.matcher import CONFIDENCE_BIAS, CONFIDENCE_WEIGHTS

ROOT = Path(__file__).resolve().parent.parent
LABELLED = ROOT / "tests" / "faq_labelled.yaml"
TOP1, TOP3, ROUTED = 0.85, 0.95, 0.80
OPERATOR_WEIGHT = 3.0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faq", type=Path, default=DEFAULT_FAQ_PATH)
    parser.add_argument("--labelled", type=Path, default=LABELLED)
    parser.add_argument("--misses", action="store_true")
    parser.add_argument("--calibrate", action="store_true")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    faq = load_faq(args.faq)
    loaded = time.perf_counter()
    matcher = FaqMatcher(faq)
    built = time.perf_counter()
    rows = yaml.safe_load(args.labelled.read_text(encoding="utf-8"))["questions"]
    answerable = [(r["question"], r["expected"]) for r in rows if r["expected"]]
    operator_bound = [r["question"] for r in rows if not r["expected"]]

    latencies: list[float] = []
    top1 = top3 = answered_right = to_operator = 0
    for question, expected in answerable:
        t = time.perf_counter()
        result = matcher.match(question)
        latencies.append(time.perf_counter() - t)
        top1 += result.top_ids[:1] == [expected]
        top3 += expected in result.top_ids
        answered_right += result.decision == Decision.ANSWER and result.top_ids[0] == expected
        to_operator += result.decision == Decision.TO_OPERATOR
        if args.misses and result.top_ids[:1] != [expected]:
            print(f"miss: {question!r}: expected {expected}, got {result.top_ids}")
    routed = 0
    for question in operator_bound:
        t = time.perf_counter()
        result = matcher.match(question)
        latencies.append(time.perf_counter() - t)
        routed += result.decision == Decision.TO_OPERATOR
        if args.misses and result.decision != Decision.TO_OPERATOR:
            print(f"not routed: {question!r}: {result.decision} {result.top_ids[:1]}")

    n, m = len(answerable), len(operator_bound)
    ms = sorted(x * 1000 for x in latencies)
    p95 = ms[min(len(ms) - 1, math.ceil(0.95 * len(ms)) - 1)]
    print(f"FAQ: {len(faq.entries)} entries, {len(faq.topics)} topics ({args.faq.name})")
    print(f"labelled: {n} answerable, {m} operator-bound ({args.labelled.name})")
    print(f"load (YAML, validation, synonyms): {(loaded - started) * 1000:.0f} ms")
    print(f"index build: {(built - loaded) * 1000:.0f} ms")
    print(f"top-1 accuracy: {top1 / n:.3f} ({top1}/{n})")
    print(f"top-3 accuracy: {top3 / n:.3f} ({top3}/{n})")
    print(
        f"answered directly and right: {answered_right / n:.3f}; sent to an operator: "
        f"{to_operator / n:.3f}"
    )
    print(f"operator-bound routed to an operator: {routed / m:.3f} ({routed}/{m})")
    print(
        f"latency per question: mean {statistics.fmean(ms):.2f} ms, p95 {p95:.2f} ms, "
        f"max {ms[-1]:.2f} ms"
    )
    met = top1 / n >= TOP1 and top3 / n >= TOP3 and routed / m >= ROUTED
    print(
        f"targets (top-1 ≥ {TOP1}, top-3 ≥ {TOP3}, routed ≥ {ROUTED}): "
        f"{'met' if met else 'MISSED'}"
    )
    if args.calibrate:
        _calibrate(matcher, rows)
    return 0 if met else 1


def _calibrate(matcher: FaqMatcher, rows: list[dict[str, str | None]]) -> None:
    names = list(CONFIDENCE_WEIGHTS)
    samples: list[tuple[list[float], float, float]] = []
    for row in rows:
        question, expected = str(row["question"]), row["expected"]
        features = matcher.features(question)
        if not features:
            continue
        right = expected is not None and matcher.match(question).top_ids[0] == expected
        weight = 1.0 if expected else OPERATOR_WEIGHT
        samples.append(([features[k] for k in names], float(right), weight))
    weights, bias = [CONFIDENCE_WEIGHTS[k] for k in names], CONFIDENCE_BIAS
    total = sum(w for _, _, w in samples)
    for _ in range(20_000):
        grad, grad_bias = [0.0] * len(names), 0.0
        for x, y, w in samples:
            p = 1 / (1 + math.exp(-(bias + sum(a * b for a, b in zip(weights, x, strict=True)))))
            for i, value in enumerate(x):
                grad[i] += w * (p - y) * value
            grad_bias += w * (p - y)
        weights = [a - 0.5 * (g / total + 0.001 * a) for a, g in zip(weights, grad, strict=True)]
        bias -= 0.5 * grad_bias / total
    fitted = ", ".join(f'"{k}": {v:.1f}' for k, v in zip(names, weights, strict=True))
    print(f"calibrated: CONFIDENCE_WEIGHTS = {{{fitted}}}; CONFIDENCE_BIAS = {bias:.1f}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
