"""Every operation of the table runs on NumPy arrays (how closely: tests/whole/test_sweep_agreement.py)."""

from __future__ import annotations

import pytest

np = pytest.importorskip("numpy", reason="NumPy is the optional 'sweep' extra")

from autodiff_cli.core import arraymath  # noqa: E402
from autodiff_cli.core.ops import OPERATIONS, Operation  # noqa: E402


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_every_operation_is_vectorised(name: str) -> None:
    """A row needs a formula and a rule NumPy can run (`m.where` for a branch, no Python `if`
    on values); otherwise sweeps fall back to a slow point-by-point path."""
    assert not arraymath.uses_pointwise(OPERATIONS[name]), f"{name} runs point by point on arrays"


def test_a_rule_numpy_cannot_run_falls_back_to_points() -> None:
    """A rule with a Python `if` (an operation another module might add) still gives the right numbers."""
    op = Operation("step_up", 1, lambda x: x, lambda m, x, out: (2.0 if x > 0 else 3.0,), ("2 or 3",))
    assert arraymath.uses_pointwise(op)
    x = np.array([-1.0, 0.0, 1.0])
    assert arraymath.forward(op, x).tolist() == [-1.0, 0.0, 1.0]
    assert arraymath.derivatives(op, x, x)[0].tolist() == [3.0, 3.0, 2.0]
