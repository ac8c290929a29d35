"""--format html: one self-contained page to step through the backward pass.

The page is one file that needs nothing else: the drawing is inline SVG laid
out here in Python (so the browser only moves highlights), the style and a
small script written for it are inline, and a Content-Security-Policy forbids
every request.  The same fragment is a notebook cell's display: all its
element ids carry a fresh prefix, so several can share one page.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import secrets
from bisect import bisect_right
from collections.abc import Callable
from typing import Any

from ..base.numbers import rounded
from ..core.engine import CONSTANT, INPUT, Value
from ..core.formula import spelled_rule
from ..report import Report
from .escape import html_json
from .escape import html_text as escape
from .layout import DRAWN_LABEL, Layout, find_dot, layout, record_cells
from .output import OutputContext
from .steps import PageStep, page_steps

#: Above this many values the page shows the table and the steps, not the drawing.
DRAW_LIMIT = 5000

_HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "page")
_counter = itertools.count(1)


def _asset(name: str) -> str:
    with open(os.path.join(_HERE, name), encoding="utf-8") as file:
        return file.read()


def _kind(result: Any, node: Value) -> str:
    if node.id == result.output.id:
        return "out"
    if node.op is INPUT:
        return "in"
    return "const" if node.op is CONSTANT else ""


def _op_text(node: Value) -> str:
    op = node.op
    if isinstance(op, str):
        return op
    return op.symbol or op.name


def _statements(result: Any, drawn: list[Value]) -> tuple[list[tuple[int, int]], dict[int, int]]:
    """Statement ranges of the source (the widest spans of the drawn nodes, with their `name =`) and each node's statement."""
    graph = result.graph
    text = graph.source.text
    spans = sorted({graph.span(node) for node in drawn}, key=lambda span: (span[0], -span[1]))
    widest: list[tuple[int, int]] = []
    for start, end in spans:
        if widest and start < widest[-1][1]:
            if end > widest[-1][1]:
                widest[-1] = (widest[-1][0], end)
            continue
        widest.append((start, end))
    ranges: list[tuple[int, int]] = []
    previous_end = 0
    for start, end in widest:
        begin = start
        while begin > previous_end and text[begin - 1] not in ";\n":
            begin -= 1
        while begin < start and text[begin] in " \t":
            begin += 1
        ranges.append((begin, end))
        previous_end = end
    starts = [start for start, _ in widest]
    statement_of = {node.id: max(0, bisect_right(starts, graph.span(node)[0]) - 1) for node in drawn}
    return ranges, statement_of


def _source_html(text: str, ranges: list[tuple[int, int]]) -> str:
    parts: list[str] = []
    position = 0
    for index, (start, end) in enumerate(ranges):
        parts.append(escape(text[position:start]))
        parts.append(f'<span class="adp-st" data-stmt="{index}">{escape(text[start:end])}</span>')
        position = end
    parts.append(escape(text[position:]))
    return "".join(parts)


