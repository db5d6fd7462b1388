"""When the hotline's operators work, and how much of their working time has passed."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

HOURS_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*$")
DAYS_RE = re.compile(r"^\s*([1-7])\s*(?:[-–]\s*([1-7]))?\s*$")
MAX_SCANNED_DAYS = 60


@dataclass(frozen=True, slots=True)
class HotlineHours:
    opens: time
    closes: time
    weekdays: frozenset[int]  # 0 = Monday, as date.weekday()
    timezone: ZoneInfo

    @classmethod
    def parse(cls, hours: str, weekdays: str, timezone: str) -> "HotlineHours":
        """«09:00-18:00», «1-5» (Monday to Friday) or «1,3,5», an IANA zone."""
        found = HOURS_RE.match(hours)
        if found is None:
            raise ValueError(f'hours "{hours}" must look like 09:00-18:00')
        opens = time(int(found.group(1)), int(found.group(2)))
        closes = time(int(found.group(3)), int(found.group(4)))
        if opens >= closes:
            raise ValueError(f'hours "{hours}" must open before they close')
        days: set[int] = set()
        for part in weekdays.split(","):
            match = DAYS_RE.match(part)
            if match is None:
                raise ValueError(f'weekdays "{weekdays}" must look like 1-5 or 1,3,5')
            first = int(match.group(1))
            last = int(match.group(2) or first)
            days.update(range(first - 1, last))
        if not days:
            raise ValueError(f'weekdays "{weekdays}" name no day')
        return cls(opens, closes, frozenset(days), ZoneInfo(timezone))

    def is_open(self, moment: datetime) -> bool:
        local = moment.astimezone(self.timezone)
        return local.weekday() in self.weekdays and self.opens <= local.time() < self.closes

    def _open_interval(self, day: date) -> tuple[datetime, datetime] | None:
        if day.weekday() not in self.weekdays:
            return None
        start = datetime.combine(day, self.opens, self.timezone)
        end = datetime.combine(day, self.closes, self.timezone)
        return start, end

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Operators' working time in [start, end): a question asked on Friday night waits
        for Monday morning, not for a weekend nobody works."""
        total = timedelta()
        day = start.astimezone(self.timezone).date()
        last = end.astimezone(self.timezone).date()
        scanned = 0
        while day <= last and scanned < MAX_SCANNED_DAYS:
            interval = self._open_interval(day)
            if interval is not None:
                lo, hi = max(interval[0], start), min(interval[1], end)
                if lo < hi:
                    total += hi - lo
            day += timedelta(days=1)
            scanned += 1
        return total
