"""Messages to admins are split under Telegram's limit instead of being cut off."""

from bot.app import ADMIN_MESSAGE_LIMIT, admin_messages


def test_a_short_list_is_one_message() -> None:
    assert admin_messages(["• a", "• b"]) == ["⚠️ roadmap-bot:\n• a\n• b"]


def test_a_long_list_is_split_and_nothing_is_lost() -> None:
    lines = [f"• FAQ entry entry-{n:03d}: review was due 01.02.2027" for n in range(250)]
    messages = admin_messages(lines)
    assert len(messages) > 1
    assert all(len(text) <= ADMIN_MESSAGE_LIMIT for text in messages)
    assert all(text.startswith("⚠️ roadmap-bot:\n") for text in messages)
    joined = "\n".join(messages)
    assert all(line in joined for line in lines)


def test_an_overlong_line_is_shortened_not_dropped() -> None:
    (text,) = admin_messages(["x" * 10_000], limit=100)
    assert len(text) == 100
    assert text.endswith("…")
