"""The floors of README «Architecture», checked on the source: a rule that needs a messenger,
or storage that needs a service, fails here rather than in a MAX deployment."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

DOMAIN = [
    "bot/terms.py",
    "bot/domain",
    "bot/plan",
    "bot/faq",
    "bot/reminders/policy.py",
    "bot/reminders/calendar.py",
    "bot/reminders/ratelimit.py",
    "bot/reports/rows.py",
]
"""Pure rules: no messenger, no HTTP client, no handler, no transport, no sender."""

MESSENGER = ("aiogram", "aiohttp", "handlers", "bot.transport", "bot.delivery", "bot.app")

NEUTRAL = ["bot/transport/port.py", "bot/delivery/tick.py", "bot/screens"]
"""The port, the sender and the screens serve every messenger: none of them may import one
(only gettext's context comes from aiogram's I18n), nor the Telegram transport."""

NEUTRAL_ALLOWED = ("aiogram.utils.i18n",)


def _files(entry: str) -> list[Path]:
    path = ROOT / entry
    return sorted(path.rglob("*.py")) if path.is_dir() else [path]


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
    return found


def _under(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


def _violations(
    entries: list[str], forbidden: tuple[str, ...], allowed: tuple[str, ...] = ()
) -> list[str]:
    return [
        f"{path.relative_to(ROOT)} imports {module}"
        for entry in entries
        for path in _files(entry)
        for module in _imports(path)
        if _under(module, forbidden) and not _under(module, allowed)
    ]


def test_the_rules_import_no_messenger_no_handler_and_no_transport() -> None:
    assert _violations(DOMAIN, MESSENGER) == []


ABOVE_THE_RULES = ("storage", "sqlalchemy", "bot.services", "bot.screens", "bot.control")


def _runtime_imports(path: Path) -> list[str]:
    """What importing `path` imports (`if TYPE_CHECKING:` blocks left out); for
    `from a import b` both `a` and `a.b`, since `b` may be a module."""
    found: list[str] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for other in child.orelse:
                    visit_one(other)
                continue
            visit_one(child)

    def visit_one(node: ast.AST) -> None:
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
            found.extend(f"{node.module}.{alias.name}" for alias in node.names)
        visit(node)

    visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
    return found


def _source_of(module: str, root: Path = ROOT) -> Path | None:
    parts = module.split(".")
    for candidate in (
        root.joinpath(*parts).with_suffix(".py"),
        root.joinpath(*parts, "__init__.py"),
    ):
        if candidate.is_file():
            return candidate
    return None


def _reached(start: Path, root: Path = ROOT) -> dict[str, Path]:
    """Every module importing `start` loads, through the project's own modules: module → the
    file that imports it."""
    reached: dict[str, Path] = {}
    todo, seen = [start], {start}
    while todo:
        path = todo.pop()
        for module in _runtime_imports(path):
            reached.setdefault(module, path)
            source = _source_of(module, root)
            if source is not None and source not in seen:
                seen.add(source)
                todo.append(source)
    return reached


def test_the_rules_reach_no_messenger_and_nothing_above_them_when_imported() -> None:
    """Not only their own imports: what those load too (report rows once reached aiogram and
    the services through the report's labels and the services' row type)."""
    forbidden = (*MESSENGER, *ABOVE_THE_RULES)
    found = [
        f"{path.relative_to(ROOT)} loads {module} (imported by {by.relative_to(ROOT)})"
        for entry in DOMAIN
        for path in _files(entry)
        for module, by in _reached(path).items()
        if _under(module, forbidden)
    ]
    assert found == []


def test_the_transitive_check_follows_the_projects_modules(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "rule.py").write_text(
        "from typing import TYPE_CHECKING\nfrom pkg import words\n"
        "if TYPE_CHECKING:\n    import handlers.typing_only\n"
    )
    (tmp_path / "pkg" / "words.py").write_text("from aiogram.utils.i18n import gettext\n")
    reached = _reached(tmp_path / "pkg" / "rule.py", tmp_path)
    assert reached["aiogram.utils.i18n"] == tmp_path / "pkg" / "words.py"
    assert "handlers.typing_only" not in reached


def test_the_sender_and_the_port_speak_to_no_messenger() -> None:
    speaking = ("aiogram", "aiohttp", "handlers", "bot.transport.telegram", "bot.app")
    assert _violations(NEUTRAL, speaking, NEUTRAL_ALLOWED) == []


def test_storage_imports_nothing_above_it() -> None:
    above = ("bot.services", "bot.reports", "bot.control", *MESSENGER)
    assert _violations(["storage"], above) == []


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    """The scan is not vacuous: a rule importing aiogram is found, an i18n import allowed."""
    rule = tmp_path / "rule.py"
    rule.write_text("from aiogram.types import Message\nimport bot.transport.port\n")
    assert _imports(rule) == ["aiogram.types", "bot.transport.port"]
    assert _under("aiogram.types", MESSENGER) and _under("bot.transport.port", MESSENGER)
    assert not _under("aiogramx", ("aiogram",))
    assert _under("aiogram.utils.i18n", NEUTRAL_ALLOWED)


@pytest.mark.parametrize("entry", DOMAIN + NEUTRAL + ["storage"])
def test_every_listed_floor_exists(entry: str) -> None:
    assert _files(entry) and all(path.exists() for path in _files(entry))
