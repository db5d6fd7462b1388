"""Scheduled jobs that must run once across instances: a lease per job in `job_leases`.

Every instance's scheduler fires the job; the one that takes the lease runs it, the others skip
it until the lease runs out. A lease is shorter than the job's period, so the next period's run
is free for whichever instance fires first, and a dead holder blocks nobody for long.
"""

from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models_scale import JobLeaseRow


def lease_for(period: timedelta) -> timedelta:
    """Nine tenths of the period: instances whose schedules drift apart by less than a tenth of
    it run the job once per period between them."""
    return period * 9 / 10


async def take_lease(
    sessions: async_sessionmaker[AsyncSession],
    name: str,
    holder: str,
    now: datetime,
    period: timedelta,
) -> bool:
    """True if `holder` may run job `name` now (and holds it for `lease_for(period)`).

    One conditional UPDATE decides between instances: the database applies it to the row
    atomically on SQLite and PostgreSQL alike, so no dialect-specific lock is needed.
    """
    until = now + lease_for(period)
    async with sessions() as session:
        taken = await session.execute(
            update(JobLeaseRow)
            .where(JobLeaseRow.name == name)
            .where(or_(JobLeaseRow.until <= now, JobLeaseRow.holder == holder))
            .values(holder=holder, until=until)
        )
        if getattr(taken, "rowcount", 0):
            await session.commit()
            return True
        if await session.get(JobLeaseRow, name) is not None:
            return False  # another instance holds it
        session.add(JobLeaseRow(name=name, holder=holder, until=until))
        try:
            await session.commit()
        except IntegrityError:
            return False  # another instance created it first
        return True
