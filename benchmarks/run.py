"""Run every benchmark, side by side with micrograd, and write benchmarks/RESULTS.md.

    python benchmarks/run.py            # default sizes, a few minutes on 2 cores
    python benchmarks/run.py --quick    # about a minute

Every figure is measured in the same run as its reference, so the ratios hold
on a noisy machine. Each measurement runs in a fresh subprocess (this file
with `--worker`), so peak RSS (os.wait4's rusage) belongs to that one run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

#: micrograd's recursive backward is run only up to these sizes (its graphs
#: cost ~770 bytes a node and its cyclic GC dominates build time beyond them).
MICROGRAD_CAP = 100_000

DEFAULT = {
    "startup_runs": 15,
    "end_to_end": {"chain": [1_000, 10_000, 100_000, 1_000_000], "wide": [1_000, 10_000, 100_000], "dag": [1_000, 10_000, 100_000]},
    "engine": {"chain": [10_000, 100_000], "wide": [10_000, 100_000], "dag": [10_000, 100_000]},
    "memory": 10_000,
}
QUICK = {
    "startup_runs": 7,
    "end_to_end": {"chain": [1_000, 10_000], "wide": [1_000, 10_000], "dag": [1_000, 10_000]},
    "engine": {"chain": [10_000], "wide": [10_000], "dag": [10_000]},
    "memory": 2_000,
}


# ---------------------------------------------------------------- workers
# Each runs in its own process and prints one line of JSON.


def _in_big_stack(function):
    """Run `function` in a thread with a large stack: micrograd recurses."""
    import threading

    sys.setrecursionlimit(10**8)
    threading.stack_size(1 << 30)
    result: list = []
    thread = threading.Thread(target=lambda: result.append(function()))
    thread.start()
    thread.join()
    return result[0]


def _micrograd_nodes(output) -> int:
    seen, stack = {id(output)}, [output]
    while stack:
        for child in stack.pop()._prev:
            if id(child) not in seen:
                seen.add(id(child))
                stack.append(child)
    return len(seen)


def worker(kind: str, shape: str, n: int, path: str) -> dict:
    if kind == "micrograd-e2e":
        # Build and backpropagate straight from the lazy generator; the time
        # spent generating statements is measured alone and reported.
        start = time.perf_counter()
        for _ in generate.statements(shape, n):
            pass
        generating = time.perf_counter() - start

        def build():
            output = generate.build_micrograd(generate.statements(shape, n))
            output.backward()
            return output.data

        _in_big_stack(build)
        return {"generating": generating}

    if kind == "autodiff-engine":
        from autodiff_cli.errors import Source
        from autodiff_cli.evaluate import Graph
        from autodiff_cli.parse import parse

        text = Path(path).read_text()
        statements = list(parse(text))
        start = time.perf_counter()
        graph = Graph(Source(path, text))
        graph.run(statements)
        result = graph.differentiate()
        seconds = time.perf_counter() - start
        return {"seconds": seconds, "value": result.value, "nodes": len(graph.nodes)}

    if kind == "micrograd-engine":
        program = list(generate.statements(shape, n))
        generate.micrograd_value()

        def build():
            start = time.perf_counter()
            output = generate.build_micrograd(program)
            output.backward()
            return time.perf_counter() - start, output

        seconds, output = _in_big_stack(build)
        return {"seconds": seconds, "value": output.data, "nodes": _micrograd_nodes(output)}

    if kind == "autodiff-memory":
        import tracemalloc

        from autodiff_cli.errors import Source
        from autodiff_cli.evaluate import Graph
        from autodiff_cli.parse import parse

        text = Path(path).read_text()
        statements = list(parse(text))
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        graph = Graph(Source(path, text))
        graph.run(statements)
        result = graph.differentiate()
        used = tracemalloc.get_traced_memory()[0] - before
        return {"bytes": used, "nodes": len(graph.nodes), "value": result.value}

    if kind == "micrograd-memory":
        import tracemalloc

        program = list(generate.statements(shape, n))
        generate.micrograd_value()

        def build():
            tracemalloc.start()
            before = tracemalloc.get_traced_memory()[0]
            output = generate.build_micrograd(program)
            output.backward()
            return tracemalloc.get_traced_memory()[0] - before, output

        used, output = _in_big_stack(build)
        return {"bytes": used, "nodes": _micrograd_nodes(output), "value": output.data}

    raise ValueError(kind)


# ---------------------------------------------------------------- the parent


def run_child(argv: list[str], stdout=subprocess.DEVNULL) -> tuple[float, int, int, str]:
    """Run one fresh process: (wall seconds, peak RSS bytes, exit status, stdout)."""
    out = tempfile.TemporaryFile() if stdout is subprocess.PIPE else stdout
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdout=out, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    stderr = process.stderr.read().decode() if process.stderr else ""
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({process.returncode}):\n{stderr}")
    text = ""
    if stdout is subprocess.PIPE:
        out.seek(0)
        text = out.read().decode()
    # ru_maxrss is in kilobytes on Linux, bytes on macOS.
    peak = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    return wall, peak, process.returncode, text


def run_worker(kind: str, shape: str, n: int, path: str) -> tuple[float, int, dict]:
    wall, peak, _, text = run_child(
        [sys.executable, str(Path(__file__).resolve()), "--worker", kind, shape, str(n), path], stdout=subprocess.PIPE
    )
    return wall, peak, json.loads(text)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def startup(runs: int) -> dict:
    autodiff = shutil.which("autodiff") or str(Path(sys.executable).with_name("autodiff"))
    commands = {
        "python": [sys.executable, "-c", "pass"],
        "json": [autodiff, "eval", "--format", "json", "a=3; b=a+a"],
        "table": [autodiff, "eval", "a=3; b=a+a"],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for name, argv in commands.items():  # warm the file cache (and Lark's cache)
        run_child(argv)
    for _ in range(runs):  # interleaved, so drift hits all three alike
        for name, argv in commands.items():
            times[name].append(run_child(argv)[0])
    return {name: statistics.median(values) for name, values in times.items()}


def median_runs(function, repeats: int):
    results = [function() for _ in range(repeats)]
    results.sort(key=lambda r: r[0])
    return results[len(results) // 2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: about a minute")
    parser.add_argument("--output", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--worker", nargs=4, metavar=("KIND", "SHAPE", "N", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, shape, n, path = args.worker
        print(json.dumps(worker(kind, shape, int(n), path)), flush=True)
        os._exit(0)  # skip tearing down a huge graph (micrograd's would recurse)

    config = QUICK if args.quick else DEFAULT
    began = time.perf_counter()
    autodiff = shutil.which("autodiff") or str(Path(sys.executable).with_name("autodiff"))
    workdir = Path(tempfile.mkdtemp(prefix="autodiff-bench-"))
    files: dict[tuple[str, int], str] = {}

    def program(shape: str, n: int) -> str:
        if (shape, n) not in files:
            path = workdir / f"{shape}-{n}.ad"
            with path.open("w") as handle:
                for target, expression in generate.statements(shape, n):
                    handle.write(f"{target} = {generate._expression(expression)}\n")
            files[shape, n] = str(path)
        return files[shape, n]

    log("start-up ...")
    start_times = startup(config["startup_runs"])

    def cases(section: str):
        """(shape, statements, program file, repeats) for each size a section runs."""
        for shape, sizes in config[section].items():
            for n in sizes:
                yield shape, n, program(shape, n), (3 if n <= 10_000 else 1)

    end_to_end = []
    for shape, n, path, repeats in cases("end_to_end"):
        log(f"end to end: {shape} {n:,} ...")
        wall, peak, _, _ = median_runs(lambda: run_child([autodiff, "run", "--format", "json", path]), repeats)
        row = {"shape": shape, "n": n, "wall": wall, "peak": peak, "mg_wall": None, "mg_peak": None}
        if n <= MICROGRAD_CAP:
            mg_wall, mg_peak, info = median_runs(lambda: run_worker("micrograd-e2e", shape, n, path), repeats)
            # The worker generated the statements twice (once alone, to time it).
            row.update(mg_wall=mg_wall - 2 * info["generating"], mg_peak=mg_peak, mg_generating=info["generating"])
        end_to_end.append(row)

    engine = []
    for shape, n, path, repeats in cases("engine"):
        log(f"engine: {shape} {n:,} ...")
        ours = median_runs(lambda: (lambda r: (r[2]["seconds"], r))(run_worker("autodiff-engine", shape, n, path)), repeats)[1][2]
        theirs = median_runs(lambda: (lambda r: (r[2]["seconds"], r))(run_worker("micrograd-engine", shape, n, path)), repeats)[1][2]
        if abs(ours["value"] - theirs["value"]) > 1e-9 * max(1.0, abs(theirs["value"])):
            raise RuntimeError(f"{shape} {n}: autodiff {ours['value']} != micrograd {theirs['value']}")
        engine.append({"shape": shape, "n": n, "ours": ours, "theirs": theirs})

    memory = []
    n = config["memory"]
    for shape in generate.SHAPES:
        path = program(shape, n)
        log(f"bytes per node: {shape} {n:,} ...")
        ours = run_worker("autodiff-memory", shape, n, path)[2]
        theirs = run_worker("micrograd-memory", shape, n, path)[2]
        memory.append({"shape": shape, "n": n, "ours": ours, "theirs": theirs})

    shutil.rmtree(workdir, ignore_errors=True)
    elapsed = time.perf_counter() - began
    report = render(args, start_times, end_to_end, engine, memory, elapsed)
    args.output.write_text(report)
    print(report)
    log(f"wrote {args.output} in {elapsed:.0f} s")
    return 0


# ---------------------------------------------------------------- the report


def machine() -> list[str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or "unknown"
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024**2:.1f} GiB"
    except OSError:
        pass
    import importlib.metadata as metadata

    versions = []
    for package in ("autodiff-cli", "micrograd", "lark"):
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            pass
    return [
        f"- CPU: {cpu} ({os.cpu_count()} cores, `nproc` = {len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count()})",
        f"- Memory: {memory}" if memory else "- Memory: unknown",
        f"- Python: {platform.python_version()} ({platform.python_implementation()}), {platform.system()} {platform.release()}",
        f"- Packages: {', '.join(versions)}",
    ]


def verdict(ratio: float, target: float, smaller_is_better: bool = True) -> str:
    met = ratio <= target
    return "**met**" if met else f"**not met** ({ratio / target:.2f}x the target)"


def mb(value: int | None) -> str:
    return "—" if value is None else f"{value / 2**20:,.0f} MB"


def seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f} s" if value < 10 else f"{value:.1f} s"


def render(args, start, end_to_end, engine, memory, elapsed) -> str:
    command = "python benchmarks/run.py" + (" --quick" if args.quick else "")
    lines = [
        "# Benchmarks",
        "",
        f"Made by `{command}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} in {elapsed:.0f} s. "
        "Every figure is a ratio to a reference measured in the same run. Regenerate with the same command "
        "(`--quick` for a one-minute run at small sizes).",
        "",
        "## Machine",
        "",
        *machine(),
        "",
    ]

    # Targets
    json_ratio = start["json"] / start["python"]
    table_ratio = start["table"] / start["python"]
    targets = [
        ("Start-up, JSON path ≤ 5x bare `python -c pass`", f"{json_ratio:.2f}x", verdict(json_ratio, 5)),
        ("Start-up, table path ≤ 7x bare `python -c pass`", f"{table_ratio:.2f}x", verdict(table_ratio, 7)),
    ]
    if engine:
        worst_time = max(e["ours"]["seconds"] / e["theirs"]["seconds"] for e in engine)
        targets.append(("Engine time ≤ 1/3 of micrograd's (worst shape and size)", f"{worst_time:.2f}x", verdict(worst_time, 1 / 3)))
    if memory:
        worst_memory = max((m["ours"]["bytes"] / m["ours"]["nodes"]) / (m["theirs"]["bytes"] / m["theirs"]["nodes"]) for m in memory)
        targets.append(("Engine memory per node ≤ 1/3 of micrograd's (worst shape)", f"{worst_memory:.2f}x", verdict(worst_memory, 1 / 3)))
    chain = [r for r in end_to_end if r["shape"] == "chain" and r["n"] == 100_000 and r["mg_wall"]]
    if chain:
        r = chain[0]
        targets.append(("End to end, 100,000-statement chain: time ≤ micrograd's", f"{r['wall'] / r['mg_wall']:.2f}x", verdict(r["wall"] / r["mg_wall"], 1)))
        targets.append(("End to end, 100,000-statement chain: peak RSS ≤ 1/2 micrograd's", f"{r['peak'] / r['mg_peak']:.2f}x", verdict(r["peak"] / r["mg_peak"], 0.5)))
    else:
        targets.append(("End to end, 100,000-statement chain (time, peak RSS)", "not run", "run without `--quick`"))
    million = [r for r in end_to_end if r["shape"] == "chain" and r["n"] == 1_000_000]
    if million:
        r = million[0]
        targets.append(("1,000,000-statement chain end to end within 2 GB", mb(r["peak"]), verdict(r["peak"] / 2**31, 1)))
    lines += ["## Targets", "", "| Target | Measured | Verdict |", "|---|---|---|"]
    lines += [f"| {t} | {m} | {v} |" for t, m, v in targets]

    lines += [
        "",
        "## Start-up",
        "",
        f"Median wall time of {args and (QUICK if args.quick else DEFAULT)['startup_runs']} runs each, interleaved, after one warm-up run.",
        "",
        "| Command | Wall | Ratio to bare Python |",
        "|---|---|---|",
        f"| `python -c pass` | {start['python'] * 1000:.0f} ms | 1.00x |",
        f"| `autodiff eval --format json \"a=3; b=a+a\"` | {start['json'] * 1000:.0f} ms | {json_ratio:.2f}x |",
        f"| `autodiff eval \"a=3; b=a+a\"` (table) | {start['table'] * 1000:.0f} ms | {table_ratio:.2f}x |",
        "",
        "## End to end",
        "",
        "`autodiff run --format json FILE > /dev/null` (parsing, evaluation, backward, JSON out) against a fresh "
        "Python process that imports micrograd, builds the same graph and calls `backward()` "
        f"(recursion limit raised, in a thread with a 1 GiB stack; run up to {MICROGRAD_CAP:,} statements). "
        "micrograd's wall time excludes generating the statements in its process (measured, and subtracted). "
        "Peak RSS from `os.wait4`. Median of 3 runs up to 10,000 statements, one run above.",
        "",
        "| Shape | Statements | autodiff wall | micrograd wall | Time ratio | autodiff peak RSS | micrograd peak RSS | Memory ratio |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in end_to_end:
        time_ratio = f"{r['wall'] / r['mg_wall']:.2f}x" if r["mg_wall"] else "—"
        memory_ratio = f"{r['peak'] / r['mg_peak']:.2f}x" if r["mg_peak"] else "—"
        lines.append(
            f"| {r['shape']} | {r['n']:,} | {seconds(r['wall'])} | {seconds(r['mg_wall'])} | {time_ratio} | "
            f"{mb(r['peak'])} | {mb(r['mg_peak'])} | {memory_ratio} |"
        )

    lines += [
        "",
        "## Engine alone",
        "",
        "Evaluate plus backward from an already parsed program (`list(parse(text))` first, then "
        "`Graph.run` and `differentiate` timed) against micrograd building the same graph from an already "
        "generated statement list and calling `backward()`, with its default (cyclic GC on) settings. "
        "Both outputs are checked equal.",
        "",
        "| Shape | Statements | autodiff nodes | autodiff | micrograd nodes | micrograd | Ratio |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for e in engine:
        lines.append(
            f"| {e['shape']} | {e['n']:,} | {e['ours']['nodes']:,} | {seconds(e['ours']['seconds'])} | "
            f"{e['theirs']['nodes']:,} | {seconds(e['theirs']['seconds'])} | {e['ours']['seconds'] / e['theirs']['seconds']:.2f}x |"
        )

    lines += [
        "",
        "## Bytes per node",
        "",
        "`tracemalloc` growth over building and backpropagating the graph (the parsed statements or the "
        "generated statement list already in memory), divided by the nodes in each graph. autodiff's figure "
        "includes its span arrays, name table and result; micrograd's its name table.",
        "",
        "| Shape | Statements | autodiff bytes/node | micrograd bytes/node | Ratio |",
        "|---|---:|---:|---:|---:|",
    ]
    for m in memory:
        ours = m["ours"]["bytes"] / m["ours"]["nodes"]
        theirs = m["theirs"]["bytes"] / m["theirs"]["nodes"]
        lines.append(f"| {m['shape']} | {m['n']:,} | {ours:,.0f} | {theirs:,.0f} | {ours / theirs:.2f}x |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
