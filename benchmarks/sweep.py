"""Sweep benchmark: one 20-statement program at 10^6 points, three ways, in one run.

    python benchmarks/sweep.py              # 10^6 points; writes the "Sweeps" section of RESULTS.md
    python benchmarks/sweep.py --points 10000 --no-write

1. `--sweep`: the graph built once, every point at once on NumPy arrays
   (autodiff_cli.analyses.sweep.sweep, the function the command calls).
2. The same points as scalar evaluations: the `--at` path per point (replay the
   graph, then the float backward pass), on a sample, extrapolated to all points.
3. PyTorch float64 (if `torch` is installed): the same program on tensors of all
   points, forward and backward, gradients checked against the sweep's.

Ratios are of medians measured in this one run, so they hold on a busy machine.
"""

from __future__ import annotations

import argparse
import math
import platform
import re
import statistics
import struct
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
BEGIN, END = "<!-- sweep benchmark: begin -->", "<!-- sweep benchmark: end -->"

sys.path.insert(0, str(HERE.parent))  # the tests' helpers: the program is written once, there
from tests.sweep_bound import TWENTY as PROGRAM  # noqa: E402  # 2 inputs and 18 statements, every kind of operation

#: The whole-command benchmark's program: 2 inputs, 18 statements of tanh(x*k + y) * exp(-x*x), summed.
SUM_PROGRAM = "x = 0.5\ny = 1.5\ns1 = tanh(x*1 + y) * exp(-x*x)\n" + "".join(
    f"{'f' if k == 18 else f's{k}'} = s{k - 1} + tanh(x*{k} + y) * exp(-x*x)\n" for k in range(2, 19)
)


def numpy_reference(x, y):  # type: ignore[no-untyped-def]
    """SUM_PROGRAM by hand in NumPy, each statement as written: its value, d/dx and d/dy at every x."""
    import numpy as np

    value = np.zeros_like(x)
    dx = np.zeros_like(x)
    dy = np.zeros_like(x)
    for k in range(1, 19):
        t = np.tanh(x * k + y)
        e = np.exp(-x * x)
        value = value + t * e
        slope = (1 - t * t) * e  # d(t*e)/d(x*k + y)
        dy = dy + slope
        dx = dx + (slope * k + t * e * (-2 * x))
    return value, dx, dy


