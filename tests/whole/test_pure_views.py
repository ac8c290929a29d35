"""Views are pure (docs/architecture.md): after the backward pass no view writes a node, so order never matters.

Three checks, on the examples, programs chosen for where the modes differ
(poles, a rebound input, a user function, grad()) and seeded random programs:

- every field of every node is watched while a report with every view is
  built and written in every format: no write reaches a node of the result
  (a write put back afterwards counts too), and a snapshot taken after
  evaluation is unchanged;
- each view, computed on its own in shuffled orders against one result,
  gives byte for byte the JSON, table, page, LaTeX, tree and DOT (and its own
  text) that `build_report` and a fixed order give on a fresh evaluation;
- the engine's walks (`gradients`, `backward_steps`) write nothing and sum
  exactly what `backward` writes.
"""

from __future__ import annotations

import importlib.util
import io
import math
import random
import re
import struct

import pytest

from autodiff_cli.analyses.at import apply, overrides_for
from autodiff_cli.analyses.check import gradient_check
from autodiff_cli.analyses.explain import explain
from autodiff_cli.analyses.modes import forward_view, jacobian_view, taylor_view
from autodiff_cli.analyses.teaching.comparison import compare
from autodiff_cli.analyses.teaching.contributions import contributions
from autodiff_cli.analyses.teaching.mistakes import VARIANTS
from autodiff_cli.base.errors import ProgramError, Source
from autodiff_cli.base.options import Options
from autodiff_cli.core.derivative import hessian
from autodiff_cli.core.engine import CONSTANT, INPUT, Value, backward, backward_steps, gradients
from autodiff_cli.core.ops import OPERATIONS
from autodiff_cli.core.replay import ReplayError, forward_values
from autodiff_cli.core.tangents import jacobian
from autodiff_cli.language.evaluate import Graph, Result
from autodiff_cli.language.parse import parse
from autodiff_cli.render import writer
from autodiff_cli.render.emit import emit
from autodiff_cli.render.html import page_document, svg_document
from autodiff_cli.render.output import OutputContext
from autodiff_cli.render.steps import page_steps
from autodiff_cli.render.teaching import compare_lines
from autodiff_cli.report import Report, build_report
from tests.support import ROOT, operation_program

EXAMPLES = sorted(ROOT.glob("examples/*.ad"))
HAS_NUMPY = importlib.util.find_spec("numpy") is not None

SPECIAL = {
    "seed": "a = -2; b = 3; d = a*b; e = a+b; f = d*e",
    "twice": "x = 3; b = x + x; c = b * x",
    # forward mode gives 0 here and reverse mode nan (docs/modes.md), so a view reading the wrong one shows
    "pole-relu": "x = -1; y = sqrt(relu(x)); z = y + x",
    "pole-sqrt": "x = 0; s = sqrt(x); y = s - s",
    "last-bits": "x = 0.1; y = 0.7; a = x * y; b = sin(a) * x; c = a * b + x / (1 + y * y); d = c * c",
    "rebound": "a = 1; b = 2*a; a = 3; c = a*b",
    "function": "neuron(x, w, b) = tanh(x*w + b)\nx = 0.5; w = -1; b = 0.2; y = neuron(x, w, b) * neuron(w, x, b)",
    "grad": "x = 0.7; s = sin(x) * x; y = grad(s, x); z = y * x",
    "ties": "x = 1; y = 1; m = max(x, y) * min(x, y); n = m + 2 * 3",
}


def random_program(seed: int) -> str:
    """A small straight-line program: two or three inputs, reuse, kinks and a pole now and then."""
    rng = random.Random(seed)
    names: list[str] = []
    lines: list[str] = []
    for name in "xyz"[: rng.randint(2, 3)]:
        lines.append(f"{name} = {rng.choice([-1.5, -0.5, 0, 0.25, 1, 2])}")
        names.append(name)
    shapes = [
        "{a} + {b}",
        "{a} * {b}",
        "{a} - {b}",
        "tanh({a}) * {b}",
        "sin({a}) + {a} * {b}",
        "exp({a} * 0.1)",
        "sigmoid({a})",
        "relu({a}) + {b}",
        "abs({a}) * {b}",
        "max({a}, {b})",
        "min({a}, {b}) * {a}",
        "{a} * {a}",
        "sqrt(relu({a}))",
        "{a} / (1 + {b} * {b})",
    ]
    for index in range(rng.randint(3, 6)):
        a, b = rng.choice(names), rng.choice(names)
        lines.append(f"t{index} = " + rng.choice(shapes).format(a=a, b=b))
        names.append(f"t{index}")
    if rng.random() < 0.3:
        lines.insert(2, "x = 0.5")  # a rebound input: two inputs named x
    return "\n".join(lines)


