"""Derivatives as nodes: a backward pass that builds its result into the graph.

`engine.backward` turns local derivatives into floats.  `gradient` runs the
same pass over the same table of operations, but hands each rule `Term`s
instead of floats and a `GraphMath` namespace instead of `FloatMath`, so the
rule `y * m.pow(x, y - 1)` builds the nodes of that formula (PyTorch's
`create_graph`).  The result is an ordinary `Value`: it can be shown,
differentiated again (second and third derivatives), or printed as a formula.

Branches in the rules (`relu'`, `max` ties, `x**0`) are taken at the current
values, so the kink policy holds at every order: a piecewise-constant local
derivative becomes a constant node, whose own derivative is 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TypeAlias

from .engine import CONSTANT, Value, gradients, topological_order
from .ops import OPERATIONS, FloatMath, Operation

Operand: TypeAlias = "Term | float"


def _is_constant(node: Value, value: float | None = None) -> bool:
    return node.op is CONSTANT and (value is None or node.data == value)


def constant_key(value: float) -> tuple[str, float, float]:
    # The sign keeps 0.0 and -0.0 apart (1/-0.0 is -inf).
    return ("const", value, math.copysign(1.0, value))


def _operation_key(op: Operation, children: Sequence[Value]) -> tuple[object, ...]:
    # A commutative operation's `a*b` and `b*a` are one node.
    ids = [id(child) for child in children]
    if op.commutative and ids[0] > ids[1]:
        ids.reverse()
    return (op.name, *ids)


class GraphTooLarge(Exception):
    """A `GraphMath` spent its budget: the derivative would be bigger than the caller allows."""


class GraphMath:
    """`FloatMath`'s interface, building nodes: what the table's rules are written against.

    Every node it makes is recorded in `created` (in creation order, which is
    topological), so a caller can adopt the ones its result needs.  Building
    folds constants and drops `* 1`, `+ 0` and `* 0` as it goes, which keeps
    derivative graphs small and their formulas readable.

    It is hash-consed: an operation on the same children (the same nodes, by
    identity) or a constant of the same value is made once, and a node of
    `known` (the graph being differentiated) is reused rather than copied.
    Without it, each nested `grad()` copied every shared subterm of the last
    one, and the graph doubled with each level; the children's identities
    are the key, so the table keeps them alive as long as it lives.
    """

    def __init__(
        self,
        known: Iterable[Value] = (),
        budget: float = math.inf,
        constants: Mapping[tuple[object, ...], Value] | None = None,
        before: int = 0,
    ) -> None:
        self.created: list[Value] = []
        self._shared: dict[tuple[object, ...], Value] = {}
        # Nodes it may still create or be told it walked (`spend`); past it, GraphTooLarge.
        self.budget = self._initial_budget = budget
        # A graph's first constant of each value (by key), reused first where it was made before id `before`.
        self._older = constants
        self._before = before
        self.know(known)

    @property
    def spent(self) -> int:
        """The nodes created and walked so far."""
        return int(self._initial_budget - self.budget)

    def spend(self, count: int) -> None:
        """Count `count` nodes against the budget (a walk of a graph): GraphTooLarge past it."""
        self.budget -= count
        if self.budget < 0:
            raise GraphTooLarge

    def know(self, nodes: Iterable[Value]) -> None:
        """Offer existing nodes for reuse (inputs never: two inputs of one value are two inputs)."""
        shared = self._shared
        for node in nodes:
            op = node.op
            if op is CONSTANT:
                shared.setdefault(constant_key(node.data), node)
            elif op.__class__ is not str:
                shared.setdefault(_operation_key(op, node.children), node)  # type: ignore[arg-type]

    # -- making nodes
    def constant(self, value: float) -> Value:
        key = constant_key(value)
        if self._older is not None:
            older = self._older.get(key)
            if older is not None and 0 <= older.id < self._before:
                return older
        node = self._shared.get(key)
        if node is None:
            self.spend(1)
            node = self._shared[key] = Value(value, CONSTANT)
            self.created.append(node)
        return node

    def _make(self, name: str, *children: Value) -> Value:
        op = OPERATIONS[name]
        key = _operation_key(op, children)
        node = self._shared.get(key)
        if node is not None:
            return node
        # The row's formula on floats never raises: a pole gives inf or nan, and grad() reports it.
        data = op.formula(FloatMath, *[child.data for child in children])  # type: ignore[misc]
        if all(child.op is CONSTANT for child in children):
            return self.constant(data)
        self.spend(1)
        node = self._shared[key] = Value(data, op, children)
        self.created.append(node)
        return node

    def node(self, value: Operand) -> Value:
        if isinstance(value, Term):
            return value.node
        return self.constant(float(value))

    # -- arithmetic, simplified as it is built
    def add(self, a: Value, b: Value) -> Value:
        if _is_constant(a, 0.0):
            return b
        if _is_constant(b, 0.0):
            return a
        return self._make("add", a, b)

    def sub(self, a: Value, b: Value) -> Value:
        if _is_constant(b, 0.0):
            return a
        if _is_constant(a, 0.0):
            return self.neg(b)
        return self._make("sub", a, b)

    def mul(self, a: Value, b: Value) -> Value:
        # A zero factor wins even over an infinite one: nothing flows back
        # through a node the output does not feel (as in engine.backward).
        if _is_constant(a, 0.0) or _is_constant(b, 0.0):
            return self.constant(0.0)
        if _is_constant(a, 1.0):
            return b
        if _is_constant(b, 1.0):
            return a
        if _is_constant(a, -1.0):
            return self.neg(b)
        if _is_constant(b, -1.0):
            return self.neg(a)
        return self._make("mul", a, b)

    def neg(self, a: Value) -> Value:
        if a.op is OPERATIONS["neg"]:
            return a.children[0]
        return self._make("neg", a)

    # -- the namespace the rules call (see ops.FloatMath)
    def div(self, x: Operand, y: Operand) -> Term:
        a, b = self.node(x), self.node(y)
        if _is_constant(b, 1.0):
            return Term(a, self)
        if _is_constant(a, 0.0) and b.data != 0.0:
            return Term(self.constant(0.0), self)
        return Term(self._make("div", a, b), self)

    def pow(self, x: Operand, y: Operand) -> Term:
        a, b = self.node(x), self.node(y)
        if _is_constant(b, 1.0):
            return Term(a, self)
        if _is_constant(b, 0.0):
            return Term(self.constant(1.0), self)
        return Term(self._make("pow", a, b), self)

    def __getattr__(self, name: str) -> Callable[..., Term]:
        """A function GraphMath does not define (`m.exp`, `m.sigmoid`) builds a node of the operation of that name."""
        if name not in OPERATIONS:
            raise AttributeError(name)

        def build(*xs: Operand) -> Term:
            return Term(self._make(name, *[self.node(x) for x in xs]), self)

        setattr(self, name, build)  # found directly from now on
        return build

    @staticmethod
    def value(x: Operand) -> float:
        """The value a rule branches on: where the graph is now (the kink policy at every order)."""
        return x.node.data if isinstance(x, Term) else float(x)

    @staticmethod
    def where(condition: bool, then: Operand, otherwise: Operand) -> Operand:
        """A rule's branch, taken at the current values (`condition` compares `value`s)."""
        return then if condition else otherwise

    # Piecewise-constant rules: a constant at the current values.
    def step(self, x: Term) -> float:
        return FloatMath.step(x.node.data)

    def sign(self, x: Term) -> float:
        return FloatMath.sign(x.node.data)

    def share(self, x: Term, y: Term) -> float:
        return FloatMath.share(x.node.data, y.node.data)

    def power_rule(self, x: Term, y: Term) -> Operand:
        """d/dx x**y: y * x**(y-1), and 0 for y == 0 (as FloatMath)."""
        return 0.0 if y == 0.0 else y * self.pow(x, y - 1.0)

    def exponent_rule(self, x: Term, out: Term) -> Operand:
        """d/dy x**y: x**y * log(x) for x > 0, 0 at x == 0, nan for x < 0 (as FloatMath)."""
        if x.node.data > 0:
            return out * self.log(x)
        return 0.0 if x.node.data == 0 else math.nan


