"""MAX settings: optional, checked at start-up with one line naming the variable."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, load_settings

TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def test_max_is_off_by_default() -> None:
    settings = load_settings(bot_token=TOKEN, _env_file=None)
    assert settings.max_bot_token is None
    assert not settings.max_long_polling


def test_a_token_alone_means_long_polling_and_empty_lines_mean_unset() -> None:
    settings = load_settings(
        bot_token=TOKEN,
        max_bot_token="max-token",
        max_webhook_url="",
        max_bot_name="",
        _env_file=None,
    )
    assert settings.max_long_polling
    assert settings.max_bot_name is None


def test_webhook_needs_https_and_a_secret() -> None:
    with pytest.raises(ConfigError, match="MAX_WEBHOOK_URL: MAX posts updates only to an https"):
        load_settings(
            bot_token=TOKEN,
            max_bot_token="t",
            max_webhook_url="http://bot.example.ru/max",
            _env_file=None,
        )
    with pytest.raises(ConfigError, match="MAX_WEBHOOK_SECRET: required with MAX_WEBHOOK_URL"):
        load_settings(
            bot_token=TOKEN,
            max_bot_token="t",
            max_webhook_url="https://bot.example.ru/max",
            _env_file=None,
        )
    with pytest.raises(ConfigError, match="MAX_WEBHOOK_SECRET: 5-256 characters"):
        load_settings(
            bot_token=TOKEN,
            max_bot_token="t",
            max_webhook_url="https://bot.example.ru/max",
            max_webhook_secret="no spaces!",
            _env_file=None,
        )
    settings = load_settings(
        bot_token=TOKEN,
        max_bot_token="t",
        max_webhook_url="https://bot.example.ru/max",
        max_webhook_secret="s3cret_value",
        max_api_base="https://platform-api2.max.ru/",
        _env_file=None,
    )
    assert not settings.max_long_polling
    assert settings.max_api_base == "https://platform-api2.max.ru"
