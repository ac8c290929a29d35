"""Functions of the user: `neuron(x, w, b) = tanh(x*w + b)`, checked once and inlined at each call.

A call builds its own nodes from the body's code, so every view (grad(),
--hessian, --symbolic, --explain) sees ordinary operations. A body sees its
parameters and the constants (pi) only, and calls built-ins and functions
defined before it: a function cannot reach itself, so recursion is
impossible by construction. Calls inside bodies are run from an explicit
stack of frames, never by Python recursion.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, NamedTuple

from ..base.errors import EvaluationError, NameError_
from ..core.engine import CONSTANT, Value
from ..core.ops import CONSTANTS, FUNCTIONS, OPERATIONS, DomainError
from .parse import Instruction, Statement
from .vectors import VECTOR_BUILTINS, Maker, Vector, apply, builtin, index, literal

if TYPE_CHECKING:
    from typing import Protocol

    from ..base.errors import Source

    class Graph(Protocol):
        """What calls need of the graph being built: language/evaluate.py's Graph, which calls
        `inline` (a protocol here, so that this module does not import the one that imports it)."""

        source: Source
        lenient: bool
        nodes: list[Value]
        names: dict[str, Value]
        vectors: dict[str, Vector]
        functions: dict[str, Function]
        call_labels: dict[int, str]
        calls: list[tuple[str, int, int]]

        def labelled(self, node: Value, span: tuple[int, int], label: str) -> Value: ...
        def move(self, node: Value, span: tuple[int, int], label: str | None) -> None: ...
        def next_call(self, name: str) -> int: ...
        def number(self, text: str, start: int, end: int) -> Value: ...

Span = tuple[int, int]


class Function(NamedTuple):
    """A checked definition: its parameters and body code, with the offset its spans are relative to."""

    name: str
    parameters: tuple[str, ...]
    code: list[Instruction]
    span: Span  # the whole definition, in the graph's source text
    offset: int
    size: int  # the nodes one call builds, calls in the body included (at most SIZE_CEILING)

    def signature(self) -> str:
        return f"{self.name}({', '.join(self.parameters)})"


def define(graph: Graph, statement: Statement, offset: int, builtins: frozenset[str]) -> Function:
    """Check a definition (names, parameters, every name and call of its body) and return it."""
    name = statement.target
    assert name is not None and statement.target_span is not None and statement.parameters is not None
    name_span = (statement.target_span[0] + offset, statement.target_span[1] + offset)
    if name in builtins:
        raise NameError_(f"cannot define '{name}': it is a built-in function", name_span, "choose another name")
    if name in graph.functions:
        raise NameError_(
            f"function '{name}' is already defined", name_span, "a function cannot be redefined: choose another name"
        )
    if name in graph.names or name in graph.vectors:
        raise NameError_(f"'{name}' is already a value; a function needs a name of its own", name_span)
    parameters: list[str] = []
    for parameter in statement.parameters:
        span = (parameter.span[0] + offset, parameter.span[1] + offset)
        if parameter.name is None:
            raise NameError_("a parameter must be a name", span, f"write {name}(x, y) = ..., then use x and y in the body")
        if parameter.name in builtins or parameter.name in graph.functions or parameter.name == name:
            raise NameError_(f"parameter '{parameter.name}' is named like a function", span, "choose another name")
        if parameter.name in parameters:
            raise NameError_(f"parameter '{parameter.name}' appears twice", span)
        parameters.append(parameter.name)
    for instruction in statement.code:
        kind = instruction[0]
        if kind == "name" and instruction[1] not in parameters and instruction[1] not in CONSTANTS:
            used = instruction[1]
            span = (instruction[2] + offset, instruction[3] + offset)
            if used in graph.functions or used in builtins:
                raise NameError_(f"'{used}' is a function, not a value", span, f"call it, as in {used}(...)")
            raise NameError_(
                f"unknown name '{used}' in the body of {name}()",
                span,
                "a function's body sees only its parameters and constants (pi): pass other values as arguments",
            )
        if kind == "call":
            _check_call(graph, name, instruction, offset)
    statement_span = (statement.span[0] + offset, statement.span[1] + offset)
    return Function(name, tuple(parameters), statement.code, statement_span, offset, _size(graph, statement.code, parameters))


#: Where a body's size stops being counted: f(x) = g(g(x)) doubles g's size, so
#: thirty such levels would count past a billion and a hundred past 10^30.
SIZE_CEILING = 1 << 62


def _size(graph: Graph, code: list[Instruction], parameters: list[str]) -> int:
    """The nodes one call of a body builds: one per literal, constant and operation; a call its callee's size.

    Counted once, when the function is defined, so a call that would build
    too much is refused before it builds anything (evaluate.MAX_BUILT_NODES).
    """
    size = 0
    for instruction in code:
        kind = instruction[0]
        if kind == "name":
            size += instruction[1] not in parameters  # a parameter is its argument's node; pi is a node of its own
        elif kind == "call" and instruction[1] in graph.functions:
            size += graph.functions[instruction[1]].size
        else:
            size += 1
    return min(size, SIZE_CEILING)


def _check_call(graph: Graph, defining: str, instruction: Instruction, offset: int) -> None:
    _, called, count, start, end, _ = instruction
    span = (start + offset, end + offset)
    name_span = (start + offset, start + offset + len(called))
    function = graph.functions.get(called)
    if function is not None:
        if len(function.parameters) != count:
            raise NameError_(_wrong_count(function.signature(), called, len(function.parameters), count), span)
        return
    if called in VECTOR_BUILTINS:
        wanted = 1 if called == "len" else 2
        if count != wanted:
            raise NameError_(_wrong_count("", called, wanted, count), span)
        return
    operation = FUNCTIONS.get(called)
    if operation is not None:
        if not operation.takes(count):
            raise NameError_(_wrong_count("", called, operation.arity, count), span)
        return
    if called == defining:
        raise NameError_(f"{defining}() cannot call itself", name_span, "a body may call only functions defined before it")
    if called == "grad":
        raise NameError_("grad() cannot be used in a function's body", name_span, "call grad() on the function's result")
    raise NameError_(f"unknown function '{called}' in the body of {defining}()", name_span)


def _wrong_count(signature: str, name: str, wanted: int, got: int) -> str:
    text = "at least 1 argument" if wanted < 0 else "1 argument" if wanted == 1 else f"{wanted} arguments"
    return f"{signature or name + '()'} takes {text}, not {got}"


def check_call(function: Function, count: int, span: Span) -> None:
    if len(function.parameters) != count:
        raise NameError_(_wrong_count(function.signature(), function.name, len(function.parameters), count), span)


class _Frame:
    """One call being inlined: the function, where it is in the body, its parameters' nodes and its stack."""

    __slots__ = ("function", "index", "local", "stack", "number", "first")

    def __init__(self, function: Function, arguments: tuple[Value, ...], number: int, first: int) -> None:
        self.function = function
        self.index = 0
        self.local = dict(zip(function.parameters, arguments))
        self.stack: list[Any] = []  # Values, and Vectors (vectors.py)
        self.number = number
        self.first = first  # the id the call's first node gets