def _svg(
    report: Report,
    drawn: list[Value],
    place: Layout,
    texts: dict[int, tuple[str, str, str]],
    prefix: str,
    data_width: dict[int, str] | None = None,
    grad_width: dict[int, int] | None = None,
    op_texts: dict[int, str] | None = None,
    folded: bool = False,
) -> str:
    """The drawing: a record per value (label | data | grad), an ellipse per operation, edges under both."""
    result = report.result
    op_texts = op_texts or {}
    kind = ' adp-folded" hidden' if folded else '"'
    out = [
        f'<svg class="adp-svg{kind} xmlns="http://www.w3.org/2000/svg" width="{place.width:.0f}" height="{place.height:.0f}" '
        f'viewBox="0 0 {place.width:.0f} {place.height:.0f}" role="img" aria-label="computation graph">',
        f'<defs><marker id="{prefix}-arrow" viewBox="0 0 10 10" refX="10" refY="5" '
        'markerWidth="8" markerHeight="8" markerUnits="userSpaceOnUse" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="context-stroke"/></marker></defs>',
        '<g class="adp-edges">',
    ]
    for key, path in place.edges.items():
        out.append(f'<path class="adp-e" data-edge="{key}" d="{path}" marker-end="url(#{prefix}-arrow)"/>')
    out.append('</g><g class="adp-ops">')
    for node in drawn:
        box = place.ops.get(node.id)
        if box is None:
            continue
        cx, cy = box.x + box.w / 2, box.y + box.h / 2
        out.append(
            f'<g class="adp-o" data-op="{node.id}">'
            f'<ellipse cx="{cx:.1f}" cy="{cy:.1f}" rx="{box.w / 2:.1f}" ry="{box.h / 2:.1f}"/>'
            f'<text x="{cx:.1f}" y="{cy + 4:.1f}" text-anchor="middle">'
            f"{escape(op_texts.get(node.id) or _op_text(node))}</text></g>"
        )
    out.append('</g><g class="adp-values">')
    for node in drawn:
        box = place.records[node.id]
        label = report.label(node)
        value_text, grad_text, _ = texts[node.id]
        shown = label if len(label) <= DRAWN_LABEL else label[:DRAWN_LABEL] + "…"
        # The cells as the layout sized the box: the grad cell holds the widest running sum it will show.
        widest_grad = (grad_width or {}).get(node.id, len(grad_text))
        w1, w2, w3 = record_cells(label, (data_width or {}).get(node.id, value_text), widest_grad)
        scale = box.w / (w1 + w2 + w3)  # dot may round a width: keep the cells in proportion
        x1, x2 = box.x + w1 * scale, box.x + (w1 + w2) * scale
        y = box.y + box.h / 2 + 4
        kind = _kind(result, node)
        out.append(
            f'<g class="adp-v {("adp-" + kind) if kind else ""}" data-node="{node.id}" tabindex="-1">'
            f"<title>{escape(label)}</title>"
            f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.w:.1f}" height="{box.h:.1f}" rx="3"/>'
            f'<line x1="{x1:.1f}" y1="{box.y:.1f}" x2="{x1:.1f}" y2="{box.y + box.h:.1f}"/>'
            f'<line x1="{x2:.1f}" y1="{box.y:.1f}" x2="{x2:.1f}" y2="{box.y + box.h:.1f}"/>'
            f'<text x="{(box.x + x1) / 2:.1f}" y="{y:.1f}" text-anchor="middle" class="adp-label">{escape(shown)}</text>'
            f'<text x="{(x1 + x2) / 2:.1f}" y="{y:.1f}" text-anchor="middle">data '
            f'<tspan data-value="{node.id}">{escape(value_text)}</tspan></text>'
            f'<text x="{(x2 + box.x + box.w) / 2:.1f}" y="{y:.1f}" text-anchor="middle">grad '
            f'<tspan class="adp-grad" data-grad="{node.id}">{escape(grad_text)}</tspan></text></g>'
        )
    out.append("</g></svg>")
    return "".join(out)


