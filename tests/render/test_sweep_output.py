"""CSV and JSON Lines written from whole columns: every number reads back to the same double, and the bytes are
the previous per-row writer's; --format parquet read back by DuckDB."""

from __future__ import annotations

import csv
import io
import math
import struct

import pytest
from click.testing import CliRunner

np = pytest.importorskip("numpy")

from autodiff_cli.analyses.points import PointError, Sweep  # noqa: E402
from autodiff_cli.base.errors import EvaluationError  # noqa: E402
from autodiff_cli.interface.cli import cli  # noqa: E402
from autodiff_cli.render import columns  # noqa: E402
from autodiff_cli.render.csv import write_csv  # noqa: E402
from autodiff_cli.render.sweep import write_json_lines  # noqa: E402
from tests.support import json_number_text, reference_csv, reference_json_lines  # noqa: E402


# The writers as they were, one Python row at a time: the reference for the bytes.
def _random_doubles(rng: np.random.Generator, size: int) -> np.ndarray:
    """Every kind of double: random bit patterns (subnormals, huge, nan), and the usual magnitudes, -0.0, inf."""
    bits = rng.integers(0, 2**64, size=size, dtype=np.uint64).view(np.float64)
    usual = rng.standard_normal(size) * 10.0 ** rng.integers(-8, 20, size=size)
    out = np.where(rng.random(size) < 0.5, bits, usual)
    special = [0.0, -0.0, math.inf, -math.inf, math.nan, 5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
               1e-4, 9.999999999999999e-05, 1e16, 9999999999999998.0, 1e15, 0.1]
    picks = rng.integers(0, size, size=len(special) * 20)
    out[picks] = np.resize(np.array(special), len(picks))
    return out


def _bits(x: float) -> bytes:
    return struct.pack("<d", x)


