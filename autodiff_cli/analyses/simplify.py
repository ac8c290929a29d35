"""--simplify: each --symbolic formula simplified by SymPy, within a time budget.

Simplifying is computer algebra, so SymPy does it (the optional extra
`autodiff-cli[sympy]`).  The derivative graph (derivative.gradient) is sent
to a child process as a table of nodes (an operation's name and its
operands' positions, never text to parse); the child builds SymPy
expressions node by node, simplifies, shares common parts with `sympy.cse`,
and answers with a table of the same kind, one formula per line, as soon as
each is done.  Here the answer becomes ordinary nodes again, so it is printed
by the same writers as every formula (formula.py in the language, latex.py in
LaTeX) and checked: its value at the program's inputs must be the raw
formula's, or the raw formula is kept, with a note.

Why a child process: SymPy's simplify cannot be interrupted from a thread,
and a signal would stop it at any point of its own state.  The budget is a
deadline on the child: what it has answered by then is used, the rest stays
unsimplified (with a note), and the child is killed.  This module imports
SymPy only in the child; the parent never does.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections.abc import Sequence
from typing import Any, NamedTuple

from ..base.children import Reaped, kill_group
from ..base.errors import UsageError
from ..core.engine import CONSTANT, INPUT, Value, topological_order
from ..core.ops import OPERATIONS, DomainError

EXTRA = "pip install 'autodiff-cli[sympy]'"
MISSING = f"--simplify needs SymPy, which is not installed: {EXTRA}"

# A node table: ["input", k] (the k-th input), ["const", "repr of a float"], or [op name, [operand positions]].
Entry = list[Any]


class SimplifiedFormulas(NamedTuple):
    """What --symbolic shows, simplified: text by input, graphs for LaTeX, and notes for stderr."""

    text: list[tuple[Value, list[str] | None]]  # None: undefined here (formula.writable)
    roots: list[tuple[Value, Value]]
    notes: list[str]


def sympy_available() -> bool:
    """Whether SymPy can be found, without importing it (that costs about half a second)."""
    import importlib.util

    try:
        return importlib.util.find_spec("sympy") is not None
    except (ImportError, ValueError):
        return False


def node_table(roots: Sequence[Value], inputs: Sequence[Value]) -> tuple[list[Entry], list[int]]:
    """The graphs under `roots` as one table, every node after its operands; and each root's position."""
    position: dict[int, int] = {}
    which_input = {id(node): k for k, node in enumerate(inputs)}
    table: list[Entry] = []
    for root in roots:
        for node in topological_order(root):
            if id(node) in position:
                continue
            if id(node) in which_input:
                entry: Entry = ["input", which_input[id(node)]]
            elif isinstance(node.op, str):
                entry = ["const", repr(float(node.data))]
            else:
                entry = [node.op.name, [position[id(child)] for child in node.children]]
            position[id(node)] = len(table)
            table.append(entry)
    return table, [position[id(root)] for root in roots]


def nodes_from_table(table: Sequence[Entry], root: int, inputs: Sequence[Value]) -> Value:
    """The answer's table as nodes over the program's own inputs (DomainError if a value leaves a domain)."""
    built: list[Value] = []
    for entry in table:
        kind = entry[0]
        if kind == "input":
            built.append(inputs[entry[1]])
        elif kind == "const":
            built.append(Value(float(entry[1]), CONSTANT))
        else:
            op = OPERATIONS[kind]
            children = tuple(built[i] for i in entry[1])
            data = op.forward(*[child.data for child in children])
            if not math.isfinite(data):
                raise DomainError(f"{kind} overflows")
            built.append(Value(data, op, children))
    return built[root]