def _table(report: Report, drawn: list[Value], texts: dict[int, tuple[str, str, str]]) -> str:
    label = report.label
    result = report.result
    rows = []
    for node in drawn:
        kind = _kind(result, node)
        value_text, grad_text, final_text = texts[node.id]
        rows.append(
            f'<tr class="{("adp-" + kind) if kind else ""}" data-node="{node.id}">'
            f"<td>{node.id}</td><td>{escape(label(node))}</td>"
            f"<td>{escape(node.op_name)}</td><td>{escape(value_text)}</td>"
            f'<td class="adp-grad" data-grad="{node.id}">{escape(grad_text)}</td><td>{escape(final_text)}</td></tr>'
        )
    return (
        '<table class="adp-table"><thead><tr><th>#</th><th>node</th><th>op</th><th>value</th>'
        "<th>grad at this step</th><th>grad</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def _step_row(report: Report, step: PageStep, precision: int) -> tuple[list[Any], str]:
    """The step's data for the script, and its line in the list of steps."""
    label = report.label
    node, child = step.node, step.child
    op = node.op
    rule = spelled_rule(op, step.arg, [label(argument) for argument in node.children], label(node))  # type: ignore[arg-type]
    after = step.before + step.contribution
    numbers = [rounded(x, precision) for x in (step.local, step.node_grad, step.contribution, step.before, after)]
    data = [node.id, step.arg, child.id, *numbers, rule]
    line = (
        f"{escape(label(child))}.grad += {escape(rule)} · {escape(label(node))}.grad = {numbers[0]} × {numbers[1]} = {numbers[2]}"
        f' <span class="adp-sum">({numbers[3]} → {numbers[4]})</span>'
    )
    return data, line


def page_fragment(
    report: Report,
    dot_finder: Callable[[], str | None] = find_dot,
    standalone: bool = False,
    open_table: bool = False,
) -> str:
    """The page's body as one `<div>`: style, drawing, source, controls, table, steps, data and script."""
    result = report.result
    precision = report.options.precision
    graph = result.graph
    label = report.label
    drawn = list(result.order)
    output = result.output
    steps = list(page_steps(result))
    prefix = f"adp{next(_counter)}{secrets.token_hex(3)}"

    # Every grad a node shows at some step, formatted once here: the script never formats a number.
    widest: dict[int, int] = {}
    start_grad: dict[int, str] = {}
    for node in drawn:
        first = None if node.op is CONSTANT else (1.0 if node is output else 0.0)
        start_grad[node.id] = rounded(first, precision)
        widest[node.id] = max(len(start_grad[node.id]), len(rounded(report.grad(node), precision)))
    step_data = []
    step_lines = []
    uses: dict[int, int] = {}
    for step in steps:
        data, line = _step_row(report, step, precision)
        uses[step.child.id] = uses.get(step.child.id, 0) + 1
        data.append(uses[step.child.id])
        step_data.append(data)
        step_lines.append(line)
        widest[step.child.id] = max(widest[step.child.id], len(data[7]))
    for data in step_data:
        data.append(uses[data[2]])

    grad = report.grad
    texts = {node.id: (rounded(node.data, precision), start_grad[node.id], rounded(grad(node), precision)) for node in drawn}
    descent, descent_html = _descent(report, drawn, precision)
    data_width = {node.id: texts[node.id][0] for node in drawn}
    if descent is not None:  # every box wide enough for its value and gradient at every step of the descent
        for column, node in enumerate(drawn):
            data_width[node.id] = max((row[column] for row in descent["values"]), key=len, default=data_width[node.id])
            longest_grad = max((len(row[column]) for row in descent["grads"]), default=0)
            widest[node.id] = max(widest[node.id], longest_grad)
    ranges, statement_of = _statements(result, drawn)
    draw = len(drawn) <= DRAW_LIMIT
    drawing = ""
    fold_map: dict[int, int] = {}
    engine = "none"
    if draw:
        widths = {node.id: sum(record_cells(label(node), data_width[node.id], widest[node.id])) for node in drawn}
        place = layout(drawn, widths, dot_finder)
        engine = place.engine
        drawing = _svg(report, drawn, place, texts, prefix, data_width, widest)
        folding = _folded(report, drawn)
        if folding is not None:
            shown, members, op_texts = folding
            folded_widths = {node.id: widths[node.id] for node in shown}
            folded_place = layout(shown, folded_widths, dot_finder)
            drawing += _svg(report, shown, folded_place, texts, prefix + "f", data_width, widest, op_texts, folded=True)
            fold_map = members
    else:
        drawing = (
            f'<p class="adp-too-big">This graph has {len(drawn):,} values: too many to draw usefully in a browser '
            f"(the drawing stops at {DRAW_LIMIT:,}). The table and the steps below still follow the step-through.</p>"
        )

    payload_data = {
        "output": output.id,
        "outputLabel": result.output_name,
        "nodes": {
            str(node.id): [
                label(node),
                _op_text(node),
                texts[node.id][0],
                _kind(result, node),
                statement_of[node.id],
                *graph.span(node),
            ]
            for node in drawn
        },
        "statements": ranges,
        "source": graph.source.text,
        "steps": step_data,
        "standalone": standalone,
        "drawn": draw,
        "layout": engine,
        "extras": _extras(report, drawn),
        "descent": descent,
        "folded": {str(member): box for member, box in fold_map.items()},
    }
    title = escape(f"{result.output_name} = {rounded(result.value, precision)}")
    grad = report.grad
    dependent = result.dependent_inputs()
    inputs = ", ".join(f"{escape(label(node))}.grad = {rounded(grad(node), precision)}" for node in dependent[:HEAD_INPUTS])
    if len(dependent) > HEAD_INPUTS:
        inputs += f", … ({len(dependent) - HEAD_INPUTS:,} more inputs in the table)"
    payload = html_json(payload_data)
    return (
        f'<div class="adp" id="{prefix}" tabindex="0" data-layout="{engine}">'
        f"<style>{_asset('page.css')}</style>"
        f'<div class="adp-head"><strong>{title}</strong> <span class="adp-inputs">{inputs}</span></div>'
        '<div class="adp-controls">'
        '<button type="button" data-action="reset" title="Reset (Home)">Reset</button>'
        '<button type="button" data-action="prev" title="Previous (←)">◀ Previous</button>'
        '<button type="button" data-action="play" title="Play / pause (space)">▶ Play</button>'
        '<button type="button" data-action="next" title="Next (→)">Next ▶</button>'
        '<button type="button" data-action="end" title="Last step (End)">End</button>'
        f'<input type="range" class="adp-slider" min="0" max="{len(steps)}" value="0" aria-label="step">'
        f'<span class="adp-count">step 0 of {len(steps)}</span>'
        '<span class="adp-zoom"><button type="button" data-action="zoomout" title="Zoom out (-)">−</button>'
        '<button type="button" data-action="fit" title="Fit the drawing to the window (0)">Fit</button>'
        '<button type="button" data-action="zoomin" title="Zoom in (+)">+</button>'
        + (
            '<button type="button" data-action="fold" title="Each call of a function of the program as one box (f)">'
            "Fold calls</button>"
            if fold_map
            else ""
        )
        + "</span></div>"
        f"{descent_html}"
        '<div class="adp-explain" aria-live="polite"></div>'
        '<div class="adp-main">'
        f'<pre class="adp-src">{_source_html(graph.source.text, ranges)}</pre>'
        f'<div class="adp-graph{"" if draw else " adp-undrawn"}">{drawing}</div></div>'
        '<div class="adp-detail"></div>'
        '<div class="adp-extras"></div>'
        f'<details class="adp-tablebox"{" open" if open_table or not draw else ""}>'
        f"<summary>Table ({len(drawn):,} values)</summary>"
        f"{_table(report, drawn, texts)}</details>"
        f'<details class="adp-stepbox"{"" if draw else " open"}><summary>Steps ({len(steps):,} contributions)</summary>'
        '<ol class="adp-list">' + "".join(f"<li>{line}</li>" for line in step_lines) + "</ol></details>"
        f"{_sections(report)}"
        f'<script type="application/json" class="adp-data">{payload}</script>'
        f"<script>{_asset('page.js')}\nautodiffPage(document.getElementById({json.dumps(prefix)}));</script>"
        "</div>"
    )


def _folded(report: Report, drawn: list[Value]) -> tuple[list[Value], dict[int, int], dict[int, str]] | None:
    """The drawing with each call of a user function as one box: its result's record behind an ellipse named
    after the function, fed by what the call read from outside. None when no drawn value comes from a call.

    A call's nodes are the ids first..end-1 (Graph.calls), created after everything it reads and before
    everything that reads it, so ordering by id (a call at its first id) keeps the drawing topological.
    Returns the values to draw, each folded value's id -> its box's id, and the boxes' operation texts.
    """
    calls = report.result.graph.calls
    if not calls:
        return None
    starts = [first for _, first, _ in calls]

    def call_of(node_id: int) -> int:
        index = bisect_right(starts, node_id) - 1
        return index if index >= 0 and node_id < calls[index][2] else -1

    in_call = {node.id: call_of(node.id) for node in drawn}
    if all(index < 0 for index in in_call.values()):
        return None
    results: dict[int, list[int]] = {}  # call index -> its members read outside it, in id order
    for node in drawn:
        for child in node.children:
            index = in_call.get(child.id, -1)
            if index >= 0 and in_call[node.id] != index and child.id not in results.setdefault(index, []):
                results[index].append(child.id)
    members: dict[int, list[Value]] = {}
    for node in sorted(drawn, key=lambda node: node.id):
        if in_call[node.id] >= 0:
            members.setdefault(in_call[node.id], []).append(node)
    box_of: dict[int, int] = {}  # member id -> its call's box (the id of its last result)
    for index, nodes in members.items():
        box = max(results.get(index) or [nodes[-1].id])
        for node in nodes:
            box_of[node.id] = box
    proxies: dict[int, Value] = {}
    shown: list[Value] = []
    names: dict[int, str] = {}

    def proxy(node_id: int) -> Value:
        return proxies[box_of.get(node_id, node_id)]

    for node in sorted(drawn, key=lambda node: node.id):  # ids are creation order, so topological
        index = in_call[node.id]
        if index >= 0:
            box = box_of[node.id]
            if box in proxies:
                continue
            inside = {member.id for member in members[index]}
            outside: list[Value] = []
            for member in members[index]:
                for child in member.children:
                    if child.id not in inside and all(proxy(child.id) is not seen for seen in outside):
                        outside.append(proxy(child.id))
            original = next(member for member in members[index] if member.id == box)
            made = Value(original.data, original.op, tuple(outside), box)
            names[box] = calls[index][0]
        else:
            original = node
            made = Value(node.data, node.op, tuple(proxy(child.id) for child in node.children), node.id)
        made.name, made.grad = original.name, original.grad
        proxies[made.id] = made
        shown.append(made)
    return shown, box_of, names


#: Inputs whose gradient the page's heading lists (the table has every one).
HEAD_INPUTS = 12

#: The most steps of a descent the page holds (evenly spaced, the first and last always among them).
DESCENT_SHOWN = 200


def _descent(report: Report, drawn: list[Value], precision: int) -> tuple[dict[str, Any] | None, str]:
    """--descend on the page: each shown step's loss, values and gradients as text, and the loss curve with its slider."""
    descent = report.descent
    if descent is None or not descent.nodes:
        return None, ""
    count = len(descent.steps)
    shown = (
        sorted({round(i * (count - 1) / (DESCENT_SHOWN - 1)) for i in range(DESCENT_SHOWN)})
        if count > DESCENT_SHOWN
        else list(range(count))
    )
    ids = [node.id for node in drawn]
    data = {
        "steps": [descent.steps[k].step for k in shown],
        "loss": [rounded(descent.steps[k].loss, precision) for k in shown],
        "values": [[rounded(descent.nodes[k][0][i], precision) for i in ids] for k in shown],
        "grads": [[rounded(descent.nodes[k][1][i], precision) for i in ids] for k in shown],
        "ids": ids,
    }
    losses = [descent.steps[k].loss for k in shown]
    width, height, pad = 360.0, 110.0, 8.0
    low, high = min(losses), max(losses)
    span = (high - low) or 1.0
    points = [
        (pad + (width - 2 * pad) * (index / max(1, len(shown) - 1)), pad + (height - 2 * pad) * (1 - (loss - low) / span))
        for index, loss in enumerate(losses)
    ]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    last = points[-1]
    output = escape(descent.output)
    first, final = rounded(losses[0], precision), rounded(losses[-1], precision)
    html = (
        '<div class="adp-descent">'
        f'<svg class="adp-loss" width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
        f'aria-label="{output} over the steps of gradient descent"><polyline points="{path}"/>'
        f'<circle class="adp-dot" cx="{last[0]:.1f}" cy="{last[1]:.1f}" r="4"/>'
        f'<text x="{width - pad:.0f}" y="14" text-anchor="end">{output} {escape(first)} → {escape(final)}</text></svg>'
        f'<label>descent step <input type="range" class="adp-dslider" min="0" max="{len(shown) - 1}" value="{len(shown) - 1}" '
        f'aria-label="descent step"></label> <span class="adp-dcount"></span></div>'
    )
    return data, html


def _extras(report: Report, drawn: list[Value]) -> dict[str, Any]:
    """--compare and --why for the script: each mistake's grads and each node's uses, as shown text."""
    precision = report.options.precision
    extras: dict[str, Any] = {}
    if report.compare is not None:
        extras["compare"] = {
            variant: {str(node.id): rounded(walk.grads.get(node.id, node.grad), precision) for node in drawn}
            for variant, walk in report.compare.walks.items()
        }
    if report.contributions is not None:
        extras["contributions"] = {
            str(node_id): [
                [report.label(step.node), rounded(step.local, precision), rounded(step.contribution, precision)] for step in steps
            ]
            for node_id, steps in report.contributions.items()
        }
    if report.why:
        extras["why"] = [str(node.id) for node in report.why]
    return extras


def _sections(report: Report) -> str:
    """The text views asked for (--explain, --check, --hessian, ...) under the page, as the table's sections."""
    from .sections import write_sections

    buffer = io.StringIO()
    write_sections(report, OutputContext(buffer, plain=True))
    text = buffer.getvalue().strip("\n")
    return f'<pre class="adp-sections">{escape(text)}</pre>' if text else ""


#: Nothing may be fetched: no network, no other file; only the inline style and script run.
_POLICY = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"


def page_document(report: Report, dot_finder: Callable[[], str | None] = find_dot) -> str:
    """The whole page: a document around the fragment, with a policy that forbids every request."""
    title = escape(f"autodiff: {report.output_name}")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_POLICY}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title></head><body>" + page_fragment(report, dot_finder, standalone=True) + "</body></html>\n"
    )


