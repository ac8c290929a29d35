// The step-through of one autodiff page. Everything was laid out and formatted in Python:
// this script only swaps texts and classes. It looks inside its own root, so several pages
// (notebook cells) can share one document.
var autodiffPage = autodiffPage || function (root) {
  "use strict";
  if (!root || root.dataset.ready) return;
  root.dataset.ready = "1";
  var data = JSON.parse(root.querySelector("script.adp-data").textContent);
  var steps = data.steps, nodes = data.nodes;
  var NODE = 0, ARG = 1, CHILD = 2, LOCAL = 3, NODE_GRAD = 4, CONTRIBUTION = 5, BEFORE = 6, AFTER = 7, RULE = 8, K = 9, N = 10;
  var $ = function (selector) { return root.querySelector(selector); };

  function index(selector, attribute) {
    var map = {};
    root.querySelectorAll(selector).forEach(function (el) {
      var key = el.getAttribute(attribute);
      (map[key] = map[key] || []).push(el);
    });
    return map;
  }
  var grads = index("[data-grad]", "data-grad");
  var records = index(".adp-v[data-node]", "data-node");
  var rows = index("tr[data-node]", "data-node");
  var edges = index("[data-edge]", "data-edge");
  var ops = index("[data-op]", "data-op");
  var statements = index(".adp-st", "data-stmt");
  var byStatement = {};
  Object.keys(nodes).forEach(function (id) { (byStatement[nodes[id][4]] = byStatement[nodes[id][4]] || []).push(id); });
  var listItems = root.querySelectorAll(".adp-list > li");
  var slider = $(".adp-slider"), count = $(".adp-count"), explain = $(".adp-explain"), detail = $(".adp-detail");
  var playButton = root.querySelector('[data-action="play"]');
  var current = 0, timer = null, lit = [], selected = null, fitTexts = null;

  function each(list, f) { if (list) list.forEach(f); }
  function setGrad(id, text) { each(grads[id], function (el) { el.textContent = text; }); }
  function light(list, name) { each(list, function (el) { el.classList.add(name); lit.push([el, name]); }); }
  function label(id) { return nodes[id][0]; }

  function show() {
    lit.forEach(function (pair) { pair[0].classList.remove(pair[1]); });
    lit = [];
    slider.value = String(current);
    count.textContent = "step " + current + " of " + steps.length;
    var out = data.outputLabel;
    if (current === 0) {
      explain.textContent = out + ".grad = 1: the output's gradient with respect to itself; every other grad starts at 0.\n" +
        (steps.length ? "Next (→) walks back one contribution at a time." : "Nothing flows back: the output is an input or a constant.");
      light(records[data.output], "adp-from");
      revealId(data.output);
      if (selected !== null) select(selected);
      return;
    }
    var s = steps[current - 1], child = String(s[CHILD]), node = String(s[NODE]);
    light(edges[node + "." + s[ARG]], "adp-lit");
    light(ops[node], "adp-lit");
    light(records[node], "adp-from");
    light(records[child], "adp-to");
    light(rows[child], "adp-to");
    light(grads[child], "adp-changed");
    if (listItems[current - 1]) light([listItems[current - 1]], "adp-now");
    explain.textContent = label(child) + ".grad += " + s[RULE] + " · " + label(node) + ".grad = " + s[LOCAL] + " × " +
      s[NODE_GRAD] + " = " + s[CONTRIBUTION] + "\n" + label(child) + ".grad: " + s[BEFORE] + " → " + s[AFTER] +
      "   (contribution " + s[K] + " of " + s[N] + " to " + label(child) + ")" +
      (current === steps.length ? "\nBackward pass done: every grad is final." : "");
    if (folded && data.folded[child] !== undefined) light(shownIn(records[data.folded[child]]), "adp-to");
    revealId(child);
    if (selected !== null) select(selected);  // its grad at this step
  }

  function go(target) {
    target = Math.max(0, Math.min(steps.length, target));
    while (current < target) { setGrad(steps[current][CHILD], steps[current][AFTER]); current++; }
    while (current > target) { current--; setGrad(steps[current][CHILD], steps[current][BEFORE]); }
    show();
  }

  function play() {
    if (timer) { clearInterval(timer); timer = null; playButton.textContent = "▶ Play"; return; }
    if (current === steps.length) go(0);
    playButton.textContent = "⏸ Pause";
    timer = setInterval(function () { if (current >= steps.length) play(); else go(current + 1); }, 700);
  }

  var actions = {
    reset: function () { go(0); }, prev: function () { go(current - 1); }, next: function () { go(current + 1); },
    end: function () { go(steps.length); }, play: play,
    fit: function () { fit(); }, zoomin: function () { zoom(1.25); }, zoomout: function () { zoom(0.8); },
    fold: function () { fold(!folded); }
  };
  root.querySelectorAll("[data-action]").forEach(function (button) {
    button.addEventListener("click", function () { actions[button.dataset.action](); });
  });
  slider.addEventListener("input", function () { go(parseInt(slider.value, 10)); });
  root.addEventListener("keydown", function (event) {
    var key = {
      ArrowRight: "next", ArrowLeft: "prev", Home: "reset", End: "end", " ": "play", "+": "zoomin", "=": "zoomin",
      "-": "zoomout", "0": "fit", f: "fold"
    }[event.key];
    if (!key || event.target === slider) return;
    event.preventDefault();
    actions[key]();
  });

  // Source and graph point at each other.
  var hot = [];
  function markSpan(id) {
    var n = nodes[id], el = statements[n[4]] && statements[n[4]][0];
    if (!el) return;
    var range = data.statements[n[4]], text = data.source.slice(range[0], range[1]);
    var a = Math.max(0, n[5] - range[0]), b = Math.max(a, n[6] - range[0]);
    var mark = document.createElement("mark");
    mark.textContent = text.slice(a, b);
    el.replaceChildren(document.createTextNode(text.slice(0, a)), mark, document.createTextNode(text.slice(b)));
  }
  function unmark(el) { var range = data.statements[el.dataset.stmt]; el.textContent = data.source.slice(range[0], range[1]); }
  function cool() {
    hot.forEach(function (el) { el.classList.remove("adp-hot"); if (el.dataset.stmt !== undefined && el.querySelector("mark")) unmark(el); });
    hot = [];
  }
  function heat(list) { each(list, function (el) { el.classList.add("adp-hot"); hot.push(el); }); }
  function hotNode(id) {
    cool();
    heat(statements[nodes[id][4]]);
    heat(records[id]);
    markSpan(id);
  }
  function hotStatement(k) {
    cool();
    heat(statements[k]);
    each(byStatement[k], function (id) { heat(records[id]); });
  }
  root.addEventListener("mouseover", function (event) {
    var target = event.target.closest ? event.target : event.target.parentNode;
    var record = target.closest(".adp-v[data-node], tr[data-node]"), statement = target.closest(".adp-st");
    if (record) hotNode(record.dataset.node);
    else if (statement) hotStatement(statement.dataset.stmt);
  });
  root.addEventListener("mouseout", function (event) {
    if (!event.relatedTarget || !root.contains(event.relatedTarget) ||
        !event.relatedTarget.closest(".adp-v[data-node], tr[data-node], .adp-st")) cool();
  });

  // A clicked value: what it is, and every contribution it receives (and --why's answer when given).
  function select(id) {
    each(records[selected], function (el) { el.classList.remove("adp-sel"); });
    selected = id;
    each(records[id], function (el) { el.classList.add("adp-sel"); });
    var n = nodes[id], received = [];
    steps.forEach(function (s, i) { if (String(s[CHILD]) === String(id)) received.push(i + 1); });
    detail.replaceChildren();
    var head = document.createElement("div");
    head.textContent = n[0] + "  (" + (n[3] === "in" ? "input" : n[3] === "const" ? "constant" : n[3] === "out" ? "output, " + n[1] : n[1]) +
      ")  data " + n[2] + "  grad " + (grads[id] ? grads[id][0].textContent : "") + (received.length ?
      "  ·  receives " + received.length + " contribution" + (received.length > 1 ? "s" : "") + ", at step:" : "");
    detail.appendChild(head);
    received.forEach(function (k) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = String(k);
      button.addEventListener("click", function () { go(k); });
      detail.appendChild(button);
    });
    var uses = data.extras.contributions && data.extras.contributions[id];
    if (uses && uses.length) {
      var why = document.createElement("div");
      why.className = "adp-why";
      why.textContent = "why: " + n[0] + ".grad is the sum of its uses: " + uses.map(function (u) {
        return "via " + u[0] + " (local " + u[1] + ") " + u[2];
      }).join(" + ");
      detail.appendChild(why);
    }
  }
  root.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target : event.target.parentNode;
    var record = target.closest(".adp-v[data-node], tr[data-node]"), statement = target.closest(".adp-st");
    if (record) select(record.dataset.node);
    else if (statement && byStatement[statement.dataset.stmt]) {
      var ids = byStatement[statement.dataset.stmt];
      select(ids[ids.length - 1]);
    }
  });

  // --compare: each classic mistake's gradients on the drawing, one at a time; "correct" brings the real ones back.
  var compare = data.extras.compare;
  if (compare) {
    var box = $(".adp-extras"), note = document.createElement("span"), saved = null, wrong = [];
    box.append("Compare with a mistake (--compare): ");
    var showVariant = function (variant) {
      wrong.forEach(function (el) { el.classList.remove("adp-wrong"); });
      wrong = [];
      if (saved) { Object.keys(saved).forEach(function (id) { setGrad(id, saved[id]); }); saved = null; }
      if (!variant) { note.textContent = ""; return; }
      go(steps.length);
      saved = {};
      var grads2 = compare[variant], differ = 0;
      Object.keys(grads2).forEach(function (id) {
        if (!grads[id]) return;
        saved[id] = grads[id][0].textContent;
        if (grads2[id] !== saved[id]) { differ++; each(records[id], function (el) { el.classList.add("adp-wrong"); wrong.push(el); }); }
        setGrad(id, grads2[id]);
      });
      note.textContent = "  " + variant + ": " + differ + " gradient" + (differ === 1 ? "" : "s") + " wrong (red)";
    };
    ["correct"].concat(Object.keys(compare)).forEach(function (variant) {
      var button = document.createElement("button");
      button.type = "button";
      button.dataset.variant = variant;
      button.textContent = variant;
      button.addEventListener("click", function () { showVariant(variant === "correct" ? null : variant); });
      box.appendChild(button);
    });
    box.appendChild(note);
    root.querySelectorAll("[data-action]").forEach(function (button) {
      button.addEventListener("click", function () { if (saved) showVariant(null); }, true);
    });
  }
  if (data.extras.why && data.extras.why.length) select(data.extras.why[0]);

  // --descend: the graph at any step of the descent (its values and final gradients); the step-through walks the last.
  var startGrads = {};
  Object.keys(grads).forEach(function (id) { startGrads[id] = grads[id][0].textContent; });
  var descent = data.descent, dslider = $(".adp-dslider"), dcount = $(".adp-dcount"), dshown = null;
  var values = index("[data-value]", "data-value");
  function showDescent(k) {
    if (!descent) return;
    var last = descent.steps.length - 1;
    dshown = k;
    dslider.value = String(k);
    descent.ids.forEach(function (id, column) {
      each(values[id], function (el) { el.textContent = descent.values[k][column]; });
      if (k !== last) setGrad(id, descent.grads[k][column]);
    });
    if (k === last) {  // the step-through's own gradients: replayed from the start
      var target = current;
      Object.keys(startGrads).forEach(function (id) { setGrad(id, startGrads[id]); });
      current = 0;
      go(target);
    }
    dcount.textContent = "step " + descent.steps[k] + " of " + descent.steps[last] + ": " + data.outputLabel + " " +
      descent.loss[k] + (k === last ? "" : "  (values and final gradients at this step)");
    var points = root.querySelector(".adp-loss polyline").getAttribute("points").split(" ")[k].split(",");
    var dot = root.querySelector(".adp-loss .adp-dot");
    dot.setAttribute("cx", points[0]);
    dot.setAttribute("cy", points[1]);
  }
  if (descent) {
    dslider.addEventListener("input", function () { showDescent(parseInt(dslider.value, 10)); });
    var goBare = go;
    go = function (target) {
      if (dshown !== null && dshown !== descent.steps.length - 1) { dshown = descent.steps.length - 1; showDescent(dshown); }
      goBare(target);
    };
  }

  // The drawing's window: the SVG's viewBox is the part shown, so zoom and pan never scroll the page,
  // and the active value is brought into view after every step (Next, Previous, keys, the slider).
  // Two drawings when the program calls its own functions: every value, and each call folded into one box.
  var drawings = root.querySelectorAll(".adp-svg"), svg = drawings[0] || null, pane = $(".adp-graph"), folded = false;
  drawings.forEach(function (d) {
    d.dataset.w = d.getAttribute("width");
    d.dataset.h = d.getAttribute("height");
  });
  var full = svg ? { w: parseFloat(svg.dataset.w), h: parseFloat(svg.dataset.h) } : null;
  function shownIn(list) { return (list || []).filter(function (el) { return el.ownerSVGElement === svg; }); }
  function revealId(id) {
    var list = shownIn(records[id]);
    if (!list.length && folded && data.folded[id] !== undefined) list = shownIn(records[data.folded[id]]);
    reveal(list);
  }
  function fold(on) {
    if (drawings.length < 2 || on === folded) return;
    folded = on;
    svg.setAttribute("hidden", "");
    svg = drawings[on ? 1 : 0];
    svg.removeAttribute("hidden");
    full = { w: parseFloat(svg.dataset.w), h: parseFloat(svg.dataset.h) };
    var button = root.querySelector('[data-action="fold"]');
    if (button) button.textContent = on ? "Unfold calls" : "Fold calls";
    fit();
    if (view.s < READABLE) { view.s = 1; apply(); }
    Object.keys(records).forEach(function (id) { fitTexts(id, true); });
    go(current);
  }
  var view = { x: 0, y: 0, s: 1 };
  var MAX_SCALE = 2, MIN_SCALE = 0.05, READABLE = 0.6, FAR = 0.45, MARGIN = 16;
  // The pane's size, read once and on a resize: reading it after a step's class changes would force a
  // layout of the whole drawing in every step (about 50 ms at 1,000 values).
  var size = null;
  function paneSize() {
    if (!size) size = { w: Math.max(1, pane.clientWidth), h: Math.max(1, pane.clientHeight) };
    return size;
  }
  function apply() {
    var size = paneSize();
    svg.setAttribute("viewBox", view.x + " " + view.y + " " + size.w / view.s + " " + size.h / view.s);
    pane.dataset.scale = view.s.toFixed(3);
    pane.classList.toggle("adp-far", view.s < FAR);  // too small to read: boxes only, no text spilling out of them
  }
  function fitScale() { var size = paneSize(); return Math.min(MAX_SCALE, size.w / full.w, size.h / full.h); }
  function fit() {
    if (!svg) return;
    var size = paneSize();
    view.s = Math.max(MIN_SCALE, fitScale());
    view.x = (full.w - size.w / view.s) / 2;
    view.y = (full.h - size.h / view.s) / 2;
    apply();
  }
  function zoom(factor, cx, cy) {
    if (!svg) return;
    var size = paneSize();
    if (cx === undefined) { cx = size.w / 2; cy = size.h / 2; }
    var ux = view.x + cx / view.s, uy = view.y + cy / view.s;
    view.s = Math.max(MIN_SCALE, Math.min(MAX_SCALE * 2, view.s * factor));
    view.x = ux - cx / view.s;
    view.y = uy - cy / view.s;
    apply();
  }
  function boxOf(el) {
    var r = el.querySelector("rect");
    return { x: +r.getAttribute("x"), y: +r.getAttribute("y"), w: +r.getAttribute("width"), h: +r.getAttribute("height") };
  }
  function reveal(list) {
    if (!svg || !list || !list[0] || list[0].ownerSVGElement !== svg) return;
    var b = boxOf(list[0]), size = paneSize();
    var vw = size.w / view.s, vh = size.h / view.s, m = MARGIN / view.s;
    if (b.w + 2 * m > vw) { view.s = Math.max(MIN_SCALE, size.w / (b.w + 2 * MARGIN)); vw = size.w / view.s; vh = size.h / view.s; m = MARGIN / view.s; }
    var edge = 2 / view.s;  // already inside, however near the pane's edge: stay
    var inside = b.x >= view.x + edge && b.y >= view.y + edge && b.x + b.w <= view.x + vw - edge && b.y + b.h <= view.y + vh - edge;
    if (inside) return;
    // Centre it, but show as much of the drawing as fits (no empty pane beyond its edges when it is larger).
    view.x = settle(b.x + b.w / 2 - vw / 2, vw, full.w, b.x - m, b.x + b.w + m);
    view.y = settle(b.y + b.h / 2 - vh / 2, vh, full.h, b.y - m, b.y + b.h + m);
    apply();
  }
  function settle(start, length, extent, low, high) {
    if (length >= extent) start = (extent - length) / 2;
    else start = Math.max(0, Math.min(extent - length, start));
    return Math.min(low, Math.max(high - length, start));  // the box itself always wins
  }
  if (svg) {
    drawings.forEach(function (d) {
      d.removeAttribute("width");
      d.removeAttribute("height");
      d.setAttribute("preserveAspectRatio", "xMinYMin meet");
    });
    fit();
    if (view.s < READABLE) { view.s = 1; apply(); }  // too small to read: full size, following the steps
    pane.addEventListener("wheel", function (event) {
      event.preventDefault();
      var rect = pane.getBoundingClientRect();
      zoom(event.deltaY < 0 ? 1.15 : 1 / 1.15, event.clientX - rect.left, event.clientY - rect.top);
    }, { passive: false });
    var drag = null;
    pane.addEventListener("pointerdown", function (event) {
      if (event.button !== 0 || event.target.closest(".adp-v")) return;
      drag = { x: event.clientX, y: event.clientY, vx: view.x, vy: view.y };
      pane.setPointerCapture(event.pointerId);
      pane.classList.add("adp-dragging");
    });
    pane.addEventListener("pointermove", function (event) {
      if (!drag) return;
      view.x = drag.vx - (event.clientX - drag.x) / view.s;
      view.y = drag.vy - (event.clientY - drag.y) / view.s;
      apply();
    });
    var stop = function () { drag = null; pane.classList.remove("adp-dragging"); };
    pane.addEventListener("pointerup", stop);
    pane.addEventListener("pointercancel", stop);
    window.addEventListener("resize", function () { size = null; apply(); });
  }

  // Texts never leave their cells: a text wider than its cell (a font wider than the layout's metric) is condensed.
  function cellWidth(text) {
    var g = text.parentNode, lines = g.querySelectorAll("line"), r = boxOf(g), x = +text.getAttribute("x");
    var edges = [r.x, +lines[0].getAttribute("x1"), +lines[1].getAttribute("x1"), r.x + r.w];
    for (var i = 0; i < 3; i++) if (x >= edges[i] && x <= edges[i + 1]) return edges[i + 1] - edges[i] - 4;
    return r.w;
  }
  // Measured once (one layout for the whole drawing); a text that changes later is estimated from its
  // font's width per character, so a step never forces a layout.
  function fitText(text, measure) {
    var count = text.textContent.length;
    if (measure || !text.dataset.perChar) {
      text.removeAttribute("textLength");
      var length = text.getComputedTextLength();
      if (count && length) text.dataset.perChar = String(length / count);
    }
    var room = cellWidth(text), estimate = parseFloat(text.dataset.perChar || "0") * count;
    if (estimate > room) {
      text.setAttribute("textLength", room.toFixed(1));
      text.setAttribute("lengthAdjust", "spacingAndGlyphs");
    } else {
      text.removeAttribute("textLength");
    }
  }
  fitTexts = function (id, measure) {
    each(shownIn(records[id]), function (g) { g.querySelectorAll("text").forEach(function (t) { fitText(t, measure); }); });
  };
  if (svg) Object.keys(records).forEach(function (id) { fitTexts(id, true); });
  var setGradBare = setGrad;
  setGrad = function (id, text) { setGradBare(id, text); if (svg) fitTexts(id, false); };

  go(0);
  if (descent) showDescent(descent.steps.length - 1);
  if (data.standalone) root.focus({ preventScroll: true });
  return { go: go, steps: steps.length, fit: fit, zoom: zoom };
};