@pytest.fixture(params=["fast", "repr"])
def encoder(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test runs with orjson's spelling (when installed) and with repr's alone: the bytes must not differ."""
    if request.param == "repr":
        monkeypatch.setattr(columns, "_encoder", None)
    elif columns._fast_encoder() is None:
        pytest.skip("orjson is not installed (pip install 'autodiff-cli[sweep]')")
    return str(request.param)


def test_every_double_is_spelled_as_repr_and_reads_back(encoder: str) -> None:
    rng = np.random.default_rng(23)
    for _ in range(5):
        array = _random_doubles(rng, 200_000)
        texts = columns.spelled(array)
        numbers = array.tolist()
        assert texts == list(map(repr, numbers))
        for text, x in zip(texts, numbers):
            back = float(text)
            assert _bits(back) == _bits(x) or (math.isnan(back) and math.isnan(x))


def test_json_spells_non_finite_numbers_as_strings(encoder: str) -> None:
    array = np.array([math.nan, math.inf, -math.inf, 1.5, -0.0, 1e-300])
    assert columns.spelled(array, json_number_text) == ['"nan"', '"inf"', '"-inf"', "1.5", "-0.0", "1e-300"]
    assert columns.spelled([math.nan, 2.0], json_number_text) == ['"nan"', "2.0"]  # a list (one point), not an ndarray


def _random_sweep(rng: np.random.Generator, size: int, axes: int, keys: int, failures: int) -> Sweep:
    from autodiff_cli.analyses.points import Axis

    names = ["x", "y", "k@2", 'q"uote', "a,b"][: max(axes, keys)]
    axis_list = [Axis(name, None, None) for name in names[:axes]]  # type: ignore[arg-type]
    errors = {}
    for index in rng.choice(size, size=min(failures, size), replace=False).tolist():
        message = str(rng.choice(["log of a non-positive number (-1)", 'a "quoted", comma', "división por cero"]))
        errors[index] = PointError(message, int(rng.integers(1, 9)), int(rng.integers(1, 99)), EvaluationError(message))
    return Sweep(
        output="f",
        keys=names[:keys],
        axes=axis_list,
        inputs={axis.key: _random_doubles(rng, size) for axis in axis_list},
        value=_random_doubles(rng, size),
        grads={key: _random_doubles(rng, size) for key in names[:keys]},
        errors=errors,
    )


@pytest.mark.parametrize(
    ("size", "axes", "keys", "failures"),
    [(1, 1, 1, 0), (7, 2, 3, 3), (columns.BLOCK + 5, 1, 2, 40), (columns.BLOCK * 2, 2, 2, 0), (5, 0, 0, 1), (3, 1, 0, 1)],
)
def test_bytes_are_the_previous_writers(encoder: str, size: int, axes: int, keys: int, failures: int) -> None:
    rng = np.random.default_rng(size + axes * 10 + keys)
    sweep = _random_sweep(rng, size, axes, keys, failures)
    out = io.StringIO()
    write_csv(sweep, out)
    assert out.getvalue() == reference_csv(sweep)
    for source in (None, "dir/f.ad"):
        out = io.StringIO()
        write_json_lines(sweep, out, source)
        assert out.getvalue() == reference_json_lines(sweep, source)


def test_the_command_writes_what_it_computed(encoder: str) -> None:
    # An independent oracle: x**3 - 3*x and its derivative, exact in doubles on this grid of multiples of 1/64.
    runner = CliRunner()
    program = "x = 0; y = x**3 - 3*x"
    result = runner.invoke(cli, ["eval", "-f", "csv", "--sweep", "x=-2:2:257", program])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.output)))
    assert rows[0] == ["x", "value", "d/dx", "error"]
    for index, row in enumerate(rows[1:]):
        x = -2 + index / 64
        assert row == [repr(x), repr(x * x * x - 3 * x), repr(3 * x * x - 3), ""]


# --format parquet

PROGRAM = "x = 1; y = 2; f = log(x) * y + x * x"


def _duckdb_rows(data: bytes, tmp_path: object) -> list[tuple[object, ...]]:
    duckdb = pytest.importorskip("duckdb", reason="the test extra's DuckDB reads Parquet back")
    path = tmp_path / "points.parquet"  # type: ignore[operator]
    path.write_bytes(data)
    return duckdb.sql(f"select * from read_parquet('{path}')").fetchall()  # type: ignore[no-any-return]


def test_parquet_reads_back_with_duckdb(tmp_path: object) -> None:
    pytest.importorskip("pyarrow", reason="pip install 'autodiff-cli[parquet]'")
    result = CliRunner().invoke(cli, ["eval", "-f", "parquet", "--sweep", "x=-1:1:9", "--sweep", "y=0:3:4", PROGRAM])
    assert result.exit_code == 1  # the points at x <= 0 fail, and are rows with an error
    rows = _duckdb_rows(result.stdout_bytes, tmp_path)
    assert len(rows) == 36
    for index, (x, y, value, dx, dy, error) in enumerate(rows):
        assert (x, y) == (-1 + (index // 4) * 0.25, float(index % 4))
        if x <= 0:
            assert math.isnan(value) and math.isnan(dx) and math.isnan(dy)
            assert error.startswith("1:19: log of a non-positive number")
        else:
            assert error is None
            assert value == pytest.approx(math.log(x) * y + x * x, rel=1e-15, abs=1e-15)
            assert dx == pytest.approx(y / x + 2 * x, rel=1e-15)
            assert dy == pytest.approx(math.log(x), rel=1e-15, abs=1e-15)


def test_parquet_of_one_point(tmp_path: object) -> None:
    pytest.importorskip("pyarrow", reason="pip install 'autodiff-cli[parquet]'")
    result = CliRunner().invoke(cli, ["eval", "-f", "parquet", "a = -2; b = 3; f = a*b + b"])
    assert result.exit_code == 0
    assert _duckdb_rows(result.stdout_bytes, tmp_path) == [(-2.0, 3.0, -3.0, 3.0, -1.0, None)]


def test_parquet_without_pyarrow_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "pyarrow" else real(name, *a))
    result = CliRunner().invoke(cli, ["eval", "-f", "parquet", "--sweep", "x=0:1:3", "x = 1; y = x * x"])
    assert result.exit_code == 2
    assert "pip install 'autodiff-cli[parquet]'" in result.stderr
    assert result.stdout_bytes == b""


def test_parquet_refuses_a_terminal_and_several_files(tmp_path: object) -> None:
    result = CliRunner().invoke(cli, ["eval", "-f", "parquet", "x = 1"], env={"FORCE_COLOR": "1"})
    assert result.exit_code == 2
    assert "redirect stdout to a file" in result.stderr
    program = tmp_path / "p.ad"  # type: ignore[operator]
    program.write_text("x = 1\n")
    result = CliRunner().invoke(cli, ["run", "-f", "parquet", str(program), str(program)])
    assert result.exit_code == 2
    assert "give one FILE" in result.stderr
    result = CliRunner().invoke(cli, ["eval", "-f", "parquet", "--check", "x = 1"])
    assert result.exit_code == 2
    assert "--format parquet holds values and gradients only" in result.stderr
