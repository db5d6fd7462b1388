"""The shipped plans load into the database, and loading them again changes nothing."""

from pathlib import Path

import pytest
from services_support import NOW
from sqlalchemy.ext.asyncio import AsyncSession

from bot.plan.loader import load_plan
from bot.plan.model import Measure, Plan, Task
from bot.plan.parties import PartyKind
from bot.services.plans import sync_plan, task_windows

PLANS = Path(__file__).parents[2] / "data" / "plans"
OWN_UNIT = (PartyKind.PERSON, PartyKind.ORGANISATION)


def _own_units(plan: Plan, task: Task) -> int:
    parties = (plan.directory.get(name) for name in task.parties)
    return sum(1 for party in parties if party is not None and party.kind in OWN_UNIT)


@pytest.mark.parametrize("name", ["altai-gia-2024", "spassk-dalny-gia-2024"])
async def test_seed_plan_syncs_idempotently(session: AsyncSession, name: str) -> None:
    path = PLANS / f"{name}.yaml"
    if not path.exists():
        pytest.skip(f"{path} is not transcribed yet")
    result = load_plan(path)
    if result.plan is None:
        pytest.skip(f"{path} does not load yet: {result.errors[0]}")
    plan = result.plan

    first = await sync_plan(session, plan, NOW)
    again = await sync_plan(session, plan, NOW)

    assert len(first.added) == sum(1 for _ in plan.tasks())
    assert set(first.units_added) == {
        party.name for party in plan.directory.parties if party.kind in OWN_UNIT
    }
    # Before any school is registered, only people and single organisations are assigned: one
    # assignment per window the policy gives (a recurring term has one per occurrence).
    assert first.assignments.created == sum(
        len(task_windows(plan, task)) * _own_units(plan, task)
        for task in plan.tasks()
        if not (isinstance(task, Measure) and task.items)
    )
    assert not again.changed
    assert len(again.unchanged) == len(first.added)
