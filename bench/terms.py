"""Score the term parser on real term cells collected from other documents.

Prints exact-match rates (kind + windows; for relative terms kind + event + offset)
per source type and per part (tuning / test), kind accuracy, and the seed tables'
score. ``python bench/terms.py [--part test|tuning|all]``.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.terms import SchoolYear, offset_to_json, parse_term  # noqa: E402

REAL = ROOT / "tests" / "terms_real"
TARGET = 0.95


def load(part: str) -> list[dict[str, Any]]:
    with (REAL / f"{part}.yaml").open(encoding="utf-8") as fh:
        items: list[dict[str, Any]] = yaml.safe_load(fh)
    return items


def actual(item: dict[str, Any]) -> dict[str, Any]:
    term = parse_term(item["text"], SchoolYear.parse(str(item["school_year"])))
    got: dict[str, Any] = {
        "kind": str(term.kind),
        "windows": [
            {"start": w.start.isoformat() if w.start else None, "end": w.end.isoformat()}
            for w in term.windows
        ],
    }
    if term.kind == "relative":
        got["event"] = term.event
        got["offset"] = offset_to_json(term.offset)
    return got


def expected(item: dict[str, Any]) -> dict[str, Any]:
    exp = item["expect"]
    want: dict[str, Any] = {
        "kind": exp["kind"],
        "windows": [
            {"start": str(w["start"]) if w["start"] else None, "end": str(w["end"])}
            for w in exp.get("windows", [])
        ],
    }
    if exp["kind"] == "relative":
        want["event"] = exp["event"]
        want["offset"] = exp["offset"]
    return want


def seed_score() -> tuple[int, int]:
    sys.path.insert(0, str(ROOT / "tests" / "unit"))
    from test_terms_seeds import SCHOOL_YEARS, SEED_TERMS  # noqa: PLC0415

    ok = 0
    for row in SEED_TERMS:
        term = parse_term(row.text, SCHOOL_YEARS[row.plan])
        windows = tuple(
            (w.start.isoformat() if w.start else None, w.end.isoformat()) for w in term.windows
        )
        ok += term.kind is row.kind and windows == row.windows
    return ok, len(SEED_TERMS)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--part", choices=["tuning", "test", "all"], default="all")
    parser.add_argument("--show-failures", action="store_true", help="tuning part only")
    args = parser.parse_args()
    parts = ["tuning", "test"] if args.part == "all" else [args.part]
    total_ok = total_n = 0
    for part in parts:
        by_type: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        for item in load(part):
            got, want = actual(item), expected(item)
            row = by_type[item["source_type"]]
            row[0] += got == want
            row[1] += got["kind"] == want["kind"]
            row[2] += 1
            if args.show_failures and part == "tuning" and got != want:
                print(f"  FAIL {item['text']!r}\n    want {want}\n    got  {got}")
        ok = sum(r[0] for r in by_type.values())
        kind_ok = sum(r[1] for r in by_type.values())
        n = sum(r[2] for r in by_type.values())
        print(f"{part}: exact {ok}/{n} = {ok / n:.1%}, kind {kind_ok}/{n} = {kind_ok / n:.1%}")
        for source_type, (e, k, c) in sorted(by_type.items()):
            print(f"  {source_type:9s} exact {e}/{c} = {e / c:.1%}  kind {k}/{c} = {k / c:.1%}")
        total_ok += ok
        total_n += n
    rate = total_ok / total_n
    print(f"all parts: exact {total_ok}/{total_n} = {rate:.1%}")
    seeds_ok, seeds_n = seed_score()
    print(f"seed tables: {seeds_ok}/{seeds_n} exact (kind + windows)")
    verdict = "met" if rate >= TARGET and seeds_ok == seeds_n else "not met"
    print(f"target ≥ 95% exact on the labelled file ({', '.join(parts)}): {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
