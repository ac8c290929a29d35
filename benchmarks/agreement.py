"""How closely a sweep agrees with `eval --at` on this machine: ulps, and how much of the bound they use.

    python benchmarks/agreement.py             # writes the "Agreement" section of RESULTS.md
    python benchmarks/agreement.py --no-write --quick

A sweep runs NumPy's ufuncs, `eval --at` Python's `math` (the C library); the
bound they keep is stated in docs/sweeps.md and asserted by
tests/whole/test_sweep_agreement.py, whose bound (tests/sweep_bound.py) this uses.  Here the differences
are measured instead of asserted:

1. each operation's forward on the same inputs (the test's generator: every
   magnitude, domain edges, poles, ties), in ulps;
2. `f = op(...)` swept at random points: the value's and every gradient's
   difference in ulps, and the largest fraction of its bound;
3. programs of the benchmark shapes (the 20 statements of benchmarks/sweep.py,
   the chain, the DAG, the wide sum) at random points, the same.

A point within reach of a branch (a kink, a tie, a domain edge) is counted,
not measured: there the gradient may take the other side's value.
"""

from __future__ import annotations

import argparse
import math
import platform
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the tests' helpers: the bound is defined once, there

import numpy as np  # noqa: E402

from autodiff_cli.analyses.at import apply, inputs_by_key  # noqa: E402
from autodiff_cli.base.errors import ProgramError  # noqa: E402
from autodiff_cli.core import arraymath  # noqa: E402
from autodiff_cli.core.engine import CONSTANT, backward, topological_order  # noqa: E402
from autodiff_cli.core.ops import OPERATIONS, VARIADIC  # noqa: E402
from tests import sweep_bound as agreement  # noqa: E402

RESULTS = HERE / "RESULTS.md"
BEGIN, END = "<!-- agreement benchmark: begin -->", "<!-- agreement benchmark: end -->"


class Worst:
    """The largest difference seen, in ulps and as a fraction of its bound."""

    def __init__(self) -> None:
        self.ulps = 0.0
        self.fraction = 0.0

    def add(self, got: float, expected: float, bound: float) -> None:
        distance = agreement.ulp_distance(got, expected)
        self.ulps = max(self.ulps, distance)
        if distance:
            self.fraction = max(self.fraction, abs(got - expected) / bound if bound else math.inf)

    def __str__(self) -> str:
        return f"{self.ulps:,.0f} | {self.fraction:.3f}"


def measure(program: str, columns: dict[str, Any]) -> tuple[Worst, Worst, int, int]:
    """The sweep of `program` against `eval --at` at every point of the grid of `columns`.

    Returns the worst value, the worst gradient (any input), the points
    measured, and the points near a branch (or failing on both paths).
    """
    result, data = agreement.sweep_at(program, columns)
    graph, output = result.graph, result.output
    keyed = inputs_by_key(graph)
    value, gradient = Worst(), Worst()
    measured = skipped = 0
    for row in range(data.size):
        try:
            apply(graph, {keyed[key].id: float(data.inputs[key][row]) for key in columns})
        except ProgramError:
            skipped += 1
            continue
        for node in graph.nodes:
            if node.op is not CONSTANT:
                node.grad = 0.0
        backward(output, topological_order(output))
        nodes = agreement.nodes_of(graph.nodes)
        if row in data.errors or agreement.near_branch(nodes, agreement.forward_errors(nodes)):
            skipped += 1
            continue
        measured += 1
        value.add(float(data.value[row]), output.data, agreement.program_bound(nodes))
        grads = {key: node.grad for key, node in keyed.items()}
        for key, node in keyed.items():
            expected = grads[key]
            if expected is not None and math.isfinite(expected):
                gradient.add(float(data.grads[key][row]), expected, agreement.gradient_bound(output, node))
    return value, gradient, measured, skipped


