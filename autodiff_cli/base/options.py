"""What a person asked for: one object made once from the command line, shared with the REPL."""

from __future__ import annotations

from .typing_lite import NamedTuple


class Options(NamedTuple):
    """Every choice that shapes a run's output (a NamedTuple: `dataclasses` costs start-up time).

    Commands build it once from their options; the REPL keeps one and replaces
    fields (`options._replace(of="d")`).  Views are off unless asked for.
    """

    of: str | None = None
    format: str = "table"
    precision: int = 6
    show_all: bool = False
    explain: bool = False
    check: bool = False
    tolerance: float = 1e-6
    hessian: bool = False
    symbolic: bool = False
    render: str | None = None
    at: tuple[str, ...] = ()  # --at NAME=VALUE, as given
    sweep: tuple[str, ...] = ()  # --sweep NAME=START:STOP:COUNT, as given
    plot: str | None = None  # --plot: "-" for the terminal, or an image file
    compare: tuple[str, ...] | None = None  # the classic mistakes to run beside the backward pass (teaching/mistakes.py)
    why: tuple[str, ...] = ()  # names whose gradient is shown as the sum of its uses
    quiz_tolerance: float = 1e-3  # a quiz answer is right within quiz_tolerance * max(1, |grad|)
    mode: str | None = None  # "reverse" or "forward"; None: reverse, and a Jacobian takes the one with fewer passes
    taylor: str | None = None  # "NAME:K": the first K derivatives along input NAME
    simplify: bool = False  # --simplify: formulas simplified by SymPy (implies symbolic)
    simplify_timeout: float = 10.0
    emit: str | None = None  # --emit python|c: the derivative as code instead of a view
    standalone: bool = False  # --format latex as a complete document
    descend: tuple[str, ...] = ()  # --descend NAMES: the inputs gradient descent moves (analyses/descend.py)
    lr: float = 0.1  # --lr: its learning rate
    steps: int = 10  # --steps: how many updates
