"""--format tree: a Rich tree from the output down to the inputs, shared nodes drawn once."""

from __future__ import annotations

from rich.markup import escape
from rich.tree import Tree

from ..engine import CONSTANT, INPUT


def _num(x: float | None, precision: int) -> str:
    return "—" if x is None else f"{x:.{precision}g}"


def render_tree(result, precision: int = 6) -> Tree:
    """Iterative depth-first walk; a node seen before becomes a one-line reference."""
    label = result.label
    numbers: dict[int, int] = {}

    def text(node) -> str:
        kind = "input" if node.op is INPUT else "const" if node.op is CONSTANT else node.op_name
        value, grad = _num(node.data, precision), _num(node.grad, precision)
        return escape(f"#{numbers[node.id]} {label(node)} [{kind}] = {value}  grad {grad}")

    root = result.output
    numbers[root.id] = 1
    tree = Tree(text(root))
    stack = [(root, tree)]
    while stack:
        node, branch = stack.pop()
        children = []
        for child in node.children:
            if child.id in numbers:
                branch.add(escape(f"{label(child)} → see #{numbers[child.id]}"))
            else:
                numbers[child.id] = len(numbers) + 1
                children.append((child, branch.add(text(child))))
        stack.extend(reversed(children))
    return tree
