"""--format tree: a Rich tree from the output down to the inputs, shared nodes drawn once.

Each level of a tree is drawn as one more column of guide lines on every line
below it, so a deep chain costs depth squared characters: past `depth_limit`
levels a branch ends in a line that counts what it leaves out.
"""

from __future__ import annotations

from rich.tree import Tree

from ..base.numbers import rounded
from ..core.engine import CONSTANT, INPUT, topological_order
from ..report import Report
from .output import OutputContext
from .sections import write_sections

#: Levels drawn before a branch is cut short on a pipe (--format json or dot show everything).
DEPTH_LIMIT = 40


def write(report: Report, out: OutputContext) -> None:
    """The tree; on a pipe one node a line at any depth up to DEPTH_LIMIT, on a terminal cut to its width."""
    precision = report.options.precision
    if out.plain:
        out.print(render_tree(report, precision))
    else:
        # Four columns a level: keep the deepest label on the screen.
        out.print(render_tree(report, precision, depth_limit=max(4, ((out.width or 80) - 30) // 4)))
    write_sections(report, out)


def render_tree(report: Report, precision: int = 6, depth_limit: int = DEPTH_LIMIT) -> Tree:
    """Iterative depth-first walk; a node seen before becomes a one-line reference."""
    label = report.label
    result = report.result
    numbers: dict[int, int] = {}

    def text(node) -> str:
        kind = "input" if node.op is INPUT else "const" if node.op is CONSTANT else node.op_name
        value, grad = rounded(node.data, precision), rounded(report.grad(node), precision)
        return f"#{numbers[node.id]} {label(node)} [{kind}] = {value}  grad {grad}"

    root = result.output
    numbers[root.id] = 1
    tree = Tree(text(root))
    stack = [(root, tree, 1)]
    while stack:
        node, branch, depth = stack.pop()
        if depth == depth_limit and node.children:
            hidden = sum(1 for below in topological_order(node) if below.id not in numbers)
            if hidden:
                branch.add(f"… {hidden} more nodes below (--format json or dot shows them)")
            continue
        children = []
        for child in node.children:
            if child.id in numbers:
                branch.add(f"{label(child)} → see #{numbers[child.id]}")
            else:
                numbers[child.id] = len(numbers) + 1
                children.append((child, branch.add(text(child)), depth + 1))
        stack.extend(reversed(children))
    return tree
