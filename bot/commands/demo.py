"""`roadmap-bot demo`: try the bot in a browser, offline, with no Telegram token."""

import argparse


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    demo = commands.add_parser(
        "demo",
        help="try the bot in a browser: local Bot API, the real bot, a chat page (127.0.0.1)",
        description=(
            "Starts, on 127.0.0.1 only, a local Telegram Bot API server, the real bot polling "
            "it on a temporary SQLite database with both seed plans and a demo directory, and "
            "a Telegram-like web page with personas, a movable clock and fault switches."
        ),
    )
    demo.add_argument(
        "--port", type=int, default=8080, help="the page's port (default 8080; 0: any free one)"
    )
    demo.add_argument(
        "--host",
        default="127.0.0.1",
        choices=["127.0.0.1", "localhost"],
        help="the page's address; loopback only, the demo has no authentication",
    )
    demo.add_argument("--open", action="store_true", help="open the page in the default browser")
    demo.add_argument(
        "--smoke",
        action="store_true",
        help="run one scripted conversation through the page's API, print it, exit 0 if it worked",
    )
    demo.set_defaults(handler=demo_command)


def demo_command(args: argparse.Namespace) -> int:
    from bot.demo.main import run_demo  # noqa: PLC0415 - aiogram and the bot load only here

    if not 0 <= args.port <= 65535:
        print(f"error: --port {args.port} is not a port (0-65535)")
        return 2
    return run_demo(args.host, args.port, open_browser=args.open, smoke=args.smoke)
