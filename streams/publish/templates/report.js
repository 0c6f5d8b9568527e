// streams report: filters the package tables and shows the selected distribution.
// Everything shown comes from the JSON document #report-data (written by
// streams/publish/report.py): the why-paths are computed there, by streams why's function;
// this script only looks them up.  The DOM is built with createElement and textContent, never
// from HTML strings, so no text of the lock is parsed as markup.
(function () {
  "use strict";

  var DATA = JSON.parse(document.getElementById("report-data").textContent);
  var SVGNS = "http://www.w3.org/2000/svg";
  var MAX_PER_COLUMN = 24;
  var STATUS_LABEL = {
    "reused": "reused from Fedora",
    "bundled": "bundled in the stream",
    "build-only": "bundled to build others (not installed)"
  };
  var VERDICT_LABEL = {
    "allowed": "allowed in Fedora",
    "not-allowed": "not allowed in Fedora",
    "not-reviewed": "not reviewed (sources not read at lock time)",
    "fedora-package": "Fedora's own package: its license is Fedora's review"
  };
  var FILL = {
    "reused": ["#dde8f7", "#3c6eb4"],
    "bundled": ["#fde8d4", "#c85f00"],
    "build-only": ["#eceef1", "#6b7280"]
  };

  var state = { closure: 0, selected: null, hops: 1 };
  var indexes = [];
  DATA.closures.forEach(function (c) {
    var byName = {};
    c.packages.forEach(function (p) { byName[p.name] = p; });
    indexes.push(byName);
  });

  var search = document.getElementById("search");
  var fStatus = document.getElementById("f-status");
  var fVerdict = document.getElementById("f-verdict");
  var fDrift = document.getElementById("f-drift");
  var shown = document.getElementById("shown");
  var empty = document.getElementById("empty");
  var detail = document.getElementById("detail");

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    setAttrs(node, attrs);
    append(node, children);
    return node;
  }

  function svgEl(tag, attrs, children) {
    var node = document.createElementNS(SVGNS, tag);
    setAttrs(node, attrs);
    append(node, children);
    return node;
  }

  function setAttrs(node, attrs) {
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { node.textContent = attrs[k]; } else { node.setAttribute(k, attrs[k]); }
    });
  }

  function append(node, children) {
    (children || []).forEach(function (ch) {
      if (ch === null || ch === undefined) { return; }
      node.appendChild(typeof ch === "string" ? document.createTextNode(ch) : ch);
    });
  }

  function closure() { return DATA.closures[state.closure]; }
  function pkg(name) { return indexes[state.closure][name]; }
  function table() { return document.getElementById("packages-" + state.closure); }
  function rows() { return Array.prototype.slice.call(table().tBodies[0].rows); }

  // -- filtering ----------------------------------------------------------------------------

  function applyFilters() {
    var terms = search.value.toLowerCase().split(/\s+/).filter(function (t) { return t; });
    var status = fStatus.value;
    var verdict = fVerdict.value;
    var onlyDrift = fDrift.checked;
    var all = rows();
    var visible = 0;
    all.forEach(function (tr) {
      var d = tr.dataset;
      var ok = (!status || d.status === status) &&
        (!verdict || d.verdict === verdict) &&
        (!onlyDrift || d.drift !== "0") &&
        terms.every(function (t) { return d.search.indexOf(t) !== -1; });
      tr.hidden = !ok;
      if (ok) { visible += 1; }
    });
    shown.textContent = visible === all.length
      ? all.length + " distributions"
      : visible + " of " + all.length + " distributions";
    empty.hidden = visible !== 0;
  }

  // -- closures -----------------------------------------------------------------------------

  function selectClosure(i, keepName) {
    state.closure = i;
    document.querySelectorAll(".tab").forEach(function (b) {
      b.setAttribute("aria-selected", String(Number(b.dataset.closure) === i));
    });
    document.querySelectorAll("section.closure, table.packages").forEach(function (s) {
      s.hidden = Number(s.dataset.closure) !== i;
    });
    applyFilters();
    var name = keepName || state.selected;
    if (name && pkg(name)) { select(name, false); } else { clearDetail(); }
  }

  function clearDetail() {
    state.selected = null;
    detail.replaceChildren(el("p", { "class": "hint", text:
      "Select a distribution to see why it is in the stream, its license review and its " +
      "neighbours in the dependency graph." }));
  }

  // -- selection ----------------------------------------------------------------------------

  function select(name, scroll) {
    var p = pkg(name);
    if (!p) { return; }
    state.selected = name;
    rows().forEach(function (tr) {
      var on = tr.dataset.name === name;
      tr.classList.toggle("selected", on);
      if (on && scroll) { scrollRow(tr); }
    });
    renderDetail(closure(), p);
    var hash = "#" + encodeURIComponent(closure().key) + ":" + encodeURIComponent(name);
    if (window.location.hash !== hash && window.history && window.history.replaceState) {
      window.history.replaceState(null, "", hash);
    }
  }

  function scrollRow(tr) {
    // scroll the table's own box only, so the page itself stays where the reader is
    var wrap = tr.closest(".table-wrap");
    var offset = tr.getBoundingClientRect().top - wrap.getBoundingClientRect().top;
    wrap.scrollTop = Math.max(0, wrap.scrollTop + offset - (wrap.clientHeight - tr.offsetHeight) / 2);
  }

  function nodeChip(name, self) {
    var p = pkg(name);
    var chip = el("span", {
      "class": "hop-node" + (p ? " o-" + p.status : "") + (self ? " self" : ""),
      "data-name": name,
      title: p ? name + " " + p.version + " (" + STATUS_LABEL[p.status] + ")" : name,
      text: name
    });
    chip.addEventListener("click", function () { select(name, true); });
    return chip;
  }

  function requirementOf(src, dst) {
    var p = pkg(src);
    if (!p) { return ""; }
    for (var i = 0; i < p.requires.length; i++) {
      if (p.requires[i][0] === dst) { return p.requires[i][1]; }
    }
    return "";
  }

  function section(title, children) {
    return [el("h3", { text: title })].concat(children);
  }

  function renderPaths(c, p) {
    if (p.paths.length === 0) {
      if (p.status === "build-only") {
        return [el("p", { text: "Not in the runtime view: bundled only to build " +
          (p.built_for.length ? p.built_for.join(", ") : "other bundles") + "." })];
      }
      return [el("p", { text: "No path from the application's requirements (" +
        c.roots.join(", ") + ")." })];
    }
    var list = el("ol", { "class": "paths" });
    p.paths.forEach(function (path) {
      var li = el("li", { "class": "why-path", "data-path": path.join(" ") });
      path.forEach(function (name, i) {
        if (i > 0) {
          var req = requirementOf(path[i - 1], name);
          li.appendChild(el("span", { "class": "hop-arrow", title: req,
            text: (req ? "[" + req + "] " : "") + "\u2192" }));
        }
        li.appendChild(nodeChip(name, i === path.length - 1));
      });
      if (path.length === 1) {
        li.appendChild(el("span", { "class": "req", text: "  a top-level requirement of the recipe" }));
      }
      list.appendChild(li);
    });
    return [list];
  }

  function linkList(items, empty) {
    if (items.length === 0) { return [el("p", { "class": "req", text: empty })]; }
    var ul = el("ul", { "class": "list" });
    items.forEach(function (it) {
      ul.appendChild(el("li", {}, [nodeChip(it[0], false),
        it[1] ? el("span", { "class": "req", text: "  " + it[1] }) : null]));
    });
    return [ul];
  }

  function renderLicense(p) {
    var lic = p.license;
    var out = [el("p", {}, [el("span", { "class": "verdict v-" + lic.verdict,
      text: VERDICT_LABEL[lic.verdict] })])];
    if (lic.expression) {
      out.push(el("p", {}, [el("code", { text: lic.expression }),
        lic.declared_from ? el("span", { "class": "req", text: "  from " + lic.declared_from }) : null,
        lic.binary ? el("span", { "class": "req", text: "  (repackaged wheel with compiled code)" }) : null]));
    }
    if (lic.problems.length) {
      out.push(el("ul", { "class": "list" }, lic.problems.map(function (t) {
        return el("li", { "class": "problem", text: t });
      })));
    }
    if (lic.evidence.length) {
      out.push(el("details", {}, [el("summary", { text: "evidence (" + lic.evidence.length + ")" }),
        el("ul", { "class": "list" }, lic.evidence.map(function (t) {
          return el("li", { "class": "req", text: t });
        }))]));
    }
    return out;
  }

  function renderDrift(p) {
    if (!closure().drift_given) { return []; }
    if (p.drift.length === 0) { return section("drift", [el("p", { "class": "req", text: "none" })]); }
    return section("drift", [el("ul", { "class": "list" }, p.drift.map(function (d) {
      return el("li", {}, [
        el("span", { "class": "drift-kind k-" + d.kind, text: d.kind }),
        d.level ? el("span", { "class": "level l-" + d.level, text: d.level }) : null,
        " " + d.locked + (d.current ? " \u2192 " + d.current : "") + ": " + d.detail
      ]);
    }))]);
  }

  function renderDetail(c, p) {
    var hopBox = el("input", { type: "checkbox", id: "hops" });
    hopBox.checked = state.hops === 2;
    hopBox.addEventListener("change", function () {
      state.hops = hopBox.checked ? 2 : 1;
      graph.replaceChildren(neighbourhood(p, state.hops));
    });
    var graph = el("div", { "class": "graph", id: "graph" }, [neighbourhood(p, state.hops)]);
    var parts = [
      el("h2", {}, [el("span", { "class": "name", text: p.name }), " ",
        el("span", { "class": "version", text: p.version })]),
      el("p", {}, [el("span", { "class": "status s-" + p.status, text: STATUS_LABEL[p.status] }),
        "  ", el("code", { text: p.rpm + " " + p.evr }),
        p.repo ? el("span", { "class": "req", text: "  (" + p.repo + ")" }) : null]),
      el("p", { "class": "reason", text: p.reason })
    ];
    parts = parts.concat(
      section("why it is in the stream", renderPaths(c, p)),
      [el("div", { "class": "graph-head" }, [el("h3", { text: "neighbourhood" }),
        el("label", {}, [hopBox, " two hops"])]), graph,
        el("p", { "class": "legend", text: "left: what requires it; right: what it requires. " +
          "Blue: reused from Fedora, orange: bundled. Click a node to select it." })],
      section("license", renderLicense(p)),
      renderDrift(p),
      section("required directly by (" + p.required_by.length + ")",
        linkList(p.required_by, p.status === "build-only" ? "nothing at run time" : "nothing: a top-level requirement")),
      section("requires (" + p.requires.length + ")", linkList(p.requires, "nothing in the closure"))
    );
    if (p.built_for.length) {
      parts = parts.concat(section("needed to build", linkList(p.built_for.map(function (n) {
        return [n, ""];
      }), "")));
    }
    detail.replaceChildren.apply(detail, parts);
  }

  // -- the neighbourhood graph --------------------------------------------------------------

  function neighbourhood(p, hops) {
    var placed = {};
    placed[p.name] = true;
    function column(names) {
      var out = [];
      names.forEach(function (n) {
        if (!placed[n] && pkg(n)) { placed[n] = true; out.push(n); }
      });
      return out.sort();
    }
    var left1 = column(p.required_by.map(function (x) { return x[0]; }));
    var right1 = column(p.requires.map(function (x) { return x[0]; }));
    var cols = [];
    if (hops === 2) {
      var l2 = [];
      left1.slice(0, MAX_PER_COLUMN).forEach(function (n) {
        pkg(n).required_by.forEach(function (x) { l2.push(x[0]); });
      });
      var r2 = [];
      right1.slice(0, MAX_PER_COLUMN).forEach(function (n) {
        pkg(n).requires.forEach(function (x) { r2.push(x[0]); });
      });
      var left2 = column(l2);
      var right2 = column(r2);
      cols.push({ title: "2 hops", names: left2 });
    }
    cols.push({ title: "required by", names: left1 });
    cols.push({ title: "", names: [p.name] });
    cols.push({ title: "requires", names: right1 });
    if (hops === 2) { cols.push({ title: "2 hops", names: right2 }); }
    cols = cols.filter(function (col) { return col.names.length || col.title === ""; });

    var boxH = 22, gapY = 6, gapX = 34, top = 22, pad = 8;
    var pos = {};
    var x = pad;
    var height = 0;
    cols.forEach(function (col) {
      var more = col.names.length - MAX_PER_COLUMN;
      col.shown = more > 0 ? col.names.slice(0, MAX_PER_COLUMN) : col.names;
      col.more = more > 0 ? more : 0;
      var longest = col.shown.reduce(function (m, n) { return Math.max(m, textWidth(label(n))); }, 40);
      col.w = Math.ceil(14 + longest);
      col.x = x;
      x += col.w + gapX;
      var rowsN = col.shown.length + (col.more ? 1 : 0);
      height = Math.max(height, rowsN * (boxH + gapY));
    });
    var width = x - gapX + pad;
    height += top + pad;
    cols.forEach(function (col) {
      var rowsN = col.shown.length + (col.more ? 1 : 0);
      var y0 = top + (height - top - pad - rowsN * (boxH + gapY)) / 2;
      col.shown.forEach(function (n, i) {
        pos[n] = { x: col.x, y: y0 + i * (boxH + gapY), w: col.w };
      });
      col.y0 = y0;
    });

    var svg = svgEl("svg", { xmlns: SVGNS, width: width, height: height,
      viewBox: "0 0 " + width + " " + height, role: "img",
      "aria-label": "neighbourhood of " + p.name });
    svg.appendChild(svgEl("defs", {}, [svgEl("marker", { id: "arrow", viewBox: "0 0 10 10",
      refX: "10", refY: "5", markerWidth: "6", markerHeight: "6", orient: "auto" },
      [svgEl("path", { d: "M0,0 L10,5 L0,10 z", fill: "#8c959f" })])]));
    cols.forEach(function (col) {
      if (col.title) {
        svg.appendChild(svgEl("text", { "class": "col-title", x: col.x, y: 13, text: col.title }));
      }
    });
    // edges: from each requirer to what it requires, between neighbouring columns
    var edges = svgEl("g", { fill: "none", stroke: "#afb8c1", "stroke-width": "1.2" });
    Object.keys(pos).forEach(function (src) {
      pkg(src).requires.forEach(function (r) {
        var dst = r[0];
        var a = pos[src], b = pos[dst];
        if (!b || !(b.x > a.x)) { return; }
        var x1 = a.x + a.w, y1 = a.y + boxH / 2, x2 = b.x, y2 = b.y + boxH / 2;
        var dx = (x2 - x1) / 2;
        edges.appendChild(svgEl("path", {
          d: "M" + x1 + "," + y1 + " C" + (x1 + dx) + "," + y1 + " " + (x2 - dx) + "," + y2 +
            " " + x2 + "," + y2,
          "marker-end": "url(#arrow)"
        }, [svgEl("title", { text: src + " requires " + (r[1] || dst) })]));
      });
    });
    svg.appendChild(edges);
    Object.keys(pos).sort().forEach(function (n) {
      var q = pkg(n), at = pos[n], colours = FILL[q.status];
      var self = n === p.name;
      var g = svgEl("g", { "class": "n", "data-name": n, transform: "translate(" + at.x + "," + at.y + ")" }, [
        svgEl("title", { text: n + " " + q.version + " (" + STATUS_LABEL[q.status] + ")" }),
        svgEl("rect", { width: at.w, height: boxH, rx: 4, fill: self ? colours[1] : colours[0],
          stroke: colours[1] }),
        svgEl("text", { x: 7, y: 15, fill: self ? "#fff" : "#1f2328", text: label(n) })
      ]);
      g.addEventListener("click", function () { select(n, true); });
      svg.appendChild(g);
    });
    cols.forEach(function (col) {
      if (col.more) {
        svg.appendChild(svgEl("text", { x: col.x + 4,
          y: col.y0 + col.shown.length * (boxH + gapY) + 15, fill: "#59636e",
          text: "+" + col.more + " more" }));
      }
    });
    return svg;
  }

  function label(name) {
    return name.length > 22 ? name.slice(0, 21) + "\u2026" : name;
  }

  var measure = document.createElement("canvas").getContext("2d");
  function textWidth(text) {
    measure.font = "11.5px system-ui, 'DejaVu Sans', sans-serif";
    return measure.measureText(text).width;
  }

  // -- wiring -------------------------------------------------------------------------------

  [search, fStatus, fVerdict, fDrift].forEach(function (c) {
    c.addEventListener("input", applyFilters);
    c.addEventListener("change", applyFilters);
  });
  document.querySelectorAll(".tab").forEach(function (b) {
    b.addEventListener("click", function () { selectClosure(Number(b.dataset.closure)); });
  });
  document.querySelectorAll("table.packages tbody").forEach(function (tb) {
    tb.addEventListener("click", function (ev) {
      var tr = ev.target.closest("tr.pkg");
      if (tr) { select(tr.dataset.name, false); }
    });
    tb.addEventListener("keydown", function (ev) {
      var tr = ev.target.closest("tr.pkg");
      if (!tr) { return; }
      if (ev.key === "Enter" || ev.key === " ") {
        ev.preventDefault();
        select(tr.dataset.name, false);
      } else if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
        ev.preventDefault();
        var vis = rows().filter(function (r) { return !r.hidden; });
        var i = vis.indexOf(tr) + (ev.key === "ArrowDown" ? 1 : -1);
        if (i >= 0 && i < vis.length) { vis[i].focus(); select(vis[i].dataset.name, true); }
      }
    });
  });
  document.querySelectorAll("a.pkg-link").forEach(function (a) {
    a.addEventListener("click", function (ev) {
      ev.preventDefault();
      select(a.dataset.name, true);
    });
  });

  // #CLOSURE:NAME (what select() writes) opens a closure and a package
  var start = 0, startName = null;
  if (window.location.hash.length > 1) {
    var parts = window.location.hash.slice(1).split(":");
    var key = decodeURIComponent(parts[0]);
    DATA.closures.forEach(function (c, i) { if (c.key === key) { start = i; } });
    startName = parts.length > 1 ? decodeURIComponent(parts[1]) : null;
  }
  selectClosure(start, startName);
  if (state.selected) {
    rows().forEach(function (tr) { if (tr.dataset.name === state.selected) { scrollRow(tr); } });
  }
  window.streamsReport = { select: select, selectClosure: selectClosure, data: DATA };
})();
