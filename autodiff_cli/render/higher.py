"""The views of second derivatives and formulas: --hessian and --symbolic."""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from .numbers import rounded


def render_hessian(
    output: str, names: Sequence[str], rows: Sequence[Sequence[float]], precision: int = 6, plain: bool = False
) -> Group:
    """The matrix of second derivatives, rows and columns named by input."""
    heading = f"Hessian of {output}"
    if not names:
        return Group(Text(f"{heading}: {output} depends on no input"))
    table = Table(
        box=None if plain else box.SIMPLE_HEAD,
        show_edge=False,
        header_style="" if plain else "bold",
    )
    table.add_column("", no_wrap=True)
    for name in names:
        table.add_column(name, justify="right", no_wrap=True)
    for name, row in zip(names, rows):
        table.add_row(name, *(rounded(x, precision) for x in row))
    return Group(Text(f"{heading} (row i, column j: ∂²{output}/∂i∂j)"), table)


def render_formulas(output: str, formulas: Sequence[tuple[str, Sequence[str]]]) -> str:
    """One formula per input, in the language: a one-liner, or its shared parts named first.

    Every line after the heading is a statement `autodiff eval` accepts, so
    the block can be pasted after the program's inputs.
    """
    if not formulas:
        return f"{output} depends on no input: no formulas"
    lines = []
    for name, statements in formulas:
        if len(statements) == 1:
            lines.append(f"∂{output}/∂{name} = {statements[0]}")
        else:
            lines.append(f"∂{output}/∂{name}:")
            lines.extend(f"  {statement}" for statement in statements)
    return "\n".join(lines)
