"""What the sub-commands share: reading settings with one clear line, and moment arguments."""

import argparse
import logging
import sys
from datetime import datetime

from bot.config import ConfigError, Settings, load_settings
from bot.logs import configure_logging


def moment_arg(text: str) -> datetime:
    """An argparse type for moments with their UTC offset, e.g. 2024-03-11T09:00+07:00."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        message = f'"{text}" is not a moment like 2024-03-11T09:00+07:00'
        raise argparse.ArgumentTypeError(message) from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f'"{text}" needs its UTC offset, e.g. +07:00')
    return moment


def load_cli_settings() -> Settings | None:
    """Settings with logging configured, or None after printing the one-line reason."""
    try:
        settings = load_settings()
    except ConfigError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return None
    configure_logging(settings.log_level, settings.log_format)
    if settings.log_level != "DEBUG":
        # Alembic's INFO lines ("Context impl SQLiteImpl.") on every command are noise.
        logging.getLogger("alembic").setLevel(logging.WARNING)
    return settings
