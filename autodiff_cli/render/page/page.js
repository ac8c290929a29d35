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
  var current = 0, timer = null, lit = [], selected = null;

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
    if (timer && records[child]) records[child][0].scrollIntoView({ block: "nearest", inline: "nearest" });
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
    end: function () { go(steps.length); }, play: play
  };
  root.querySelectorAll("[data-action]").forEach(function (button) {
    button.addEventListener("click", function () { actions[button.dataset.action](); });
  });
  slider.addEventListener("input", function () { go(parseInt(slider.value, 10)); });
  root.addEventListener("keydown", function (event) {
    var key = { ArrowRight: "next", ArrowLeft: "prev", Home: "reset", End: "end", " ": "play" }[event.key];
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

  go(0);
  if (data.standalone) root.focus();
  return { go: go, steps: steps.length };
};
