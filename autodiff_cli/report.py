"""One report per program: the differentiated result plus every view that was asked for.

Views are computed here, before anything is printed, so a writer only
decides how each one looks in its format, and an error in a view (a pole of
a second derivative) cannot leave half a document on stdout.
"""

from __future__ import annotations

from .analyses.subject import Subject
from .base.typing_lite import TYPE_CHECKING
from .core.engine import Step, Value

if TYPE_CHECKING:
    from .analyses.check import CheckRow
    from .analyses.descend import Descent
    from .analyses.explain import ExplainEntry
    from .analyses.modes import ForwardView, JacobianView, TaylorView
    from .analyses.points import Sweep
    from .analyses.teaching.comparison import Comparison
    from .base.options import Options
    from .language.evaluate import Result


class Report(Subject):
    """A `Subject` (result, options, input keys) and each view (None where not asked)."""

    def __init__(self, result: Result, options: Options, source_field: str | None = None) -> None:
        super().__init__(result, options)
        self.source_field = source_field  # the "source" member of JSON Lines from `run`
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
        self.descent: Descent | None = None  # --descend: every step of gradient descent

    # -- how it shows itself: the page in Jupyter, the table and its views in IPython and Rich (display.py)
    def _repr_html_(self) -> str:
        from .interface.display import report_html

        return report_html(self)

    def __rich__(self) -> object:
        from .interface.display import report_rich

        return report_rich(self)

    def _repr_pretty_(self, printer: object, cycle: bool) -> None:
        from .interface.display import report_text

        printer.text(report_text(self))  # type: ignore[attr-defined]

    @property
    def failed(self) -> bool:
        """Whether a view found the program wrong (a gradient check that failed)."""
        return self.check is not None and any(row.status == "FAIL" for row in self.check)


def build_report(result: Result, options: Options, source_field: str | None = None) -> Report:
    """Compute every view `options` asks for; nothing is printed here.

    Each view reads the result and returns its own data; none writes a node
    (tests/whole/test_pure_views.py), so the order below is only the order of the code.
    """
    report = Report(result, options, source_field)
    if options.descend:
        from .analyses.descend import descend

        # The other views are refused with --descend (descend.check_usage); the page shows every step.
        report.descent = descend(result, options, keep_nodes=options.format == "html" or options.render is not None)
        return report
    if options.hessian:
        report.hessian = result.hessian()
    if options.simplify:
        from .analyses.simplify import simplified_formulas

        simplified = simplified_formulas(result, options.simplify_timeout, _formula_names(report))
        report.formulas, report.formula_roots, report.notes = simplified
    elif options.symbolic:
        report.formulas = result.formulas(_formula_names(report))
    if (options.of is not None and "," in options.of) or options.mode is not None or options.taylor is not None:
        from .analyses.modes import mode_views

        report.jacobian, report.forward, report.taylor = mode_views(report)
    if options.check:
        from .analyses.check import gradient_check

        report.check = gradient_check(result, options.tolerance, report.grad)
    if options.explain and report.forward is None:  # in forward mode the forward passes explain
        from .analyses.explain import explain

        report.explain = explain(result)
    if options.sweep:
        from .analyses.sweep import requested_sweep

        report.sweep = requested_sweep(result, options)
    elif options.format in ("csv", "parquet"):
        from .analyses.points import one_point

        report.sweep = one_point(result, report.grad)
    if options.why or (options.explain and report.forward is None):
        from .analyses.teaching.contributions import contributions

        report.why = [_named(report, name, "--why") for name in options.why] if options.why else None
        report.contributions = contributions(result, report.explain)
    if options.compare is not None:
        from .analyses.teaching.comparison import compare

        report.compare = compare(report, options.compare)
    return report


def _named(report: Report, name: str, option: str) -> Value:
    """The node a name is bound to at the end of the program, or an input by its key (`a@1`); else UsageError."""
    result = report.result
    node = result.graph.names.get(name)
    if node is None and "@" in name:
        node = next((result.graph.nodes[node_id] for node_id, key in report.keys.items() if key == name), None)
    if node is None:
        from .base.errors import UsageError

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
