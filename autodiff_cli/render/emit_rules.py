"""The dialects generated code is written in: what the rows' code templates call `d`.

`--emit` writes a program's derivative as Python or C.  Each row of the table
of operations holds its own code (`ops.Code`: forward expression, domain
guards, local derivatives and any helper function, as text templates over a
dialect), written once for both languages; a `Dialect` says the little that
differs between them, and records the helpers a file must define.
tests/render/test_emit.py runs every row's code against autodiff at ordinary points
and at every kink.
"""

from __future__ import annotations

from ..core.ops import OPERATIONS


class Dialect:
    """The little that differs between Python and C expressions; records the helpers used."""

    name = ""
    inf = ""
    nan = ""

    def __init__(self) -> None:
        self.helpers_used: set[str] = set()

    def call(self, function: str, *args: str) -> str:
        raise NotImplementedError

    def helper(self, name: str, *args: str) -> str:
        """A function of the generated file's own: the `helper` of the row `name`."""
        self.helpers_used.add(name)
        return f"{self.helper_name(name)}({', '.join(args)})"

    def helper_source(self, name: str) -> str:
        """The definition of a helper `helper` was asked for."""
        raise NotImplementedError

    def helper_name(self, name: str) -> str:
        raise NotImplementedError

    def choose(self, condition: str, then: str, otherwise: str) -> str:
        raise NotImplementedError

    def both(self, a: str, b: str) -> str:
        raise NotImplementedError

    def either(self, a: str, b: str) -> str:
        raise NotImplementedError

    def not_integer(self, x: str) -> str:
        """x has a fractional part (x is finite here)."""
        return f"{x} != {self.call('floor', x)}"


class PythonDialect(Dialect):
    name = "python"
    inf = "math.inf"
    nan = "math.nan"

    def call(self, function: str, *args: str) -> str:
        return f"math.{function}({', '.join(args)})"

    def helper_name(self, name: str) -> str:
        return f"_{name}"

    def helper_source(self, name: str) -> str:
        return _helper(name)[0]

    def choose(self, condition: str, then: str, otherwise: str) -> str:
        return f"({then} if {condition} else {otherwise})"

    def both(self, a: str, b: str) -> str:
        return f"({a} and {b})"

    def either(self, a: str, b: str) -> str:
        return f"({a} or {b})"


class CDialect(Dialect):
    name = "c"
    inf = "INFINITY"
    nan = "NAN"

    def call(self, function: str, *args: str) -> str:
        return f"{function}({', '.join(args)})"

    def helper(self, name: str, *args: str) -> str:
        if _helper(name)[1] is None:  # C's own function already returns inf on overflow
            return self.call(name, *args)
        return super().helper(name, *args)

    def helper_name(self, name: str) -> str:
        return f"ad_{name}"

    def helper_source(self, name: str) -> str:
        return _helper(name)[1] or ""

    def choose(self, condition: str, then: str, otherwise: str) -> str:
        return f"({condition} ? {then} : {otherwise})"

    def both(self, a: str, b: str) -> str:
        return f"({a} && {b})"

    def either(self, a: str, b: str) -> str:
        return f"({a} || {b})"


def _helper(name: str) -> tuple[str, str | None]:
    code = OPERATIONS[name].code
    assert code is not None and code.helper is not None, f"the row {name} defines no helper"
    return code.helper
