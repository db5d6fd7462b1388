"""`roadmap-bot demo`: the smoke conversation as a real process, and the page's API refusals."""

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.demo.runtime import Demo
from bot.demo.web import build_web_app

SMOKE_TIMEOUT = 240.0


async def test_demo_smoke_runs_the_scripted_conversation(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "demo", "--port", "0", "--smoke",
        cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), SMOKE_TIMEOUT)
    printed = out.decode()

    assert process.returncode == 0, printed + err.decode()
    assert "Демо открыто: http://127.0.0.1:" in printed
    assert "taps «✅ Выполнено» → toast «Отмечено как выполненное.»" in printed
    assert "coordinator: reminder digest arrived → «🔔" in printed
    assert ".xlsx downloaded" in printed
    assert printed.rstrip().endswith("smoke: OK")
    assert not any(tmp_path.iterdir())  # noqa: ASYNC240 - the database lived in a temp folder


@pytest.fixture
async def page(tmp_path: Path) -> AsyncIterator[tuple[aiohttp.ClientSession, str]]:
    demo = Demo(tmp_path)
    await demo.start()
    runner = aiohttp.web.AppRunner(build_web_app(demo))
    await runner.setup()
    site = aiohttp.web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    address = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        async with aiohttp.ClientSession() as http:
            yield http, address
    finally:
        await runner.cleanup()
        await demo.stop()


async def test_the_page_and_its_api_refuse_bad_requests_politely(
    page: tuple[aiohttp.ClientSession, str],
) -> None:
    http, address = page
    async with http.get(address + "/") as response:
        html = await response.text()
    assert response.status == 200 and "Дорожная карта ГИА" in html
    assert "http" not in html.replace("http-equiv", "")  # no external assets
    async with http.get(address + "/static/app.js") as response:
        assert response.status == 200
    async with http.get(address + "/static/..%2Fweb.py") as response:
        assert response.status == 404

    refusals = [
        ("/api/say", {"persona": "nobody", "text": "hi"}, "нет такого собеседника: nobody"),
        ("/api/say", {"persona": "parent", "text": "  "}, "пустое сообщение"),
        ("/api/press", {"persona": "parent", "message_id": 999, "data": "x"},
         "этого сообщения уже нет"),
        ("/api/clock", {"moment": "вчера"}, "момент пишется как 2024-03-11T09:00"),
        ("/api/clock", {"moment": "2024-01-01T09:00"},
         "часы идут только вперёд: выберите момент позже текущего"),
        ("/api/fault", {"name": "meteor", "on": True}, "нет такого сбоя: meteor"),
    ]  # fmt: skip
    for path, body, error in refusals:
        async with http.post(address + path, json=body) as response:
            assert (response.status, await response.json()) == (400, {"ok": False, "error": error})


async def test_fault_switches_reach_the_bot_api(page: tuple[aiohttp.ClientSession, str]) -> None:
    http, address = page
    async with http.post(address + "/api/fault", json={"name": "blocked403", "on": True}) as r:
        assert (await r.json())["faults"]["blocked403"] is True
    async with http.post(
        address + "/api/say", json={"persona": "parent", "text": "/start", "wait": False}
    ) as r:
        assert r.status == 200
    for _ in range(50):
        async with http.get(address + "/api/calls") as r:
            calls = (await r.json())["calls"]
        refused = [c for c in calls if c["chat_id"] == 7000005 and c["status"] == 403]
        if refused:
            break
        await asyncio.sleep(0.1)
    assert refused[0]["description"] == "Forbidden: bot was blocked by the user"
    assert refused[0]["fault"] == "blocked"
    async with http.get(address + "/api/calls.json") as r:
        assert r.headers["Content-Disposition"].startswith("attachment")
        assert len(await r.json()) >= len(calls)
    async with http.get(address + "/api/state") as r:
        state = await r.json()
    assert state["meter"]["limits"] == {
        "overall_per_second": 30,
        "private_per_second": 1,
        "group_per_minute": 20,
    }
    assert [p["key"] for p in state["personas"]] == [
        "admin", "staff", "official", "coordinator", "parent", "desk",
    ]  # fmt: skip
