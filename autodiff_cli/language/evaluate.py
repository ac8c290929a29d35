"""Statements to a graph of Values, and the graph to a differentiated result.

A `Graph` is the state a program builds: its nodes in creation order, where
each came from in the source, and the names bound so far.  The one-shot
commands build one per program; the REPL keeps one for the whole session.
"""

from __future__ import annotations

import gc
import math
from array import array
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from ..base.typing_lite import TYPE_CHECKING, NamedTuple
from ..core.engine import CONSTANT, INPUT, Value, backward, topological_order

if TYPE_CHECKING:
    from .functions import Function
from ..base.errors import EvaluationError, LimitError, NameError_, ProgramError, ProgramWarning, Source, UsageError, printable
from ..core.ops import CONSTANTS, FUNCTIONS, OPERATIONS, VARIADIC, DomainError, Operation
from .parse import Statement, parse
from .vectors import VECTOR_BUILTINS, Vector

#: `grad(y, x)`: not an operation of the table but a graph of them (see derivative.py).
GRAD = "grad"

#: Every name a program may call; none of them can be assigned to.
BUILTINS = frozenset({*FUNCTIONS, GRAD, *VECTOR_BUILTINS})


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while a graph is built.

    The graph has no reference cycles (children point back only, no closures),
    so every collection while it grows is wasted work: on a 100,000-statement
    chain it was most of the build time.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


#: Where messages send a user about nan, inf and overflow (tests/interface/test_defects_cli.py checks it exists).
NUMERIC_POLICY = '"Numeric policy" in docs/language.md'

#: Longest source text shown as a node's label (longer text ends in "…").
LABEL_LIMIT = 60

#: Most nodes the function calls and grad() of one program (or REPL session)
#: may build, counting the nodes each grad() walks.  Every other node is one
#: the text spells out, but a call inlines a body that may call others, and a
#: grad() of a grad() about doubles the graph: without a cap 643 bytes of
#: text ask for a billion nodes.  Near the cap, a run takes about 10 s and 350 MB
#: (docs/security.md, "Caps").
MAX_BUILT_NODES = 1_000_000


