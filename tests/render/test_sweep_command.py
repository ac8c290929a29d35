"""The fast whole sweep command: rows joined a block at a time, written as bytes to stdout's buffer; the
backward on arrays that checks for 0 * inf only when a gradient comes out non-finite; the forward that looks
for failed points only where a step's value is not passed on by +, -, * alone.

Oracles: the previous per-row writers (tests/render/test_sweep_output.py), Python's `math` point by point, and
`eval --at` (the scalar path) for every failed point's error.
"""

from __future__ import annotations

import csv
import io
import json
import math
import subprocess
import sys

import pytest
from click.testing import CliRunner

np = pytest.importorskip("numpy")

from autodiff_cli.analyses.points import Axis, PointError, Sweep  # noqa: E402
from autodiff_cli.base.errors import EvaluationError  # noqa: E402
from autodiff_cli.core.arraymath import ArrayMath  # noqa: E402
from autodiff_cli.core.ops import OPERATIONS, VARIADIC, FloatMath  # noqa: E402
from autodiff_cli.interface.cli import cli  # noqa: E402
from autodiff_cli.render import columns  # noqa: E402
from autodiff_cli.render.csv import write_csv  # noqa: E402
from autodiff_cli.render.output import SPELL_ERRORS  # noqa: E402
from autodiff_cli.render.sweep import write_json_lines  # noqa: E402
from tests.support import reference_csv, reference_json_lines  # noqa: E402

#: Numbers orjson spells otherwise than repr (or that sit at the edge of that), put among ordinary ones.
ODD = [0.0, -0.0, 1e-5, -3e-7, 9.999999999999999e-05, 1e-4, 5e-324, 2.2250738585072014e-308, math.nan, math.inf,
       -math.inf, 1e16, 1e22, 1.7976931348623157e308]


