"""The GradBench tool (benchmarks/gradbench/tool.py) as GradBench drives it: JSON Lines through a real process.

Each answer is checked against an independent computation (NumPy, finite
differences, the known saddle point), so CI guards the tool without
GradBench installed; benchmarks/gradbench/run.py runs GradBench's own evals
and validators against it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import numpy as np
import pytest

from tests.support import ROOT

pytestmark = pytest.mark.e2e  # every test here starts a real process (tests/README.md)

TOOL = ROOT / "benchmarks" / "gradbench" / "tool.py"
RUNS = {"min_runs": 1, "min_seconds": 0}


def exchange(*messages: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """Send the messages, one a line, to a fresh tool process; its responses by id."""
    lines = [json.dumps({"id": i} | message) for i, message in enumerate(messages)]
    done = subprocess.run([sys.executable, str(TOOL)], input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    responses = [json.loads(line) for line in done.stdout.splitlines()]
    assert [response["id"] for response in responses] == list(range(len(messages)))  # one answer a message, in order
    return {response["id"]: response for response in responses}


def evaluate(module: str, function: str, input: Any) -> dict[str, Any]:
    return {"kind": "evaluate", "module": module, "function": function, "input": input}


def test_hello_and_the_protocols_other_messages() -> None:
    answers = exchange(
        {"kind": "start", "eval": "hello"},
        {"kind": "define", "module": "hello"},
        evaluate("hello", "square", 1.5),
        evaluate("hello", "double", 2.25),
        {"kind": "analysis", "of": 3, "valid": True},
        {"kind": "define", "module": "gmm"},
        evaluate("hello", "cube", 2.0),
    )
    assert answers[0]["tool"] == "autodiff"
    assert answers[1] == {"id": 1, "success": True}
    assert answers[2]["success"] and answers[2]["output"] == 2.25
    assert answers[3]["output"] == 4.5  # d(x*x)/dx at 2.25
    assert [timing["name"] for timing in answers[3]["timings"]] == ["evaluate"]
    assert answers[4] == {"id": 4}
    assert answers[5]["success"] is False and "gmm" in answers[5]["error"]
    assert answers[6]["success"] is False and "cube" in answers[6]["error"]


def test_lse_and_det_against_numpy() -> None:
    rng = np.random.default_rng(7)
    x = rng.random(300)
    matrix = rng.random((6, 6))
    answers = exchange(
        {"kind": "start"},
        {"kind": "define", "module": "lse"},
        evaluate("lse", "primal", {"x": x.tolist(), **RUNS}),
        evaluate("lse", "gradient", {"x": x.tolist(), **RUNS}),
        evaluate("det", "primal", {"A": matrix.ravel().tolist(), "ell": 6, **RUNS}),
        evaluate("det", "gradient", {"A": matrix.ravel().tolist(), "ell": 6, **RUNS}),
    )
    assert answers[2]["output"] == pytest.approx(np.log(np.exp(x).sum()), rel=1e-14)
    np.testing.assert_allclose(answers[3]["output"], np.exp(x) / np.exp(x).sum(), rtol=1e-12)
    determinant = np.linalg.det(matrix)
    assert answers[4]["output"] == pytest.approx(determinant, rel=1e-10)
    # d det(A) / dA = det(A) * inverse(A) transposed (Jacobi's formula).
    np.testing.assert_allclose(np.reshape(answers[5]["output"], (6, 6)), determinant * np.linalg.inv(matrix).T, rtol=1e-9)


def llsq_numpy(x: np.ndarray, n: int) -> float:
    t = -1 + np.arange(n) * 2 / (n - 1)
    residual = np.sign(t) - np.polynomial.polynomial.polyval(t, x)
    return float((residual**2).sum() / 2)


def test_llsq_against_finite_differences() -> None:
    x = np.random.default_rng(3).random(8)
    answers = exchange(
        evaluate("llsq", "primal", {"x": x.tolist(), "n": 20, **RUNS}),
        evaluate("llsq", "gradient", {"x": x.tolist(), "n": 20, **RUNS}),
    )
    assert answers[0]["output"] == pytest.approx(llsq_numpy(x, 20), rel=1e-12)
    h = 1e-6
    differences = [(llsq_numpy(x + h * e, 20) - llsq_numpy(x - h * e, 20)) / (2 * h) for e in np.eye(8)]
    np.testing.assert_allclose(answers[1]["output"], differences, rtol=1e-6)


def reprojection(parameters: np.ndarray, feat: np.ndarray) -> np.ndarray:
    """ADBench's bundle-adjustment residuals of one observation, written with NumPy: [e0, e1, w_err]."""
    rot, center, f, x0, rad, point, w = (
        parameters[0:3],
        parameters[3:6],
        parameters[6],
        parameters[7:9],
        parameters[9:11],
        parameters[11:14],
        parameters[14],
    )
    p = point - center
    theta = np.sqrt(rot @ rot)
    axis = rot / theta
    rotated = p * np.cos(theta) + np.cross(axis, p) * np.sin(theta) + axis * (axis @ p) * (1 - np.cos(theta))
    projected = rotated[:2] / rotated[2]
    distorted = projected * (1 + rad[0] * (projected @ projected) + rad[1] * (projected @ projected) ** 2)
    return np.array([*(w * (distorted * f + x0 - feat)), 1 - w * w])


