"""The running demo: the local Bot API server, the real bot polling it, and what the page asks.

Everything listens on 127.0.0.1. The bot is built by :func:`bot.app.build_application` exactly as
``roadmap-bot run`` builds it; only its settings (a temporary SQLite database, the demo
directory, the local Bot API address) and its clock (:class:`~bot.demo.world.DemoClock`) differ.
"""

import asyncio
import collections
import contextlib
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.app import Application, StartupReport, build_application
from bot.config import Settings
from bot.demo.world import (
    ALTAI,
    DESK_CHAT,
    OFFICIAL_UNIT,
    PERSONAS,
    PLAN_TIMEZONE,
    START,
    DemoClock,
    Persona,
    write_directory,
)
from bot.fakeapi import FakeTelegramServer, RecordedCall, UploadedFile
from bot.resources import shipped
from bot.services.invitations import create_invitation
from bot.services.types import Role
from bot.services.units import find_unit

logger = logging.getLogger(__name__)

BOT_USERNAME = "roadmap_demo_bot"
REPLY_TIMEOUT = 10.0
SEND_METHODS = (
    "sendMessage",
    "editMessageText",
    "sendDocument",
    "sendPhoto",
    "answerCallbackQuery",
    "copyMessage",
    "forwardMessage",
)
NEW_MESSAGE_PREFIXES = ("send", "copy", "forward")
FAULTS: dict[str, str] = {
    "storm429": "Шторм 429: Telegram просит подождать",
    "blocked403": "Родитель заблокировал бота (403)",
    "error5xx": "Сбой Telegram (502 Bad Gateway)",
    "slow": "Медленный API (+2 с на каждый вызов)",
}
LIMITS = {"overall_per_second": 30, "private_per_second": 1, "group_per_minute": 20}


class DemoError(Exception):
    """A request the page made that cannot be done; the message is shown to the user."""


@dataclass(slots=True)
class _Stamped:
    call: RecordedCall
    real: float
    """time.monotonic() when the demo first saw the call."""
    clock: datetime


