"""How a plan is controlled: acceptance of confirmations, escalation, the weekly digest.

Pure values: the loader builds them from the plan's `control:` and `coordinators:`, the plans
service stores them as JSON on the plan row, the control jobs read them back.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.plan.schema import CoordinatorRole

DEFAULT_ESCALATION_WORKING_DAYS = 5
MAX_ESCALATION_WORKING_DAYS = 60


@dataclass(frozen=True, slots=True)
class ControlSettings:
    acceptance: bool = False
    """A confirmation stays «на проверке» until staff accept it or return it."""
    escalate_after_working_days: int | None = DEFAULT_ESCALATION_WORKING_DAYS
    """Working days overdue before the coordinators hear of it; None: never."""
    weekly_digest: bool = True
    """Staff get a summary of the plan on Monday morning, plan time."""
    coordinators: tuple[tuple[str, CoordinatorRole], ...] = ()
    """(party, role) as the plan names them: who coordinates it, who controls it."""

    def escalation_parties(self) -> tuple[str, ...]:
        """Whoever coordinates the plan; failing that, whoever controls it."""
        coordinating = tuple(
            party for party, role in self.coordinators if role is CoordinatorRole.COORDINATES
        )
        return coordinating or tuple(party for party, _role in self.coordinators)

    def controlling_parties(self) -> tuple[str, ...]:
        return tuple(
            party for party, role in self.coordinators if role is CoordinatorRole.CONTROLS
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "acceptance": self.acceptance,
            "escalate_after_working_days": self.escalate_after_working_days,
            "weekly_digest": self.weekly_digest,
            "coordinators": [[party, role.value] for party, role in self.coordinators],
        }

    @classmethod
    def from_json(cls, stored: Mapping[str, Any] | None) -> "ControlSettings":
        """Settings as last stored; a key added since keeps its default."""
        if not stored:
            return cls()
        defaults = cls()
        return cls(
            acceptance=bool(stored.get("acceptance", defaults.acceptance)),
            escalate_after_working_days=stored.get(
                "escalate_after_working_days", defaults.escalate_after_working_days
            ),
            weekly_digest=bool(stored.get("weekly_digest", defaults.weekly_digest)),
            coordinators=tuple(
                (str(party), CoordinatorRole(role))
                for party, role in stored.get("coordinators", ())
            ),
        )


DEFAULT_CONTROL = ControlSettings()
