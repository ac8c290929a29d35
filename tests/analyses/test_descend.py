"""`--descend`: gradient descent on a built graph, checked against micrograd 0.1.0's own training loop."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from autodiff_cli.interface.repl import Session
from tests.support import MLP, micrograd_loss, micrograd_mlp

PARAMETERS = "w1,w2,w3,b,v,c"


def micrograd_descent(rate: float, steps: int) -> list[tuple[float, dict[str, float]]]:
    """micrograd's loop, by hand: forward, zero_grad, backward, p.data += -rate * p.grad.

    Each row is the loss and the parameters before that step's update, as --descend reports them.
    """
    pytest.importorskip("micrograd")
    model, keyed = micrograd_mlp()
    rows = []
    for step in range(steps + 1):
        loss = micrograd_loss(model)
        model.zero_grad()
        loss.backward()
        rows.append((loss.data, {key: value.data for key, value in keyed.items()}))
        if step < steps:
            for p in model.parameters():
                p.data += -rate * p.grad
    return rows


@pytest.mark.parametrize(("rate", "steps"), [(0.02, 10), (0.01, 40)])
def test_descent_agrees_with_micrograd(run, rate: float, steps: int) -> None:
    expected = micrograd_descent(rate, steps)
    result = run("run", "--descend", PARAMETERS, "--lr", str(rate), "--steps", str(steps), "--format", "json", str(MLP))
    assert result.exit_code == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["step"] for line in lines] == list(range(steps + 1))
    for line, (loss, parameters) in zip(lines, expected):
        assert line["output"] == "loss"
        assert line["value"] == pytest.approx(loss, rel=1e-12, abs=1e-12)
        assert set(line["parameters"]) == set(parameters)
        for key, value in parameters.items():
            assert line["parameters"][key] == pytest.approx(value, rel=1e-12, abs=1e-12), (line["step"], key)
    assert expected[-1][0] < expected[0][0] / 2  # the oracle's own loss falls: the example trains


def test_csv_and_table_hold_the_same_steps(run) -> None:
    expected = micrograd_descent(0.02, 5)
    done = run("run", "--descend", PARAMETERS, "--lr", "0.02", "--steps", "5", "--format", "csv", str(MLP))
    assert done.exit_code == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert len(rows) == 6
    for row, (loss, parameters) in zip(rows, expected):
        assert float(row["loss"]) == pytest.approx(loss, rel=1e-12)
        assert float(row["w1[1]"]) == pytest.approx(parameters["w1[1]"], rel=1e-12)
        assert "d/dc" in row
    table = run("run", "--descend", PARAMETERS, "--lr", "0.02", "--steps", "5", str(MLP))
    assert table.exit_code == 0
    lines = table.stdout.splitlines()
    assert lines[0].split()[:4] == ["step", "loss", "w1[0]", "w1[1]"]
    assert [line.split()[0] for line in lines[1:7]] == ["0", "1", "2", "3", "4", "5"]
    assert float(lines[6].split()[1]) == pytest.approx(expected[5][0], rel=1e-5)


def test_a_scalar_descends_to_the_minimum_of_a_parabola(run) -> None:
    done = run("eval", "--descend", "x", "--lr", "0.25", "--steps", "3", "-f", "json", "x = 3; y = (x - 1)^2")
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    # x -> x - 0.25 * 2 (x - 1): halfway to 1 each step
    assert [line["parameters"]["x"] for line in lines] == [3.0, 2.0, 1.5, 1.25]
    assert [line["value"] for line in lines] == [4.0, 1.0, 0.25, 0.0625]


def test_divergence_names_the_step(run) -> None:
    done = run("eval", "--descend", "x", "--lr", "1.5", "--steps", "60", "x = 3; y = x^4")
    assert done.exit_code == 1
    assert "Traceback" not in done.stderr
    first = done.stderr.splitlines()[0]
    assert first.startswith("error: the descent diverged at step ")
    assert "--lr" in done.stderr


def test_a_nan_loss_stops_the_descent(run) -> None:
    done = run("eval", "--descend", "x", "--lr", "10", "--steps", "5", "x = 0.5; y = sqrt(x) + x")
    assert done.exit_code == 1
    assert "diverged at step 1" in done.stderr.splitlines()[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--descend", "q"], "the program has no input 'q'"),
        (["--descend", "y"], "not a number: it is not an input"),
        (["--descend", "x", "--lr", "0"], "the learning rate is a positive number"),
        (["--descend", "x", "--lr", "nan"], "the learning rate is a positive number"),
        (["--descend", "x", "--steps", "-1"], "give a number of steps"),
        (["--descend", "x", "--sweep", "x=0:1:3"], "cannot be combined with --sweep"),
        (["--descend", "x", "--explain"], "--explain shows one point"),
        (["--descend", "x", "-f", "latex"], "not --format latex"),
        (["--descend", "x,,"], "NAME[,NAME...]"),
        (["--descend", "x,x"], None),
    ],
)
def test_usage_errors(run, args: list[str], message: str | None) -> None:
    done = run("eval", *args, "x = 3; y = x^2")
    if message is None:  # a name given twice is the same parameter
        assert done.exit_code == 0, done.stderr
        return
    assert done.exit_code == 2, done.stdout
    assert message in done.stderr and "Traceback" not in done.stderr


def test_a_vector_with_a_computed_element_is_refused(run) -> None:
    done = run("eval", "--descend", "w", "a = 2; w = [1, a * 2]; y = sum(w)")
    assert done.exit_code == 2
    assert "w[0] is not an input" in done.stderr  # a vector of inputs is one of literals only


def test_plot_draws_the_loss(run, tmp_path: Path) -> None:
    pytest.importorskip("plotext")
    done = run("eval", "--descend", "x", "--steps", "20", "--plot", "x = 3; y = x^2")
    assert done.exit_code == 0, done.stderr
    assert "y over 20 steps of gradient descent" in done.stdout
    pytest.importorskip("matplotlib")
    image = tmp_path / "loss.svg"
    done = run("eval", "--descend", "x", "--steps", "20", f"--plot={image}", "x = 3; y = x^2")
    assert done.exit_code == 0, done.stderr
    assert image.read_text(encoding="utf-8").lstrip().startswith(("<?xml", "<svg"))


def test_the_repl_descends_and_keeps_the_values() -> None:
    out, err = io.StringIO(), io.StringIO()
    lines = ["w = [1, 2]", "loss = sum(w * w)", ":descend w 0.25 2", "loss", ":descend nothing", ":descend w x"]
    Session(out, err).run_stream(line + "\n" for line in lines)
    text = out.getvalue()
    # w -> w - 0.25 * 2w = w / 2 each step
    assert "   2  0.3125  0.25   0.5" in text
    assert text.rstrip().splitlines()[-2] == "0.3125"
    assert "no input 'nothing'" in err.getvalue()
    assert "usage: :descend" in err.getvalue()
