"""The JSON contract (see docs/json.md), written as a stream.

Written piece by piece to a file object rather than built as one string, so a
million-node result never exists twice in memory.  Every view asked for is a
member of the one document.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import chain, islice

try:  # the C function behind json.dumps(str); importing it alone skips the json package (~1.5 ms)
    from _json import encode_basestring_ascii as quote
except ImportError:  # not CPython
    from json.encoder import encode_basestring_ascii as quote  # type: ignore[attr-defined]

from ..base.numbers import json_number
from ..core.engine import CONSTANT, Value
from ..report import Report
from .output import OutputContext


def write(report: Report, out: OutputContext) -> None:
    if report.sweep is not None:  # --sweep: JSON Lines, one document per point
        from .sweep import write_json_lines

        write_json_lines(report.sweep, out.stdout, report.source_field)
        out.stdout.flush()
        return
    write_json(report, out.stdout.write)
    out.stdout.flush()


def write_no_output(out: OutputContext, source_field: str | None = None) -> None:
    """The document of a program with no output (no statements, or only definitions): nothing is null or empty.

    Still one document per program, so `autodiff run -f json *.ad` gives one
    line a file, an empty file included.
    """
    source = f'"source": {quote(source_field)}, ' if source_field is not None else ""
    out.stdout.write(f'{{{source}"output": null, "value": null, "variables": {{}}, "nodes": [], "order": []}}\n')
    out.stdout.flush()


def write_json(report: Report, write: Callable[[str], object]) -> None:
    """One JSON document, on one line, for the report and every view it holds."""
    result = report.result
    graph = result.graph
    write("{")
    if report.source_field is not None:
        write(f'"source": {quote(report.source_field)}, ')
    write(f'"output": {quote(result.output_name)}, "value": {json_number(result.value)}, ')
    names = graph.names
    # An input whose name was rebound is a variable under its key.
    rebound = sorted([(node_id, key) for node_id, key in report.keys.items() if key not in names])
    shadowed = [(key, graph.nodes[node_id]) for node_id, key in rebound]
    variables = chain(names.items(), shadowed)
    write('"variables": {')
    # In chunks, as the nodes: a million names joined at once were a list and
    # a string of about 100 MB each, the run's peak.
    separator = ""
    shown = report.shown_gradients()
    spell = _column_speller(len(names))
    while pairs := list(islice(variables, _CHUNK)):
        write(separator + _variables_text(pairs, shown, spell))
        separator = ", "
    write("}")
    for member, view in (
        ("hessian", _hessian),
        ("formulas", _formulas),
        ("check", _check),
        ("explain", _explain),
        ("compare", _compare),
        ("contributions", _contributions),
    ):
        if getattr(report, member) is not None:
            write(f', "{member}": ')
            view(report, write)
    if report.jacobian is not None or report.forward is not None or report.taylor is not None:
        from .modes import json_members

        for text in json_members(report):
            write(", " + text)
    write(', "nodes": [')
    _write_nodes(report, write)
    write('], "order": [')
    order = result.order
    for start in range(0, len(order), _CHUNK):
        write((", " if start else "") + ", ".join([str(node.id) for node in order[start : start + _CHUNK]]))
    write("]}\n")


def _variables_text(pairs: list[tuple[str, Value]], shown: dict[int, float], spell: _Speller) -> str:
    """Some members of "variables", numbers spelled a column at a time as the nodes' are (`_write_nodes`).

    `shown`: node id -> the gradient shown in place of `node.grad` (forward mode's inputs').
    """
    grads = [shown.get(node.id, node.grad) for _, node in pairs] if shown else [node.grad for _, node in pairs]
    values = spell([node.data for _, node in pairs], False)
    grad_texts = spell(grads, True)
    if values is None or grad_texts is None:  # a number JSON spells otherwise: the exact path
        return ", ".join(
            [
                f'{quote(name)}: {{"value": {json_number(node.data)}, "grad": {json_number(grad)}}}'
                for (name, node), grad in zip(pairs, grads)
            ]
        )
    names = map(quote, [name for name, _ in pairs])
    return ", ".join([f'{name}: {{"value": {value}, "grad": {grad}}}' for name, value, grad in zip(names, values, grad_texts)])


def _hessian(report: Report, write: Callable[[str], object]) -> None:
    assert report.hessian is not None
    inputs, rows = report.hessian
    keys = [quote(report.label(node)) for node in inputs]
    write(
        "{"
        + ", ".join(
            f"{key}: {{" + ", ".join(f"{column}: {json_number(x)}" for column, x in zip(keys, row)) + "}"
            for key, row in zip(keys, rows)
        )
        + "}"
    )


def _formulas(report: Report, write: Callable[[str], object]) -> None:
    assert report.formulas is not None
    write(
        "{"
        + ", ".join(
            f"{quote(report.label(node))}: {'null' if lines is None else quote('; '.join(lines))}"
            for node, lines in report.formulas
        )
        + "}"
    )


def _check(report: Report, write: Callable[[str], object]) -> None:
    assert report.check is not None
    write(
        "["
        + ", ".join(
            f'{{"input": {quote(report.label(row.node))}, "id": {row.node.id}, "gradient": {json_number(row.gradient)}, '
            f'"difference": {json_number(row.difference if row.method else None)}, '
            f'"relative_error": {json_number(row.error if row.method else None)}, '
            f'"method": {quote(row.method) if row.method else "null"}, "status": {quote(row.status)}, '
            f'"note": {quote(row.note)}}}'
            for row in report.check
        )
        + "]"
    )


def _explain(report: Report, write: Callable[[str], object]) -> None:
    assert report.explain is not None
    entries = []
    for entry in report.explain:
        node = entry.node
        rules = [node.op.rule(index) for index, child in enumerate(node.children) if child.op is not CONSTANT]  # type: ignore[union-attr]
        steps = ", ".join(
            f'{{"to": {step.child.id}, "rule": {quote(rule)}, "local": {json_number(step.local)}, '
            f'"contribution": {json_number(step.contribution)}, "before": {json_number(step.before)}, '
            f'"after": {json_number(step.before + step.contribution)}}}'
            for step, rule in zip(entry.steps, rules)
        )
        entries.append(f'{{"node": {node.id}, "grad": {json_number(entry.grad)}, "steps": [{steps}]}}')
    write("[" + ", ".join(entries) + "]")


def _compare(report: Report, write: Callable[[str], object]) -> None:
    """Each mistake's gradient of every node, by node id: `{"overwrite": {"0": 3.0, ...}, ...}`."""
    assert report.compare is not None
    nodes = report.result.graph.nodes
    write("{")
    for index, (variant, walk) in enumerate(report.compare.walks.items()):
        grads = walk.grads
        write(("" if index == 0 else ", ") + f"{quote(variant)}: {{")
        for start in range(0, len(nodes), _CHUNK):
            chunk = nodes[start : start + _CHUNK]
            pairs = [f'"{node.id}": {json_number(grads.get(node.id, node.grad))}' for node in chunk]
            write((", " if start else "") + ", ".join(pairs))
        write("}")
    write("}")


