"""The command line: every command listed, every argument described, heavy modules not loaded
for the light commands."""

import argparse
import subprocess
import sys

import pytest

from bot.cli import COMMANDS, build_parser, main


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    found: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found[name] = sub
                found.update({f"{name} {k}": v for k, v in subcommands(sub).items()})
    return found


def test_the_table_lists_exactly_the_registered_commands() -> None:
    parser = build_parser()
    registered = {
        action.dest: action.help
        for action in parser._subparsers._group_actions[0]._choices_actions  # type: ignore[union-attr]
    }
    assert registered == {name: help_text for name, (_module, help_text) in COMMANDS.items()}


def test_every_argument_of_every_command_is_described() -> None:
    undescribed = [
        f"{name}: {action.dest}"
        for name, sub in subcommands(build_parser()).items()
        for action in sub._actions
        if not isinstance(action, argparse._HelpAction | argparse._SubParsersAction)
        and not action.help
    ]
    assert undescribed == []


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.startswith("roadmap-bot 0.")


@pytest.mark.parametrize("argv", [["terms", "до 1 марта"], ["check", "--help"], ["faq", "--help"]])
def test_light_commands_do_not_load_aiogram_or_sqlalchemy(argv: list[str]) -> None:
    code = (
        "import sys\nfrom bot.cli import build_parser\n"
        f"build_parser({argv!r})\n"
        "print(sorted(m for m in ('aiogram', 'sqlalchemy', 'matplotlib') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"
