/* The backward-pass explorer of autograd_lite (autograd_lite.viz.explore).
 *
 * Plain JavaScript with no dependencies, inlined into the page once per explorer. It only
 * changes texts, classes and colours inside one explorer's own element: the graph was laid
 * out once by Graphviz, so no box ever moves. Every number shown was formatted by Python;
 * user text is written with textContent, never as HTML.
 *
 * The data (a JSON block inside the element):
 *   nodes[k]: name, role, scope, data, grad, gradName, op, formula, derivative, params, operands,
 *             complete (the step after which its gradient is final), in topological order:
 *             box k is the SVG group with data-id "n{k}", the edge of its operand j "e{k}_{j}".
 *   steps[s]: node, gradient, caption, passed[] (parent, operand, contribution, product,
 *             total, note). Step 0 is the seed; step s adds local × gradient to each operand's
 *             running total.
 */
function autogradLiteExplorer(root, options) {
  "use strict";
  var data = JSON.parse(root.querySelector("script.agx-data").textContent);
  var nodes = data.nodes;
  var steps = data.steps;
  var last = steps.length - 1;
  var svg = root.querySelector(".agx-graph svg");
  var slider = root.querySelector(".agx-slider");
  var prev = root.querySelector(".agx-prev");
  var next = root.querySelector(".agx-next");
  var count = root.querySelector(".agx-count");
  var caption = root.querySelector(".agx-caption");
  var passedList = root.querySelector(".agx-passed");
  var details = root.querySelector(".agx-details-body");
  var detailsHint = root.querySelector(".agx-details-hint");
  var current = 0;
  var hovered = null;
  var pinned = null;

  function part(id) {
    return svg ? svg.querySelector('[data-id="' + id + '"]') : null;
  }

  function textsOf(group, pattern) {
    var found = [];
    if (!group) return found;
    var texts = group.querySelectorAll("text");
    for (var i = 0; i < texts.length; i++) {
      if (pattern.test(texts[i].textContent)) found.push(texts[i]);
    }
    return found;
  }

  // Graphviz centred "grad ?" in room kept for the widest gradient: keep the text centred on
  // the same spot as it grows, so it stays inside its box.
  function centre(text) {
    var bounds;
    try { bounds = text.getBBox(); } catch (error) { return; }  // not rendered (yet)
    if (!bounds || bounds.width <= 0) return;
    text.setAttribute("x", String(bounds.x + bounds.width / 2));
    text.setAttribute("text-anchor", "middle");
  }

  // The SVG elements of each box: its group, its "grad …" text, its rows "∂/∂x = 4" and the
  // blank line under each row, where the current step writes "× 75 = 300".
  var boxes = nodes.map(function (node, k) {
    var group = part("n" + k);
    // The gradient is the last "grad …" line (a label may itself start with "grad "); the title
    // is two lines above it (title, data, grad), and is never a row, even if it starts with ∂.
    var texts = textsOf(group, /[\s\S]*/);
    var grads = textsOf(group, /^\s*grad /);
    var grad = grads.length ? grads[grads.length - 1] : null;
    var title = grad ? texts[texts.indexOf(grad) - 2] : null;
    if (grad) centre(grad);
    var rows = textsOf(group, /^\s*∂/).filter(function (text) { return text !== title; });
    if (rows.length !== node.operands.length) rows = [];
    var products = rows.map(function (row) {
      var below = row.nextElementSibling;
      var blank = below && below.tagName.toLowerCase() === "text" && below.textContent.trim() === "";
      return blank ? below : null;
    });
    return {
      group: group,
      grad: grad,
      prefix: grad ? grad.textContent.match(/^\s*/)[0] : "",
      rows: rows,
      rowTexts: rows.map(function (row) { return row.textContent; }),
      products: products,
      productTexts: products.map(function (line) { return line ? line.textContent : ""; }),
      shown: null
    };
  });
  var edges = nodes.map(function (node, k) {
    return node.operands.map(function (_, j) { return part("e" + k + "_" + j); });
  });

  function setClass(element, name, on) {
    if (element && element.classList.contains(name) !== on) element.classList.toggle(name, on);
  }

  function element(tag, className, text) {
    var e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // Where every gradient stands after steps 0..k: its running total (or undefined) and
  // what it has received, from whom.
  function replay(k) {
    var totals = {};
    var received = {};
    totals[steps[0].node] = steps[0].gradient;
    for (var s = 1; s <= k; s++) {
      var step = steps[s];
      for (var i = 0; i < step.passed.length; i++) {
        var p = step.passed[i];
        totals[p.parent] = p.total;
        (received[p.parent] = received[p.parent] || []).push({ from: step.node, product: p.product });
      }
    }
    return { totals: totals, received: received };
  }

  function stateOf(k, totals) {
    if (totals[k] === undefined) return "unknown";
    return current >= nodes[k].complete ? "complete" : "partial";
  }

  var state = replay(0);

  // Undo what a step wrote into its box: the products under the rows, the active edges.
  function clearStep(step) {
    var box = boxes[step.node];
    box.rows.forEach(function (row, j) {
      if (row.textContent !== box.rowTexts[j]) row.textContent = box.rowTexts[j];
      if (box.products[j]) {
        box.products[j].textContent = box.productTexts[j];
        setClass(box.products[j], "agx-extra", false);
      }
    });
    step.passed.forEach(function (p) { setClass(edges[step.node][p.operand], "agx-active", false); });
  }

  function show(k) {
    clearStep(steps[current]);
    current = Math.max(0, Math.min(last, k));
    state = replay(current);
    var step = steps[current];
    var receiving = {};
    step.passed.forEach(function (p) { receiving[p.parent] = true; });
    nodes.forEach(function (node, i) {
      var box = boxes[i];
      var where = stateOf(i, state.totals);
      var text = where === "unknown" ? "?" : state.totals[i] + (where === "partial" ? " …" : "");
      if (box.grad && box.shown !== text) {
        box.grad.textContent = box.prefix + "grad " + text;
        box.shown = text;
        setClass(box.grad, "agx-unknown", where === "unknown");
        setClass(box.grad, "agx-partial", where === "partial");
      }
      setClass(box.group, "agx-current", i === step.node);
      setClass(box.group, "agx-receiving", receiving[i] === true);
    });
    if (current > 0) {
      var box = boxes[step.node];
      step.passed.forEach(function (p) {
        setClass(edges[step.node][p.operand], "agx-active", true);
        var product = "× " + step.gradient + " = " + p.contribution;
        var line = box.products[p.operand];
        var row = box.rows[p.operand];
        if (line) {  // the blank line the layout keeps under the row
          line.textContent = product;
          setClass(line, "agx-extra", true);
        } else if (row) {
          var extra = document.createElementNS(svg.namespaceURI, "tspan");
          extra.setAttribute("class", "agx-extra");
          extra.textContent = " " + product;
          row.appendChild(extra);
        }
      });
    }
    slider.value = String(current);
    prev.disabled = current === 0;
    next.disabled = current === last;
    count.textContent = "step " + current + " of " + last;
    caption.textContent = step.caption;
    passedList.textContent = "";
    if (current === 0) {
      passedList.appendChild(element("li", "", "Nothing is passed on yet: press ▶ or → to start."));
    }
    step.passed.forEach(function (p) {
      passedList.appendChild(element("li", "", p.note));
    });
    describe();
  }

  function row(table, key, value) {
    var tr = element("tr");
    tr.appendChild(element("th", "", key));
    tr.appendChild(element("td", "", value));
    table.appendChild(tr);
  }

  // The details panel: the box under the pointer, else the one tapped, else the current one.
  function describe() {
    var k = hovered !== null ? hovered : pinned !== null ? pinned : steps[current].node;
    var node = nodes[k];
    details.textContent = "";
    detailsHint.textContent = hovered !== null ? "(under the pointer)"
      : pinned !== null ? "(tapped: tap it again to let go)" : "(this step's box)";
    var where = node.role + (node.scope ? ", in " + node.scope : "");
    details.appendChild(element("p", "agx-name", node.name + " (" + where + ")"));
    var table = element("table", "agx-facts");
    row(table, "value", node.data);
    var now = stateOf(k, state.totals);
    row(table, "grad now", now === "unknown" ? "? (nothing has arrived yet)"
      : now === "partial" ? state.totals[k] + " so far (more to come)"
      : state.totals[k] + " (complete)");
    row(table, "grad at the end", node.gradName + " = " + node.grad);
    if (node.op) {
      row(table, "op", node.op + ": " + node.formula);
      node.params.forEach(function (param) { row(table, param[0], param[1]); });
      row(table, "rule", node.derivative);
    } else {
      row(table, "op", "none: a leaf");
    }
    details.appendChild(table);
    if (node.operands.length) {
      details.appendChild(element("p", "agx-small", "local derivatives, at these values:"));
      var locals = element("ul", "agx-locals");
      node.operands.forEach(function (text) { locals.appendChild(element("li", "", text)); });
      details.appendChild(locals);
    }
    var got = state.received[k] || [];
    if (got.length) {
      details.appendChild(element("p", "agx-small", "received so far:"));
      var list = element("ul", "agx-received");
      got.forEach(function (g) {
        list.appendChild(element("li", "", "from " + nodes[g.from].name + ": " + g.product));
      });
      details.appendChild(list);
    }
  }

  // Scale the graph once to the room there is (never below 70%: then it scrolls), and again
  // only when that room changes; stepping never resizes anything.
  var area = root.querySelector(".agx-graph");
  function fit() {
    if (!svg || !svg.viewBox || !svg.viewBox.baseVal || !area.clientWidth) return;
    var width = svg.viewBox.baseVal.width * 4 / 3;
    var height = svg.viewBox.baseVal.height * 4 / 3;
    var tall = Math.max(window.innerHeight * 0.75, 240);
    var scale = Math.max(0.7, Math.min(1, area.clientWidth / width, tall / height));
    svg.style.width = Math.round(width * scale) + "px";
    svg.style.height = Math.round(height * scale) + "px";
    svg.style.minWidth = "0";
    svg.style.maxWidth = "none";
  }

  function boxAt(target) {
    var group = target && target.closest ? target.closest("g.node") : null;
    var id = group ? group.getAttribute("data-id") : null;
    var match = id ? /^n(\d+)$/.exec(id) : null;
    return match ? Number(match[1]) : null;
  }

  if (svg) {
    svg.addEventListener("mouseover", function (event) {
      var k = boxAt(event.target);
      if (k !== hovered) { hovered = k; describe(); }
    });
    svg.addEventListener("mouseleave", function () { hovered = null; describe(); });
    svg.addEventListener("click", function (event) {
      var k = boxAt(event.target);
      pinned = k === null || k === pinned ? null : k;
      nodes.forEach(function (_, i) { setClass(boxes[i].group, "agx-pinned", i === pinned); });
      describe();
    });
  }
  prev.addEventListener("click", function () { show(current - 1); });
  next.addEventListener("click", function () { show(current + 1); });
  slider.addEventListener("input", function () { show(Number(slider.value)); });

  function onKey(event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.target === slider) return;  // the slider moves itself and reports "input"
    var to;
    switch (event.key) {
      case "ArrowLeft": to = current - 1; break;
      case "ArrowRight": to = current + 1; break;
      case "Home": to = 0; break;
      case "End": to = last; break;
      default: return;
    }
    event.preventDefault();
    event.stopPropagation();
    show(to);
  }
  (options && options.page ? document : root).addEventListener("keydown", onKey);

  if (typeof ResizeObserver === "function") {
    var lastWidth = -1;
    new ResizeObserver(function () {
      if (area.clientWidth !== lastWidth) { lastWidth = area.clientWidth; fit(); }
    }).observe(area);
  } else {
    window.addEventListener("resize", fit);
  }
  fit();

  var noScript = root.querySelector(".agx-nojs");
  if (noScript) noScript.parentNode.removeChild(noScript);
  root.classList.add("agx-ready");
  show(0);
  if (options && options.page) root.focus();
}
