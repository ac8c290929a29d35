"""The JSON writer's fast node loop writes the very "nodes" array the plain one did.

tests/json_reference.py is the writer before its per-node loop was reworked;
every program here must give the same bytes both ways, under every set of
views (which change labels, keys and gradients), and the whole document must
stay JSON. The speed itself is measured by benchmarks/run.py, never asserted.
"""

from __future__ import annotations

import io
import json
import random
import sys

import pytest

from autodiff_cli.base.errors import Source
from autodiff_cli.base.options import Options
from autodiff_cli.language.evaluate import Graph
from autodiff_cli.language.parse import parse
from autodiff_cli.render import json as json_writer
from autodiff_cli.report import build_report
from tests import json_reference
from tests.support import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import generate  # noqa: E402

PROGRAMS = {
    "seed": "a = -2; b = 3; d = a*b; e = a+b; f = d*e",
    "constants and pi": "x = 2; y = 3 * x + pi * 0.5 - 1e-3",
    "shadowed inputs": "a = 1; b = a * 2; a = 3; c = a * b",
    "two shadowed on one line": "a = 1; a = 2; a = 3; b = a",
    "infinite gradient": "a = 0; b = sqrt(a)",
    "nan gradient": "a = 0; b = sqrt(a) - sqrt(a)",
    "negative infinite gradient": "a = 0; b = -sqrt(a)",
    "whitespace in a label": "a = 1\nb = (a   *\n\t 2 +\r\n a)\nc = b",
    "comment with quotes in a label": 'a = 2\nb = (a # "grad": None} "value": nan,\n * a)',
    "long label": "x = 1; y = " + " + ".join(f"x * {i}" for i in range(40)),
    "grad() formulas": "x = 2; y = x ** 3; d = grad(y, x); e = d * x",
    "unused statements": "a = 1; b = 2; c = a * 3; d = b + 1; c",
    "unicode name in a comment": "a = 1 # é\nb = (a + # \u00a0 \u2003\n a)",
    "functions": "x = 0.3; y = tanh(x) + sigmoid(x) * relu(x) - abs(-x) + max(x, 1) + min(x, 2) + exp(log(x + 1))",
    "one node": "3",
    "user functions": "neuron(x, w, b) = tanh(x*w + b)\nx1 = 0.5; w1 = -1; b = 0.25\no = neuron(x1, w1, b) * neuron(x1, 2, b)",
}

VIEWS = {
    "plain": Options(format="json"),
    "every view": Options(format="json", explain=True, check=True, hessian=True, symbolic=True),
    "of a node": Options(format="json", of="a"),
}


def node_arrays(text: str, options: Options, source_field: str | None = None) -> tuple[str, str]:
    """The "nodes" array by the writer and by the reference, after the whole document was written."""
    graph = Graph(Source("<test>", text))
    graph.run(parse(text))
    result = graph.differentiate(options.of)
    report = build_report(result, options, source_field)
    document, reference = io.StringIO(), io.StringIO()
    json_writer.write_json(report, document.write)
    json_reference.write_json(report, reference.write)
    # The "variables" member too, name for name in order, each number as the reference spelled it.
    variables = json.loads(document.getvalue())["variables"]
    assert list(variables.items()) == list(json.loads(reference.getvalue())["variables"].items())
    ours, theirs = io.StringIO(), io.StringIO()
    json_writer._write_nodes(report, ours.write)
    json_reference._write_nodes(report, theirs.write)
    return ours.getvalue(), theirs.getvalue()


#: Every program under every view, but `--of a` only where the program binds `a`.
CASES = {
    f"{program}-{view}": (text, options)
    for program, text in PROGRAMS.items()
    for view, options in VIEWS.items()
    if options.of is None or text.startswith("a =")
}


@pytest.mark.parametrize(("text", "options"), CASES.values(), ids=CASES.keys())
def test_same_document_as_the_reference(text: str, options: Options) -> None:
    ours, theirs = node_arrays(text, options, source_field="prog.ad")
    assert ours == theirs


@pytest.mark.parametrize("shape", generate.SHAPES)
def test_same_document_on_a_big_graph(shape: str) -> None:
    """More nodes than one chunk of the writer, so chunk boundaries are covered."""
    ours, theirs = node_arrays(generate.program_text(shape, 3000), Options(format="json"))
    assert ours == theirs
    assert len(json.loads("[" + ours + "]")) > json_writer._CHUNK


def test_shadowed_inputs_across_chunks() -> None:
    """Inputs named by their keys (`a@LINE`) in several chunks of the writer."""
    lines = []
    for block in range(6):
        lines.append(f"a = {block + 1}")
        lines += [f"t{block}_{i} = a * {i} + {i}" for i in range(400)]
        lines.append(f"s{block} = t{block}_399" + (f" + s{block - 1}" if block else ""))
    ours, theirs = node_arrays("\n".join(lines), Options(format="json"))
    assert ours == theirs
    nodes = json.loads("[" + ours + "]")
    assert len(nodes) > 2 * json_writer._CHUNK
    assert sum(node["label"].startswith("a@") for node in nodes) == 5


def test_non_finite_values_take_the_exact_path() -> None:
    """A value that is not finite (never made by the evaluator, possible in a Graph built by hand)."""
    text = "a = 1; b = a * 2; c = b + a"
    graph = Graph(Source("<test>", text))
    graph.run(parse(text))
    result = graph.differentiate()
    rng = random.Random(1)
    for node in graph.nodes:
        node.data = rng.choice([float("nan"), float("inf"), -float("inf"), 1.5])
    graph.nodes[0].data = float("nan")
    report = build_report(result, Options(format="json"))
    ours, theirs = io.StringIO(), io.StringIO()
    json_writer._write_nodes(report, ours.write)
    json_reference._write_nodes(report, theirs.write)
    assert ours.getvalue() == theirs.getvalue()
    assert '"value": "nan"' in ours.getvalue()