class Term:
    """A node in a rule's arithmetic: `1.0 - out * out` builds nodes, not a float.

    Comparisons look at the current value, so a rule's branch (`y == 0.0`)
    is taken where the graph is now, like every kink of the design.
    """

    __slots__ = ("node", "math")

    def __init__(self, node: Value, math: GraphMath) -> None:
        self.node = node
        self.math = math

    def _lift(self, other: Operand) -> Value:
        return self.math.node(other)

    def __add__(self, other: Operand) -> Term:
        return Term(self.math.add(self.node, self._lift(other)), self.math)

    def __radd__(self, other: Operand) -> Term:
        return Term(self.math.add(self._lift(other), self.node), self.math)

    def __sub__(self, other: Operand) -> Term:
        return Term(self.math.sub(self.node, self._lift(other)), self.math)

    def __rsub__(self, other: Operand) -> Term:
        return Term(self.math.sub(self._lift(other), self.node), self.math)

    def __mul__(self, other: Operand) -> Term:
        return Term(self.math.mul(self.node, self._lift(other)), self.math)

    def __rmul__(self, other: Operand) -> Term:
        return Term(self.math.mul(self._lift(other), self.node), self.math)

    def __neg__(self) -> Term:
        return Term(self.math.neg(self.node), self.math)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Term):
            return self.node.data == other.node.data
        return self.node.data == other

    __hash__ = None  # type: ignore[assignment]


