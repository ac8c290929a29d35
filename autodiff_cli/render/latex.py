"""--format latex: the program as an `align*` block, the table as a booktabs `tabular`,
and the --hessian matrix and --symbolic formulas in LaTeX (amsmath, booktabs).

A fragment to `\\input` into a document by default; `--standalone` wraps it in a
complete `article`.  Every piece of text from the program is escaped, and
formulas are joined from pieces (latex.py, formula.statements): no recursion.
"""

from __future__ import annotations

import copy
import io
from collections import Counter
from collections.abc import Sequence

from ..base.numbers import rounded
from ..base.version import __version__
from ..core.engine import CONSTANT, INPUT, Value
from ..core.formula import ATOM, statements
from ..language.evaluate import Result
from ..report import Report
from .escape import latex_comment
from .latex_notation import escape_text, name, number, number_text, template
from .output import OutputContext
from .sections import write_sections
from .table import ROW_LIMIT

PREAMBLE = r"""\documentclass{article}
\usepackage{amsmath}
\usepackage{booktabs}
\begin{document}
"""


def write(report: Report, out: OutputContext) -> None:
    out.write(render_latex(report))
    out.stdout.flush()


def render_latex(report: Report) -> str:
    """The whole LaTeX output of one program, as text.

    --hessian and --symbolic (or --simplify) are LaTeX of their own; the text
    views (--explain, --check, ...) go in as `%` comment lines, as the DOT
    writer puts them in `//` comments, and the document stays one document.
    """
    result, options, keys = report.result, report.options, report.keys
    parts = [
        f"% autodiff {__version__}: {escape_text(result.graph.source.name)}, the gradient of "
        f"{escape_text(result.output_name)} (needs amsmath and booktabs)\n",
        program_block(result),
        "",
        table(result, options.precision, None if options.show_all else ROW_LIMIT, keys),
    ]
    if report.hessian is not None:
        inputs, rows = report.hessian
        parts += ["", hessian_block(result.output_name, [keys[x.id] for x in inputs], rows, options.precision)]
    if report.formulas is not None:
        roots = report.formula_roots
        if roots is None:
            from ..core.derivative import gradient

            roots = [(x, gradient(result.output, x)) for x, _ in report.formulas]
        parts += ["", formulas_block(result, roots, keys)]
    comments = _text_views(report)
    if comments:
        parts += ["", comments]
    text = "\n".join(parts) + "\n"
    if options.standalone:
        return PREAMBLE + "\n" + text + "\n\\end{document}\n"
    return text


def _text_views(report: Report) -> str:
    """Every text view (--explain, --check, --compare, --why, ...) as the sections print it, each line a
    LaTeX comment; the Hessian and the formulas are left out, being LaTeX above."""
    rest = copy.copy(report)
    rest.hessian = rest.formulas = None
    buffer = io.StringIO()
    write_sections(rest, OutputContext(buffer, plain=True))
    return "\n".join(f"% {latex_comment(line)}".rstrip() for line in buffer.getvalue().splitlines() if line)


# ------------------------------------------------------------------ the program


def _leaf_level(node: Value, text: str) -> int:
    return ATOM if node.op is INPUT else number(node.data)[1]


def program_block(result: Result) -> str:
    """Each statement of the program that made a node, in order, as `name &= formula`.

    Walked over the graph in creation order (which is topological): a named
    node is a statement and later uses show its name; an unnamed node used
    twice (grad() builds some) gets a `t_{k}` line of its own, so nothing is
    written twice.
    """
    graph = result.graph
    nodes = graph.nodes
    uses = Counter(id(child) for node in nodes for child in node.children)
    shown: dict[int, tuple[list[str | Value], int]] = {}
    lines: list[str] = []
    temporaries = 0
    for node in nodes:
        if node.op is INPUT:
            lines.append(f"  {name(node.name or '?')} &= {number(node.data)[0]}")
            shown[id(node)] = ([name(node.name or "?")], ATOM)
            continue
        if node.op is CONSTANT:
            shown[id(node)] = [number(node.data)[0]], number(node.data)[1]  # type: ignore[assignment]
            continue
        children = node.children
        pieces, level = template(node.op, [shown[id(child)][1] for child in children])  # type: ignore[arg-type]
        body: list[str | Value] = [children[p] if isinstance(p, int) else p for p in pieces]
        if node.name is not None:
            lines.append(f"  {name(node.name)} &= {_flatten(body, shown)}")
            shown[id(node)] = ([name(node.name)], ATOM)
        elif node is graph.last:
            lines.append(rf"  \text{{output}} &= {_flatten(body, shown)}")
        elif uses[id(node)] > 1:
            temporaries += 1
            label = f"t_{{{temporaries}}}"
            lines.append(f"  {label} &= {_flatten(body, shown)}")
            shown[id(node)] = ([label], ATOM)
        else:
            shown[id(node)] = (body, level)
    return "\\begin{align*}\n" + " \\\\\n".join(lines) + "\n\\end{align*}"


