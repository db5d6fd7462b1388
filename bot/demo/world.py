"""Who and what the demo has: personas, a generated directory of units, and a clock that runs.

Nothing here is production data: the units are written into the demo's temporary folder at
start, next to its database, and vanish with it.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.fakeapi import FakeUser

ALTAI = "altai-gia-2024"
SPASSK = "spassk-dalny-gia-2024"
PLAN_TIMEZONE = ZoneInfo("Asia/Barnaul")
START = datetime(2024, 3, 4, 9, 0, tzinfo=PLAN_TIMEZONE)
"""Monday 4 March 2024, 09:00 in Barnaul: the school year's busiest stretch before the exams."""
COORDINATOR_UNIT = "МБОУ СОШ № 3"
OFFICIAL_UNIT = "Рязанов М.А."
DESK_CHAT: dict[str, Any] = {
    "id": -1001000000001,
    "type": "supergroup",
    "title": "Горячая линия ГИА — операторы",
}


@dataclass(frozen=True, slots=True)
class Persona:
    key: str
    title: str
    """Who this is, as the page lists them."""
    subtitle: str
    user: FakeUser
    group: bool = False
    """True for the operators' group: its history is the group chat, the user writes there."""

    @property
    def chat_id(self) -> int:
        return int(DESK_CHAT["id"]) if self.group else self.user.id

    @property
    def chat(self) -> dict[str, Any] | None:
        return dict(DESK_CHAT) if self.group else None


PERSONAS: tuple[Persona, ...] = (
    Persona(
        "admin",
        "Министерство — администратор",
        "Анна Петрова, ADMIN_IDS",
        FakeUser(7000001, "Анна", last_name="Петрова", username="anna_minobr"),
    ),
    Persona(
        "staff",
        "Министерство — сотрудник",
        "Ольга Смирнова, отдел ГИА",
        FakeUser(7000002, "Ольга", last_name="Смирнова", username="olga_gia"),
    ),
    Persona(
        "official",
        "Рязанов М.А.",
        "исполнитель, названный в плане",
        FakeUser(7000003, "Михаил", last_name="Рязанов"),
    ),
    Persona(
        "coordinator",
        "Координатор «МБОУ СОШ № 3»",
        "Ирина Соколова, ещё не приглашена",
        FakeUser(7000004, "Ирина", last_name="Соколова", username="sokolova_sosh3"),
    ),
    Persona(
        "parent",
        "Родитель",
        "Пётр Иванов, задаёт вопросы о ГИА",
        FakeUser(7000005, "Пётр", last_name="Иванов"),
    ),
    Persona(
        "desk",
        "Операторы горячей линии",
        "группа; пишет Светлана, оператор",
        FakeUser(7000006, "Светлана", username="operator_sveta"),
        group=True,
    ),
)

# The demo directory: a few municipalities (МОУО) and schools (ОО) under each seed plan.
DIRECTORY: dict[str, dict[str, list[str]]] = {
    ALTAI: {
        "МОУО": ["Комитет по образованию г. Барнаула", "Управление образования Бийского района"],
        "ОО": [COORDINATOR_UNIT, "МБОУ «Лицей № 2»", "МБОУ «Гимназия № 5»"],
    },
    SPASSK: {
        "МОУО": ["Управление образования городского округа Спасск-Дальний"],
        "ОО": ["МБОУ СОШ № 1", "МБОУ «Гимназия»", "МБОУ СОШ № 12"],
    },
}


def write_directory(folder: Path) -> list[str]:
    """Write the demo's units files into ``folder``; returns their paths for UNITS_PATHS."""
    paths: list[str] = []
    for plan_id, parties in DIRECTORY.items():
        lines = [f"plan: {plan_id}", "units:"]
        for party, names in parties.items():
            lines.extend(f"  - {{name: '{name}', parties: [{party}]}}" for name in names)
        path = folder / f"directory-{plan_id}.yaml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(str(path))
    return paths


class DemoClock:
    """The bot's clock in the demo: runs in real time from a moment the page can move."""

    def __init__(self, start: datetime, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._base = start.astimezone(UTC)
        self._since = monotonic()

    def now(self) -> datetime:
        return self._base + timedelta(seconds=self._monotonic() - self._since)

    def set(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            raise ValueError("a moment needs its time zone")
        self._base = moment.astimezone(UTC)
        self._since = self._monotonic()
        return self._base

    def timestamp(self) -> float:
        """Seconds since the epoch: the fake Bot API's message dates follow the bot's clock."""
        return self.now().timestamp()
