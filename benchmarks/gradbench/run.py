"""GradBench's evals against autodiff's tool (and GradBench's PyTorch tool), each answer checked by GradBench itself.

    python benchmarks/gradbench/run.py --gradbench GRADBENCH --eval-python VENV/bin/python \\
        [--torch-python TORCH_VENV/bin/python] [--manual] [--only hello lse] [--logs DIR]

Each eval runs through `relay.py` (GradBench's `run` intermediary, for a
machine without its Rust CLI) from the GradBench checkout, so its validators
find their reference implementations (`tools/manual/bin/*`, built here with
`make` when missing).  Prints a Markdown table: every evaluation, whether its
answer was valid, the median time a run, and the same for GradBench's PyTorch
tool and its hand-written C++ ("manual") tool where they implement the eval,
each run right after ours.  Every process gets OMP_NUM_THREADS=1 by default:
ours computes on one core, and PyTorch's idle intra-op threads on a busy
2-core machine made some of its runs take 8 ms instead of 14 µs.
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
#: GradBench's tools compared, and which of these evals each implements (its tools/NAME/evals.txt):
#: the PyTorch tool, and the "manual" tool, derivatives written by hand in C++ (GradBench's reference).
REFERENCES = {"pytorch": {"hello", "lse", "ba"}, "manual": {"hello", "det", "lse", "llsq", "ba"}}
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
    gradbench: Path, python: str, eval_name: str, arguments: list[str], tool: str, log: Path | None, threads: int
) -> tuple[list, float]:
    command = " ".join([python, f"python/gradbench/gradbench/evals/{eval_name}/run.py", *arguments])
    saved = os.environ.get("OMP_NUM_THREADS")
    os.environ["OMP_NUM_THREADS"] = str(threads)  # PyTorch's intra-op threads; both processes inherit it
    try:
        relay = Relay(command, tool, str(gradbench), timeout=3600)
        started = time.perf_counter()
        relay.run()
        wall = time.perf_counter() - started
    finally:
        if saved is None:
            os.environ.pop("OMP_NUM_THREADS", None)
        else:
            os.environ["OMP_NUM_THREADS"] = saved
    if log is not None:
        log.write_text("".join(json.dumps(line) + "\n" for line in relay.lines), encoding="utf-8")
    return relay.summary(), wall


def median_seconds(row: dict) -> float | None:
    return statistics.median(row["evaluate_ns"]) / 1e9 if row["evaluate_ns"] else None


def seconds_text(value: float | None) -> str:
    if value is None:
        return "—"
    if value < 1e-6:
        return f"{value * 1e9:.0f} ns"
    if value < 1e-3:
        return f"{value * 1e6:.0f} µs"
    if value < 1:
        return f"{value * 1e3:.1f} ms"
    return f"{value:.2f} s"


def ratio_text(mine: float | None, theirs: float | None) -> str:
    if not mine or not theirs:
        return "—"
    ratio = mine / theirs
    return f"{ratio:.0f}x" if ratio >= 10 else f"{ratio:.1f}x" if ratio >= 1 else f"{ratio:.2g}x"


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
    parser.add_argument("--manual", action="store_true", help="run GradBench's manual tool too (C++, derivatives by hand)")
    parser.add_argument("--threads", type=int, default=1, help="OMP_NUM_THREADS for every process (ours uses one)")
    parser.add_argument("--only", nargs="+", choices=list(EVALS), help="these evals only")
    parser.add_argument("--quick", action="store_true", help="the smallest sizes and one run each: a check, not a measurement")
    parser.add_argument("--logs", type=Path, help="write each session's message log (JSON Lines) here")
    args = parser.parse_args()
    gradbench = args.gradbench.resolve()
    build_reference(gradbench)
    if args.logs:
        args.logs.mkdir(parents=True, exist_ok=True)
    ours = f"{args.tool_python} {HERE / 'tool.py'}"
    references = {}
    if args.torch_python:
        references["pytorch"] = f"{args.torch_python} python/gradbench/gradbench/tools/pytorch/run.py"
    if args.manual:
        references["manual"] = f"{args.eval_python} python/gradbench/gradbench/cpp.py manual"
    sizes = QUICK if args.quick else EVALS
    print(f"load before: {os.getloadavg()[0]:.2f}", file=sys.stderr)
    header = "| eval | function | size | autodiff | a run (median) | runs |"
    rule = "| --- | --- | --- | --- | ---: | ---: |"
    for name in references:
        header += f" {name} | a run | autodiff / {name} |"
        rule += " --- | ---: | ---: |"
    lines = [header, rule]
    totals = []
    ok = True
    for name in args.only or list(EVALS):
        log = args.logs / f"{name}-autodiff.jsonl" if args.logs else None
        rows, wall = session(gradbench, args.eval_python, name, sizes[name], ours, log, args.threads)
        evaluations = [row for row in rows if row["kind"] == "evaluate"]
        ok = ok and passed(evaluations)
        others: dict[str, dict[int, dict]] = {}
        walls: dict[str, float] = {}
        for reference, command in references.items():
            if name not in REFERENCES[reference]:
                continue
            log = args.logs / f"{name}-{reference}.jsonl" if args.logs else None
            their_rows, walls[reference] = session(gradbench, args.eval_python, name, sizes[name], command, log, args.threads)
            others[reference] = {row["id"]: row for row in their_rows if row["kind"] == "evaluate"}
        valid = sum(1 for row in evaluations if row["success"] and row["valid"] is not False)
        totals.append((name, valid, len(evaluations), wall, walls))
        for row in evaluations:
            mine = median_seconds(row)
            line = f"| {name} | {row['function']} | {row['description'] or ''} | {verdict(row)} | {seconds_text(mine)} | {row['runs']} |"
            for reference in references:
                if reference not in others:
                    line += " not implemented | — | — |"
                    continue
                other = others[reference].get(row["id"])  # the same eval sends the same messages in the same order
                theirs = median_seconds(other) if other else None
                line += f" {verdict(other)} | {seconds_text(theirs)} | {ratio_text(mine, theirs)} |"
            lines.append(line)
        print(
            f"{name}: {valid}/{len(evaluations)} valid, {wall:.1f} s " + str({k: round(v, 1) for k, v in walls.items()}),
            file=sys.stderr,
        )
    print(f"load after: {os.getloadavg()[0]:.2f}", file=sys.stderr)
    print("| eval | answers valid | session (wall) | " + " | ".join(f"{name} session" for name in references) + " |")
    print("| --- | ---: | ---: |" + " ---: |" * len(references))
    for name, valid, count, wall, walls in totals:
        cells = " | ".join("—" if reference not in walls else f"{walls[reference]:.1f} s" for reference in references)
        print(f"| {name} | {valid}/{count} | {wall:.1f} s | {cells} |")
    print()
    print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