def _sweep(rng: np.random.Generator, size: int, axes: int, keys: int, odd_every: int, failed: list[int]) -> Sweep:
    """Mostly ordinary numbers (the fast path's case), an odd one about every `odd_every` cells, failures at `failed`."""
    names = ["x", "y", "k@2", 'q"uote', "a,b"][: max(axes, keys)]

    def column() -> np.ndarray:
        out = rng.standard_normal(size) * 10.0 ** rng.integers(-3, 6, size=size)
        picks = rng.integers(0, size, size=size // odd_every)
        out[picks] = rng.choice(ODD, size=len(picks))
        return out

    errors = {}
    for index in failed:
        message = ["log of a non-positive number (-1)", 'a "quoted", comma', "división por cero\tx"][index % 3]
        errors[index] = PointError(message, 1 + index % 7, 2 + index % 50, EvaluationError(message))
    axis_list = [Axis(name, None, None) for name in names[:axes]]  # type: ignore[arg-type]
    return Sweep(
        output="f",
        keys=names[:keys],
        axes=axis_list,
        inputs={axis.key: column() for axis in axis_list},
        value=column(),
        grads={key: column() for key in names[:keys]},
        errors=errors,
    )


@pytest.fixture
def fast_blocks(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each block went through joined_rows (True) or column by column (False)."""
    if columns._fast_encoder() is None:
        pytest.skip("orjson is not installed (pip install 'autodiff-cli[sweep]')")
    taken: list[bool] = []
    joined = columns.joined_rows

    def spy(*args: object) -> object:
        result = joined(*args)  # type: ignore[arg-type]
        taken.append(result is not None)
        return result

    import autodiff_cli.render.csv as csv_writer

    monkeypatch.setattr(columns, "joined_rows", spy)
    monkeypatch.setattr(csv_writer, "joined_rows", spy)
    return taken


@pytest.mark.parametrize(
    ("size", "axes", "keys", "odd_every", "failed"),
    [
        (1, 1, 1, 2, []),
        (1, 1, 1, 1000, [0]),
        (2, 1, 1, 1000, [1]),
        (40, 2, 3, 7, [0, 1, 2, 39]),
        (500, 0, 0, 20, [0, 499]),
        (500, 1, 0, 3, [250]),
        (1000, 3, 5, 50, [5, 6, 7, 998, 999]),
        (columns.BLOCK + 3, 1, 2, 500, [columns.BLOCK - 1, columns.BLOCK, columns.BLOCK + 2]),
    ],
)
def test_joined_rows_are_the_previous_writers_bytes(
    fast_blocks: list[bool], size: int, axes: int, keys: int, odd_every: int, failed: list[int]
) -> None:
    rng = np.random.default_rng(size * 7 + axes + keys)
    sweep = _sweep(rng, size, axes, keys, odd_every, failed)
    out = io.StringIO()
    write_csv(sweep, out)
    assert out.getvalue() == reference_csv(sweep)
    for source in (None, "dir/a,b.ad"):
        out = io.StringIO()
        write_json_lines(sweep, out, source)
        assert out.getvalue() == reference_json_lines(sweep, source)
    assert fast_blocks and all(fast_blocks[:2]), "the rows were not joined in C: this test would not test them"


def test_mostly_odd_numbers_go_column_by_column(fast_blocks: list[bool]) -> None:
    rng = np.random.default_rng(5)
    sweep = _sweep(rng, 300, 1, 1, 10, [])
    for column in (sweep.value, sweep.inputs["x"], sweep.grads["x"]):
        column[:] = rng.choice(ODD[2:9], size=300)
    out = io.StringIO()
    write_csv(sweep, out)
    assert out.getvalue() == reference_csv(sweep)
    assert fast_blocks == [False]


def test_bytes_to_a_buffer_in_its_encoding() -> None:
    """A stream with a buffer gets bytes: encoded as the stream encodes text (here ASCII, with the tool's spellings)."""
    rng = np.random.default_rng(9)
    sweep = _sweep(rng, 200, 1, 2, 30, [2, 150])
    for encoding, errors in (("utf-8", "strict"), ("ascii", SPELL_ERRORS)):
        expected = io.BytesIO()
        text = io.TextIOWrapper(expected, encoding=encoding, errors=errors, newline="\n")
        text.write(reference_csv(sweep))
        text.flush()
        got = io.BytesIO()
        stream = io.TextIOWrapper(got, encoding=encoding, errors=errors, newline="\n")
        write_csv(sweep, stream)
        stream.flush()
        assert got.getvalue() == expected.getvalue()
    assert "por cero" in reference_csv(sweep) and b"divisi" in got.getvalue()


# ---------------------------------------------------------------- the command, in a real process

PROGRAM = "x = 1; y = 2; f = log(x) * y + sqrt(x) * 1e-6"


def _oracle(x: float, y: float = 2.0) -> tuple[float, float, float] | None:
    if x <= 0:
        return None
    value = math.log(x) * y + math.sqrt(x) * 1e-6
    return value, y / x + 0.5 / math.sqrt(x) * 1e-6, math.log(x)


def _run(*args: str) -> bytes:
    done = subprocess.run(
        [sys.executable, "-m", "autodiff_cli", "eval", *args, PROGRAM], capture_output=True, timeout=120
    )
    assert done.returncode == 1, done.stderr  # some points fail
    assert b"Traceback" not in done.stderr
    return done.stdout


@pytest.mark.e2e
def test_the_command_writes_csv_and_json_lines_to_a_pipe() -> None:
    count = 70_001  # two blocks, a failed stretch, values and gradients of every size
    xs = np.linspace(-0.5, 3.0, count)
    rows = list(csv.reader(io.StringIO(_run("-f", "csv", f"--sweep=x=-0.5:3:{count}").decode())))
    lines = _run("-f", "json", f"--sweep=x=-0.5:3:{count}").decode().splitlines()
    assert rows[0] == ["x", "value", "d/dx", "d/dy", "error"] and len(rows) == count + 1 and len(lines) == count
    for index in range(0, count, 97):
        x = float(xs[index])
        row, line = rows[index + 1], json.loads(lines[index])
        assert float(row[0]) == x and line["point"] == {"x": x}
        expected = _oracle(x)
        if expected is None:
            assert row[1:4] == ["nan"] * 3 and row[4].startswith("1:19: log of a non-positive number")
            assert line["value"] == "nan" and line["error"]["column"] == 19
            continue
        value, dx, dy = (float(cell) for cell in row[1:4])
        # Python's math and NumPy's ufuncs may differ in the last bits (docs/sweeps.md's bound).
        assert value == pytest.approx(expected[0], rel=1e-13, abs=1e-15)
        assert dx == pytest.approx(expected[1], rel=1e-13) and dy == pytest.approx(expected[2], rel=1e-13, abs=1e-15)
        assert row[4] == "" and line["error"] is None
        assert (line["value"], line["grad"]["x"], line["grad"]["y"]) == (value, dx, dy)


# ---------------------------------------------------------------- the forward looks where failures show


@pytest.mark.parametrize(
    "program",
    [
        "x = 1; y = log(x) + 1",  # log read only by +: its failure shows in the sum
        "x = 1; y = (log(x) * 2 - 1) * 3",  # through a chain of *, -, *
        "x = 1; y = tanh(exp(x * 800) * 2)",  # exp read by *: the product overflows, tanh does not show it
        "x = 1; y = tanh(exp(x * 800))",  # exp read by tanh: tanh(inf) is 1
        "x = 1; z = log(x) * 0; y = relu(z) + x",  # relu(nan) is 0: the failure is not in the output
        "x = 1; d = log(x) - 1; y = x * 2",  # a step no one reads fails
    ],
)
def test_each_failed_point_is_the_error_eval_at_gives(program: str) -> None:
    runner = CliRunner()
    swept = runner.invoke(cli, ["eval", "-f", "json", "--sweep", "x=-1:2:7", program])
    assert swept.exit_code == 1, swept.output
    for line in swept.stdout.splitlines():
        point = json.loads(line)
        x = point["point"]["x"]
        one = runner.invoke(cli, ["eval", "-f", "json", "--at", f"x={x!r}", program])
        if point["error"] is None:
            assert one.exit_code == 0
            assert point["value"] == pytest.approx(json.loads(one.stdout)["value"], rel=1e-12, abs=1e-300)
            continue
        assert one.exit_code == 1
        assert one.stderr.startswith(f"error: {point['error']['message']}\n"), (x, one.stderr)
        assert f":{point['error']['line']}:{point['error']['column']}\n" in one.stderr


# ---------------------------------------------------------------- the backward's 0 * inf


def test_a_zero_grad_times_an_infinite_derivative_passes_nothing_back() -> None:
    """sqrt'(0) is inf, but z's grad is 0: the engine skips z, so d/dx is 1 at x = 0, not nan."""
    runner = CliRunner()
    program = "x = 1; z = sqrt(x); y = z * 0 + x"
    swept = runner.invoke(cli, ["eval", "-f", "csv", "--sweep", "x=0:1:5", program])
    assert swept.exit_code == 0, swept.output
    rows = list(csv.reader(io.StringIO(swept.stdout)))[1:]
    assert [row[2] for row in rows] == ["1.0"] * 5
    one = runner.invoke(cli, ["eval", "-f", "json", "--at", "x=0", program])
    assert json.loads(one.stdout)["variables"]["x"]["grad"] == 1.0
    # Where the gradient really is infinite, it stays so.
    swept = runner.invoke(cli, ["eval", "-f", "csv", "--sweep", "x=0:1:3", "x = 1; y = sqrt(x) * 2"])
    assert [row[2] for row in list(csv.reader(io.StringIO(swept.stdout)))[1:]] == ["inf", repr(1 / math.sqrt(0.5)), "1.0"]


# ---------------------------------------------------------------- the rows that keep nan and inf


@pytest.mark.parametrize("name", sorted(name for name, op in OPERATIONS.items() if op.keeps_nonfinite))
def test_keeps_nonfinite_is_true_of_the_row(name: str) -> None:
    """A row that says so gives nan or inf whenever an argument is nan or inf, on floats and on arrays."""
    op = OPERATIONS[name]
    count = 3 if op.arity == VARIADIC else op.arity
    finite = [0.0, -0.0, 1.0, -2.5, 1e308, -1e308, 5e-324]
    special = [math.nan, math.inf, -math.inf]
    with np.errstate(all="ignore"):
        for place in range(count):
            for bad in special:
                for other in finite + special:
                    arguments = [other] * count
                    arguments[place] = bad
                    assert not math.isfinite(op.formula(FloatMath, *arguments)), (name, arguments)  # type: ignore[misc]
                    on_arrays = op.formula(ArrayMath, *(np.array([a]) for a in arguments))  # type: ignore[misc]
                    assert not np.isfinite(on_arrays).any(), (name, arguments)
