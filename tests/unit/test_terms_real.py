"""The labelled real term cells: size, sources, the split rule, no duplicates, valid labels.

Scores are not asserted here: ``bench/terms.py`` prints them (the test part is measured, never
tuned against).
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.terms import OffsetUnit, SchoolYear, TermKind

REAL = Path(__file__).resolve().parents[1] / "terms_real"
SOURCE_TYPES = {"roadmap", "order", "schedule", "rcoi", "news"}
EVENTS = {
    "event", "exam", "results", "essay", "interview", "appeal", "protocol", "approval",
    "vpr", "meeting", "training", "rehearsal", "monitoring", "registration", "school_year",
    "holidays", "order", "report", "olympiad",
}  # fmt: skip


def _load(part: str) -> list[dict[str, Any]]:
    with (REAL / f"{part}.yaml").open(encoding="utf-8") as fh:
        items: list[dict[str, Any]] = yaml.safe_load(fh)
    return items


def _in_test(source: str) -> bool:
    return int(hashlib.sha1(source.encode()).hexdigest(), 16) % 5 < 2


ALL = [("tuning", item) for item in _load("tuning")] + [("test", item) for item in _load("test")]


def test_at_least_300_real_terms() -> None:
    assert len(ALL) >= 300


def test_split_by_source_page() -> None:
    for part, item in ALL:
        assert _in_test(item["source"]) == (part == "test"), item["text"]


def test_no_duplicates() -> None:
    keys = [re.sub(r"\s+", " ", item["text"].lower()).strip() for _, item in ALL]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize(("part", "item"), ALL, ids=[f"{p}:{i['text'][:40]}" for p, i in ALL])
def test_item_is_well_formed(part: str, item: dict[str, Any]) -> None:
    assert set(item) == {"text", "source", "source_type", "school_year", "expect"}
    assert item["text"].strip()
    assert re.match(r"https?://\S+$", item["source"])
    assert item["source_type"] in SOURCE_TYPES
    SchoolYear.parse(str(item["school_year"]))
    exp = item["expect"]
    kind = TermKind(exp["kind"])
    for window in exp["windows"]:
        end = date.fromisoformat(str(window["end"]))
        if window["start"] is not None:
            assert date.fromisoformat(str(window["start"])) <= end
    if kind in (TermKind.RELATIVE, TermKind.EXTERNAL, TermKind.RECURRING):
        assert exp["windows"] == []
    else:
        assert exp["windows"]
    if kind is TermKind.RELATIVE:
        assert exp["event"] in EVENTS
        offset = exp["offset"]
        assert set(offset) == {"amount", "unit", "direction", "span", "clock"}
        assert isinstance(offset["amount"], int) and offset["amount"] >= 0
        OffsetUnit(offset["unit"])
        assert offset["direction"] in ("before", "after")
        assert isinstance(offset["span"], bool)
        assert offset["clock"] is None or re.fullmatch(r"[0-2][0-9]:[0-5][0-9]", offset["clock"])
