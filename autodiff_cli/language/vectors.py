"""Vectors: `w = [0.5, -0.3]`, `w[0]`, `x * w`, `dot(x, w)`, `sum(v)`, `len(v)`.

A vector is nothing but its elements, each an ordinary scalar `Value`, as
micrograd's lists of Values are: every view (the table, --explain, --at, the
page) sees scalar nodes and keeps working. A `Vector` lives only on the
evaluator's stack and in the graph's table of vector names; an element is
named `w[0]`. Element-wise operations broadcast a scalar over a vector; two
vectors must have the same length. Lengths are known when a statement runs,
so every shape mistake is an error with a caret, before any node is made.
"""

from __future__ import annotations

import math

from ..base.errors import EvaluationError, NameError_
from ..base.typing_lite import TYPE_CHECKING
from ..core.engine import CONSTANT, Value
from ..core.ops import FUNCTIONS, OPERATIONS, VARIADIC, DomainError, Operation

if TYPE_CHECKING:
    from typing import Protocol

    from ..base.errors import Source

    class Graph(Protocol):
        """What vectors need of the graph being built (language/evaluate.py's Graph has it)."""

        source: Source

        def labelled(self, node: Value, span: tuple[int, int], label: str) -> Value: ...

Span = tuple[int, int]

#: The built-ins of vectors, called like functions but not operations of the table.
VECTOR_BUILTINS = frozenset({"dot", "len"})


class Vector(tuple):  # type: ignore[type-arg]
    """A vector of scalar Values. It has no `data`: the evaluator's hot loop finds it by that."""

    __slots__ = ()


def _text(graph: Graph, span: Span) -> str:
    return " ".join(graph.source.text[span[0] : span[1]].split())


def _wrapped(text: str) -> str:
    """`text` ready to take `[i]`: a plain name or a call as it is, anything else in parentheses."""
    head = len(text) - len(text.lstrip("_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"))
    if head == len(text) and not text[:1].isdigit():
        return text  # a name
    if head and text[head] in "([" and text[-1] in ")]" and not text[:1].isdigit():
        depth = 0
        for position in range(head, len(text)):
            depth += (text[position] in "([") - (text[position] in ")]")
            if depth == 0:
                if position == len(text) - 1:
                    return text  # a call or an element, whole
                break
    return f"({text})"


def _count(length: int) -> str:
    return "1 element" if length == 1 else f"{length} elements"


class Maker:
    """Where the nodes of one vector operation go: the graph, with each node's span and label.

    `suffix` is "" at the top level and " in neuron#1" inside a call, as the
    labels of a call's other nodes read.
    """

    __slots__ = ("graph", "suffix")

    def __init__(self, graph: Graph, suffix: str = "") -> None:
        self.graph = graph
        self.suffix = suffix

    def node(self, data: float, op: Operation | str, children: tuple[Value, ...], span: Span, label: str) -> Value:
        return self.graph.labelled(Value(data, op, children), span, label + self.suffix)


def scalar(item: Value | Vector, span: Span, what: str) -> Value:
    """`item`, which must be a scalar here; a vector is an error at its span."""
    if isinstance(item, Vector):
        raise EvaluationError(
            f"{what} needs a number, not a vector of {_count(len(item))}",
            span,
            "pick an element, as in v[0], or reduce it with sum(v) or dot(v, w)",
        )
    return item


def apply(
    maker: Maker,
    op: Operation,
    children: tuple[Value | Vector, ...],
    span: Span,
    operand_spans: tuple[Span, ...],
) -> Value | Vector:
    """An operation of the table on arguments of which at least one is a vector."""
    graph = maker.graph
    if op.arity == VARIADIC:  # sum(v), prod(v): the elements are the arguments
        if len(children) == 1:
            elements = tuple(children[0])  # type: ignore[arg-type]  # not a Value: apply() is called for vectors
            return _checked(maker, op, elements, span, _text(graph, span))
        for child, child_span in zip(children, operand_spans):
            scalar(child, child_span, f"{op.name}() of several arguments")
    lengths = {len(child) for child in children if isinstance(child, Vector)}
    if len(lengths) > 1:
        shapes = [f"{_count(len(c))}" if isinstance(c, Vector) else "a number" for c in children]
        raise EvaluationError(
            f"{op.name} of vectors of different lengths ({' and '.join(shapes)})",
            span,
            "element-wise operations take vectors of the same length, or a number and a vector",
        )
    (length,) = lengths
    base = _wrapped(_text(graph, span))
    result = []
    for index in range(length):
        arguments = tuple(child[index] if isinstance(child, Vector) else child for child in children)
        result.append(_checked(maker, op, arguments, span, f"{base}[{index}]", index))
    return Vector(result)


