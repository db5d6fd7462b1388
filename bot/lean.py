"""aiogram's ~300 Telegram types built at their first use instead of at import.

`import aiogram` costs ~160 MB of resident memory: aiogram.types ends with a loop that calls
`model_rebuild()` on every type, which builds all their pydantic validators although the types
are declared with `defer_build=True`. A bot process touches a few dozen of them (Update,
Message, CallbackQuery, the methods it calls), so building the rest is memory for nothing, paid
once per replica and per tick. With the loop's rebuilds deferred, the import costs ~55 MB and
the validators a process uses are built when first used; the resulting models are the same.

How: during aiogram's import, `model_rebuild(_types_namespace=…)` of a deferred type only
remembers that namespace as the type's parent namespace (pydantic resolves the forward
references from it when it builds the type later); the methods (not deferred) that were created
before their types could be resolved get the same namespace. This leans on pydantic's
`__pydantic_parent_namespace__`, a private attribute: tests/unit/test_lean_imports.py checks
that types and methods still validate, and that the memory saving is there, so an upgrade that
breaks it fails a test instead of a process.
"""

import sys
from typing import Any

from pydantic import BaseModel


def import_aiogram_lean() -> None:
    """Import aiogram with its types' validators deferred; a no-op if it is already imported."""
    if "aiogram" in sys.modules:
        return
    original = BaseModel.model_rebuild.__func__  # type: ignore[attr-defined]

    def deferred(
        cls: type[BaseModel],
        *,
        force: bool = False,
        raise_errors: bool = True,
        _parent_namespace_depth: int = 2,
        _types_namespace: Any = None,
    ) -> bool | None:
        if _types_namespace is not None and not force and cls.model_config.get("defer_build"):
            cls.__pydantic_parent_namespace__ = {
                **(cls.__pydantic_parent_namespace__ or {}),
                **_types_namespace,
            }
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
        import aiogram.types  # noqa: PLC0415
    finally:
        BaseModel.model_rebuild = classmethod(original)  # type: ignore[assignment,method-assign]
    namespace = _types_namespace(aiogram.types)
    for name in aiogram.methods.__all__:
        method = getattr(aiogram.methods, name)
        deferred_method = (
            isinstance(method, type)
            and issubclass(method, BaseModel)
            and not method.__pydantic_complete__
        )
        if deferred_method:
            method.__pydantic_parent_namespace__ = {
                **(method.__pydantic_parent_namespace__ or {}),
                **namespace,
            }
    # Models made later from generics (the client's `Response[list[Update]]`) resolve their
    # forward references in their module's globals: there the types' names must be real too
    # (aiogram imports them only under TYPE_CHECKING).
    for module_name, module in list(sys.modules.items()):
        if module_name.startswith(("aiogram.types", "aiogram.methods", "aiogram.client")):
            for name, value in namespace.items():
                module.__dict__.setdefault(name, value)


def _types_namespace(types: Any) -> dict[str, Any]:
    """What aiogram.types' own rebuild loop resolves the forward references with."""
    from typing import Literal, Optional, Union  # noqa: PLC0415

    from aiogram.client.default import Default  # noqa: PLC0415

    namespace: dict[str, Any] = {name: getattr(types, name) for name in types.__all__}
    namespace.update(List=list, Optional=Optional, Union=Union, Literal=Literal, Default=Default)
    return namespace