def simplified_formulas(result: Any, timeout: float, names: dict[int, str] | None = None) -> SimplifiedFormulas:
    """Each dependent input's formula, simplified where SymPy answers in time and agrees numerically.

    `names` (node id -> name) names the inputs as `Result.formulas` does.
    """
    if not sympy_available():
        raise UsageError(MISSING)
    from ..core.derivative import gradient
    from ..core.formula import number, program, writable
    from ..core.ops import CONSTANTS
    from ..language.evaluate import BUILTINS

    graph = result.graph
    inputs = result.dependent_inputs()
    names = names or {}

    def leaf(node: Value) -> str:
        if node.op is INPUT:
            return names.get(node.id) or graph.label(node)
        return number(node.data)[0]

    raw = [gradient(result.output, x) for x in inputs]
    table, positions = node_table(raw, inputs)
    answers, notes = _ask_child(table, positions, timeout)
    output = result.output_name
    roots: list[tuple[Value, Value]] = []
    for index, (x, original) in enumerate(zip(inputs, raw)):
        label = f"∂{output}/∂{leaf(x)}"
        answer = answers.get(index)
        root = original
        if answer is None:
            notes.append(f"{label}: SymPy did not finish within {timeout:g} s (--simplify-timeout); shown unsimplified")
        elif "error" in answer:
            notes.append(f"{label}: {answer['error']}; shown unsimplified")
        else:
            try:
                candidate = nodes_from_table(answer["nodes"], answer["root"], inputs)
            except (DomainError, OverflowError, ValueError, ZeroDivisionError) as error:
                notes.append(f"{label}: SymPy's form cannot be evaluated here ({error}); shown unsimplified")
            else:
                if _agrees(candidate.data, original.data):
                    root = candidate
                else:
                    notes.append(
                        f"{label}: SymPy's form gives {candidate.data!r} here, not {original.data!r}; shown unsimplified"
                    )
        roots.append((x, root))

    reserved = {*BUILTINS, *CONSTANTS, *(leaf(node) for node in inputs)}

    def preferred(node: Value) -> str | None:
        return node.name

    text = [(x, program(root, leaf, preferred, reserved, set(graph.names)) if writable(root) else None) for x, root in roots]
    return SimplifiedFormulas(text, roots, notes)


