"""The `roadmap-bot` command line.

Only the module of the command being run is imported: aiogram, SQLAlchemy and matplotlib take
seconds to load, and `terms`, `check`, `faq` and `--help` need none of them. The other commands
appear in `--help` through the table below, without their modules.
"""

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from importlib import metadata

COMMANDS: dict[str, tuple[str, str]] = {
    "demo": (
        "bot.commands.demo",
        "try the bot in a browser: local Bot API, the real bot, a chat page (127.0.0.1)",
    ),
    "check": ("bot.commands.plans", "validate plan files and list what was derived"),
    "terms": ("bot.commands.plans", "show how a term text is parsed"),
    "preview": ("bot.commands.plans", "the reminder timeline a plan would produce"),
    "run": ("bot.commands.runtime", "start the bot (long polling)"),
    "db": ("bot.commands.runtime", "database migrations"),
    "sync": ("bot.commands.runtime", "load the plan and directory files into the database"),
    "invite": ("bot.commands.runtime", "create a single-use invitation link"),
    "units": ("bot.commands.runtime", "list or register units (schools, municipalities)"),
    "faq": ("bot.commands.faq", "answer a question from the hotline FAQ"),
    "report": (
        "bot.commands.report",
        "write the control report: XLSX, and optionally CSV and a PNG chart",
    ),
    "tick": ("bot.commands.reminders", "send the reminders due now (one tick) and exit"),
    "setdate": ("bot.commands.reminders", "set the date of an external term"),
}


def _version() -> str:
    try:
        return metadata.version("roadmap-bot")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def _chosen(argv: Sequence[str]) -> str | None:
    """The sub-command named in argv (the first word that is not an option), if any."""
    return next((word for word in argv if not word.startswith("-")), None)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser; with ``argv``, only the chosen command's module is imported (None: all)."""
    parser = argparse.ArgumentParser(
        prog="roadmap-bot", description="Keeps a ГИА roadmap («дорожная карта») on schedule."
    )
    parser.add_argument("--version", action="version", version=f"roadmap-bot {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    chosen = None if argv is None else _chosen(argv)
    modules = sorted({module for module, _help in COMMANDS.values()})
    if argv is not None:
        modules = [COMMANDS[chosen][0]] if chosen in COMMANDS else []
    loaded: set[str] = set()
    for module in modules:
        importlib.import_module(module).register(commands)
        loaded.add(module)
    for name, (module, help_text) in COMMANDS.items():
        if module not in loaded:
            # Listed in --help; never run: the module is loaded when the command is chosen.
            commands.add_parser(name, help=help_text, add_help=False)
    return parser


LEAN_COMMANDS = frozenset({"run", "tick", "sync", "invite", "units", "setdate", "db", "demo"})
"""Commands whose process imports aiogram: its types' validators are built when first used
(bot/lean.py), so a bot replica or a tick stays small."""


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    if _chosen(words) in LEAN_COMMANDS:
        from bot.lean import import_aiogram_lean  # noqa: PLC0415  (pydantic: only these need it)

        import_aiogram_lean()
    args = build_parser(words).parse_args(words)
    try:
        exit_code: int = args.handler(args)
    except BrokenPipeError:
        # `roadmap-bot preview … | head`: the reader left; stop quietly like other tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return exit_code