def _contributions(report: Report, write: Callable[[str], object]) -> None:
    """Every node's uses, by node id, in the order the walk added them: `{"0": [{"via": 3, ...}], ...}`."""
    assert report.contributions is not None
    write(
        "{"
        + ", ".join(
            f'"{node_id}": ['
            + ", ".join(
                f'{{"via": {step.node.id}, "local": {json_number(step.local)}, "amount": {json_number(step.contribution)}}}'
                for step in steps
            )
            + "]"
            for node_id, steps in report.contributions.items()
        )
        + "}"
    )


#: Nodes formatted per write: one call per node was a fifth of a big run's time.
_CHUNK = 4096

def _write_nodes(report: Report, write: Callable[[str], object]) -> None:
    """The "nodes" array, the hot loop of a big document: no Python call per node.

    Labels come from one batch call; each chunk's numbers are spelled a
    column at a time (`_spelled`), and each node's text is one `str.format`
    mapped over the columns.  A chunk with a number JSON spells otherwise than
    repr (a value or gradient that is not finite) is written by the exact path.
    """
    graph = report.result.graph
    nodes = graph.nodes
    # An input is named by its key: (id, key), in id order.  Most keys are the input's own name,
    # which is its label already: only the others (an input whose name was rebound) replace one.
    keyed = sorted([(node_id, key) for node_id, key in report.keys.items() if key is not nodes[node_id].name])
    next_key = 0
    shown = report.shown_gradients()  # forward mode's inputs' gradients, in place of theirs (else empty)
    spell = _column_speller(len(nodes))
    for start in range(0, len(nodes), _CHUNK):
        chunk = nodes[start : start + _CHUNK]
        stop = start + len(chunk)
        labels = graph.labels(start, stop)
        while next_key < len(keyed) and keyed[next_key][0] < stop:
            node_id, key = keyed[next_key]
            labels[node_id - start] = key
            next_key += 1
        grads = [shown.get(node.id, node.grad) for node in chunk] if shown else [node.grad for node in chunk]
        values = spell([node.data for node in chunk], False)
        grad_texts = spell(grads, True)
        if values is None or grad_texts is None:  # never in a graph the evaluator built; kept exact anyway
            parts = [_node_text(node, label, grad) for node, label, grad in zip(chunk, map(quote, labels), grads)]
        else:
            inputs = [
                (f"{a.id}, {b.id}" if (b := node.b) is not None else str(a.id))  # type: ignore[union-attr]
                if (a := node.a) is not None
                else ("" if (b := node.b) is None else _inputs(b))  # type: ignore[arg-type]
                for node in chunk
            ]
            ops = [op if op.__class__ is str else op.name for op in [node.op for node in chunk]]  # type: ignore[union-attr]
            # A graph's node ids are their positions in it.  One f-string a node over the columns: the
            # fastest way found to join them (str.format or a join of the interleaved columns took twice as long).
            parts = [
                f'{{"id": {node_id}, "label": {label}, "op": "{op}", "inputs": [{ids}], "value": {value}, "grad": {grad}}}'
                for node_id, label, op, ids, value, grad in zip(
                    range(start, stop), map(quote, labels), ops, inputs, values, grad_texts
                )
            ]
        write((", " if start else "") + ", ".join(parts))


