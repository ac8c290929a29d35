"""--emit python|c: generated code run in a separate process, against autodiff, SymPy and differences.

Each emitted module is written to a file and called by a driver script in a
fresh Python process; each emitted C function is compiled with
`cc -std=c99 -Wall -Werror` beside a generated `main` and run.  Both must give
autodiff's value and gradients to 1e-12 at the program's inputs and at moved
inputs (autodiff re-run on the edited program), and fail where autodiff
reports an error.
"""

from __future__ import annotations

import json
import math
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sympy

from autodiff_cli import evaluate
from autodiff_cli.analyses.subject import input_keys
from autodiff_cli.base.errors import ProgramError
from autodiff_cli.core.ops import OPERATIONS
from autodiff_cli.render.emit import emit, parameters
from tests.support import operation_program, random_program

CC = shutil.which("cc") or shutil.which("gcc")
needs_cc = pytest.mark.skipif(CC is None, reason="no C compiler (cc or gcc) on PATH")

# ------------------------------------------------------------------ harness

_PYTHON_DRIVER = r"""
import importlib.util, json, math, sys

def number(x):
    return repr(float(x))

jobs = json.load(open(sys.argv[1]))
out = []
for job in jobs:
    spec = importlib.util.spec_from_file_location(job["module"], job["path"])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    function = getattr(module, job["function"])
    answers = []
    for args in job["calls"]:
        try:
            value, grad = function(*[float(a) for a in args])
        except ValueError as error:
            answers.append({"error": str(error)})
            continue
        answers.append({"value": number(value), "grad": {k: number(v) for k, v in grad.items()}})
    out.append(answers)
json.dump(out, sys.stdout)
"""


def _number(text: str) -> float:
    return float(text)