def _flatten(pieces: list[str | Value], shown: dict[int, tuple[list[str | Value], int]]) -> str:
    out: list[str] = []
    stack = list(reversed(pieces))
    while stack:
        piece = stack.pop()
        if isinstance(piece, str):
            out.append(piece)
        else:
            stack.extend(reversed(shown[id(piece)][0]))
    return "".join(out)


# ------------------------------------------------------------------ the table


def table(result: Result, precision: int, limit: int | None, keys: dict[int, str]) -> str:
    """The table of values and gradients, in the order of the text table (booktabs rules)."""
    graph = result.graph
    in_order = {node.id for node in result.order}
    nodes: list[Value | None] = [*result.order, *(node for node in graph.nodes if node.id not in in_order)]
    hidden = 0
    if limit is not None and len(nodes) > limit:
        hidden = len(nodes) - limit
        nodes = nodes[: limit // 2] + [None] + nodes[len(nodes) - (limit - limit // 2) :]
    rows = [
        r"\begin{tabular}{rllrr}",
        r"\toprule",
        r"\# & node & op & value & grad \\",
        r"\midrule",
    ]
    for node in nodes:
        if node is None:
            rows.append(rf"\ldots & \multicolumn{{4}}{{l}}{{\emph{{{hidden} more rows (--all)}}}} \\")
            continue
        if node.op is INPUT:
            label = f"${name(keys.get(node.id, graph.label(node)))}$ (input)"
        elif node.name is not None:
            label = f"${name(node.name)}$"
        else:
            label = r"\texttt{" + escape_text(graph.label(node)) + "}"
        if node is result.output:
            label = r"\textbf{" + label + "} (output)"
        cells = [
            str(node.id),
            label,
            escape_text(node.op_name),
            f"${number_text(rounded(node.data, precision))}$",
            "---" if node.grad is None else f"${number_text(rounded(node.grad, precision))}$",
        ]
        rows.append(" & ".join(cells) + r" \\")
    rows += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(rows)


# ------------------------------------------------------------------ --hessian and --symbolic


def hessian_block(output: str, names: Sequence[str], rows: Sequence[Sequence[float]], precision: int) -> str:
    """The matrix of second derivatives, its rows and columns named."""
    heading = rf"\nabla^{{2}} {_output(output)}"
    if not names:
        return rf"\[ {heading} \text{{: {escape_text(output)} depends on no input}} \]"
    matrix = " \\\\\n    ".join(" & ".join(number_text(rounded(x, precision)) for x in row) for row in rows)
    order = ", ".join(name(n) for n in names)
    return (
        "\\[\n"
        # An array, not amsmath's pmatrix: that stops at MaxMatrixCols (10) columns.
        f"  {heading} = \\left(\\begin{{array}}{{{'c' * len(names)}}}\n    {matrix}\n  \\end{{array}}\\right)"
        f" \\quad \\text{{rows and columns: }} {order}\n"
        "\\]"
    )


def _output(output: str) -> str:
    """The output in math: its name, or its source text upright when it has none."""
    if output.isidentifier():
        return name(output)
    return r"\texttt{" + escape_text(output) + "}"


def formulas_block(result: Result, roots: Sequence[tuple[Value, Value]], keys: dict[int, str]) -> str:
    """d(output)/d(input) for each input; parts used more than once named t_{k} first."""
    output = _output(result.output_name)
    if not roots:
        return rf"\[ \text{{{escape_text(result.output_name)} depends on no input: no formulas}} \]"
    graph = result.graph
    from ..core.ops import CONSTANTS
    from ..language.evaluate import BUILTINS

    reserved = {*BUILTINS, *CONSTANTS, *(graph.label(node) for node in result.dependent_inputs())}

    def leaf(node: Value) -> str:
        if node.op is INPUT:
            return name(keys.get(node.id, graph.label(node)))
        return number(node.data)[0]

    lines = []
    defined: set[str] = set()
    used: set[str] = set(graph.names)  # t_{k} names stay distinct across the formulas of one block
    for x, root in roots:
        pairs = statements(
            root, leaf, lambda node: node.name, reserved, used, write=template, leaf_level=_leaf_level, name_text=name
        )
        used.update(statement_name for statement_name, _ in pairs if statement_name is not None and statement_name[0] == "t")
        for statement_name, text in pairs:
            if statement_name is None:
                left = rf"\frac{{\partial {output}}}{{\partial {name(keys.get(x.id, graph.label(x)))}}}"
            else:
                left = name(statement_name)
            line = f"  {left} &= {text}"
            if statement_name is None or line not in defined:  # a program name shared by formulas: once
                lines.append(line)
                defined.add(line)
    return "\\begin{align*}\n" + " \\\\\n".join(lines) + "\n\\end{align*}"
