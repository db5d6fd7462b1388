"""Build ``bot_api_schema.json`` for the fake Telegram server (a dev script, not a test).

Reads the machine-readable Bot API description (``api.json`` from
github.com/PaulSonOfLars/telegram-bot-api-spec, kept in ``../shared/telegram-bot-api/``)
and writes a compact schema next to this file. The output is committed: nothing at
test time reads ``../shared``.

Usage (from the repository root)::

    .venv/bin/python bot/fakeapi/build_schema.py ../shared/telegram-bot-api/api.json

What the output holds (descriptions are dropped):

* ``methods``: for every Bot API method, ``returns`` (type strings) and ``params``:
  ``{name: {"types": [...], "required": bool, ...}}``.
* ``types``: every type reachable from method parameters (transitively through fields
  and subtypes), with ``fields`` in the same shape or ``subtypes`` for abstract types
  such as ``BotCommandScope``.
* Optional per-field keys extracted from the descriptions:
  ``len`` = ``[min, max, "chars" | "bytes"]`` for documented length limits,
  ``parsed`` = true when the limit applies after entity parsing,
  ``const`` = the fixed value of a discriminator field (``BotCommandScopeChat.type`` is
  ``"chat"``), ``enum`` = the documented values of such a field (``MessageEntity.type``).
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

OUTPUT = Path(__file__).with_name("bot_api_schema.json")

_PRIMITIVES = frozenset({"Integer", "String", "Boolean", "Float", "True"})
_LEN_RE = re.compile(r"(\d+)-(\d+) (characters|bytes)")
_PARSED_RE = re.compile(r"after entit(?:y|ies) parsing")
_CONST_RE = re.compile(r"(?:must be|always) [\"“]?([a-z0-9_]+)[\"”]?")
_ENUM_RE = re.compile(r"\b(?:can be|one of)\b(.*)", re.DOTALL)
_QUOTED_RE = re.compile(r"[\"“]([a-z0-9_]+)[\"”]")
_DISCRIMINATORS = frozenset({"type", "source", "status"})


def _base_type(type_name: str) -> str:
    while type_name.startswith("Array of "):
        type_name = type_name.removeprefix("Array of ")
    return type_name


def _compact_field(field: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"types": list(field["types"]), "required": bool(field["required"])}
    description: str = field.get("description", "")
    if field["types"] == ["String"]:
        if match := _LEN_RE.search(description):
            unit = "chars" if match.group(3) == "characters" else "bytes"
            out["len"] = [int(match.group(1)), int(match.group(2)), unit]
            if _PARSED_RE.search(description):
                out["parsed"] = True
        if field["name"] in _DISCRIMINATORS and (match := _CONST_RE.search(description)):
            out["const"] = match.group(1)
        elif (
            field["name"] in _DISCRIMINATORS
            and (match := _ENUM_RE.search(description))
            and (values := _QUOTED_RE.findall(match.group(1)))
        ):
            out["enum"] = values
    return out


def build(spec: dict[str, Any]) -> dict[str, Any]:
    methods: dict[str, Any] = {}
    pending: list[str] = []
    for name in sorted(spec["methods"]):
        method = spec["methods"][name]
        params = {f["name"]: _compact_field(f) for f in method.get("fields", [])}
        methods[name] = {"returns": list(method.get("returns", [])), "params": params}
        for field in method.get("fields", []):
            pending.extend(_base_type(t) for t in field["types"])

    all_types: dict[str, Any] = spec["types"]
    types: dict[str, Any] = {}
    while pending:
        type_name = pending.pop()
        if type_name in _PRIMITIVES or type_name in types:
            continue
        source = all_types[type_name]
        entry: dict[str, Any] = {}
        if subtypes := source.get("subtypes"):
            entry["subtypes"] = list(subtypes)
            pending.extend(subtypes)
        fields = source.get("fields")
        if fields is not None:
            entry["fields"] = {f["name"]: _compact_field(f) for f in fields}
            for field in fields:
                pending.extend(_base_type(t) for t in field["types"])
        types[type_name] = entry

    return {
        "version": spec["version"],
        "release_date": spec["release_date"],
        "methods": methods,
        "types": dict(sorted(types.items())),
    }


def dump(schema: dict[str, Any]) -> str:
    """One method / type per line: small, yet readable in a diff."""
    lines = ["{"]
    lines.append(f'"version": {json.dumps(schema["version"])},')
    lines.append(f'"release_date": {json.dumps(schema["release_date"])},')
    lines.append(f'"source_sha256": {json.dumps(schema["source_sha256"])},')
    for section in ("methods", "types"):
        items = list(schema[section].items())
        lines.append(f'"{section}": {{')
        for index, (name, body) in enumerate(items):
            comma = "," if index < len(items) - 1 else ""
            encoded = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
            lines.append(f"{json.dumps(name)}: {encoded}{comma}")
        lines.append("}," if section == "methods" else "}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        sys.stderr.write(f"usage: {argv[0]} path/to/api.json\n")
        return 2
    raw = Path(argv[1]).read_bytes()
    schema = build(json.loads(raw))
    schema["source_sha256"] = hashlib.sha256(raw).hexdigest()
    text = dump(schema)
    json.loads(text)  # self-check: the hand-rolled layout must stay valid JSON
    OUTPUT.write_text(text, encoding="utf-8")
    sys.stdout.write(
        f"wrote {OUTPUT} ({len(text.encode())} bytes, {len(schema['methods'])} methods, "
        f"{len(schema['types'])} types)\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
