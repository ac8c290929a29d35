"""--format dot: the graph in Graphviz DOT, in the style of micrograd's draw_dot."""

from __future__ import annotations

import io

from ..base.numbers import rounded
from ..core.engine import CONSTANT
from ..report import Report
from .escape import dot_comment
from .escape import dot_label as escape
from .output import OutputContext
from .sections import write_sections


def render_dot(report: Report) -> str:
    """The graph as DOT; each view asked for goes in as `//` comment lines, so it stays one document."""
    precision = report.options.precision
    out = ["digraph autodiff {", "  rankdir=LR;", '  node [fontname="Helvetica"];']
    buffer = io.StringIO()
    write_sections(report, OutputContext(buffer, plain=True))
    out.extend(f"  // {dot_comment(line)}".rstrip() for line in buffer.getvalue().splitlines() if line)
    label = report.label
    result = report.result
    for node in result.order:
        attrs = "shape=record"
        if node is result.output:
            attrs += ', style="filled,bold", fillcolor="lightblue"'
        elif node.op is CONSTANT:
            attrs += ', color="gray", fontcolor="gray40"'
        data, grad = rounded(node.data, precision), rounded(report.grad(node), precision)
        text = f"{{ {escape(label(node))} | data {escape(data)} | grad {escape(grad)} }}"
        out.append(f'  n{node.id} [{attrs}, label="{text}"];')
        if not isinstance(node.op, str):
            name = node.op.symbol or node.op.name
            out.append(f'  n{node.id}op [shape=ellipse, label="{escape(name)}"];')
            out.append(f"  n{node.id}op -> n{node.id};")
            for child in node.children:
                out.append(f"  n{child.id} -> n{node.id}op;")
    out.append("}")
    return "\n".join(out) + "\n"


def write(report: Report, out: OutputContext) -> None:
    out.write(render_dot(report))
    out.stdout.flush()


class RenderError(Exception):
    """Graphviz is missing, or could not draw the file."""


def render_file(report: Report, path: str) -> list[str]:
    """Draw the graph to FILE.svg / FILE.png / FILE.html through `files.replacing`; return notes for stderr.

    SVG and PNG come from `dot` (no shell) when it is installed and the graph
    is within what Graphviz is given (layout.graphviz_refusal, DOT_TIMEOUT);
    otherwise an SVG is drawn from our own layout, and a PNG is an error.
    A page never needs `dot`.
    """
    import os

    from .files import replacing
    from .layout import DOT_TIMEOUT, find_dot, graphviz_refusal

    suffix = os.path.splitext(path)[1].lower().lstrip(".")
    if suffix not in ("svg", "png", "html"):
        raise RenderError(f"--render: cannot draw '{path}': the file must end in .svg, .png or .html")
    dot = None if suffix == "html" else find_dot()
    if dot is None and suffix == "png":
        raise RenderError(
            "--render FILE.png needs Graphviz's `dot`, which is not installed "
            "(apt install graphviz, or brew install graphviz); "
            "FILE.svg and FILE.html are drawn without it"
        )
    refusal = None if dot is None else graphviz_refusal(report.result.order)
    if refusal is not None and suffix == "png":
        raise RenderError(f"--render {path}: {refusal}; FILE.svg and FILE.html are drawn without it")
    notes = []
    try:
        with replacing(path) as temp:
            if dot is not None and refusal is None:
                import subprocess

                try:
                    _run_dot(dot, suffix, temp, render_dot(report))
                except subprocess.TimeoutExpired:
                    refusal = f"dot did not finish within {DOT_TIMEOUT:g} s and was stopped"
                    if suffix == "png":
                        raise RenderError(f"--render {path}: {refusal}; FILE.svg and FILE.html are drawn without it") from None
            if dot is None or refusal is not None:
                from .html import page_document, svg_document

                text = page_document(report) if suffix == "html" else svg_document(report, dot_finder=lambda: None)
                with open(temp, "w", encoding="utf-8") as file:
                    file.write(text)
                if refusal is not None:
                    notes.append(f"--render {path}: {refusal}: drawn with autodiff's own layout")
    except OSError as error:
        raise RenderError(f"--render: cannot write '{path}': {error.strerror or error}") from None
    return notes


def _run_dot(dot: str, suffix: str, temp: str, text: str) -> None:
    """`dot -Tsvg|png -o TEMP`, the DOT text on its stdin; RenderError when it fails, TimeoutExpired after DOT_TIMEOUT."""
    import subprocess

    from ..base.children import Reaped
    from .layout import DOT_TIMEOUT, dot_failure

    pipe = subprocess.PIPE
    try:
        started = subprocess.Popen(
            [dot, f"-T{suffix}", "-o", temp], stdin=pipe, stdout=pipe, stderr=pipe, start_new_session=True
        )
    except OSError as error:
        raise RenderError(f"cannot run {dot}: {error.strerror or error}") from None
    with Reaped(started) as child:
        _, stderr = child.communicate(text.encode(), timeout=DOT_TIMEOUT)
    if child.returncode != 0:
        raise RenderError(dot_failure(child.returncode, stderr))
