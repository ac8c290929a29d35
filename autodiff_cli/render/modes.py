"""Text sections and JSON members of the mode views: Jacobian, forward mode, Taylor."""

from __future__ import annotations

from collections.abc import Callable

try:
    from _json import encode_basestring_ascii as quote
except ImportError:  # not CPython
    from json.encoder import encode_basestring_ascii as quote  # type: ignore[attr-defined]

from ..engine import CONSTANT, Value
from ..evaluate import Result
from ..mode_views import ForwardPass, ForwardView, JacobianView, ModeViews, TaylorView
from ..modes import TangentStep
from .explain import _num, _substitute
from .numbers import json_number, rounded


def _columns(rows: list[list[str]], right: list[bool]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.rjust(w) if r else cell.ljust(w) for cell, w, r in zip(row, widths, right)).rstrip() for row in rows]


# ------------------------------------------------------------------ Jacobian


def jacobian_footer(view: JacobianView) -> str:
    if view.mode == "reverse":
        how = f"{view.passes} reverse pass{'es' if view.passes != 1 else ''}, one per output"
    else:
        how = f"{view.passes} forward pass{'es' if view.passes != 1 else ''}, one per input"
    return f"jacobian mode: {view.mode} ({how}; {len(view.outputs)} outputs, {len(view.inputs)} inputs)"


def jacobian_section(view: JacobianView, precision: int) -> str:
    heading = "Jacobian (row: output, column: input)"
    if not view.inputs:
        return f"{heading}: no output depends on an input\n{jacobian_footer(view)}"
    rows = [["", *view.inputs]] + [[name, *(rounded(x, precision) for x in row)] for name, row in zip(view.outputs, view.rows)]
    return "\n".join([heading, *_columns(rows, [False] + [True] * len(view.inputs)), jacobian_footer(view)])


def jacobian_json(view: JacobianView) -> str:
    rows = ", ".join(
        f"{quote(name)}: {{" + ", ".join(f"{quote(key)}: {json_number(x)}" for key, x in zip(view.inputs, row)) + "}"
        for name, row in zip(view.outputs, view.rows)
    )
    return f'"jacobian": {{{rows}}}, "jacobian_mode": {quote(view.mode)}'


# ------------------------------------------------------------------ forward mode


def forward_footer(view: ForwardView) -> str:
    count = len(view.inputs)
    return f"gradients by forward mode: {count} pass{'es' if count != 1 else ''}, one per input"


def _primed(label: str) -> str:
    """`a'`, or `(a * 2)'` for a node known by its source text."""
    return f"{label}'" if label.isidentifier() else f"({label})'"


def _tangent_line(step: TangentStep, label: Callable[[Value], str]) -> str:
    node = step.node
    op = node.op
    kids = node.children
    names = {"out": label(node)}
    for key, child in zip(("x", "y"), kids):
        names[key] = label(child)
    if op.symbol and len(kids) == 2:
        expression = f"{label(kids[0])} {op.symbol} {label(kids[1])}"
    elif op.symbol:
        expression = f"{op.symbol}{label(kids[0])}"
    else:
        expression = f"{op.name}({', '.join(label(c) for c in kids)})"
    terms = [(child, rule, d, t) for child, rule, d, t in zip(kids, op.rules, step.local, step.moved) if child.op is not CONSTANT]
    rules = " + ".join(f"{_substitute(rule, names)} * {_primed(label(child))}" for child, rule, _, _ in terms)
    numbers = " + ".join(f"{_num(d)} * {_num(t)}" for _, _, d, t in terms)
    statement = f"{label(node)} = {expression}" if node.name is not None else expression
    return f"{statement}   {_primed(label(node))} = {rules} = {numbers} = {_num(step.tangent)}"


