"""A GradBench tool built on autodiff's library: JSON Lines on stdin, one answer a line on stdout.

GradBench (the successor of Microsoft's ADBench) drives an AD tool with
`start`, `define`, `evaluate` and `analysis` messages (its CONTRIBUTING.md) and
checks each answer against its own reference implementation.  Every
derivative here comes from an autodiff program, compiled once by
`autodiff_cli.compile` and called at the eval's values:

- `hello`: `x * x` and its gradient.
- `det`, `lse`, `llsq`: the program text is generated once a size (the
  determinant by minors, every minor shared; logsumexp with its max shift;
  the least-squares sum) and called at each input.  Control flow that
  depends on values (pivots, branches) does not occur in them.
- `ba`: one observation is a program of 17 inputs (11 camera parameters, a
  point, a weight and the feature) and 3 outputs; all observations go through
  one call on NumPy arrays (`jacobian`), as a sweep does, and the sparse
  Jacobian is assembled the way the reference lays it out.  Rodrigues'
  rotation branches on the rotation's size: one program a branch.
- `saddle`, `particle`: nested derivatives.  The loops (gradient descent, the
  Euler steps) run here, in the driver, calling programs for the inner
  gradients; the outer gradient is the derivative of the loop as it ran,
  written out as a program whose inner gradients are `grad()` nodes (nested
  AD in the language), compiled at that point and differentiated.  The
  variant's first letter picks the outer mode, its second the inner mode:
  `r` a call (reverse mode), `f` `taylor(name, 1)` once an input (forward
  mode).  Inside an unrolled program the inner derivative is always `grad()`.

Unknown modules and functions answer `"success": false`, as the protocol says.
"""

from __future__ import annotations

import json
import math
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

import numpy as np

import autodiff_cli as ad

Timings = list[dict[str, Any]]


def timed(name: str, started: int) -> dict[str, Any]:
    return {"name": name, "nanoseconds": time.perf_counter_ns() - started}


def repeat(input: dict[str, Any], run: Callable[[], Any]) -> tuple[Any, Timings]:
    """Run at least `min_runs` times and for at least `min_seconds`, one `evaluate` timing a run."""
    timings: Timings = []
    elapsed = 0.0
    output = None
    while len(timings) < input.get("min_runs", 1) or elapsed < input.get("min_seconds", 0):
        started = time.perf_counter_ns()
        output = run()
        timings.append(timed("evaluate", started))
        elapsed += timings[-1]["nanoseconds"] / 1e9
    return output, timings


# ---------------------------------------------------------------- hello

SQUARE = ad.compile("x = 0; x * x")


def hello(function: str, input: Any) -> tuple[Any, Timings]:
    started = time.perf_counter_ns()
    result = SQUARE(x=float(input))
    output = {"square": result.value, "double": result.grad["x"]}[function]
    return output, [timed("evaluate", started)]


# ---------------------------------------------------------------- programs generated once a size


class Generated:
    """Programs compiled once per shape; the compile time is reported as its own timing."""

    def __init__(self, make: Callable[..., str]) -> None:
        self.make = make
        self.programs: dict[Any, ad.Program] = {}

    def get(self, key: Any, timings: Timings) -> ad.Program:
        program = self.programs.get(key)
        if program is None:
            started = time.perf_counter_ns()
            program = self.programs[key] = ad.compile(self.make(*key) if isinstance(key, tuple) else self.make(key))
            timings.append(timed("compile", started))
        return program


def det_program(ell: int) -> str:
    """det(A) by expansion along the first row of each minor, as the reference's det_of_minor.

    A minor is the rows r..ell-1 and a set of columns; the same minor is met
    many times in the expansion, and here it is one node used many times
    (ell * 2**(ell-1) products instead of ell!).
    """
    lines = [f"a{i}_{j} = 0" for i in range(ell) for j in range(ell)]

    def name(row: int, columns: tuple[int, ...]) -> str:
        if len(columns) == 1:
            return f"a{row}_{columns[0]}"
        return f"m{row}_" + "_".join(map(str, columns))

    from itertools import combinations

    for row in range(ell - 2, -1, -1):
        for columns in combinations(range(ell), ell - row):
            terms = []
            for position, column in enumerate(columns):
                rest = columns[:position] + columns[position + 1 :]
                term = f"a{row}_{column} * {name(row + 1, rest)}"
                terms.append(term if position == 0 else ("+ " if position % 2 == 0 else "- ") + term)
            lines.append(f"{name(row, columns)} = {' '.join(terms)}")
    lines.append(name(0, tuple(range(ell))) if ell > 1 else "a0_0")
    return "\n".join(lines)


