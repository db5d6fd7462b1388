"""Prometheus text exposition (format 0.0.4) for /metrics, without a client library.

The bot needs counters, gauges and one summary; the format for those is a few lines, and a
hand-written registry per Application keeps the process free of a module-level global registry
(the house style passes state in, and tests build many Applications in one process).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

Labels = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Family:
    name: str
    kind: str  # counter | gauge | summary
    help: str


FAMILIES = {
    family.name: family
    for family in (
        Family("roadmap_messages_total", "counter", "Reminder and notice sends by result."),
        Family("roadmap_telegram_429_total", "counter", "429 Too Many Requests received."),
        Family("roadmap_updates_handled_total", "counter", "Updates by result."),
        Family("roadmap_outbox_depth", "gauge", "Deliveries waiting to be sent."),
        Family(
            "roadmap_oldest_due_age_seconds",
            "gauge",
            "How long the oldest deliverable reminder has been due (0: none waiting).",
        ),
        Family("roadmap_tick_duration_seconds", "summary", "Duration of reminder ticks."),
        Family("roadmap_scheduled_jobs_total", "counter", "Scheduled jobs by outcome."),
    )
}


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _sample(name: str, labels: Labels, value: float) -> str:
    if labels:
        inside = ",".join(f'{key}="{_escape(text)}"' for key, text in labels)
        return f"{name}{{{inside}}} {value:g}"
    return f"{name} {value:g}"


@dataclass(slots=True)
class Metrics:
    values: dict[str, dict[Labels, float]] = field(default_factory=dict)

    def count(self, short_name: str, amount: float = 1, **labels: str) -> None:
        series = self.values.setdefault(f"roadmap_{short_name}", {})
        key = tuple(sorted(labels.items()))
        series[key] = series.get(key, 0) + amount

    def observe(self, short_name: str, seconds: float) -> None:
        """A summary's sum and count (Prometheus derives the average rate from them)."""
        self.count(f"{short_name}_sum", seconds)
        self.count(f"{short_name}_count")

    def render(self, gauges: Mapping[str, float] | None = None) -> str:
        """The exposition text; `gauges` are read at scrape time (queue depth, ages)."""
        lines: list[str] = []
        current = {**self.values}
        for name, value in (gauges or {}).items():
            current[f"roadmap_{name}"] = {(): value}
        for family in FAMILIES.values():
            names = [family.name]
            if family.kind == "summary":
                names = [f"{family.name}_sum", f"{family.name}_count"]
            samples = [
                _sample(name, labels, value)
                for name in names
                for labels, value in sorted(current.get(name, {}).items())
            ]
            if family.kind == "summary" and not samples:
                samples = [_sample(name, (), 0) for name in names]
            if not samples:
                continue
            lines.append(f"# HELP {family.name} {family.help}")
            lines.append(f"# TYPE {family.name} {family.kind}")
            lines.extend(samples)
        return "\n".join(lines) + "\n"


def names_in(text: str) -> Iterable[str]:
    """The sample names of an exposition text (for tests and the readiness of dashboards)."""
    for line in text.splitlines():
        if line and not line.startswith("#"):
            yield line.split("{", 1)[0].split(" ", 1)[0]
