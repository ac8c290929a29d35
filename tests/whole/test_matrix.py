"""Every operation at ordinary points and at its documented kinks and edges, through every view, format and mode.

Each case (tests/support.py) is one program, `INPUTS; g = x * x + ...; out = OP(...)`,
run through the real command (Click's CliRunner, in process) in every format with
every view: `--explain` in reverse and forward mode, `--check`, `--hessian`,
`--symbolic`, `--why`, `--compare` (each kind), `--at`, `--sweep`, `--taylor`,
`--of out,g`, `--emit python` and `--emit c`.  Every run must end in a documented way
(exit 0, 1 or 2, no traceback, an `error:` line when it fails; exit 1 only where
the operation's documented domain says the program is wrong), and the numbers of
every mode must agree:

- the reverse gradient = forward mode = the emitted Python's (one subprocess for all
  cases) = the emitted C's (one compiler run for all cases), within 1e-12 relative;
- `--check`'s gradient column is the reverse gradient, and it never FAILs (it passes
  at ordinary points, and says "kink" or "cannot check" at a documented kink or pole);
- Taylor's first derivative = the gradient, its second = the Hessian's diagonal;
- the Jacobian of `--of out,g` (both modes): the row of `out` is the gradient, the
  row of `g` is (2x, 1, 1, ...) (known independently);
- `--symbolic`'s formula, evaluated as a program at the same inputs, gives the gradient;
- `--why`'s contributions add up to the gradient;
- `--at` and every point of `--sweep` give what `eval` of the edited program gives.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from autodiff_cli.interface.cli import cli
from tests.support import DOMAIN, KINK, ORDINARY, Case, agree, matrix_cases, number, undocumented

CASES = matrix_cases()
#: The cases whose program is right: each one's emitted code is run.
RIGHT = [case for case in CASES if case.kind != DOMAIN]
FORMATS = ("table", "json", "csv", "latex", "html", "tree", "dot")
SWEEP_FORMATS = ("table", "json", "csv")  # the others are documented usage errors with --sweep
COMPARE_KINDS = ("overwrite", "no-sort", "no-reset")
CC = shutil.which("cc") or shutil.which("gcc")

_runner = CliRunner(env={"COLUMNS": "100", "NO_COLOR": "1"})


def invoke(*args: str) -> Result:
    return _runner.invoke(cli, ["eval", *args])


def documented(result: Result, args: tuple[str, ...], expected: int | None) -> None:
    """The run ended in a documented way, with the expected exit code when one is given."""
    problem = undocumented(result.exit_code, result.stdout, result.stderr, result.exception)
    assert problem is None, f"autodiff eval {' '.join(args)!r}: {problem}\n{result.stderr}"
    if expected is not None:
        assert result.exit_code == expected, f"autodiff eval {args!r}: exit {result.exit_code}\n{result.stderr}"


def run_json(*args: str, expected: int | None = 0) -> dict[str, Any]:
    result = invoke("-f", "json", *args)
    documented(result, ("-f", "json", *args), expected)
    return json.loads(result.stdout) if result.exit_code == 0 else {}


def gradients(document: dict[str, Any], names: list[str]) -> dict[str, float]:
    return {name: number(document["variables"][name]["grad"]) for name in names}


def assert_agree(what: str, got: dict[str, float], want: dict[str, float], rel: float = 1e-12) -> None:
    assert got.keys() == want.keys(), f"{what}: keys {list(got)} against {list(want)}"
    bad = {name: (got[name], want[name]) for name in want if not agree(got[name], want[name], rel)}
    assert not bad, f"{what} disagrees with the reverse gradient: {bad}"


# ---------------------------------------------------------------- emitted code, all cases at once

_PYTHON_DRIVER = r"""
import importlib.util, json, sys

out = {}
for job in json.load(open(sys.argv[1])):
    spec = importlib.util.spec_from_file_location(job["module"], job["path"])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    _, grad = getattr(module, job["function"])(**job["arguments"])
    out[job["case"]] = {name: repr(float(value)) for name, value in grad.items()}
