"""The page and the drawing without a browser: self-contained, laid out without Graphviz, sizes."""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from autodiff_cli import evaluate
from autodiff_cli.base.options import Options
from autodiff_cli.interface.cli import cli
from autodiff_cli.render.html import DRAW_LIMIT, page_document, page_fragment
from autodiff_cli.render.layout import graphviz_layout, layered_layout, record_cells
from autodiff_cli.report import build_report


def report_of(program: str, **options):
    return build_report(evaluate(program), Options(**options))


ENV = {"COLUMNS": "80", "NO_COLOR": "1"}
SEED = "a = -2; b = 3; d = a*b; e = a+b; f = d*e"
PROGRAMS = {
    "seed": SEED,
    "twice": "a = 3; b = a + a",
    "neuron": "x = 0.5; w = -1.5; b = 0.25; y = tanh(x*w + b) * x",
    "reuse": "x = 2; y = x * x * x + max(x, 3) / x - 2 ** x",
}


def run(*args: str):
    return CliRunner(env=ENV).invoke(cli, list(args))


def page_data(html: str) -> dict:
    match = re.search(r'<script type="application/json" class="adp-data">(.*?)</script>', html, re.S)
    assert match
    return json.loads(match.group(1).replace("<\\/", "</"))


def test_format_html_is_one_self_contained_document():
    result = run("eval", "--format", "html", SEED)
    assert result.exit_code == 0, result.stderr
    html = result.stdout
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert "default-src 'none'" in html  # the browser itself refuses any request
    # No address anywhere but the SVG namespace (an identifier, never fetched).
    assert set(re.findall(r"https?://[^\s\"'<>]+", html)) == {"http://www.w3.org/2000/svg"}
    assert not re.search(r"\b(src|href)\s*=", html)


@pytest.mark.parametrize("name", PROGRAMS, ids=list(PROGRAMS))
def test_steps_end_at_the_json_gradients(name):
    """The last running sum of every node the steps reach is the gradient of --format json."""
    document = json.loads(run("eval", "--format", "json", PROGRAMS[name]).stdout)
    grads = {node["id"]: node["grad"] for node in document["nodes"]}
    data = page_data(run("eval", "--format", "html", PROGRAMS[name]).stdout)
    last: dict[int, str] = {}
    for step in data["steps"]:
        last[step[2]] = step[7]
    assert last
    for node_id, text in last.items():
        assert float(text) == pytest.approx(grads[node_id], rel=1e-5, abs=1e-12)


def test_a_node_used_twice_receives_two_contributions():
    data = page_data(run("eval", "--format", "html", "a = 3; b = a + a").stdout)
    received = [(step[2], step[6], step[7], step[9], step[10]) for step in data["steps"]]
    assert received == [(0, "0", "1", 1, 2), (0, "1", "2", 2, 2)]


def test_html_escapes_program_text_and_closes_no_script_early():
    html = page_document(report_of("a = 1  # </script><b>x</b>\nb = a * 2"))
    assert "<b>x</b>" not in html
    assert html.count("</script>") == 2


def test_fragments_have_unique_ids():
    report = report_of(SEED)
    first, second = page_fragment(report), page_fragment(report)
    ids = re.findall(r'\bid="([^"]+)"', first + second)
    assert len(ids) == len(set(ids)) == 4  # a root and an arrow marker each


def _boxes_overlap(a, b) -> bool:
    return a.x < b.x + b.w and b.x < a.x + a.w and a.y < b.y + b.h and b.y < a.y + a.h


@pytest.mark.parametrize("name", PROGRAMS, ids=list(PROGRAMS))
def test_layered_layout_draws_left_to_right_without_overlap(name):
    result = evaluate(PROGRAMS[name])
    widths = {node.id: sum(record_cells(result.label(node), "1", 1)) for node in result.order}
    place = layered_layout(result.order, widths)
    boxes = [*place.records.values(), *place.ops.values()]
    assert len(place.records) == len(result.order)
    for i, a in enumerate(boxes):
        assert a.x >= 0 and a.x + a.w <= place.width and a.y >= 0 and a.y + a.h <= place.height
        for b in boxes[i + 1 :]:
            assert not _boxes_overlap(a, b)
    for node in result.order:
        for child in node.children:
            assert place.records[child.id].x + place.records[child.id].w <= place.ops[node.id].x
        if node.children:
            assert place.ops[node.id].x + place.ops[node.id].w <= place.records[node.id].x
    assert set(place.edges) == {f"{n.id}.{i}" for n in result.order for i in range(len(n.children))} | {
        str(n.id) for n in result.order if n.children
    }


def test_layered_layout_of_a_deep_chain_needs_no_recursion():
    program = "x0 = 0.5\n" + "\n".join(f"x{i} = x{i - 1} * 0.5 + 1" for i in range(1, 1500))
    result = evaluate(program)
    place = layered_layout(result.order, dict.fromkeys((n.id for n in result.order), 100.0))
    assert len(place.records) == len(result.order)


def test_graphviz_layout_gives_the_same_boxes_and_edges():
    dot = shutil.which("dot")
    if dot is None:
        pytest.skip("Graphviz `dot` is not installed")
    result = evaluate("a = 3; b = a + a; c = b * a")
    widths = dict.fromkeys((n.id for n in result.order), 120.0)
    ours, theirs = layered_layout(result.order, widths), graphviz_layout(result.order, widths, dot)
    assert set(ours.records) == set(theirs.records) and set(ours.ops) == set(theirs.ops)
    assert set(ours.edges) == set(theirs.edges)
    assert theirs.engine == "graphviz"
    # the two uses of `a` in `a + a` are two different curves
    assert theirs.edges["1.0"] != theirs.edges["1.1"]


@pytest.mark.parametrize("suffix", ["svg", "html"])
def test_render_without_graphviz(tmp_path, monkeypatch, suffix):
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot to be found
    target = tmp_path / f"g.{suffix}"
    result = run("eval", "--render", str(target), SEED)
    assert result.exit_code == 0, result.stderr
    text = target.read_text()
    if suffix == "svg":
        root = ET.fromstring(text.split("?>", 1)[1])
        values = root.findall(".//{http://www.w3.org/2000/svg}g[@data-node]")
        assert len(values) == 5
        assert "grad -8" in "".join(root.itertext())  # b's final gradient
    else:
        assert 'data-layout="layered"' in text
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_page_over_the_limit_shows_table_and_steps_without_drawing():
    program = "a = 1\n" + "\n".join("a = a + 1" for _ in range(DRAW_LIMIT // 2 + 2))
    html = page_fragment(report_of(program))
    assert "too many to draw" in html and "<svg" not in html
    assert '<details class="adp-tablebox" open>' in html and '<details class="adp-stepbox" open>' in html


def test_views_asked_for_appear_under_the_page():
    html = run("eval", "--format", "html", "--explain", "--check", SEED).stdout
    assert '<pre class="adp-sections">' in html and "a.grad += b * d.grad" in html and "gradient check" in html


def test_compare_and_why_reach_the_page():
    data = page_data(run("eval", "--format", "html", "--compare", "--why", "a", SEED).stdout)
    extras = data["extras"]
    assert set(extras["compare"]) == {"overwrite", "no-sort", "no-reset"}
    assert extras["why"] == ["0"] and len(extras["contributions"]["0"]) == 2  # a is used by d and by e
