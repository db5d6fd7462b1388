"""300 users write /start within one second; how long until the last one has an answer?

Runs the real bot (aiogram polling, the one rate limiter, SQLite in a temporary directory)
against the fake Bot API server enforcing Telegram's limits at Telegram's pace, and prints the
time until the last answer (target: at most 12 s; 300 messages at 30 a second take 10) and the
429s the server gave (each one waited out and sent again: none is left unanswered).

    python bench/replies.py [--users 300]
"""

import argparse
import asyncio
import logging
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "e2e")]
from harness import running_bot  # noqa: E402 - the tests' harness: real bot, fake Bot API
from limits_support import flood_of_starts, flood_users  # noqa: E402

TARGET_SECONDS = 12.0


async def bench(users: int) -> int:
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        db_url = f"sqlite+aiosqlite:///{tmp / 'bench.sqlite3'}"
        async with running_bot(db_url, tmp, limit_scale=1.0) as harness:
            flood = await flood_of_starts(harness, flood_users(users), patience=120)
            retried = harness.app.requests.retried
    print(f"users: {users}, answered: {flood.answered}")
    print(f"time until the last answer: {flood.seconds:.2f} s (target <= {TARGET_SECONDS} s)")
    print(f"429 from the server: {flood.refusals}, waited out and sent again: {retried}")
    met = flood.answered == users and flood.seconds <= TARGET_SECONDS
    print("met" if met else "NOT met")
    return 0 if met else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=300)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    sys.exit(asyncio.run(bench(args.users)))


if __name__ == "__main__":
    main()
