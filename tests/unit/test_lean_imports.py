"""Lean processes: a tick or an idle bot imports no spreadsheet, chart or morphology library,
and aiogram's types are built when first used (bot/lean.py) yet validate as before."""

import json
import subprocess
import sys

HEAVY = ("openpyxl", "xlsxwriter", "matplotlib", "pymorphy3", "natasha", "navec", "numpy")

PROBE = """
import json, re, sys
lean = sys.argv[1] == "lean"
if lean:
    from bot.lean import import_aiogram_lean
    import_aiogram_lean()
import aiogram
rss = int(re.search(r"VmRSS:\\s+(\\d+)", open("/proc/self/status").read()).group(1)) // 1024
import bot.commands.reminders, bot.commands.runtime, bot.app
from aiogram.methods import AnswerCallbackQuery, SendMessage
from aiogram.types import Message, Update
update = Update.model_validate({
    "update_id": 1,
    "callback_query": {
        "id": "7", "chat_instance": "x", "data": "a:1",
        "from": {"id": 5, "is_bot": False, "first_name": "Ирина"},
        "message": {"message_id": 3, "date": 0, "chat": {"id": 5, "type": "private"},
                    "text": "готово?"},
    },
})
sent = Message.model_validate({"message_id": 4, "date": 0, "chat": {"id": 5, "type": "private"},
                               "text": "ok", "reply_markup": {"inline_keyboard": [[
                                   {"text": "✅", "callback_data": "a:1"}]]}})
method = SendMessage(chat_id=5, text="x", reply_markup=sent.reply_markup)
from aiogram.methods.base import Response
polled = Response[list[Update]].model_validate({"ok": True, "result": [{
    "update_id": 2, "message": {"message_id": 5, "date": 0, "chat": {"id": 6, "type": "private"},
                                "text": "/start"}}]})
assert polled.result[0].message.text == "/start"
answer = AnswerCallbackQuery(callback_query_id=update.callback_query.id, text="ok")
heavy = [name for name in sys.argv[2].split(",") if name in sys.modules]
print(json.dumps({"rss": rss, "heavy": heavy, "user": update.callback_query.from_user.first_name,
                  "chat": update.callback_query.message.chat.id,
                  "button": method.reply_markup.inline_keyboard[0][0].callback_data,
                  "answer": answer.model_dump()["text"]}))
"""


def _probe(mode: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, mode, ",".join(HEAVY)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_deferred_types_validate_like_eager_ones_for_much_less_memory() -> None:
    lean, eager = _probe("lean"), _probe("eager")
    for result in (lean, eager):
        assert result["heavy"] == []
        assert result["user"] == "Ирина"
        assert result["chat"] == 5
        assert result["button"] == "a:1"
        assert result["answer"] == "ok"
    assert isinstance(lean["rss"], int) and isinstance(eager["rss"], int)
    # Measured here: lean 59 MB (72 with a namespace copy per type), eager 165 MB after `import
    # aiogram`.
    assert lean["rss"] < eager["rss"] - 50, (lean["rss"], eager["rss"])


SENDING_NEEDS_NONE_OF = (
    *HEAVY,
    "pymorphy2",
    "bot.faq.matcher",
    "bot.faq.vectors",
    "handlers",
    "bot.app",
    "apscheduler",
    "alembic",
)


def test_the_sender_imports_only_what_sending_needs() -> None:
    """bench/scale.py's senders and `roadmap-bot tick` build a Sender (bot/sender.py): neither
    the FAQ's morphology and vectors, the reports' libraries, the handlers nor the bot's
    scheduler come with it."""
    probe = (
        "import sys\n"
        "from bot.lean import import_aiogram_lean\n"
        "import_aiogram_lean()\n"
        "import bot.sender\n"
        "print(','.join(m for m in sys.argv[1].split(',') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, ",".join(SENDING_NEEDS_NONE_OF)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert done.stdout.strip() == ""
