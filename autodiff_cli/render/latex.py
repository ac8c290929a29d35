"""--format latex: the program as an `align*` block, the table as a booktabs `tabular`,
and the --hessian matrix and --symbolic formulas in LaTeX (amsmath, booktabs).

A fragment to `\\input` into a document by default; `--standalone` wraps it in a
complete `article`.  Every piece of text from the program is escaped, and
formulas are joined from pieces (latex.py, formula.statements): no recursion.
"""

from __future__ import annotations

import copy
import io
import re
from collections import Counter
from collections.abc import Callable, Sequence

from ..base.numbers import rounded
from ..base.version import __version__
from ..core.engine import CONSTANT, INPUT, Value
from ..core.formula import ATOM, statements, writable
from ..language.evaluate import Result
from ..report import Report
from .escape import latex_comment
from .latex_notation import break_math, breakable_text, escape_text, math_width, name, number, number_text, template
from .output import OutputContext
from .sections import write_sections
from .table import ROW_LIMIT

PREAMBLE = r"""\documentclass{article}
\usepackage{amsmath}
\usepackage{booktabs}
\usepackage{longtable}
\begin{document}
"""

#: About how many characters of a formula fit on a line of an article (345pt): longer lines break.
LINE_WIDTH = 56

#: Table rows that fit on a page; a longer table is a `longtable`, which breaks across pages.
PAGE_ROWS = 40



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
    shown_table = table(result, options.precision, None if options.show_all else ROW_LIMIT, keys, report.grad)
    needs = "amsmath, booktabs and longtable" if r"\begin{longtable}" in shown_table else "amsmath and booktabs"
    parts = [
        f"% autodiff {__version__}: {escape_text(result.graph.source.name)}, the gradient of "
        f"{escape_text(result.output_name)} (needs {needs})\n",
        program_block(result),
        "",
        shown_table,
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
    lines: list[tuple[str, str]] = []  # (left, formula)
    temporaries = 0
    for node in nodes:
        if node.op is INPUT:
            lines.append((name(node.name or "?"), number(node.data)[0]))
            shown[id(node)] = ([name(node.name or "?")], ATOM)
            continue
        if node.op is CONSTANT:
            shown[id(node)] = [number(node.data)[0]], number(node.data)[1]  # type: ignore[assignment]
            continue
        children = node.children
        pieces, level = template(node.op, [shown[id(child)][1] for child in children])  # type: ignore[arg-type]
        body: list[str | Value] = [children[p] if isinstance(p, int) else p for p in pieces]
        if node.name is not None:
            lines.append((name(node.name), _flatten(body, shown)))
            shown[id(node)] = ([name(node.name)], ATOM)
        elif node is graph.last:
            lines.append((r"\text{output}", _flatten(body, shown)))
        elif uses[id(node)] > 1:
            temporaries += 1
            label = f"t_{{{temporaries}}}"
            lines.append((label, _flatten(body, shown)))
            shown[id(node)] = ([label], ATOM)
        else:
            shown[id(node)] = (body, level)
    return align(lines)


def align(lines: Sequence[tuple[str, str]]) -> str:
    """`left &= formula` lines as an `align*` block; a formula too long for the page goes on over more lines."""
    budget = max(LINE_WIDTH // 2, LINE_WIDTH - max((math_width(left) for left, _ in lines), default=0))
    rows = []
    for left, formula in lines:
        first, *rest = break_math(formula, budget)
        rows.append(f"  {left} &= {first}")
        rows += [rf"  &\quad {{}}{more.lstrip()}" for more in rest]
    block = "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}"
    # A block longer than a page may break between its lines (amsmath keeps a display on one page).
    return "{\\allowdisplaybreaks\n" + block + "\n}" if len(rows) > PAGE_ROWS else block


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


def table(
    result: Result, precision: int, limit: int | None, keys: dict[int, str], grad: Callable[[Value], float | None] | None = None
) -> str:
    """The table of values and gradients, in the order of the text table (booktabs rules).

    A node's gradient is `grad(node)` (the report's), by default `node.grad`. The table keeps to the
    page: when a label is long, the node column wraps (its text may break after an operator) and takes
    what the other columns leave of the line, in a smaller font if they leave little; a table longer
    than a page is a `longtable`, which goes on over the next pages.
    """
    graph = result.graph
    in_order = {node.id for node in result.order}
    nodes: list[Value | None] = [*result.order, *(node for node in graph.nodes if node.id not in in_order)]
    hidden = 0
    if limit is not None and len(nodes) > limit:
        hidden = len(nodes) - limit
        nodes = nodes[: limit // 2] + [None] + nodes[len(nodes) - (limit - limit // 2) :]
    cells = _cells(result, nodes, precision, keys, escape_text, grad)
    # ems each column takes (a character is about 0.55em), and the separators' (10 \tabcolsep, 6em at 10pt)
    others = 0.55 * sum(max((math_width(row[i]) for row in cells if row is not None), default=1) for i in (0, 2, 3, 4)) + 6
    labels = [math_width(row[1]) for row in cells if row is not None]
    wide = 0.55 * max(labels, default=0) + others > _SIZES[0][1]
    spec, size = "rllrr", ""
    if wide:
        cells = _cells(result, nodes, precision, keys, breakable_text, grad)
        # The node column gets what is left of the line, at least 12em and its widest name (math does not break).
        names = [math_width(piece) for row in cells if row is not None for piece in re.findall(r"\$[^$]*\$", row[1])]
        need = max([12.0, *(0.55 * width for width in names)])
        size = next((font for font, line in _SIZES if line - others >= need), _SIZES[-1][0])
        spec = rf"rp{{\dimexpr\linewidth-10\tabcolsep-{others - 6:.1f}em\relax}}lrr"
        for row in cells:
            if row is not None:
                row[1] = r"\raggedright " + row[1]
    environment = "longtable" if len(nodes) > PAGE_ROWS else "tabular"
    rows = [
        *([rf"{{{size}"] if size else []),
        rf"\begin{{{environment}}}{{{spec}}}",
        r"\toprule",
        r"\# & node & op & value & grad \\",
        r"\midrule",
        *([r"\endhead"] if environment == "longtable" else []),
    ]
    for row in cells:
        if row is None:
            rows.append(rf"\ldots & \multicolumn{{4}}{{l}}{{\emph{{{hidden} more rows (--all)}}}} \\")
        else:
            rows.append(" & ".join(row) + r" \\")
    rows += [r"\bottomrule", rf"\end{{{environment}}}", *(["}"] if size else [])]
    return "\n".join(rows)


def _cells(
    result: Result,
    nodes: Sequence[Value | None],
    precision: int,
    keys: dict[int, str],
    text: Callable[[str], str],
    grad: Callable[[Value], float | None] | None = None,
) -> list[list[str] | None]:
    r"""Each row's cells (None for the elided middle), program text in `\texttt` written by `text`."""
    graph = result.graph
    cells: list[list[str] | None] = []
    for node in nodes:
        if node is None:
            cells.append(None)
            continue
        if node.op is INPUT:
            label = f"${name(keys.get(node.id, graph.label(node)))}$ (input)"
        elif node.name is not None:
            label = f"${name(node.name)}$"
        else:
            label = r"\texttt{" + text(graph.label(node)) + "}"
        if node is result.output:
            label = r"\textbf{" + label + "} (output)"
        shown = node.grad if grad is None else grad(node)
        cells.append(
            [
                str(node.id),
                label,
                escape_text(node.op_name),
                f"${number_text(rounded(node.data, precision))}$",
                "---" if shown is None else f"${number_text(rounded(shown, precision))}$",
            ]
        )
    return cells


#: Font sizes a wide table may take, and an article's line in ems at that size.
_SIZES = (("", 34.5), (r"\small", 38.3), (r"\footnotesize", 43.1), (r"\scriptsize", 49.3), (r"\tiny", 69.0))


# ------------------------------------------------------------------ --hessian and --symbolic


def hessian_block(output: str, names: Sequence[str], rows: Sequence[Sequence[float]], precision: int) -> str:
    """The matrix of second derivatives, its rows and columns named."""
    heading = rf"\nabla^{{2}} {_output(output)}"
    if not names:
        return rf"\[ {heading} \text{{: {escape_text(output)} depends on no input}} \]"
    cells = [[number_text(rounded(x, precision)) for x in row] for row in rows]
    column = max(math_width(cell) for row in cells for cell in row) + 2  # and the space between columns
    per_block = max(1, min(MATRIX_COLUMNS, (LINE_WIDTH - 16) // column))
    if len(names) > per_block or len(names) > PAGE_ROWS:
        return _hessian_blocks(heading, names, cells, per_block)
    matrix = " \\\\\n    ".join(" & ".join(row) for row in cells)
    order = ", ".join(name(n) for n in names)
    return (
        "\\[\n"
        # An array, not amsmath's pmatrix: that stops at MaxMatrixCols (10) columns.
        f"  {heading} = \\left(\\begin{{array}}{{{'c' * len(names)}}}\n    {matrix}\n  \\end{{array}}\\right)"
        f" \\quad \\text{{rows and columns: }} {order}\n"
        "\\]"
    )


#: Columns amsmath's pmatrix takes (its MaxMatrixCols).
MATRIX_COLUMNS = 10


def _hessian_blocks(heading: str, names: Sequence[str], cells: Sequence[Sequence[str]], per_block: int) -> str:
    """A Hessian too wide (or long) for the page, as blocks of its columns (and rows), each its own display."""
    order = ", ".join(f"${name(n)}$" for n in names)
    parts = ["\\begin{flushleft}", rf"${heading}$, its rows and columns in the order {order}, in blocks:", "\\end{flushleft}"]
    count = len(names)
    for top in range(0, count, PAGE_ROWS):
        bottom = min(count, top + PAGE_ROWS)
        for left in range(0, count, per_block):
            right = min(count, left + per_block)
            matrix = " \\\\\n    ".join(" & ".join(row[left:right]) for row in cells[top:bottom])
            where = rf"\text{{rows {top + 1}--{bottom}, columns {left + 1}--{right}:}}"
            parts.append(f"\\[\n  {where} \\quad \\begin{{pmatrix}}\n    {matrix}\n  \\end{{pmatrix}}\n\\]")
    return "\n".join(parts)


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

    lines: list[tuple[str, str]] = []
    defined: set[tuple[str, str]] = set()
    used: set[str] = set(graph.names)  # t_{k} names stay distinct across the formulas of one block
    for x, root in roots:
        if not writable(root):  # as --symbolic says it in text (formula.UNDEFINED)
            left = rf"\frac{{\partial {output}}}{{\partial {name(keys.get(x.id, graph.label(x)))}}}"
            lines.append((left, r"\text{undefined at this point}"))
            continue
        pairs = statements(
            root, leaf, lambda node: node.name, reserved, used, write=template, leaf_level=_leaf_level, name_text=name
        )
        used.update(statement_name for statement_name, _ in pairs if statement_name is not None and statement_name[0] == "t")
        for statement_name, text in pairs:
            if statement_name is None:
                left = rf"\frac{{\partial {output}}}{{\partial {name(keys.get(x.id, graph.label(x)))}}}"
            else:
                left = name(statement_name)
            line = (left, text)
            if statement_name is None or line not in defined:  # a program name shared by formulas: once
                lines.append(line)
                defined.add(line)
    return align(lines)