def inline(graph: Graph, function: Function, arguments: tuple[Value, ...], call_span: Span) -> Value | Vector:
    """Build one call's nodes into `graph`, labelled `... in name#N`; return the node of its result."""
    frames = [_Frame(function, arguments, graph.next_call(function.name), len(graph.nodes))]
    spans = [call_span]  # where each frame was called from (absolute offsets)
    while True:
        frame = frames[-1]
        code = frame.function.code
        if frame.index == len(code):
            (result,) = frame.stack
            frames.pop()
            span = spans.pop()
            if isinstance(result, Vector):  # each element made by this call is shown as the call's element
                text = " ".join(graph.source.text[span[0] : span[1]].split())
                for position, element in enumerate(result):
                    if element.id >= frame.first:
                        where = f" in {frames[-1].function.name}#{frames[-1].number}" if frames else ""
                        graph.move(element, span, f"{text}[{position}]{where}")
            elif result.id >= frame.first:  # made by this call: it is the call's node, shown as the call
                graph.move(result, span, _label(graph, frames[-1], span) if frames else None)
            if not frames:
                graph.calls.append((function.name, frame.first, len(graph.nodes)))
                return result
            frames[-1].stack.append(result)
            continue
        instruction = code[frame.index]
        frame.index += 1
        kind = instruction[0]
        base = frame.function.offset
        if kind == "name":
            node = frame.local.get(instruction[1])
            if node is None:  # a constant (the definition allowed nothing else)
                span = (instruction[2] + base, instruction[3] + base)
                node = graph.labelled(Value(CONSTANTS[instruction[1]], CONSTANT), span, _label(graph, frame, span))
            frame.stack.append(node)
            continue
        if kind == "number":
            span = (instruction[2] + base, instruction[3] + base)
            node = graph.number(instruction[1], span[0], span[1])
            graph.call_labels[node.id] = _label(graph, frame, span)
            frame.stack.append(node)
            continue
        if kind == "vector" or kind == "index":
            frame.stack.append(_structure(graph, frame, instruction, base))
            continue
        if kind == "operator":
            _, name, start, end, operand_spans = instruction
            operation = OPERATIONS[name]
            count = 1 if operation.arity == 1 else 2
        else:
            _, name, count, start, end, operand_spans = instruction
            if name in VECTOR_BUILTINS:
                children = tuple(frame.stack[len(frame.stack) - count :])
                del frame.stack[len(frame.stack) - count :]
                span = (start + base, end + base)
                shifted = tuple((a + base, b + base) for a, b in operand_spans)
                frame.stack.append(builtin(_maker(graph, frame), name, children, span, shifted))
                continue
            called = graph.functions.get(name)
            if called is not None:
                children = tuple(frame.stack[len(frame.stack) - count :])
                del frame.stack[len(frame.stack) - count :]
                frames.append(_Frame(called, children, graph.next_call(name), len(graph.nodes)))
                spans.append((start + base, end + base))
                continue
            operation = FUNCTIONS[name]
        children = tuple(frame.stack[len(frame.stack) - count :])
        del frame.stack[len(frame.stack) - count :]
        span = (start + base, end + base)
        try:
            data = operation.forward(*[child.data for child in children])
        except (DomainError, OverflowError) as error:
            if not graph.lenient:
                raise error_inside(graph, frame.function, error, operation.name, span, call_span) from None
            data = math.nan
        except AttributeError:  # a vector among the arguments
            shifted = tuple((a + base, b + base) for a, b in operand_spans)
            frame.stack.append(apply(_maker(graph, frame), operation, children, span, shifted))
            continue
        if not -math.inf < data < math.inf and not graph.lenient:
            raise error_inside(graph, frame.function, None, operation.name, span, call_span)
        node = Value(data, operation, children)
        frame.stack.append(graph.labelled(node, span, _label(graph, frame, span)))


