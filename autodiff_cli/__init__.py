"""autodiff: differentiate small programs of scalar assignments from the command line.

>>> from autodiff_cli import evaluate
>>> evaluate("a = 3; b = a + a").variables["a"].grad
2.0
"""

# Imported eagerly on purpose: a lazy attribute named `evaluate` would be
# replaced by the submodule of the same name the first time it is imported.
from .engine import Value, backward, topological_order
from .errors import ProgramError, UsageError
from .evaluate import Graph, Result, evaluate

__version__ = "0.1.0"



def load_ipython_extension(ipython: object) -> None:
    """`%load_ext autodiff_cli`: the `%autodiff` and `%%autodiff` magics (IPython is imported only then)."""
    from .notebook import load_ipython_extension as load

    load(ipython)


__all__ = [
    "Graph",
    "ProgramError",
    "Result",
    "UsageError",
    "Value",
    "__version__",
    "backward",
    "evaluate",
    "topological_order",
]
