"""Schema migrations, run by the app at start-up and by `roadmap-bot db upgrade|downgrade`."""

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.engine import create_engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


async def upgrade(url: str, revision: str = "head") -> None:
    await _run(url, lambda config: command.upgrade(config, revision))


async def downgrade(url: str, revision: str) -> None:
    await _run(url, lambda config: command.downgrade(config, revision))


async def current_revision(url: str) -> str | None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
    finally:
        await engine.dispose()


async def _without_sqlite_foreign_keys(connection: AsyncConnection) -> None:
    """SQLite batch migrations copy, drop and rename tables, which enforced foreign keys forbid.

    The pragma is ignored inside a transaction, so it runs before the migration's one begins;
    the engine is private to the migration and disposed of afterwards.
    """
    if connection.dialect.name == "sqlite":
        await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        await connection.commit()


async def _run(url: str, action: Callable[[Config], None]) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await _without_sqlite_foreign_keys(connection)
            await connection.run_sync(_lend, action)
            await connection.commit()
    finally:
        await engine.dispose()


def _lend(connection: Connection, action: Callable[[Config], None]) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    action(config)
