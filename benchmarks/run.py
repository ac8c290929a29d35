"""Run every benchmark, side by side with its references, and write benchmarks/RESULTS.md.

    python benchmarks/run.py            # everything, default sizes (see RESULTS.md for how long)
    python benchmarks/run.py --quick    # small sizes, about a minute; prints, never writes RESULTS.md

Every comparison runs its contenders interleaved (ours, micrograd, micrograd
with its cyclic GC off, PyTorch when installed; round after round), so a
busy machine slows both sides alike. Each figure is the median of the
rounds with its min and max, and each ratio the median of the per-round
ratios. Each measurement runs in a fresh subprocess (this file with
`--worker`), so peak RSS (os.wait4's rusage) belongs to that one run.

RESULTS.md keeps one `##` heading per comparison. A rerun replaces the
sections this script writes and keeps every other one (sections written by
other benchmarks), in place.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import platform
import re
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
#: micrograd's bytes per node are measured up to this size.
MICROGRAD_MEMORY_CAP = 10_000
#: PyTorch from this size up: below it, importing torch is most of its time.
TORCH_FROM = 10_000

#: Sized so that a default run ends within about half an hour on two busy cores.
DEFAULT = {
    "rounds": 3,  # interleaved rounds up to 10,000 statements
    "big_rounds": 2,  # above
    "startup_runs": 21,
    "end_to_end": {"chain": [1_000, 10_000, 100_000, 1_000_000], "wide": [1_000, 10_000, 100_000], "dag": [1_000, 10_000, 100_000]},
    "engine": {"chain": [10_000], "wide": [10_000], "dag": [10_000]},
    "memory": 100_000,
    "stages": 100_000,
}
QUICK = {
    "rounds": 3,
    "big_rounds": 1,
    "startup_runs": 7,
    "end_to_end": {"chain": [1_000, 10_000], "wide": [1_000, 10_000], "dag": [1_000, 10_000]},
    "engine": {"chain": [10_000], "wide": [10_000], "dag": [10_000]},
    "memory": 10_000,
    "stages": 10_000,
}

#: The sections this script writes, in order; any other `## ` section of RESULTS.md is kept.
OWN_SECTIONS = ("Machine", "Targets", "Start-up", "End to end", "Engine alone", "Stages", "Memory")
#: Sections earlier versions of this script wrote, dropped when it runs again.
RETIRED_SECTIONS = ("Bytes per node",)


def have(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


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


def _generating(shape: str, n: int) -> float:
    start = time.perf_counter()
    for _ in generate.statements(shape, n):
        pass
    return time.perf_counter() - start


def worker(kind: str, shape: str, n: int, path: str) -> dict:
    if kind in ("micrograd-e2e", "micrograd-e2e-nogc"):
        # Build and backpropagate straight from the lazy generator; the time
        # spent generating statements is measured alone and subtracted.
        generating = _generating(shape, n)
        if kind.endswith("nogc"):
            gc.disable()

        def build():
            output = generate.build_micrograd(generate.statements(shape, n))
            output.backward()
            return output.data

        value = _in_big_stack(build)
        return {"generating": generating, "value": value}

    if kind == "torch-e2e":
        generating = _generating(shape, n)
        output = generate.build_torch(generate.statements(shape, n))
        output.backward()
        return {"generating": generating, "value": output.item()}

    if kind == "autodiff-engine":
        from autodiff_cli.base.errors import Source
        from autodiff_cli.language.evaluate import Graph
        from autodiff_cli.language.parse import parse

        text = Path(path).read_text()
        statements = list(parse(text))
        start = time.perf_counter()
        graph = Graph(Source(path, text))
        graph.run(statements)
        result = graph.differentiate()
        seconds = time.perf_counter() - start
        return {"seconds": seconds, "value": result.value, "nodes": len(graph.nodes)}

    if kind in ("micrograd-engine", "micrograd-engine-nogc"):
        program = list(generate.statements(shape, n))
        generate.micrograd_value()
        if kind.endswith("nogc"):
            gc.disable()

        def build():
            start = time.perf_counter()
            output = generate.build_micrograd(program)
            output.backward()
            return time.perf_counter() - start, output

        seconds, output = _in_big_stack(build)
        return {"seconds": seconds, "value": output.data, "nodes": _micrograd_nodes(output)}

    if kind == "autodiff-memory":
        import tracemalloc

        from autodiff_cli.base.errors import Source
        from autodiff_cli.language.evaluate import Graph
        from autodiff_cli.language.parse import parse

        text = Path(path).read_text()
        statements = list(parse(text))
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        graph = Graph(Source(path, text))
        graph.run(statements)
        built = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.reset_peak()
        result = graph.differentiate()
        used, peak = tracemalloc.get_traced_memory()
        return {
            "bytes": used - before,
            "built": built,
            "transient": peak - used,
            "nodes": len(graph.nodes),
            "value": result.value,
        }

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

    if kind == "autodiff-stages":
        return stages(path)

    raise ValueError(kind)


def stages(path: str) -> dict:
    """Where one end-to-end run's time goes: parse, build, sort and backward, JSON, table."""
    import io

    from autodiff_cli.base.errors import Source
    from autodiff_cli.base.options import Options
    from autodiff_cli.language.evaluate import Graph
    from autodiff_cli.language.parse import parse
    from autodiff_cli.render.json import write_json
    from autodiff_cli.render.table import plain_table
    from autodiff_cli.report import build_report

    text = Path(path).read_text()
    gc.disable()  # as the command runs: the graph has no cycles
    t0 = time.perf_counter()
    statements = list(parse(text))
    t1 = time.perf_counter()
    graph = Graph(Source(path, text))
    graph.run(statements)
    t2 = time.perf_counter()
    result = graph.differentiate()
    t3 = time.perf_counter()
    report = build_report(result, Options(format="json"))
    sink = io.StringIO()
    write_json(report, sink.write)
    t4 = time.perf_counter()
    plain_table(report)
    t5 = time.perf_counter()
    # The node array against the writer it replaced (tests/json_reference.py), alternately, in CPU time.
    sys.path.insert(0, str(HERE.parent))
    from autodiff_cli.render import json as writer
    from tests import json_reference

    ratios = []
    for _ in range(3):
        times = []
        for module in (json_reference, writer):
            begin = time.thread_time()
            module._write_nodes(report, lambda text: None)
            times.append(time.thread_time() - begin)
        ratios.append(times[0] / times[1])
    return {
        "json_speedup": statistics.median(ratios),
        "statements": len(statements),
        "nodes": len(graph.nodes),
        "parse": t1 - t0,
        "build": t2 - t1,
        "backward": t3 - t2,
        "json": t4 - t3,
        "table": t5 - t4,
    }


