"""`--at NAME=VALUE`: the program at other input values, by re-running its graph.

An input is a name bound to a number literal; `--at` replaces that literal's
value.  The graph is not parsed again: `replay.forward_values` runs it forward
at the new values, and a step outside its domain is reported where, and as,
`eval` of the edited program would report it.  A graph that `grad()` built into is the
exception: its derivative nodes took their branches (relu', ties) at the old
values, so such a program is evaluated again from its edited text.  The
literals' own point need not be in every operation's domain: only the moved
point is evaluated for the user (`run_moving`).
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
from ..language.functions import Function
from ..language.parse import Statement

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


def run_moving(graph: Graph, statements: Iterable[Statement]) -> Graph:
    """Run a program whose inputs will move (`--at`, `--sweep`) into `graph`: a failing step is no error yet.

    Only the graph's shape is needed where the literals put it: `x = 0; y = log(x)`
    with `--at x=2` is evaluated at x = 2, where log is defined.  So a step outside
    its domain at the literals' point builds the graph again, leniently (nan where a
    step fails), and the error, if any, is the one `apply` finds at the moved point.
    """
    try:
        graph.run(statements)
    except EvaluationError:
        from ..language.parse import parse

        graph = Graph(graph.source, lenient=True)
        graph.run(parse(graph.source.text))
    return graph


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
    call = _inside_call(graph, node)
    if call is not None:  # as functions.inline reports it: at the call, naming the body's expression
        from ..language.functions import error_inside

        function, span, call_span = call
        return error_inside(graph, function, error, node.op_name, span, call_span)
    start, end = graph.span(node)
    children = tuple(Value(argument) for argument in arguments)
    return Graph._domain_error(node.op, children, error, start, end, _operand_spans(graph, node), 0)  # type: ignore[arg-type]


def _inside_call(graph: Graph, node: Value) -> tuple[Function, tuple[int, int], tuple[int, int]] | None:
    """For a node a call of a user's function made: the function, the node's place in its body, the call's place.

    A call's nodes have consecutive ids, its result last: the nodes inside
    are labelled `TEXT in NAME#N` and keep their place in the body, and the
    result takes the call's place (error path only).
    """
    if not graph.functions:
        return None
    label = graph.call_labels.get(node.id)
    if label is None:  # perhaps the result of a call written in the program: its text is the call
        start, end = graph.span(node)
        text = graph.source.text[start:end]
        name = text.partition("(")[0].strip()
        function = graph.functions.get(name)
        if function is None or "(" not in text:
            return None
        while True:  # the body's outermost operation made the result, unless it is another function's call
            last = function.code[-1]
            called = graph.functions.get(last[1]) if last[0] == "call" else None  # type: ignore[arg-type]
            if called is None:
                break
            function = called
        body_start, body_end = (last[2], last[3]) if last[0] == "operator" else (last[3], last[4])
        return function, (body_start + function.offset, body_end + function.offset), (start, end)  # type: ignore[operator]
    name = label.rpartition(" in ")[2].rpartition("#")[0]
    after = next(later for later in graph.nodes[node.id + 1 :] if later.id not in graph.call_labels)
    return graph.functions[name], graph.span(node), graph.span(after)


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
