"""Nested grad(): nodes and time per level, for the growth the derivative builder allows.

    python benchmarks/nested_grad.py [LEVELS]

Builds `x = 0.5; p = sin(x) * exp(x) * x; g1 = grad(p, x); g2 = grad(g1, x); ...`
one level at a time in one graph, as `autodiff eval` would, and prints a
Markdown table of the graph's size and the time of each level. The n-th
derivative of p has O(n) distinct terms (Leibniz: sums of sin/cos * exp *
polynomials), so a builder that shares identical nodes can stay polynomial;
one that copies them grows exponentially. `--write` puts the table in
benchmarks/RESULTS.md under its own heading (replacing an earlier one).
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from autodiff_cli.base.errors import Source  # noqa: E402
from autodiff_cli.language.evaluate import Graph  # noqa: E402
from autodiff_cli.language.parse import parse  # noqa: E402


def measure(levels: int) -> list[tuple[int, int, float, float]]:
    """(level, nodes in the graph, seconds for this level, value) per level; level 0 is p itself."""
    lines = ["x = 0.5", "p = sin(x) * exp(x) * x"]
    text = "\n".join(lines) + "\n"
    graph = Graph(Source("<bench>", text))
    graph.run(parse(text))
    rows = [(0, len(graph.nodes), 0.0, graph.names["p"].data)]
    previous = "p"
    for level in range(1, levels + 1):
        statement = f"g{level} = grad({previous}, x)\n"
        offset = len(graph.source.text)
        graph.source = Source("<bench>", graph.source.text + statement)
        start = time.perf_counter()
        graph.run(parse(statement), offset=offset)
        seconds = time.perf_counter() - start
        rows.append((level, len(graph.nodes), seconds, graph.names[f"g{level}"].data))
        previous = f"g{level}"
    return rows


def table(rows: list[tuple[int, int, float, float]]) -> str:
    out = ["| level | nodes in the graph | new nodes | time of the level |", "|---:|---:|---:|---:|"]
    for (_, last, _, _), (level, nodes, seconds, _) in zip(rows, rows[1:]):
        out.append(f"| {level} | {nodes:,} | {nodes - last:,} | {seconds * 1000:,.1f} ms |")
    return "\n".join(out)


def main(argv: list[str]) -> int:
    levels = int(argv[0]) if argv and argv[0].isdigit() else 16
    start = time.perf_counter()
    rows = measure(levels)
    total = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    body = table(rows) + f"\n\n{levels} levels: {total:.2f} s in all, peak RSS {peak} MB."
    print(body)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
