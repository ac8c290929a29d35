"""What every view reads: a result, the options it was made under, and the unique key of every input."""

from __future__ import annotations

from ..base.typing_lite import TYPE_CHECKING
from ..core.engine import INPUT, Value

if TYPE_CHECKING:
    from ..base.options import Options
    from ..language.evaluate import Result


class Subject:
    """A `Result` and its options, with each input keyed once (the report adds the views to it)."""

    def __init__(self, result: Result, options: Options) -> None:
        self.result = result
        self.options = options
        self.keys = input_keys(result)

    @property
    def output(self) -> Value:
        return self.result.output

    @property
    def output_name(self) -> str:
        return self.result.output_name

    def input_key(self, node: Value) -> str:
        """An input's unique key: its name, or `name@LINE` once a later binding took the name."""
        return self.keys[node.id]

    def label(self, node: Value) -> str:
        """How a node is named in every view: an input by its key, anything else as the graph names it."""
        key = self.keys.get(node.id)
        return key if key is not None else self.result.label(node)


def input_keys(result: Result) -> dict[int, str]:
    """node id -> key for every input; a key never repeats.

    The input a name is bound to at the end keeps the plain name; an input
    whose name was later rebound (`a = 1; b = 2*a; a = 3`) is `a@1`, by the line
    of its binding, or `a@1:8` when two such inputs share a name and a line.
    `@` cannot occur in a name, so a key never collides with one.
    """
    graph = result.graph
    keys: dict[int, str] = {}
    shadowed: list[Value] = []
    for node in graph.nodes:
        if node.op is not INPUT:
            continue
        name = node.name or result.label(node)
        if graph.names.get(name) is node:
            keys[node.id] = name
        else:
            shadowed.append(node)
    places = {node.id: graph.source.line_and_column(graph.starts[node.id]) for node in shadowed}
    by_line: dict[tuple[str | None, int], int] = {}
    for node in shadowed:
        line = places[node.id][0]
        by_line[node.name, line] = by_line.get((node.name, line), 0) + 1
    for node in shadowed:
        line, column = places[node.id]
        name = node.name or result.label(node)
        keys[node.id] = f"{name}@{line}" if by_line[node.name, line] == 1 else f"{name}@{line}:{column}"
    return keys