# ---------------------------------------------------------------- the parent

LOADS: list[float] = []


def sample_load() -> None:
    if hasattr(os, "getloadavg"):
        LOADS.append(os.getloadavg()[0])


def run_child(argv: list[str], stdout=subprocess.DEVNULL) -> tuple[float, int, str]:
    """Run one fresh process: (wall seconds, peak RSS bytes, stdout)."""
    out = tempfile.TemporaryFile() if stdout is subprocess.PIPE else stdout
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdout=out, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    stderr = process.stderr.read().decode() if process.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({code}):\n{stderr}")
    text = ""
    if stdout is subprocess.PIPE:
        out.seek(0)
        text = out.read().decode()
    # ru_maxrss is in kilobytes on Linux, bytes on macOS.
    peak = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    return wall, peak, text


def run_worker(kind: str, shape: str, n: int, path: str) -> tuple[float, int, dict]:
    wall, peak, text = run_child(
        [sys.executable, str(Path(__file__).resolve()), "--worker", kind, shape, str(n), path], stdout=subprocess.PIPE
    )
    return wall, peak, json.loads(text)


def log(message: str) -> None:
    sample_load()
    print(message, file=sys.stderr, flush=True)


class Series:
    """One contender's figures over the rounds of a comparison."""

    def __init__(self) -> None:
        self.values: list[float] = []
        self.peaks: list[int] = []

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    def spread(self, scale: float = 1.0, unit: str = "s", digits: int = 3) -> str:
        """`median (min–max)`."""
        if not self.values:
            return "—"
        lo, mid, hi = (v * scale for v in (min(self.values), self.median, max(self.values)))
        return f"{mid:.{digits}f} {unit} ({lo:.{digits}f}–{hi:.{digits}f})"


