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
    `child.grad == before + contribution`; `grad` is the giving node's own
    gradient, final when it gives (`contribution == local * grad`).  A node
    whose own gradient is 0 passes nothing on and makes no steps.
    """

    node: Value
    child: Value
    local: float
    contribution: float
    before: float
    grad: float


def _walk(
    root: Value, order: Sequence[Value], sums: list[float] | dict[Value, float], by_id: bool, steps: bool
) -> Iterator[Step]:
    """THE backward walk: from the output down, each node adds local derivative x its gradient into its inputs'.

    Every gradient accumulates in `sums` (`sums[node.id]` when `by_id`, else
    `sums[node]`), never in a node: the walk reads the graph and writes only
    there, so it can run on a graph any number of times, in any order, and
    change nothing.  With `steps`, each edge is yielded as it is applied;
    without, none is, so the generator runs to the end in its first resume
    (no step is made: the loop costs what a plain function's would).
    """
    sums[root.id if by_id else root] = 1.0  # type: ignore[index]
    m = FloatMath
    new = tuple.__new__  # a Step without NamedTuple's Python-level __new__: the loop runs once an edge
    for node in reversed(order):
        op = node.op
        if op.__class__ is str:
            continue
        grad = sums[node.id if by_id else node]  # type: ignore[index]
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
            key = child.id if by_id else child
            before = sums[key]  # type: ignore[index]
            contribution = derivative * grad
            # Accumulate, never assign: a node used twice gets both uses.
            sums[key] = before + contribution  # type: ignore[index]
            if steps:
                yield new(Step, (node, child, derivative, contribution, before, grad))


def _start(
    root: Value, order: Sequence[Value] | None, size: int | None
) -> tuple[Sequence[Value], list[float] | dict[Value, float]]:
    """The order to walk and its sums, all 0: by id when `size` says every id is its own in range(size)."""
    if order is None:
        order = topological_order(root, size)
    # A list by id is as fast as the nodes' own slots; a dict by node is the general case
    # (nodes built by hand, derivative graphs), about 1.3x slower.
    return order, [0.0] * size if size is not None else dict.fromkeys(order, 0.0)


class Gradients:
    """d(root)/d(node) for every node of one backward walk, kept beside the graph: `grads[node]`.

    0 for a node the root does not depend on and for a constant (whose
    `grad` is None: this holds what the walk summed, not what is shown).
    """

    __slots__ = ("_sums",)

    def __init__(self, sums: list[float] | dict[Value, float]) -> None:
        self._sums = sums

    def __getitem__(self, node: Value) -> float:
        sums = self._sums
        if isinstance(sums, list):
            return sums[node.id]
        return sums.get(node, 0.0)


def gradients(root: Value, order: Sequence[Value] | None = None, size: int | None = None) -> Gradients:
    """d(root)/d(node) for every node, by the one backward walk, without writing any node's `grad`.

    What a view uses for a second output (a Jacobian's rows) or a derivative
    graph (a Hessian's): the graph's own gradients stay those of its output.
    `size`: every node's id is its own, in range(size) (a `Graph`'s are).
    """
    order, sums = _start(root, order, size)
    for _ in _walk(root, order, sums, size is not None, False):
        pass
    return Gradients(sums)


def backward_steps(root: Value, order: Sequence[Value] | None = None, size: int | None = None) -> Iterator[Step]:
    """The backward pass, one edge at a time, as data: nothing is written to any node.

    The one walk of the tool: `backward` runs it to the end, `--explain`,
    `--why` and the page read its steps, so what they show is what was
    computed, and each step's `before` is the running sum a node had then.
    """
    order, sums = _start(root, order, size)
    return _walk(root, order, sums, size is not None, True)


def backward(root: Value, order: Sequence[Value] | None = None, size: int | None = None) -> list[Value]:
    """Set every node's grad to d(root)/d(node), summing over all uses; return the order.

    The one writer of `Value.grad`: the walk sums apart from the nodes, then
    each node of `order` gets its sum (0 where nothing reached it), so a
    second pass never adds onto stale gradients.  Views never call it: they
    read `grad`, or take their own numbers from `gradients` and `backward_steps`.
    """
    if order is None:
        order = topological_order(root, size)
    sums = gradients(root, order, size)._sums
    if isinstance(sums, list):
        for node in order:
            if node.op is not CONSTANT:
                node.grad = sums[node.id]
    else:
        for node in order:
            if node.op is not CONSTANT:
                node.grad = sums[node]
    root.grad = 1.0
    return order if isinstance(order, list) else list(order)