def gradient(y: Value, x: Value, m: GraphMath | None = None, since: int | None = None) -> Value:
    """d(y)/d(x) as a node: the backward pass of `engine.backward`, building instead of computing.

    Only nodes on a path from `x` to `y` are visited, and a node used more
    than once sums the contributions of all its uses, as in the float pass.
    New nodes are recorded in `m.created`; the result may also be a node
    that already existed (d exp(a)/da is exp(a) itself).

    `since`: x's id in a graph whose ids are creation order.  No node made
    before x depends on it, so the walk stops at them (`m` offers the
    graph's earlier constants for reuse, as a walk from y would meet them
    first): a grad() in a loop written out as a program
    (`x_k+1 = x_k - eta * grad(f_k, x_k)`) costs one step, not the whole history.
    """
    m = m if m is not None else GraphMath()
    if y is x:
        return m.constant(1.0)
    depends = {id(x)}
    path = []
    order = topological_order(y) if since is None else _order_since(y, since)
    m.spend(len(order))
    m.know(order)
    for node in order:
        if node is not x and any(id(child) in depends for child in node.children):
            depends.add(id(node))
            path.append(node)
    if id(y) not in depends:
        return m.constant(0.0)
    grads: dict[int, Value] = {id(y): m.constant(1.0)}
    for node in reversed(path):
        grad = grads.pop(id(node), None)
        if grad is None or _is_constant(grad, 0.0):
            continue
        op: Operation = node.op  # type: ignore[assignment]
        children = node.children
        local = op.derivatives(m, *[Term(child, m) for child in children], Term(node, m))
        for child, derivative in zip(children, local):
            if id(child) in depends:
                contribution = m.mul(grad, m.node(derivative))
                # Accumulate, never assign: a node used twice gets both uses.
                earlier = grads.get(id(child))
                grads[id(child)] = contribution if earlier is None else m.add(earlier, contribution)
    result = grads.get(id(x))
    return result if result is not None else m.constant(0.0)


def _order_since(y: Value, first: int) -> list[Value]:
    """`topological_order(y)`, not expanding a node of a graph made before id `first` (it is a leaf here).

    Ids are creation order and a node is made after its arguments, so a node
    made before x cannot depend on x: `grad(y, x)` needs only what was made
    since.  In a loop written out as a program (`x_k+1 = x_k - eta *
    grad(f_k, x_k)`) each grad() then costs one step, not the whole history.
    A node of no graph (id -1) is always expanded.
    """
    order: list[Value] = []
    seen: set[int] = set()
    stack: list[tuple[Value, bool]] = [(y, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        if 0 <= node.id < first:
            continue
        for child in reversed(node.children):
            if id(child) not in seen:
                stack.append((child, False))
    return order


def adopted(result: Value, m: GraphMath) -> list[Value]:
    """The nodes `m` created that `result` depends on, in topological order."""
    live = {id(result)}
    kept = []
    for node in reversed(m.created):
        if id(node) in live:
            kept.append(node)
            live.update(id(child) for child in node.children)
    kept.reverse()
    return kept


def hessian(output: Value, inputs: Sequence[Value]) -> list[list[float]]:
    """Second derivatives of `output`, row i holding d/d(input j) of d(output)/d(input i).

    Each row is one derivative graph and one float backward pass over it, so
    the cost is rows x graph size, never exponential in depth.  The pass
    keeps its gradients apart (`engine.gradients`): a derivative graph shares
    nodes with the graph it came from, whose `grad` stays as it was.
    """
    rows = []
    for x in inputs:
        derivative = gradient(output, x)
        if derivative.op is CONSTANT:
            # A constant's derivative is 0, but a first derivative that is
            # already nan or inf (a pole, x**y at x < 0) leaves none defined.
            rows.append([0.0 if math.isfinite(derivative.data) else math.nan] * len(inputs))
            continue
        grads = gradients(derivative)
        rows.append([grads[xj] for xj in inputs])
    return rows
