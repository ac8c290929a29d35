"""--emit python|c: a program's value and gradient as straight-line code.

The generated function runs the forward statements of the graph in
topological order, then the backward pass of engine.backward written out:
gradients start at 0, the output's at 1, and each node, in reverse order,
adds `local * grad` into each input's gradient (`a_grad += b * f_grad`), so a
node used twice gets both uses.  The maths of every step is the code of its
operation's row (`ops.Code`), which follows the row's policy (tests compare
the two).

Built one statement per node in one loop: no recursion, linear in the size
of the graph.  autodiff never runs the text it writes.

Program text reaches the code only through render/escape.py: labels and
file names in comments and messages are escaped for the language, and
names are mapped to identifiers (`v_x`, the function `grad_f`) that cannot
be a keyword or a library name, so nothing a program says can run.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from ..base.version import __version__
from ..core.engine import CONSTANT, INPUT, Value
from ..core.ops import Code
from ..language.evaluate import Result
from .emit_rules import CDialect, Dialect, PythonDialect
from .escape import c_comment, function_name, identifier, python_string, python_text

LANGUAGES = ("python", "c")

class _Lines:
    """Line numbers of source offsets, from one pass over the text (a count per node was quadratic)."""

    def __init__(self, text: str) -> None:
        self.starts = [0]
        position = text.find("\n")
        while position != -1:
            self.starts.append(position + 1)
            position = text.find("\n", position + 1)

    def line(self, offset: int) -> int:
        return bisect_right(self.starts, offset)


class _Names:
    """Identifiers of the generated code, each used once.

    Every one made from the program starts with `v_` (escape.identifier), an
    unnamed node is `t1`, `t2`, ..., and a gradient adds `_grad`: none can be
    a name of the target language or its libraries, so no list of reserved
    words is needed.  Only two program names can meet (`a_grad` and the
    gradient of `a`), and the later gets a suffix.
    """

    def __init__(self) -> None:
        self.taken: set[str] = set()
        self.suffix: dict[str, int] = {}  # the last suffix tried per base: a name rebound 1,000 times stays linear

    def fresh(self, base: str) -> str:
        name, n = base, self.suffix.get(base, 1)
        if n > 1:
            name = f"{base}_{n}"
        while name in self.taken:
            n += 1
            name = f"{base}_{n}"
        self.suffix[base] = n
        self.taken.add(name)
        return name


def emit(result: Result, language: str, keys: dict[int, str] | None = None) -> str:
    """The derivative of `result`'s output as a Python module or a C99 function (text)."""
    dialect: Dialect = PythonDialect() if language == "python" else CDialect()
    if keys is None:
        from ..analyses.subject import input_keys

        keys = input_keys(result)
    order = result.order
    output = result.output
    params = parameters(result)

    # Names: parameters first (their keys, `@` made `_`), then every other node.
    names = _Names()
    variable: dict[int, str] = {}
    for node in params:
        variable[node.id] = names.fresh(identifier(keys[node.id]))
    unnamed = 0
    for node in order:
        if node.op is not CONSTANT and node.id not in variable:
            if node.name is None:
                unnamed += 1
                variable[node.id] = names.fresh(f"t{unnamed}")
            else:
                variable[node.id] = names.fresh(identifier(node.name))
    # A node has a gradient worth computing when it depends on an input.
    needs = set()
    for node in order:
        if node.op is INPUT or any(child.id in needs for child in node.children):
            needs.add(node.id)
    gradient = {node.id: names.fresh(variable[node.id] + "_grad") for node in order if node.id in needs}
    function = function_name(result.output.name)

    def atom(node: Value) -> str:
        if node.op is CONSTANT:
            text = repr(float(node.data))
            return f"({text})" if text.startswith("-") else text
        return variable[node.id]

    forward: list[tuple[str, ...]] = []  # ("guard", condition, message) | ("let", name, expr) | ("finite", name, message)
    backward: list[tuple[str, ...]] = []  # ("open", grad) | ("close",) | ("add", grad, local, source_grad)
    lines = _Lines(result.graph.source.text)
    computed: dict[int, str] = {}  # each node's forward expression, repeated above its backward step
    for node in order:
        if isinstance(node.op, str):
            continue
        rule = _code(node)
        operands = [atom(child) for child in node.children]
        where = _where(result, node, lines)
        for condition, message in rule.guards(dialect, operands):
            forward.append(("guard", condition, f"{message} in {where}"))
        expression = rule.forward(dialect, operands)
        computed[node.id] = expression
        forward.append(("let", variable[node.id], expression))
        if rule.overflows:
            forward.append(("finite", variable[node.id], f"overflow: the result of {node.op.name} is too large in {where}"))
    for node in reversed(order):
        if isinstance(node.op, str) or node.id not in needs:
            continue
        rule = _code(node)
        operands = [atom(child) for child in node.children]
        local = rule.local(dialect, operands, variable[node.id])
        steps = [
            ("add", gradient[child.id], derivative, gradient[node.id])
            for child, derivative in zip(node.children, local)
            if child.id in needs
        ]
        if not steps:
            continue
        backward.append(("comment", f"{variable[node.id]} = {computed[node.id]}"))
        if rule.poles:
            backward.append(("open", gradient[node.id]))
            backward.extend(steps)
            backward.append(("close",))
        else:
            backward.extend(steps)

    head = _header(result, function, params, keys, language)
    if language == "python":
        return _python(head, function, params, variable, gradient, forward, backward, atom(output), output, keys, dialect)
    return _c(head, function, params, variable, gradient, forward, backward, atom(output), output, keys, dialect)