DET = Generated(det_program)


def det(function: str, input: dict[str, Any]) -> tuple[Any, Timings]:
    ell = int(input["ell"])
    timings: Timings = []
    program = DET.get(ell, timings)
    values = {f"a{i}_{j}": float(input["A"][i * ell + j]) for i in range(ell) for j in range(ell)}
    if function == "primal":
        output, runs = repeat(input, lambda: program(**values).value)
    elif function == "gradient":
        result, runs = repeat(input, lambda: program(**values))
        output = [result.grads[f"a{i}_{j}"] for i in range(ell) for j in range(ell)]
    else:
        raise LookupError(function)
    return output, timings + runs


def lse_program(n: int) -> str:
    """log(sum(exp(x - A))) + A with A = max(x), as the reference (the max shifted out before exp)."""
    lines = [f"x{i} = 0" for i in range(n)]
    lines.append("A0 = x0")
    lines += [f"A{i} = max(A{i - 1}, x{i})" for i in range(1, n)]
    lines.append(f"s = sum({', '.join(f'exp(x{i} - A{n - 1})' for i in range(n))})")
    lines.append(f"log(s) + A{n - 1}")
    return "\n".join(lines)


LSE = Generated(lse_program)


def lse(function: str, input: dict[str, Any]) -> tuple[Any, Timings]:
    x = input["x"]
    timings: Timings = []
    program = LSE.get(len(x), timings)
    values = {f"x{i}": float(v) for i, v in enumerate(x)}
    if function == "primal":
        output, runs = repeat(input, lambda: program(**values).value)
    elif function == "gradient":
        result, runs = repeat(input, lambda: program(**values))
        output = [result.grads[f"x{i}"] for i in range(len(x))]
    else:
        raise LookupError(function)
    return output, timings + runs


def llsq_program(n: int, m: int) -> str:
    """sum over i of (s(t_i) - sum_j x_j t_i**j)**2 / 2, the powers computed as the reference does."""
    lines = [f"x{j} = 0" for j in range(m)]
    squares = []
    for i in range(n):
        t = -1 + i * 2 / (n - 1)
        s = float((t > 0) - (t < 0))
        terms = [repr(s)]
        power = 1.0
        for j in range(m):
            terms.append(f"x{j} * {power!r}")
            power *= t
        lines.append(f"r{i} = " + " - ".join(terms))
        squares.append(f"r{i} * r{i}")
    lines.append(f"sum({', '.join(squares)}) / 2")
    return "\n".join(lines)


LLSQ = Generated(llsq_program)


def llsq(function: str, input: dict[str, Any]) -> tuple[Any, Timings]:
    x = input["x"]
    timings: Timings = []
    program = LLSQ.get((int(input["n"]), len(x)), timings)
    values = {f"x{j}": float(v) for j, v in enumerate(x)}
    if function == "primal":
        output, runs = repeat(input, lambda: program(**values).value)
    elif function == "gradient":
        result, runs = repeat(input, lambda: program(**values))
        output = [result.grads[f"x{j}"] for j in range(len(x))]
    else:
        raise LookupError(function)
    return output, timings + runs


# ---------------------------------------------------------------- ba

BA_PARAMETERS = [f"c{i}" for i in range(11)] + ["X0", "X1", "X2", "w"]


