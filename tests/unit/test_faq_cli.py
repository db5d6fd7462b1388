"""`roadmap-bot faq`: the stable JSON lines, the human-readable form, hotline facts from a plan."""

import argparse
import io
import json
from pathlib import Path

import pytest

from bot.commands import faq as faq_command

JSON_KEYS = ["id", "question", "answer", "confidence", "top3", "to_operator", "clarify"]
PLAN_WITH_HOTLINE = """\
id: test-plan
title: План
hotline:
  phone: 8 (3852) 00-00-00
  hours: пн–пт 9:00–18:00
"""


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="roadmap-bot")
    faq_command.register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(["faq", *argv])


def run(argv: list[str], monkeypatch: pytest.MonkeyPatch, stdin: str = "") -> tuple[int, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    out = io.StringIO()
    args = parse(argv)
    code: int = args.handler(args, out)
    return code, out.getvalue()


def test_json_lines_from_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    questions = "а если я заболел в день экзамена?\nпривет\nкак поступить в автошколу\n"
    code, output = run(["--json", "-"], monkeypatch, questions)
    assert code == 0
    lines = [json.loads(line) for line in output.splitlines()]
    assert [list(line) for line in lines] == [JSON_KEYS] * 3

    answered, greeting, unrelated = lines
    assert answered["id"] == "illness-exam-day"
    assert answered["question"] == "Что делать, если заболел в день экзамена?"
    assert "справк" in answered["answer"]
    assert answered["to_operator"] is False
    assert answered["top3"][0] == "illness-exam-day"
    assert len(answered["top3"]) == 3
    assert 0.5 <= answered["confidence"] <= 1.0

    assert greeting == {
        "id": None,
        "question": None,
        "answer": None,
        "confidence": 0.0,
        "top3": [],
        "to_operator": True,
        "clarify": None,
    }
    assert unrelated["to_operator"] is True
    assert unrelated["answer"] is None
    assert unrelated["id"] == unrelated["top3"][0]


def test_answers_use_the_plans_hotline_facts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN_WITH_HOTLINE, encoding="utf-8")
    question = "телефон горячей линии по экзаменам"
    _, without = run(["--json", question], monkeypatch)
    _, with_plan = run(["--json", "--plan", str(plan), question], monkeypatch)
    assert "8 (3852) 00-00-00" in json.loads(with_plan)["answer"]
    assert "8 (3852) 00-00-00" not in json.loads(without)["answer"]
    assert "уточните номер там" in json.loads(without)["answer"]


def test_human_readable_output(monkeypatch: pytest.MonkeyPatch) -> None:
    code, output = run(["можно ли взять телефон на ЕГЭ"], monkeypatch)
    assert code == 0
    assert output.startswith("? можно ли взять телефон на ЕГЭ\n  → phone-at-exam")
    assert "source: Порядок ГИА-11" in output
    _, complaint = run(["прошу принять меры, в ППЭ хамят"], monkeypatch)
    assert "note: Горячая линия" in complaint
    _, greeting = run(["добрый день!"], monkeypatch)
    assert greeting == "? добрый день!\n  → operator (confidence 0.00; closest: nothing)\n"


def test_a_broken_faq_file_is_an_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "faq.yaml"
    broken.write_text("version: 1\nentries: []\n", encoding="utf-8")
    code, output = run(["--faq", str(broken), "вопрос"], monkeypatch)
    assert code == 2
    assert output == ""
    assert f"error: {broken}" in capsys.readouterr().err