def run_python(tmp_path: Path, jobs: list[tuple[str, str, list[list[float]]]]) -> list[list[dict]]:
    """Write each (code, function, calls) module to a file and call it in one separate process."""
    described = []
    for index, (code, function, calls) in enumerate(jobs):
        path = tmp_path / f"emitted_{index}.py"
        path.write_text(code, encoding="utf-8")
        described.append({"module": f"emitted_{index}", "path": str(path), "function": function, "calls": calls})
    (tmp_path / "jobs.json").write_text(json.dumps(described))
    (tmp_path / "driver.py").write_text(_PYTHON_DRIVER)
    done = subprocess.run(
        [sys.executable, "-I", str(tmp_path / "driver.py"), str(tmp_path / "jobs.json")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return [
        [
            answer
            if "error" in answer
            else {"value": _number(answer["value"]), "grad": {k: _number(v) for k, v in answer["grad"].items()}}
            for answer in answers
        ]
        for answers in json.loads(done.stdout)
    ]


def run_c(tmp_path: Path, jobs: list[tuple[str, str, list[list[float]], int]]) -> list[list[dict]]:
    """Compile each (code, function, calls, parameter count) with -std=c99 -Wall -Werror and call it."""
    assert CC is not None
    sources, main = [], ["#include <errno.h>", "#include <math.h>", "#include <stdio.h>", ""]
    calls_body = []
    for index, (code, function, calls, count) in enumerate(jobs):
        path = tmp_path / f"emitted_{index}.c"
        path.write_text(code, encoding="utf-8")
        sources.append(str(path))
        params = ", ".join(["double"] * count + ["double *"])
        main.append(f"double {function}({params});")
        for args in calls:
            arguments = ", ".join([*(repr(float(a)) for a in args), "grad"])
            calls_body += [
                "    errno = 0;",
                f"    value = {function}({arguments});",
                f'    printf("{index} %d %.17g", errno, value);',
                *[f'    printf(" %.17g", grad[{i}]);' for i in range(count)],
                '    printf("\\n");',
            ]
    main += ["", "int main(void)", "{", "    double grad[8];", "    double value;", *calls_body, "    return 0;", "}"]
    (tmp_path / "main.c").write_text("\n".join(main) + "\n")
    binary = tmp_path / "emitted"
    compiled = subprocess.run(
        [CC, "-std=c99", "-Wall", "-Werror", "-o", str(binary), *sources, str(tmp_path / "main.c"), "-lm"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert compiled.returncode == 0, compiled.stderr
    done = subprocess.run([str(binary)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    answers: list[list[dict]] = [[] for _ in jobs]
    for line in done.stdout.splitlines():
        index, errno, *numbers = line.split()
        answers[int(index)].append({"errno": int(errno), "value": float(numbers[0]), "grad": [float(x) for x in numbers[1:]]})
    return answers


def same(a: float, b: float, rel: float = 1e-12) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= rel * max(1.0, abs(a), abs(b))


def expected_at(text: str, names: list[str], point: list[float]) -> tuple[float, list[float]] | None:
    """autodiff's own value and gradients on the program edited to `point`; None on a program error."""
    original = evaluate(text)
    spans = [original.graph.span(node) for node in parameters(original)]
    edited = text
    for (start, end), x in sorted(zip(spans, point), reverse=True):  # from the end: earlier offsets stay valid
        edited = edited[:start] + repr(float(x)) + edited[end:]
    try:
        result = evaluate(edited)
    except ProgramError:
        return None
    keys = input_keys(result)
    grads = {keys[node.id]: node.grad for node in parameters(result)}
    return result.value, [grads[name] for name in names]


def check_answers(text: str, names: list[str], calls: list[list[float]], python: list[dict], c: list[dict] | None) -> None:
    for index, point in enumerate(calls):
        expected = expected_at(text, names, point)
        where = (text, point)
        if expected is None:
            assert "error" in python[index], where
            if c is not None:
                assert math.isnan(c[index]["value"]) and c[index]["errno"] in (33, 34), where  # EDOM, ERANGE
                assert all(math.isnan(g) for g in c[index]["grad"]), where
            continue
        value, grads = expected
        assert "error" not in python[index], (where, python[index])
        assert same(python[index]["value"], value), where
        assert all(same(python[index]["grad"][n], g) for n, g in zip(names, grads)), (where, python[index], grads)
        if c is not None:
            assert c[index]["errno"] == 0 or not math.isnan(c[index]["value"]), where
            assert same(c[index]["value"], value), where
            assert all(same(got, g) for got, g in zip(c[index]["grad"], grads)), (where, c[index], grads)


# ------------------------------------------------------------------ every operation, at every kink

ARGUMENTS = {1: ["x"], 2: ["x", "y"], 3: ["x", "y", "z"]}
POINTS = [-2.5, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0]


def operation_calls(arity: int) -> list[list[float]]:
    if arity == 1:
        return [[p] for p in POINTS] + [[1000.0], [-1000.0], [710.0]]
    if arity == 2:
        return [[p, q] for p in POINTS for q in POINTS] + [[1e200, 1e200], [-1e200, 1e200]]
    return [[p, q, r] for p in POINTS[::2] for q in POINTS[::3] for r in POINTS[1::3]]


def test_every_operation_has_emission_rules() -> None:
    """A row of ops.py without its code for --emit fails here, so a merge cannot miss it."""
    assert not [name for name, op in OPERATIONS.items() if op.code is None]


def _operation_jobs() -> list[tuple[str, str, list[str], list[list[float]]]]:
    jobs = []
    for name in sorted(OPERATIONS):
        text, args = operation_program(name, f"out_{name}")
        jobs.append((name, text, args, operation_calls(len(args))))
    return jobs


@pytest.mark.e2e
@pytest.mark.parametrize("language", ["python", pytest.param("c", marks=needs_cc)])
def test_every_operation_matches_autodiff_at_kinks_and_domain_edges(tmp_path: Path, language: str) -> None:
    jobs = _operation_jobs()
    codes = [(emit(evaluate(text), "python"), emit(evaluate(text), "c")) for _, text, _, _ in jobs]
    python = run_python(tmp_path, [(code[0], f"grad_out_{name}", calls) for code, (name, _, _, calls) in zip(codes, jobs)])
    c = None
    if language == "c":
        c = run_c(
            tmp_path, [(code[1], f"grad_out_{name}", calls, len(args)) for code, (name, _, args, calls) in zip(codes, jobs)]
        )
    for index, (_, text, args, calls) in enumerate(jobs):
        check_answers(text, args, calls, python[index], None if c is None else c[index])


# ------------------------------------------------------------------ random programs, moved inputs


def _random_jobs(count: int) -> list[tuple[str, list[str], list[list[float]], sympy.Expr, dict]]:
    jobs = []
    for seed in range(count):
        rng = random.Random(1000 + seed)
        text, inputs, expr, symbols = random_program(rng)
        text = text.rsplit("; ", 1)
        text = f"{text[0]}; out_{seed} = {text[1].split('=', 1)[1].strip()}"
        result = evaluate(text)
        names = [input_keys(result)[node.id] for node in parameters(result)]
        calls = [[inputs[n] for n in names]]
        for _ in range(3):
            calls.append([round(inputs[n] + rng.uniform(-0.7, 0.7), 6) for n in names])
        jobs.append((text, names, calls, expr, symbols))
    return jobs


@pytest.mark.e2e
@pytest.mark.parametrize("language", ["python", pytest.param("c", marks=needs_cc)])
def test_random_programs_match_autodiff_and_sympy_at_moved_inputs(tmp_path: Path, language: str) -> None:
    jobs = _random_jobs(40)
    python = run_python(
        tmp_path, [(emit(evaluate(t), "python"), f"grad_out_{i}", calls) for i, (t, _, calls, _, _) in enumerate(jobs)]
    )
    c = None
    if language == "c":
        c = run_c(
            tmp_path,
            [(emit(evaluate(t), "c"), f"grad_out_{i}", calls, len(names)) for i, (t, names, calls, _, _) in enumerate(jobs)],
        )
    for index, (text, names, calls, expr, symbols) in enumerate(jobs):
        check_answers(text, names, calls, python[index], None if c is None else c[index])
        # An independent oracle as well: SymPy's derivative at each moved point.
        for call, answer in zip(calls, python[index]):
            if "error" in answer:
                continue
            point = {symbols[n]: sympy.Float(x, 30) for n, x in zip(names, call)}
            for n in names:
                exact = float(sympy.diff(expr, symbols[n]).evalf(30, subs=point))
                assert answer["grad"][n] == pytest.approx(exact, rel=1e-9, abs=1e-12), (text, call, n)


# ------------------------------------------------------------------ names, errors and the command line

CASES = [
    pytest.param("a = 1; b = a * 2; a = 3; f = a * b", ["a@1", "a"], [[1.0, 3.0], [-2.0, 0.5]], id="rebound-input"),
    pytest.param("lambda = 2; int = 3; return = lambda * int + lambda", ["lambda", "int"], [[2.0, 3.0]], id="keywords"),
    pytest.param("a_grad = 2; a = 3; f = a * a_grad", ["a_grad", "a"], [[2.0, 3.0]], id="grad-suffix-taken"),
    pytest.param("x = 4; y = sqrt(x) + log(x)", ["x"], [[4.0], [0.0], [-1.0]], id="sqrt-pole-and-log-domain"),
    pytest.param("x = 2; y = exp(x) * 3", ["x"], [[2.0], [800.0]], id="overflow"),
    pytest.param("x = 2; y = x / (x - 2.5)", ["x"], [[2.0], [2.5]], id="division-by-zero"),
    pytest.param("x = 2; y = x ** 0.5 + x ** x", ["x"], [[2.0], [0.0], [-1.0]], id="powers"),
    pytest.param(
        "x = 2; y = 3; z = max(x, y) * min(y, x) + relu(x - y) + abs(y - 3)", ["x", "y"], [[2.0, 3.0], [3.0, 3.0]], id="kinks"
    ),
    pytest.param("x = 3", ["x"], [[3.0], [-1.0]], id="output-is-an-input"),
    pytest.param("x = 3; g = x * x; h = grad(g, x) * x", ["x"], [[3.0], [1.5]], id="grad-in-the-language"),
]


@pytest.mark.e2e
@pytest.mark.parametrize("language", ["python", pytest.param("c", marks=needs_cc)])
@pytest.mark.parametrize(("text", "names", "calls"), CASES)
def test_named_cases(tmp_path: Path, language: str, text: str, names: list[str], calls: list[list[float]]) -> None:
    result = evaluate(text)
    assert [input_keys(result)[node.id] for node in parameters(result)] == names
    function = _function(emit(result, "python"))
    python = run_python(tmp_path, [(emit(result, "python"), function, calls)])[0]
    c = run_c(tmp_path, [(emit(result, "c"), function, calls, len(names))])[0] if language == "c" else None
    check_answers(text, names, calls, python, c)


def _function(code: str) -> str:
    line = [line for line in code.splitlines() if line.startswith("def ")][-1]
    return line[4 : line.index("(")]


@pytest.mark.e2e
def test_constant_program_has_no_parameters(tmp_path: Path) -> None:
    result = evaluate("2 * 3")
    code = emit(result, "python")
    assert "def grad_output() -> tuple[float, dict[str, float]]:" in code
    assert run_python(tmp_path, [(code, "grad_output", [[]])])[0] == [{"value": 6.0, "grad": {}}]


@pytest.mark.e2e
@needs_cc
def test_constant_program_compiles_without_parameters(tmp_path: Path) -> None:
    answers = run_c(tmp_path, [(emit(evaluate("2 * 3"), "c"), "grad_output", [[]], 0)])[0]
    assert answers == [{"errno": 0, "value": 6.0, "grad": []}]


def test_emitted_python_imports_only_math() -> None:
    code = emit(evaluate("x = 0.5; y = sigmoid(x) ** 2 / exp(x) + x ** x"), "python")
    imports = [line for line in code.splitlines() if line.startswith(("import", "from"))]
    assert imports == ["import math"]
    assert "a_grad" not in code and "v_x_grad += " in code


@pytest.mark.e2e
def test_emission_is_iterative_on_a_long_chain(tmp_path: Path) -> None:
    text = "x = 0.5; y = x\n" + "\n".join("y = sin(y) + x" for _ in range(3000))
    python = run_python(tmp_path, [(emit(evaluate(text), "python"), "grad_y", [[0.5], [0.25]])])[0]
    check_answers(text, ["x"], [[0.5], [0.25]], python, None)


@pytest.mark.parametrize("language", ["python", "c"])
def test_cli_emit_prints_the_code(run, language: str) -> None:
    text = "a = -2; b = 3; d = a*b; e = a+b; f = d*e"
    result = run("eval", "--emit", language, text)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == emit(evaluate(text, source_name="<eval>"), language)


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["--emit", "python", "--format", "json"], id="format"),
        pytest.param(["--emit", "c", "--explain"], id="explain"),
        pytest.param(["--emit", "c", "--symbolic"], id="symbolic"),
        pytest.param(["--emit", "fortran"], id="unknown-language"),
    ],
)
def test_cli_emit_usage_errors(run, args: list[str]) -> None:
    result = run("eval", *args, "x = 1; y = x * x")
    assert result.exit_code == 2
    assert result.stdout == ""


def test_emission_time_grows_linearly() -> None:
    """Four times the statements, about four times the time (quadratic would be sixteen); best of five,
    without the cyclic collector, so a busy machine's pauses do not decide it."""
    import gc
    import time

    def seconds(count: int) -> float:
        result = evaluate("x = 0.5; y = x\n" + "\n".join("y = sin(y) + x" for _ in range(count)))
        best = math.inf
        gc.disable()
        try:
            for _ in range(5):
                start = time.perf_counter()
                emit(result, "c")
                best = min(best, time.perf_counter() - start)
        finally:
            gc.enable()
        return best

    assert seconds(8000) / seconds(2000) < 9