def ba_program(rotates: bool) -> str:
    """One observation's reprojection error (2 outputs) and weight error, as the reference's computeReprojError."""
    # Values only for the program to be built at (a camera 5 units in front of its point); every call moves them all.
    written = [0.1, 0.2, 0.3, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 5.0, 1.0]
    lines = [f"{name} = {value!r}" for name, value in zip(BA_PARAMETERS, written)] + ["f0 = 0", "f1 = 0"]
    lines += ["p0 = X0 - c3", "p1 = X1 - c4", "p2 = X2 - c5"]
    if rotates:  # rodrigues_rotate_point where the rotation is not 0
        lines += [
            "sqtheta = c0*c0 + c1*c1 + c2*c2",
            "theta = sqrt(sqtheta)",
            "costheta = cos(theta)",
            "sintheta = sin(theta)",
            "theta_inverse = 1.0 / theta",
            "w0 = c0 * theta_inverse",
            "w1 = c1 * theta_inverse",
            "w2 = c2 * theta_inverse",
            "k0 = w1*p2 - w2*p1",
            "k1 = w2*p0 - w0*p2",
            "k2 = w0*p1 - w1*p0",
            "tmp = (w0*p0 + w1*p1 + w2*p2) * (1. - costheta)",
            "r0 = p0*costheta + k0*sintheta + w0*tmp",
            "r1 = p1*costheta + k1*sintheta + w1*tmp",
            "r2 = p2*costheta + k2*sintheta + w2*tmp",
        ]
    else:
        lines += ["r0 = p0 + (c1*p2 - c2*p1)", "r1 = p1 + (c2*p0 - c0*p2)", "r2 = p2 + (c0*p1 - c1*p0)"]
    lines += [
        "q0 = r0 / r2",
        "q1 = r1 / r2",
        "rsq = q0*q0 + q1*q1",
        "L = 1. + c9*rsq + c10*rsq*rsq",
        "u0 = q0*L*c6 + c7",
        "u1 = q1*L*c6 + c8",
        "e0 = w * (u0 - f0)",
        "e1 = w * (u1 - f1)",
        "werr = 1 - w*w",
    ]
    return "\n".join(lines)


BA = {rotates: ad.compile(ba_program(rotates), of=["e0", "e1", "werr"]) for rotates in (True, False)}


def ba_columns(input: dict[str, Any]) -> dict[str, Any]:
    """Each parameter at every observation, laid out as the reference's from_json does."""
    n, m, p = int(input["n"]), int(input["m"]), int(input["p"])
    cams = np.tile(np.asarray(input["cam"], dtype=np.float64), (n, 1))
    points = np.tile(np.asarray(input["x"], dtype=np.float64), (m, 1))
    weights = np.full(p, float(input["w"]))
    feats = np.tile(np.asarray(input["feat"], dtype=np.float64), (p, 1))
    observation = np.arange(p)
    cam_index, point_index = observation % n, observation % m
    columns = {f"c{i}": cams[cam_index, i] for i in range(11)}
    columns |= {f"X{i}": points[point_index, i] for i in range(3)}
    columns |= {"w": weights, "f0": feats[:, 0], "f1": feats[:, 1]}
    return {"columns": columns, "cam": cam_index, "point": point_index, "n": n, "m": m, "p": p}


def ba_rows(observations: dict[str, Any], jacobian: bool) -> Any:
    """The program at every observation: one call on arrays a branch of the rotation.

    The library has no forward-only call: the objective too comes from
    `jacobian` (its `values`), so it pays for the backward passes as well.
    """
    columns = observations["columns"]
    rotates = (columns["c0"] ** 2 + columns["c1"] ** 2 + columns["c2"] ** 2) != 0.0
    p = observations["p"]
    values = np.empty((3, p))
    derivatives = np.empty((3, len(BA_PARAMETERS), p))
    for branch in (True, False):
        rows = np.flatnonzero(rotates == branch)
        if rows.size == 0:
            continue
        result = BA[branch].jacobian(**{name: column[rows] for name, column in columns.items()})
        for i in range(3):
            values[i, rows] = result.values[i]
            if jacobian:
                for j, name in enumerate(BA_PARAMETERS):
                    derivatives[i, j, rows] = result.rows[i][result.inputs.index(name)]
    return values, derivatives


