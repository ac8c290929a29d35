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


def render_file(report: Report, path: str) -> None:
    """Draw the graph to FILE.svg / FILE.png / FILE.html, via a temp file and rename.

    SVG and PNG come from `dot` (no shell) when it is installed; without it an
    SVG is drawn from our own layout, and a page never needs it.
    """
    import os
    import subprocess
    import tempfile

    from .layout import find_dot

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
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, temp = tempfile.mkstemp(suffix="." + suffix, dir=directory)
    except OSError as error:
        raise RenderError(f"--render: cannot write in {directory}: {error.strerror}") from None
    os.close(fd)
    try:
        if dot is None:
            from .html import page_document, svg_document

            text = page_document(report) if suffix == "html" else svg_document(report, dot_finder=lambda: None)
            with open(temp, "w", encoding="utf-8") as file:
                file.write(text)
        else:
            done = subprocess.run(
                [dot, f"-T{suffix}", "-o", temp], input=render_dot(report).encode(), capture_output=True, check=False
            )
            if done.returncode != 0:
                raise RenderError(f"dot failed: {done.stderr.decode(errors='replace').strip()}")
        # mkstemp makes the file 0600; a drawing is an ordinary file, so honour the umask.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)
        os.replace(temp, path)
    except OSError as error:
        raise RenderError(f"--render: cannot write '{path}': {error.strerror or error}") from None
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