def forward_explain(result: Result, view: ForwardView) -> str:
    """The forward passes, node by node in the order of the program: tangents moving up."""
    lines: list[str] = []
    passes: list[ForwardPass] = view.passes or []
    output = result.output_name if result.output_name.isidentifier() else f"({result.output_name})"
    operations = sum(1 for node in result.order if node.op.__class__ is not str)
    for number, one in enumerate(passes, 1):
        if lines:
            lines.append("")
        x = one.input
        lines.append(f"forward pass {number} of {len(passes)}, along {x}  (v' = dv/d{x}; {x}' = 1, other inputs' = 0)")
        for step in one.steps:
            lines.append("  " + _tangent_line(step, result.label))
        still = operations - len(one.steps)
        if still:
            lines.append(f"  ({still} node{'s do' if still != 1 else ' does'} not move with {x}: tangent 0)")
        gradient = view.gradient[number - 1]
        lines.append(f"  => d{output}/d{one.input} = {_num(gradient)}")
    if not passes:
        lines.append(f"forward mode: {output} depends on no input")
    return "\n".join(lines)


def forward_json(view: ForwardView) -> str:
    gradient = ", ".join(f"{quote(key)}: {json_number(x)}" for key, x in zip(view.inputs, view.gradient))
    return f'"mode": "forward", "forward": {{"passes": {len(view.inputs)}, "gradient": {{{gradient}}}}}'


def forward_explain_json(result: Result, view: ForwardView) -> str:
    """Structured steps: per pass, per node, its tangent and each argument's term."""
    label = result.label
    passes = []
    for one in view.passes or []:
        steps = []
        for step in one.steps:
            terms = ", ".join(
                f'{{"child": {child.id}, "local": {json_number(d)}, "tangent": {json_number(t)}, '
                f'"contribution": {json_number(d * t if t != 0.0 else 0.0)}}}'
                for child, d, t in zip(step.node.children, step.local, step.moved)
            )
            steps.append(
                f'{{"node": {step.node.id}, "label": {quote(label(step.node))}, "op": "{step.node.op_name}", '
                f'"tangent": {json_number(step.tangent)}, "terms": [{terms}]}}'
            )
        passes.append(f'{{"input": {quote(one.input)}, "steps": [{", ".join(steps)}]}}')
    return f'"explain": {{"mode": "forward", "passes": [{", ".join(passes)}]}}'


# ------------------------------------------------------------------ Taylor


def taylor_section(result: Result, view: TaylorView, precision: int) -> str:
    output, x = result.output_name, view.input
    k_max = len(view.coefficients) - 1
    heading = f"Taylor series of {output} in {x} at {x} = {rounded(view.at, precision)} (K = {k_max})"
    rows = [["k", f"d^k {output}/d{x}^k", "coefficient"]]
    rows += [
        [str(k), rounded(d, precision), rounded(c, precision)]
        for k, (d, c) in enumerate(zip(view.derivatives, view.coefficients))
    ]
    return "\n".join([heading, *_columns(rows, [True, True, True])])


def taylor_json(view: TaylorView) -> str:
    derivatives = ", ".join(json_number(x) for x in view.derivatives)
    coefficients = ", ".join(json_number(x) for x in view.coefficients)
    return (
        f'"taylor": {{"input": {quote(view.input)}, "at": {json_number(view.at)}, '
        f'"derivatives": [{derivatives}], "coefficients": [{coefficients}]}}'
    )


# ------------------------------------------------------------------ all of them


def sections(result: Result, views: ModeViews, precision: int, explain: bool) -> list[str]:
    """The text sections, in the order they are printed after the main view."""
    out = []
    if views.forward is not None:
        out.append(forward_footer(views.forward))
        if explain:
            out.append(forward_explain(result, views.forward))
    if views.jacobian is not None:
        out.append(jacobian_section(views.jacobian, precision))
    if views.taylor is not None:
        out.append(taylor_section(result, views.taylor, precision))
    return out


def json_members(result: Result, views: ModeViews, explain: bool) -> list[str]:
    """The JSON members ("key": value text), in document order."""
    members = []
    if views.forward is not None:
        members.append(forward_json(views.forward))
        if explain:
            members.append(forward_explain_json(result, views.forward))
    if views.jacobian is not None:
        members.append(jacobian_json(views.jacobian))
    if views.taylor is not None:
        members.append(taylor_json(views.taylor))
    return members