class Ratio:
    """Per-round ratios of two contenders: the median of the ratios, with min and max."""

    def __init__(self, ours: Series, theirs: Series) -> None:
        self.values = [a / b for a, b in zip(ours.values, theirs.values) if b > 0]

    @property
    def median(self) -> float | None:
        return statistics.median(self.values) if self.values else None

    def __str__(self) -> str:
        if not self.values:
            return "—"
        return f"{self.median:.2f}x ({min(self.values):.2f}–{max(self.values):.2f})"


def interleaved(contenders: dict, rounds: int) -> dict[str, Series]:
    """Run each contender once per round, in turn; a contender is a function returning (seconds, peak)."""
    series = {name: Series() for name in contenders}
    for _ in range(rounds):
        sample_load()
        for name, function in contenders.items():
            seconds, peak = function()
            series[name].values.append(seconds)
            series[name].peaks.append(peak)
    return series


def compile_package() -> None:
    """Write the package's bytecode, as installing a wheel does.

    Under PYTHONDONTWRITEBYTECODE=1 an editable checkout never rewrites a stale
    `__pycache__` file, so every run would compile each changed module again.
    """
    package = importlib.util.find_spec("autodiff_cli")
    assert package is not None and package.submodule_search_locations
    subprocess.run([sys.executable, "-m", "compileall", "-q", *package.submodule_search_locations], check=True)