PROGRAMS = {
    **{path.stem: path.read_text() for path in EXAMPLES},
    **SPECIAL,
    **{f"random{seed}": random_program(seed) for seed in range(10)},
}
MODES = (None, "forward")


def evaluated(program: str, at: dict[str, float] | None = None) -> Result:
    """The program run and differentiated as the runner does (with --at's values first, if any)."""
    graph = Graph(Source("<test>", program))
    graph.run(parse(program))
    if at:
        graph = apply(graph, overrides_for(graph, list(at.items())))
    return graph.differentiate(None)


def bits(x: float | None) -> bytes | None:
    return None if x is None else struct.pack("<d", x)


def snapshot(result: Result) -> list[object]:
    """Every field of every node (floats by their bits), the names and the order."""
    graph = result.graph
    nodes = [(node, bits(node.data), bits(node.grad), node.op, node.a, node.b, node.id, node.name) for node in graph.nodes]
    return [nodes, dict(graph.names), graph.last, list(result.order), result.output]


@pytest.fixture
def watch(monkeypatch):
    """`watch(result)`: from now on, record every write to a field of the result's nodes (the write still happens)."""
    watched: set[int] = set()
    writes: list[tuple[str, str]] = []
    for field in Value.__slots__:
        slot = Value.__dict__[field]

        def write(node: Value, value: object, slot=slot, field=field) -> None:
            if id(node) in watched:
                writes.append((field, repr(node)))
            slot.__set__(node, value)

        monkeypatch.setattr(Value, field, property(slot.__get__, write))

    def start(result: Result) -> list[tuple[str, str]]:
        watched.update(id(node) for node in result.graph.nodes)
        return writes

    return start


def names_of(result: Result) -> tuple[list[str], str | None, str | None]:
    """The program's names, the key of its first input, and of its second (None when there is none)."""
    report = Report(result, Options())
    keys = sorted(report.keys.items())
    first = keys[0][1] if keys else None
    second = keys[1][1] if len(keys) > 1 else None
    return list(result.graph.names), first, second


def all_views(result: Result, mode: str | None) -> Options:
    """Options asking for every one-point view at once (--taylor dropped where it has no series)."""
    names, first, _ = names_of(result)
    of = f"{names[-1]},{names[-2]}" if len(names) > 1 else None
    options = Options(
        explain=True,
        check=True,
        hessian=True,
        symbolic=True,
        why=tuple(names),
        compare=VARIANTS,
        of=of,
        mode=mode,
        taylor=f"{first}:3" if first else None,
    )
    if options.taylor is not None:
        try:
            taylor_view(Report(result, options), options.taylor)
        except ProgramError:  # sqrt at 0 along the input: an error of its own, tested elsewhere
            options = options._replace(taylor=None)
    return options


def normalized(page: str) -> str:
    """A page with its random element id made fixed (two pages of one report differ only there)."""
    prefix = re.search(r'<div class="adp" id="([^"]+)"', page)
    assert prefix is not None
    return page.replace(prefix.group(1), "adp")


def rendered(report: Report, format: str) -> str:
    if format == "html":
        return normalized(page_document(report, lambda: None))
    stdout = io.StringIO()
    writer(format)(report, OutputContext(stdout, io.StringIO(), plain=True))
    return stdout.getvalue()


FORMATS = ("json", "table", "html", "latex", "tree", "dot")


# ---------------------------------------------------------------- no view writes a node