class Graph:
    """The nodes a program has built, their source spans, and its names."""

    def __init__(self, source: Source, lenient: bool = False) -> None:
        self.source = source
        # Lenient: a step outside its domain makes a nan node instead of an error.  For
        # `--at` and `--sweep`, whose inputs move away from the literals before anything
        # is shown: only the graph's shape is needed at the literals' point.
        self.lenient = lenient
        self.nodes: list[Value] = []
        # 4-byte offsets (a source over 4 GB could not be held in memory anyway).
        self.starts = array("I")
        self.ends = array("I")
        self.names: dict[str, Value] = {}  # a vector's elements too, as `w[0]`
        self.vectors: dict[str, Vector] = {}  # the names bound to vectors
        self.formulas: dict[int, str] = {}  # node id -> the text of a node grad() built
        self.last: Value | None = None  # the node of the last statement
        self.last_span: tuple[int, int] = (0, 0)
        # One float per literal text: `* 0.999` in every statement shares one (24 bytes a constant).
        self._literals: dict[str, float] = {}
        self.warnings: list[ProgramWarning] = []
        self.functions: dict[str, Function] = {}  # the program's own functions, by name
        self.call_labels: dict[int, str] = {}  # node id -> "x * w in neuron#1" for nodes a call made
        self._calls: dict[str, int] = {}
        # (function name, first node id, end) of each call made by a statement itself (not inside a body):
        # its nodes, nested calls' included, are ids first..end-1, so the page can fold it into one box.
        self.calls: list[tuple[str, int, int]] = []
        self.underflowed: dict[int, str] = {}  # node id -> the nonzero literal that became 0.0
        self.built = 0  # nodes function calls and grad() have built or walked (at most MAX_BUILT_NODES)
        self._constants: dict[tuple[object, ...], Value] = {}  # for grad(): see _first_constants
        self._constants_seen = 0

    # -- building
    def _node(self, node: Value, start: int, end: int) -> Value:
        node.id = len(self.nodes)
        self.nodes.append(node)
        self.starts.append(start)
        self.ends.append(end)
        return node

    def run(self, statements: Iterable[Statement], offset: int = 0) -> None:
        """Execute statements in order.

        A syntax error anywhere wins over an evaluation error earlier on, as
        in Python: after the first failure the rest is still parsed, not run.
        """
        failure: ProgramError | None = None
        with _no_cyclic_gc():
            for statement in statements:
                if failure is None:
                    try:
                        self.execute(statement, offset)
                    except ProgramError as error:
                        failure = error
        if failure is not None:
            raise failure

    def execute(self, statement: Statement, offset: int = 0) -> Value | None:
        """Run one statement's postfix code; bind its target; return its node (None for a definition).

        The loop is the hot path of every program (a few microseconds a node),
        so the common cases are inline and the rare ones (errors, `grad`,
        constants, functions of the user) are methods.
        """
        if statement.parameters is not None:
            from .functions import define

            function = define(self, statement, offset, BUILTINS)
            self.functions[function.name] = function
            return None
        stack: list[Value] = []  # and Vectors (vectors.py), which only the cold paths make and take
        push, pop = stack.append, stack.pop
        nodes, names, literals = self.nodes, self.names, self._literals
        add_start, add_end = self.starts.append, self.ends.append
        inf = math.inf
        first_new = len(nodes)
        for instruction in statement.code:
            kind = instruction[0]
            if kind == "name":
                node = names.get(instruction[1])
                push(node if node is not None else self._lookup(instruction[1], instruction[2] + offset, instruction[3] + offset))
                continue
            if kind == "number":
                value = literals.get(instruction[1])
                if value:  # a literal seen before, not 0: no check to make, no call
                    node = Value(value, CONSTANT, (), len(nodes))
                    nodes.append(node)
                    add_start(instruction[2] + offset)
                    add_end(instruction[3] + offset)
                    push(node)
                else:
                    push(self._number(instruction[1], instruction[2] + offset, instruction[3] + offset))
                continue
            if kind == "operator":
                _, name, start, end, operand_spans = instruction
                op = OPERATIONS[name]
            elif kind == "vector" or kind == "index":
                push(self._structure(instruction, stack, offset))  # type: ignore[arg-type]
                continue
            else:  # call
                _, name, count, start, end, operand_spans = instruction
                op = FUNCTIONS.get(name)  # type: ignore[assignment]
                if op is None or (op.arity != count and not op.takes(count)):
                    children = tuple(stack[len(stack) - count :])
                    del stack[len(stack) - count :]
                    push(self._special_call(name, children, start + offset, end + offset, operand_spans, offset))
                    continue
            try:
                arity = op.arity
                if arity == 2:
                    b = pop()
                    a = pop()
                    children = (a, b)
                    data = op.forward(a.data, b.data)
                elif arity == 1:
                    a = pop()
                    children = (a,)
                    data = op.forward(a.data)
                else:  # clamp, and sum(...) / prod(...) with `count` arguments
                    taken = arity if arity > 0 else count
                    children = tuple(stack[len(stack) - taken :])
                    del stack[len(stack) - taken :]
                    data = op.forward(*[child.data for child in children])
            except (DomainError, OverflowError) as error:
                if not self.lenient:
                    raise self._step_error(op, children, error, start, end, operand_spans, offset) from None
                data = math.nan
            except AttributeError:  # a vector among the arguments (it has no `data`)
                vector = self._vector_operation(op, children, start + offset, end + offset, operand_spans, offset)
                push(vector)  # type: ignore[arg-type]
                continue
            if not -inf < data < inf and not self.lenient:
                raise self._step_error(op, children, None, start, end, operand_spans, offset)
            node = Value(data, op, children, len(nodes))
            nodes.append(node)
            add_start(start + offset)
            add_end(end + offset)
            push(node)
        (node,) = stack
        if statement.target is not None:
            self._bind(statement, node, first_new, offset)
        self.last = node
        self.last_span = (statement.span[0] + offset, statement.span[1] + offset)
        return node

    # -- vectors (vectors.py): off the hot path
    def _structure(self, instruction: tuple, stack: list, offset: int) -> Value | Vector:  # type: ignore[type-arg]
        """A vector literal `[a, b]` or an index `v[0]`, from the values on the stack."""
        from . import vectors

        if instruction[0] == "vector":
            _, count, start, end, spans = instruction
            items = stack[len(stack) - count :]
            del stack[len(stack) - count :]
            return vectors.literal(items, tuple((a + offset, b + offset) for a, b in spans))
        _, digits, start, end, (operand_span, digits_span) = instruction
        shift = lambda span: (span[0] + offset, span[1] + offset)  # noqa: E731
        return vectors.index(self, stack.pop(), digits, shift(operand_span), shift(digits_span))

    def _vector_operation(
        self, op: Operation, children: tuple, start: int, end: int, operand_spans: tuple, offset: int  # type: ignore[type-arg]
    ) -> Value | Vector:
        from . import vectors

        spans = tuple((a + offset, b + offset) for a, b in operand_spans)
        return vectors.apply(vectors.Maker(self), op, children, (start, end), spans)

    def _bind_vector(self, statement: Statement, vector: Vector, first_new: int) -> None:
        """`w = [...]`: each element named `w[i]`; a vector of literals is a vector of inputs."""
        target = statement.target
        assert target is not None
        self._forget_vector(target)
        self.names.pop(target, None)
        code = statement.code
        literals = code[-1][0] == "vector" and all(instruction[0] == "number" for instruction in code[:-1])
        for index, node in enumerate(vector):
            key = f"{target}[{index}]"
            if literals and node.op is CONSTANT and node.id >= first_new:
                node.op = INPUT
                node.grad = 0.0
            if node.name is None:
                node.name = key
            self.names[key] = node
        self.vectors[target] = vector

    def _forget_vector(self, target: str) -> None:
        old = self.vectors.pop(target, None)
        if old is not None:
            for index in range(len(old)):
                self.names.pop(f"{target}[{index}]", None)

    def _bind(self, statement: Statement, node: Value, first_new: int, offset: int) -> None:
        target = statement.target
        assert target is not None and statement.target_span is not None
        if target in BUILTINS or target in self.functions:
            start, end = statement.target_span
            kind = "a built-in function" if target in BUILTINS else f"a function ({self.functions[target].signature()})"
            raise NameError_(f"cannot assign to '{target}': it is {kind}", (start + offset, end + offset), "choose another name")
        if isinstance(node, Vector):
            self._bind_vector(statement, node, first_new)
            return
        if self.vectors:
            self._forget_vector(target)
        code = statement.code
        if node.op is CONSTANT and node.id >= first_new and len(code) == 1 and code[0][0] != "call":
            # `a = 3` (or `a = -2.5`, `a = pi`): a literal bound to a name is an input.  A
            # call's literal (`f() = 3; b = f()`) stays a constant, as with `f(x) = 3; b = f(1)`.
            node.op = INPUT
            node.grad = 0.0
        self.names[target] = node
        if node.name is None:
            node.name = target

    def _number(self, text: str, start: int, end: int) -> Value:
        value = self._literals.get(text)
        if value is None:
            value = float(text)  # the grammar's NUMBER is ASCII digits only, so this reads what the user sees
            if not math.isfinite(value):
                raise EvaluationError("number too large for a double", (start, end), "the largest is about 1.8e308")
            self._literals[text] = value
        node = self._node(Value(value, CONSTANT), start, end)
        if value == 0.0 and _nonzero_digits(text):
            # Allowed (IEEE rounds it to 0), but never what a user who wrote it meant.
            self.underflowed[node.id] = text = _capped(text)
            self.warnings.append(
                ProgramWarning(
                    f"the literal {text} underflowed to 0",
                    (start, end),
                    "the smallest positive double is about 4.9e-324",
                )
            )
        return node

    # -- for functions.py: nodes a call makes
    number = _number

    def next_call(self, name: str) -> int:
        """The number of a new call of function `name` (neuron#1, neuron#2, ...)."""
        number = self._calls[name] = self._calls.get(name, 0) + 1
        return number

    def labelled(self, node: Value, span: tuple[int, int], label: str) -> Value:
        self._node(node, *span)
        self.call_labels[node.id] = label
        return node

    def move(self, node: Value, span: tuple[int, int], label: str | None) -> None:
        """Give a call's result the call's own place (and label, inside another function's body)."""
        self.starts[node.id], self.ends[node.id] = span
        if label is None:
            self.call_labels.pop(node.id, None)
        else:
            self.call_labels[node.id] = label

    def _lookup(self, name: str, start: int, end: int) -> Value:
        node = self.names.get(name)
        if node is not None:
            return node
        vector = self.vectors.get(name)
        if vector is not None:
            return vector  # type: ignore[return-value]  # the stack holds vectors too
        if name in CONSTANTS:
            return self._node(Value(CONSTANTS[name], CONSTANT), start, end)
        if name in BUILTINS or name in self.functions:
            example = "grad(y, x)" if name == GRAD else f"{name}(x)"
            if name in self.functions:
                example = self.functions[name].signature()
            raise NameError_(f"'{name}' is a function, not a value", (start, end), f"call it, as in {example}")
        raise NameError_(f"unknown name '{_capped(name)}'", (start, end), self._suggest(name, self.names))

    def _special_call(
        self,
        name: str,
        children: tuple[Value, ...],
        start: int,
        end: int,
        operand_spans: tuple[tuple[int, int], ...],
        offset: int,
    ) -> Value:
        """A call that is not a plain function of the table: `grad`, or a mistake."""
        if name == GRAD:
            return self._grad(children, start, end, operand_spans, offset)
        if name in VECTOR_BUILTINS:
            from . import vectors

            spans = tuple((a + offset, b + offset) for a, b in operand_spans)
            return vectors.builtin(vectors.Maker(self), name, children, (start, end), spans)
        function = self.functions.get(name)
        if function is not None:
            from .functions import check_call, inline

            check_call(function, len(children), (start, end))
            if function.size > MAX_BUILT_NODES - self.built:
                raise self._over_cap(
                    f"this call of {name}() would build {_count(function.size)} nodes",
                    (start, end),
                    f"a call builds the whole body of {name}(), the calls in it included",
                )
            self.built += function.size
            return inline(self, function, children, (start, end))  # type: ignore[return-value]  # maybe a Vector
        operation = FUNCTIONS.get(name)
        if operation is None:
            if name in self.names or name in CONSTANTS:
                raise NameError_(f"'{name}' is a value, not a function", (start, start + len(name)))
            known = sorted({*BUILTINS, *self.functions})
            hint = self._suggest(name, known) or "the functions are " + ", ".join(known)
            raise NameError_(f"unknown function '{_capped(name)}'", (start, start + len(name)), hint)
        if operation.arity == VARIADIC:
            wanted = "at least 1 argument"
        else:
            wanted = "1 argument" if operation.arity == 1 else f"{operation.arity} arguments"
        raise NameError_(f"{name}() takes {wanted}, not {len(children)}", (start, end))

    @staticmethod
    def _domain_error(
        op: Operation,
        children: tuple[Value, ...],
        error: Exception | None,
        start: int,
        end: int,
        operand_spans: tuple[tuple[int, int], ...],
        offset: int,
    ) -> EvaluationError:
        """The error for a forward step outside its domain, or one that overflowed."""
        overflow = f"overflow: the result of {op.name} is too large for a double"
        message = str(error) if isinstance(error, DomainError) else overflow
        span = (start + offset, end + offset)
        if op.name == "div" and children[1].data == 0.0:
            span = (operand_spans[1][0] + offset, operand_spans[1][1] + offset)
        return EvaluationError(message, span)

    def _step_error(
        self,
        op: Operation,
        children: tuple[Value, ...],
        error: Exception | None,
        start: int,
        end: int,
        operand_spans: tuple[tuple[int, int], ...],
        offset: int,
    ) -> EvaluationError:
        """`_domain_error`, naming a literal of the program that underflowed to 0 where one is an argument."""
        failure = self._domain_error(op, children, error, start, end, operand_spans, offset)
        literals = [self.underflowed[child.id] for child in children if child.id in self.underflowed]
        if literals:
            note = f"the literal {literals[0]} underflowed to 0"
            message = failure.message
            shows_zero = message.endswith(("(0)", "(-0)"))  # "log of a non-positive number (0: the literal ...)"
            failure = EvaluationError(f"{message[:-1]}: {note})" if shows_zero else f"{message} ({note})", failure.span)
        return failure

    def _grad(
        self,
        children: tuple[Value, ...],
        start: int,
        end: int,
        operand_spans: tuple[tuple[int, int], ...],
        offset: int,
    ) -> Value:
        """`grad(y, x)`: dy/dx built as nodes of this graph, so it can be differentiated again."""
        from ..core.derivative import GraphMath, GraphTooLarge, adopted, gradient

        if len(children) != 2:
            raise NameError_(f"grad() takes 2 arguments (grad(y, x)), not {len(children)}", (start, end))
        for child, (arg_start, arg_end) in zip(children, operand_spans):
            if isinstance(child, Vector):
                span = (arg_start + offset, arg_end + offset)
                hint = "name one element, as in grad(y, w[0])"
                raise EvaluationError("grad() differentiates a number, not a vector", span, hint)
        for child, (arg_start, arg_end) in zip(children, operand_spans):
            text = self.source.text[arg_start + offset : arg_end + offset]
            if self.names.get(text) is not child:
                raise NameError_(
                    "grad() differentiates a named node with respect to a named node",
                    (arg_start + offset, arg_end + offset),
                    "bind it to a name first, as in: y = ...; grad(y, x)",
                )
        y, x = children
        m = GraphMath(budget=MAX_BUILT_NODES - self.built, constants=self._first_constants(), before=x.id)
        with _no_cyclic_gc():
            try:
                result = gradient(y, x, m, since=x.id)
            except GraphTooLarge:
                raise self._over_cap(
                    "this grad() would build or walk more nodes than are left",
                    (start, end),
                    "each grad() walks the graph of its first argument, and a grad() of a grad() about doubles it",
                ) from None
            self.built += m.spent
            if not math.isfinite(result.data) and not self.lenient:
                # Before adopting any node: a REPL session goes on with its graph as it was.
                raise EvaluationError(
                    f"d{self.label(y)}/d{self.label(x)} is {result.data} here: a local derivative is infinite or "
                    "undefined, such as sqrt'(0), or the derivative is too large for a double",
                    (start, end),
                    f"see {NUMERIC_POLICY}",
                )
            for node in adopted(result, m):
                self._node(node, start, end)
                self.formulas[node.id] = self._formula_label(node)
        return result

    def _over_cap(self, what: str, span: tuple[int, int], why: str) -> LimitError:
        """The error for a call or grad() that would take the program past MAX_BUILT_NODES."""
        so_far = f" ({self.built:,} are built already)" if self.built else ""
        return LimitError(
            f"{what}{so_far}, past the cap: function calls and grad() may build or walk "
            f"{MAX_BUILT_NODES:,} nodes in one program",
            span,
            f'{why}; see "Caps" in docs/security.md',
        )

    def _first_constants(self) -> dict[tuple[object, ...], Value]:
        """The graph's first constant of each value, brought up to date (grad() reuses them)."""
        from ..core.derivative import constant_key

        table = self._constants
        for node in self.nodes[self._constants_seen :]:
            if node.op is CONSTANT:
                table.setdefault(constant_key(node.data), node)
        self._constants_seen = len(self.nodes)
        return table

    def _formula_label(self, node: Value) -> str:
        from ..core.formula import fill, level, number, template

        if node.op is CONSTANT:
            return number(node.data)[0]
        children = node.children
        levels = [level(child, child.name is not None) for child in children]
        pieces, _ = template(node.op, levels)  # type: ignore[arg-type]
        return _capped(fill(pieces, [self.label(child) for child in children]))

    @staticmethod
    def _suggest(name: str, known: Iterable[str]) -> str:
        import difflib

        close = difflib.get_close_matches(name, list(known)[-1000:], n=1)
        return f"did you mean '{close[0]}'?" if close else ""

    # -- reading
    def output(self, of: str | None = None) -> Value:
        """The node to differentiate: `of`'s node, or the last statement's."""
        if of is not None:
            node = self.names.get(of)
            if node is None:
                if of in self.vectors:
                    raise UsageError(f"--of {of}: '{of}' is a vector; differentiate one number, as in --of {of}[0]")
                raise UsageError(f"--of {of}: the program binds no name '{of}'")
            return node
        if self.last is None:
            what = "only defines functions" if self.functions else "has no statements"
            raise UsageError(f"nothing to differentiate: the program {what}")
        if isinstance(self.last, Vector):
            raise EvaluationError(
                f"the program ends in a vector of {len(self.last)} elements: there is no one number to differentiate",
                self.last_span,
                "end with a number, as in sum(v) or v[0], or name one with --of",
            )
        return self.last

    def differentiate(self, of: str | None = None) -> Result:
        """Backpropagate from the output and package everything a renderer needs."""
        output = self.output(of)
        for node in self.nodes:
            if node.op is not CONSTANT:
                node.grad = 0.0
        with _no_cyclic_gc():
            order = topological_order(output, len(self.nodes))
            backward(output, order, len(self.nodes))
        return Result(self, output, order)

    def label(self, node: Value) -> str:
        """A node's name, or the source text it came from."""
        if node.name is not None:
            return node.name
        if self.formulas:
            formula = self.formulas.get(node.id)
            if formula is not None:
                return formula
        if self.call_labels:
            inside = self.call_labels.get(node.id)
            if inside is not None:
                return _capped(inside)
        start, end = self.starts[node.id], self.ends[node.id]
        # A comment inside the span may hold any character: printable() keeps
        # an escape sequence in it from reaching a terminal through a label.
        if end - start <= LABEL_LIMIT:
            return printable(" ".join(self.source.text[start:end].split()))
        # Cut before joining: slicing a 100,000-character expression for each of
        # its 100,000 nodes made the labels alone quadratic.
        return printable(_capped(" ".join(self.source.text[start : start + LABEL_LIMIT + 1].split()), end - start))

    def labels(self, start: int, stop: int) -> list[str]:
        """`label` of each of `nodes[start:stop]`, in bulk: the JSON document names every node.

        Comprehensions over the columns, then `label` itself for the few nodes
        it names otherwise (a long span, a formula, a function call's inside).
        """
        text = self.source.text
        nodes = self.nodes[start:stop]
        result = [
            text[first:last] if (name := node.name) is None else name
            for node, first, last in zip(nodes, self.starts[start:stop], self.ends[start:stop])
        ]
        # A span starts and ends at a token, so " ".join(label.split()) can
        # change it only where it holds two spaces or other whitespace, and
        # every whitespace character but " " is unprintable.  Checked on all the
        # labels joined first: only where that finds something is each looked at.
        joined = " ".join(result)
        odd: list[int] = []
        if "  " in joined or not joined.isprintable() or max(map(len, result), default=0) > LABEL_LIMIT:
            odd = [
                index
                for index, (node, label) in enumerate(zip(nodes, result))
                if node.name is None and (len(label) > LABEL_LIMIT or "  " in label or not label.isprintable())
            ]
        for special in (self.formulas, self.call_labels):
            if special:
                odd += [node_id - start for node_id in special if start <= node_id < stop and nodes[node_id - start].name is None]
        for index in odd:
            result[index] = self.label(nodes[index])
        return result

    def span(self, node: Value) -> tuple[int, int]:
        return self.starts[node.id], self.ends[node.id]

    # -- undoing
    def checkpoint(self) -> Checkpoint:
        """What `rollback` needs to make the graph as it is now (O(names), not O(nodes))."""
        names, functions, vectors = dict(self.names), dict(self.functions), dict(self.vectors)
        return Checkpoint(
            len(self.nodes), names, self.last, self.source, functions, len(self.warnings), self.built, vectors
        )

    def rollback(self, checkpoint: Checkpoint) -> None:
        """Forget every node, span, name and formula made since `checkpoint`.

        Nodes only ever append, so cutting the lists at the old length restores
        them; a REPL line or a `:load` that fails leaves nothing behind.
        """
        count = checkpoint.node_count
        self._constants, self._constants_seen = {}, 0  # it may hold nodes about to be forgotten
        del self.nodes[count:]
        del self.starts[count:]
        del self.ends[count:]
        for labels in (self.formulas, self.call_labels, self.underflowed):
            for node_id in [node_id for node_id in labels if node_id >= count]:
                del labels[node_id]
        self.calls = [call for call in self.calls if call[1] < count]
        self.names = checkpoint.names
        self.last = checkpoint.last
        self.source = checkpoint.source
        self.functions = checkpoint.functions
        self.vectors = checkpoint.vectors
        del self.warnings[checkpoint.warning_count :]
        self.built = checkpoint.built


