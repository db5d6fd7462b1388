"""The `roadmap-bot` command line."""

import argparse
from collections.abc import Sequence

from bot.commands import plans, runtime


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="roadmap-bot", description="Keeps a ГИА roadmap («дорожная карта») on schedule."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    plans.register(commands)
    runtime.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    exit_code: int = args.handler(args)
    return exit_code
