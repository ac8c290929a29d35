"""The page at the size of a lesson, in a real headless Chromium: 5, 40, 200 and 1,000 values.

After every key press the active value's box lies inside the drawing's pane
and the window; no two boxes overlap; no text leaves its cell; nothing is
requested and nothing is logged as an error. Screenshots of each size go to
$AUTODIFF_ARTIFACTS (else pytest's tmp dir); the time to first paint and a
step are printed, never asserted.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from autodiff_cli import evaluate
from tests.support import MLP, stdout_of

pytestmark = pytest.mark.e2e  # every test here starts a real process (tests/README.md)


def chain(size: int) -> str:
    """A program of about `size` values: inputs, then a chain of tanh neurons over them."""
    if size <= 5:
        return "a = -2; b = 3; d = a*b; e = a+b; f = d*e"
    inputs = max(2, size // 20)
    lines = [f"x{i} = {0.1 * (i % 9 + 1):.1f}" for i in range(inputs)]
    lines.append("s0 = x0 * x1")
    count = 1
    while inputs + 1 + 3 * count < size:
        lines.append(f"s{count} = tanh(s{count - 1} * x{count % inputs} + x{(count * 7) % inputs})")
        count += 1
    return "\n".join(lines)


#: In the page's own coordinates: the active box inside the pane and the window, by client rectangles.
ACTIVE_IN_VIEW = """root => {
  const shown = root.querySelector('.adp-svg:not([hidden])');
  const active = shown.querySelector('.adp-v.adp-to') || shown.querySelector('.adp-v.adp-from');
  if (!active) return 'no active value';
  const box = active.querySelector('rect').getBoundingClientRect();
  const pane = root.querySelector('.adp-graph').getBoundingClientRect();
  const inside = (b, r) => b.left >= r.left - 0.5 && b.top >= r.top - 0.5
    && b.right <= r.right + 0.5 && b.bottom <= r.bottom + 0.5;
  const win = {left: 0, top: 0, right: window.innerWidth, bottom: window.innerHeight};
  if (!inside(box, pane)) return 'outside the pane: ' + JSON.stringify([box, pane]);
  if (!inside(box, win)) return 'outside the window: ' + JSON.stringify([box, win]);
  return '';
}"""

#: Every pair of boxes (records and operations), in the drawing's units: none overlaps another.
OVERLAPS = """root => {
  const boxes = [];
  const shown = root.querySelector('.adp-svg:not([hidden])');
  shown.querySelectorAll('.adp-v rect').forEach(r => boxes.push([+r.getAttribute('x'), +r.getAttribute('y'),
    +r.getAttribute('width'), +r.getAttribute('height'), r.parentNode.dataset.node]));
  shown.querySelectorAll('.adp-o ellipse').forEach(e => boxes.push([e.cx.baseVal.value - e.rx.baseVal.value,
    e.cy.baseVal.value - e.ry.baseVal.value, 2 * e.rx.baseVal.value, 2 * e.ry.baseVal.value, 'op' + e.parentNode.dataset.op]));
  boxes.sort((a, b) => a[0] - b[0]);
  const found = [];
  for (let i = 0; i < boxes.length; i++) {
    const a = boxes[i];
    for (let j = i + 1; j < boxes.length && boxes[j][0] < a[0] + a[2] - 0.5; j++) {
      const b = boxes[j];
      if (b[1] < a[1] + a[3] - 0.5 && a[1] < b[1] + b[3] - 0.5) found.push([a[4], b[4]]);
    }
  }
  return found.slice(0, 5);
}"""

#: Every text of a record inside its own cell (the cells are split by the record's two lines).
TEXT_OUTSIDE = """root => {
  const bad = [];
  root.querySelectorAll('.adp-svg:not([hidden]) .adp-v').forEach(g => {
    const r = g.querySelector('rect'), lines = g.querySelectorAll('line');
    const x0 = +r.getAttribute('x'), x3 = x0 + +r.getAttribute('width');
    const edges = [x0, +lines[0].getAttribute('x1'), +lines[1].getAttribute('x1'), x3];
    g.querySelectorAll('text').forEach((t, i) => {
      const b = t.getBBox();
      if (b.width === 0) return;  // not drawn (zoomed too far out to read)
      if (b.x < edges[i] - 0.5 || b.x + b.width > edges[i + 1] + 0.5)
        bad.push([g.dataset.node, t.textContent, b.x, b.width, edges[i], edges[i + 1]]);
    });
  });
  return bad.slice(0, 5);
}"""


def open_lesson(browser, folder: Path, html: str, name: str):  # noqa: F811
    path = folder / f"{name}.html"
    path.write_text(html, encoding="utf-8")
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    started = time.perf_counter()
    page.goto(path.as_uri())
    page.wait_for_selector(".adp-count")
    loaded = time.perf_counter() - started
    return page, requests, errors, path.as_uri(), loaded


def check_view(page) -> None:
    root = page.query_selector(".adp")
    problem = root.evaluate(ACTIVE_IN_VIEW)
    assert problem == "", f"{page.inner_text('.adp-count')}: {problem}"


@pytest.mark.parametrize("size", [5, 40, 200, 1000])
def test_the_active_value_stays_in_view(browser, tmp_path, artefacts, size: int) -> None:  # noqa: F811
    program = chain(size)
    values = len(evaluate(program).order)
    assert 0.8 * size <= values <= 1.25 * size
    page, requests, errors, url, loaded = open_lesson(
        browser, tmp_path, stdout_of("eval", "--format", "html", program), f"lesson-{size}"
    )
    paint = page.evaluate("() => (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime || null")
    root = page.query_selector(".adp")
    assert root.evaluate(OVERLAPS) == []
    assert root.evaluate(TEXT_OUTSIDE) == []
    total = int(page.inner_text(".adp-count").split()[-1])
    check_view(page)
    presses = min(total, 25)
    started = time.perf_counter()
    for _ in range(presses):
        page.keyboard.press("ArrowRight")
        check_view(page)
    per_step = (time.perf_counter() - started) / max(1, presses)
    page.keyboard.press("End")
    check_view(page)
    page.screenshot(path=str(artefacts / f"lesson-{size}-end.png"))
    for _ in range(min(total, 8)):
        page.keyboard.press("ArrowLeft")
        check_view(page)
    for fraction in (0.5, 0.1, 0.9):
        target = round(total * fraction)
        page.eval_on_selector(".adp-slider", f"s => {{ s.value = '{target}'; s.dispatchEvent(new Event('input')); }}")
        assert page.inner_text(".adp-count") == f"step {target} of {total}"
        check_view(page)
    # zoom and fit never lose the active value on the next step
    for key in ("+", "+", "-", "0"):
        page.keyboard.press(key)
        page.keyboard.press("ArrowRight")
        check_view(page)
    page.keyboard.press("Home")
    check_view(page)
    assert root.evaluate(TEXT_OUTSIDE) == []  # after the running gradients changed their texts
    page.screenshot(path=str(artefacts / f"lesson-{size}-start.png"))
    assert requests == [url] and errors == []
    print(f"\n{values:,}-value page: load {loaded * 1000:.0f} ms, first paint {paint} ms, {per_step * 1000:.1f} ms a step")
    page.close()


def test_the_descent_on_the_page(browser, tmp_path, artefacts) -> None:  # noqa: F811
    html = stdout_of("run", "--descend", "w1,w2,w3,b,v,c", "--lr", "0.02", "--steps", "10", "--format", "html", str(MLP))
    expected = stdout_of("run", "--descend", "w1,w2,w3,b,v,c", "--lr", "0.02", "--steps", "10", "--format", "json", str(MLP))
    import json

    steps = [json.loads(line) for line in expected.splitlines()]
    page, requests, errors, url, _ = open_lesson(browser, tmp_path, html, "descent")
    root = page.query_selector(".adp")
    assert root.evaluate(OVERLAPS) == [] and root.evaluate(TEXT_OUTSIDE) == []
    assert page.query_selector(".adp-loss polyline") is not None
    value_of = "root => root.querySelector('.adp-v[data-node=\"{}\"] [data-value]').textContent"
    first_weight = page.eval_on_selector(".adp-v.adp-in", "g => g.dataset.node")
    label = page.eval_on_selector(f'.adp-v[data-node="{first_weight}"]', "g => g.querySelector('title').textContent")
    for k in (0, 4, 10):
        page.eval_on_selector(".adp-dslider", f"s => {{ s.value = '{k}'; s.dispatchEvent(new Event('input')); }}")
        assert page.inner_text(".adp-dcount").startswith(f"step {k} of 10: loss ")
        shown = float(root.evaluate(value_of.format(first_weight)))
        assert shown == pytest.approx(steps[k]["parameters"][label], rel=1e-5, abs=1e-9)
        assert root.evaluate(TEXT_OUTSIDE) == []
    page.eval_on_selector(".adp-dslider", "s => { s.value = '0'; s.dispatchEvent(new Event('input')); }")
    page.keyboard.press("End")  # the step-through walks the last step of the descent
    assert page.eval_on_selector(".adp-dslider", "s => s.value") == "10"
    check_view(page)
    page.screenshot(path=str(artefacts / "descent.png"))
    assert requests == [url] and errors == []
    page.close()


def test_calls_fold_into_one_box_and_unfold(browser, tmp_path, artefacts) -> None:  # noqa: F811
    page, requests, errors, url, _ = open_lesson(browser, tmp_path, stdout_of("run", "--format", "html", str(MLP)), "fold")
    root = page.query_selector(".adp")
    count = "root => root.querySelectorAll('.adp-svg:not([hidden]) .adp-v').length"
    unfolded = root.evaluate(count)
    page.keyboard.press("f")
    boxes = root.evaluate(count)
    # 13 weights, 8 coordinates of the points, the 4 calls of mlp, 4 targets, the exponent 2,
    # then 4 differences, 4 squares and the loss
    assert boxes == 13 + 8 + 4 + 4 + 1 + 4 + 4 + 1 < unfolded
    calls = page.eval_on_selector_all(".adp-svg:not([hidden]) .adp-o text", "ts => ts.map(t => t.textContent)")
    assert calls.count("mlp") == 4
    assert root.evaluate(OVERLAPS) == [] and root.evaluate(TEXT_OUTSIDE) == []
    for _ in range(30):  # steps inside a call light the call's box, and keep it in view
        page.keyboard.press("ArrowRight")
        check_view(page)
    page.screenshot(path=str(artefacts / "folded.png"))
    page.keyboard.press("f")
    assert root.evaluate(count) == unfolded
    check_view(page)
    assert page.inner_text(".adp-count").startswith("step 30 of")
    assert requests == [url] and errors == []
    page.close()