def startup(runs: int) -> dict[str, Series]:
    autodiff = shutil.which("autodiff") or str(Path(sys.executable).with_name("autodiff"))
    compile_package()
    commands = {
        "python": [sys.executable, "-c", "pass"],
        "version": [autodiff, "--version"],
        "json": [autodiff, "eval", "--format", "json", "a=3; b=a+a"],
        "table": [autodiff, "eval", "a=3; b=a+a"],
        # --precision 6 is the default, so the same output, but an option the fast path leaves to Click.
        "click": [autodiff, "eval", "--format", "json", "--precision", "6", "a=3; b=a+a"],
    }
    if shutil.which("qalc"):
        commands["qalc"] = ["qalc", "-t", "1+1"]
    for argv in commands.values():  # warm the file cache
        run_child(argv)
    return interleaved({name: (lambda argv=argv: run_child(argv)[:2]) for name, argv in commands.items()}, runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, about a minute; prints only")
    parser.add_argument("--output", type=Path, help="where to write the report (default RESULTS.md; none with --quick)")
    parser.add_argument("--rounds", type=int, help="interleaved rounds per comparison (overrides the default)")
    parser.add_argument("--worker", nargs=4, metavar=("KIND", "SHAPE", "N", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, shape, n, path = args.worker
        print(json.dumps(worker(kind, shape, int(n), path)), flush=True)
        os._exit(0)  # skip tearing down a huge graph (micrograd's would recurse)

    config = dict(QUICK if args.quick else DEFAULT)
    if args.rounds:
        config["rounds"] = config["big_rounds"] = args.rounds
    output = args.output if args.output is not None else (None if args.quick else HERE / "RESULTS.md")
    began = time.perf_counter()
    sample_load()
    autodiff = shutil.which("autodiff") or str(Path(sys.executable).with_name("autodiff"))
    workdir = Path(tempfile.mkdtemp(prefix="autodiff-bench-"))
    files: dict[tuple[str, int], str] = {}
    with_torch = have("torch")
    with_micrograd = have("micrograd")

    def program(shape: str, n: int) -> str:
        if (shape, n) not in files:
            path = workdir / f"{shape}-{n}.ad"
            # Line by line: a forked child's peak RSS starts at its parent's, so the parent stays small.
            with path.open("w") as handle:
                for target, expression in generate.statements(shape, n):
                    handle.write(f"{target} = {generate._expression(expression)}\n")
            files[shape, n] = str(path)
        return files[shape, n]

    def rounds(n: int) -> int:
        return config["rounds"] if n <= 10_000 else config["big_rounds"]

    log("start-up ...")
    start_series = startup(config["startup_runs"])

    end_to_end = []
    for shape, sizes in config["end_to_end"].items():
        for n in sizes:
            path = program(shape, n)
            log(f"end to end: {shape} {n:,} ...")
            values: dict[str, float] = {}

            def ours(path=path):
                wall, peak, _ = run_child([autodiff, "run", "--format", "json", path])
                return wall, peak

            def reference(kind, shape=shape, n=n, path=path):
                def run():
                    wall, peak, info = run_worker(kind, shape, n, path)
                    values[kind] = info["value"]
                    # The worker generated the statements twice (once alone, to time it).
                    return wall - 2 * info["generating"], peak

                return run

            contenders = {"autodiff": ours}
            if n <= MICROGRAD_CAP and with_micrograd:
                contenders["micrograd"] = reference("micrograd-e2e")
                contenders["micrograd, GC off"] = reference("micrograd-e2e-nogc")
            if TORCH_FROM <= n <= MICROGRAD_CAP and with_torch:  # importing torch alone takes seconds
                contenders["PyTorch"] = reference("torch-e2e")
            series = interleaved(contenders, rounds(n) if n < 1_000_000 else 1)
            end_to_end.append({"shape": shape, "n": n, "series": series})

    engine = []
    for shape, sizes in config["engine"].items():
        if not with_micrograd:
            break
        for n in sizes:
            path = program(shape, n)
            log(f"engine: {shape} {n:,} ...")
            found: dict[str, dict] = {}

            def timed(kind, shape=shape, n=n, path=path):
                def run():
                    _, peak, info = run_worker(kind, shape, n, path)
                    found[kind] = info
                    return info["seconds"], peak

                return run

            series = interleaved(
                {
                    "autodiff": timed("autodiff-engine"),
                    "micrograd": timed("micrograd-engine"),
                    "micrograd, GC off": timed("micrograd-engine-nogc"),
                },
                rounds(n),
            )
            ours_value, theirs_value = found["autodiff-engine"]["value"], found["micrograd-engine"]["value"]
            if abs(ours_value - theirs_value) > 1e-9 * max(1.0, abs(theirs_value)):
                raise RuntimeError(f"{shape} {n}: autodiff {ours_value} != micrograd {theirs_value}")
            engine.append({"shape": shape, "n": n, "series": series, "ours": found["autodiff-engine"], "theirs": found["micrograd-engine"]})

    memory = []
    n = config["memory"]
    for shape in generate.SHAPES:
        path = program(shape, n)
        log(f"memory: {shape} {n:,} ...")
        ours_memory = run_worker("autodiff-memory", shape, n, path)[2]
        # micrograd's side at most MICROGRAD_MEMORY_CAP statements (bytes per node hardly move with size):
        # under tracemalloc its 100,000-statement chain alone took over 20 minutes on a busy machine.
        small = min(n, MICROGRAD_MEMORY_CAP)
        theirs_memory = run_worker("micrograd-memory", shape, small, program(shape, small))[2] if with_micrograd else None
        memory.append({"shape": shape, "n": n, "ours": ours_memory, "theirs": theirs_memory})

    stage_rows = []
    n = config["stages"]
    for shape in generate.SHAPES:
        log(f"stages: {shape} {n:,} ...")
        path = program(shape, n)
        found_stages: list[dict] = []

        def staged(shape=shape, n=n, path=path):
            wall, peak, info = run_worker("autodiff-stages", shape, n, path)
            found_stages.append(info)
            return wall, peak

        interleaved({"stages": staged}, config["big_rounds"])
        stage_rows.append({"shape": shape, "n": n, "runs": found_stages})

    shutil.rmtree(workdir, ignore_errors=True)
    sample_load()
    elapsed = time.perf_counter() - began
    sections = render(args, config, start_series, end_to_end, engine, memory, stage_rows, elapsed)
    if output is None:
        print(assemble(sections, ""))
        log(f"done in {elapsed:.0f} s (printed only: --quick never writes RESULTS.md)")
        return 0
    previous = output.read_text() if output.exists() else ""
    output.write_text(assemble(sections, previous))
    log(f"wrote {output} in {elapsed:.0f} s")
    return 0


# ---------------------------------------------------------------- the report


def split_sections(text: str) -> tuple[str, list[tuple[str, str]]]:
    """A markdown text as (what comes before the first `## `, [(heading, body)])."""
    parts = re.split(r"^## (.+)\n", text, flags=re.MULTILINE)
    head, rest = parts[0], parts[1:]
    return head, [(rest[i].strip(), rest[i + 1]) for i in range(0, len(rest), 2)]


def assemble(sections: list[tuple[str, str]], previous: str) -> str:
    """Our sections first, in order, then every other section of the previous file, as it was."""
    head = sections[0][1]
    ours = sections[1:]
    _, old = split_sections(previous)
    own = {title for title, _ in ours} | set(OWN_SECTIONS) | set(RETIRED_SECTIONS)
    kept = [(title, body) for title, body in old if title not in own]
    text = head
    for title, body in [*ours, *kept]:
        text += f"## {title}\n{body.rstrip()}\n\n"
    return text.rstrip() + "\n"


def machine(config: dict) -> list[str]:
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
    for package in ("autodiff-cli", "micrograd", "torch", "lark"):
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package} not installed")
    qalc = shutil.which("qalc")
    cores = os.cpu_count() or 0
    load = (
        f"- Load (1-minute average, sampled {len(LOADS)} times during the run): min {min(LOADS):.1f}, "
        f"median {statistics.median(LOADS):.1f}, max {max(LOADS):.1f} on {cores} cores"
        if LOADS
        else "- Load: unknown"
    )
    return [
        f"- CPU: {cpu} ({cores} cores, `nproc` = {len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else cores})",
        load,
        f"- Memory: {memory}" if memory else "- Memory: unknown",
        f"- Python: {platform.python_version()} ({platform.python_implementation()}), {platform.system()} {platform.release()}",
        f"- Packages: {', '.join(versions)}; qalc {'at ' + qalc if qalc else 'not installed'}",
        f"- Rounds: {config['rounds']} interleaved up to 10,000 statements, {config['big_rounds']} above "
        "(one for the 1,000,000-statement chain)",
    ]


def verdict(value: float | None, target: float) -> str:
    if value is None:
        return "not measured"
    return "**met**" if value <= target else f"**not met** ({value / target:.2f}x the target)"


def mb(value: int | None) -> str:
    return "—" if value is None else f"{value / 2**20:,.0f} MB"


def render(args, config, start, end_to_end, engine, memory, stage_rows, elapsed) -> list[tuple[str, str]]:
    command = "python benchmarks/run.py" + (" --quick" if args.quick else "")
    head = (
        "# Benchmarks\n\n"
        "Run everything: `.venv/bin/python benchmarks/run.py` (micrograd and, optionally, PyTorch in the same "
        "environment: `pip install -e '.[bench]'`, and `'.[bench-torch]'` for PyTorch, a 550 MB wheel; `qalc` on the PATH for the start-up reference). "
        "`--quick` runs small sizes and only prints.\n\n"
        f"This file: `{command}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {elapsed:.0f} s. "
        "Every comparison runs its contenders interleaved, round after round; a figure is the median of the "
        "rounds (min–max), a ratio the median of the per-round ratios (min–max), so a busy machine moves "
        "both sides alike. Sections other benchmarks write (one `##` heading each) follow the ones "
        "`run.py` writes and are kept when it runs again.\n\n"
    )
    sections: list[tuple[str, str]] = [("", head)]
    sections.append(("Machine", "\n" + "\n".join(machine(config)) + "\n"))

    # -- targets
    ratio_python = Ratio(start["json"], start["python"])
    targets = []
    if "qalc" in start:
        ratio_qalc = Ratio(start["json"], start["qalc"])
        targets.append(("Start-up of `eval --format json \"a=3; b=a+a\"` ≤ 0.75x `qalc -t 1+1`", str(ratio_qalc), verdict(ratio_qalc.median, 0.75)))
    else:
        targets.append(("Start-up ≤ 0.75x `qalc -t 1+1`", "qalc not installed", "not measured"))
    for row in end_to_end:
        series = row["series"]
        if row["n"] != 100_000 and not (args.quick and row["n"] == max(config["end_to_end"][row["shape"]])):
            continue
        for reference in ("micrograd", "PyTorch"):
            if reference in series:
                ratio = Ratio(series["autodiff"], series[reference])
                targets.append((f"End to end, {row['shape']} {row['n']:,}: ≤ 0.8x {reference}", str(ratio), verdict(ratio.median, 0.8)))
            else:
                targets.append((f"End to end, {row['shape']} {row['n']:,}: ≤ 0.8x {reference}", f"{reference} not installed", "not measured"))
    for m in memory:
        per_node = m["ours"]["bytes"] / m["ours"]["nodes"]
        targets.append((f"Retained after backward, {m['shape']} {m['n']:,}: ≤ 120 bytes a node", f"{per_node:.0f} B", verdict(per_node, 120)))
    if stage_rows:
        worst = min(statistics.median(r["json_speedup"] for r in row["runs"]) for row in stage_rows)
        targets.append(("JSON node array ≥ 2x faster than the old writer (worst shape)", f"{worst:.2f}x", verdict(2 / worst, 1)))
        worst_table = max(statistics.median(r["table"] / r["json"] for r in row["runs"]) for row in stage_rows)
        targets.append(("Table path labels only what it prints: its time against the JSON document's (worst shape)", f"{worst_table:.2f}x", verdict(worst_table, 0.1)))
    million = [r for r in end_to_end if r["shape"] == "chain" and r["n"] == 1_000_000]
    if million:
        peak = max(million[0]["series"]["autodiff"].peaks)
        targets.append(("1,000,000-statement chain: peak RSS ≤ 1 GB", mb(peak), verdict(peak / 2**30, 1)))
    else:
        targets.append(("1,000,000-statement chain: peak RSS ≤ 1 GB", "not run", "run without `--quick`"))
    body = ["", "| Target | Measured | Verdict |", "|---|---|---|"]
    body += [f"| {t} | {m} | {v} |" for t, m, v in targets]
    sections.append(("Targets", "\n".join(body) + "\n"))

    # -- start-up
    names = {
        "python": "`python -c pass`",
        "qalc": "`qalc -t 1+1`",
        "version": "`autodiff --version`",
        "json": '`autodiff eval --format json "a=3; b=a+a"`',
        "table": '`autodiff eval "a=3; b=a+a"` (table)',
        "click": '`autodiff eval --format json --precision 6 "a=3; b=a+a"` (read by Click)',
    }
    body = [
        "",
        f"{config['startup_runs']} interleaved rounds after one warm-up run of each; wall time of a fresh process. "
        "The package's bytecode is compiled first (`python -m compileall`), as installing a wheel does: an editable "
        "checkout under PYTHONDONTWRITEBYTECODE=1 would otherwise compile every changed module on every run. "
        "`--version` and a plain one-shot `eval` are answered without importing Click (docs/architecture.md, "
        "\"Start-up\"); the last row takes an option that goes through Click, for comparison.",
        "",
        "| Command | Wall, median (min–max) | Ratio to `python -c pass` | Ratio to `qalc -t 1+1` |",
        "|---|---|---|---|",
    ]
    for key in ("python", "qalc", "version", "json", "table", "click"):
        if key in start:
            to_qalc = str(Ratio(start[key], start["qalc"])) if "qalc" in start else "—"
            body.append(f"| {names[key]} | {start[key].spread(1000, 'ms', 0)} | {Ratio(start[key], start['python'])} | {to_qalc} |")
    body.append("")
    body.append(f"JSON path against bare Python: {ratio_python}.")
    sections.append(("Start-up", "\n".join(body) + "\n"))

    # -- end to end
    references = ["micrograd", "micrograd, GC off", "PyTorch"]
    body = [
        "",
        "`autodiff run --format json FILE > /dev/null` (parsing, evaluation, backward, JSON out) against a fresh "
        "Python process that builds the same graph from Python (no parsing, no output) and calls `backward()`: "
        "micrograd 0.1.0 with the tanh of `generate.py` (recursion limit raised, in a thread with a 1 GiB stack), "
        "the same with `gc.disable()`, and PyTorch scalar float64 tensors. References run up to "
        f"{MICROGRAD_CAP:,} statements; their wall time excludes generating the statements (measured in "
        "the process, subtracted). Peak RSS from `os.wait4`, the largest of the rounds. Ratios are autodiff's "
        "time over the reference's, round by round.",
        "",
        "| Shape | Statements | autodiff | micrograd | micrograd, GC off | PyTorch | vs micrograd | vs GC off | vs PyTorch | autodiff RSS | micrograd RSS | PyTorch RSS |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in end_to_end:
        s = row["series"]
        cells = [s["autodiff"].spread()]
        cells += [s[ref].spread() if ref in s else "—" for ref in references]
        cells += [str(Ratio(s["autodiff"], s[ref])) if ref in s else "—" for ref in references]
        cells += [mb(max(s[ref].peaks)) if ref in s else "—" for ref in ("autodiff", "micrograd", "PyTorch")]
        body.append(f"| {row['shape']} | {row['n']:,} | " + " | ".join(cells) + " |")
    sections.append(("End to end", "\n".join(body) + "\n"))

    # -- engine
    if engine:
        body = [
            "",
            "Evaluate plus backward from an already parsed program (`list(parse(text))` first, then "
            "`Graph.run` and `differentiate` timed) against micrograd building the same graph from an already "
            "generated statement list and calling `backward()`, with its default GC and with it off. "
            "Both outputs are checked equal.",
            "",
            "| Shape | Statements | autodiff nodes | autodiff | micrograd | micrograd, GC off | vs micrograd | vs GC off |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for e in engine:
            s = e["series"]
            body.append(
                f"| {e['shape']} | {e['n']:,} | {e['ours']['nodes']:,} | {s['autodiff'].spread()} | {s['micrograd'].spread()} | "
                f"{s['micrograd, GC off'].spread()} | {Ratio(s['autodiff'], s['micrograd'])} | {Ratio(s['autodiff'], s['micrograd, GC off'])} |"
            )
        sections.append(("Engine alone", "\n".join(body) + "\n"))

    # -- stages
    body = [
        "",
        "Where a run's time goes, in one process per round (median of the rounds): parse (`list(parse(text))`), "
        "build (`Graph.run`), sort and backward (`differentiate`), the JSON document to a `StringIO`, and "
        "the plain table (the one-shot default on a pipe: 200 rows shown). The speed-up of the JSON node array is the old writer's CPU time over the new one's on the same report (`tests/json_reference.py`, the writer before the node loop was reworked), median of three alternating pairs.",
        "",
        "| Shape | Statements | Nodes | parse | build | sort + backward | JSON | JSON per node | node array: speed-up on the old writer | table |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in stage_rows:
        runs = row["runs"]

        def median(key, runs=runs):
            return statistics.median(r[key] for r in runs)

        nodes = runs[0]["nodes"]
        body.append(
            f"| {row['shape']} | {row['n']:,} | {nodes:,} | {median('parse'):.3f} s | {median('build'):.3f} s | "
            f"{median('backward'):.3f} s | {median('json'):.3f} s | {median('json') / nodes * 1e6:.2f} µs | {median('json_speedup'):.2f}x | {median('table'):.3f} s |"
        )
    sections.append(("Stages", "\n".join(body) + "\n"))

    # -- memory
    body = [
        "",
        "`tracemalloc` growth over building and backpropagating the graph (the parsed statements or the "
        "generated statement list already in memory), divided by the graph's nodes: what stays after "
        "backward (autodiff's includes its span arrays, name table and result; micrograd's its name table, "
        f"measured at {MICROGRAD_MEMORY_CAP:,} statements at most). "
        "Transient: the peak during sort and backward above what stays.",
        "",
        "| Shape | Statements | Nodes | autodiff retained | of which building | autodiff transient | micrograd retained | Ratio |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for m in memory:
        ours = m["ours"]
        per_node = ours["bytes"] / ours["nodes"]
        theirs = m["theirs"]["bytes"] / m["theirs"]["nodes"] if m["theirs"] else None
        body.append(
            f"| {m['shape']} | {m['n']:,} | {ours['nodes']:,} | {per_node:.0f} B | {ours['built'] / ours['nodes']:.0f} B | "
            f"{ours['transient'] / ours['nodes']:.0f} B | {'—' if theirs is None else f'{theirs:.0f} B'} | "
            f"{'—' if theirs is None else f'{per_node / theirs:.2f}x'} |"
        )
    sections.append(("Memory", "\n".join(body) + "\n"))
    return sections


if __name__ == "__main__":
    sys.exit(main())
