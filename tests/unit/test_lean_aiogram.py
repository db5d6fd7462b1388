"""bot/lean.py against every aiogram type and method: each one builds inside another schema
(as in `Response[list[Update]]` or a model of ours), builds on its own, validates and has the
same schema as with aiogram's own eager import, so an aiogram or pydantic upgrade that breaks
the deferred building fails here, not in a running bot."""

import json
import subprocess
import sys

PROBE = """
import hashlib, inspect, json, sys, warnings
from pydantic import BaseModel, TypeAdapter, ValidationError
if sys.argv[1] == "lean":
    from bot.lean import import_aiogram_lean
    import_aiogram_lean()
import aiogram.methods, aiogram.types
models = {
    f"{module.__name__}.{name}": value
    for module in (aiogram.types, aiogram.methods)
    for name in module.__all__
    if isinstance(value := getattr(module, name), type) and issubclass(value, BaseModel)
}
warnings.simplefilter("ignore")  # json schema: aiogram's Default(...) values are not JSON
found = {}
for name, model in sorted(models.items()):
    try:  # inside another schema first: the type itself may not be built yet
        TypeAdapter(list[model]).validate_python([])
        inside = "built"
    except Exception as error:
        inside = type(error).__name__
    try:
        validated = "abstract" if inspect.isabstract(model) else "valid"
        if validated == "valid":
            model.model_validate({})
    except ValidationError as error:
        validated = sorted(f"{e['loc']}:{e['type']}" for e in error.errors())
    try:
        schema = json.dumps(model.model_json_schema(), sort_keys=True, default=str)
    except Exception as error:  # the same refusal in both modes is the same model
        schema = type(error).__name__
    found[name] = {
        "inside": inside,
        "complete": model.__pydantic_complete__,
        "validated": validated,
        "schema": hashlib.sha256(schema.encode()).hexdigest(),
    }
print(json.dumps(found))
"""


def _models(*modes: str) -> list[dict[str, dict[str, object]]]:
    """Each mode in its own process, run side by side (each takes ~20 s of CPU)."""
    probes = [
        subprocess.Popen([sys.executable, "-c", PROBE, mode], stdout=subprocess.PIPE, text=True)
        for mode in modes
    ]
    found: list[dict[str, dict[str, object]]] = []
    for probe in probes:
        out, _ = probe.communicate(timeout=300)
        assert probe.returncode == 0
        found.append(json.loads(out))
    return found


def test_every_aiogram_model_builds_and_validates_as_with_an_eager_import() -> None:
    lean, eager = _models("lean", "eager")
    assert len(lean) > 550  # aiogram 3.31: 591 types and methods
    assert [name for name, model in lean.items() if not model["complete"]] == []
    assert lean.keys() == eager.keys()
    differing = [name for name in lean if lean[name] != eager[name]]
    assert differing == []