json.dump(out, sys.stdout)
"""


def _emit_python(tmp: Path, cases: list[Case]) -> dict[str, dict[str, float]]:
    """Every case's `--emit python` module, called at its inputs in one separate process."""
    jobs = []
    for index, case in enumerate(cases):
        result = invoke("--emit", "python", case.program())
        documented(result, ("--emit", "python", case.program()), 0)
        path = tmp / f"case_{index}.py"
        path.write_text(result.stdout, encoding="utf-8")
        jobs.append({"case": case.id, "module": f"case_{index}", "path": str(path), "function": "grad_out",
                     "arguments": {f"v_{name}": value for name, value in case.inputs}})
    (tmp / "jobs.json").write_text(json.dumps(jobs))
    (tmp / "driver.py").write_text(_PYTHON_DRIVER)
    done = subprocess.run([sys.executable, "-I", str(tmp / "driver.py"), str(tmp / "jobs.json")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return {case: {name: float(value) for name, value in grad.items()} for case, grad in json.loads(done.stdout).items()}


def _emit_c(tmp: Path, cases: list[Case]) -> dict[str, dict[str, float]]:
    """Every case's `--emit c` function, compiled in one run of the compiler and called at its inputs."""
    assert CC is not None
    sources, main = [], ["#include <stdio.h>", ""]
    body = []
    for index, case in enumerate(cases):
        result = invoke("--emit", "c", case.program())
        documented(result, ("--emit", "c", case.program()), 0)
        path = tmp / f"case_{index}.c"
        # Each function is named `grad_out`: a macro gives each translation unit's its own name.
        path.write_text(f"#define grad_out case_{index}\n{result.stdout}", encoding="utf-8")
        sources.append(str(path))
        count = len(case.inputs)
        main.append(f"double case_{index}({', '.join(['double'] * count + ['double *'])});")
        arguments = ", ".join([*(repr(float(value)) for _, value in case.inputs), "grad"])
        body += [f"    case_{index}({arguments});", f'    printf("{index}");',
                 *[f'    printf(" %.17g", grad[{i}]);' for i in range(count)], '    printf("\\n");']
    main += ["int main(void)", "{", "    double grad[8];", *body, "    return 0;", "}"]
    (tmp / "main.c").write_text("\n".join(main) + "\n")
    binary = tmp / "matrix"
    compiled = subprocess.run([CC, "-std=c99", "-Wall", "-Werror", "-o", str(binary), *sources, str(tmp / "main.c"), "-lm"],
                              capture_output=True, text=True, timeout=300)
    assert compiled.returncode == 0, compiled.stderr
    done = subprocess.run([str(binary)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    answers = {}
    for line in done.stdout.splitlines():
        index, *values = line.split()
        case = cases[int(index)]
        answers[case.id] = {name: float(value) for name, value in zip(case.names, values, strict=True)}
    return answers


@pytest.fixture(scope="module")
def emitted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, dict[str, float]]]:
    """{"python": {case id: gradient}, "c": ...} for every case whose program is right."""
    answers = {"python": _emit_python(tmp_path_factory.mktemp("python"), RIGHT)}
    if CC is not None:
        answers["c"] = _emit_c(tmp_path_factory.mktemp("c"), RIGHT)
    return answers


# ---------------------------------------------------------------- the matrix


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_every_view_of_every_operation(case: Case) -> None:
    program = case.program()
    names = case.names
    x = names[0]
    wrong = case.kind == DOMAIN
    expected = 1 if wrong else 0
    every_view = ("--all", "--explain", "--check", "--hessian", "--symbolic", "--why", x, "--compare")
    # --at moves the program off a failing literal: it is wrong only where the moved point is.
    moved_wrong = not run_json(case.program(case.other), expected=None)

    # Every format, alone and with every view, in both modes, at another point, with two outputs.
    for fmt in FORMATS:
        for extra in (
            (),
            every_view,
            ("--mode", "forward", "--explain"),
            ("--of", "out,g"),
            ("--of", "out,g", "--mode", "forward"),
            ("--at", f"{x}={case.other!r}"),
            ("--taylor", f"{x}:3"),
        ):
            args = ("-f", fmt, *extra, program)
            wrong_here = moved_wrong if "--at" in extra else wrong
            want = 1 if (wrong_here or (case.taylor_error and "--taylor" in extra)) else 0
            if fmt == "csv" and {"--explain", "--taylor", "--of"} & set(extra):
                want = 2  # documented: csv holds one output's values and gradients only
            documented(invoke(*args), args, want)
        if fmt in SWEEP_FORMATS:
            args = ("-f", fmt, "--sweep", f"{x}={case.inputs[0][1]!r}:{case.other!r}:3", program)
            documented(invoke(*args), args, expected)
    for kind in COMPARE_KINDS:
        for fmt in ("table", "json", "latex"):
            args = ("-f", fmt, "--compare", kind, program)
            documented(invoke(*args), args, expected)
    for language in ("python", "c"):
        args = ("--emit", language, program)
        documented(invoke(*args), args, expected)
    if wrong:
        return

    # The numbers: every mode against the reverse gradient.
    reverse = run_json(program)
    grad = gradients(reverse, names)
    forward = run_json("--mode", "forward", program)
    assert forward["mode"] == "forward"
    assert_agree("forward mode", {k: number(v) for k, v in forward["forward"]["gradient"].items()}, grad)

    views = run_json(*every_view, program)
    check = {row["input"]: row for row in views["check"]}
    assert_agree("--check's gradient column", {k: number(row["gradient"]) for k, row in check.items()}, grad, rel=0)
    statuses = {k: row["status"] for k, row in check.items()}
    assert "FAIL" not in statuses.values(), f"--check fails a correct gradient: {check}"
    if case.kind == ORDINARY:
        assert set(statuses.values()) == {"ok"}, f"--check at an ordinary point: {check}"
    if case.kind == KINK:  # the row documents this kink: the difference sees it, or agrees anyway
        assert statuses[x] in ("ok", "kink"), f"--check at a documented kink: {check}"
    assert set(views["compare"]) == set(COMPARE_KINDS)
    for name in names:
        amounts = [number(use["amount"]) for use in views["contributions"][str(_id(reverse, name))]]
        total = sum(amounts) if amounts else 0.0
        assert agree(total, grad[name]) or (not amounts and grad[name] == 0), f"--why {name}: {amounts} against {grad[name]}"

    # --symbolic: each formula, evaluated as a program at the same inputs.
    for name, formula in views["formulas"].items():
        text = "; ".join(f"{n} = {v!r}" for n, v in case.inputs) + f"; {formula}"
        evaluated = invoke("-f", "json", text)
        documented(evaluated, ("-f", "json", text), None)
        if evaluated.exit_code == 0:
            value = number(json.loads(evaluated.stdout)["value"])
            assert agree(value, grad[name], 1e-12), f"--symbolic d/d{name} = {formula} = {value}, not {grad[name]}"
        else:  # a formula outside its domain (0.5/sqrt(x) at 0) stands for a non-finite gradient
            assert not math.isfinite(grad[name]), f"--symbolic d/d{name} = {formula} fails where the gradient is {grad[name]}"

    # Taylor: the first derivative is the gradient, the second the Hessian's diagonal.
    if not case.taylor_error:
        taylor = run_json("--taylor", f"{x}:3", program)["taylor"]
        derivatives = [number(d) for d in taylor["derivatives"]]
        assert agree(derivatives[1], grad[x]), f"Taylor's first derivative {derivatives[1]} against {grad[x]}"
        second = number(views["hessian"][x][x])
        assert agree(derivatives[2], second, 1e-9), f"Taylor's second derivative {derivatives[2]} against the Hessian's {second}"

    # The Jacobian of two outputs, in both modes.
    for mode in ((), ("--mode", "forward")):
        jacobian = run_json("--of", "out,g", *mode, program)["jacobian"]
        assert_agree(f"the Jacobian's row of out {mode}", {k: number(v) for k, v in jacobian["out"].items()}, grad)
        known = {name: (2 * case.inputs[0][1] if name == x else 1.0) for name in names}
        assert_agree(f"the Jacobian's row of g {mode}", {k: number(v) for k, v in jacobian["g"].items()}, known, rel=0)

    # --at and --sweep against eval of the edited program.
    edited = run_json(case.program(case.other))
    moved = run_json("--at", f"{x}={case.other!r}", program)
    assert moved["value"] == edited["value"] and gradients(moved, names) == gradients(edited, names)
    sweep = invoke("-f", "json", "--sweep", f"{x}={case.inputs[0][1]!r}:{case.other!r}:3", program)
    for line in sweep.stdout.splitlines():
        point = json.loads(line)
        at = number(point["point"][x])
        alone = run_json(case.program(at), expected=None)
        if point["error"] is not None or not alone:
            assert point["error"] is not None and not alone, f"--sweep at {x}={at}: {point} against eval"
            continue
        # A sweep runs NumPy's ufuncs, which agree with the scalar path within a few ulp of each node's value
        # (docs/sweeps.md); a derivative that cancels (tanh' = 1 - tanh**2 far out) turns that into a
        # large relative difference of a tiny number, so the bound is absolute, on the program's scale.
        scale = max((abs(number(node["value"])) for node in alone["nodes"] if math.isfinite(number(node["value"]))), default=1.0)
        slack = 64 * sys.float_info.epsilon * max(scale, 1.0)
        swept = {k: number(v) for k, v in point["grad"].items()}
        scalar = gradients(alone, names)
        value, scalar_value = number(point["value"]), number(alone["value"])
        assert agree(value, scalar_value) or abs(value - scalar_value) <= slack
        for name in names:
            assert agree(swept[name], scalar[name]) or abs(swept[name] - scalar[name]) <= slack, (
                f"--sweep at {x}={at}: d/d{name} {swept[name]!r} against {scalar[name]!r}"
            )


@pytest.mark.e2e
@pytest.mark.parametrize("case", RIGHT, ids=[case.id for case in RIGHT])
def test_the_emitted_code_of_every_operation_gives_the_gradient(
    case: Case, emitted: dict[str, dict[str, dict[str, float]]]
) -> None:
    """The emitted Python (one fresh interpreter for every case) and C (one compiler run) give the reverse gradient."""
    grad = gradients(run_json(case.program()), case.names)
    assert_agree("emitted Python", emitted["python"][case.id], grad)
    if "c" in emitted:
        assert_agree("emitted C", emitted["c"][case.id], grad)


def _id(document: dict[str, Any], name: str) -> int:
    """The id of the input `name` in a JSON document."""
    return next(node["id"] for node in document["nodes"] if node["op"] == "input" and node["label"] == name)


def test_explain_spells_each_rule_with_the_rows_argument_names() -> None:
    """--explain in both modes and the page write a rule with the row's names (atan2's y, x; clamp's x, lo, hi;
    one rule for every argument of sum), replaced by the program's: forward mode once knew only x and y."""
    program = "p = 0.5; q = 2; lo = 0; hi = 1; t = atan2(p, q) + clamp(p, lo, hi) + sum(p, q, p)"
    forward = invoke("--mode", "forward", "--explain", program)
    documented(forward, ("--mode", "forward", "--explain", program), 0)
    assert "atan2(p, q)' = (q/(q**2 + p**2)) * p' + (-p/(q**2 + p**2)) * q'" in forward.stdout
    assert "(1 if lo <= p <= hi else 0) * p' + (1 if p < lo else 0) * lo' + (1 if p > hi else 0) * hi'" in forward.stdout
    assert "sum(p, q, p)' = 1 * p' + 1 * q' + 1 * p'" in forward.stdout
    reverse = invoke("--explain", program).stdout
    assert "p.grad += (q/(q**2 + p**2)) * atan2(p, q).grad" in reverse
    assert "hi.grad += (1 if p > hi else 0) * clamp(p, lo, hi).grad" in reverse
    page = invoke("-f", "html", program).stdout
    assert "p.grad += q/(q**2 + p**2) · atan2(p, q).grad" in page and "hi.grad += 1 if p &gt; hi else 0 ·" in page
    steps = run_json("--mode", "forward", "--explain", program)["explain"]["passes"][0]["steps"]
    assert [len(step["terms"]) for step in steps] == [2, 3, 2, 3, 2]
