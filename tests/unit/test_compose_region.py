"""compose.region.yaml and deploy/Caddyfile: the bot in webhook mode as two replicas behind Caddy.

No Docker engine or Caddy runs here, so the files are checked for what would break them: the
Compose keys (the schema of test_compose_file.py, plus the keys this file adds), the variables
Compose interpolates (done here as Compose does, then handed to the bot's own Settings), and
the places where the two files must agree (service name, ports, paths).
"""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any, cast

import jsonschema
import pytest
import yaml
from pydantic import ValidationError
from test_compose_file import SCHEMA, SERVICE

from bot.config import Settings

ROOT = Path(__file__).resolve().parents[2]
REGION = ROOT / "compose.region.yaml"
CADDYFILE = ROOT / "deploy" / "Caddyfile"
ENV = {"WEBHOOK_DOMAIN": "gia-bot.example.ru", "WEBHOOK_SECRET": "s3cret-token_1"}
VARIABLE = re.compile(r"\$\{(?P<name>[A-Z_][A-Z0-9_]*)(?:(?P<op>:-|:\?)(?P<arg>[^}]*))?\}")

REGION_SERVICE = {
    **SERVICE,
    "properties": {
        **cast(dict[str, Any], SERVICE["properties"]),
        "extends": {
            "type": "object",
            "properties": {"file": {"type": "string"}, "service": {"type": "string"}},
            "required": ["service"],
            "additionalProperties": False,
        },
        "command": {"type": "array", "items": {"type": "string"}},
        "ports": {"type": "array", "items": {"type": "string", "pattern": r"^\d+:\d+$"}},
        "deploy": {
            "type": "object",
            "properties": {"replicas": {"type": "integer", "minimum": 0}},
            "additionalProperties": False,
        },
    },
    "anyOf": [{"required": ["image"]}, {"required": ["build"]}, {"required": ["extends"]}],
}
REGION_SCHEMA: dict[str, Any] = {
    **SCHEMA,
    "properties": {
        **cast(dict[str, Any], SCHEMA["properties"]),
        "services": {
            "type": "object",
            "patternProperties": {"^[a-zA-Z0-9._-]+$": REGION_SERVICE},
            "additionalProperties": False,
        },
    },
}


class UnsetVariableError(Exception):
    """A `${NAME:?message}` variable is missing: Compose refuses to start."""


def interpolate(value: Any, env: dict[str, str]) -> Any:
    """Compose's `${NAME}`, `${NAME:-default}` and `${NAME:?message}` over a parsed document."""
    if isinstance(value, dict):
        return {key: interpolate(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, env) for item in value]
    if not isinstance(value, str):
        return value

    def replace(found: re.Match[str]) -> str:
        name, op, arg = found["name"], found["op"], found["arg"] or ""
        given = env.get(name, "")
        if given:
            return given
        if op == ":?":
            raise UnsetVariableError(f"{name}: {arg}")
        return arg if op == ":-" else ""

    return VARIABLE.sub(replace, value)


def region(env: dict[str, str] | None = None) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(REGION.read_text(encoding="utf-8"))
    return document if env is None else interpolate(document, env)


def bot_settings(env: dict[str, str]) -> Settings:
    """The Settings one replica starts with: its environment as Compose gives it (no .env)."""
    environment = region(env)["services"]["bot"]["environment"]
    given = {key.lower(): value for key, value in environment.items()}
    return Settings(_env_file=None, bot_token="123456:" + "A" * 35, **given)


def test_region_file_matches_the_schema() -> None:
    jsonschema.validate(region(), REGION_SCHEMA)
    broken = region()
    broken["services"]["bot"]["deploy"] = {"replica": 2}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, REGION_SCHEMA)


def test_the_database_service_is_the_one_of_compose_yaml() -> None:
    db = region()["services"]["db"]
    base = yaml.safe_load((ROOT / db["extends"]["file"]).read_text(encoding="utf-8"))
    # One project: moving up from compose.yaml keeps the database volume.
    assert region()["name"] == base["name"]
    assert db["extends"]["service"] in base["services"]
    assert set(region()["volumes"]) >= {
        volume.split(":")[0] for volume in base["services"]["db"]["volumes"]
    }


def test_two_webhook_replicas_start_after_the_migrations_ran_once() -> None:
    services = region()["services"]
    bot, migrate = services["bot"], services["migrate"]
    assert bot["command"] == ["run", "--webhook"]
    assert bot["deploy"]["replicas"] >= 2
    assert bot["environment"]["MIGRATE_ON_START"] == "false"
    assert migrate["command"] == ["db", "upgrade"]
    assert migrate["restart"] == "no"
    assert bot["depends_on"] == {
        "db": {"condition": "service_healthy"},
        "migrate": {"condition": "service_completed_successfully"},
    }
    assert migrate["environment"]["DATABASE_URL"] == bot["environment"]["DATABASE_URL"]
    assert "@db:5432/" in bot["environment"]["DATABASE_URL"]


