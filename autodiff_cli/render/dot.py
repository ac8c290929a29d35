"""--format dot: the graph in Graphviz DOT, in the style of micrograd's draw_dot."""

from __future__ import annotations

from ..engine import CONSTANT

_SPECIAL = {"\\": "\\\\", '"': '\\"', "{": "\\{", "}": "\\}", "|": "\\|", "<": "\\<", ">": "\\>", "\n": "\\n"}


def escape(text: str) -> str:
    """Escape every character DOT treats specially inside a quoted record label."""
    return "".join(_SPECIAL.get(ch, ch) for ch in text)


def _num(x: float | None) -> str:
    return "—" if x is None else f"{x:.4f}"


def render_dot(result) -> str:
    out = ["digraph autodiff {", "  rankdir=LR;", '  node [fontname="Helvetica"];']
    label = result.label
    for node in result.order:
        attrs = "shape=record"
        if node is result.output:
            attrs += ', style="filled,bold", fillcolor="lightblue"'
        elif node.op is CONSTANT:
            attrs += ', color="gray", fontcolor="gray40"'
        text = f"{{ {escape(label(node))} | data {_num(node.data)} | grad {_num(node.grad)} }}"
        out.append(f'  n{node.id} [{attrs}, label="{text}"];')
        if not isinstance(node.op, str):
            name = node.op.symbol or node.op.name
            out.append(f'  n{node.id}op [shape=ellipse, label="{escape(name)}"];')
            out.append(f"  n{node.id}op -> n{node.id};")
            for child in node.children:
                out.append(f"  n{child.id} -> n{node.id}op;")
    out.append("}")
    return "\n".join(out) + "\n"


class RenderError(Exception):
    """Graphviz is missing, or could not draw the file."""


def render_file(result, path: str) -> None:
    """Draw the graph to FILE.svg / FILE.png / FILE.html, via a temp file and rename.

    SVG and PNG come from `dot` (no shell) when it is installed; without it an
    SVG is drawn from our own layout, and a page never needs it.
    """
    import os
    import subprocess
    import tempfile

    suffix = os.path.splitext(path)[1].lower().lstrip(".")
    if suffix not in ("svg", "png", "html"):
        raise RenderError(f"--render: cannot draw '{path}': the file must end in .svg, .png or .html")
    dot = None if suffix == "html" else _find_dot()
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

            text = page_document(result) if suffix == "html" else svg_document(result, dot_finder=lambda: None)
            with open(temp, "w", encoding="utf-8") as file:
                file.write(text)
        else:
            done = subprocess.run(
                [dot, f"-T{suffix}", "-o", temp], input=render_dot(result).encode(), capture_output=True, check=False
            )
            if done.returncode != 0:
                raise RenderError(f"dot failed: {done.stderr.decode(errors='replace').strip()}")
        # mkstemp makes the file 0600; a drawing is an ordinary file, so honour the umask.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)


def _find_dot() -> str | None:
    from ..layout import find_dot

    return find_dot()
