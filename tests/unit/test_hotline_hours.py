"""Operators' working hours: open or not, and how much working time a question has waited."""

from datetime import UTC, datetime, timedelta

import pytest

from bot.hotline.hours import HotlineHours

HOURS = HotlineHours.parse("09:00-18:00", "1-5", "Asia/Barnaul")  # UTC+7


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        ("2024-03-11T09:00+07:00", True),  # Monday, opening time
        ("2024-03-11T08:59+07:00", False),
        ("2024-03-11T18:00+07:00", False),  # closing time is closed
        ("2024-03-11T02:30+00:00", True),  # 09:30 in Barnaul
        ("2024-03-16T12:00+07:00", False),  # Saturday
    ],
)
def test_open_in_the_hotlines_own_zone(moment: str, is_open: bool) -> None:
    assert HOURS.is_open(at(moment)) is is_open


def test_a_friday_evening_question_waits_through_the_weekend_for_free() -> None:
    asked = at("2024-03-15T17:00+07:00")  # Friday, one working hour left

    assert HOURS.working_time_between(asked, at("2024-03-17T23:00+07:00")) == timedelta(hours=1)
    assert HOURS.working_time_between(asked, at("2024-03-18T10:30+07:00")) == timedelta(
        hours=2, minutes=30
    )


@pytest.mark.parametrize(
    ("hours", "days", "zone"),
    [
        ("9-18", "1-5", "Europe/Moscow"),
        ("18:00-09:00", "1-5", "Europe/Moscow"),
        ("09:00-18:00", "0", "Europe/Moscow"),
    ],
)
def test_malformed_hours_are_refused(hours: str, days: str, zone: str) -> None:
    with pytest.raises(ValueError, match="must"):
        HotlineHours.parse(hours, days, zone)


def test_weekday_lists() -> None:
    assert HotlineHours.parse("09:00-13:00", "1,3,6-7", "UTC").weekdays == {0, 2, 5, 6}
