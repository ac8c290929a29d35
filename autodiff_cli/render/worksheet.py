"""Worksheets for a course page (Markdown) or a handout (LaTeX): the program, its forward values, blank gradients.

The answer key fills the gradients and adds where each comes from: the
steps of the one backward walk, as `--why` shows them.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..analyses.teaching.quiz import questions
from ..base.numbers import rounded
from ..core.engine import Step
from .escape import latex_text as tex
from .escape import markdown_code, markdown_fence
from .quiz import forward_lines

if TYPE_CHECKING:
    from ..report import Report

_Row = tuple[str, str, list[tuple[str, str, str, str]]]


def _rows(report: Report, steps: dict[int, list[Step]]) -> list[_Row]:
    """Per node in backward order: its key, its gradient, and (via, local, user's grad, amount) per step."""
    from .teaching import expression

    precision = report.options.precision
    rows: list[_Row] = [(report.output_name, "1", [])]
    for node, key in questions(report):
        parts = [
            (
                expression(report, step.node),
                rounded(step.local, precision),
                rounded(step.grad, precision),
                rounded(step.contribution, precision),
            )
            for step in steps.get(node.id, [])
        ]
        rows.append((key, rounded(node.grad, precision), parts))
    return rows


def markdown(report: Report, steps: dict[int, list[Step]], key: bool) -> str:
    """The worksheet (or with `key`, its answer key) as Markdown."""
    from .teaching import why_lines

    result = report.result
    output = report.output_name
    title = "Backpropagation worksheet" + (": answer key" if key else "")
    lines = [f"# {title}", "", "The program:", "", *_fenced(result.graph.source.text.strip("\n").splitlines()), ""]
    lines += ["Forward pass (each value after its inputs):", "", *_fenced(forward_lines(report)), ""]
    lines += [
        f"Fill in the gradient of `{markdown_code(output)}` with respect to each node, in backward order"
        f" (`{markdown_code(output)}.grad = 1`: backpropagation starts there).",
        "",
        "| node | gradient |",
        "| --- | --- |",
    ]
    for name, grad, _ in _rows(report, steps):
        shown = grad if key or name == output else ""
        lines.append(f"| `{markdown_code(name)}` | {shown} |")
    if key:
        lines += ["", "Where each gradient comes from (the sum of its uses, in the order backpropagation adds them):", ""]
        why: list[str] = []
        for node, _ in questions(report):
            why.extend(why_lines(report, node, steps.get(node.id, [])))
        lines += _fenced(why)
    return "\n".join(lines) + "\n"


def _fenced(lines: list[str]) -> list[str]:
    """A Markdown code block whose fence no line of the program can close."""
    fence = markdown_fence(lines)
    return [fence, *lines, fence]


def tex_number(text: str) -> str:
    """`-3`, `1.5e-07` as $-3$, $1.5 \\times 10^{-7}$; nan and inf as words."""
    if text in ("nan", "inf", "-inf", "—"):
        return {"nan": "nan", "inf": r"$\infty$", "-inf": r"$-\infty$", "—": "--"}[text]
    match = re.fullmatch(r"(-?[0-9.]+)e([+-])0*([0-9]+)", text)
    if match:
        mantissa, sign, exponent = match.groups()
        return f"${mantissa} \\times 10^{{{'-' if sign == '-' else ''}{exponent}}}$"
    return f"${text}$"


def _program_text(text: str) -> list[str]:
    """Program text that keeps its lines and columns and breaks, rather than runs off the page, when a line is long."""
    from .latex_notation import breakable_lines

    return [r"\begin{flushleft}", *breakable_lines(text), r"\end{flushleft}"]


def _cell(text: str) -> str:
    """Program text in a table's wrapping column: typewriter, breaking after an operator."""
    from .latex_notation import breakable_text

    return r"\raggedright\texttt{" + breakable_text(text) + "}"


def _numbers_width(rows: list[_Row]) -> float:
    """Ems the answer key's three number columns take (a character about 0.55em; `user's gradient` at least)."""
    widths = [len("user's gradient"), len("amount"), len("local")]
    for _, _, parts in rows:
        for _, local, user_grad, amount in parts:
            widths = [max(widths[0], len(user_grad)), max(widths[1], len(amount)), max(widths[2], len(local))]
    return round(0.55 * sum(widths) + 3, 1)  # and the room `\times 10^{}` takes


def latex(report: Report, steps: dict[int, list[Step]], key: bool) -> str:
    """The worksheet (or its answer key) as a LaTeX document: article, booktabs, amsmath."""
    result = report.result
    output = tex(report.output_name)
    title = "Backpropagation worksheet" + (": answer key" if key else "")
    lines = [
        r"\documentclass[11pt]{article}",
        r"\usepackage{amsmath}",
        r"\usepackage{booktabs}",
        r"\usepackage{longtable}",
        r"\usepackage[margin=2.5cm]{geometry}",
        r"\begin{document}",
        rf"\section*{{{title}}}",
        r"\subsection*{The program}",
        *_program_text(result.graph.source.text),
        r"\subsection*{Forward pass}",
        "Each value after its inputs:",
        *_program_text("\n".join(forward_lines(report))),
        r"\subsection*{Backward pass}",
        rf"Fill in the gradient of \texttt{{{output}}} with respect to each node, in backward order "
        rf"(\texttt{{{output}.grad}} $= 1$: backpropagation starts there).",
        "",
        r"\begin{longtable}{p{\dimexpr\linewidth-5cm-4\tabcolsep\relax}p{5cm}}",
        r"\toprule",
        r"node & gradient \\",
        r"\midrule",
    ]
    rows = _rows(report, steps)
    for name, grad, _ in rows:
        shown = tex_number(grad) if key or name == report.output_name else ""
        lines.append(rf"{_cell(name)} & {shown} \\[1ex]")
    lines += [r"\bottomrule", r"\end{longtable}"]
    if key:
        lines += [
            r"\subsection*{Where each gradient comes from}",
            r"Each gradient is the sum of its uses, in the order backpropagation adds them:"
            r" the local derivative times the user's gradient.",
            "",
            # node and via wrap, sharing what the three numbers leave of the line
            r"\begin{longtable}{p{\dimexpr(\linewidth-10\tabcolsep-" + f"{_numbers_width(rows)}" + r"em)/2\relax}"
            r"p{\dimexpr(\linewidth-10\tabcolsep-" + f"{_numbers_width(rows)}" + r"em)/2\relax}rrr}",
            r"\toprule",
            r"node & via & local & user's gradient & amount \\",
            r"\midrule",
        ]
        for index, (name, grad, parts) in enumerate(rows[1:]):
            if index:
                lines.append(r"\midrule")
            for via, local, user_grad, amount in parts:
                lines.append(
                    rf"{_cell(name)} & {_cell(via)} & {tex_number(local)} & "
                    rf"{tex_number(user_grad)} & {tex_number(amount)} \\"
                )
            lines.append(rf"\textbf{{total}} & & & & \textbf{{{tex_number(grad)}}} \\")
        lines += [r"\bottomrule", r"\end{longtable}"]
    lines.append(r"\end{document}")
    return "\n".join(lines) + "\n"
