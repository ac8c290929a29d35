"""--compare and --why as views of one result: computed before anything is printed, then written as text or JSON."""

from __future__ import annotations

from typing import Any, NamedTuple

from ..engine import Step, Value
from ..evaluate import Result
from .mistakes import Comparison


class TeachingViews(NamedTuple):
    result: Result
    comparison: Comparison | None
    contributions: dict[int, list[Step]] | None
    why: list[Value]
    precision: int

    def json(self) -> dict[str, Any]:
        """The members these views add to the JSON document (keyword arguments of `write_json`)."""
        members: dict[str, Any] = {}
        if self.comparison is not None:
            members["compare"] = self.comparison
        if self.contributions is not None:
            members["contributions"] = self.contributions
        return members

    def sections(self) -> list[str]:
        """The text sections, in the order they are printed under the main view."""
        from ..render.teaching import render_compare, render_why

        texts = []
        if self.comparison is not None:
            texts.append(render_compare(self.comparison, self.precision))
        for node in self.why:
            assert self.contributions is not None
            texts.append(render_why(self.result, node, self.contributions.get(node.id, []), self.precision))
        return texts


def find_node(result: Result, name: str, option: str = "--why") -> Value:
    """The node a name refers to at the end of the program; ValueError with the names there are."""
    node = result.graph.names.get(name)
    if node is None:
        names = ", ".join(list(result.graph.names)[:20]) or "none"
        raise ValueError(f"{option} {name}: the program binds no name '{name}' (its names: {names})")
    return node


def teaching_views(result: Result, compare: str | None, why: tuple[str, ...], explain: bool, precision: int) -> TeachingViews:
    """Compute what --compare, --why and --explain ask for; ValueError for a bad mistake name or --why name."""
    from .contributions import contributions
    from .mistakes import compare as run_compare
    from .mistakes import parse_variants

    comparison = run_compare(result, parse_variants(compare), precision) if compare is not None else None
    nodes = [find_node(result, name) for name in why]
    steps = contributions(result) if (why or explain) else None
    return TeachingViews(result, comparison, steps, nodes, precision)
