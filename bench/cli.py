"""Wall time of the light CLI commands (the target is under a second each on this machine).

Usage: .venv/bin/python bench/cli.py [--runs 5]

Each command runs as a fresh process, as a user would start it; the best and the median of the
runs are printed, and the slowest imports of `terms` from `python -X importtime`.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

COMMANDS = [
    ["--help"],
    ["--version"],
    ["terms", "до 1 марта"],
    ["check"],
    ["faq", "--help"],
]
SCRIPT = Path(sys.executable).with_name("roadmap-bot")


def timed(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run([str(SCRIPT), *argv], capture_output=True, check=True)
    return time.perf_counter() - started


def slowest_imports(argv: list[str], count: int = 5) -> list[tuple[int, str]]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bot", *argv],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPROFILEIMPORTTIME": "1"},
    )
    rows = []
    for line in done.stderr.splitlines():
        found = re.match(r"import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)", line)
        if found and len(found.group(2)) <= 2:  # top-level imports only
            rows.append((int(found.group(1)), found.group(3)))
    return sorted(rows, reverse=True)[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="runs per command (default 5)")
    args = parser.parse_args()
    for argv in COMMANDS:
        times = [timed(argv) for _ in range(args.runs)]
        print(
            f"roadmap-bot {' '.join(argv):<22} best {min(times):.2f} s, "
            f"median {statistics.median(times):.2f} s"
        )
    print("slowest top-level imports of `terms`:")
    for micros, module in slowest_imports(["terms", "до 1 марта"]):
        print(f"  {micros / 1e6:6.2f} s  {module}")


if __name__ == "__main__":
    main()
