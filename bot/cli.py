"""The `roadmap-bot` command line."""

import argparse
import os
import sys
from collections.abc import Sequence

from bot.commands import demo, faq, plans, reminders, report, runtime


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="roadmap-bot", description="Keeps a ГИА roadmap («дорожная карта») on schedule."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo.register(commands)
    plans.register(commands)
    runtime.register(commands)
    faq.register(commands)
    report.register(commands)
    reminders.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        exit_code: int = args.handler(args)
    except BrokenPipeError:
        # `roadmap-bot preview … | head`: the reader left; stop quietly like other tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return exit_code
