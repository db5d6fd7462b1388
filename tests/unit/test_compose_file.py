"""compose.yaml against a schema (no Docker engine here to run it).

The schema is a hand-written subset of the Compose Specification's (the keys this file may use,
with their types; anything else is refused), plus checks a schema cannot say: the bot waits for
a healthy database and reaches it by its service name.
"""

from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

COMPOSE = Path(__file__).resolve().parents[2] / "compose.yaml"
STRINGS = {"type": "array", "items": {"type": "string"}}
LIST_OR_DICT = {
    "oneOf": [
        {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}},
        STRINGS,
    ]
}
HEALTHCHECK = {
    "type": "object",
    "properties": {
        "test": {"oneOf": [{"type": "string"}, STRINGS]},
        "interval": {"type": "string", "pattern": r"^\d+(ms|s|m|h)$"},
        "timeout": {"type": "string", "pattern": r"^\d+(ms|s|m|h)$"},
        "start_period": {"type": "string", "pattern": r"^\d+(ms|s|m|h)$"},
        "retries": {"type": "integer", "minimum": 0},
    },
    "required": ["test"],
    "additionalProperties": False,
}
SERVICE = {
    "type": "object",
    "properties": {
        "image": {"type": "string"},
        "build": {"oneOf": [{"type": "string"}, {"type": "object"}]},
        "environment": LIST_OR_DICT,
        "env_file": {"oneOf": [{"type": "string"}, STRINGS]},
        "volumes": STRINGS,
        "healthcheck": HEALTHCHECK,
        "depends_on": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "properties": {
                    "condition": {
                        "enum": [
                            "service_started",
                            "service_healthy",
                            "service_completed_successfully",
                        ]
                    }
                },
                "required": ["condition"],
                "additionalProperties": False,
            },
        },
        "restart": {"enum": ["no", "always", "on-failure", "unless-stopped"]},
        "stop_signal": {"type": "string", "pattern": "^SIG[A-Z0-9]+$"},
        "stop_grace_period": {"type": "string", "pattern": r"^\d+(ms|s|m|h)$"},
    },
    "anyOf": [{"required": ["image"]}, {"required": ["build"]}],
    "additionalProperties": False,
}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]*$"},
        "services": {
            "type": "object",
            "patternProperties": {"^[a-zA-Z0-9._-]+$": SERVICE},
            "additionalProperties": False,
        },
        "volumes": {
            "type": "object",
            "patternProperties": {"^[a-zA-Z0-9._-]+$": {"type": ["object", "null"]}},
            "additionalProperties": False,
        },
    },
    "required": ["services"],
    "additionalProperties": False,
}


def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return document


def test_compose_file_matches_the_schema() -> None:
    jsonschema.validate(compose(), SCHEMA)


def test_the_schema_refuses_what_compose_would() -> None:
    broken = compose()
    broken["services"]["bot"]["depends_on"] = {"db": {"condition": "healthy"}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, SCHEMA)
    broken = compose()
    broken["services"]["db"]["helthcheck"] = broken["services"]["db"].pop("healthcheck")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, SCHEMA)


def test_the_bot_waits_for_a_healthy_database_it_reaches_by_name() -> None:
    services = compose()["services"]
    bot, db = services["bot"], services["db"]
    assert bot["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert "@db:5432/" in bot["environment"]["DATABASE_URL"]
    assert bot["environment"]["DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert bot["environment"]["MIGRATE_ON_START"] == "true"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert bot["healthcheck"]["test"][:2] == ["CMD", "roadmap-bot"]
    assert any(v.endswith(":/var/lib/roadmap-bot") for v in bot["volumes"])


def test_dockerfile_keeps_the_database_in_a_volume_and_runs_as_a_user() -> None:
    dockerfile = (COMPOSE.parent / "Dockerfile").read_text(encoding="utf-8")
    assert 'VOLUME ["/var/lib/roadmap-bot"]' in dockerfile
    assert "USER roadmap" in dockerfile
    assert 'ENTRYPOINT ["roadmap-bot"]' in dockerfile  # exec form: SIGTERM reaches the bot
    # Dependencies are installed before the source is copied.
    assert dockerfile.index("pip install . &&") < dockerfile.index("COPY bot ./bot")
