"""Generate benchmark programs in three shapes, as autodiff text and as micrograd graphs.

Each shape is a seeded list of statements; `program_text` renders it for
autodiff and `build_micrograd` builds the very same graph from Python, so the
two sides always compute the same thing.

    python benchmarks/generate.py chain 100000 > chain.ad
"""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Iterable, Iterator

SHAPES = ("chain", "wide", "dag")

# A statement is (target, expression) where expression is one of
#   ("input", value)
#   ("chain", a)            a * 0.999 + tanh(a) * 0.001
#   ("mac", acc, a, b)      acc + a * b          (acc may be None: a * b)
#   ("mean", a, b)          (a + b) * 0.5
#   ("mul", a, b)           a * b
#   ("tanh", a, b)          tanh(a - b)


def statements(shape: str, n: int, seed: int = 0) -> Iterator[tuple]:
    """`n` statements of one shape (the last one is the output), lazily."""
    rng = random.Random(seed)
    if shape == "chain":
        # A deep chain: each node used twice.
        yield ("x0", ("input", 0.5))
        for i in range(1, n):
            yield (f"x{i}", ("chain", f"x{i - 1}"))
    elif shape == "wide":
        # A wide sum of products over many inputs.
        inputs = max(2, n // 2)
        for i in range(inputs):
            yield (f"a{i}", ("input", round(rng.uniform(-1, 1), 6)))
        previous = None
        for i in range(n - inputs):
            a, b = rng.randrange(inputs), rng.randrange(inputs)
            yield (f"s{i}", ("mac", previous, f"a{a}", f"a{b}"))
            previous = f"s{i}"
    elif shape == "dag":
        # A random DAG with heavy reuse: most operands come from the last 32
        # nodes, some from anywhere; every value stays in [-1, 1].
        inputs = max(2, n // 100)
        names = []
        for i in range(inputs):
            names.append(f"v{i}")
            yield (f"v{i}", ("input", round(rng.uniform(-1, 1), 6)))
        for i in range(inputs, n):

            def pick() -> str:
                if rng.random() < 0.8:
                    return names[rng.randrange(max(0, len(names) - 32), len(names))]
                return names[rng.randrange(len(names))]

            kind = rng.choice(("mean", "mul", "tanh"))
            yield (f"v{i}", (kind, pick(), pick()))
            names.append(f"v{i}")
    else:
        raise ValueError(f"unknown shape {shape!r}; choose from {', '.join(SHAPES)}")


def _expression(expression: tuple) -> str:
    kind = expression[0]
    if kind == "input":
        return repr(expression[1])
    if kind == "chain":
        a = expression[1]
        return f"{a} * 0.999 + tanh({a}) * 0.001"
    if kind == "mac":
        _, acc, a, b = expression
        return f"{a} * {b}" if acc is None else f"{acc} + {a} * {b}"
    if kind == "mean":
        return f"({expression[1]} + {expression[2]}) * 0.5"
    if kind == "mul":
        return f"{expression[1]} * {expression[2]}"
    if kind == "tanh":
        return f"tanh({expression[1]} - {expression[2]})"
    raise ValueError(kind)


def program_text(shape: str, n: int, seed: int = 0) -> str:
    """The program as autodiff source, one statement a line."""
    return "".join(f"{target} = {_expression(e)}\n" for target, e in statements(shape, n, seed))


def micrograd_value():
    """micrograd's Value with `tanh` added in micrograd's own style.

    PyPI micrograd 0.1.0 has no tanh; the subclass is installed as the module's
    `Value` so the results of its operators are the subclass too.
    """
    from micrograd import engine

    base = engine.Value
    if getattr(base, "tanh", None) is not None:
        return base

    class Value(base):  # type: ignore[misc, valid-type]
        def tanh(self):
            t = math.tanh(self.data)
            out = Value(t, (self,), "tanh")

            def _backward():
                self.grad += (1 - t**2) * out.grad

            out._backward = _backward
            return out

    engine.Value = Value
    return Value


def build_micrograd(program: Iterable[tuple]):
    """Build the same graph with micrograd; return its output Value."""
    Value = micrograd_value()
    env: dict[str, object] = {}
    node = None
    for target, expression in program:
        kind = expression[0]
        if kind == "input":
            node = Value(expression[1])
        elif kind == "chain":
            a = env[expression[1]]
            node = a * 0.999 + a.tanh() * 0.001
        elif kind == "mac":
            _, acc, a, b = expression
            node = env[a] * env[b] if acc is None else env[acc] + env[a] * env[b]
        elif kind == "mean":
            node = (env[expression[1]] + env[expression[2]]) * 0.5
        elif kind == "mul":
            node = env[expression[1]] * env[expression[2]]
        else:  # tanh
            node = (env[expression[1]] - env[expression[2]]).tanh()
        env[target] = node
    return node


def build_torch(program: Iterable[tuple]):
    """Build the same graph with PyTorch scalar tensors (float64, autograd); return the output tensor."""
    import torch

    env: dict[str, object] = {}
    node = None
    for target, expression in program:
        kind = expression[0]
        if kind == "input":
            node = torch.tensor(expression[1], dtype=torch.float64, requires_grad=True)
        elif kind == "chain":
            a = env[expression[1]]
            node = a * 0.999 + torch.tanh(a) * 0.001
        elif kind == "mac":
            _, acc, a, b = expression
            node = env[a] * env[b] if acc is None else env[acc] + env[a] * env[b]
        elif kind == "mean":
            node = (env[expression[1]] + env[expression[2]]) * 0.5
        elif kind == "mul":
            node = env[expression[1]] * env[expression[2]]
        else:  # tanh
            node = torch.tanh(env[expression[1]] - env[expression[2]])
        env[target] = node
    return node


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3) or argv[0] not in SHAPES:
        print(f"usage: generate.py {{{'|'.join(SHAPES)}}} N [SEED]", file=sys.stderr)
        return 2
    sys.stdout.write(program_text(argv[0], int(argv[1]), int(argv[2]) if len(argv) == 3 else 0))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