def test_ba_objective_and_jacobian_against_finite_differences() -> None:
    cam = [0.2, -0.1, 0.3, 0.5, -0.2, 0.1, 400.0, 2.0, -1.0, 1e-3, -2e-4]
    point, w, feat = [0.3, -0.4, 6.0], 0.8, [12.0, -3.0]
    input = {"n": 2, "m": 3, "p": 5, "cam": cam, "x": point, "w": w, "feat": feat, **RUNS}
    answers = exchange(evaluate("ba", "objective", input), evaluate("ba", "jacobian", input))
    parameters = np.array([*cam, *point, w])
    expected = reprojection(parameters, np.array(feat))
    objective = answers[0]["output"]
    assert objective["reproj_error"]["repeated"] == 5 and objective["w_err"]["repeated"] == 5
    np.testing.assert_allclose(objective["reproj_error"]["elements"], expected[:2], rtol=1e-12)
    assert objective["w_err"]["element"] == pytest.approx(expected[2], rel=1e-14)
    jacobian = answers[1]["output"]
    h = 1e-7 * np.maximum(1.0, np.abs(parameters))
    columns = [
        (reprojection(parameters + hj * e, np.array(feat)) - reprojection(parameters - hj * e, np.array(feat))) / (2 * hj)
        for hj, e in zip(h, np.eye(15))
    ]
    numeric = np.array(columns).T  # (3 residuals, 15 parameters)
    # Observation 0's two rows: its camera's 11 columns, its point's 3, its weight's 1 (the reference's layout).
    assert jacobian["rows"][:3] == [0, 15, 30] and jacobian["rows"][-1] == 2 * 5 * 15 + 5
    assert jacobian["cols"][:15] == [*range(11), 22, 23, 24, 22 + 9] and jacobian["cols"][-1] == 22 + 9 + 4
    np.testing.assert_allclose(jacobian["vals"][:15], numeric[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(jacobian["vals"][15:30], numeric[1], rtol=1e-5, atol=1e-6)
    assert jacobian["vals"][-1] == pytest.approx(-2 * w)  # d(1 - w^2)/dw, the last observation's


def test_saddle_finds_the_saddle_point_by_nested_derivatives() -> None:
    answers = exchange(evaluate("saddle", "rr", {"start": [1.0, 1.0], **RUNS}))
    assert answers[0]["success"], answers[0].get("error")
    output = answers[0]["output"]
    # The saddle of (x1^2 + y1^2) - (x2^2 + y2^2) is the origin; the descent stops within its 1e-5 step tolerances.
    assert len(output) == 4 and max(abs(v) for v in output) < 1e-4
    # GradBench's saddle eval expects 8.246324826140356e-06 in each place, within its 1e-4 tolerance.
    assert output == pytest.approx([8.246324826140356e-06] * 4, abs=1e-9)
