"""GradBench's evals against autodiff's tool (and GradBench's PyTorch tool), each answer checked by GradBench itself.

    python benchmarks/gradbench/run.py --gradbench GRADBENCH --eval-python VENV/bin/python \\
        [--torch-python TORCH_VENV/bin/python] [--only hello lse] [--logs DIR]

Each eval runs through `relay.py` (GradBench's `run` intermediary, for a
machine without its Rust CLI) from the GradBench checkout, so its validators
find their reference implementations (`tools/manual/bin/*`, built here with
`make` when missing).  Prints a Markdown table: every evaluation, whether its
answer was valid, the median time a run, and the PyTorch tool's on the same
evaluation where it implements the eval, run right after ours.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from relay import Relay, passed  # noqa: E402

#: The evals our tool answers, at the sizes run here (GradBench's defaults where a Python
#: value graph of that size fits the time; the first sizes of its list otherwise).
EVALS: dict[str, list[str]] = {
    "hello": [],
    "saddle": [],
    "particle": [],
    "det": ["-l", "5", "6", "7", "8", "9", "10", "11"],
    "lse": ["-n", "2500", "5000", "10000", "20000"],
    "llsq": ["-n", "16", "32", "64", "128", "256"],
    "ba": ["--min", "1", "--max", "2"],
}
QUICK: dict[str, list[str]] = {
    "hello": [],
    "saddle": ["--min-seconds", "0"],
    "particle": ["--min-seconds", "0"],
    "det": ["-l", "5", "7", "--min-seconds", "0.2"],
    "lse": ["-n", "2500", "--min-seconds", "0.2"],
    "llsq": ["-n", "16", "32", "--min-seconds", "0.2"],
    "ba": ["--min", "1", "--max", "1", "--min-seconds", "0.2"],
}
#: GradBench's PyTorch tool implements these of them (tools/pytorch/evals.txt).
PYTORCH = {"hello", "lse", "ba"}
MANUAL = ["det", "lse", "llsq", "ba", "hello"]


def build_reference(gradbench: Path) -> None:
    """The validators run GradBench's `manual` tool: build its programs once (needs cpp/json.hpp)."""
    missing = [name for name in MANUAL if not (gradbench / "tools" / "manual" / "bin" / name).exists()]
    if not missing:
        return
    if not (gradbench / "cpp" / "json.hpp").exists():
        sys.exit(
            f"{gradbench}/cpp/json.hpp is missing: GradBench's `make -C cpp` downloads it (nlohmann/json 3.11.3's single header)"
        )
    subprocess.run(["make", "-C", "tools/manual", *[f"bin/{name}" for name in missing]], cwd=gradbench, check=True)


def session(
    gradbench: Path, python: str, eval_name: str, arguments: list[str], tool: str, log: Path | None
) -> tuple[list, float]:
    command = " ".join([python, f"python/gradbench/gradbench/evals/{eval_name}/run.py", *arguments])
    relay = Relay(command, tool, str(gradbench), timeout=3600)
    started = time.perf_counter()
    relay.run()
    wall = time.perf_counter() - started
    if log is not None:
        log.write_text("".join(json.dumps(line) + "\n" for line in relay.lines), encoding="utf-8")
    return relay.summary(), wall


def median_seconds(row: dict) -> float | None:
    return statistics.median(row["evaluate_ns"]) / 1e9 if row["evaluate_ns"] else None


def seconds_text(value: float | None) -> str:
    if value is None:
        return "—"
    if value < 1e-3:
        return f"{value * 1e6:.0f} µs"
    if value < 1:
        return f"{value * 1e3:.1f} ms"
    return f"{value:.2f} s"


def verdict(row: dict | None) -> str:
    if row is None:
        return "—"
    if not row["success"]:
        return "failed"
    return {True: "valid", False: "INVALID", None: "not checked"}[row["valid"]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gradbench", required=True, type=Path, help="a GradBench checkout")
    parser.add_argument("--eval-python", required=True, help="a Python with GradBench's package, NumPy and pydantic")
    parser.add_argument("--tool-python", default=sys.executable, help="the Python autodiff is installed in (this one)")
    parser.add_argument("--torch-python", help="a Python with PyTorch and GradBench's package: runs GradBench's PyTorch tool too")
    parser.add_argument("--only", nargs="+", choices=list(EVALS), help="these evals only")
    parser.add_argument("--quick", action="store_true", help="the smallest sizes and one run each: a check, not a measurement")
    parser.add_argument("--logs", type=Path, help="write each session's message log (JSON Lines) here")
    args = parser.parse_args()
    gradbench = args.gradbench.resolve()
    build_reference(gradbench)
    if args.logs:
        args.logs.mkdir(parents=True, exist_ok=True)
    ours = f"{args.tool_python} {HERE / 'tool.py'}"
    torch = f"{args.torch_python} python/gradbench/gradbench/tools/pytorch/run.py" if args.torch_python else None
    sizes = QUICK if args.quick else EVALS
    print(f"load before: {os.getloadavg()[0]:.2f}", file=sys.stderr)
    lines = [
        "| eval | function | size | autodiff | a run (median) | runs | PyTorch | a run (median) | autodiff / PyTorch |",
        "| --- | --- | --- | --- | ---: | ---: | --- | ---: | ---: |",
    ]
    totals = []
    ok = True
    for name in args.only or list(EVALS):
        log = args.logs / f"{name}-autodiff.jsonl" if args.logs else None
        rows, wall = session(gradbench, args.eval_python, name, sizes[name], ours, log)
        ok = ok and passed([row for row in rows if row["kind"] == "evaluate"])
        theirs: dict[tuple, dict] = {}
        torch_wall = None
        if torch and name in PYTORCH:
            log = args.logs / f"{name}-pytorch.jsonl" if args.logs else None
            torch_rows, torch_wall = session(gradbench, args.eval_python, name, sizes[name], torch, log)
            theirs = {(row["function"], row["description"], row["id"]): row for row in torch_rows if row["kind"] == "evaluate"}
        evaluations = [row for row in rows if row["kind"] == "evaluate"]
        valid = sum(1 for row in evaluations if row["success"] and row["valid"] is not False)
        totals.append((name, valid, len(evaluations), wall, torch_wall))
        for row in evaluations:
            other = theirs.get((row["function"], row["description"], row["id"]))
            mine, their = median_seconds(row), median_seconds(other) if other else None
            ratio = f"{mine / their:.2g}x" if mine and their else "—"
            lines.append(
                f"| {name} | {row['function']} | {row['description'] or ''} | {verdict(row)} | {seconds_text(mine)} | {row['runs']} "
                f"| {verdict(other) if torch and name in PYTORCH else 'not implemented'} | {seconds_text(their)} | {ratio} |"
            )
        print(
            f"{name}: {valid}/{len(evaluations)} valid, {wall:.1f} s" + (f" (PyTorch {torch_wall:.1f} s)" if torch_wall else ""),
            file=sys.stderr,
        )
    print(f"load after: {os.getloadavg()[0]:.2f}", file=sys.stderr)
    print("| eval | answers valid | session (wall) | PyTorch session |")
    print("| --- | ---: | ---: | ---: |")
    for name, valid, count, wall, torch_wall in totals:
        print(f"| {name} | {valid}/{count} | {wall:.1f} s | {'—' if torch_wall is None else f'{torch_wall:.1f} s'} |")
    print()
    print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