@pytest.mark.parametrize("mode", MODES, ids=["reverse", "forward"])
@pytest.mark.parametrize("at", [False, True], ids=["eval", "at"])
@pytest.mark.parametrize("name", list(PROGRAMS))
def test_no_view_or_writer_writes_a_node(name: str, at: bool, mode: str | None, watch) -> None:
    program = PROGRAMS[name]
    moved = None
    if at:
        first = names_of(evaluated(program))[1]
        moved = {first: 0.75} if first else None
    result = evaluated(program, moved)
    before = snapshot(result)
    writes = watch(result)

    report = build_report(result, all_views(result, mode))
    texts = [rendered(report, format) for format in FORMATS]
    texts.append(svg_document(report, lambda: None))
    texts.append(emit(result, "python", report.keys))
    texts.append(emit(result, "c", report.keys))
    texts.append(repr(list(page_steps(result))))
    for variant in VARIANTS:
        texts.append("\n".join(compare_lines(compare(report, (variant,)))))
    texts.append(rendered(build_report(result, Options(format="csv", mode=mode)), "csv"))
    names, first, second = names_of(result)
    if HAS_NUMPY and first is not None:
        fixed = (f"{second}=0.5",) if second else ()
        swept = build_report(result, Options(sweep=(f"{first}=-1:1:5",), at=fixed))
        texts += [rendered(swept, "json"), rendered(swept, "table"), rendered(swept, "csv")]

    assert writes == [], f"a view wrote {writes[0]}"
    assert snapshot(result) == before
    assert all(texts)


def test_the_watch_sees_a_write_put_back(watch) -> None:
    """The check above can fail: a view that saves, writes and restores a gradient is caught."""
    result = evaluated(SPECIAL["seed"])
    writes = watch(result)
    node = result.variables["a"]
    kept = node.grad
    node.grad = 0.0
    node.grad = kept
    assert [field for field, _ in writes] == ["grad", "grad"]


# ---------------------------------------------------------------- any order, the same bytes


def compute(view: str, report: Report, extra: dict[str, str]) -> None:
    """Compute one view into `report` (or its text into `extra`), by the analysis that makes it."""
    result, options = report.result, report.options
    names, first, second = names_of(result)
    if view == "hessian":
        report.hessian = result.hessian()
    elif view == "symbolic":
        report.formulas = build_report(result, Options(symbolic=True)).formulas
    elif view == "jacobian":
        if options.of is not None:
            report.jacobian = jacobian_view(report, options.of.split(","), options.mode)
    elif view == "forward":
        if options.mode == "forward":
            report.forward = forward_view(report, options.explain)
    elif view == "taylor":
        if options.taylor is not None:
            report.taylor = taylor_view(report, options.taylor)
    elif view == "check":
        report.check = gradient_check(result, options.tolerance, report.grad)
    elif view == "explain":
        if options.mode != "forward":  # in forward mode the forward passes explain
            report.explain = explain(result)
    elif view == "why":
        report.why = [result.graph.names[name] for name in options.why]
        report.contributions = contributions(result)
    elif view == "compare":
        report.compare = compare(report, VARIANTS)
    elif view.startswith("compare:"):
        extra[view] = "\n".join(compare_lines(compare(report, (view.partition(":")[2],))))
    elif view == "steps":
        extra[view] = repr(
            [
                (step.node.id, step.arg, step.child.id, bits(step.local), bits(step.node_grad), bits(step.contribution))
                + (bits(step.before),)
                for step in page_steps(result)
            ]
        )
    elif view == "page":
        extra[view] = rendered(Report(result, Options(mode=options.mode)), "html")
    elif view == "latex":
        extra[view] = rendered(build_report(result, Options(symbolic=True, mode=options.mode, format="latex")), "latex")
    elif view == "at":
        node = next((node for node in result.graph.nodes if node.op is INPUT), None)
        if node is not None:
            try:
                extra[view] = repr(forward_values(result.graph.nodes, {node.id: node.data + 0.5}))
            except ReplayError as error:
                extra[view] = error.message
    elif view == "csv":
        extra[view] = rendered(build_report(result, Options(format="csv", mode=options.mode)), "csv")
    elif view == "emit":
        extra[view] = emit(result, "python", report.keys)
    elif view == "sweep":
        if HAS_NUMPY and first is not None:
            fixed = (f"{second}=0.5",) if second else ()
            swept = build_report(result, Options(sweep=(f"{first}=-1:1:5",), at=fixed))
            extra[view] = rendered(swept, "json") + rendered(swept, "csv")
    else:  # pragma: no cover
        raise AssertionError(view)