#: Spells a column of numbers (`_repr_spelled`): a list of texts, or None for the exact path.
_Speller = Callable[[list[float | None], bool], "list[str] | None"]


def _column_speller(size: int) -> _Speller:
    """How a chunk's numbers are spelled: by orjson for a big graph when it is installed, else by repr.

    orjson (the `sweep` extra) is imported only for a graph of more than
    one chunk, so a small document, the common case, never pays its import.
    """
    if size > _CHUNK:
        from .columns import float_list_encoder

        encode = float_list_encoder()
        if encode is not None:
            return lambda numbers, nullable: _spelled(encode, numbers, nullable)
    return _repr_spelled


def _repr_spelled(numbers: list[float | None], nullable: bool) -> list[str] | None:
    """Each number by repr, None as null; None if one is not finite (JSON spells it otherwise)."""
    present = [x for x in numbers if x is not None] if nullable and None in numbers else numbers
    if None in present or not _FLOAT_OR_NONE.issuperset(map(type, present)):
        return None
    total = sum(present)  # type: ignore[arg-type]
    if total - total != 0.0:  # a number that is not finite, or finite ones summing past a double: the exact path
        return None
    return ["null" if x is None else repr(x) for x in numbers] if present is not numbers else list(map(repr, numbers))


_FLOAT_OR_NONE = frozenset({float, type(None)})


def _spelled(encode: Callable[[list[float | None]], str], numbers: list[float | None], nullable: bool) -> list[str] | None:
    """`_repr_spelled` by orjson's C encoder, whose digits are repr's but for |x| < 1e-4 and non-finite numbers."""
    if not _FLOAT_OR_NONE.issuperset(map(type, numbers)):  # an int, a bool: JSON spells it otherwise
        return None
    text = encode(numbers)
    # orjson writes null for None, nan and ±inf: any null that is not a None is a number to spell otherwise.
    if text.count("null") != (numbers.count(None) if nullable else 0):
        return None
    texts = text.split(",")
    if "0.0000" in text or "e-" in text:
        # orjson writes 0.00001 and 1e-7 for repr's 1e-05 and 1e-07, all below 1e-4; its other
        # numbers there (exponents of two digits or more, as 1.5e-30) are repr's digit for digit.
        for index in [index for index, x in enumerate(numbers) if x and -1e-4 < x < 1e-4]:  # type: ignore[operator]
            spelling = texts[index]
            if spelling[-2] == "-":  # the same digits, the exponent without repr's leading zero
                texts[index] = spelling[:-1] + "0" + spelling[-1]
            elif "0.0000" in spelling:
                texts[index] = repr(numbers[index])
    return texts


def _inputs(children: tuple[Value, ...]) -> str:
    return ", ".join([str(child.id) for child in children])


def _node_text(node: Value, label: str, grad: float | None) -> str:
    """One node, every number through json_number: the exact path for a chunk with a value that is not finite."""
    return (
        f'{{"id": {node.id}, "label": {label}, "op": "{node.op_name}", '
        f'"inputs": [{_inputs(node.children)}], "value": {json_number(node.data)}, "grad": {json_number(grad)}}}'
    )
