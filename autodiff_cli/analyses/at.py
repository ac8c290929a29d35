"""`--at NAME=VALUE`: the program at other input values, by re-running its graph.

An input is a name bound to a number literal; `--at` replaces that literal's
value.  The graph is not parsed again: `replay.forward_values` runs it forward
at the new values, and a step outside its domain is reported where, and as,
`eval` of the edited program would report it.  A graph that `grad()` built into is the
exception: its derivative nodes took their branches (relu', ties) at the old
values, so such a program is evaluated again from its edited text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

from ..base.errors import EvaluationError, ProgramError, Source, UsageError
from ..core.engine import INPUT, Value
from ..core.ops import DomainError
from ..core.replay import ReplayError, forward_values
from ..language.evaluate import Graph

#: A number as the language writes it, with an optional sign.
NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def parse_number(option: str, text: str) -> float:
    """A finite number of the language (`-2`, `.5`, `1e-3`), or a usage error naming the option."""
    text = text.strip()
    if not NUMBER.fullmatch(text):
        raise UsageError(f"{option}: '{text}' is not a number (write it as in a program: 2, -0.5, 1e-3)")
    value = float(text)
    if not math.isfinite(value):
        raise UsageError(f"{option}: {text} is too large for a double (the largest is about 1.8e308)")
    return value


def parse_assignment(text: str, option: str = "--at") -> tuple[str, float]:
    """`NAME=VALUE` from the command line (or `:at` in the REPL)."""
    name, equals, value = text.partition("=")
    name = name.strip()
    if not equals or not name:
        raise UsageError(f"{option} {text}: write it as NAME=VALUE, as in {option} x=2")
    return name, parse_number(f"{option} {name}", value)


def inputs_by_key(graph: Graph) -> dict[str, Value]:
    """Every input of the graph, in creation order, by its unique key (as the report keys it)."""
    from ..language.evaluate import Result
    from .subject import input_keys

    keys = input_keys(Result(graph, graph.last, []))  # type: ignore[arg-type]  # keys need the graph only
    return {keys[node_id]: graph.nodes[node_id] for node_id in sorted(keys)}


def resolve(graph: Graph, name: str, option: str = "--at") -> Value:
    """The input node `name` (a name or a `name@LINE` key) means, or a usage error saying why not."""
    keys = inputs_by_key(graph)
    node = graph.names.get(name)
    if node is not None and node.op is INPUT:
        return node
    if name in keys:
        return keys[name]
    if node is not None:
        earlier = [key for key in keys if key.startswith(name + "@")]
        hint = f" (its earlier input is {earlier[0]})" if earlier else ""
        raise UsageError(f"{option} {name}: '{name}' is bound to an expression, not a number: it is not an input{hint}")
    known = ", ".join(keys) or "none"
    raise UsageError(f"{option} {name}: the program has no input '{name}' (its inputs: {known})")


def overrides_for(graph: Graph, assignments: Sequence[tuple[str, float]], option: str = "--at") -> dict[int, float]:
    """Node id -> new value, for `NAME=VALUE` pairs; the same input twice is a usage error."""
    overrides: dict[int, float] = {}
    for name, value in assignments:
        node = resolve(graph, name, option)
        if node.id in overrides:
            raise UsageError(f"{option} {name}: given twice")
        overrides[node.id] = value
    return overrides


def apply(graph: Graph, overrides: dict[int, float]) -> Graph:
    """The graph at the new input values (every node's `data` updated); raises as eval would.

    Returns `graph` itself, or, for a program that uses `grad()`, the graph of
    its edited text.
    """
    if not overrides:
        return graph
    if graph.formulas:
        return evaluate_edited(graph, overrides)
    values = values_at(graph, overrides)
    for node, value in zip(graph.nodes, values):
        node.data = value
    return graph


def values_at(graph: Graph, overrides: dict[int, float]) -> list[float]:
    """Every node's value (by id) at the new input values, or the error eval of the edited program gives.

    Not for a program that uses `grad()` (see `evaluate_edited`).
    """
    try:
        return forward_values(graph.nodes, overrides)
    except ReplayError as failure:
        # Error path only: the values up to the failing node, for its arguments.
        before = forward_values(graph.nodes[: failure.node.id], overrides)
        raise step_error(graph, failure.node, tuple(before[child.id] for child in failure.node.children)) from None


def evaluate_edited(graph: Graph, overrides: dict[int, float]) -> Graph:
    """Run the program again with each overridden input's literal replaced in its text."""
    from ..language.parse import parse

    text = edited_text(graph, overrides)
    edited = Graph(Source(graph.source.name, text))
    try:
        edited.run(parse(text))
    except ProgramError as error:
        error.edited_source = edited.source  # type: ignore[attr-defined]  # its span points into the edited text
        raise
    return edited


def edited_text(graph: Graph, overrides: dict[int, float]) -> str:
    """The source with each overridden input's literal written as its new value."""
    text = graph.source.text
    for node_id in sorted(overrides, key=lambda i: graph.starts[i], reverse=True):
        start, end = graph.starts[node_id], graph.ends[node_id]
        text = text[:start] + repr(overrides[node_id]) + text[end:]
    return text


def step_error(graph: Graph, node: Value, arguments: tuple[float, ...]) -> EvaluationError:
    """The error a fresh evaluation gives where `node`'s step fails on `arguments`: same message, same place."""
    error: DomainError | None = None
    try:
        node.op.forward(*arguments)  # type: ignore[union-attr]
    except DomainError as raised:
        error = raised
    except (ArithmeticError, ValueError):
        pass  # an overflow: Graph._domain_error words it
    start, end = graph.span(node)
    children = tuple(Value(argument) for argument in arguments)
    return Graph._domain_error(node.op, children, error, start, end, _operand_spans(graph, node), 0)  # type: ignore[arg-type]


def _operand_spans(graph: Graph, node: Value) -> tuple[tuple[int, int], ...]:
    """Where each argument of `node` is written (the divisor is underlined for division by zero).

    The graph keeps one span a node, not its operands', so the statement is
    parsed again here, on the error path only.
    """
    start, end = graph.span(node)
    fallback = tuple((start, end) for _ in node.children)
    if node.op_name != "div":
        return fallback
    from ..language.parse import parse

    try:
        for statement in parse(graph.source.text):
            if statement.span[1] < start:
                continue
            for instruction in _operators(statement.code):
                if instruction[2] == start and instruction[3] == end:
                    spans: tuple[tuple[int, int], ...] = instruction[4]  # type: ignore[assignment]
                    return spans
            break
    except ProgramError:
        pass
    return fallback


def _operators(code: Iterable[tuple[object, ...]]) -> Iterable[tuple[object, ...]]:
    return (instruction for instruction in code if instruction[0] == "operator" and instruction[1] == "div")