VIEWS = (
    *("hessian", "symbolic", "jacobian", "forward", "taylor", "check", "explain", "why", "compare"),
    *(f"compare:{variant}" for variant in VARIANTS),
    *("steps", "page", "latex", "at", "csv", "emit", "sweep"),
)


def outputs(result: Result, options: Options, order: tuple[str, ...]) -> dict[str, str]:
    """Every view computed in `order` against `result`, then the report written in every format."""
    report = Report(result, options)
    extra: dict[str, str] = {}
    for view in order:
        compute(view, report, extra)
    return {**extra, **{format: rendered(report, format) for format in FORMATS}}


@pytest.mark.parametrize("mode", MODES, ids=["reverse", "forward"])
@pytest.mark.parametrize("name", list(PROGRAMS))
def test_views_in_any_order_give_the_same_bytes(name: str, mode: str | None) -> None:
    program = PROGRAMS[name]
    fresh = evaluated(program)
    options = all_views(fresh, mode)
    expected = outputs(fresh, options, VIEWS)
    # build_report's own order gives the same report as the views one by one
    whole = build_report(evaluated(program), options)
    assert {format: rendered(whole, format) for format in FORMATS} == {format: expected[format] for format in FORMATS}

    # One result for every order, so a view that changed it would show in every later one.
    result = evaluated(program)
    before = snapshot(result)
    rng = random.Random(name)
    orders = [tuple(reversed(VIEWS))]
    for _ in range(3):
        order = list(VIEWS)
        rng.shuffle(order)
        orders.append(tuple(order))
    for order in orders:
        got = outputs(result, options, order)
        for key in expected:
            assert got[key] == expected[key], f"{key} differs after the views in the order {', '.join(order)}"
    assert snapshot(result) == before


def test_the_forward_view_shows_its_own_numbers_where_the_modes_differ() -> None:
    """At a pole the modes differ (docs/modes.md), so which one each view shows is visible."""
    result = evaluated(SPECIAL["pole-relu"])  # z = sqrt(relu(x)) + x at x = -1
    x = result.variables["x"]
    assert math.isnan(x.grad)  # the backward pass: 0 * inf through relu, plus 1
    report = build_report(result, Options(mode="forward", check=True, why=("x",)))
    assert report.grad(x) == 1.0 and report.forward.gradient == [1.0]  # relu's tangent is 0: only x's own 1
    assert math.isnan(x.grad)  # not written by forward mode
    assert [row.gradient for row in report.check] == [1.0]
    assert build_report(result, Options(mode="forward", format="csv")).sweep.grads["x"] == [1.0]
    table = rendered(report, "table")
    assert re.search(r"x \(input\) +input +-1 +1\n", table)
    assert '"x": {"value": -1.0, "grad": 1.0}' in rendered(report, "json")
    # --why explains the backward pass: its sum, nan, which its steps add up to
    assert "x.grad = nan" in table
    assert [node.op_name for node in report.non_finite()] == ["relu"]  # relu(x)'s is inf; x's shown one is finite


def test_the_repl_shows_each_mode_its_own_numbers_and_keeps_none() -> None:
    """`:mode forward` shows forward mode's gradient without writing it, so `:mode reverse` needs no repair."""
    from autodiff_cli.interface.repl import Session

    out, err = io.StringIO(), io.StringIO()
    session = Session(out, err)
    session.run_stream(line + "\n" for line in ["x = -1", "y = sqrt(relu(x))", "z = y + x", ":mode forward", "z", ":grad x"])
    assert out.getvalue().endswith("forward mode\n-1\n  ∂/∂x = 1\n∂z/∂x = 1\n")
    assert math.isnan(session.graph.names["x"].grad)  # the backward pass's, as it left it
    session.run_stream(line + "\n" for line in [":mode reverse", "z", ":grad x"])
    assert out.getvalue().endswith("reverse mode\n-1\n  ∂/∂x = nan\n∂z/∂x = nan\n") and not err.getvalue()


# ---------------------------------------------------------------- the engine's walks