def _agrees(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b) or math.isinf(a) or math.isinf(b):
        return a == b or (math.isnan(a) and math.isnan(b))
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def _ask_child(table: list[Entry], positions: list[int], timeout: float) -> tuple[dict[int, dict[str, Any]], list[str]]:
    """Run the child on the table; return its answers by formula (those it gave in time) and notes."""
    request = json.dumps({"nodes": table, "roots": positions})
    pipe = subprocess.PIPE
    # Isolated (-I): no PYTHON* variable, no user site, and above all not the working directory on
    # sys.path, where a `sympy.py` of whoever handed in the program would be imported.  The child is
    # given this process's own import path instead (_child_path), so it finds SymPy where we did.
    started = subprocess.Popen(
        [sys.executable, "-I", "-c", _CHILD, *_child_path()],
        stdin=pipe, stdout=pipe, stderr=pipe, text=True, start_new_session=True,
    )
    with Reaped(started) as child:
        try:
            stdout, stderr = child.communicate(request, timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_group(child)
            stdout, stderr = child.communicate()  # what it wrote before the deadline is kept
    answers: dict[int, dict[str, Any]] = {}
    notes: list[str] = []
    for line in stdout.splitlines():
        try:
            answer = json.loads(line)
        except ValueError:
            continue  # a line cut off by the deadline
        if "missing" in answer:
            raise UsageError(MISSING)
        answers[answer["index"]] = answer
    if child.returncode not in (0, -9) and not answers:
        last = stderr.strip().splitlines()[-1:] or ["no message"]
        notes.append(f"SymPy failed ({last[0]})")
    return answers, notes


#: The child's first lines: our import path (argv) in place of one that starts at the working directory.
_CHILD = "import sys; sys.path[:] = sys.argv[1:]; from autodiff_cli.analyses.simplify import _worker; sys.exit(_worker())"


def _child_path() -> list[str]:
    """This process's import path, with the directory of this package, never the working directory.

    A relative entry ('' is the working directory) means a different place in
    the child, and the working directory itself is where an untrusted program
    may sit beside planted modules.
    """
    here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    cwd = os.getcwd()
    path = [entry for entry in sys.path if os.path.isabs(entry) and os.path.normpath(entry) != cwd]
    return path if here in path else [*path, here]


# ====================================================================== the child (imports SymPy)


def _worker() -> int:
    try:
        import sympy  # type: ignore[import-untyped]
    except ImportError:
        print(json.dumps({"missing": "sympy"}), flush=True)
        return 3
    request = json.load(sys.stdin)
    expressions = _expressions(sympy, request["nodes"])
    for index, position in enumerate(request["roots"]):
        try:
            answer = _simplify(sympy, expressions[position])
            answer["index"] = index
        except Unsupported as error:
            answer = {"index": index, "error": f"SymPy's form uses {error}, which autodiff has not"}
        except Exception as error:  # SymPy's own failures (RecursionError on a deep formula, ...)
            answer = {"index": index, "error": f"SymPy gave up ({type(error).__name__})"}
        print(json.dumps(answer), flush=True)
    return 0


class Unsupported(Exception):
    """SymPy's answer holds something the language cannot say (named in the message)."""


def _expressions(sympy: Any, table: Sequence[Entry]) -> list[Any]:
    """The table as SymPy expressions, node by node (every operand before its user)."""
    symbols: dict[int, Any] = {}
    built: list[Any] = []
    for entry in table:
        kind = entry[0]
        if kind == "input":
            k = entry[1]
            symbols.setdefault(k, sympy.Symbol(f"x{k}", real=True))
            built.append(symbols[k])
            continue
        if kind == "const":
            built.append(_constant(sympy, float(entry[1])))
            continue
        args = [built[i] for i in entry[1]]
        built.append(_apply(sympy, kind, args))
    return built


def _constant(sympy: Any, x: float) -> Any:
    if math.isnan(x):
        return sympy.nan
    if math.isinf(x):
        return sympy.oo if x > 0 else -sympy.oo
    exact = sympy.Rational(x)  # a double is a dyadic fraction: exact
    if exact.q <= 1024:
        return exact
    return sympy.Float(x)


def _apply(sympy: Any, kind: str, args: list[Any]) -> Any:
    """The operation `kind` on SymPy expressions, as its row says (ops.Operation.sympy)."""
    write = OPERATIONS[kind].sympy
    assert write is not None, f"the row {kind} has no SymPy form"
    return write(sympy, *args)


def _simplify(sympy: Any, expression: Any) -> dict[str, Any]:
    simpler = sympy.simplify(expression)
    if sympy.count_ops(simpler) > sympy.count_ops(expression):
        simpler = expression
    replacements, (reduced,) = sympy.cse(simpler, symbols=sympy.numbered_symbols("_cse"))
    return _to_table(sympy, replacements, reduced)


def _to_table(sympy: Any, replacements: list[tuple[Any, Any]], reduced: Any) -> dict[str, Any]:
    """SymPy expressions back to a node table of autodiff's operations, walked with a stack."""
    table: list[Entry] = []
    memo: dict[Any, int] = {}

    def const(x: float) -> int:
        table.append(["const", repr(float(x))])
        return len(table) - 1

    def emit(kind: str, *operands: int) -> int:
        table.append(["input", operands[0]] if kind == "input" else [kind, list(operands)])
        return len(table) - 1

    for symbol, expression in [*replacements, (None, reduced)]:
        stack: list[tuple[Any, bool]] = [(expression, False)]
        while stack:
            expr, ready = stack.pop()
            if expr in memo:
                continue
            plan = _plan(sympy, expr)
            if not ready:
                stack.append((expr, True))
                stack.extend((child, False) for child in reversed(plan[1]) if child not in memo)
                continue
            memo[expr] = plan[0]([memo[child] for child in plan[1]], const, emit)
        if symbol is not None:
            memo[symbol] = memo[expression]
    return {"nodes": table, "root": memo[reduced]}


def _plan(sympy: Any, expr: Any) -> tuple[Any, list[Any]]:
    """How to write `expr`: a builder taking its operands' positions, and those operands."""
    if expr.is_Symbol:
        name = expr.name
        if not name.startswith("x"):
            raise Unsupported(f"the symbol {name}")
        k = int(name[1:])
        return (lambda ops, const, emit: emit("input", k)), []
    if expr.is_Number:
        return _plan_number(sympy, expr)
    if expr is sympy.pi:
        return (lambda ops, const, emit: const(math.pi)), []
    if expr is sympy.E:
        return (lambda ops, const, emit: emit("exp", const(1.0))), []
    if expr.is_Add:
        terms = list(expr.as_ordered_terms())
        negative = [term.could_extract_minus_sign() for term in terms]
        operands = [-term if minus else term for term, minus in zip(terms, negative)]

        def build_sum(ops: list[int], const: Any, emit: Any) -> int:
            total = emit("neg", ops[0]) if negative[0] else ops[0]
            for op, minus in zip(ops[1:], negative[1:]):
                total = emit("sub" if minus else "add", total, op)
            return total

        return build_sum, operands
    if expr.is_Mul:
        return _plan_product(sympy, expr)
    if expr.is_Pow:
        base, exponent = expr.args
        if exponent == sympy.Rational(1, 2):
            return (lambda ops, const, emit: emit("sqrt", ops[0])), [base]
        if exponent.is_Number and exponent < 0:
            return (lambda ops, const, emit: emit("div", const(1.0), ops[0])), [base ** (-exponent)]
        return (lambda ops, const, emit: emit("pow", ops[0], ops[1])), [base, exponent]
    if isinstance(expr, (sympy.Max, sympy.Min)):
        kind = "max" if isinstance(expr, sympy.Max) else "min"

        def build_fold(ops: list[int], const: Any, emit: Any) -> int:
            total = ops[0]
            for op in ops[1:]:
                total = emit(kind, total, op)
            return total

        return build_fold, list(expr.args)
    if isinstance(expr, sympy.Abs):
        return (lambda ops, const, emit: emit("abs", ops[0])), list(expr.args)
    name = getattr(expr.func, "__name__", str(expr.func))
    if expr.is_Function and name in OPERATIONS and OPERATIONS[name].arity == len(expr.args):
        return (lambda ops, const, emit: emit(name, *ops)), list(expr.args)
    raise Unsupported(name)


def _plan_number(sympy: Any, expr: Any) -> tuple[Any, list[Any]]:
    if expr.is_Rational and not expr.is_Integer:
        p, q = int(expr.p), int(expr.q)
        if p < 0:
            return (lambda ops, const, emit: emit("neg", emit("div", const(-p), const(q)))), []
        return (lambda ops, const, emit: emit("div", const(p), const(q))), []
    value = float(expr)
    return (lambda ops, const, emit: const(value)), []


def _plan_product(sympy: Any, expr: Any) -> tuple[Any, list[Any]]:
    """A product as numerator / denominator, a negative coefficient as one minus sign in front."""
    coefficient, factors = expr.as_coeff_mul()
    minus = coefficient < 0
    coefficient = abs(coefficient)
    numerator, denominator = [], []
    for factor in factors:
        if factor.is_Pow and factor.args[1].is_Number and factor.args[1] < 0:
            denominator.append(factor.args[0] ** (-factor.args[1]))
        else:
            numerator.append(factor)
    p, q = (int(coefficient.p), int(coefficient.q)) if coefficient.is_Rational else (float(coefficient), 1)
    count = len(numerator)

    def build(ops: list[int], const: Any, emit: Any) -> int:
        top = ops[:count]
        value = None if p == 1 and top else const(p)
        for op in top:
            value = op if value is None else emit("mul", value, op)
        bottom = ops[count:]
        below = const(q) if q != 1 else None
        for op in bottom:
            below = op if below is None else emit("mul", below, op)
        if below is not None:
            value = emit("div", value, below)
        return emit("neg", value) if minus else value  # type: ignore[arg-type,return-value]

    return build, numerator + denominator


if __name__ == "__main__":
    sys.exit(_worker())
