"""Where each box of the drawing goes: Graphviz's `dot` when it is installed, our own layered layout otherwise.

The drawing is micrograd's draw_dot: a record per value (label | data | grad)
and an ellipse per operation, left to right.  Both layouts give the same
`Layout` (boxes and edge paths in pixels), so the SVG and the page are drawn
the same way whichever placed them.

Our layout is a small Sugiyama-style one, written without recursion:
longest-path layers (leaves pulled next to their first use), barycenter
ordering sweeps, and coordinates from an isotonic fit (pool adjacent
violators) of each box to the middle of its neighbours.  Long edges get no
dummy nodes: a program's inputs are used all over, and dummies would grow
with the square of a chain's length.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from typing import NamedTuple

from ..base.children import Reaped
from ..core.engine import Value

#: Pixel metrics of the drawing (12 px sans-serif text).
CHAR_WIDTH = 7.4  # a 12 px monospace digit is 7.2 px (DejaVu Sans Mono, Liberation Mono)
RECORD_HEIGHT = 28.0
OP_WIDTH, OP_HEIGHT = 34.0, 24.0
CELL_PADDING = 14.0
LAYER_GAP = 36.0
ROW_GAP = 12.0
MARGIN = 12.0

#: Longest label drawn in a record (the full text is in its tooltip).
DRAWN_LABEL = 24


class Box(NamedTuple):
    """A box's top-left corner and size, in pixels."""

    x: float
    y: float
    w: float
    h: float


class Layout(NamedTuple):
    """Boxes by node id, edge paths by key, and which layout engine placed them."""

    width: float
    height: float
    records: dict[int, Box]
    ops: dict[int, Box]
    # key -> SVG path data.  "NODE.ARG": the ARG-th input of NODE into its op;
    # "NODE": NODE's op into its record.
    edges: dict[str, str]
    engine: str  # "graphviz" or "layered"


def record_cells(label: str, data_text: str, grad_width: int) -> tuple[float, float, float]:
    """Widths of a record's three cells: label, data, grad (grad sized for its widest running sum)."""
    shown = min(len(label), DRAWN_LABEL + 1)
    return (
        max(shown, 1) * CHAR_WIDTH + CELL_PADDING,
        (len(data_text) + 5) * CHAR_WIDTH + CELL_PADDING,
        (grad_width + 5) * CHAR_WIDTH + CELL_PADDING,
    )


def _vertices(order: Sequence[Value], widths: dict[int, float]) -> tuple[list[int], dict[int, tuple[int, ...]], dict[int, float]]:
    """The layout's vertices (2*id: a record, 2*id+1: an op), their predecessors and widths."""
    vertices: list[int] = []
    predecessors: dict[int, tuple[int, ...]] = {}
    width: dict[int, float] = {}
    for node in order:
        record = 2 * node.id
        if node.children:
            op = record + 1
            vertices.append(op)
            predecessors[op] = tuple(2 * child.id for child in node.children)
            width[op] = OP_WIDTH
            predecessors[record] = (op,)
        else:
            predecessors[record] = ()
        vertices.append(record)
        width[record] = widths[node.id]
    return vertices, predecessors, width


def _successors(vertices: list[int], predecessors: dict[int, tuple[int, ...]]) -> dict[int, list[int]]:
    successors: dict[int, list[int]] = {v: [] for v in vertices}
    for v in vertices:
        for p in predecessors[v]:
            successors[p].append(v)
    return successors


def _layers(
    vertices: list[int], predecessors: dict[int, tuple[int, ...]], successors: dict[int, list[int]]
) -> dict[int, int]:
    """Each vertex's layer: the longest path from the leaves; then each leaf moves next to its first use."""
    layer: dict[int, int] = {}
    for v in vertices:
        preds = predecessors[v]
        layer[v] = max([layer[p] for p in preds], default=-1) + 1
    for v in vertices:
        if not predecessors[v] and successors[v]:
            layer[v] = min(layer[s] for s in successors[v]) - 1
    return layer


def long_edge_length(order: Sequence[Value]) -> int:
    """How many layers the edges of the drawing cross beyond their own, in all (0 for a plain chain).

    An input used all along a chain (`y = x * x * ... * x`) gives edges that
    cross every layer between its first and last use: dot makes a virtual node
    at each crossing, and its time and memory grow much faster than their number.
    """
    vertices, predecessors, _ = _vertices(order, {node.id: 0.0 for node in order})
    layer = _layers(vertices, predecessors, _successors(vertices, predecessors))
    return sum(layer[v] - layer[p] - 1 for v in vertices for p in predecessors[v])


