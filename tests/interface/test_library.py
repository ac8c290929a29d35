"""The library (`autodiff_cli.compile`): answers against independent maths, the command line and finite differences.

A compiled program is called the way a script calls it; the command line it
must agree with runs as a real process; the modules it may not import are
checked in a fresh interpreter; mypy reads a user's script against the
installed package.
"""

from __future__ import annotations

import doctest
import json
import math
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import autodiff_cli as ad
from autodiff_cli.base.errors import EvaluationError, ParseError
from tests.support import ROOT

AUTODIFF = str(Path(sys.executable).parent / "autodiff")


def central(function, point: dict[str, float], name: str, step: float = 1e-6) -> float:
    """d function / d name at point, by a central difference (the oracle that shares nothing with the engine)."""
    h = step * max(1.0, abs(point[name]))
    up, down = dict(point, **{name: point[name] + h}), dict(point, **{name: point[name] - h})
    return (function(**up) - function(**down)) / (2 * h)


# program, a point, the same function written in Python
CASES = [
    ("seed", "a = -2; b = 3; d = a*b; e = a+b; f = d*e", {"a": 1.5, "b": -0.25}, lambda a, b: (a * b) * (a + b)),
    ("twice", "a = 3; b = a + a", {"a": -7.0}, lambda a: a + a),
    ("transcendental", "x = 0.5; y = -1.5; z = x*y + tanh(x)", {"x": 2.0, "y": 3.0}, lambda x, y: x * y + math.tanh(x)),
    (
        "functions of the user",
        "n(x, w) = tanh(x*w)\nx = 1; w = 2; n(x, w) * exp(-w) + log(x + 3)",
        {"x": 0.3, "w": -0.7},
        lambda x, w: math.tanh(x * w) * math.exp(-w) + math.log(x + 3),
    ),
    (
        "sum and powers",
        "u = 1; v = 2; sum(u**2, v**3, u*v) / sqrt(v)",
        {"u": -1.25, "v": 4.0},
        lambda u, v: (u**2 + v**3 + u * v) / math.sqrt(v),
    ),
]