def ba_sparse(observations: dict[str, Any], derivatives: Any) -> dict[str, Any]:
    """The Jacobian in the reference's compressed rows (ba.hpp's SparseMat), cut as its to_json cuts it."""
    n, m, p = observations["n"], observations["m"], observations["p"]
    per_row = 11 + 3 + 1
    rows = np.concatenate([[0], per_row * np.arange(1, 2 * p + 1), 2 * p * per_row + np.arange(1, p + 1)])
    observation = np.arange(p)
    block_columns = np.concatenate(
        [
            11 * observations["cam"][:, None] + np.arange(11),
            11 * n + 3 * observations["point"][:, None] + np.arange(3),
            (11 * n + 3 * m + observation)[:, None],
        ],
        axis=1,
    )  # (p, 15): the columns of one row of an observation's block
    columns = np.concatenate([np.repeat(block_columns, 2, axis=0).reshape(-1), 11 * n + 3 * m + observation])
    reproj = derivatives[0:2].transpose(2, 0, 1)  # (p, 2 rows, 15 parameters)
    values = np.concatenate([reproj.reshape(-1), derivatives[2, 14]])

    def cut(array: Any) -> list[Any]:
        return [*array[:30].tolist(), array[-1].tolist()]

    return {"rows": [int(v) for v in cut(rows)], "cols": [int(v) for v in cut(columns)], "vals": [float(v) for v in cut(values)]}


def ba(function: str, input: dict[str, Any]) -> tuple[Any, Timings]:
    observations = ba_columns(input)
    p = observations["p"]
    if function == "objective":
        (values, _), runs = repeat(input, lambda: ba_rows(observations, False))
        output = {
            "reproj_error": {"elements": [float(values[0, 0]), float(values[1, 0])], "repeated": p},
            "w_err": {"element": float(values[2, 0]), "repeated": p},
        }
    elif function == "jacobian":
        (_, derivatives), runs = repeat(input, lambda: ba_rows(observations, True))
        output = ba_sparse(observations, derivatives)
    else:
        raise LookupError(function)
    return output, runs


# ---------------------------------------------------------------- gradient descent (GradBench's gd.hpp)


def argmin(
    objective: Callable[[list[float]], float], gradient: Callable[[list[float]], list[float]], start: list[float]
) -> list[float]:
    """gd.hpp's multivariate_argmin, step for step (the evals' expected answers are its answers)."""
    x = list(start)
    fx = objective(x)
    gx = gradient(x)
    i, eta = 0, 1e-5
    while True:
        if math.sqrt(sum(g * g for g in gx)) <= 1e-5:
            return x
        if i == 10:
            eta *= 2
            i = 0
            continue
        x_prime = [xj - eta * gj for xj, gj in zip(x, gx)]
        if math.sqrt(sum((a - b) * (a - b) for a, b in zip(x, x_prime))) <= 1e-5:
            return x
        fx_prime = objective(x_prime)
        if fx_prime < fx:
            x, fx = x_prime, fx_prime
            gx = gradient(x)
            i += 1
        else:
            eta /= 2
            i = 0


def steps_of_argmin(
    gradient: Callable[[list[float]], list[float]], objective: Callable[[list[float]], float], start: list[float]
) -> tuple[list[float], list[float]]:
    """`argmin`, also returning the step size of every step it took (to write the loop out as a program)."""
    etas: list[float] = []
    x = list(start)
    fx = objective(x)
    gx = gradient(x)
    i, eta = 0, 1e-5
    while True:
        if math.sqrt(sum(g * g for g in gx)) <= 1e-5:
            return x, etas
        if i == 10:
            eta *= 2
            i = 0
            continue
        x_prime = [xj - eta * gj for xj, gj in zip(x, gx)]
        if math.sqrt(sum((a - b) * (a - b) for a, b in zip(x, x_prime))) <= 1e-5:
            return x, etas
        fx_prime = objective(x_prime)
        if fx_prime < fx:
            x, fx = x_prime, fx_prime
            gx = gradient(x)
            etas.append(eta)
            i += 1
        else:
            eta /= 2
            i = 0


def derivative(program: ad.Program, mode: str, names: list[str], **inputs: float) -> list[float]:
    """d(output)/d(each of names): one reverse call, or one forward (Taylor order 1) pass a name."""
    if mode == "r":
        grads = program(**inputs).grads
        return [grads[name] for name in names]
    return [program.taylor(name, 1, **inputs).derivatives[1] for name in names]


