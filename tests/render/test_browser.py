"""The page in a real headless Chromium: every step of the seed programs, keys, hover, no request.

One browser for the module (Playwright driving the system's Chromium, no
browser download).  Screenshots of the first and last step go to
$AUTODIFF_ARTIFACTS when set (CI keeps them), else to pytest's tmp dir.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from autodiff_cli import evaluate
from autodiff_cli.base.options import Options
from autodiff_cli.render.html import page_fragment
from autodiff_cli.report import build_report
from tests.support import stdout_of

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install '.[test]')")

pytestmark = pytest.mark.e2e  # every test here starts a real process (tests/README.md)

PROGRAMS = {
    "seed": "a = -2; b = 3; d = a*b; e = a+b; f = d*e",
    "twice": "a = 3; b = a + a",
    "neuron": "x = 0.5; w = -1.5; b = 0.25; y = tanh(x*w + b) * x",
    "reuse": "x = 2; y = x * x * x + max(x, 3) / x - 2 ** x",
    "dead": "a = 1; b = 2; unused = a * 9; c = a * b + b",
}


def json_steps(program: str) -> tuple[dict, list[tuple[int, float, float]]]:
    """The JSON document of `--format json --explain`, and its steps: (receiving node id, before, after)."""
    document = json.loads(stdout_of("eval", "--format", "json", "--explain", program))
    steps = [(step["to"], step["before"], step["after"]) for entry in document["explain"] for step in entry["steps"]]
    return document, steps


def open_page(browser, tmp_path: Path, html: str, name: str = "page"):
    """A fresh page on `html` from disk, recording every request it makes."""
    path = tmp_path / f"{name}.html"
    path.write_text(html, encoding="utf-8")
    page = browser.new_page(viewport={"width": 1100, "height": 640})
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(path.as_uri())
    page.wait_for_selector(".adp-count")
    return page, requests, errors, path.as_uri()


SHOWN_GRADS = (
    "root => Object.fromEntries([...root.querySelectorAll('svg [data-grad]')].map(e => [e.dataset.grad, e.textContent]))"
)


def shown(page) -> dict[int, float | None]:
    texts = page.eval_on_selector(".adp", SHOWN_GRADS)
    return {int(key): (None if text == "—" else float(text)) for key, text in texts.items()}


@pytest.mark.parametrize("name", PROGRAMS, ids=list(PROGRAMS))
def test_next_walks_every_contribution(browser, tmp_path, artefacts, name):
    """Clicking Next through every step shows, on each node, the running sums of the JSON explain steps, and at last its grads."""
    program = PROGRAMS[name]
    document, expected = json_steps(program)
    labels = {node["id"]: node["label"] for node in document["nodes"]}
    page, requests, errors, url = open_page(browser, tmp_path, stdout_of("eval", "--format", "html", program), name)
    assert page.inner_text(".adp-count") == f"step 0 of {len(expected)}"
    grads = shown(page)
    assert grads[document["order"][-1]] == 1.0
    assert all(value in (0.0, None) for key, value in grads.items() if key != document["order"][-1])
    page.locator(".adp").screenshot(path=str(artefacts / f"{name}-first.png"))
    for number, (node_id, before, after) in enumerate(expected, 1):
        assert grads[node_id] == pytest.approx(before, rel=1e-5, abs=1e-12)
        page.click("[data-action=next]")
        now = shown(page)
        assert now[node_id] == pytest.approx(after, rel=1e-5, abs=1e-12), f"step {number}"
        changed = {key for key in now if now[key] != grads[key]}
        assert changed <= {node_id}
        assert page.inner_text(".adp-count") == f"step {number} of {len(expected)}"
        assert page.eval_on_selector(".adp", "r => r.querySelectorAll('.adp-e.adp-lit').length") == 1
        assert f"{labels[node_id]}.grad: " in page.inner_text(".adp-explain")
        grads = now
    page.locator(".adp").screenshot(path=str(artefacts / f"{name}-last.png"))
    final = {node["id"]: node["grad"] for node in document["nodes"]}
    for key, value in grads.items():
        if value is not None:
            assert value == pytest.approx(final[key], rel=1e-5, abs=1e-12)
    page.click("[data-action=next]")  # past the end: nothing moves
    assert page.inner_text(".adp-count") == f"step {len(expected)} of {len(expected)}"
    assert requests == [url] and errors == []
    page.close()


def test_twice_used_node_shows_both_contributions(browser, tmp_path):
    page, *_ = open_page(browser, tmp_path, stdout_of("eval", "--format", "html", "a = 3; b = a + a"))
    texts = []
    for _ in range(2):
        page.keyboard.press("ArrowRight")
        texts.append(page.inner_text(".adp-explain"))
    assert "a.grad: 0 → 1" in texts[0] and "contribution 1 of 2" in texts[0]
    assert "a.grad: 1 → 2" in texts[1] and "contribution 2 of 2" in texts[1]
    lit = page.eval_on_selector(".adp", "r => r.querySelector('.adp-e.adp-lit').dataset.edge")
    assert lit == "1.1"  # the second use's own edge
    page.close()


def test_keys_slider_and_reset(browser, tmp_path):
    page, *_ = open_page(browser, tmp_path, stdout_of("eval", "--format", "html", PROGRAMS["seed"]))
    page.keyboard.press("End")
    assert page.inner_text(".adp-count") == "step 6 of 6"
    page.keyboard.press("ArrowLeft")
    assert page.inner_text(".adp-count") == "step 5 of 6"
    page.keyboard.press("Home")
    assert page.inner_text(".adp-count") == "step 0 of 6"
    page.eval_on_selector(".adp-slider", "s => { s.value = '4'; s.dispatchEvent(new Event('input')); }")
    assert page.inner_text(".adp-count") == "step 4 of 6"
    assert shown(page)[1] == -6.0  # b after e's contribution, before d's
    page.click("[data-action=reset]")
    assert page.inner_text(".adp-count") == "step 0 of 6"
    page.click("[data-action=play]")
    page.wait_for_function("() => document.querySelector('.adp-count').textContent === 'step 2 of 6'", timeout=20_000)
    page.click("[data-action=play]")  # pause
    paused = page.inner_text(".adp-count")
    page.wait_for_timeout(1000)
    assert page.inner_text(".adp-count") == paused
    page.close()


def test_hover_links_graph_and_source(browser, tmp_path):
    page, *_ = open_page(browser, tmp_path, stdout_of("eval", "--format", "html", PROGRAMS["seed"]))
    page.hover("svg .adp-v[data-node='2']")  # d
    assert page.inner_text(".adp-st.adp-hot") == "d = a*b"
    assert page.inner_text(".adp-st.adp-hot mark") == "a*b"
    page.hover(".adp-st[data-stmt='3']")  # e = a+b
    hot = page.eval_on_selector(".adp", "r => [...r.querySelectorAll('svg .adp-v.adp-hot')].map(e => e.dataset.node)")
    assert hot == ["3"]
    page.click("svg .adp-v[data-node='0']")  # a: two contributions, at steps 3 and 5
    assert page.eval_on_selector(".adp-detail", "d => [...d.querySelectorAll('button')].map(b => b.textContent)") == ["3", "5"]
    page.click(".adp-detail button >> nth=1")
    assert page.inner_text(".adp-count") == "step 5 of 6"
    assert "grad -3" in page.inner_text(".adp-detail")  # the selected value's sum at this step
    page.close()


def test_two_pages_in_one_document_step_apart(browser, tmp_path):
    """As two notebook cells: each page moves on its own."""
    report = build_report(evaluate(PROGRAMS["seed"]), Options())
    html = "<!DOCTYPE html><html><body>" + page_fragment(report) + page_fragment(report) + "</body></html>"
    page, _, errors, _ = open_page(browser, tmp_path, html)
    page.click(".adp >> nth=1 >> [data-action=end]")
    counts = page.eval_on_selector_all(".adp-count", "cs => cs.map(c => c.textContent)")
    assert counts == ["step 0 of 6", "step 6 of 6"] and errors == []
    page.close()


def test_compare_toggles_and_why_shows_the_uses(browser, tmp_path):
    """--compare: a mistake's gradients replace the drawn ones until "correct"; --why a: a's uses, selected at load."""
    program = PROGRAMS["seed"]
    page, _, errors, _ = open_page(browser, tmp_path, stdout_of("eval", "--format", "html", "--compare", "--why", "a", program))
    assert page.inner_text(".adp-count") == "step 0 of 6" and "f.grad = 1" in page.inner_text(".adp-explain")
    why = page.inner_text(".adp-detail .adp-why")
    assert why.startswith("why: a.grad is the sum of its uses: via e") and "via d" in why
    page.click(".adp-extras button[data-variant='overwrite']")
    assert page.inner_text(".adp-count") == "step 6 of 6"  # a mistake's grads are final grads
    overwritten = shown(page)
    assert overwritten[0] == 3.0  # overwriting keeps only the last use: d's 3, not -6 + 3
    assert page.eval_on_selector_all("svg .adp-v.adp-wrong", "els => els.map(e => e.dataset.node)") == ["0", "1"]
    page.click(".adp-extras button[data-variant='correct']")
    assert shown(page)[0] == -3.0 and not page.query_selector("svg .adp-wrong")
    assert errors == []
    page.close()


def test_large_page_stays_responsive(browser, tmp_path, artefacts):
    """A 2,000-value program: time to first paint and per step are printed (benchmarks report them), never asserted."""
    program = "\n".join(f"x{i} = {0.1 * (i + 1):.1f}" for i in range(20))
    program += "\ns0 = x0 * x1\n" + "\n".join(f"s{i} = tanh(s{i - 1} * x{i % 20} + x{(i * 7) % 20})" for i in range(1, 660))
    result = evaluate(program)
    assert 1800 <= len(result.order) <= 2600
    html = stdout_of("eval", "--format", "html", program)
    started = time.perf_counter()
    page, requests, errors, url = open_page(browser, tmp_path, html, "large")
    loaded = time.perf_counter() - started
    paint = page.evaluate("() => (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime || null")
    started = time.perf_counter()
    for _ in range(20):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('.adp-count').textContent.startsWith('step 20 of')")
    per_step = (time.perf_counter() - started) / 20
    page.keyboard.press("End")
    total = int(page.inner_text(".adp-count").split()[-1])
    assert page.inner_text(".adp-count") == f"step {total} of {total}"
    assert shown(page)[0] == pytest.approx(result.graph.nodes[0].grad, rel=1e-5, abs=1e-12)
    assert errors == [] and requests == [url]
    print(f"\n2,000-node page: load {loaded:.2f} s, first paint {paint} ms, {per_step * 1000:.1f} ms a step")
    page.close()
