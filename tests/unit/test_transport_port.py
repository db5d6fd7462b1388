import pytest

from bot.transport.port import (
    TELEGRAM_LIMITS,
    Ambiguous,
    Button,
    Permanent,
    RecipientGone,
    RetryAfter,
    TransportError,
    Unavailable,
    rows,
)


def test_a_button_carries_an_action_or_a_url_not_both_nor_neither() -> None:
    Button("✅", action="a1:d:1:0")
    Button("site", url="https://example.org")
    with pytest.raises(ValueError):
        Button("both", action="x", url="https://example.org")
    with pytest.raises(ValueError):
        Button("neither")


def test_rows_keep_the_order_and_the_width() -> None:
    buttons = [Button(str(n), action=str(n)) for n in range(5)]
    laid = rows(buttons, 2)
    assert [[b.label for b in row] for row in laid] == [["0", "1"], ["2", "3"], ["4"]]


def test_the_outcomes_are_transport_errors_the_sender_tells_apart() -> None:
    outcomes = [RetryAfter("429", 3.5), RecipientGone("403"), Permanent("400")]
    outcomes += [Unavailable("502"), Ambiguous("timeout")]
    assert all(isinstance(error, TransportError) for error in outcomes)
    assert len({type(error) for error in outcomes}) == 5
    assert RetryAfter("429", 3.5).seconds == 3.5
    assert str(Permanent("chat not found")) == "chat not found"


def test_telegram_limits_are_those_of_the_bot_api() -> None:
    assert (TELEGRAM_LIMITS.text_length, TELEGRAM_LIMITS.text_unit) == (4096, "utf16")
    assert (TELEGRAM_LIMITS.action_length, TELEGRAM_LIMITS.action_unit) == (64, "bytes")
    assert TELEGRAM_LIMITS.message_id is int