# ---------------------------------------------------------------- saddle

SADDLE_F = "(a0*a0 + a1*a1) - (y0*y0 + y1*y1)"
SADDLE = ad.compile(f"a0 = 0; a1 = 0; y0 = 0; y1 = 0; {SADDLE_F}")


def saddle_inner(a: list[float], start: list[float], mode: str) -> tuple[list[float], list[float]]:
    """argmax over y of f(a, y), from `start`, by descent on -f: the point and the step sizes taken."""

    def negated(y: list[float]) -> float:
        return -SADDLE(a0=a[0], a1=a[1], y0=y[0], y1=y[1]).value

    def gradient(y: list[float]) -> list[float]:
        return [-g for g in derivative(SADDLE, mode, ["y0", "y1"], a0=a[0], a1=a[1], y0=y[0], y1=y[1])]

    return steps_of_argmin(gradient, negated, start)


def saddle_unrolled(a: list[float], start: list[float], etas: list[float]) -> ad.Program:
    """max over y of f(a, y) as the inner descent computed it, written out: its gradient steps are grad() nodes."""
    lines = [f"a0 = {a[0]!r}", f"a1 = {a[1]!r}", f"y0_0 = {start[0]!r}", f"y1_0 = {start[1]!r}"]
    for k, eta in enumerate(etas):
        lines.append(f"n{k} = -((a0*a0 + a1*a1) - (y0_{k}*y0_{k} + y1_{k}*y1_{k}))")
        for j in (0, 1):
            lines.append(f"g{j}_{k} = grad(n{k}, y{j}_{k})")
            lines.append(f"y{j}_{k + 1} = y{j}_{k} - {eta!r} * g{j}_{k}")
    last = len(etas)
    lines.append(f"(a0*a0 + a1*a1) - (y0_{last}*y0_{last} + y1_{last}*y1_{last})")
    return ad.compile("\n".join(lines))


def saddle(function: str, input: dict[str, Any]) -> tuple[Any, Timings]:
    if function not in ("ff", "fr", "rf", "rr"):
        raise LookupError(function)
    outer, inner = function[0], function[1]
    start = [float(v) for v in input["start"]]

    def run() -> list[float]:
        solved: dict[tuple[float, ...], tuple[list[float], list[float]]] = {}

        def inner_solution(a: list[float]) -> tuple[list[float], list[float]]:
            key = tuple(a)
            if key not in solved:
                solved[key] = saddle_inner(a, start, inner)
            return solved[key]

        def cost(a: list[float]) -> float:
            y, _ = inner_solution(a)
            return SADDLE(a0=a[0], a1=a[1], y0=y[0], y1=y[1]).value

        def cost_gradient(a: list[float]) -> list[float]:
            _, etas = inner_solution(a)
            return derivative(saddle_unrolled(a, start, etas), outer, ["a0", "a1"])

        r1 = argmin(cost, cost_gradient, start)

        def negated(y: list[float]) -> float:
            return -SADDLE(a0=r1[0], a1=r1[1], y0=y[0], y1=y[1]).value

        def gradient(y: list[float]) -> list[float]:
            return [-g for g in derivative(SADDLE, outer, ["y0", "y1"], a0=r1[0], a1=r1[1], y0=y[0], y1=y[1])]

        r2 = argmin(negated, gradient, start)
        return [*r1, *r2]

    return repeat(input, run)


# ---------------------------------------------------------------- particle

POTENTIAL = """
distance(x0, x1, c0, c1) = sqrt((x0 - c0)*(x0 - c0) + (x1 - c1)*(x1 - c1))
potential(x0, x1, w) = 1 / distance(x0, x1, 10, 10 - w) + 1 / distance(x0, x1, 10, 0)
"""
PARTICLE_P = ad.compile(POTENTIAL + "w = 0; x0 = 0; x1 = 0; potential(x0, x1, w)")
DELTA_T = 1e-1