@dataclass(slots=True)
class Demo:
    folder: Path
    tick_seconds: int = 5
    server: FakeTelegramServer = field(init=False)
    clock: DemoClock = field(init=False)
    app: Application | None = None
    faults: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(FAULTS, False))
    _stamped: list[_Stamped] = field(default_factory=list)
    _pushed: int = 0
    _polling: asyncio.Task[None] | None = None
    _sampler: asyncio.Task[None] | None = None
    report: StartupReport | None = None

    def __post_init__(self) -> None:
        self.clock = DemoClock(START)
        self.server = FakeTelegramServer(
            bot_username=BOT_USERNAME,
            bot_first_name="Дорожная карта ГИА",
            clock=self.clock.timestamp,
            enforce_limits=True,
        )

    # Lifecycle ------------------------------------------------------------------------------
    async def start(self) -> None:
        await self.server.start()
        self.server.add_chat(DESK_CHAT)
        # The admin has written to the bot before (as in real life), so the start-up report of
        # plan warnings reaches them instead of failing with «chat not found».
        admin = self.persona("admin").user
        self.server.add_chat({"id": admin.id, "type": "private", "first_name": admin.first_name})
        settings = Settings(
            bot_token=self.server.token,
            database_url=f"sqlite+aiosqlite:///{self.folder / 'demo.sqlite3'}",
            plan_paths=[shipped("plans", "*.yaml")],
            units_paths=write_directory(self.folder),
            faq_paths=[shipped("faq", "*.yaml")],
            admin_ids=frozenset({self.persona("admin").user.id}),
            telegram_api_base=self.server.base_url,
            hotline_chat_id=int(DESK_CHAT["id"]),
            hotline_plan=ALTAI,
            hotline_timezone=str(PLAN_TIMEZONE),
            tick_seconds=self.tick_seconds,
            migrate_on_start=True,
            _env_file=None,
        )
        self.app = build_application(settings, self.clock)
        self.report = await self.app.prepare()
        self._polling = asyncio.create_task(self.app.poll(self.report, handle_signals=False))
        self._sampler = asyncio.create_task(self._sample_calls())
        await self.server.wait_until_polled(timeout=REPLY_TIMEOUT)
        await self._onboard()

    async def stop(self) -> None:
        if self._sampler is not None:
            self._sampler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sampler
        if self.app is not None:
            if self._polling is not None:
                with contextlib.suppress(RuntimeError):  # polling already stopped
                    await self.app.dispatcher.stop_polling()
                await self._polling
            await self.app.close()
        await self.server.stop()

    async def _onboard(self) -> None:
        """Staff, the official and the operator join by invitation, as real people would;
        the coordinator is left for the admin to invite from the page."""
        await self.say("admin", "/start", wait=True)
        await self.say("staff", "/start " + await self._invitation(Role.STAFF), wait=True)
        await self.say("official", "/start " + await self._invitation(Role.MEMBER), wait=True)
        operator = self.persona("desk").user
        token = await self._invitation(Role.OPERATOR)
        since = len(self.server.calls)
        self.server.send_text(operator, f"/start {token}")
        await self._wait_reply(operator.id, since)

    async def _invitation(self, role: Role) -> str:
        app = self._app()
        async with app.sessions() as session:
            unit_id = None
            if role is Role.MEMBER:
                unit_id = (await find_unit(session, ALTAI, OFFICIAL_UNIT)).id
            token, _info = await create_invitation(
                session,
                role,
                unit_id,
                created_by=self.persona("admin").user.id,
                now=self.clock.now(),
                ttl=app.settings.invitation_ttl,
            )
        return token

    def _app(self) -> Application:
        if self.app is None:
            raise DemoError("демо ещё не запущено")
        return self.app

    # What personas do ---------------------------------------------------------------------------
    @staticmethod
    def persona(key: str) -> Persona:
        for persona in PERSONAS:
            if persona.key == key:
                return persona
        raise DemoError(f"нет такого собеседника: {key}")

    async def say(self, key: str, text: str, *, wait: bool = False) -> dict[str, Any] | None:
        """The persona writes ``text``; with ``wait``, returns the bot's first answer there."""
        persona = self.persona(key)
        text = text.strip()
        if not text:
            raise DemoError("пустое сообщение")
        if len(text) > 4096:
            raise DemoError("Telegram не пропускает сообщения длиннее 4096 символов")
        since = len(self.server.calls)
        self.server.send_text(persona.user, text, persona.chat)
        self._pushed += 1
        if not wait:
            return None
        return await self._wait_reply(persona.chat_id, since)

    async def _wait_reply(self, chat_id: int, since: int) -> dict[str, Any]:
        call = await self.server.wait_for_call(
            "sendMessage",
            lambda c: c.chat_id == chat_id and c.ok,
            timeout=REPLY_TIMEOUT,
            since=since,
        )
        result: dict[str, Any] = call.result
        return result

    async def press(self, key: str, message_id: int, data: str) -> dict[str, Any]:
        """The persona taps an inline button; returns the toast (answerCallbackQuery)."""
        persona = self.persona(key)
        message = next(
            (m for m in self.server.history(persona.chat_id) if m["message_id"] == message_id),
            None,
        )
        if message is None:
            raise DemoError("этого сообщения уже нет")
        since = len(self.server.calls)
        try:
            self.server.press_button(persona.user, message, data)
        except AssertionError:
            raise DemoError("у сообщения больше нет такой кнопки") from None
        self._pushed += 1
        try:
            answer = await self.server.wait_for_call(
                "answerCallbackQuery", timeout=REPLY_TIMEOUT, since=since
            )
        except AssertionError:
            return {"text": None, "show_alert": False, "answered": False}
        return {
            "text": answer.params.get("text"),
            "show_alert": bool(answer.params.get("show_alert")),
            "answered": answer.ok,
        }

    async def move_clock(self, moment: datetime) -> dict[str, Any]:
        """Move the bot's clock forward and run what its scheduler would have run by then."""
        app = self._app()
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=PLAN_TIMEZONE)
        if moment < self.clock.now():
            raise DemoError("часы идут только вперёд: выберите момент позже текущего")
        self.clock.set(moment)
        await app.reschedule()
        control = await app.control_tick()
        if app.settings.hotline_chat_id is not None:
            await app.hotline_tick()
        tick = await app.tick()
        return {
            "clock": self.clock_label(),
            "released": tick.released,
            "messages": tick.messages,
            "reminders": tick.delivered,
            "retried": tick.retried,
            "failed": tick.failed,
            "escalated": control.escalated,
            "digests": control.digests,
        }

    def set_fault(self, name: str, on: bool) -> dict[str, bool]:
        if name not in FAULTS:
            raise DemoError(f"нет такого сбоя: {name}")
        self.faults[name] = on
        self._apply_faults()
        return dict(self.faults)

    def _apply_faults(self) -> None:
        """Rebuild the server's fault rules from the switches (a rule list has no 'remove')."""
        server = self.server
        server.clear_faults()
        for method in SEND_METHODS:
            if self.faults["storm429"]:
                server.fail(method, 429, retry_after=2, times=None)
            if self.faults["error5xx"]:
                server.fail(method, 502, times=None)
        if self.faults["slow"]:
            for method in SEND_METHODS:
                server.delay(method, 2.0, times=None)
        parent = self.persona("parent").user.id
        if self.faults["blocked403"]:
            server.block_user(parent)
        else:
            server.unblock_user(parent)

    # What the page shows ------------------------------------------------------------------------
    def clock_label(self) -> str:
        return self.clock.now().astimezone(PLAN_TIMEZONE).strftime("%d.%m.%Y %H:%M")

    def chat(self, key: str) -> list[dict[str, Any]]:
        persona = self.persona(key)
        return [self._message(m) for m in self.server.history(persona.chat_id)]

    def _message(self, message: dict[str, Any]) -> dict[str, Any]:
        sender = message.get("from", {})
        moment = datetime.fromtimestamp(int(message.get("date", 0)), PLAN_TIMEZONE)
        shown: dict[str, Any] = {
            "id": message["message_id"],
            "from_bot": bool(sender.get("is_bot")),
            "sender": " ".join(
                part for part in (sender.get("first_name"), sender.get("last_name")) if part
            ),
            "time": moment.strftime("%d.%m %H:%M"),
            "edited": "edit_date" in message,
            "text": message.get("text", message.get("caption", "")),
            "entities": message.get("entities", message.get("caption_entities", [])),
            "keyboard": message.get("reply_markup", {}).get("inline_keyboard", []),
        }
        if "document" in message:
            document = message["document"]
            shown["document"] = {
                "file_id": document["file_id"],
                "name": document.get("file_name", "file"),
                "size": document.get("file_size", 0),
            }
        if message.get("photo"):
            shown["photo"] = {"file_id": message["photo"][-1]["file_id"]}
        return shown

    def file(self, file_id: str) -> tuple[bytes, str, str]:
        stored = self.server.stored_file(file_id)
        if stored is None:
            raise DemoError("нет такого файла")
        content, name, mime = stored
        return content, name or "file", mime or "application/octet-stream"

    async def _sample_calls(self) -> None:
        """Stamp each Bot API call with the moment it was seen, for the meter and the log."""
        while True:
            self._stamp()
            await asyncio.sleep(0.1)

    def _stamp(self) -> None:
        now, moment = time.monotonic(), self.clock.now()
        for call in self.server.calls[len(self._stamped) :]:
            self._stamped.append(_Stamped(call, now, moment))

    def calls(self, since: int = 0) -> list[dict[str, Any]]:
        self._stamp()
        return [
            _call_entry(index, stamped)
            for index, stamped in enumerate(self._stamped[since:], start=since)
        ]

    def meter(self) -> dict[str, Any]:
        """New messages per second against Telegram's limits, and the 429s it answered."""
        self._stamp()
        now = time.monotonic()
        last_second: collections.Counter[int] = collections.Counter()
        group_minute: collections.Counter[int] = collections.Counter()
        for stamped in reversed(self._stamped):
            if stamped.real < now - 60:
                break
            call = stamped.call
            if not call.method.startswith(NEW_MESSAGE_PREFIXES) or not call.ok:
                continue
            chat = call.chat_id or 0
            if chat < 0:
                group_minute[chat] += 1
            if stamped.real >= now - 1:
                last_second[chat] += 1
        private = [n for chat, n in last_second.items() if chat > 0]
        return {
            "overall_per_second": sum(last_second.values()),
            "private_per_second": max(private, default=0),
            "group_per_minute": max(group_minute.values(), default=0),
            "limits": LIMITS,
            "refused_429": sum(1 for s in self._stamped if s.call.status == 429),
        }

    def state(self) -> dict[str, Any]:
        self._stamp()
        return {
            "clock": self.clock_label(),
            "timezone": str(PLAN_TIMEZONE),
            "bot_username": BOT_USERNAME,
            "version": f"{len(self._stamped)}:{self._pushed}",
            "personas": [
                {
                    "key": p.key,
                    "title": p.title,
                    "subtitle": p.subtitle,
                    "group": p.group,
                    "messages": len(self.server.history(p.chat_id)),
                }
                for p in PERSONAS
            ],
            "faults": [
                {"name": name, "label": label, "on": self.faults[name]}
                for name, label in FAULTS.items()
            ],
            "meter": self.meter(),
            "calls": len(self._stamped),
            "problems": list(self.report.problems) if self.report else [],
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, UploadedFile):
        return {"file": value.filename, "bytes": len(value.content), "type": value.content_type}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return repr(value)


def _call_entry(index: int, stamped: _Stamped) -> dict[str, Any]:
    call = stamped.call
    return {
        "n": index,
        "method": call.method,
        "chat_id": call.chat_id,
        "status": call.status,
        "ok": call.ok,
        "description": call.description,
        "fault": call.fault,
        "delayed": call.delayed,
        "clock": stamped.clock.astimezone(PLAN_TIMEZONE).strftime("%d.%m.%Y %H:%M:%S"),
        "params": _jsonable(call.params),
        "result": _jsonable(call.result),
    }
