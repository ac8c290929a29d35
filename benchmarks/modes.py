"""Jacobians and Taylor mode, as ratios measured in one run; prints a RESULTS.md section.

    python benchmarks/modes.py            # about two minutes: 16 nested grad()s build a million nodes
    python benchmarks/modes.py --quick    # nested grad() to 12 levels only
    python benchmarks/modes.py --write    # also replace the section in benchmarks/RESULTS.md

1. The Jacobian of a 10-output program, three ways: one `--of` run per output
   (parse, evaluate and backward ten times: what a user does without the
   Jacobian), one evaluation then one reverse pass per output, and one
   evaluation then one forward pass per input.  Two shapes: 3 inputs (forward
   needs fewer passes) and 100 inputs (reverse does).
2. The first 16 derivatives of p = sin(x) * exp(x) * x: Taylor mode (one
   series pass, K = 16) against 16 nested grad()s in the language, with the
   largest relative difference between the two.
"""

from __future__ import annotations

import argparse
import gc
import math
import platform
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from autodiff_cli import evaluate  # noqa: E402
from autodiff_cli.core.tangents import FORWARD, REVERSE, jacobian  # noqa: E402
from autodiff_cli.core.taylor import derivatives, taylor_series  # noqa: E402

HEADING = "## Modes: Jacobians and Taylor (issue 13)"


def ten_output_program(inputs: int, body: int) -> str:
    """`inputs` inputs mixed through a shared body of about `body` statements, then 10 outputs of it."""
    lines = [f"x{i} = {0.1 + 0.37 * i:.2f}" for i in range(inputs)]
    previous = "x0"
    for k in range(body):
        a, b = f"x{k % inputs}", f"x{(3 * k + 1) % inputs}"
        lines.append(f"h{k} = tanh({previous} * {a} + 0.1) + sin({b}) * 0.5")
        previous = f"h{k}"
    for j in range(10):
        lines.append(f"o{j} = {previous} * x{j % inputs} + exp(h{(j * 7) % body} / {j + 2})")
    return "\n".join(lines)


def best_and_median(function, repeats: int) -> tuple[float, float, float]:
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times), max(times)


def interleaved(functions: dict, repeats: int) -> dict[str, list[float]]:
    """Run each function once per round, round after round, so a busy machine slows them alike."""
    times: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(repeats):
        for name, function in functions.items():
            gc.collect()
            start = time.perf_counter()
            function()
            times[name].append(time.perf_counter() - start)
    return times


def jacobian_case(inputs: int, body: int, repeats: int) -> dict:
    text = ten_output_program(inputs, body)
    names = [f"o{j}" for j in range(10)]

    def per_output() -> list[list[float]]:
        rows = []
        for name in names:
            result = evaluate(text, of=name)
            rows.append([node.grad for node in result.inputs()])
        return rows

    def by_mode(mode: str):
        result = evaluate(text)
        return jacobian([result.variables[name] for name in names], result.inputs(), mode)

    evaluated = evaluate(text)
    outputs = [evaluated.variables[name] for name in names]

    check = per_output()
    for mode in (REVERSE, FORWARD):
        rows = by_mode(mode).rows
        worst = max(abs(a - b) / max(1.0, abs(a)) for ra, rb in zip(check, rows) for a, b in zip(ra, rb))
        assert worst < 1e-12, (mode, worst)
    times = interleaved(
        {
            "per_output": per_output,
            REVERSE: lambda: by_mode(REVERSE),
            FORWARD: lambda: by_mode(FORWARD),
            "reverse_passes": lambda: jacobian(outputs, evaluated.inputs(), REVERSE),
            "forward_passes": lambda: jacobian(outputs, evaluated.inputs(), FORWARD),
        },
        repeats,
    )
    nodes = len(evaluated.graph.nodes)
    return {"inputs": inputs, "nodes": nodes, **{name: statistics.median(values) for name, values in times.items()}}