def whole_command(points: int, runs: int) -> list[str]:
    """`autodiff eval --sweep` to CSV and to JSON Lines in a file, against numpy_reference, interleaved."""
    import json
    import tempfile

    import numpy as np

    xs = np.linspace(-2, 2, points)
    reference = numpy_reference(xs, 1.5)
    folder = Path(tempfile.mkdtemp())
    commands = {
        form: [sys.executable, "-m", "autodiff_cli", "eval", "-f", form, f"--sweep=x=-2:2:{points}", SUM_PROGRAM]
        for form in ("csv", "json")
    }
    # The package's bytecode is written first, as `pip install` writes it (PYTHONDONTWRITEBYTECODE
    # would otherwise have every run compile the modules changed since the last).
    import autodiff_cli

    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(autodiff_cli.__file__).parent)], check=True)
    import resource

    times: dict[str, list[float]] = {"numpy": [], "csv": [], "json": []}
    cpu: dict[str, list[float]] = {"numpy": [], "csv": [], "json": []}

    def children() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        numpy_reference(xs, 1.5)
        times["numpy"].append(time.perf_counter() - start)
        cpu["numpy"].append(time.process_time() - start_cpu)
        for form, command in commands.items():
            with open(folder / form, "w") as out:
                start, start_cpu = time.perf_counter(), children()
                subprocess.run(command, stdout=out, check=True)
                times[form].append(time.perf_counter() - start)
                cpu[form].append(children() - start_cpu)
    # The files agree with the reference within the bound of docs/sweeps.md.
    with open(folder / "csv") as text:
        next(text)
        table = np.loadtxt(text, delimiter=",", usecols=(0, 1, 2, 3))
    with open(folder / "json") as lines:
        first = json.loads(next(lines))
    assert np.array_equal(table[:, 0], xs) and first["value"] == table[0, 1]
    apart = []
    for column, (ours, theirs) in enumerate(zip(table[:, 1:].T, reference), 1):
        # Each of the 18 statements is 8 operations (k ulp each, 21 in all), none amplifying: about
        # 21 x 18 ulp of the output's scale; the gradients' rules multiply by up to k = 18.
        scale = np.abs(theirs).max()
        bound = 21 * 18 * (18 if column > 1 else 1) * np.spacing(scale)
        assert np.all(np.abs(ours - theirs) <= bound), (column, float(np.max(np.abs(ours - theirs))), bound)
        apart.append(float(np.max(np.abs(ours - theirs)) / np.spacing(scale)))
    sizes = {form: (folder / form).stat().st_size for form in commands}
    median = {name: statistics.median(values) for name, values in times.items()}
    busy = {name: statistics.median(values) for name, values in cpu.items()}
    return [
        "",
        "### The whole command against NumPy by hand",
        "",
        f"`autodiff eval -f csv|json --sweep x=-2:2:{points}` of a 20-statement program (18 statements of "
        "`tanh(x*k + y) * exp(-x*x)` summed; `SUM_PROGRAM` in `benchmarks/sweep.py`), output to a file: the process "
        "from start-up to the last row, against `numpy_reference`, the same value and both gradients written by hand "
        f"in NumPy (in this process, no output). Medians of {runs} interleaved runs, wall time, and CPU time (user and "
        f"system, of the process; load average {_load()} on {_cores()} cores when they ended).",
        "",
        "| What | Wall time | Ratio to NumPy by hand | CPU time | CPU ratio | Output |",
        "|---|---:|---:|---:|---:|---:|",
        f"| NumPy by hand: value, d/dx, d/dy | {median['numpy']:.3f} s | 1.00x | {busy['numpy']:.3f} s | 1.00x | |",
        f"| `autodiff eval -f csv --sweep` | {median['csv']:.3f} s | {median['csv'] / median['numpy']:.2f}x "
        f"| {busy['csv']:.3f} s | {busy['csv'] / busy['numpy']:.2f}x | {sizes['csv'] / 1e6:.0f} MB |",
        f"| `autodiff eval -f json --sweep` (JSON Lines) | {median['json']:.3f} s | {median['json'] / median['numpy']:.2f}x "
        f"| {busy['json']:.3f} s | {busy['json'] / busy['numpy']:.2f}x | {sizes['json'] / 1e6:.0f} MB |",
        "",
        f"The files read back agree with the reference within the bound of docs/sweeps.md: at most "
        f"{apart[0]:.0f}, {apart[1]:.0f} and {apart[2]:.0f} ulp of the largest value, d/dx and d/dy.",
    ]


def torch_program(torch, x, y):  # type: ignore[no-untyped-def]
    """PROGRAM in PyTorch (its relu, abs, maximum and minimum take the same kink choices)."""
    s1 = torch.sin(x) * y
    s2 = torch.exp(-x * x) + s1
    s3 = torch.tanh(s2 * y - x)
    s4 = torch.sqrt(x * x + y * y + 1)
    s5 = torch.log(s4 + 1) / s4
    s6 = torch.sigmoid(s3 - s5)
    s7 = s6 * s6 + torch.cos(y * s1)
    s8 = torch.maximum(s7, s3) + torch.minimum(x, y)
    s9 = torch.relu(s8 - 0.5) + torch.abs(x - y)
    s10 = s9**2 / (1 + s4)
    s11 = s10 * s5 - s2 / (2 + s7)
    s12 = torch.tan(s6 - 0.5) + s11
    s13 = torch.pow(s4, 0.5) * s12
    s14 = s13 - s9 * s1
    s15 = torch.exp(-s14 * s14) + s3 * s8
    s16 = s15 * x + s14 * y
    s17 = torch.tanh(s16) + torch.sigmoid(s15 - s16)
    return s17 * s13 + s16 / s4


CPU: dict[int, float] = {}  # id(function) -> median CPU seconds of its last timing


