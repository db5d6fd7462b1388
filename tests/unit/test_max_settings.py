"""MAX settings: optional, checked at start-up with one line naming the variable."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, load_settings
from bot.startup import StartupError, check_token_is_not_placeholder, settings_warnings

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


def test_max_alone_needs_no_telegram_token() -> None:
    settings = load_settings(max_bot_token="max-token", bot_token="", _env_file=None)
    assert settings.bot_token is None
    assert (settings.serves_telegram, settings.serves_max) == (False, True)
    assert settings.messengers == ("max",)


def test_either_token_alone_or_both_choose_the_messengers() -> None:
    assert load_settings(bot_token=TOKEN, _env_file=None).messengers == ("telegram",)
    both = load_settings(bot_token=TOKEN, max_bot_token="max-token", _env_file=None)
    assert both.messengers == ("telegram", "max")


def test_neither_token_is_one_clear_line() -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings(bot_token="", max_bot_token="", _env_file=None)
    assert str(refused.value) == (
        "neither BOT_TOKEN (Telegram) nor MAX_BOT_TOKEN (MAX) is set; set one or both "
        "(see .env.example)"
    )


def test_a_malformed_telegram_token_beside_max_is_still_refused() -> None:
    with pytest.raises(ConfigError, match="BOT_TOKEN: does not look like a token"):
        load_settings(bot_token="nonsense", max_bot_token="max-token", _env_file=None)


def test_telegrams_settings_without_its_token_are_warned_about() -> None:
    settings = load_settings(
        max_bot_token="max-token",
        hotline_chat_id="-1001234567890",
        webhook_url="https://bot.example.ru/tg",
        admin_ids="1000",
        plan_paths=[],
        faq_paths=[],
        _env_file=None,
    )
    assert settings_warnings(settings) == [
        "HOTLINE_CHAT_ID is set but BOT_TOKEN is not: Telegram is not served, so no question "
        "reaches operators",
        "WEBHOOK_URL is set but BOT_TOKEN is not: Telegram is not served, so Telegram's "
        "webhook is not set",
        "ADMIN_IDS is set but BOT_TOKEN is not: Telegram is not served, so admins administer "
        "from the command line (roadmap-bot invite, units, sync)",
    ]
    # MAX alone with nothing of Telegram's: no warning about an empty ADMIN_IDS either.
    quiet = load_settings(max_bot_token="max-token", plan_paths=[], faq_paths=[], _env_file=None)
    assert settings_warnings(quiet) == []


def test_the_example_telegram_token_left_beside_a_max_token_says_how_to_serve_max_alone() -> None:
    placeholder = "123456789:replace-with-the-token-from-BotFather"
    with pytest.raises(StartupError) as refused:
        check_token_is_not_placeholder(
            load_settings(bot_token=placeholder, max_bot_token="max-token", _env_file=None)
        )
    assert str(refused.value) == (
        "BOT_TOKEN: still the placeholder from .env.example; to serve MAX alone leave it empty "
        "(BOT_TOKEN=), or put the token @BotFather gave you (/newbot) to serve Telegram too"
    )
    check_token_is_not_placeholder(load_settings(max_bot_token="max-token", _env_file=None))
