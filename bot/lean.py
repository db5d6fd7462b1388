"""aiogram's ~590 Telegram types and methods built at their first use instead of at import.

`import aiogram` costs ~160 MB of resident memory: aiogram.types ends with a loop that calls
`model_rebuild(_types_namespace=…)` on every type, which builds all their pydantic validators
although the types are declared with `defer_build=True`. A bot process touches a few dozen of
them (Update, Message, CallbackQuery, the methods it calls), so building the rest is memory for
nothing, paid once per replica and per tick. With the loop's rebuilds deferred, a process is at
59 MB after the import and builds the validators it uses when first used; the models are the
same (tests/unit/test_lean_aiogram.py compares every type and method with an eager import).

How: during aiogram's import, `model_rebuild` of a deferred type only remembers the loop's
namespace as the type's parent namespace, from which pydantic resolves the forward references
when it builds the type later. Every type, every method left incomplete at import and the
generic `Response` (whose `Response[list[Update]]` builds Update inside its own schema) share
that one dict: a copy per type plus the names written into each of aiogram's modules, as this
module did before, cost 13 MB more. This leans on pydantic's private
`__pydantic_parent_namespace__` and `model_rebuild`'s `_types_namespace` parameter (pydantic
2.13): without them, or if aiogram stops rebuilding at import, aiogram is imported as it is.
"""

import inspect
import sys
from typing import Any

from pydantic import BaseModel


def _supported() -> bool:
    """The private parts this relies on are there (pydantic 2.x as of 2.13)."""
    rebuild = inspect.signature(BaseModel.model_rebuild).parameters
    return "_types_namespace" in rebuild and hasattr(BaseModel, "__pydantic_parent_namespace__")


def import_aiogram_lean() -> None:
    """Import aiogram with its types' validators deferred; a no-op if it is already imported."""
    if "aiogram" in sys.modules:
        return
    if not _supported():
        import aiogram.types  # noqa: PLC0415  (eager: what aiogram does by itself)

        return
    original = BaseModel.model_rebuild.__func__  # type: ignore[attr-defined]
    shared: list[dict[str, Any]] = []

    def deferred(
        cls: type[BaseModel],
        *,
        force: bool = False,
        raise_errors: bool = True,
        _parent_namespace_depth: int = 2,
        _types_namespace: Any = None,
    ) -> bool | None:
        if _types_namespace is not None and not force and cls.model_config.get("defer_build"):
            _share(cls, _types_namespace)
            if not shared:
                shared.append(_types_namespace)
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
        import aiogram.methods.base  # noqa: PLC0415
        import aiogram.types  # noqa: PLC0415
    finally:
        BaseModel.model_rebuild = classmethod(original)  # type: ignore[assignment,method-assign]
    if not shared:  # aiogram no longer rebuilds its types at import: nothing was deferred
        return
    namespace = shared[0]
    for name in aiogram.methods.__all__:
        method = getattr(aiogram.methods, name)
        if _is_model(method) and not method.__pydantic_complete__:
            _share(method, namespace)
    _share(aiogram.methods.base.Response, namespace)


def _is_model(value: object) -> bool:
    return isinstance(value, type) and issubclass(value, BaseModel)


def _share(model: type[BaseModel], namespace: dict[str, Any]) -> None:
    """The namespace itself, not a copy; merged only if the model has one of its own."""
    own = model.__dict__.get("__pydantic_parent_namespace__")
    model.__pydantic_parent_namespace__ = {**own, **namespace} if own else namespace