def parameters(result: Result) -> list[Value]:
    """The inputs the output depends on, in the order they were bound: the function's parameters."""
    return result.dependent_inputs()


def _expression_text(result: Result, node: Value) -> str:
    """The source text a node came from, on one line (for comments and messages)."""
    graph = result.graph
    start, end = graph.span(node)
    text = " ".join(graph.source.text[start:end].split())
    return text if len(text) <= 60 else text[:57] + "..."


def _code(node: Value) -> Code:
    """The code of a node's operation, from its row."""
    code = node.op.code  # type: ignore[union-attr]
    assert code is not None, f"the row {node.op_name} has no code"
    return code


def _where(result: Result, node: Value, lines: _Lines) -> str:
    return f"`{_expression_text(result, node)}` (line {lines.line(result.graph.starts[node.id])})"


def _header(result: Result, function: str, params: Sequence[Value], keys: dict[int, str], language: str) -> list[str]:
    source = result.graph.source.name
    gradient_of = ", ".join(keys[node.id] for node in params) or "no input"
    return [
        f"{function}: the value of {result.output_name} and its gradient over {gradient_of},",
        f"generated by autodiff {__version__} from {source} (--emit {language}).",
        result.output_name,
    ]


def _python(
    head: list[str],
    function: str,
    params: Sequence[Value],
    variable: dict[int, str],
    gradient: dict[int, str],
    forward: list[tuple[str, ...]],
    backward: list[tuple[str, ...]],
    result_text: str,
    output: Value,
    keys: dict[int, str],
    dialect: Dialect,
) -> str:
    lines = ['"""' + python_text(head[0]), python_text(head[1]), ""]
    lines += [
        "Straight-line code: the forward statements, then the backward pass with each",
        "node's contribution added into its inputs' gradients.  A value outside an",
        "operation's domain or too large for a double raises ValueError, as autodiff",
        "reports an error; kinks follow autodiff (relu'(0) = 0, abs'(0) = 0, max/min",
        "ties 0.5, sqrt'(0) = inf).",
        '"""',
        "",
        "import math",
        "",
    ]
    for name in sorted(dialect.helpers_used):
        lines += ["", dialect.helper_source(name)]
    signature = ", ".join(f"{variable[node.id]}: float" for node in params)
    lines += ["", f"def {function}({signature}) -> tuple[float, dict[str, float]]:"]
    body = ["# forward, in doubles as autodiff computes (an int argument would otherwise stay exact)"]
    body += [f"{variable[node.id]} = float({variable[node.id]})" for node in params]
    for step in forward:
        if step[0] == "guard":
            body += [f"if {step[1]}:", f"    raise ValueError({python_string(step[2])})"]
        elif step[0] == "let":
            body.append(f"{step[1]} = {step[2]}")
        else:
            body += [f"if not math.isfinite({step[1]}):", f"    raise ValueError({python_string(step[2])})"]
    body.append("# backward: each node adds local derivative x its gradient into its inputs'")
    output_grad = gradient.get(output.id)
    for grad in gradient.values():
        body.append(f"{grad} = {'1.0' if grad == output_grad else '0.0'}")
    indent = ""
    for step in backward:
        if step[0] == "comment":
            body.append(f"# {python_text(step[1])}")
        elif step[0] == "open":
            body.append(f"if {step[1]} != 0.0:  # nothing flows back through a node the output does not feel")
            indent = "    "
        elif step[0] == "close":
            indent = ""
        else:
            body.append(indent + _accumulate(step[1], step[2], step[3]))
    pairs = ", ".join(f"{python_string(keys[node.id])}: {gradient[node.id]}" for node in params)
    body.append(f"return {result_text}, {{{pairs}}}")
    lines += ["    " + line for line in body]
    return "\n".join(lines) + "\n"


