"""Settings from the environment and `.env`, created once in `main()` and passed down."""

import re
from datetime import timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.hotline.hours import HotlineHours
from bot.resources import shipped

TOKEN_RE = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{20,}$")
WEBHOOK_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
MAX_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{5,256}")
Locale = Literal["ru", "en"]
NO_MESSENGER = (
    "neither BOT_TOKEN (Telegram) nor MAX_BOT_TOKEN (MAX) is set; set one or both "
    "(see .env.example)"
)


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line for the operator."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    # Telegram: BOT_TOKEN; MAX: MAX_BOT_TOKEN. Either or both; neither is refused (below).
    bot_token: SecretStr | None = None
    # In the working directory (the container's volume), never inside the installed package.
    database_url: str = "sqlite+aiosqlite:///roadmap-bot.sqlite3"
    # The plans, directory and FAQ shipped with the package, wherever it is installed.
    plan_paths: Annotated[list[str], NoDecode] = [shipped("plans", "*.yaml")]
    units_paths: Annotated[list[str], NoDecode] = [shipped("directory", "*.yaml")]
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    default_locale: Locale = "ru"
    telegram_api_base: str | None = None
    invitation_ttl_hours: int = Field(default=168, ge=1, le=24 * 90)
    undo_minutes: int = Field(default=15, ge=1, le=24 * 60)
    page_size: int = Field(default=5, ge=1, le=20)
    migrate_on_start: bool = True
    tick_seconds: int = Field(default=60, ge=0, le=3600)
    send_lanes: int = Field(default=6, ge=1, le=10)
    """Chats one process sends side by side on PostgreSQL; all senders of a token together want
    about twelve (bot/delivery/tick.py, LANES). One lane waits for each answer before the next
    request: against Telegram's real round trip that is far below 30 a second."""
    faq_paths: Annotated[list[str], NoDecode] = [shipped("faq", "*.yaml")]
    hotline_chat_id: int | None = None
    hotline_plan: str | None = None
    hotline_forum: bool = False
    hotline_hours: str = "09:00-18:00"
    hotline_weekdays: str = "1-5"
    hotline_timezone: str = "Europe/Moscow"
    hotline_answer_minutes: int = Field(default=120, ge=1, le=7 * 24 * 60)
    hotline_questions_per_hour: int = Field(default=10, ge=1, le=1000)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    # Webhook mode (`roadmap-bot run --webhook`); the names are fixed, outside checks use them.
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "127.0.0.1"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    # MAX (max.ru): set MAX_BOT_TOKEN to serve MAX too; see README, «MAX».
    max_bot_token: SecretStr | None = None
    max_api_base: str | None = None
    max_bot_name: str | None = None
    """The bot's public name for https://max.ru/<name>?start=… links; default: asked from MAX."""
    max_webhook_url: str | None = None
    """https://… where MAX posts updates (production); empty: long polling (development)."""
    max_webhook_secret: SecretStr | None = None
    # All interfaces: inside a container the published port decides who can reach it.
    max_webhook_host: str = "0.0.0.0"
    max_webhook_port: int = Field(default=8081, ge=1, le=65535)

    @field_validator("bot_token", mode="before")
    @classmethod
    def _optional_token(cls, value: object) -> object:
        return None if value == "" else value  # `BOT_TOKEN=` in .env: MAX alone

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not TOKEN_RE.match(value.get_secret_value()):
            raise ValueError("does not look like a token from @BotFather (123456:ABC…)")
        return value

    @field_validator("plan_paths", "units_paths", "faq_paths", mode="before")
    @classmethod
    def _paths(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("admin_ids")
    @classmethod
    def _user_ids(cls, value: frozenset[int]) -> frozenset[int]:
        for user_id in sorted(value):
            if not 0 < user_id < 2**63:
                raise ValueError(
                    f"{user_id} is not a Telegram user id (a positive number; ask @userinfobot)"
                )
        return value

    @field_validator("hotline_chat_id")
    @classmethod
    def _group_id(cls, value: int | None) -> int | None:
        if value is not None and value >= 0:
            raise ValueError(
                f"{value} is a user's id; the operators' group id is negative "
                "(e.g. -1001234567890: add @RawDataBot to the group to see it)"
            )
        if value is not None and value <= -(2**63):
            raise ValueError(f"{value} is not a Telegram chat id")
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "use sqlite+aiosqlite:///path.sqlite3 or postgresql+asyncpg://user@host/db"
            )
        return value

    @field_validator("telegram_api_base", mode="before")
    @classmethod
    def _api_base(cls, value: str | None) -> str | None:
        if not value:
            return None  # an empty line in .env means "not set"
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as http://127.0.0.1:8081")
        return value.rstrip("/") if value else None

    @field_validator("webhook_url", mode="before")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not str(value).startswith("https://") and not str(value).startswith("http://"):
            raise ValueError("must be the public https:// address Telegram posts updates to")
        return str(value)

    @field_validator("webhook_secret", mode="before")
    @classmethod
    def _webhook_secret(cls, value: object) -> object:
        if not value:
            return None
        if not isinstance(value, str) or not WEBHOOK_SECRET_RE.match(value):
            raise ValueError("1-256 characters: letters, digits, _ and - (Telegram's rule)")
        return value

    @field_validator("hotline_chat_id", "hotline_plan", mode="before")
    @classmethod
    def _optional_id(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator(
        "max_bot_token", "max_bot_name", "max_webhook_url", "max_webhook_secret", mode="before"
    )
    @classmethod
    def _optional_max(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("max_api_base", mode="before")
    @classmethod
    def _max_api_base(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as https://platform-api2.max.ru")
        return value.rstrip("/")

    @field_validator("max_webhook_url")
    @classmethod
    def _max_webhook_url(cls, value: str | None) -> str | None:
        # MAX posts only to https:// endpoints (schema.yaml, SubscriptionUrl).
        if value is not None and not value.startswith("https://"):
            raise ValueError("MAX posts updates only to an https:// URL")
        return value

    @field_validator("max_webhook_secret")
    @classmethod
    def _max_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not MAX_SECRET_RE.fullmatch(value.get_secret_value()):
            raise ValueError("5-256 characters of A-Z, a-z, 0-9, _ and - (MAX's rule)")
        return value

    @model_validator(mode="after")
    def _a_messenger(self) -> "Settings":
        if self.bot_token is None and self.max_bot_token is None:
            raise ValueError(NO_MESSENGER)
        return self

    @property
    def serves_telegram(self) -> bool:
        """Telegram is served: BOT_TOKEN is set."""
        return self.bot_token is not None

    @property
    def serves_max(self) -> bool:
        """MAX is served: MAX_BOT_TOKEN is set."""
        return self.max_bot_token is not None

    @property
    def messengers(self) -> tuple[Literal["telegram", "max"], ...]:
        """The configured messengers, Telegram first (the order reminders fall back in)."""
        named: tuple[tuple[bool, Literal["telegram", "max"]], ...] = (
            (self.serves_telegram, "telegram"),
            (self.serves_max, "max"),
        )
        return tuple(name for configured, name in named if configured)

    @model_validator(mode="after")
    def _max_webhook(self) -> "Settings":
        if self.max_webhook_url and self.max_webhook_secret is None:
            raise ValueError(
                "MAX_WEBHOOK_SECRET: required with MAX_WEBHOOK_URL, so that only MAX can post "
                "updates to the bot"
            )
        return self

    @property
    def max_long_polling(self) -> bool:
        """MAX updates by long polling (no webhook URL): for development, per MAX's docs."""
        return self.max_bot_token is not None and self.max_webhook_url is None

    @model_validator(mode="after")
    def _hotline_hours(self) -> "Settings":
        self.hotline_schedule()  # fail at start-up, not at the first question
        return self

    def hotline_schedule(self) -> HotlineHours:
        try:
            return HotlineHours.parse(
                self.hotline_hours, self.hotline_weekdays, self.hotline_timezone
            )
        except (ValueError, ZoneInfoNotFoundError) as error:
            raise ValueError(
                f"HOTLINE_HOURS / HOTLINE_WEEKDAYS / HOTLINE_TIMEZONE: {error}"
            ) from None

    @property
    def invitation_ttl(self) -> timedelta:
        return timedelta(hours=self.invitation_ttl_hours)

    @property
    def undo_window(self) -> timedelta:
        return timedelta(minutes=self.undo_minutes)


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, or a ConfigError naming the first bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        if first["type"] == "missing":
            raise ConfigError(f"{name} is not set (see .env.example)") from None
        message = first["msg"].removeprefix("Value error, ")
        raise ConfigError(f"{name}: {message}" if first["loc"] else message) from None
