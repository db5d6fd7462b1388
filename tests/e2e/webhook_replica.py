"""One bot replica in webhook mode, in its own OS process, for test_webhook_replicas.py.

What `roadmap-bot run --webhook` runs: the settings from the environment, `prepare`, then
`serve_webhook` until SIGTERM, with Telegram's own limits and the send budget shared through
the database (edits answering a tap keep only their chat's interval, bot.delivery.requests).
Usage: python webhook_replica.py (env as for the bot).
"""

import asyncio
import logging
import sys


async def serve() -> None:
    from bot.app import build_application
    from bot.config import load_settings

    settings = load_settings()
    app = build_application(settings)
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