def _checked(
    maker: Maker, op: Operation, arguments: tuple[Value, ...], span: Span, label: str, index: int | None = None
) -> Value:
    try:
        data = op.forward(*[argument.data for argument in arguments])
    except (DomainError, OverflowError) as error:
        message = str(error) if isinstance(error, DomainError) else f"overflow: the result of {op.name} is too large for a double"
        where = "" if index is None else f" (element {index})"
        raise EvaluationError(message + where, span) from None
    if not -math.inf < data < math.inf:
        where = "" if index is None else f" (element {index})"
        raise EvaluationError(f"overflow: the result of {op.name} is too large for a double{where}", span)
    return maker.node(data, op, arguments, span, label)


def literal(items: list[Value | Vector], spans: tuple[Span, ...]) -> Vector:
    """`[a, b, c]`: its elements, each a number."""
    for item, span in zip(items, spans):
        scalar(item, span, "an element of a vector")
    return Vector(items)


def index(graph: Graph, item: Value | Vector, digits: str, operand_span: Span, digits_span: Span) -> Value:
    """`v[i]`: element i of a vector."""
    if not isinstance(item, Vector):
        text = _text(graph, operand_span)
        raise EvaluationError(f"'{text}' is a number, not a vector: it has no elements", operand_span)
    if not digits.isdigit():
        raise EvaluationError(f"an index is a whole number, not {digits}", digits_span, f"write v[0] to v[{len(item) - 1}]")
    position = int(digits)
    if position >= len(item):
        raise EvaluationError(
            f"index {position} is out of range: the vector has {_count(len(item))}",
            digits_span,
            f"its elements are [0] to [{len(item) - 1}]",
        )
    return item[position]  # type: ignore[no-any-return]


def builtin(maker: Maker, name: str, children: tuple[Value | Vector, ...], span: Span, operand_spans: tuple[Span, ...]) -> Value:
    """`dot(a, b)` as element products and one sum, or `len(v)` as a constant."""
    graph = maker.graph
    if name == "len":
        if len(children) != 1:
            raise NameError_(f"len() takes 1 argument, not {len(children)}", span)
        (vector,) = children
        if not isinstance(vector, Vector):
            raise EvaluationError("len() needs a vector, not a number", operand_spans[0])
        return maker.node(float(len(vector)), CONSTANT, (), span, _text(graph, span))
    if len(children) != 2:
        raise NameError_(f"dot() takes 2 arguments (dot(a, b)), not {len(children)}", span)
    for child, child_span in zip(children, operand_spans):
        if not isinstance(child, Vector):
            raise EvaluationError(
                "dot() needs two vectors; this is a number", child_span, "for a number times a vector, write x * v"
            )
    a, b = children
    assert isinstance(a, Vector) and isinstance(b, Vector)
    if len(a) != len(b):
        raise EvaluationError(f"dot() of vectors of different lengths ({len(a)} and {len(b)})", span)
    names = [_wrapped(_text(graph, child_span)) for child_span in operand_spans]
    mul = OPERATIONS["mul"]
    products = tuple(
        _checked(maker, mul, (x, y), span, f"{names[0]}[{i}] * {names[1]}[{i}]", i) for i, (x, y) in enumerate(zip(a, b))
    )
    if len(products) == 1:
        return products[0]
    return _checked(maker, FUNCTIONS["sum"], products, span, _text(graph, span))
