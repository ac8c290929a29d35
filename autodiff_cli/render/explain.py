"""--explain: the backward pass step by step, rules taken from the table of operations."""

from __future__ import annotations

import re

from ..engine import CONSTANT, FloatMath


def _num(x: float) -> str:
    return repr(int(x)) if float(x).is_integer() and abs(x) < 1e16 else repr(x)


def _substitute(rule: str, names: dict[str, str]) -> str:
    pattern = r"\b(" + "|".join(re.escape(name) for name in names) + r")\b"
    return re.sub(pattern, lambda m: names[m.group(1)], rule)


def render_explain(result) -> str:
    """Plain text lines, one per step; no recursion, no second copy of the maths."""
    order = result.order
    grads: dict[int, float] = {node.id: 0.0 for node in order}
    grads[result.output.id] = 1.0
    label = result.label
    lines: list[str] = []
    for node in reversed(order):
        op = node.op
        if isinstance(op, str):
            continue
        kids = node.children
        names = {"out": label(node)}
        values = {"out": _num(node.data)}
        for key, child in zip(op.argument_names(len(kids)), kids):
            names[key] = label(child)
            values[key] = _num(child.data)
        if op.symbol and len(kids) == 2:
            expr = f"{label(kids[0])} {op.symbol} {label(kids[1])}"
        else:
            expr = f"{op.name}({', '.join(label(c) for c in kids)})"
        grad = grads[node.id]
        lines.append(f"{label(node)} = {expr}   {label(node)}.grad = {_num(grad)}")
        local = op.derivatives(FloatMath, *[c.data for c in kids], node.data)
        for index, (child, derivative) in enumerate(zip(kids, local)):
            rule = op.rule(index)
            if child.op is CONSTANT:
                continue
            before = grads[child.id]
            contribution = derivative * grad if grad != 0.0 else 0.0
            after = before + contribution
            grads[child.id] = after
            text = _substitute(rule, names)
            step = (
                f"  {label(child)}.grad += {text} * {label(node)}.grad = "
                f"{_num(derivative)} * {_num(grad)} = {_num(contribution)}"
            )
            lines.append(f"{step:<44}  ({label(child)}.grad: {_num(before)} -> {_num(after)})")
    return "\n".join(lines)