def layered_layout(order: Sequence[Value], widths: dict[int, float], sweeps: int = 4) -> Layout:
    """Lay out the graph of `order` (topological) in Python; `widths` gives each record's width."""
    vertices, predecessors, width = _vertices(order, widths)
    successors = _successors(vertices, predecessors)
    layer = _layers(vertices, predecessors, successors)
    depth = max(layer.values(), default=0) + 1
    layers: list[list[int]] = [[] for _ in range(depth)]
    for v in vertices:
        layers[layer[v]].append(v)

    # Order within layers: barycenter sweeps, forward over predecessors, back over successors.
    position: dict[int, float] = {}

    def number(row: list[int]) -> None:
        size = len(row)
        for index, v in enumerate(row):
            position[v] = (index + 0.5) / size

    for row in layers:
        number(row)
    for _ in range(sweeps):
        for neighbours, rows in ((predecessors, layers[1:]), (successors, layers[-2::-1])):
            for row in rows:
                keyed = []
                for index, v in enumerate(row):
                    near = neighbours[v]
                    centre = sum(position[n] for n in near) / len(near) if near else position[v]
                    keyed.append((centre, index, v))
                keyed.sort()
                row[:] = [v for _, _, v in keyed]
                number(row)

    # x: one column per layer, as wide as its widest box.
    column_x: list[float] = []
    x = MARGIN
    for row in layers:
        column_x.append(x)
        x += max((width[v] for v in row), default=0.0) + LAYER_GAP
    total_width = x - LAYER_GAP + MARGIN

    def height(v: int) -> float:
        return RECORD_HEIGHT if v % 2 == 0 else OP_HEIGHT

    # y: stacked, then each box pulled to the middle of its neighbours, order and gaps kept.
    centre_y: dict[int, float] = {}
    for row in layers:
        y = 0.0
        for v in row:
            centre_y[v] = y + height(v) / 2
            y += height(v) + ROW_GAP
    for sweep in range(2 * sweeps):
        rows = layers if sweep % 2 == 0 else layers[::-1]
        for row in rows:
            if not row:
                continue
            wanted = []
            for v in row:
                near = [*predecessors[v], *successors[v]]
                wanted.append(sum(centre_y[n] for n in near) / len(near) if near else centre_y[v])
            gaps = [0.0]
            for previous, v in zip(row, row[1:]):
                gaps.append(gaps[-1] + (height(previous) + height(v)) / 2 + ROW_GAP)
            for v, y in zip(row, _monotone_fit([w - g for w, g in zip(wanted, gaps)])):
                centre_y[v] = y
            for v, g in zip(row, gaps):
                centre_y[v] += g
    top = min((centre_y[v] - height(v) / 2 for v in vertices), default=0.0)
    bottom = max((centre_y[v] + height(v) / 2 for v in vertices), default=0.0)

    records: dict[int, Box] = {}
    ops: dict[int, Box] = {}
    for v in vertices:
        h = height(v)
        box = Box(column_x[layer[v]], centre_y[v] - h / 2 - top + MARGIN, width[v], h)
        (records if v % 2 == 0 else ops)[v // 2] = box
    return Layout(total_width, bottom - top + 2 * MARGIN, records, ops, _edge_paths(order, records, ops), "layered")


def _monotone_fit(targets: list[float]) -> list[float]:
    """The non-decreasing sequence closest to `targets` in least squares (pool adjacent violators)."""
    blocks: list[list[float]] = []  # [sum, count]
    for t in targets:
        blocks.append([t, 1.0])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            total, count = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += count
    fitted: list[float] = []
    for total, count in blocks:
        fitted.extend([total / count] * int(count))
    return fitted


def _curve(x1: float, y1: float, x2: float, y2: float) -> str:
    bend = max(12.0, (x2 - x1) / 2)
    return f"M{x1:.1f},{y1:.1f} C{x1 + bend:.1f},{y1:.1f} {x2 - bend:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"


def _edge_paths(order: Sequence[Value], records: dict[int, Box], ops: dict[int, Box]) -> dict[str, str]:
    """Curves from each input's record to its op (two inputs enter apart: `a + a` shows two), op to record."""
    edges: dict[str, str] = {}
    for node in order:
        op = ops.get(node.id)
        if op is None:
            continue
        middle = op.y + op.h / 2
        spread = 5.0 if len(node.children) == 2 else 0.0
        for index, child in enumerate(node.children):
            source = records[child.id]
            enter = middle + (index * 2 - 1) * spread if spread else middle
            edges[f"{node.id}.{index}"] = _curve(source.x + source.w, source.y + source.h / 2, op.x, enter)
        record = records[node.id]
        edges[str(node.id)] = _curve(op.x + op.w, middle, record.x, record.y + record.h / 2)
    return edges


# -- Graphviz


def graphviz_layout(order: Sequence[Value], widths: dict[int, float], dot: str) -> Layout:
    """Lay the same boxes out with `dot -Tplain` (fixed sizes, so only the placement is dot's)."""
    lines = ["digraph g {", "  rankdir=LR; nodesep=0.17; ranksep=0.5;", '  node [fixedsize=true, label=""];']
    for node in order:
        lines.append(f"  r{node.id} [shape=box, width={widths[node.id] / 72:.4f}, height={RECORD_HEIGHT / 72:.4f}];")
        if node.children:
            lines.append(f"  o{node.id} [shape=ellipse, width={OP_WIDTH / 72:.4f}, height={OP_HEIGHT / 72:.4f}];")
            for child in node.children:
                lines.append(f"  r{child.id} -> o{node.id};")
            lines.append(f"  o{node.id} -> r{node.id};")
    lines.append("}")
    pipe = subprocess.PIPE
    with Reaped(subprocess.Popen([dot, "-Tplain"], stdin=pipe, stdout=pipe, stderr=pipe, start_new_session=True)) as dot_process:
        stdout, stderr = dot_process.communicate("\n".join(lines).encode(), timeout=DOT_TIMEOUT)
    if dot_process.returncode != 0:
        raise RuntimeError(dot_failure(dot_process.returncode, stderr))
    return _parse_plain(stdout.decode(), order)


def dot_failure(returncode: int, stderr: bytes) -> str:
    """What a failed `dot` said; the signal that killed it by name; its exit status when it said nothing."""
    if returncode < 0:
        import signal

        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"dot was killed by {name}"
    said = stderr.decode(errors="replace").strip()
    return f"dot failed: {said}" if said else f"dot failed with exit status {returncode} and no message"


def _parse_plain(text: str, order: Sequence[Value]) -> Layout:
    """Boxes and edge splines from Graphviz's plain output (inches, y up) in pixels, y down."""
    height = 0.0
    width = 0.0
    records: dict[int, Box] = {}
    ops: dict[int, Box] = {}
    splines: dict[tuple[str, str], list[str]] = {}

    def px(value: str) -> float:
        return float(value) * 72

    for line in text.splitlines():
        fields = line.split()
        if not fields:
            continue
        if fields[0] == "graph":
            width, height = px(fields[2]), px(fields[3])
        elif fields[0] == "node":
            name, cx, cy, w, h = fields[1], px(fields[2]), height - px(fields[3]), px(fields[4]), px(fields[5])
            box = Box(cx - w / 2 + MARGIN, cy - h / 2 + MARGIN, w, h)
            (records if name[0] == "r" else ops)[int(name[1:])] = box
        elif fields[0] == "edge":
            count = int(fields[3])
            points = [(px(fields[4 + 2 * i]) + MARGIN, height - px(fields[5 + 2 * i]) + MARGIN) for i in range(count)]
            path = f"M{points[0][0]:.1f},{points[0][1]:.1f} C" + " ".join(f"{x:.1f},{y:.1f}" for x, y in points[1:])
            splines.setdefault((fields[1], fields[2]), []).append(path)
    edges: dict[str, str] = {}
    for node in order:
        if not node.children:
            continue
        for index, child in enumerate(node.children):
            # Two edges between one pair (`a + a`) come out in the order they went in.
            edges[f"{node.id}.{index}"] = splines[(f"r{child.id}", f"o{node.id}")].pop(0)
        edges[str(node.id)] = splines[(f"o{node.id}", f"r{node.id}")].pop(0)
    return Layout(width + 2 * MARGIN, height + 2 * MARGIN, records, ops, edges, "graphviz")


def find_dot() -> str | None:
    """Graphviz's `dot` on the PATH, unless AUTODIFF_LAYOUT=layered asks for ours."""
    if os.environ.get("AUTODIFF_LAYOUT") == "layered":
        return None
    return shutil.which("dot")


#: What Graphviz is given, for the page's layout and for --render: at most this many values (above it `dot`
#: takes seconds; benchmarks/RESULTS.md, "The page"), ...
DOT_LIMIT = 300

#: ... whose edges cross at most this many layers beyond their own in all (`long_edge_length`): an input
#: used by 50 products in a row crosses about 2,350 and takes dot -Tsvg 1.4 s; by 70, 4,700 and 13 s;
#: by 300, dot ran 139 s into 24 GB.  Ours stays linear in both.
DOT_LONG_EDGE_LIMIT = 2000

#: Seconds `dot` may take before it is killed (and our layout used, where one can be).
DOT_TIMEOUT = 20.0


def graphviz_refusal(order: Sequence[Value]) -> str | None:
    """Why this graph is not given to `dot` (too many values, or edges too long), or None when it is."""
    if len(order) > DOT_LIMIT:
        return f"the graph has {len(order):,} values, more than the {DOT_LIMIT:,} given to Graphviz"
    crossed = long_edge_length(order)
    if crossed > DOT_LONG_EDGE_LIMIT:
        return (
            f"the graph's edges cross {crossed:,} layers beyond their own, "
            f"more than the {DOT_LONG_EDGE_LIMIT:,} given to Graphviz"
        )
    return None


def layout(order: Sequence[Value], widths: dict[int, float], dot_finder: Callable[[], str | None] = find_dot) -> Layout:
    """`dot`'s layout when it is installed and the graph is small enough for it, ours otherwise."""
    dot = dot_finder() if graphviz_refusal(order) is None else None
    if dot is not None:
        try:
            return graphviz_layout(order, widths, dot)
        except (RuntimeError, OSError, KeyError, IndexError, ValueError, subprocess.TimeoutExpired):
            pass  # a dot that fails or says something unexpected: ours still draws the page
    return layered_layout(order, widths)
