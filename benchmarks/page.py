"""Layout and page timings: our layered layout against Graphviz's dot (and grandalf when installed), and the
2,000-value page in headless Chromium; writes the "## The page" section of benchmarks/RESULTS.md.

    python benchmarks/page.py            # about two minutes on 2 quiet cores
    python benchmarks/page.py --no-write # print the section only

Sizes are counted in values (records of the drawing; an operation adds an ellipse beside each).
Ours: median of `--repeat` runs; dot (time limit 120 s) and grandalf (100 values only): one run.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from autodiff_cli import evaluate  # noqa: E402
from autodiff_cli.base.options import Options  # noqa: E402
from autodiff_cli.render.html import page_document  # noqa: E402
from autodiff_cli.render.layout import graphviz_layout, layered_layout, record_cells  # noqa: E402
from autodiff_cli.report import build_report  # noqa: E402


def layer_program(values: int) -> str:
    """A chain of neurons over 20 inputs (3 values a statement): reuse everywhere, as in a small network."""
    lines = [f"x{i} = {0.05 * (i + 1):.2f}" for i in range(20)]
    lines.append("s0 = x0 * x1")
    for i in range(1, max(1, (values - 23) // 3 + 1)):
        lines.append(f"s{i} = tanh(s{i - 1} * x{i % 20} + x{(i * 7) % 20})")
    return "\n".join(lines)


def neuron_layer(statements: int = 50) -> str:
    """A layer of `statements` neurons over 4 inputs, summed: the issue's 50-statement layer."""
    lines = [f"x{i} = {0.1 * (i + 1):.1f}" for i in range(4)]
    for j in range(statements - 5):
        terms = " + ".join(f"{(j % 7 - 3) * 0.1 + 0.05 * i:.2f} * x{i}" for i in range(4))
        lines.append(f"n{j} = tanh({terms} + 0.1)")
    lines.append("out = " + " + ".join(f"n{j}" for j in range(statements - 5)))
    return "\n".join(lines)


def _timed(function, *args) -> float:
    started = time.perf_counter()
    function(*args)
    return time.perf_counter() - started


def _grandalf(order) -> None:
    from grandalf.graphs import Edge, Graph, Vertex
    from grandalf.layouts import SugiyamaLayout

    class View:
        w, h = 150, 28

    vertices = {}
    for node in order:
        vertices[node.id] = Vertex(node.id)
        vertices[node.id].view = View()
    edges = [Edge(vertices[child.id], vertices[node.id]) for node in order for child in node.children]
    graph = Graph(list(vertices.values()), edges)
    for component in graph.C:
        layout = SugiyamaLayout(component)
        layout.init_all()
        layout.draw()


#: Seconds dot may take in the benchmark before the row says "over".
DOT_BENCH_LIMIT = 120.0


def layout_rows(repeat: int) -> list[str]:
    dot = shutil.which("dot")
    try:
        import grandalf  # noqa: F401

        has_grandalf = True
    except ImportError:
        has_grandalf = False
    rows = []
    for target in (100, 1000, 5000):
        result = evaluate(layer_program(target))
        order = result.order
        widths = {node.id: sum(record_cells(result.label(node), "0.123456", 9)) for node in order}
        ours, theirs, grand = [], [], []
        for _ in range(repeat if target <= 1000 else 1):
            ours.append(_timed(layered_layout, order, widths))
            if has_grandalf and target <= 100:
                grand.append(_timed(_grandalf, order))
        if dot and target <= 1000:
            theirs.append(_dot_once(order, widths, dot))
        ours_s = statistics.median(ours)

        def cell(times: list[float]) -> str:
            if not times:
                return "not run"
            if times[0] == float("inf"):
                return f"over {DOT_BENCH_LIMIT:.0f} s"
            if times[0] != times[0]:
                return "failed"
            return f"{statistics.median(times):.2f} s ({statistics.median(times) / ours_s:.1f}x)"

        rows.append(f"| {len(order):,} | {ours_s:.2f} s | {cell(theirs)} | {cell(grand)} |")
        print(rows[-1], flush=True)
    return rows


