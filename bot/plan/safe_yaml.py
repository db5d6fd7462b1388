"""A YAML reader for files people edit by hand: bounded in size and in what aliases expand to.

PyYAML composes `&a [*a, *a]` into one shared node, so a «billion laughs» file is small until
something walks it as a tree; the walk below counts shared nodes once and refuses the expansion
before anything else touches it. An impossible date or an oversized integer is a clean
`yaml.YAMLError` with a line, not a `ValueError` from deep inside the constructor.
"""

from collections.abc import Iterable
from typing import Any

import yaml
from yaml.constructor import ConstructorError

MAX_PLAN_BYTES = 2 * 1024 * 1024
"""A plan file larger than this is refused unread (the shipped plans are under 100 KB)."""

MAX_EXPANDED_NODES = 200_000
"""Values in the document with every alias written out (a 1,000-measure plan has ~20,000)."""

MAX_DEPTH = 100

# libyaml is several times faster than the pure-Python parser; PyYAML wheels ship it.
_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LimitError(yaml.YAMLError):
    def __init__(self, problem: str, node: yaml.Node | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.problem_mark = node.start_mark if node is not None else None


class BoundedLoader(_Base):  # type: ignore[valid-type, misc]
    """SafeLoader whose scalar constructors report a bad value with its line."""

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError) as exc:
            raise ConstructorError(
                None, None, f'impossible date "{node.value}" ({exc})', node.start_mark
            ) from None

    def construct_yaml_int(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_int(node)
        except (ValueError, OverflowError) as exc:
            raise ConstructorError(
                None, None, f"unreadable number ({exc})", node.start_mark
            ) from None


BoundedLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", BoundedLoader.construct_yaml_timestamp
)
BoundedLoader.add_constructor("tag:yaml.org,2002:int", BoundedLoader.construct_yaml_int)


def _children(node: yaml.Node) -> Iterable[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield key
            yield value
    elif isinstance(node, yaml.SequenceNode):
        yield from node.value


def check_expansion(
    root: yaml.Node, *, max_nodes: int = MAX_EXPANDED_NODES, max_depth: int = MAX_DEPTH
) -> None:
    """Raise `LimitError` if the document, aliases expanded, is too big, too deep or cyclic.

    Each distinct node is visited once (sizes are memoised by identity), so the check is
    linear in the file, not in its expansion.
    """
    sizes: dict[int, int] = {}
    heights: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            children = list(_children(node))
            sizes[key] = 1 + sum(sizes[id(child)] for child in children)
            heights[key] = 1 + max((heights[id(child)] for child in children), default=0)
            open_nodes.discard(key)
            if sizes[key] > max_nodes:
                raise LimitError(
                    f"the document expands to more than {max_nodes} values "
                    "(too many YAML aliases?)",
                    node,
                )
            if heights[key] > max_depth:
                raise LimitError(f"the document nests deeper than {max_depth} levels", node)
            continue
        if key in sizes:
            continue
        if key in open_nodes:
            raise LimitError("an alias refers to a value that contains it", node)
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node))


def distinct_nodes(root: yaml.Node) -> Iterable[yaml.Node]:
    """Every node once, however many aliases point at it."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        stack.extend(_children(node))
