"""Jacobians (--of f,g,...) and forward mode (--mode forward): against finite differences and reverse mode."""

from __future__ import annotations

import itertools
import json
import math

import pytest
from hypothesis import assume, event, given, note, settings

from autodiff_cli import evaluate
from autodiff_cli.base.errors import ProgramError
from autodiff_cli.core import ops
from autodiff_cli.core.engine import INPUT, Value, backward, topological_order
from autodiff_cli.core.tangents import FORWARD, REVERSE, forward_gradient, jacobian
from tests.oracle import DEFINITIONS, close, finite_difference
from tests.support import PROFILE, Program, programs

SEED = "a = -2; b = 3; d = a*b; e = a+b; f = d*e"


def document(run, *args: str) -> dict:
    result = run("eval", "-f", "json", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


# ---------------------------------------------------------------- Jacobians

# (program, outputs, the mode with fewer passes)
JACOBIANS = [
    pytest.param(SEED, ["f", "e", "d"], FORWARD, id="3-outputs-2-inputs-forward"),
    pytest.param("x = 0.5; y = -1.5; z = 2; u = x * y * z; v = sin(x) + exp(y) / z", ["u", "v"], REVERSE, id="2x3-reverse"),
    pytest.param("x = 0.5; y = 2; u = x ** y; v = log(y) * tanh(x)", ["u", "v"], REVERSE, id="2x2-tie-reverse"),
    pytest.param(
        "x = 0.3; y = 1.2; p = sqrt(x + y); q = sigmoid(x - y); r = max(x, y) * min(x, y); s = abs(x - y) + relu(y)",
        ["p", "q", "r", "s"],
        FORWARD,
        id="4x2-kinked-forward",
    ),
]


@pytest.mark.parametrize(("program", "outputs", "mode"), JACOBIANS)
def test_jacobian_against_finite_differences(run, program: str, outputs: list[str], mode: str) -> None:
    doc = document(run, "--of", ",".join(outputs), program)
    assert doc["jacobian_mode"] == mode
    assert list(doc["jacobian"]) == outputs
    for output in outputs:
        # The output as the last statement: the oracle re-runs the program with one input moved.
        text = f"{program}; {output}"
        for name, value in doc["jacobian"][output].items():
            assert close(value, finite_difference(text, name), 1e-6), (output, name)


def test_jacobian_table_footer_names_the_mode(run) -> None:
    result = run("eval", "--of", "f,e,d", SEED)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    start = lines.index("Jacobian (row: output, column: input)")
    assert [line.split() for line in lines[start + 1 : start + 5]] == [
        ["a", "b"],
        ["f", "-3", "-8"],  # d(ab(a+b))/da = 2ab + b^2; /db = a^2 + 2ab
        ["e", "1", "1"],
        ["d", "3", "-2"],
    ]
    assert lines[start + 5] == "jacobian mode: forward (2 forward passes, one per input; 3 outputs, 2 inputs)"


def test_mode_forces_the_jacobian_mode(run) -> None:
    forced = document(run, "--of", "f,e,d", "--mode", "reverse", SEED)
    chosen = document(run, "--of", "f,e,d", SEED)
    assert forced["jacobian_mode"] == REVERSE and chosen["jacobian_mode"] == FORWARD
    assert forced["jacobian"] == chosen["jacobian"]


def test_jacobian_keys_inputs_uniquely_and_keeps_the_main_gradients(run) -> None:
    program = "x = 1\ny = x * 2\nx = 3\nz = x * y\nw = z + y"
    doc = document(run, "--of", "z,y", program)
    assert doc["jacobian"] == {"z": {"x@1": 6.0, "x": 2.0}, "y": {"x@1": 2.0, "x": 0.0}}
    # The main view is still the first output's, whatever passes the Jacobian made.
    assert doc["output"] == "z" and doc["variables"]["y"]["grad"] == 3.0


def test_jacobian_leaves_the_main_view_as_it_was(run) -> None:
    program = "x = 0.5; y = 2; u = x * y; v = sin(x) + y"
    alone, together = document(run, "--of", "u", program), document(run, "--of", "u,v", program)
    assert together["jacobian_mode"] == REVERSE
    assert together["variables"] == alone["variables"] and together["nodes"] == alone["nodes"]
    assert together["variables"]["v"]["grad"] == 0.0  # off the path of u, whatever v's own pass wrote


def test_one_name_is_unchanged(run) -> None:
    with_of, without = document(run, "--of", "f", SEED), document(run, SEED)
    assert "jacobian" not in with_of and with_of == without


@pytest.mark.parametrize(
    ("of", "message"),
    [
        pytest.param("f,", "a name is missing", id="trailing-comma"),
        pytest.param("f,,e", "a name is missing", id="empty-middle"),
        pytest.param("f,f", "'f' is named twice", id="repeat"),
        pytest.param("f,nope", "binds no name 'nope'", id="unknown"),
    ],
)
def test_bad_of_lists_are_usage_errors(run, of: str, message: str) -> None:
    result = run("eval", "--of", of, SEED)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: --of {of if 'nope' not in of else 'nope'}") and message in result.stderr


def test_jacobian_of_ten_outputs_both_ways() -> None:
    lines = ["x = 0.3", "y = -0.7"] + [f"o{i} = sin({i} * x) * exp(y / {i + 1}) + x * y ** 2" for i in range(10)]
    result = evaluate("\n".join(lines))
    outputs = [result.variables[f"o{i}"] for i in range(10)]
    by_reverse, by_forward = jacobian(outputs, mode=REVERSE), jacobian(outputs, mode=FORWARD)
    assert jacobian(outputs).mode == FORWARD and by_forward.passes == 2 and by_reverse.passes == 10
    for row_r, row_f in zip(by_reverse.rows, by_forward.rows):
        assert all(math.isclose(r, f, rel_tol=1e-12, abs_tol=1e-15) for r, f in zip(row_r, row_f))


# ---------------------------------------------------------------- forward mode through the command line


def test_forward_mode_gives_the_reverse_gradients(run) -> None:
    program = "x = 0.5; y = 2; u = tanh(x * y) / (1 + x ** y); v = u * max(x, y) - abs(x - 1)"
    forward, reverse = document(run, "--mode", "forward", program), document(run, program)
    assert forward["mode"] == "forward" and forward["forward"]["passes"] == 2
    for name in ("x", "y"):
        assert math.isclose(forward["variables"][name]["grad"], reverse["variables"][name]["grad"], rel_tol=1e-12)
        assert forward["forward"]["gradient"][name] == forward["variables"][name]["grad"]


def test_forward_explain_text(run) -> None:
    result = run("eval", "--mode", "forward", "--explain", SEED)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    start = lines.index("forward pass 1 of 2, along a  (v' = dv/da; a' = 1, other inputs' = 0)")
    assert [" ".join(line.split()) for line in lines[start + 1 : start + 5]] == [
        "d = a * b d' = b * a' + a * b' = 3 * 1 + -2 * 0 = 3",
        "e = a + b e' = 1 * a' + 1 * b' = 1 * 1 + 1 * 0 = 1",
        "f = d * e f' = e * d' + d * e' = 1 * 3 + -6 * 1 = -3",
        "=> df/da = -3",
    ]
    assert "=> df/db = -8" in result.stdout
    assert ".grad +=" not in result.stdout  # the backward explanation is not printed beside it


def test_forward_explain_json_steps(run) -> None:
    doc = document(run, "--mode", "forward", "--explain", SEED)
    explain = doc["explain"]
    assert explain["mode"] == "forward" and [p["input"] for p in explain["passes"]] == ["a", "b"]
    steps = explain["passes"][1]["steps"]
    assert [step["node"] for step in steps] == [2, 3, 4]
    assert [step["tangent"] for step in steps] == [-2.0, 1.0, -8.0]
    first = steps[0]["terms"]
    assert [(t["from"], t["local"], t["tangent"], t["contribution"]) for t in first] == [
        (0, 3.0, 0.0, 0.0),
        (1, -2.0, 1.0, -2.0),
    ]


# ---------------------------------------------------------------- forward == reverse on every operation and at random


def _scale(order: list[Value], seed: Value) -> float:
    """The sum over paths of |local derivative products|: how large the rounding of either mode can get."""
    size: dict[int, float] = {id(seed): 1.0}
    for node in order:
        if isinstance(node.op, str):
            continue
        local = node.op.derivatives(ops.FloatMath, *[c.data for c in node.children], node.data)
        size[id(node)] = sum(abs(d) * size.get(id(c), 0.0) for c, d in zip(node.children, local) if size.get(id(c), 0.0))
    return size.get(id(order[-1]), 0.0)


def _poles(order: list[Value]) -> bool:
    """Whether some local derivative on the graph is infinite or nan (where the modes may part)."""
    for node in order:
        if not isinstance(node.op, str):
            local = node.op.derivatives(ops.FloatMath, *[c.data for c in node.children], node.data)
            if not all(math.isfinite(d) for d in local):
                return True
    return False


def assert_modes_agree(output: Value, inputs: list[Value]) -> None:
    order = topological_order(output)
    backward(output, order)
    reverse = [x.grad for x in inputs]
    forward = forward_gradient(output, inputs, order)
    for x, r, f in zip(inputs, reverse, forward):
        assert r is not None
        if math.isnan(r) or math.isnan(f):
            assert math.isnan(r) and math.isnan(f), (r, f)
            continue
        rounding = 64 * len(order) * 2.0**-52 * _scale(order, x)
        assert r == f or abs(r - f) <= rounding, (r, f, rounding)


POINTS = [-1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0]


def _cases(op: ops.Operation):
    """Every tuple of points the operation is defined at, the same input reused for ties."""
    # sum(...) and prod(...) take any number of arguments: three of them; one argument is also
    # taken at the oracle's points, inside a narrow domain.
    points = POINTS + list(DEFINITIONS[op.name].points) if op.arity == 1 else POINTS
    for values in itertools.product(points, repeat=op.arity if op.arity > 0 else 3):
        try:
            op.forward(*values)
        except (ops.DomainError, OverflowError, ValueError):
            continue
        yield values


@pytest.mark.parametrize("name", sorted(ops.OPERATIONS))
def test_every_operation_same_in_both_modes(name: str) -> None:
    op = ops.OPERATIONS[name]
    compared = 0
    for values in _cases(op):
        for shared in (False, True):
            # Inputs of a graph, and a second layer so tangents and gradients both pass through sums.
            if shared:
                x = Value(values[0], INPUT, id=0)
                children: tuple[Value, ...] = (x,) * len(values)
                inputs = [x]
            else:
                inputs = [Value(v, INPUT, id=i) for i, v in enumerate(values)]
                children = tuple(inputs)
            try:
                data = op.forward(*[c.data for c in children])
            except (ops.DomainError, OverflowError, ValueError):
                continue
            if not math.isfinite(data):
                continue
            node = Value(data, op, children, id=len(inputs))
            top = Value(node.data * inputs[0].data, ops.OPERATIONS["mul"], (node, inputs[0]), id=len(inputs) + 1)
            if _poles(topological_order(top)):
                continue  # documented: each mode skips its own zeros
            assert_modes_agree(top, inputs)
            compared += 1
    assert compared >= 3, f"{name}: too few points in its domain"


@settings(PROFILE)
@given(program=programs())
def test_random_programs_same_in_both_modes(program: Program) -> None:
    note(program.text)
    try:
        result = evaluate(program.text)
    except ProgramError:
        assume(False)
        return
    inputs = result.dependent_inputs()
    if _poles(result.order):
        event("a pole of a local derivative: not compared")
        return
    assert_modes_agree(result.output, inputs)
    outputs = [node for node in result.graph.names.values() if node.op is not INPUT and not _poles(topological_order(node))]
    outputs = outputs or [result.output]
    by_reverse, by_forward = jacobian(outputs, mode=REVERSE), jacobian(outputs, mode=FORWARD)
    assert by_reverse.inputs == by_forward.inputs
    for row_r, row_f in zip(by_reverse.rows, by_forward.rows):
        for r, f in zip(row_r, row_f):
            assert r == f or math.isclose(r, f, rel_tol=1e-9, abs_tol=1e-12) or (math.isnan(r) and math.isnan(f))
    event(f"inputs: {min(len(inputs), 3)}")


@pytest.mark.parametrize(
    ("program", "reverse", "forward"),
    [
        pytest.param("x = -1; y = sqrt(relu(x))", "nan", 0.0, id="pole-above-a-zero"),
        pytest.param("x = 0; s = sqrt(x); y = s - s", 0.0, "nan", id="pole-below-a-cancelling-sum"),
    ],
)
def test_where_the_modes_part_as_documented(run, program: str, reverse, forward) -> None:
    assert document(run, program)["variables"]["x"]["grad"] == reverse
    assert document(run, "--mode", "forward", program)["variables"]["x"]["grad"] == forward


# ---------------------------------------------------------------- `run` and the REPL


def test_run_files_with_jacobian_and_taylor(run, tmp_path) -> None:
    first, second = tmp_path / "one.ad", tmp_path / "two.ad"
    first.write_text("x = 2\ny = 3\nu = x * y\nv = x + y\n")
    second.write_text("x = 1\ny = 5\nu = x - y\nv = x / y\n")
    result = run("run", "-f", "json", "--of", "u,v", "--taylor", "x:2", str(first), str(second))
    assert result.exit_code == 0, result.stderr
    one, two = (json.loads(line) for line in result.stdout.splitlines())
    assert one["jacobian"] == {"u": {"x": 3.0, "y": 2.0}, "v": {"x": 1.0, "y": 1.0}}
    assert two["jacobian"] == {"u": {"x": 1.0, "y": -1.0}, "v": {"x": 0.2, "y": -0.04}}
    assert one["taylor"]["derivatives"] == [6.0, 3.0, 0.0] and two["taylor"]["derivatives"] == [-4.0, 1.0, 0.0]


def drive(lines: list[str]) -> tuple[str, str]:
    import io

    from autodiff_cli.interface.repl import Session

    out, err = io.StringIO(), io.StringIO()
    Session(out, err).run_stream(line + "\n" for line in lines)
    return out.getvalue(), err.getvalue()


def test_repl_mode_and_taylor() -> None:
    out, err = drive(["a = -2", "b = 3", "f = a * b * (a + b)", ":mode forward", "f", ":explain", ":taylor a 3", ":mode"])
    assert "forward mode\n" in out and "∂/∂a = -3  ∂/∂b = -8" in out
    assert "forward pass 2 of 2, along b" in out and "=> df/db = -8" in out and ".grad +=" not in out
    lines = out.splitlines()
    start = lines.index("Taylor series of f in a at a = -2 (K = 3)")
    assert [line.split() for line in lines[start + 2 : start + 6]] == [
        ["0", "-6", "-6"],
        ["1", "-3", "-3"],
        ["2", "6", "3"],
        ["3", "0", "0"],
    ]
    assert lines[-1] == "forward mode" and not err


@pytest.mark.parametrize(
    ("line", "message"),
    [
        pytest.param(":mode sideways", "usage: :mode forward|reverse", id="mode"),
        pytest.param(":taylor a", "usage: :taylor NAME K", id="taylor-without-K"),
        pytest.param(":taylor f 3", "error: :taylor: 'f' is not an input", id="taylor-not-an-input"),
        pytest.param(":taylor a 0", "error: :taylor: K must be between 1 and 170", id="taylor-zero"),
    ],
)
def test_repl_mode_errors(line: str, message: str) -> None:
    out, err = drive(["a = 2", "f = a * a", line, "f + 1"])
    assert err.startswith(message) and "5\n" in out  # the session goes on


@pytest.mark.e2e
def test_repl_taylor_on_a_terminal(tmp_path) -> None:
    import os
    import sys
    import time

    pexpect = pytest.importorskip("pexpect")
    env = dict(os.environ, HOME=str(tmp_path), XDG_STATE_HOME=str(tmp_path / "state"), TERM="dumb", NO_COLOR="1")
    child = pexpect.spawn(sys.executable, ["-m", "autodiff_cli", "repl"], env=env, timeout=10, encoding="utf-8")
    for line, wanted in [
        ("x = 0.5", "x = 0.5"),
        ("y = 1 / (1 - x)", "y = 2"),
        (":taylor x 3", r"3\s+96\s+16"),  # d^3 = 3! 2^4, c_3 = 2^4
        (":mode forward", "forward mode"),
        ("y * 1", r"∂/∂x = 4"),
    ]:
        child.expect("autodiff>")
        time.sleep(0.2)
        child.sendline(line)
        child.expect(wanted)
    child.expect("autodiff>")
    time.sleep(0.2)
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