def euler(w: float, mode: str) -> tuple[float, int]:
    """naive_euler: x(t_f)[0]**2 where the path meets the x axis, and the number of steps taken."""
    x, v = [0.0, 8.0], [0.75, 0.0]
    steps = 0
    while True:
        g = derivative(PARTICLE_P, mode, ["x0", "x1"], w=w, x0=x[0], x1=x[1])
        a = [-1 * g[0], -1 * g[1]]
        x_new = [x[0] + DELTA_T * v[0], x[1] + DELTA_T * v[1]]
        if not x_new[1] > 0:
            break
        x, v = x_new, [v[0] + DELTA_T * a[0], v[1] + DELTA_T * a[1]]
        steps += 1
    t_f = -x[1] / v[1]
    x_t_f = x[0] + t_f * v[0]
    return x_t_f * x_t_f, steps


def particle_unrolled(w: float, steps: int) -> ad.Program:
    """naive_euler at `w`, its `steps` Euler steps written out, each force a grad() of the potential."""
    lines = [POTENTIAL, f"w = {w!r}", "x0_0 = 0.0", "x1_0 = 8.0", "v0_0 = 0.75", "v1_0 = 0.0"]
    for k in range(steps):
        lines.append(f"p{k} = potential(x0_{k}, x1_{k}, w)")
        for j in (0, 1):
            lines.append(f"a{j}_{k} = -1 * grad(p{k}, x{j}_{k})")
        for j in (0, 1):
            lines.append(f"x{j}_{k + 1} = x{j}_{k} + {DELTA_T!r} * v{j}_{k}")
            lines.append(f"v{j}_{k + 1} = v{j}_{k} + {DELTA_T!r} * a{j}_{k}")
    lines.append(f"t = -x1_{steps} / v1_{steps}")
    lines.append(f"xt = x0_{steps} + t * v0_{steps}")
    lines.append("xt * xt")
    return ad.compile("\n".join(lines))


def particle(function: str, input: dict[str, Any]) -> tuple[Any, Timings]:
    if function not in ("ff", "fr", "rf", "rr"):
        raise LookupError(function)
    outer, inner = function[0], function[1]

    def run() -> float:
        paths: dict[float, tuple[float, int]] = {}

        def path(w: float) -> tuple[float, int]:
            if w not in paths:
                paths[w] = euler(w, inner)
            return paths[w]

        def gradient(w: list[float]) -> list[float]:
            return derivative(particle_unrolled(w[0], path(w[0])[1]), outer, ["w"])

        return argmin(lambda w: path(w[0])[0], gradient, [float(input["w"])])[0]

    return repeat(input, run)


# ---------------------------------------------------------------- the protocol

MODULES: dict[str, Callable[[str, Any], tuple[Any, Timings]]] = {
    "hello": hello,
    "det": det,
    "lse": lse,
    "llsq": llsq,
    "ba": ba,
    "saddle": saddle,
    "particle": particle,
}


def respond(message: dict[str, Any]) -> dict[str, Any]:
    kind = message.get("kind")
    if kind == "start":
        return {"tool": "autodiff", "config": {"version": ad.__version__}}
    if kind == "define":
        module = message.get("module")
        if module in MODULES:
            return {"success": True}
        return {"success": False, "error": f"autodiff implements no module {module!r} (it has {', '.join(MODULES)})"}
    if kind == "evaluate":
        module = MODULES.get(message.get("module", ""))
        if module is None:
            return {"success": False, "error": f"autodiff implements no module {message.get('module')!r}"}
        try:
            output, timings = module(message["function"], message["input"])
        except LookupError as error:
            if error.args == (message["function"],):
                return {"success": False, "error": f"module {message['module']!r} has no function {message['function']!r}"}
            return {"success": False, "error": "".join(traceback.format_exception(error))}
        except Exception as error:  # the protocol's answer to anything that went wrong: success false, and why
            return {"success": False, "error": "".join(traceback.format_exception(error))}
        return {"success": True, "output": output, "timings": timings}
    return {}  # analysis, and any other kind: acknowledged


def main() -> None:
    for line in sys.stdin:
        if not line.strip():
            continue
        message = json.loads(line)
        print(json.dumps({"id": message["id"]} | respond(message)), flush=True)


if __name__ == "__main__":
    try:
        main()
    except (BrokenPipeError, KeyboardInterrupt):
        pass