def median_time(function, runs: int) -> tuple[float, float, float]:  # type: ignore[no-untyped-def]
    """Median, least and most wall seconds of `runs` calls; the median CPU seconds go in CPU.

    CPU time (this process, all its threads) is what a busy machine does not
    inflate: wall time also counts the waits for a core.
    """
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        function()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    CPU[id(function)] = statistics.median(cpu)
    return statistics.median(times), min(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, default=1_000_000, help="points of the sweep (a square grid)")
    parser.add_argument("--sample", type=int, default=3_000, help="scalar evaluations timed, then extrapolated")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-write", action="store_true", help="print the section, do not update RESULTS.md")
    parser.add_argument("--only-command", action="store_true", help="only the whole command against NumPy by hand")
    args = parser.parse_args()
    if args.only_command:
        print("\n".join(whole_command(args.points, args.runs)))
        return

    import numpy as np

    from autodiff_cli.analyses import at
    from autodiff_cli.analyses.sweep import parse_axis, sweep
    from autodiff_cli.language.evaluate import evaluate

    side = math.isqrt(args.points)
    points = side * side
    result = evaluate(PROGRAM)
    graph = result.graph
    assert len(PROGRAM.strip().splitlines()) == 20
    axes = [parse_axis(graph, f"x=-2:2:{side}"), parse_axis(graph, f"y=0.1:3:{side}")]
    lines: list[str] = []

    # 1. The vectorised sweep.
    data = sweep(result, axes, {})
    assert not data.errors
    run_sweep = lambda: sweep(result, axes, {})
    vectorised = median_time(run_sweep, args.runs)
    vectorised_cpu = CPU[id(run_sweep)]

    # 2. Scalar evaluations of a sample of the same points, as --at does each one.
    xs, ys = data.inputs["x"], data.inputs["y"]
    x_node, y_node = graph.names["x"], graph.names["y"]
    rng = np.random.default_rng(0)
    sample = rng.choice(points, size=min(args.sample, points), replace=False)

    def scalar_sample() -> None:
        for row in sample.tolist():
            at.apply(graph, {x_node.id: float(xs[row]), y_node.id: float(ys[row])})
            graph.differentiate()

    scalar = median_time(scalar_sample, 3)
    per_point = scalar[0] / len(sample)
    scalar_cpu = CPU[id(scalar_sample)] / len(sample) * points
    scalar_total = per_point * points
    # How far apart the two paths are at the sampled points, in ulps (NumPy's ufuncs and the
    # C library round differently; docs/sweeps.md states the bound, tests/whole/test_sweep_agreement.py checks it).
    apart = {"value": 0.0, "d/dx": 0.0, "d/dy": 0.0}
    for row in sample.tolist():
        at.apply(graph, {x_node.id: float(xs[row]), y_node.id: float(ys[row])})
        graph.differentiate()
        pairs = (
            (graph.names["f"].data, data.value[row]),
            (x_node.grad, data.grads["x"][row]),
            (y_node.grad, data.grads["y"][row]),
        )
        for key, (scalar_number, swept) in zip(apart, pairs):
            apart[key] = max(apart[key], _ulps(float(scalar_number), float(swept)))

    # The command itself, once: parse, sweep and write 10^6 CSV rows.
    command = [
        sys.executable,
        "-m",
        "autodiff_cli",
        "eval",
        "-f",
        "csv",
        *(f"--sweep={axis.key}={spec}" for axis, spec in zip(axes, (f"-2:2:{side}", f"0.1:3:{side}"))),
        PROGRAM,
    ]
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, check=True)
    command_time = time.perf_counter() - start
    one = [sys.executable, "-m", "autodiff_cli", "eval", "--at", "x=0.25", "--at", "y=1", "-f", "json", PROGRAM]
    process = median_time(lambda: subprocess.run(one, stdout=subprocess.DEVNULL, check=True), 5)

    lines += [
        "## Sweeps",
        "",
        f"Made by `python benchmarks/sweep.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. "
        f"A 20-statement program (`benchmarks/sweep.py`, every kind of operation) swept over a {side} x {side} grid "
        f"of x and y ({points:,} points): the value and both gradients at every point. Python "
        f"{platform.python_version()}, NumPy {np.__version__}, {_cpu()}.",
        "",
        f"Load average when it started: {_load()} (on {_cores()} cores): wall times count the waits for a core, "
        "CPU times (this process, all its threads) do not.",
        "",
        "| How | Wall time, all points | Ratio to `--sweep` | CPU time | CPU ratio |",
        "|---|---:|---:|---:|---:|",
        f"| `--sweep` (vectorised, graph built once; median of {args.runs}, range {vectorised[1]:.3f}-{vectorised[2]:.3f} s) "
        f"| {vectorised[0]:.3f} s | 1.00x | {vectorised_cpu:.3f} s | 1.00x |",
        f"| scalar evaluations, the `--at` path in one process ({len(sample):,} timed, {per_point * 1e6:.1f} µs each, "
        f"extrapolated) | {scalar_total:.1f} s | {scalar_total / vectorised[0]:.0f}x | {scalar_cpu:.1f} s "
        f"| {scalar_cpu / vectorised_cpu:.0f}x |",
        f"| one `autodiff eval --at` process per point ({process[0] * 1e3:.0f} ms each, extrapolated) "
        f"| {process[0] * points / 3600:.1f} h | {process[0] * points / vectorised[0]:,.0f}x | | |",
    ]

    # 3. PyTorch float64, if it is installed.
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None:
        tx = torch.from_numpy(np.ascontiguousarray(xs))
        ty = torch.from_numpy(np.ascontiguousarray(ys))

        def torch_run() -> tuple[object, object, object]:
            x = tx.clone().requires_grad_(True)
            y = ty.clone().requires_grad_(True)
            f = torch_program(torch, x, y)
            f.backward(torch.ones_like(f))  # points are independent: one backward gives every point's gradient
            return f.detach(), x.grad, y.grad

        value, grad_x, grad_y = torch_run()
        differences = [
            float(np.max(np.abs(ours - theirs.numpy()) / np.maximum(1.0, np.abs(ours))))  # type: ignore[attr-defined]
            for ours, theirs in ((data.value, value), (data.grads["x"], grad_x), (data.grads["y"], grad_y))
        ]
        threads = torch.get_num_threads()
        torch_default = median_time(torch_run, args.runs)
        torch_default_cpu = CPU[id(torch_run)]
        torch.set_num_threads(1)
        torch_single = median_time(torch_run, args.runs)
        torch_single_cpu = CPU[id(torch_run)]
        torch.set_num_threads(threads)
        lines += [
            f"| PyTorch {torch.__version__} float64 tensors, forward + backward, {threads} threads "
            f"| {torch_default[0]:.3f} s | {torch_default[0] / vectorised[0]:.2f}x | {torch_default_cpu:.3f} s "
            f"| {torch_default_cpu / vectorised_cpu:.2f}x |",
            f"| PyTorch float64, 1 thread (NumPy's ufuncs use one) | {torch_single[0]:.3f} s "
            f"| {torch_single[0] / vectorised[0]:.2f}x | {torch_single_cpu:.3f} s | {torch_single_cpu / vectorised_cpu:.2f}x |",
        ]
        agreement = (
            f"PyTorch's values and gradients agree with the sweep's to {max(differences):.1e} (largest relative "
            "difference over all points; its transcendental functions round differently in the last bits)."
        )
    else:
        agreement = "PyTorch is not installed here, so it is not compared (`pip install torch` adds the rows)."
    lines += [
        "",
        f"The whole command, `autodiff eval -f csv --sweep x=... --sweep y=...` writing {points:,} CSV rows to "
        f"/dev/null, took {command_time:.2f} s wall (start-up, the sweep, and writing every row). {agreement} The scalar path "
        f"(`eval --at`, Python's `math`) agrees with the sweep at the {len(sample):,} sampled points within "
        f"{apart['value']:,.0f} ulp on the value, {apart['d/dx']:,.0f} on d/dx and {apart['d/dy']:,.0f} on d/dy "
        "(NumPy's ufuncs round differently from the C library; the bound is in docs/sweeps.md, checked by "
        "tests/whole/test_sweep_agreement.py).",
    ]
    lines += whole_command(points, args.runs)
    section = "\n".join(lines)
    print(section)
    if not args.no_write:
        _write(section)


def _ulps(a: float, b: float) -> float:
    """How many doubles apart a and b are (0 if equal or both nan)."""
    if math.isnan(a) or math.isnan(b):
        return 0.0 if math.isnan(a) and math.isnan(b) else math.inf

    def ordinal(x: float) -> int:
        bits = struct.unpack("<q", struct.pack("<d", x))[0]
        return bits if bits >= 0 else -(bits & 0x7FFF_FFFF_FFFF_FFFF)

    return float(abs(ordinal(a) - ordinal(b)))


def _load() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "unknown"


def _cores() -> int:
    import os

    return os.cpu_count() or 1


def _cpu() -> str:
    try:
        info = Path("/proc/cpuinfo").read_text()
        model = re.search(r"model name\s*:\s*(.*)", info)
        cores = info.count("processor\t:")
        return f"{model.group(1).strip() if model else 'CPU'} ({cores} cores)"
    except OSError:
        return platform.machine()


def _write(section: str) -> None:
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmarks\n"
    block = f"{BEGIN}\n{section}\n{END}"
    if BEGIN in text and END in text:
        text = text[: text.index(BEGIN)] + block + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    RESULTS.write_text(text)


if __name__ == "__main__":
    main()
