"""`roadmap-bot demo`: start everything on 127.0.0.1, serve the page, or run the smoke script."""

import asyncio
import contextlib
import logging
import signal
import sys
import tempfile
import webbrowser
from pathlib import Path

from aiohttp import web

from bot.demo.runtime import Demo
from bot.demo.smoke import run_smoke
from bot.demo.web import build_web_app

logger = logging.getLogger(__name__)


async def serve(host: str, port: int, *, open_browser: bool, smoke: bool) -> int:
    with tempfile.TemporaryDirectory(prefix="roadmap-bot-demo-") as folder:
        demo = Demo(Path(folder))
        runner: web.AppRunner | None = None
        try:
            await demo.start()
            runner = web.AppRunner(build_web_app(demo), access_log=None, handle_signals=False)
            await runner.setup()
            try:
                await web.TCPSite(runner, host, port).start()
            except OSError as error:
                print(
                    f"demo: cannot listen on {host}:{port} ({error.strerror}); "
                    "choose another with --port",
                    file=sys.stderr,
                )
                return 1
            bound = runner.addresses[0][1]
            address = f"http://{host}:{bound}"
            print(f"Демо открыто: {address}  (Ctrl-C — остановить)", flush=True)
            if smoke:
                return await run_smoke(address)
            if open_browser:
                webbrowser.open(address)
            await _until_stopped()
            return 0
        finally:
            if runner is not None:
                await runner.cleanup()
            await demo.stop()


async def _until_stopped() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # Windows has no signal handlers
            loop.add_signal_handler(signum, stop.set)
    await stop.wait()


def run_demo(host: str, port: int, *, open_browser: bool, smoke: bool) -> int:
    # The bot's own INFO lines (plan sync, ticks) would drown the address the user needs.
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return asyncio.run(serve(host, port, open_browser=open_browser, smoke=smoke))
    except KeyboardInterrupt:
        return 0
