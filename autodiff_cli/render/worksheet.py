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
    lines = [f"# {title}", "", "The program:", "", "```", *result.graph.source.text.strip("\n").splitlines(), "```", ""]
    lines += ["Forward pass (each value after its inputs):", "", "```", *forward_lines(report), "```", ""]
    lines += [
        f"Fill in the gradient of `{output}` with respect to each node, in backward order"
        f" (`{output}.grad = 1`: backpropagation starts there).",
        "",
        "| node | gradient |",
        "| --- | --- |",
    ]
    for name, grad, _ in _rows(report, steps):
        shown = grad if key or name == output else ""
        lines.append(f"| `{_md(name)}` | {shown} |")
    if key:
        lines += ["", "Where each gradient comes from (the sum of its uses, in the order backpropagation adds them):", ""]
        lines.append("```")
        for node, _ in questions(report):
            lines.extend(why_lines(report, node, steps.get(node.id, [])))
        lines.append("```")
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("`", "'")


_TEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "…": r"\ldots{}",
}


def tex(text: str) -> str:
    """Text for LaTeX: its special characters escaped, anything outside ASCII as `?`."""
    out = []
    for char in text:
        if char in _TEX_SPECIAL:
            out.append(_TEX_SPECIAL[char])
        elif " " <= char <= "~":
            out.append(char)
        else:
            out.append("?")
    return "".join(out)


def tex_number(text: str) -> str:
    """`-3`, `1.5e-07` as $-3$, $1.5 \\times 10^{-7}$; nan and inf as words."""
    if text in ("nan", "inf", "-inf", "—"):
        return {"nan": "nan", "inf": r"$\infty$", "-inf": r"$-\infty$", "—": "--"}[text]
    match = re.fullmatch(r"(-?[0-9.]+)e([+-])0*([0-9]+)", text)
    if match:
        mantissa, sign, exponent = match.groups()
        return f"${mantissa} \\times 10^{{{'-' if sign == '-' else ''}{exponent}}}$"
    return f"${text}$"


def _verbatim(text: str) -> list[str]:
    # Nothing a program says may end the environment early or stop pdflatex on a character.
    lines = [tex_safe_verbatim(line) for line in text.strip("\n").splitlines()]
    return [r"\begin{verbatim}", *lines, r"\end{verbatim}"]


def tex_safe_verbatim(line: str) -> str:
    line = "".join(char if " " <= char <= "~" else "?" for char in line.expandtabs(4))
    return line.replace("\\end{verbatim}", "?end{verbatim}")


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
        *_verbatim(result.graph.source.text),
        r"\subsection*{Forward pass}",
        "Each value after its inputs:",
        *_verbatim("\n".join(forward_lines(report))),
        r"\subsection*{Backward pass}",
        rf"Fill in the gradient of \texttt{{{output}}} with respect to each node, in backward order "
        rf"(\texttt{{{output}.grad}} $= 1$: backpropagation starts there).",
        "",
        r"\begin{longtable}{lp{5cm}}",
        r"\toprule",
        r"node & gradient \\",
        r"\midrule",
    ]
    rows = _rows(report, steps)
    for name, grad, _ in rows:
        shown = tex_number(grad) if key or name == report.output_name else ""
        lines.append(rf"\texttt{{{tex(name)}}} & {shown} \\[1ex]")
    lines += [r"\bottomrule", r"\end{longtable}"]
    if key:
        lines += [
            r"\subsection*{Where each gradient comes from}",
            r"Each gradient is the sum of its uses, in the order backpropagation adds them:"
            r" the local derivative times the user's gradient.",
            "",
            r"\begin{longtable}{llrrr}",
            r"\toprule",
            r"node & via & local & user's gradient & amount \\",
            r"\midrule",
        ]
        for index, (name, grad, parts) in enumerate(rows[1:]):
            if index:
                lines.append(r"\midrule")
            for via, local, user_grad, amount in parts:
                lines.append(
                    rf"\texttt{{{tex(name)}}} & \texttt{{{tex(via)}}} & {tex_number(local)} & "
                    rf"{tex_number(user_grad)} & {tex_number(amount)} \\"
                )
            lines.append(rf"\textbf{{total}} & & & & \textbf{{{tex_number(grad)}}} \\")
        lines += [r"\bottomrule", r"\end{longtable}"]
    lines.append(r"\end{document}")
    return "\n".join(lines) + "\n"