def hand_built() -> tuple[Value, list[Value]]:
    """`f = (a*b + a) * tanh(b)` from Values, ids left at -1 (as a library user builds them)."""
    a, b = Value(-2.0), Value(3.0)
    mul, add, tanh = OPERATIONS["mul"], OPERATIONS["add"], OPERATIONS["tanh"]
    ab = Value(a.data * b.data, mul, (a, b))
    s = Value(ab.data + a.data, add, (ab, a))
    t = Value(math.tanh(b.data), tanh, (b,))
    f = Value(s.data * t.data, mul, (s, t))
    return f, [a, b]


def test_the_walks_write_nothing_and_sum_what_backward_writes(watch) -> None:
    f, inputs = hand_built()
    a, b = inputs
    graph_result = evaluated("a = -2; b = 3; f = (a*b + a) * tanh(b)")
    for root, size, nodes in ((f, None, None), (graph_result.output, len(graph_result.graph.nodes), graph_result.order)):
        order = list(nodes) if nodes is not None else None
        grads = gradients(root, order, size)
        steps = list(backward_steps(root, order, size))
        hessian_rows = hessian(root, [node for node in (order or [a, b]) if node.op is INPUT])
        written = backward(root, order, size)
        for node in written:
            if node.op is not CONSTANT:
                assert bits(grads[node]) == bits(node.grad)
                into = [step for step in steps if step.child is node]
                if into:
                    last = into[-1]
                    assert bits(last.before + last.contribution) == bits(node.grad)
        assert all(bits(step.contribution) == bits(step.local * step.grad) for step in steps)
        assert hessian_rows and all(len(row) == len(hessian_rows) for row in hessian_rows)
    # and none of them wrote: the grads stay what backward left
    left = snapshot(graph_result)
    writes = watch(graph_result)
    gradients(graph_result.output, graph_result.order, len(graph_result.graph.nodes))
    list(backward_steps(graph_result.output, graph_result.order, len(graph_result.graph.nodes)))
    graph_result.hessian()
    jacobian([graph_result.output, graph_result.variables["a"]], mode="reverse", size=len(graph_result.graph.nodes))
    assert writes == [] and snapshot(graph_result) == left


def test_a_jacobian_row_is_the_gradient_of_its_own_output() -> None:
    """Reverse rows from sums kept apart: u's row does not leak into the graph's grads, which are v's (the output)."""
    result = evaluated("x = 0.5; y = 2; u = x * y; v = sin(x) + y")
    graph = result.graph
    u, v = graph.names["u"], graph.names["v"]
    x, y = graph.names["x"], graph.names["y"]
    matrix = jacobian([u, v], [x, y], "reverse", len(graph.nodes))
    assert matrix.rows == [[2.0, 0.5], [math.cos(0.5), 1.0]]
    assert (x.grad, y.grad) == (math.cos(0.5), 1.0)


@pytest.mark.parametrize("name", list(OPERATIONS))
def test_forward_explain_reads_each_rule_as_the_backward_explain_does(name: str, run) -> None:
    """The rules in forward mode's line for y, argument by argument, are --explain's, substituted alike."""
    program = operation_program(name)[0]
    backward_text = run("eval", "--explain", program)
    forward_text = run("eval", "--explain", "--mode", "forward", program)
    assert backward_text.exit_code == 0 and forward_text.exit_code == 0, forward_text.output
    backward_rules = re.findall(r"^ +\S+\.grad \+= (.*) \* y\.grad = ", backward_text.stdout, re.M)
    line = next(line for line in forward_text.stdout.splitlines() if "y' = " in line and "pass" not in line)
    terms = line.split("y' = ", 1)[1].split(" = ", 1)[0]
    forward_rules = [rule for rule, _ in re.findall(r"(.*?) \* (\w+)'(?: \+ |$)", terms)]
    assert forward_rules == backward_rules and backward_rules


@pytest.mark.parametrize("name", ["sum", "prod", "clamp", "atan2"])
def test_forward_explain_in_json_has_a_term_per_argument(name: str, run) -> None:
    import json

    document = json.loads(run("eval", "-f", "json", "--explain", "--mode", "forward", operation_program(name)[0]).stdout)
    node = next(node for node in document["nodes"] if node["label"] == "y")
    for one in document["explain"]["passes"]:
        (step,) = [step for step in one["steps"] if step["node"] == node["id"]]
        assert [term["from"] for term in step["terms"]] == node["inputs"]