def forward_ulps(name: str, count: int) -> float:
    """The largest difference of the array forward from the scalar one on the same `count` inputs."""
    columns = agreement.arguments(name, count, seed=sorted(OPERATIONS).index(name))
    with np.errstate(all="ignore"):
        out = arraymath.forward(OPERATIONS[name], *columns)
    worst = 0.0
    for index, point in enumerate(zip(*(column.tolist() for column in columns))):
        expected = agreement._scalar(name, point)
        if expected is not None and math.isfinite(out[index]):
            worst = max(worst, agreement.ulp_distance(float(out[index]), expected))
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer points (a minute instead of several)")
    parser.add_argument("--no-write", action="store_true", help="print the section, do not update RESULTS.md")
    args = parser.parse_args()
    started = time.perf_counter()
    same_inputs = 20_000 if args.quick else 200_000
    sides = {1: 400, 2: 20, 3: 8} if args.quick else {1: 2000, 2: 45, 3: 13}

    lines = [
        "## Agreement of sweeps with `eval --at`",
        "",
        f"Made by `python benchmarks/agreement.py{' --quick' if args.quick else ''}` on "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: Python {platform.python_version()}, NumPy {np.__version__} "
        f"({_simd()}), {platform.machine()}. Differences in ulps between `--sweep` (NumPy's ufuncs) and `eval --at` "
        "(Python's `math`), and the largest fraction of the documented bound one used (docs/sweeps.md; "
        "tests/whole/test_sweep_agreement.py asserts at most 1). Points within reach of a branch are counted, not measured. "
        "An ulp count is the number of doubles between two numbers: there are about 4.4e18 between 0 and 2.2e-16, so "
        "a gradient that one path rounds to 0 (tanh' where tanh rounds to -1) counts that many while using a small part "
        "of its bound.",
        "",
        f"| operation | k | forward, same inputs ({same_inputs:,} points): ulp | swept points | value: ulp | of bound "
        "| gradients: ulp | of bound |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in sorted(OPERATIONS):
        op = OPERATIONS[name]
        arity = 3 if op.arity == VARIADIC else op.arity
        names = ["x", "y", "z"][:arity]
        program = "".join(f"{n} = 1\n" for n in names) + f"f = {agreement.call_text(name, names)}\n"
        columns = agreement.arguments(name, sides[arity], seed=100 + sorted(OPERATIONS).index(name))
        value, gradient, measured, _ = measure(program, dict(zip(names, columns)))
        k = "n − 1" if name in ("sum", "prod") else agreement.allowance_ulps(name)
        lines.append(f"| `{name}` | {k} | {forward_ulps(name, same_inputs):,.0f} | {measured:,} | {value} | {gradient} |")
        print(lines[-1], file=sys.stderr, flush=True)

    rng = np.random.default_rng(0)
    grid = 3 if args.quick else 6
    programs = [
        (
            "the 20 statements of benchmarks/sweep.py",
            agreement.TWENTY,
            {"x": (-2.0, 2.0), "y": (0.1, 3.0)},
            30 if args.quick else 70,
        ),
        ("chain of 1,000 (`x * 0.999 + tanh(x) * 0.001`)", agreement.chain(1000), {"x0": (-3.0, 3.0)}, 50 if args.quick else 300),
        ("DAG of 1,000 (means, products, tanh), 10 inputs, 3 swept", agreement.dag(1000, 10, seed=3), None, grid),
        ("wide: a sum of 500 products of 20 inputs, 3 swept", agreement.wide(500, 20, seed=4), None, grid),
    ]
    lines += [
        "",
        "| program | points measured | near a branch or failed | value: ulp | of bound | gradients: ulp | of bound |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, program, ranges, side in programs:
        keys = list(inputs_by_key(agreement.evaluate(program).graph))
        if ranges is None:
            ranges = {key: (-1.0, 1.0) for key in keys[:3]}
        columns = {key: rng.uniform(low, high, side) for key, (low, high) in ranges.items()}
        value, gradient, measured, skipped = measure(program, columns)
        lines.append(f"| {label} | {measured:,} | {skipped:,} | {value} | {gradient} |")
        print(lines[-1], file=sys.stderr, flush=True)
    lines += ["", f"({time.perf_counter() - started:.0f} s.)"]
    section = "\n".join(lines)
    print(section)
    if not args.no_write:
        text = RESULTS.read_text() if RESULTS.exists() else "# Benchmarks\n"
        block = f"{BEGIN}\n{section}\n{END}"
        if BEGIN in text and END in text:
            text = text[: text.index(BEGIN)] + block + text[text.index(END) + len(END) :]
        else:
            text = text.rstrip("\n") + "\n\n" + block + "\n"
        RESULTS.write_text(text)


def _simd() -> str:
    """The SIMD extensions NumPy found on this machine (its kernels depend on them)."""
    try:
        from numpy._core._multiarray_umath import __cpu_features__  # type: ignore[import-not-found]
    except ImportError:
        return "SIMD unknown"
    found = [
        name
        for name, present in __cpu_features__.items()
        if present and name.startswith(("AVX512", "AVX2", "FMA3", "ASIMD", "NEON"))
    ]
    return "SIMD: " + (", ".join(found) if found else "none")


if __name__ == "__main__":
    main()
