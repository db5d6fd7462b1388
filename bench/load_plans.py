"""Time loading and parsing the plan files (target: both seed plans under 0.3 s in one process).

Usage: python bench/load_plans.py [PATH ...]   (default: data/plans/*.yaml)
Prints the first (cold) load, which includes parser warm-up, and the best of several warm loads.
"""

import sys
import time
from pathlib import Path

from bot.plan.loader import load_plan

TARGET_SECONDS = 0.3
REPEATS = 10


def main(argv: list[str]) -> int:
    root = Path(__file__).resolve().parent.parent
    paths = [Path(p) for p in argv] or sorted((root / "data" / "plans").glob("*.yaml"))
    started = time.perf_counter()
    results = [load_plan(path) for path in paths]
    cold = time.perf_counter() - started
    tasks = sum(sum(1 for _ in r.plan.tasks()) for r in results if r.plan is not None)
    warm = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        for path in paths:
            load_plan(path)
        warm.append(time.perf_counter() - started)
    failed = [r.file for r in results if r.plan is None]
    print(f"plans: {len(paths)}, measures and sub-items: {tasks}, not loaded: {failed or 'none'}")
    print(f"cold load (first in process): {cold * 1000:.1f} ms")
    print(f"warm load, best of {REPEATS}: {min(warm) * 1000:.1f} ms")
    verdict = "met" if cold < TARGET_SECONDS else "MISSED"
    print(f"target < {TARGET_SECONDS * 1000:.0f} ms cold: {verdict}")
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
