"""Split collected real questions into the tuning part and the test part, by source page.

The rule, fixed once: an item goes to test.yaml when
``int(hashlib.sha1(source.encode()).hexdigest(), 16) % 5 < 2`` (about 40% of the pages), else to
tuning.yaml. It depends on the page address only, so all questions of one page stay in one part
and a question added later from a known page lands beside its siblings.

Usage:
  python tests/faq_real/split.py COLLECTED.yaml [--out DIR]
      write DIR/tuning.yaml and DIR/test.yaml (DIR defaults to this folder)
  python tests/faq_real/split.py --check [DIR]
      exit 1 if an item of DIR/tuning.yaml or DIR/test.yaml sits in the wrong part
"""

import argparse
import hashlib
import sys
from collections.abc import Sequence
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
TEST_FILE = "test.yaml"
TUNING_FILE = "tuning.yaml"
TEST_SHARE = 2  # of every 5 hash buckets
BUCKETS = 5

Item = dict[str, object]


def in_test_part(source: str) -> bool:
    """Whether the questions of page `source` belong to the test part."""
    return int(hashlib.sha1(source.encode()).hexdigest(), 16) % BUCKETS < TEST_SHARE


def split(items: Sequence[Item]) -> tuple[list[Item], list[Item]]:
    """(tuning, test), each keeping the collected order."""
    tuning: list[Item] = []
    test: list[Item] = []
    for item in items:
        (test if in_test_part(str(item["source"])) else tuning).append(item)
    return tuning, test


def load_items(path: Path) -> list[Item]:
    """The YAML list at `path`; an empty file is an empty list."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise ValueError(f"{path}: expected a YAML list of mappings")
    items: list[Item] = []
    for index, item in enumerate(raw):
        if not isinstance(item.get("source"), str):
            raise ValueError(f"{path}: item {index} has no source address")
        items.append({str(key): value for key, value in item.items()})
    return items


def dump_items(items: Sequence[Item], path: Path) -> None:
    text = yaml.safe_dump(list(items), allow_unicode=True, sort_keys=False, width=1000)
    path.write_text(text if items else "[]\n", encoding="utf-8")


def misplaced(folder: Path) -> list[str]:
    """Sources of the items in `folder` whose part contradicts the rule."""
    wrong: list[str] = []
    for name, wanted in ((TUNING_FILE, False), (TEST_FILE, True)):
        for item in load_items(folder / name):
            source = str(item["source"])
            if in_test_part(source) != wanted:
                wrong.append(f"{name}: {source}")
    return wrong


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("collected", nargs="?", type=Path, help="YAML list of collected items")
    parser.add_argument("--out", type=Path, default=HERE, help="folder for the two parts")
    parser.add_argument("--check", nargs="?", type=Path, const=HERE, help="verify a folder")
    args = parser.parse_args(argv)
    if args.check is not None:
        wrong = misplaced(args.check)
        sys.stdout.write("".join(f"misplaced: {line}\n" for line in wrong) or "split ok\n")
        return 1 if wrong else 0
    if args.collected is None:
        parser.error("give COLLECTED.yaml or --check")
    try:
        tuning, test = split(load_items(args.collected))
    except (OSError, ValueError, yaml.YAMLError) as error:
        sys.stderr.write(f"{error}\n")
        return 2
    dump_items(tuning, args.out / TUNING_FILE)
    dump_items(test, args.out / TEST_FILE)
    sys.stdout.write(f"tuning: {len(tuning)}, test: {len(test)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
