"""The demo's web page and its JSON API, served by aiohttp (already brought by aiogram).

The page is plain HTML/CSS/JS from ``bot/demo/static`` (package data, no build step, no
external assets); everything it does goes through the ``/api/`` routes below, which the smoke
run and the browser test use too.
"""

import json
from datetime import datetime
from importlib import resources
from typing import Any

from aiohttp import web

from bot.demo.runtime import Demo, DemoError

STATIC_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css"}
DEMO_KEY = web.AppKey("demo", Demo)


def build_web_app(demo: Demo) -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)
    app[DEMO_KEY] = demo
    app.router.add_get("/", _index)
    app.router.add_get("/static/{name}", _static)
    app.router.add_get("/api/state", _state)
    app.router.add_get("/api/chat/{persona}", _chat)
    app.router.add_post("/api/say", _say)
    app.router.add_post("/api/press", _press)
    app.router.add_post("/api/clock", _clock)
    app.router.add_post("/api/fault", _fault)
    app.router.add_get("/api/calls", _calls)
    app.router.add_get("/api/calls.json", _calls_export)
    app.router.add_get("/api/file/{file_id}", _file)
    return app


def _static_text(name: str) -> str | None:
    folder = resources.files("bot.demo").joinpath("static")
    item = folder.joinpath(name)
    if "/" in name or name.startswith(".") or not item.is_file():
        return None
    return item.read_text(encoding="utf-8")


async def _index(request: web.Request) -> web.StreamResponse:
    text = _static_text("index.html")
    if text is None:
        raise web.HTTPNotFound
    return web.Response(text=text, content_type="text/html", charset="utf-8")


async def _static(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    text = _static_text(name)
    suffix = name[name.rfind(".") :] if "." in name else ""
    if text is None or suffix not in STATIC_TYPES:
        raise web.HTTPNotFound
    return web.Response(text=text, content_type=STATIC_TYPES[suffix], charset="utf-8")


def _error(message: str, status: int = 400) -> web.Response:
    return web.json_response({"ok": False, "error": message}, status=status)


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise DemoError("тело запроса — не JSON") from None
    if not isinstance(body, dict):
        raise DemoError("ожидался JSON-объект")
    return body


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str):
        raise DemoError(f"не хватает поля {name}")
    return value


async def _state(request: web.Request) -> web.StreamResponse:
    return web.json_response({"ok": True, **request.app[DEMO_KEY].state()})


async def _chat(request: web.Request) -> web.StreamResponse:
    demo = request.app[DEMO_KEY]
    try:
        messages = demo.chat(request.match_info["persona"])
    except DemoError as error:
        return _error(str(error), 404)
    return web.json_response({"ok": True, "messages": messages})


async def _say(request: web.Request) -> web.StreamResponse:
    demo = request.app[DEMO_KEY]
    try:
        body = await _body(request)
        reply = await demo.say(
            _text(body, "persona"), _text(body, "text"), wait=bool(body.get("wait"))
        )
    except DemoError as error:
        return _error(str(error))
    except AssertionError:
        return _error("бот не ответил за 10 секунд", 504)
    return web.json_response({"ok": True, "reply": reply})


async def _press(request: web.Request) -> web.StreamResponse:
    demo = request.app[DEMO_KEY]
    try:
        body = await _body(request)
        message_id = body.get("message_id")
        if not isinstance(message_id, int):
            raise DemoError("не хватает поля message_id")
        toast = await demo.press(_text(body, "persona"), message_id, _text(body, "data"))
    except DemoError as error:
        return _error(str(error))
    return web.json_response({"ok": True, "toast": toast})


async def _clock(request: web.Request) -> web.StreamResponse:
    demo = request.app[DEMO_KEY]
    try:
        body = await _body(request)
        try:
            moment = datetime.fromisoformat(_text(body, "moment"))
        except ValueError:
            raise DemoError("момент пишется как 2024-03-11T09:00") from None
        summary = await demo.move_clock(moment)
    except DemoError as error:
        return _error(str(error))
    return web.json_response({"ok": True, "summary": summary})


async def _fault(request: web.Request) -> web.StreamResponse:
    demo = request.app[DEMO_KEY]
    try:
        body = await _body(request)
        faults = demo.set_fault(_text(body, "name"), bool(body.get("on")))
    except DemoError as error:
        return _error(str(error))
    return web.json_response({"ok": True, "faults": faults})


async def _calls(request: web.Request) -> web.StreamResponse:
    demo = request.app[DEMO_KEY]
    try:
        since = max(0, int(request.query.get("since", "0")))
    except ValueError:
        return _error("since — номер вызова")
    return web.json_response({"ok": True, "calls": demo.calls(since)})


async def _calls_export(request: web.Request) -> web.StreamResponse:
    calls = request.app[DEMO_KEY].calls()
    return web.Response(
        text=json.dumps(calls, ensure_ascii=False, indent=1),
        content_type="application/json",
        charset="utf-8",
        headers={"Content-Disposition": 'attachment; filename="bot-api-calls.json"'},
    )


async def _file(request: web.Request) -> web.StreamResponse:
    demo = request.app[DEMO_KEY]
    try:
        content, name, mime = demo.file(request.match_info["file_id"])
    except DemoError as error:
        return _error(str(error), 404)
    disposition = "inline" if mime.startswith("image/") or name == "file" else "attachment"
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "_")
    return web.Response(
        body=content,
        content_type=mime,
        headers={"Content-Disposition": f'{disposition}; filename="{ascii_name}"'},
    )