class Checkpoint(NamedTuple):
    """A graph's state at one moment: its node count, names, last node, source, functions and warnings."""

    node_count: int
    names: dict[str, Value]
    last: Value | None
    source: Source
    functions: dict[str, Function]
    warning_count: int
    built: int
    vectors: dict[str, Vector]


def _nonzero_digits(text: str) -> bool:
    """Whether a literal's digits (before any exponent) are not all zero: `1e-400` yes, `0.0e5` no."""
    mantissa = text.lower().partition("e")[0]
    return mantissa.lstrip("-").strip("0.") != ""


def _count(number: int) -> str:
    """A count of nodes for a message: 2,097,152; a body's size past its ceiling is only "more than"."""
    from .functions import SIZE_CEILING

    return f"more than {SIZE_CEILING:,}" if number >= SIZE_CEILING else f"{number:,}"


def _capped(text: str, length: int | None = None) -> str:
    """`text` cut to LABEL_LIMIT characters, ending in "…" when it was longer."""
    if (len(text) if length is None else length) > LABEL_LIMIT:
        return text[:LABEL_LIMIT] + "…"
    return text


class Result:
    """A differentiated program: the graph, its output, and backpropagation's order.

    `order` holds the nodes the output depends on, each after its inputs;
    nodes off that path (dead statements, or after `--of`) have grad 0.
    """

    __slots__ = ("graph", "output", "order")

    def __init__(self, graph: Graph, output: Value, order: list[Value]) -> None:
        self.graph = graph
        self.output = output
        self.order = order

    @property
    def value(self) -> float:
        return self.output.data

    @property
    def output_name(self) -> str:
        return self.graph.label(self.output)

    @property
    def variables(self) -> dict[str, Value]:
        return self.graph.names

    def inputs(self) -> list[Value]:
        """Input nodes in creation order."""
        return [node for node in self.graph.nodes if node.op is INPUT]

    def dependent_inputs(self) -> list[Value]:
        """The inputs the output depends on, in creation order."""
        reached = {node.id for node in self.order}
        return [node for node in self.inputs() if node.id in reached]

    def label(self, node: Value) -> str:
        return self.graph.label(node)

    def hessian(self) -> tuple[list[Value], list[list[float]]]:
        """The dependent inputs and the matrix of second derivatives of the output over them."""
        from ..core.derivative import hessian

        inputs = self.dependent_inputs()
        with _no_cyclic_gc():
            return inputs, hessian(self.output, inputs)

    def formulas(self, names: dict[int, str] | None = None) -> list[tuple[Value, list[str] | None]]:
        """For each dependent input, d(output)/d(input) as statements of the language.

        Written over the inputs only, so `inputs; formula` is a program whose
        value is the derivative (at these values: branches such as relu's are
        taken where the program is now).  `names` (node id -> name) names
        inputs whose own name was rebound later, so no two inputs read alike.
        None for a derivative undefined here, which no formula writes
        (formula.writable).
        """
        from ..core.derivative import gradient
        from ..core.formula import number, program, writable

        graph = self.graph
        inputs = self.dependent_inputs()
        names = names or {}

        def leaf(node: Value) -> str:
            if node.op is INPUT:
                return names.get(node.id) or graph.label(node)
            return number(node.data)[0]

        reserved = {*BUILTINS, *CONSTANTS, *(leaf(node) for node in inputs)}

        def preferred(node: Value) -> str | None:
            return node.name

        def written(root: Value) -> list[str] | None:
            return program(root, leaf, preferred, reserved, set(graph.names)) if writable(root) else None

        with _no_cyclic_gc():
            return [(x, written(gradient(self.output, x))) for x in inputs]

    # -- how it shows itself (Jupyter, IPython, Rich): as a report with no views; display.py is imported only here
    def _repr_html_(self) -> str:
        from ..interface.display import plain_report, report_html

        return report_html(plain_report(self))

    def __rich__(self) -> object:
        from ..interface.display import plain_report, report_rich

        return report_rich(plain_report(self))

    def _repr_pretty_(self, printer: object, cycle: bool) -> None:
        from ..interface.display import plain_report, report_text

        printer.text(report_text(plain_report(self)))  # type: ignore[attr-defined]

    def non_finite(self) -> list[Value]:
        """Nodes whose gradient came out nan or infinite (for a warning)."""
        return [node for node in self.order if node.grad is not None and not math.isfinite(node.grad)]

    def non_finite_cause(self) -> str:
        """Why the first gradient that is not finite is not: the step of the backward pass where it began.

        The backward pass is walked again (it leaves the same gradients), on
        the warning's path only.
        """
        from ..core.engine import backward_steps

        label = self.graph.label
        for step in backward_steps(self.output, self.order):
            if not math.isfinite(step.local):
                return f"the derivative of {label(step.node)} with respect to {label(step.child)} is {step.local} here"
            if not math.isfinite(step.contribution):
                return f"overflow: the gradient {label(step.child)} receives from {label(step.node)} is too large for a double"
            if not math.isfinite(step.before + step.contribution):
                return f"the gradients {label(step.child)} receives add up to {step.before + step.contribution}"
        return "a gradient is not finite"


def evaluate(text: str, of: str | None = None, source_name: str = "<input>") -> Result:
    """Parse, run and differentiate a program; the whole pipeline in one call.

    >>> evaluate("a = 3; b = a + a").variables["a"].grad
    2.0
    """
    graph = Graph(Source(source_name, text))
    graph.run(parse(text))
    return graph.differentiate(of)