def _accumulate(target: str, local: str, grad: str, end: str = "") -> str:
    # Multiplying by 1 or -1 is exact, so `+= g` and `-= g` give the engine's floats.
    if local == "1.0":
        return f"{target} += {grad}{end}"
    if local == "-1.0":
        return f"{target} -= {grad}{end}"
    return f"{target} += {_grouped(local)} * {grad}{end}"


def _grouped(text: str) -> str:
    """`text` as one operand of `*`: parenthesized unless it is one token or already one group."""
    if " " not in text:
        return text
    if text.startswith("("):
        depth = 0
        for index, char in enumerate(text):
            depth += {"(": 1, ")": -1}.get(char, 0)
            if depth == 0:
                if index == len(text) - 1:
                    return text
                break
    return f"({text})"


def _c(
    head: list[str],
    function: str,
    params: Sequence[Value],
    variable: dict[int, str],
    gradient: dict[int, str],
    forward: list[tuple[str, ...]],
    backward: list[tuple[str, ...]],
    result_text: str,
    output: Value,
    keys: dict[int, str],
    dialect: Dialect,
) -> str:
    count = len(params)
    lines = ["/* " + c_comment(head[0]), " * " + c_comment(head[1]), " *"]
    lines += [f" * grad[{i}] = d {c_comment(head[2])} / d {c_comment(keys[node.id])}" for i, node in enumerate(params)]
    lines += [
        " *",
        " * A value outside an operation's domain returns NaN with errno = EDOM; a result",
        " * too large for a double returns NaN with errno = ERANGE; either way every grad[i]",
        " * is NaN.  Otherwise errno is left as the maths library leaves it.  Kinks follow",
        " * autodiff (relu'(0) = 0, abs'(0) = 0, max/min ties 0.5, sqrt'(0) = inf).",
        " */",
        "#include <errno.h>",
        "#include <math.h>",
    ]
    if any(step[0] != "let" for step in forward):
        lines += [
            "",
            "static double ad_fail(double *grad, int count, int error)",
            "{",
            "    for (int i = 0; i < count; i++) grad[i] = NAN;",
            "    errno = error;",
            "    return NAN;",
            "}",
        ]
    for name in sorted(dialect.helpers_used):
        lines += ["", dialect.helper_source(name).rstrip("\n")]
    signature = ", ".join([*(f"double {variable[node.id]}" for node in params), "double *grad"])
    lines += ["", f"double {function}({signature})", "{"]
    body = ["/* forward */"]
    for step in forward:
        if step[0] == "guard":
            body.append(f"if ({step[1]}) return ad_fail(grad, {count}, EDOM); /* {c_comment(step[2])} */")
        elif step[0] == "let":
            body.append(f"const double {step[1]} = {step[2]};")
        else:
            body.append(f"if (!isfinite({step[1]})) return ad_fail(grad, {count}, ERANGE); /* {c_comment(step[2])} */")
    body.append("/* backward: each node adds local derivative x its gradient into its inputs' */")
    output_grad = gradient.get(output.id)
    for grad in gradient.values():
        body.append(f"double {grad} = {'1.0' if grad == output_grad else '0.0'};")
    indent = ""
    for step in backward:
        if step[0] == "comment":
            body.append(f"/* {c_comment(step[1])} */")
        elif step[0] == "open":
            body.append(f"if ({step[1]} != 0.0) {{ /* nothing flows back through a node the output does not feel */")
            indent = "    "
        elif step[0] == "close":
            body.append("}")
            indent = ""
        else:
            body.append(indent + _accumulate(step[1], step[2], step[3], ";"))
    body += [f"grad[{i}] = {gradient[node.id]};" for i, node in enumerate(params)]
    if not params:
        body.append("(void)grad;")
    body.append(f"return {result_text};")
    lines += ["    " + line for line in body]
    lines.append("}")
    return "\n".join(lines) + "\n"