def test_a_replica_starts_with_these_settings() -> None:
    settings = bot_settings(ENV)
    assert settings.webhook_url == "https://gia-bot.example.ru/telegram/webhook"
    assert settings.webhook_secret is not None
    assert settings.webhook_secret.get_secret_value() == ENV["WEBHOOK_SECRET"]
    assert (settings.webhook_host, settings.webhook_port) == ("0.0.0.0", 8080)
    assert settings.database_url.startswith("postgresql+asyncpg://roadmap:roadmap@db:5432/")
    assert settings.migrate_on_start is False
    assert settings.send_lanes == 6
    assert settings.tick_seconds == 5


def test_every_variable_the_replicas_get_is_a_setting() -> None:
    environment = region(ENV)["services"]["bot"]["environment"]
    assert {name.lower() for name in environment} <= set(Settings.model_fields)


def test_compose_refuses_to_start_without_the_public_address_or_the_secret() -> None:
    for missing in ENV:
        with pytest.raises(UnsetVariableError, match=missing):
            region({k: v for k, v in ENV.items() if k != missing})


def test_a_secret_telegram_would_refuse_is_refused_before_start() -> None:
    with pytest.raises(ValidationError, match="webhook_secret"):
        bot_settings({**ENV, "WEBHOOK_SECRET": "has spaces"})


def test_the_health_check_asks_readyz_on_the_webhook_port() -> None:
    bot = region()["services"]["bot"]
    probe = " ".join(bot["healthcheck"]["test"])
    assert f"127.0.0.1:{bot['environment']['WEBHOOK_PORT']}/readyz" in probe


def caddy_blocks() -> dict[str, str]:
    """`handle <path> { … }` blocks of the Caddyfile by path (Caddy's `{$NAME:default}` read)."""
    text = CADDYFILE.read_text(encoding="utf-8")
    blocks: dict[str, str] = {}
    for found in re.finditer(r"^\thandle (\S+) \{\n(.*?)^\t\}", text, re.M | re.S):
        blocks[found[1]] = found[2]
    return blocks


def test_caddy_sends_telegram_and_max_posts_to_every_replica() -> None:
    services = region(ENV)["services"]
    bot, proxy = services["bot"], services["proxy"]
    assert any(
        volume.startswith("./deploy/Caddyfile:/etc/caddy/Caddyfile") for volume in proxy["volumes"]
    )
    blocks = caddy_blocks()
    assert set(blocks) == {"{$WEBHOOK_PATH}", "{$MAX_WEBHOOK_PATH:/max/webhook}"}
    telegram, max_ = blocks["{$WEBHOOK_PATH}"], blocks["{$MAX_WEBHOOK_PATH:/max/webhook}"]
    for block, port in ((telegram, "WEBHOOK_PORT"), (max_, "MAX_WEBHOOK_PORT")):
        assert re.search(r"dynamic a \{\s*name bot\s*port " + bot["environment"][port], block)
        assert "lb_policy round_robin" in block
    # The path Caddy passes on is the one the replicas serve (the path of WEBHOOK_URL).
    path = proxy["environment"]["WEBHOOK_PATH"]
    assert bot["environment"]["WEBHOOK_URL"] == f"https://{ENV['WEBHOOK_DOMAIN']}{path}"
    assert proxy["environment"]["MAX_WEBHOOK_PATH"] == "/max/webhook"
    assert proxy["environment"]["WEBHOOK_DOMAIN"] == ENV["WEBHOOK_DOMAIN"]


def test_caddy_keeps_metrics_and_probes_inside() -> None:
    text = CADDYFILE.read_text(encoding="utf-8")
    assert text.count("{") == text.count("}")
    assert "\thandle {\n\t\trespond 404\n\t}" in text  # every other path
    assert "/metrics" not in "".join(caddy_blocks())


@pytest.mark.skipif(
    shutil.which("caddy") is None, reason="caddy is not installed (.ci/run adds it)"
)
def test_caddy_itself_reads_the_caddyfile_as_meant(tmp_path: Path) -> None:
    adapted = subprocess.run(
        ["caddy", "adapt", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
        env={**os.environ, "WEBHOOK_DOMAIN": ENV["WEBHOOK_DOMAIN"], "WEBHOOK_PATH": "/tg/hook"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    server = json.loads(adapted.stdout)["apps"]["http"]["servers"]["srv0"]
    assert server["listen"] == [":443"]  # Caddy's automatic HTTPS for the domain
    (site,) = server["routes"]
    assert site["match"] == [{"host": [ENV["WEBHOOK_DOMAIN"]]}]
    routes = site["handle"][0]["routes"]

    def upstreams(route: dict[str, Any]) -> dict[str, Any]:
        (proxy,) = route["handle"][0]["routes"][0]["handle"]
        assert proxy["load_balancing"]["selection_policy"] == {"policy": "round_robin"}
        return dict(proxy["dynamic_upstreams"])

    by_path = {tuple(r["match"][0]["path"]): upstreams(r) for r in routes if "match" in r}
    assert by_path == {
        ("/tg/hook",): {"source": "a", "name": "bot", "port": "8080", "refresh": 5_000_000_000},
        ("/max/webhook",): {
            "source": "a",
            "name": "bot",
            "port": "8081",
            "refresh": 5_000_000_000,
        },
    }
    (rest,) = [r for r in routes if "match" not in r]
    assert rest["handle"][0]["routes"][0]["handle"] == [
        {"handler": "static_response", "status_code": 404}
    ]