def _maker(graph: Graph, frame: _Frame) -> Maker:
    return Maker(graph, f" in {frame.function.name}#{frame.number}")


def _structure(graph: Graph, frame: _Frame, instruction: Instruction, base: int) -> Value | Vector:
    """`[a, b]` or `v[0]` inside a body, from the frame's stack."""
    stack = frame.stack
    if instruction[0] == "vector":
        _, count, _, _, spans = instruction
        items = stack[len(stack) - count :]
        del stack[len(stack) - count :]
        return literal(items, tuple((a + base, b + base) for a, b in spans))  # type: ignore[arg-type]
    _, digits, _, _, (operand_span, digits_span) = instruction
    shifted = (operand_span[0] + base, operand_span[1] + base), (digits_span[0] + base, digits_span[1] + base)
    return index(graph, stack.pop(), digits, *shifted)


def _label(graph: Graph, frame: _Frame, span: Span) -> str:
    text = " ".join(graph.source.text[span[0] : span[1]].split())
    return f"{text} in {frame.function.name}#{frame.number}"


def error_inside(
    graph: Graph, function: Function, error: Exception | None, name: str, span: Span, call_span: Span
) -> EvaluationError:
    """A step of a body that failed: at the call, naming the body's expression (also for `--at`, at.step_error)."""
    message = str(error) if isinstance(error, DomainError) else f"overflow: the result of {name} is too large for a double"
    where = " ".join(graph.source.text[span[0] : span[1]].split())
    return EvaluationError(f"{message}, at {where} in the body of {function.name}()", call_span)
