"""Values, their topological order and the backward pass: no I/O, no text.

micrograd's engine without its limits: children in two slots, no closures (so no
reference cycles for the garbage collector to chase), one table of operations,
and an iterative topological sort, so depth never meets the recursion limit.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ..base.typing_lite import NamedTuple
from .ops import FloatMath, Operation

INPUT = "input"
CONSTANT = "const"


class Value:
    """One node of the graph: a scalar, how it was made, and its gradient.

    `op` is an `Operation`, or `INPUT` / `CONSTANT` for leaves.  A constant's
    grad stays None: it is a number of the program, not something to tune.
    The children (micrograd's `_prev`) are in two slots, `a` and `b`, None
    where absent: a tuple cost 48-56 bytes a node.  The rare node with more
    than two (`sum(...)`, `prod(...)`, `clamp`) has `a` None and the tuple in
    `b`; `children` gives every node's as a tuple.
    `id` is the node's position in creation order, given by whoever builds
    the graph; it keys everything kept outside the node (source spans).
    `name` is the first name a program bound to it, as micrograd's `label`
    (a slot costs 8 bytes a node; a dict of names cost about 80 a named node).
    """

    __slots__ = ("data", "grad", "op", "a", "b", "id", "name")

    a: Value | None
    b: Value | tuple[Value, ...] | None

    def __init__(
        self,
        data: float,
        op: Operation | str = INPUT,
        children: tuple[Value, ...] = (),
        id: int = -1,
    ) -> None:
        self.data = data
        self.grad: float | None = None if op is CONSTANT else 0.0
        self.op = op
        count = len(children)
        if count == 2:
            self.a, self.b = children
        elif count == 1:
            self.a, self.b = children[0], None
        elif count == 0:
            self.a = self.b = None
        else:
            self.a, self.b = None, tuple(children)
        self.id = id
        self.name: str | None = None

    @property
    def children(self) -> tuple[Value, ...]:
        """The node's inputs, in argument order."""
        a, b = self.a, self.b
        if a is None:
            return () if b is None else b  # type: ignore[return-value]
        return (a,) if b is None else (a, b)  # type: ignore[return-value]

    @property
    def op_name(self) -> str:
        return self.op if isinstance(self.op, str) else self.op.name

    def __repr__(self) -> str:
        return f"Value(data={self.data!r}, grad={self.grad!r}, op={self.op_name!r})"


#: On the sort's stack, above a node: emit that node, its inputs are all emitted
#: (a Value of no graph, so the stack holds only Values).
_EMIT = Value(0.0, CONSTANT)


def topological_order(root: Value, size: int | None = None) -> list[Value]:
    """Every node `root` depends on, each after its inputs, inputs in argument order.

    The order of a recursive depth-first search (micrograd's build_topo), from
    an explicit stack instead: a chain of a million nodes is as safe as a
    chain of three.  A node is pushed once to be expanded and once more,
    under `_EMIT`, to be emitted after everything pushed above it (a marker,
    not a 1-tuple a node: the allocations were a third of the sort's time).

    `size`: every node's `id` is its own, in range(size) (a `Graph`'s are), so
    visits are marked in one byte per id instead of a set (about 60 bytes a
    node while the sort runs).
    """
    if size is not None:
        return _order_by_id(root, size)
    order: list[Value] = []
    emit = order.append
    # A set of the nodes themselves (hashed by identity): a set of id()s
    # allocated an int per node, 190 MB on a million-statement chain.
    seen: set[Value] = set()
    mark = seen.add
    stack: list[Value] = [root]
    push, pop = stack.append, stack.pop
    while stack:
        node = pop()
        if node is _EMIT:
            emit(pop())
            continue
        if node in seen:
            continue
        mark(node)
        a, b = node.a, node.b
        if a is None and b is None:
            emit(node)
            continue
        push(node)
        push(_EMIT)
        # Pushed last, expanded first: children in argument order.
        if a is None:
            for child in reversed(b):  # type: ignore[arg-type]
                if child not in seen:
                    push(child)
            continue
        if b is not None and b not in seen:
            push(b)  # type: ignore[arg-type]
        if a not in seen:
            push(a)
    return order


def _order_by_id(root: Value, size: int) -> list[Value]:
    """`topological_order`'s loop, with visits marked in a bytearray indexed by id."""
    order: list[Value] = []
    emit = order.append
    seen = bytearray(size)
    stack: list[Value] = [root]
    push, pop = stack.append, stack.pop
    while stack:
        node = pop()
        if node is _EMIT:
            emit(pop())
            continue
        index = node.id
        if seen[index]:
            continue
        seen[index] = 1
        a, b = node.a, node.b
        if a is None and b is None:
            emit(node)
            continue
        push(node)
        push(_EMIT)
        if a is None:
            for child in reversed(b):  # type: ignore[arg-type]
                if not seen[child.id]:
                    push(child)
            continue
        if b is not None and not seen[b.id]:  # type: ignore[union-attr]
            push(b)  # type: ignore[arg-type]
        if not seen[a.id]:
            push(a)
    return order


class Step(NamedTuple):
    """One use of a node by another in the backward pass: `child.grad += local * node.grad`.

    `before` is the receiver's sum before this use, so the step leaves
    `child.grad == before + contribution`.  A node whose own gradient is 0
    passes nothing on and makes no steps.
    """

    node: Value
    child: Value
    local: float
    contribution: float
    before: float


def backward_steps(root: Value, order: Sequence[Value] | None = None) -> Iterator[Step]:
    """The backward pass, one edge at a time: each step is applied, then yielded.

    The one walk of the tool: `backward` runs it to the end, `--explain` and
    `--why` read its steps, so what they show is what was computed.
    Gradients are reset first, so a second pass never adds onto stale ones.
    """
    if order is None:
        order = topological_order(root)
    for node in order:
        if node.op is not CONSTANT:
            node.grad = 0.0
    root.grad = 1.0
    m = FloatMath
    new = tuple.__new__  # a Step without NamedTuple's Python-level __new__: the loop runs once an edge
    for node in reversed(order):
        op = node.op
        if op.__class__ is str:
            continue
        grad = node.grad
        if grad == 0.0:
            # Nothing flows back through a node the output does not feel, even
            # where a local derivative is infinite (sqrt'(0)): 0 * inf would
            # poison every input with nan, which is never what a user means.
            continue
        a, b = node.a, node.b
        if b is None:
            children: tuple[Value, ...] = (a,)  # type: ignore[assignment]
            local = op.derivatives(m, a.data, node.data)  # type: ignore[union-attr]
        elif a is not None:
            children = (a, b)  # type: ignore[assignment]
            local = op.derivatives(m, a.data, b.data, node.data)  # type: ignore[union-attr]
        else:
            children = b  # type: ignore[assignment]
            local = op.derivatives(m, *[child.data for child in children], node.data)  # type: ignore[union-attr]
        for child, derivative in zip(children, local):
            if child.op is CONSTANT:
                continue
            before = child.grad
            contribution = derivative * grad
            # Accumulate, never assign: a node used twice gets both uses.
            child.grad = before + contribution  # type: ignore[operator]
            yield new(Step, (node, child, derivative, contribution, before))


def backward(root: Value, order: Sequence[Value] | None = None) -> list[Value]:
    """Set every node's grad to d(root)/d(node), summing over all uses; return the order."""
    if order is None:
        order = topological_order(root)
    for _ in backward_steps(root, order):
        pass
    return order if isinstance(order, list) else list(order)
