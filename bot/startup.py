"""Start-up checks that end in one line naming the setting and what to do, not a traceback.

`roadmap-bot run` calls :func:`preflight` before it migrates or polls; :class:`StartupError`
carries the line and the exit status (see the README's table of start-up failures).
"""

import glob
import logging
import os
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.config import Settings

logger = logging.getLogger(__name__)

EXIT_CONFIG = 2
EXIT_TELEGRAM = 3
EXIT_DATABASE = 4
PLACEHOLDER_MARK = "replace-with"
"""What the token in .env.example says instead of a token."""


class StartupError(Exception):
    """The bot cannot start; ``str()`` is the one line to print."""

    def __init__(self, line: str, exit_status: int) -> None:
        super().__init__(line)
        self.exit_status = exit_status


def sqlite_problem(database_url: str) -> str | None:
    """Why an SQLite database file cannot be opened for writing, or None (pure file checks)."""
    url = make_url(database_url)
    if not url.drivername.startswith("sqlite") or url.database in (None, "", ":memory:"):
        return None
    path = Path(str(url.database))
    folder = path.parent if str(path.parent) else Path()
    if not folder.is_dir():
        return (
            f"DATABASE_URL: the folder {folder.resolve()} does not exist; "
            "create it or point DATABASE_URL elsewhere"
        )
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        return (
            f"DATABASE_URL: the file {path.resolve()} is read-only for this user; "
            "make it writable or point DATABASE_URL elsewhere"
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        return (
            f"DATABASE_URL: the folder {folder.resolve()} is not writable by this user "
            "(SQLite writes its journal there); make it writable or point DATABASE_URL elsewhere"
        )
    return None


def settings_warnings(settings: Settings) -> list[str]:
    """What is allowed but probably a mistake; logged as warnings at start."""
    warnings: list[str] = []
    if not settings.serves_telegram:
        warnings.extend(
            f"{name} is set but BOT_TOKEN is not: Telegram is not served, so {what}"
            for name, value, what in (
                ("HOTLINE_CHAT_ID", settings.hotline_chat_id, "no question reaches operators"),
                ("WEBHOOK_URL", settings.webhook_url, "Telegram's webhook is not set"),
                (
                    "ADMIN_IDS",
                    settings.admin_ids or None,
                    "admins administer from the command line (roadmap-bot invite, units, sync)",
                ),
            )
            if value is not None
        )
    elif not settings.admin_ids:
        warnings.append(
            "ADMIN_IDS is empty: nobody can invite or administer; put your Telegram user id "
            "(ask @userinfobot) in ADMIN_IDS and restart"
        )
    for name, patterns in (
        ("PLAN_PATHS", settings.plan_paths),
        ("FAQ_PATHS", settings.faq_paths),
    ):
        for pattern in patterns:
            found = glob.glob(pattern) if glob.has_magic(pattern) else [pattern]  # noqa: PTH207
            if not any(Path(p).is_file() for p in found):
                warnings.append(f"{name}: {pattern} matches no file; check the path")
    return warnings


def hotline_plan_warning(settings: Settings, plan_ids: list[str]) -> str | None:
    """HOTLINE_PLAN names a plan that was not loaded."""
    if settings.hotline_plan is None or settings.hotline_plan in plan_ids:
        return None
    loaded = ", ".join(plan_ids) or "none"
    return (
        f"HOTLINE_PLAN: no loaded plan has the id {settings.hotline_plan!r} (loaded: {loaded}); "
        "answers will not quote a plan's hotline facts"
    )


def describe_database_error(settings: Settings, error: BaseException) -> StartupError:
    """A database that could not be opened, as one line naming DATABASE_URL."""
    url = make_url(settings.database_url)
    reason = str(getattr(error, "orig", None) or error).splitlines()[0] or type(error).__name__
    if url.drivername.startswith("postgresql"):
        where = f"{url.host or 'localhost'}:{url.port or 5432}"
        line = (
            f"DATABASE_URL: cannot connect to PostgreSQL at {where} ({reason}); "
            "is the server running and the address right?"
        )
    else:
        line = f"DATABASE_URL: cannot open {url.database} ({reason}); check the path and rights"
    return StartupError(line, EXIT_DATABASE)


def describe_telegram_error(settings: Settings, error: BaseException) -> StartupError:
    """getMe failed: the token is refused, or Telegram cannot be reached."""
    from aiogram.exceptions import TelegramUnauthorizedError  # noqa: PLC0415 - aiogram is heavy

    if isinstance(error, TelegramUnauthorizedError):
        return StartupError(
            "BOT_TOKEN: Telegram refused the token (401 Unauthorized); copy it again from "
            "@BotFather (/mybots → API Token)",
            EXIT_TELEGRAM,
        )
    where = settings.telegram_api_base or "https://api.telegram.org"
    reason = str(error).splitlines()[0] if str(error) else type(error).__name__
    return StartupError(
        f"network: cannot reach the Bot API at {where} ({reason}); check the connection, a "
        "proxy, or TELEGRAM_API_BASE",
        EXIT_TELEGRAM,
    )


def describe_max_error(settings: Settings, error: BaseException) -> StartupError:
    """GET /me on MAX failed: the token is refused, MAX answers an error, or is unreachable."""
    status = getattr(error, "status", None)
    if isinstance(status, int):
        code = getattr(error, "code", "")
        if status in (401, 403):
            return StartupError(
                f"MAX_BOT_TOKEN: MAX refused it ({status} {code}); copy the token again from "
                "the bot's page on business.max.ru",
                EXIT_TELEGRAM,
            )
        return StartupError(
            f"MAX: the Bot API answered {status} {code} to GET /me; try again later, or check "
            "MAX_API_BASE",
            EXIT_TELEGRAM,
        )
    where = settings.max_api_base or "https://platform-api2.max.ru"
    reason = str(error).splitlines()[0] if str(error) else type(error).__name__
    return StartupError(
        f"network: cannot reach the MAX Bot API at {where} ({reason}); check the connection, "
        "a proxy, or MAX_API_BASE",
        EXIT_TELEGRAM,
    )


def check_token_is_not_placeholder(settings: Settings) -> None:
    if settings.bot_token is None or PLACEHOLDER_MARK not in settings.bot_token.get_secret_value():
        return
    if settings.serves_max:
        # Someone setting up MAX alone filled in MAX_BOT_TOKEN and left the example's line.
        raise StartupError(
            "BOT_TOKEN: still the placeholder from .env.example; to serve MAX alone leave it "
            "empty (BOT_TOKEN=), or put the token @BotFather gave you (/newbot) to serve "
            "Telegram too",
            EXIT_CONFIG,
        )
    raise StartupError(
        "BOT_TOKEN: still the placeholder from .env.example; put the token @BotFather gave "
        "you (/newbot) in .env — or try `roadmap-bot demo`, which needs none",
        EXIT_CONFIG,
    )
