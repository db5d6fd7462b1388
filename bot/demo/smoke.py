"""`roadmap-bot demo --smoke`: one scripted conversation through the page's own HTTP API.

The admin invites the coordinator of «МБОУ СОШ № 3», the coordinator opens the link and taps
«✅ Выполнено», the clock moves to 11.03.2024 09:00 (staff get the escalations) and to
01.04.2024 09:00 (the coordinator's reminder digest arrives), staff ask for
the report and it downloads. Each step prints one line; any failure ends the run non-zero.
"""

import asyncio
import re
from typing import Any

import aiohttp

from bot.demo.world import COORDINATOR_UNIT

LINK_RE = re.compile(r"\?start=([A-Za-z0-9_-]+)")
WAIT_SECONDS = 15.0
PACE_SECONDS = 1.1
"""A person's pace: the local Bot API enforces Telegram's one message per second per chat, and
the bot answers each tap or line with a new message."""


class SmokeError(Exception):
    pass


class Page:
    """What the browser page does, as plain HTTP calls."""

    def __init__(self, http: aiohttp.ClientSession, address: str) -> None:
        self.http = http
        self.address = address

    async def get(self, path: str) -> Any:
        async with self.http.get(self.address + path) as response:
            data = await response.json()
        if not data.get("ok"):
            raise SmokeError(f"GET {path}: {data.get('error')}")
        return data

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        async with self.http.post(self.address + path, json=body) as response:
            data = await response.json()
        if not data.get("ok"):
            raise SmokeError(f"POST {path} {body}: {data.get('error')}")
        return data

    async def chat(self, persona: str) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = (await self.get(f"/api/chat/{persona}"))["messages"]
        return messages

    async def say(self, persona: str, text: str) -> dict[str, Any]:
        await asyncio.sleep(PACE_SECONDS)
        reply: dict[str, Any] = (
            await self.post("/api/say", {"persona": persona, "text": text, "wait": True})
        )["reply"]
        return reply

    async def write(self, persona: str, text: str) -> None:
        """Write without waiting for a text answer: /report answers with documents only."""
        await asyncio.sleep(PACE_SECONDS)
        await self.post("/api/say", {"persona": persona, "text": text, "wait": False})

    async def press(self, persona: str, message_id: int, data: str) -> dict[str, Any]:
        await asyncio.sleep(PACE_SECONDS)
        body = {"persona": persona, "message_id": message_id, "data": data}
        toast: dict[str, Any] = (await self.post("/api/press", body))["toast"]
        return toast

    async def wait_for(
        self, persona: str, test: Any, what: str, seconds: float = WAIT_SECONDS
    ) -> dict[str, Any]:
        """The first message in the persona's chat for which ``test`` holds, polling."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while loop.time() < deadline:
            for message in reversed(await self.chat(persona)):
                if test(message):
                    found: dict[str, Any] = message
                    return found
            await asyncio.sleep(0.2)
        raise SmokeError(f"{persona}: no {what} within {seconds:.0f} s")


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [button for row in message.get("keyboard", []) for button in row]


def button(message: dict[str, Any], test: Any, what: str) -> dict[str, Any]:
    for candidate in buttons(message):
        if "callback_data" in candidate and test(candidate):
            return candidate
    labels = [b.get("text") for b in buttons(message)]
    raise SmokeError(f"no button {what} in message {message['id']}: {labels}")


async def invite_coordinator(page: Page) -> str:
    reply = await page.say("admin", "/invite")
    print(f"admin: /invite → «{reply['text'][:60]}»")
    message = (await page.chat("admin"))[-1]
    member = button(message, lambda b: b["callback_data"].startswith("iv1:m:"), "«member»")
    await page.press("admin", message["id"], member["callback_data"])
    message = await page.wait_for(
        "admin",
        lambda m: any(b.get("text") == "altai-gia-2024" for b in buttons(m)),
        "plan choice",
    )
    plan = button(message, lambda b: b["text"] == "altai-gia-2024", "altai-gia-2024")
    await page.press("admin", message["id"], plan["callback_data"])
    for _page in range(20):
        message = (await page.chat("admin"))[-1]
        school = [b for b in buttons(message) if b.get("text") == COORDINATOR_UNIT]
        if school:
            await page.press("admin", message["id"], school[0]["callback_data"])
            break
        following = button(message, lambda b: b["text"] == "▶️", "▶️ (next page)")
        await page.press("admin", message["id"], following["callback_data"])
    invitation = await page.wait_for(
        "admin", lambda m: LINK_RE.search(m.get("text", "")) is not None, "invitation link"
    )
    found = LINK_RE.search(invitation["text"])
    assert found is not None
    print(f"admin: invitation for «{COORDINATOR_UNIT}» → {found.group(0)[:24]}…")
    return found.group(1)


async def conversation(page: Page) -> None:
    state = await page.get("/api/state")
    print(f"page: {len(state['personas'])} personas, clock {state['clock']}")
    token = await invite_coordinator(page)

    reply = await page.say("coordinator", f"/start {token}")
    if COORDINATOR_UNIT not in reply["text"]:
        raise SmokeError(f"coordinator: welcome does not name the school: {reply['text']!r}")
    print(f"coordinator: /start <token> → «{reply['text'][:70]}…»")

    await page.say("coordinator", "/my")
    listing = await page.wait_for(
        "coordinator",
        lambda m: any(b.get("callback_data", "").startswith("a1:") for b in buttons(m)),
        "list of assignments",
    )
    first = button(listing, lambda b: b["callback_data"].startswith("a1:"), "assignment")
    print(f"coordinator: /my → {len(buttons(listing))} buttons; opens «{first['text']}»")
    await page.press("coordinator", listing["id"], first["callback_data"])
    assignments = await page.wait_for(
        "coordinator",
        lambda m: any(b.get("text", "").startswith("✅") for b in buttons(m)),
        "assignment card with ✅",
    )
    done = button(assignments, lambda b: b["text"].startswith("✅"), "✅")
    toast = await page.press("coordinator", assignments["id"], done["callback_data"])
    print(f"coordinator: taps «{done['text']}» → toast «{toast['text']}»")
    if not toast["answered"]:
        raise SmokeError("coordinator: the tap was not answered")

    staff_seen = {m["id"] for m in await page.chat("staff")}
    summary = (await page.post("/api/clock", {"moment": "2024-03-11T09:00"}))["summary"]
    print(
        f"clock: → {summary['clock']}: {summary['messages']} reminder messages "
        f"({summary['reminders']} reminders), {summary['escalated']} escalated"
    )
    notice = await page.wait_for(
        "staff",
        lambda m: m["id"] not in staff_seen and m["text"].startswith(("🚨", "📅")),
        "escalation or weekly digest",
    )
    print(f"staff: digest arrived → «{notice['text'][:60]}…»")

    seen = {m["id"] for m in await page.chat("coordinator")}
    summary = (await page.post("/api/clock", {"moment": "2024-04-01T09:00"}))["summary"]
    print(f"clock: → {summary['clock']}: {summary['messages']} reminder messages")
    digest = await page.wait_for(
        "coordinator",
        lambda m: m["id"] not in seen and m["text"].startswith("🔔"),
        "reminder digest",
    )
    print(f"coordinator: reminder digest arrived → «{digest['text'].splitlines()[0]}…»")

    await page.write("staff", "/report")
    report = await page.wait_for(
        "staff",
        lambda m: str(m.get("document", {}).get("name", "")).endswith(".xlsx"),
        "XLSX report",
        seconds=60,
    )
    file_id = report["document"]["file_id"]
    async with page.http.get(f"{page.address}/api/file/{file_id}") as response:
        content = await response.read()
    if response.status != 200 or not content.startswith(b"PK"):
        raise SmokeError(f"staff: the report did not download ({response.status})")
    print(f"staff: /report → {report['document']['name']} downloaded, {len(content)} bytes")

    calls = (await page.get("/api/calls"))["calls"]
    failed = [c for c in calls if not c["ok"] and c["fault"] is None]
    print(f"calls: {len(calls)} Bot API calls, {len(failed)} unexpected errors")
    if failed:
        raise SmokeError(f"unexpected Bot API errors: {failed[:3]}")


async def run_smoke(address: str) -> int:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as http:
        try:
            await conversation(Page(http, address))
        except SmokeError as failure:
            print(f"smoke: FAILED: {failure}")
            return 1
    print("smoke: OK")
    return 0
