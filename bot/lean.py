"""aiogram's ~590 Telegram types and methods built at their first use instead of at import.

`import aiogram` costs ~160 MB of resident memory: aiogram.types ends with a loop that calls
`model_rebuild(_types_namespace=…)` on every type, which builds all their pydantic validators
although the types are declared with `defer_build=True`. A bot process touches a few dozen of
them (Update, Message, CallbackQuery, the methods it calls), so building the rest is memory for
nothing, paid once per replica and per tick. With the loop's rebuilds skipped, a process is at
~59 MB after the import and builds the validators it uses when first used; the models are the
same (tests/unit/test_lean_aiogram.py compares every type and method with an eager import).

How: the loop's namespace (every type by name) is what resolves the forward references: aiogram
imports the types a module's annotations name only under TYPE_CHECKING. Each aiogram module gets
the names its own classes' annotations use, so pydantic finds them in the module's globals
whenever it builds a type: at first use, inside `Response[list[Update]]`, or inside a model or
TypeAdapter of ours. Writing the whole namespace into every module, and a copy of it into every
type, as this module did before, cost 13 MB more.

This leans on `model_rebuild`'s private `_types_namespace` parameter (pydantic 2.13): without it,
or if aiogram stops rebuilding at import, aiogram is imported as it is.
"""

import inspect
import re
import sys
from types import ModuleType
from typing import Any

from pydantic import BaseModel

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _supported() -> bool:
    """The private parameter this relies on is there (pydantic 2.x as of 2.13)."""
    return "_types_namespace" in inspect.signature(BaseModel.model_rebuild).parameters


def import_aiogram_lean() -> None:
    """Import aiogram with its types' validators deferred; a no-op if it is already imported."""
    if "aiogram" in sys.modules:
        return
    if not _supported():
        import aiogram.types  # noqa: PLC0415  (eager: what aiogram does by itself)

        return
    original = BaseModel.model_rebuild.__func__  # type: ignore[attr-defined]
    loop_namespace: list[dict[str, Any]] = []

    def deferred(
        cls: type[BaseModel],
        *,
        force: bool = False,
        raise_errors: bool = True,
        _parent_namespace_depth: int = 2,
        _types_namespace: Any = None,
    ) -> bool | None:
        if _types_namespace is not None and not force and cls.model_config.get("defer_build"):
            if not loop_namespace:
                loop_namespace.append(_types_namespace)
            return None
        result: bool | None = original(
            cls,
            force=force,
            raise_errors=raise_errors,
            _parent_namespace_depth=_parent_namespace_depth + 1,
            _types_namespace=_types_namespace,
        )
        return result

    BaseModel.model_rebuild = classmethod(deferred)  # type: ignore[assignment,method-assign]
    try:
        import aiogram.methods  # noqa: PLC0415
        import aiogram.types  # noqa: PLC0415, F401
    finally:
        BaseModel.model_rebuild = classmethod(original)  # type: ignore[assignment,method-assign]
    if not loop_namespace:  # aiogram no longer rebuilds its types at import: nothing deferred
        return
    namespace = loop_namespace[0]
    for name, module in list(sys.modules.items()):
        if name.startswith("aiogram.") and module is not None:
            for used in _names_used(module) & namespace.keys():
                module.__dict__.setdefault(used, namespace[used])


def _names_used(module: ModuleType) -> set[str]:
    """Every identifier in the annotations of the classes the module defines and of their bases
    (pydantic evaluates an inherited field's annotation in the subclass's module)."""
    used: set[str] = set()
    for value in list(vars(module).values()):
        if isinstance(value, type) and value.__module__ == module.__name__:
            for cls in value.__mro__:
                for annotation in inspect.get_annotations(cls).values():
                    text = annotation if isinstance(annotation, str) else repr(annotation)
                    used.update(_IDENTIFIER.findall(text))
    return used