def write(report: Report, out: OutputContext) -> None:
    """--format html: the page on stdout."""
    out.write(page_document(report))
    out.stdout.flush()


#: The drawing's part of the page's style, for an SVG file on its own.
_SVG_STYLE = (
    ".adp-svg{font:12px ui-monospace,Menlo,Consolas,monospace;background:#fff}.adp-e{fill:none;stroke:#9a9a9a;stroke-width:1.2}"
    ".adp-o ellipse{fill:#fff;stroke:#777}.adp-v rect{fill:#fff;stroke:#555}.adp-v line{stroke:#999}"
    ".adp-v.adp-in rect{fill:#eef8ee;stroke:#2b8a3e}.adp-v.adp-out rect{fill:#d0e7ff;stroke:#1c5fb8;stroke-width:2}"
    ".adp-v.adp-const rect{stroke:#aaa}.adp-v.adp-const text{fill:#888}"
)


def svg_document(report: Report, dot_finder: Callable[[], str | None] = find_dot) -> str:
    """The graph with its final values and gradients as one SVG file (no Graphviz needed)."""
    precision = report.options.precision
    drawn = list(report.result.order)
    texts = {node.id: (rounded(node.data, precision), rounded(report.grad(node), precision), "") for node in drawn}
    widths = {node.id: sum(record_cells(report.label(node), texts[node.id][0], len(texts[node.id][1]))) for node in drawn}
    svg = _svg(report, drawn, layout(drawn, widths, dot_finder), texts, "autodiff")
    head, rest = svg.split("<defs>", 1)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{head}<style>{_SVG_STYLE}</style><defs>{rest}\n'
