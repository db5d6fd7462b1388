"""Database fixtures: a fresh database per test, migrated by Alembic, on SQLite and PostgreSQL.

PostgreSQL is a throwaway cluster started once per session from the server binaries
(Debian: `apt-get install -y postgresql-15`). Without them the postgresql variants are skipped,
except under CI (the `CI` variable set), where they fail.
"""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from storage.engine import create_engine, session_factory
from storage.migrate import upgrade

PG_SUPERUSER = "postgres"
PG_START_TIMEOUT_SECONDS = 60


@dataclass(frozen=True, slots=True)
class PostgresCluster:
    host: str
    port: int

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://{PG_SUPERUSER}@{self.host}:{self.port}/{database}"

    async def admin(self, statement: str) -> None:
        """Run one maintenance statement (CREATE/DROP DATABASE cannot run in a transaction)."""
        engine = create_async_engine(self.url("postgres"), isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as connection:
                await connection.execute(text(statement))
        finally:
            await engine.dispose()


def _pg_bindir() -> Path | None:
    candidates = [Path("/usr/lib/postgresql/15/bin")]
    on_path = shutil.which("pg_ctl")
    if on_path is not None:
        candidates.append(Path(on_path).resolve().parent)
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for bindir in candidates:
        if (bindir / "initdb").is_file() and (bindir / "pg_ctl").is_file():
            return bindir
    return None


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL is required in CI: {reason}")
    pytest.skip(f"PostgreSQL tests skipped: {reason}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    bindir = _pg_bindir()
    if bindir is None:
        _unavailable("initdb/pg_ctl not found (apt-get install -y postgresql-15)")
        return
    run_as: list[str] = []
    base = Path(tempfile.mkdtemp(prefix="roadmap-bot-pg-"))
    if os.geteuid() == 0:
        # initdb refuses to run as root: the cluster belongs to the postgres system user.
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(base)
            _unavailable("running as root and there is no postgres user to own the cluster")
            return
        os.chown(base, owner.pw_uid, owner.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    data = base / "data"
    port = _free_port()
    # Durability is pointless in a cluster that lives for one test session.
    options = (
        f"-c listen_addresses=127.0.0.1 -p {port} -k {base} "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    )

    def pg(tool: str, *args: str) -> None:
        subprocess.run(
            [*run_as, str(bindir / tool), *args], check=True, capture_output=True, text=True
        )

    started = False
    try:
        pg("initdb", "-D", str(data), "-U", PG_SUPERUSER, "-A", "trust", "-E", "UTF8",
           "--no-locale", "--no-sync")  # fmt: skip
        pg("pg_ctl", "-D", str(data), "-l", str(base / "server.log"), "-o", options,
           "-w", "-t", str(PG_START_TIMEOUT_SECONDS), "start")  # fmt: skip
        started = True
        yield PostgresCluster("127.0.0.1", port)
    except subprocess.CalledProcessError as exc:
        log = base / "server.log"
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        pytest.fail(f"PostgreSQL did not start: {exc.stderr}\n{tail}")
    finally:
        if started:
            pg("pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database: a file for SQLite, a fresh database in the session cluster otherwise."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"
        return
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    name = f"test_{uuid.uuid4().hex}"
    await cluster.admin(f'CREATE DATABASE "{name}"')
    yield cluster.url(name)
    await cluster.admin(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    """The migrated database: the schema comes from the Alembic revisions, not `create_all`."""
    await upgrade(db_url)
    engine = create_engine(db_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    async with session_factory(engine)() as session:
        yield session