def _dot_once(order, widths, dot) -> float:
    import subprocess

    import autodiff_cli.render.layout as layout

    limit, layout.DOT_TIMEOUT = layout.DOT_TIMEOUT, DOT_BENCH_LIMIT
    try:
        return _timed(graphviz_layout, order, widths, dot)
    except subprocess.TimeoutExpired:
        return float("inf")
    except RuntimeError:  # dot failed: at 996 values it dies of a segmentation fault here
        return float("nan")
    finally:
        layout.DOT_TIMEOUT = limit


def page_rows(repeat: int) -> list[str]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return ["| (playwright is not installed) | | | | |"]
    chromium = os.environ.get("AUTODIFF_CHROMIUM") or shutil.which("chromium")
    if chromium is None:
        return ["| (no Chromium on PATH) | | | | |"]
    rows = []
    cases = [
        ("seed", "a = -2; b = 3; d = a*b; e = a+b; f = d*e"),
        ("50-statement neuron layer", neuron_layer()),
        ("2,000 values", layer_program(2000)),
    ]
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as folder:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        for name, program in cases:
            result = evaluate(program)
            report = build_report(result, Options())
            made, paints, steps = [], [], []
            for _ in range(repeat):
                started = time.perf_counter()
                html = page_document(report, dot_finder=lambda: None)
                made.append(time.perf_counter() - started)
                path = Path(folder) / "page.html"
                path.write_text(html, encoding="utf-8")
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                page.goto(path.as_uri())
                page.wait_for_selector(".adp-count")
                paints.append(
                    page.evaluate("() => (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime || NaN")
                )
                # In the page: 30 clicks on Next, each followed by a frame, timed with performance.now().
                steps.append(
                    page.evaluate("""async () => {
                    const next = document.querySelector('[data-action=next]');
                    const frame = () => new Promise(r => requestAnimationFrame(() => r()));
                    await frame();
                    const t = performance.now();
                    for (let i = 0; i < 30; i++) { next.click(); await frame(); }
                    return (performance.now() - t) / 30;
                }""")
                )
                page.close()
            rows.append(
                f"| {name} | {len(result.order):,} | {len(html) / 1024:,.0f} KiB | {statistics.median(made):.2f} s "
                f"| {statistics.median(paints):,.0f} ms | {statistics.median(steps):.1f} ms |"
            )
            print(rows[-1], flush=True)
        browser.close()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    started = time.time()
    layout = layout_rows(args.repeat)
    page = page_rows(args.repeat)
    load = os.getloadavg()[0]
    section = "\n".join(
        [
            "## The page",
            "",
            f"Made by `python benchmarks/page.py` in {time.time() - started:.0f} s (load average {load:.1f} on "
            f"{os.cpu_count()} cores at the start of the page rows: absolute times scale with it, ratios hold).",
            "",
            "Layout alone, on a chain of neurons over 20 inputs (`layer_program`). Ours: median of "
            f"{args.repeat} (one run at 5,000); dot: one run, limit {DOT_BENCH_LIMIT:.0f} s, not at 5,000; grandalf: one run at 100 "
            "(a first run timing dot and grandalf at 1,000 together had not finished after 8 minutes). "
            "Ratios are to our layered layout in the same run. *failed*: dot ended with an error and no output "
            "(on this machine, Graphviz 2.43 at 996 values is killed by a segmentation fault after about 100 s).",
            "",
            "| Values | Layered (ours) | Graphviz `dot -Tplain` | grandalf 0.8 |",
            "|---:|---:|---:|---:|",
            *layout,
            "",
            "The page in headless Chromium (system browser, Playwright), drawn with our layout: Python's time to "
            "make the page, the browser's first contentful paint, and one Next (click plus a frame) averaged over 30.",
            "",
            "| Program | Values | Page size | Made in | First paint | One step |",
            "|---|---:|---:|---:|---:|---:|",
            *page,
            "",
        ]
    )
    print(section)
    if not args.no_write:
        results = HERE / "RESULTS.md"
        text = results.read_text(encoding="utf-8")
        if "## The page" in text:
            text = re.sub(r"## The page\n.*?(?=\n## |\Z)", section.rstrip("\n"), text, flags=re.S)
        else:
            text = text.rstrip("\n") + "\n\n" + section
        results.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
