"""What layouts of `Value` cost a node, measured on prototypes outside the package.

    python benchmarks/layout.py [STATEMENTS]

Builds the graph of each benchmark shape three ways and measures, with
tracemalloc, the bytes a node holds once gradients are set:

- a tuple: the layout before this one (children in a tuple, an `id` int per node);
- today: `autodiff_cli.core.engine.Value` (children in slots `a` and `b`, None when
  absent; `id` kept);
- two slots, no id: the same without the `id` slot (a node's position in the
  graph's list serves; spans and the like would be found by a dict or a
  sort-time numbering instead).

Only the nodes, their children and their numbers are counted: no spans, names
or parsing, so the figures isolate the layout.  It prints a markdown table.
"""

from __future__ import annotations

import gc
import math
import sys
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import generate  # noqa: E402

from autodiff_cli.core.engine import CONSTANT, INPUT, Value  # noqa: E402
from autodiff_cli.core.ops import FUNCTIONS, OPERATIONS  # noqa: E402


class TupleValue:
    """Children in a tuple; an `id` int (the layout before today's)."""

    __slots__ = ("data", "grad", "op", "children", "id", "name")

    def __init__(self, data, op=INPUT, children=(), id=-1):
        self.data = data
        self.grad = None if op is CONSTANT else 0.0
        self.op = op
        self.children = children
        self.id = id
        self.name = None


class TwoSlotsNoId:
    """Children in two slots, and no per-node `id` int."""

    __slots__ = ("data", "grad", "op", "a", "b", "name")

    def __init__(self, data, op=INPUT, a=None, b=None):
        self.data = data
        self.grad = None if op is CONSTANT else 0.0
        self.op = op
        self.a = a
        self.b = b
        self.name = None


def build(shape: str, n: int, layout: str) -> list:
    """The graph of `shape` as a list of nodes in creation order, with gradients set."""
    nodes: list = []
    env: dict[str, object] = {}
    literals: dict[float, float] = {}

    def make(data, op=INPUT, children=()):
        if layout == "a tuple":
            node = TupleValue(data, op, tuple(children), len(nodes))
        elif layout == "today":
            node = Value(data, op, tuple(children), len(nodes))
        else:
            node = TwoSlotsNoId(data, op, *children)
        nodes.append(node)
        return node

    def constant(x):
        return make(literals.setdefault(x, x), CONSTANT)

    def binary(name, a, b):
        op = OPERATIONS[name]
        return make(op.forward(a.data, b.data), op, (a, b))

    def tanh(a):
        op = FUNCTIONS["tanh"]
        return make(op.forward(a.data), op, (a,))

    for target, expression in generate.statements(shape, n):
        kind = expression[0]
        if kind == "input":
            node = make(expression[1])
        elif kind == "chain":
            a = env[expression[1]]
            node = binary("add", binary("mul", a, constant(0.999)), binary("mul", tanh(a), constant(0.001)))
        elif kind == "mac":
            _, acc, a, b = expression
            product = binary("mul", env[a], env[b])
            node = product if acc is None else binary("add", env[acc], product)
        elif kind == "mean":
            node = binary("mul", binary("add", env[expression[1]], env[expression[2]]), constant(0.5))
        elif kind == "mul":
            node = binary("mul", env[expression[1]], env[expression[2]])
        else:
            node = tanh(binary("sub", env[expression[1]], env[expression[2]]))
        env[target] = node
    for index, node in enumerate(nodes):  # a distinct float per gradient, as backward leaves them
        if node.grad is not None:
            node.grad = math.sin(index) + 2.0
    return nodes


def measure(shape: str, n: int, layout: str) -> float:
    gc.collect()
    gc.disable()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    nodes = build(shape, n, layout)
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    gc.enable()
    count = len(nodes)
    del nodes
    return used / count


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    layouts = ("a tuple", "today", "two slots, no id")
    print(f"| Shape ({n:,} statements) | " + " | ".join(layouts) + " | a tuple to no id |")
    print("|---|" + "---:|" * (len(layouts) + 1))
    for shape in generate.SHAPES:
        sizes = [measure(shape, n, layout) for layout in layouts]
        cells = " | ".join(f"{size:.0f} B" for size in sizes)
        print(f"| {shape} | {cells} | {sizes[0] - sizes[-1]:.0f} B ({1 - sizes[-1] / sizes[0]:.0%}) |")


if __name__ == "__main__":
    main()
