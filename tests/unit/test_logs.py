"""LOG_FORMAT=json: one JSON object per line, with the exception when there is one."""

import json
import logging
import sys

from bot.logs import JsonFormatter


def test_a_json_line_carries_level_logger_message_and_exception() -> None:
    try:
        raise ValueError("bad plan")
    except ValueError:
        record = logging.LogRecord(
            "bot.app", logging.ERROR, __file__, 1, "plan %s: «%s»", ("x", "ошибка"), None
        )
        record.exc_info = sys.exc_info()
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert entry["level"] == "ERROR"
    assert entry["logger"] == "bot.app"
    assert entry["message"] == "plan x: «ошибка»"
    assert "ValueError: bad plan" in entry["exception"]
    assert entry["time"].endswith("+00:00")
    assert "\n" not in line
