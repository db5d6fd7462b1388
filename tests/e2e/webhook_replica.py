"""One bot replica in webhook mode, in its own OS process, for test_webhook_replicas.py.

What `roadmap-bot run --webhook` runs (the settings from the environment, `prepare`, then
`serve_webhook` until SIGTERM), with one difference: the limiter is the e2e tests' unhurried one
(Telegram's limits a thousand times faster, still shared through the database), so a thousand
taps are not held to 30 edits a second. Usage: python webhook_replica.py (env as for the bot).
"""

import asyncio
import logging
import sys


async def serve() -> None:
    from bot.app import build_application
    from bot.config import load_settings
    from bot.reminders.ratelimit import Limits, RateLimiter
    from bot.scale.budget import SharedBudget

    settings = load_settings()
    app = build_application(settings)
    limits = Limits().scaled(1000)
    app.use_limiter(RateLimiter.with_limits(limits, shared=SharedBudget(app.engine, limits)))
    try:
        report = await app.prepare()
        await app.serve_webhook(report)
    finally:
        await app.close()


def main() -> int:
    from bot.lean import import_aiogram_lean

    import_aiogram_lean()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    asyncio.run(serve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