@pytest.mark.parametrize(("program", "point", "oracle"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_a_call_gives_the_value_and_every_gradient(program: str, point: dict[str, float], oracle) -> None:
    f = ad.compile(program)
    result = f(**point)
    assert result.value == pytest.approx(oracle(**point), rel=1e-14)
    assert set(result.grads) == set(point)
    for name in point:
        assert result.grad[name] == pytest.approx(central(oracle, point, name), rel=1e-6, abs=1e-8), name
    value, grads = result
    assert value == result.value and grads is result.grads


@pytest.mark.e2e
@pytest.mark.parametrize(("program", "point"), [case[1:3] for case in CASES], ids=[case[0] for case in CASES])
def test_a_call_gives_the_bits_eval_at_gives(program: str, point: dict[str, float]) -> None:
    at = [arg for name, value in point.items() for arg in ("--at", f"{name}={value!r}")]
    done = subprocess.run([AUTODIFF, "eval", "-f", "json", *at, program], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    result = ad.compile(program)(**point)
    assert result.value == document["value"]
    for name in point:
        assert result.grad[name] == document["variables"][name]["grad"], name


def test_inputs_left_out_keep_the_programs_values() -> None:
    f = ad.compile("x = 2; y = 5; x * y")
    assert f() == (10.0, {"x": 5.0, "y": 2.0})
    assert f(y=1.0) == (2.0, {"x": 1.0, "y": 2.0})


def test_calls_in_any_order_give_the_same_answers_and_leave_the_graph_as_it_was() -> None:
    f = ad.compile("x = 0.5; y = 2; h = x*y + x*x; z = tanh(h) * y", of=["z", "h"])
    graph = f._graph
    before = [(node.data, node.grad) for node in graph.nodes]
    points = [{"x": 1.0}, {"y": -3.0}, {"x": -0.25, "y": 0.5}, {}]
    first = [f(**point) for point in points]
    jacobians = [f.jacobian(**point) for point in points]
    hessians = [f.hessian(**point) for point in points]
    again = [f(**point) for point in reversed(points)][::-1]
    assert first == again
    assert [f.jacobian(**point) for point in reversed(points)][::-1] == jacobians
    assert [f.hessian(**point) for point in reversed(points)][::-1] == hessians
    assert [(node.data, node.grad) for node in graph.nodes] == before
    # And each answer is what a fresh compile gives at that point.
    for point, answer in zip(points, first):
        assert ad.compile("x = 0.5; y = 2; h = x*y + x*x; z = tanh(h) * y", of="z")(**point) == answer


def test_an_input_rebound_later_is_reached_by_its_key() -> None:
    f = ad.compile("a = 2\nb = a * a\na = b + 1\na * b")
    assert f.inputs == ["a@1"]
    result = f(**{"a@1": 3.0})  # b = 9, a = 10, output 90; d/da@1 = d(b^2 + b)/da = (2b + 1) * 2a
    assert result.value == 90.0 and result.grad["a@1"] == 19.0 * 6.0


def test_a_program_file(tmp_path: Path) -> None:
    program = tmp_path / "neuron.ad"
    program.write_text((ROOT / "examples" / "neuron.ad").read_text(encoding="utf-8"), encoding="utf-8")
    f = ad.compile(program)
    assert f.inputs == ["x1", "x2", "w1", "w2", "b"]
    x1, x2, w1, w2, b = 2.0, 0.0, -3.0, 1.0, 6.8813735870195432
    assert f().value == pytest.approx(math.tanh(x1 * w1 + x2 * w2 + b), rel=1e-15)
    assert f().grad["w1"] == pytest.approx(x1 * (1 - math.tanh(x1 * w1 + x2 * w2 + b) ** 2), rel=1e-12)


def test_a_program_using_grad_is_evaluated_again_at_each_point() -> None:
    # grad() took its branches at the written values: the call must take them at the new ones.
    f = ad.compile("x = 2; y = relu(x)**3; d = grad(y, x); d")
    assert f(x=1.0) == (3.0, {"x": 6.0})
    assert f(x=-1.0) == (0.0, {"x": 0.0})
    assert f() == (12.0, {"x": 12.0})
    assert f.hessian(x=3.0).rows == [[6.0]]
    arrays = f(x=np.array([1.0, -1.0, 2.0]))
    assert arrays.value.tolist() == [3.0, 0.0, 12.0] and arrays.grad["x"].tolist() == [6.0, 0.0, 12.0]


# -- arrays


def test_arrays_give_every_point_at_once_within_the_documented_bound() -> None:
    f = ad.compile("x = 0.5; y = -1.5; z = x*y + tanh(x) * exp(-y*y)")
    xs = np.linspace(-2, 2, 7)
    ys = np.array([-1.0, 0.25, 3.0])
    result = f(x=xs[:, None], y=ys)
    assert result.value.shape == (7, 3) and result.grad["x"].shape == (7, 3)
    for i, x in enumerate(xs):
        for j, y in enumerate(ys):
            point = f(x=float(x), y=float(y))
            # docs/sweeps.md: a few ulp of each operation, times its gradient: far under 1e-13 here.
            assert result.value[i, j] == pytest.approx(point.value, rel=1e-13, abs=1e-15)
            for name in ("x", "y"):
                assert result.grad[name][i, j] == pytest.approx(point.grad[name], rel=1e-13, abs=1e-15)


def test_an_array_and_numbers_broadcast_and_inputs_left_out_are_filled() -> None:
    f = ad.compile("x = 1; y = 2; x * y")
    result = f(x=[1.0, 2.0, 3.0])
    assert result.value.tolist() == [2.0, 4.0, 6.0]
    assert result.grad["x"].tolist() == [2.0, 2.0, 2.0]  # an input left out still gets a column
    assert result.grad["y"].tolist() == [1.0, 2.0, 3.0]
    assert f(x=np.float32(2.0), y=np.int64(3)) == (6.0, {"x": 3.0, "y": 2.0})
    zero_d = f(x=np.array(4.0))
    assert zero_d.value.shape == () and float(zero_d.value) == 8.0


def test_a_jacobian_on_arrays_against_finite_differences() -> None:
    f = ad.compile("x = 1; y = 2; u = x*y + sin(x); v = exp(x - y) / y", of=["u", "v"])
    xs, ys = np.array([0.1, 0.7, -1.2]), np.array([1.5, 2.0, 0.8])
    jacobian = f.jacobian(x=xs, y=ys)
    assert jacobian.outputs == ["u", "v"] and jacobian.inputs == ["x", "y"]
    oracles = [lambda x, y: x * y + math.sin(x), lambda x, y: math.exp(x - y) / y]
    for k in range(3):
        point = {"x": float(xs[k]), "y": float(ys[k])}
        for i, oracle in enumerate(oracles):
            assert jacobian.values[i][k] == pytest.approx(oracle(**point), rel=1e-14)
            for j, name in enumerate(jacobian.inputs):
                assert jacobian.rows[i][j][k] == pytest.approx(central(oracle, point, name), rel=1e-6)
    scalar = f.jacobian(x=0.7, y=2.0)
    assert scalar.rows[0] == [2.0 + math.cos(0.7), 0.7]


def test_arrays_of_another_array_api_library_come_back_in_it() -> None:
    xp = pytest.importorskip("array_api_strict")
    f = ad.compile("x = 0.5; y = 2; x * y + tanh(x)")
    result = f(x=xp.asarray([0.0, 1.0, 2.0]), y=3.0)
    assert type(result.value).__module__.startswith("array_api_strict")
    expected = f(x=np.array([0.0, 1.0, 2.0]), y=3.0)
    assert np.asarray(result.value).tolist() == expected.value.tolist()
    assert np.asarray(result.grad["x"]).tolist() == expected.grad["x"].tolist()
    int_array = f(x=xp.asarray([1, 2], dtype=xp.int32))
    assert np.asarray(int_array.value).dtype == np.float64


# -- second and higher derivatives


def test_hessian_against_the_maths() -> None:
    f = ad.compile("x = 1; y = 2; z = 0; x*x*y + sin(x*y)")
    x, y = 0.3, -1.1
    hessian = f.hessian(x=x, y=y)
    assert hessian.inputs == ["x", "y"]  # z is not used: no row
    s = math.sin(x * y)
    expected = [[2 * y - y * y * s, 2 * x + math.cos(x * y) - x * y * s], [2 * x + math.cos(x * y) - x * y * s, -x * x * s]]
    for row, want in zip(hessian.rows, expected):
        assert row == pytest.approx(want, rel=1e-13)
    assert hessian.value == pytest.approx(x * x * y + s, rel=1e-15)


def test_taylor_against_the_series() -> None:
    f = ad.compile("x = 0; y = 3; exp(2*x) * y")
    taylor = f.taylor("x", 6, x=0.5)
    assert taylor.input == "x" and taylor.at == 0.5
    assert taylor.derivatives == pytest.approx([3 * 2**k * math.exp(1.0) for k in range(7)], rel=1e-14)
    assert taylor.coefficients[3] == pytest.approx(3 * 8 * math.exp(1.0) / 6, rel=1e-14)


# -- errors


def cli_stderr(*args: str) -> str:
    done = subprocess.run([AUTODIFF, *args], capture_output=True, text=True, timeout=60)
    assert done.returncode in (1, 2)
    return done.stderr.rstrip("\n")


@pytest.mark.e2e
def test_a_wrong_program_raises_the_command_lines_error() -> None:
    with pytest.raises(ParseError) as raised:
        ad.compile("x = 1; y = log(x")
    assert raised.value.render().replace("<program>", "<eval>") == cli_stderr("eval", "x = 1; y = log(x")


@pytest.mark.e2e
def test_a_point_outside_a_domain_raises_the_error_eval_at_gives() -> None:
    f = ad.compile("x = 1; k = 2; y = log(x) * k")
    with pytest.raises(EvaluationError) as raised:
        f(x=-1.0)
    assert str(raised.value) == "log of a non-positive number (-1)"
    expected = cli_stderr("eval", "--at", "x=-1", "x = 1; k = 2; y = log(x) * k")
    assert raised.value.render().replace("<program>", "<eval>") == expected
    assert f(x=2.0).value == pytest.approx(2 * math.log(2.0))  # a failed call leaves nothing behind


@pytest.mark.e2e
def test_division_by_zero_at_a_point_underlines_the_divisor_as_eval_does() -> None:
    f = ad.compile("a = 0.5; b = 2; c = a / (b - 2*a)")
    with pytest.raises(EvaluationError) as raised:
        f(a=1.0)  # b - 2a = 0
    assert raised.value.render().replace("<program>", "<eval>") == cli_stderr(
        "eval", "--at", "a=1", "a = 0.5; b = 2; c = a / (b - 2*a)"
    )


def test_the_first_failing_point_of_arrays_raises_and_says_where() -> None:
    f = ad.compile("x = 1; sqrt(x)")
    with pytest.raises(EvaluationError) as raised:
        f(x=np.array([[4.0, 1.0], [-1.0, -9.0]]))
    assert raised.value.message == "sqrt of a negative number (-1)" or "(-1)" in raised.value.message
    assert raised.value.hint == "at index (1, 0) (x=-1.0); 2 of 4 points fail"
    assert "^" in raised.value.render()


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("call", "message", "cli"),
    [
        (lambda f: f(q=1.0), "argument q: the program has no input 'q' (its inputs: x, y)", ["--at", "q=1"]),
        (lambda f: f(z=1.0), "argument z: 'z' is bound to an expression, not a number: it is not an input", ["--at", "z=1"]),
    ],
    ids=["unknown input", "not an input"],
)
def test_a_wrong_name_is_the_usage_error_of_at(call, message: str, cli: list[str]) -> None:
    f = ad.compile("x = 1; y = 2; z = x * y")
    with pytest.raises(ad.UsageError) as raised:
        call(f)
    assert str(raised.value) == message
    assert cli_stderr("eval", *cli, "x = 1; y = 2; z = x * y") == "error: " + message.replace("argument", "--at", 1)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda f: f(x=math.inf), "argument x: inf is not a finite number"),
        (lambda f: f(x=np.array([1.0, math.nan])), "argument x: nan at index 1 is not a finite number"),
        (lambda f: f(x=True), "argument x: True is not a number"),
        (lambda f: f(x="2"), "argument x: a str is not a number or an array"),
        (lambda f: f(x=np.zeros(2), y=np.zeros(3)), "the arrays do not broadcast together (x: (2,), y: (3,))"),
        (
            lambda f: f.hessian(x=np.zeros(2)),
            "hessian() takes numbers, not arrays: call it once a point (or use jacobian() on arrays)",
        ),
        (lambda f: f.taylor("x", 0), "taylor x:0: K must be a whole number between 1 and 170"),
        (lambda f: f.taylor("q", 2), "taylor q: the program has no input 'q' (its inputs: x, y)"),
    ],
    ids=["inf", "nan in an array", "bool", "string", "shapes", "hessian of arrays", "taylor order", "taylor name"],
)
def test_a_wrong_argument_is_a_usage_error(call, message: str) -> None:
    f = ad.compile("x = 1; y = 2; z = x * y")
    with pytest.raises(ad.UsageError) as raised:
        call(f)
    assert str(raised.value) == message