def taylor_case(levels: int, repeats: int) -> dict:
    program = "x = 0.7; p = sin(x) * exp(x) * x"

    def by_taylor() -> list[float]:
        result = evaluate(program)
        return derivatives(taylor_series(result.output, result.variables["x"], levels, result.order))

    ours = by_taylor()
    taylor_median, taylor_best, taylor_worst = best_and_median(by_taylor, repeats)
    nested_text = "\n".join(
        ["x = 0.7", "p = sin(x) * exp(x) * x", "g0 = p"] + [f"g{k} = grad(g{k - 1}, x)" for k in range(1, levels + 1)]
    )
    gc.collect()
    start = time.perf_counter()
    nested = evaluate(nested_text)
    nested_time = time.perf_counter() - start
    values = [nested.variables[f"g{k}"].data for k in range(levels + 1)]
    difference = max(abs(a - b) / max(abs(b), 1e-300) for a, b in zip(ours, values))
    return {
        "levels": levels,
        "taylor": taylor_median,
        "taylor_range": (taylor_best, taylor_worst),
        "nested": nested_time,
        "nodes": len(nested.graph.nodes),
        "difference": difference,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="nested grad() to 12 levels only")
    parser.add_argument("--write", action="store_true", help="replace the section in benchmarks/RESULTS.md")
    args = parser.parse_args()

    jacobians = [jacobian_case(3, 300, 7), jacobian_case(100, 300, 7)]
    levels = [8, 12] if args.quick else [8, 12, 14, 16]
    taylors = [taylor_case(k, 50) for k in levels]

    lines = [
        HEADING,
        "",
        f"`python benchmarks/modes.py` on {platform.python_implementation()} {platform.python_version()}, "
        f"{platform.machine()}; medians, each case interleaved in one run.",
        "",
        "### Jacobian of a 10-output program",
        "",
        "Ten outputs of a shared body of 300 statements. *per output*: ten `--of` evaluations (parse, evaluate,",
        "backward each time); *reverse*: one evaluation, then one backward pass per output (10);",
        "*forward*: one evaluation, then one forward pass per input. *passes*: the passes alone, on a graph",
        "already built (what differs between the modes).",
        "",
        "| inputs | nodes | per output | reverse | forward | per output / reverse | per output / forward "
        "| reverse passes | forward passes | forward / reverse passes | `--of` picks |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for case in jacobians:
        picked = FORWARD if case["inputs"] < 10 else REVERSE
        lines.append(
            f"| {case['inputs']} | {case['nodes']:,} | {case['per_output'] * 1e3:.1f} ms | {case[REVERSE] * 1e3:.1f} ms | "
            f"{case[FORWARD] * 1e3:.1f} ms | {case['per_output'] / case[REVERSE]:.2f}x | "
            f"{case['per_output'] / case[FORWARD]:.2f}x | {case['reverse_passes'] * 1e3:.1f} ms | "
            f"{case['forward_passes'] * 1e3:.1f} ms | {case['forward_passes'] / case['reverse_passes']:.2f}x | {picked} |"
        )
    lines += [
        "",
        "### Taylor mode against nested grad()",
        "",
        "The first K derivatives of `p = sin(x) * exp(x) * x` at x = 0.7: Taylor mode (evaluate, then one",
        "series pass) against K nested `grad()`s in the language (evaluate builds every derivative graph).",
        "",
        "| K | Taylor mode | nested grad() | nodes nested grad() built | nested / Taylor | largest relative difference |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for case in taylors:
        lines.append(
            f"| {case['levels']} | {case['taylor'] * 1e3:.2f} ms | {case['nested']:.3f} s | {case['nodes']:,} | "
            f"{case['nested'] / case['taylor']:,.0f}x | {case['difference']:.1e} |"
        )
    section = "\n".join(lines) + "\n"
    print(section)
    if args.write:
        path = HERE / "RESULTS.md"
        text = path.read_text()
        if HEADING in text:
            before, _, after = text.partition(HEADING)
            rest = after.split("\n## ", 1)
            text = before + section + ("\n## " + rest[1] if len(rest) > 1 else "")
        else:
            text = text.rstrip("\n") + "\n\n" + section
        path.write_text(text)
    assert all(math.isfinite(case["difference"]) for case in taylors)


if __name__ == "__main__":
    main()
