"""One report per program: the differentiated result plus every view that was asked for.

Views are computed here, before anything is printed, so a writer only
decides how each one looks in its format, and an error in a view (a pole of
a second derivative) cannot leave half a document on stdout.
"""

from __future__ import annotations

from .engine import INPUT, Step, Value
from .typing_lite import TYPE_CHECKING

if TYPE_CHECKING:
    from .check import CheckRow
    from .evaluate import Result
    from .explain import ExplainEntry
    from .mode_views import ForwardView, JacobianView, TaylorView
    from .options import Options
    from .points import Sweep
    from .teaching.mistakes import Comparison


class Report:
    """A `Result`, the options it was made under, and each view (None where not asked)."""

    def __init__(self, result: Result, options: Options, source_field: str | None = None) -> None:
        self.result = result
        self.options = options
        self.source_field = source_field  # the "source" member of JSON Lines from `run`
        self.keys = input_keys(result)
        self.explain: list[ExplainEntry] | None = None
        self.check: list[CheckRow] | None = None
        self.hessian: tuple[list[Value], list[list[float]]] | None = None
        self.formulas: list[tuple[Value, list[str] | None]] | None = None  # None: undefined here
        self.sweep: Sweep | None = None  # --sweep (or --format csv): every point's value and gradients
        self.compare: Comparison | None = None
        # node id -> the steps of the backward walk into it, in order (--why, and --explain in JSON)
        self.contributions: dict[int, list[Step]] | None = None
        self.why: list[Value] | None = None
        self.jacobian: JacobianView | None = None  # --of f,g,...
        self.forward: ForwardView | None = None  # --mode forward (its passes with --explain)
        self.taylor: TaylorView | None = None  # --taylor NAME:K
        # --simplify: each formula's graph (input, root) for LaTeX, and notes for stderr
        self.formula_roots: list[tuple[Value, Value]] | None = None
        self.notes: list[str] = []

    @property
    def output(self) -> Value:
        return self.result.output

    @property
    def output_name(self) -> str:
        return self.result.output_name

    def input_key(self, node: Value) -> str:
        """An input's unique key: its name, or `name@LINE` once a later binding took the name."""
        return self.keys[node.id]

    def label(self, node: Value) -> str:
        """How a node is named in every view: an input by its key, anything else as the graph names it."""
        key = self.keys.get(node.id)
        return key if key is not None else self.result.label(node)

    # -- how it shows itself: the page in Jupyter, the table and its views in IPython and Rich (display.py)
    def _repr_html_(self) -> str:
        from .display import report_html

        return report_html(self)

    def __rich__(self) -> object:
        from .display import report_rich

        return report_rich(self)

    def _repr_pretty_(self, printer: object, cycle: bool) -> None:
        from .display import report_text

        printer.text(report_text(self))  # type: ignore[attr-defined]

    @property
    def failed(self) -> bool:
        """Whether a view found the program wrong (a gradient check that failed)."""
        return self.check is not None and any(row.status == "FAIL" for row in self.check)


def input_keys(result: Result) -> dict[int, str]:
    """node id -> key for every input; a key never repeats.

    The input a name is bound to at the end keeps the plain name; an input
    whose name was later rebound (`a = 1; b = 2*a; a = 3`) is `a@1`, by the line
    of its binding, or `a@1:8` when two such inputs share a name and a line.
    `@` cannot occur in a name, so a key never collides with one.
    """
    graph = result.graph
    keys: dict[int, str] = {}
    shadowed: list[Value] = []
    for node in graph.nodes:
        if node.op is not INPUT:
            continue
        name = node.name or result.label(node)
        if graph.names.get(name) is node:
            keys[node.id] = name
        else:
            shadowed.append(node)
    places = {node.id: graph.source.line_and_column(graph.starts[node.id]) for node in shadowed}
    by_line: dict[tuple[str | None, int], int] = {}
    for node in shadowed:
        line = places[node.id][0]
        by_line[node.name, line] = by_line.get((node.name, line), 0) + 1
    for node in shadowed:
        line, column = places[node.id]
        name = node.name or result.label(node)
        keys[node.id] = f"{name}@{line}" if by_line[node.name, line] == 1 else f"{name}@{line}:{column}"
    return keys


def build_report(result: Result, options: Options, source_field: str | None = None) -> Report:
    """Compute every view `options` asks for; nothing is printed here."""
    report = Report(result, options, source_field)
    if options.hessian:
        report.hessian = result.hessian()
    if options.simplify:
        from .simplify import simplified_formulas

        simplified = simplified_formulas(result, options.simplify_timeout, _formula_names(report))
        report.formulas, report.formula_roots, report.notes = simplified
    elif options.symbolic:
        report.formulas = result.formulas(_formula_names(report))
    if (options.of is not None and "," in options.of) or options.mode is not None or options.taylor is not None:
        from .mode_views import add_mode_views

        add_mode_views(report)  # after the Hessian's passes, before --check reads the gradients
    if options.check:
        from .check import gradient_check

        report.check = gradient_check(result, options.tolerance)
    if options.explain and report.forward is None:  # in forward mode the forward passes explain
        from .explain import explain

        report.explain = explain(result)
    if options.sweep or options.format == "csv":
        from .points import points

        report.sweep = points(result, options)
    if options.why or (options.explain and report.forward is None):
        from .teaching.contributions import contributions

        report.why = [_named(report, name, "--why") for name in options.why] if options.why else None
        report.contributions = contributions(result, report.explain)
    if options.compare is not None:
        from .teaching.mistakes import compare

        report.compare = compare(report, options.compare)
    if report.forward is not None:
        # The last word on the inputs' gradients: a view after forward mode may have re-run the backward pass.
        ids = {key: node_id for node_id, key in report.keys.items()}
        for key, value in zip(report.forward.inputs, report.forward.gradient):
            result.graph.nodes[ids[key]].grad = value
    return report


def _named(report: Report, name: str, option: str) -> Value:
    """The node a name is bound to at the end of the program, or an input by its key (`a@1`); else UsageError."""
    result = report.result
    node = result.graph.names.get(name)
    if node is None and "@" in name:
        node = next((result.graph.nodes[node_id] for node_id, key in report.keys.items() if key == name), None)
    if node is None:
        from .errors import UsageError

        names = list(result.graph.names)
        shown = ", ".join(names[:20]) + (", …" if len(names) > 20 else "")
        raise UsageError(f"{option} {name}: the program binds no name '{name}' (its names: {shown or 'none'})")
    return node


def _formula_names(report: Report) -> dict[int, str]:
    """How formulas, which are text of the language, name each input: its key made a name."""
    taken = set(report.result.graph.names)
    names: dict[int, str] = {}
    for node_id, key in report.keys.items():
        if "@" not in key:
            names[node_id] = key
            continue
        name = key.replace("@", "_at").replace(":", "_")
        while name in taken:
            name += "_"
        taken.add(name)
        names[node_id] = name
    return names