@pytest.mark.e2e
def test_compile_errors_for_of_and_files(tmp_path: Path) -> None:
    with pytest.raises(ad.UsageError, match=r"^of q: the program binds no name 'q'$"):
        ad.compile("x = 1; y = x", of="q")
    with pytest.raises(ad.UsageError) as raised:
        ad.compile(tmp_path / "nosuch.ad")
    assert "error: " + str(raised.value) == cli_stderr("run", str(tmp_path / "nosuch.ad"))
    with pytest.raises(TypeError):
        ad.compile(b"x = 1")  # type: ignore[arg-type]


# -- what it loads, its types, its page


def run_python(code: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=cwd)


@pytest.mark.e2e
def test_import_compile_and_calls_load_no_terminal_library() -> None:
    code = textwrap.dedent(
        """
        import sys
        import autodiff_cli as ad
        loaded_by_import = set(sys.modules)
        f = ad.compile("x = 2; y = 3; tanh(x*y)", of=None)
        f(x=1.0); f.jacobian(y=2.0); f.hessian(); f.taylor("x", 3)
        f(x=[1.0, 2.0])
        try:
            f(x=-1e308, y=1e308)
        except ad.ProgramError as error:
            error.render()
        bad = sorted(m for m in sys.modules if m.split(".")[0] in ("click", "rich", "prompt_toolkit", "lark"))
        print(bad, "autodiff_cli.interface.library" in loaded_by_import)
        """
    )
    done = run_python(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[]", "False"]


@pytest.mark.e2e
@pytest.mark.parametrize("argv", [["--version"], ["eval", "a = 3; b = a + a"]], ids=["--version", "eval"])
def test_the_command_lines_fast_paths_do_not_load_the_library(argv: list[str]) -> None:
    code = textwrap.dedent(
        f"""
        import atexit, sys
        atexit.register(lambda: print("LIBRARY" if "autodiff_cli.interface.library" in sys.modules else "none", file=sys.stderr))
        sys.argv = ["autodiff", *{argv!r}]
        from autodiff_cli.interface.launch import main
        main()
        """
    )
    done = run_python(code)
    assert done.returncode == 0 and done.stderr.strip().splitlines()[-1] == "none", done.stderr


USER_SCRIPT = """
import numpy as np
import autodiff_cli as ad

f: ad.Program = ad.compile("x = 1; y = 2; x * y", of=["x"])
point: ad.ValueAndGrad[float] = f(x=2.0)
value: float = point.value + point.grad["x"] + point.grads["y"]
many = f(x=np.linspace(0.0, 1.0, 5))
jacobian: ad.Jacobian[float] = f.jacobian(x=1.0)
rows: list[list[float]] = f.hessian(y=3.0).rows
derivatives: list[float] = f.taylor("x", 3).derivatives
try:
    f(x=-1.0)
except ad.ProgramError as error:
    text: str = error.render()
"""


@pytest.mark.e2e
def test_mypy_checks_a_users_script(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    good = tmp_path / "good.py"
    good.write_text(USER_SCRIPT, encoding="utf-8")
    bad = tmp_path / "bad.py"
    bad.write_text(USER_SCRIPT + "wrong: str = f(x=1.0).value\nf.taylor(1, 2)\n", encoding="utf-8")
    command = [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", os.devnull]
    done = subprocess.run([*command, str(good)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stdout
    done = subprocess.run([*command, str(bad)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 1
    assert 'Incompatible types in assignment (expression has type "float", variable has type "str")' in done.stdout
    assert 'Argument 1 to "taylor" of "Program" has incompatible type "int"; expected "str"' in done.stdout


@pytest.mark.e2e
def test_the_wheel_ships_the_type_marker(tmp_path: Path) -> None:
    """py.typed must reach an installed package, not only this checkout (pip builds the wheel as a user's pip would)."""
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        pytest.skip(f"pip could not build a wheel here: {done.stderr.strip().splitlines()[-1:]}")
    import zipfile

    (wheel,) = tmp_path.glob("*.whl")
    assert "autodiff_cli/py.typed" in zipfile.ZipFile(wheel).namelist()


def pycon_examples() -> str:
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    return "\n".join(re.findall(r"```pycon\n(.*?)```", text, re.S))


def test_the_pages_examples_print_what_they_show(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("array_api_strict")
    monkeypatch.chdir(ROOT)  # the page's examples name examples/... as a reader in the checkout would
    examples = pycon_examples()
    assert examples.count(">>> ") >= 25
    test = doctest.DocTestParser().get_doctest(examples, {}, "docs/api.md", "docs/api.md", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    output: list[str] = []
    runner.run(test, out=output.append)
    assert runner.failures == 0, "".join(output)


def test_grad_in_a_loop_written_out_compiles_in_time_linear_in_its_steps() -> None:
    """Each grad(f_k, x_k) walks what was made since x_k, not the whole history (GradBench's saddle and particle)."""
    import time

    def program(steps: int) -> str:
        lines = ["x0 = 1.5"]
        for k in range(steps):
            lines.append(f"f{k} = x{k}*x{k}*x{k} - 2*x{k}")
            lines.append(f"x{k + 1} = x{k} - 0.01 * grad(f{k}, x{k})")
        return "\n".join(lines)

    def seconds(steps: int) -> float:
        best = math.inf
        for _ in range(3):
            started = time.perf_counter()
            ad.compile(program(steps))
            best = min(best, time.perf_counter() - started)
        return best

    seconds(50)  # warm
    small, large = seconds(150), seconds(600)
    assert large / small < 9  # 4 when linear; 16 when every grad() walks the history
