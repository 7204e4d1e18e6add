"use strict";
(function () {
  var data = JSON.parse(document.getElementById("data").textContent);
  var token = new URLSearchParams(location.search).get("token");
  var editable = !!token && location.protocol.indexOf("http") === 0;
  // j/k order: lines with flagged spans (readers disagreed, or the chosen reading is unsure:
  // where the remaining errors are), then missing clauses, then everything else worth a look
  // (low confidence, doubtful clauses)
  var flagged = [], missing = [], disagreed = [], cursor = -1;

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function svgEl(tag, attrs) {
    var e = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    return e;
  }
  function confClass(c) { return c >= 85 ? "c-hi" : (c >= data.low ? "c-mid" : "c-lo"); }
  function lineId(i, j) { return "p" + i + "-l" + j; }

  function highlight(i, j, scroll) {
    document.querySelectorAll(".hl").forEach(function (e) { e.classList.remove("hl"); });
    var li = document.getElementById(lineId(i, j)), r = document.getElementById("b" + lineId(i, j));
    if (li) li.classList.add("hl");
    if (r) r.classList.add("hl");
    if (scroll && li) li.scrollIntoView({block: "center"});
  }

  function post(body) {
    return fetch("/api/correct", {method: "POST", headers: {"Content-Type": "application/json", "X-Ocrpipe-Token": token},
                                  body: JSON.stringify(body)})
      .then(function (r) { return r.json().then(function (j) { if (!r.ok) throw new Error(j.error); return j; }); })
      .then(function (fresh) { data = fresh; render(); })
      .catch(function (e) { alert("not saved: " + e.message); });
  }

  function editLine(li, i, j, text) {
    var input = el("input", {"class": "fix", "aria-label": "corrected text"});
    input.value = text;
    li.replaceChildren(input);
    input.focus();
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") post({kind: "line", image: i, line: j, text: input.value});
      if (ev.key === "Escape") render();
      ev.stopPropagation();
    });
  }

  function editClause(li, c) {
    var num = el("input", {"class": "fix num", "aria-label": "clause number", size: "3"});
    var tit = el("input", {"class": "fix title", "aria-label": "clause title"});
    num.value = c.number; tit.value = c.title;
    li.replaceChildren(num, tit);
    tit.focus();
    [num, tit].forEach(function (inp) {
      inp.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter") post({kind: "clause", image: c.start[0], line: c.start[1], number: num.value, title: tit.value});
        if (ev.key === "Escape") render();
        ev.stopPropagation();
      });
    });
  }

  function renderHeader() {
    var v = data.verification;
    document.getElementById("title").textContent = data.title || "ocrpipe review";
    document.title = (data.title || "ocrpipe review") + " · ocrpipe review";
    document.getElementById("meta").textContent = [data.date, data.source].filter(Boolean).join(" · ")
      + (data.stale ? " · " + data.stale + " stale corrections" : "");
    var box = document.getElementById("verdict");
    var parts = ["expected " + (v.expected === null ? "–" : v.expected), "found " + v.found];
    if (v.missing.length) parts.push("missing: " + v.missing.join(", "));
    if (v.extra && v.extra.length) parts.push("beyond " + v.expected + ": " + v.extra.join(", "));
    if (v.duplicates.length) parts.push("duplicated: " + v.duplicates.join(", "));
    if (v.out_of_order.length) parts.push("out of order: " + v.out_of_order.join(", "));
    var na = v.status === "not applicable";
    if (na) parts = ["no promised count", "found " + v.found];
    box.textContent = (na ? "verification not applicable · " : v.ok ? "verification ok · " : "verification FAILED · ") + parts.join(" · ");
    box.className = "verdict " + (na ? "na" : v.ok ? "ok" : "bad");
  }

  function renderClauses() {
    var ol = document.querySelector("#clauses ol");
    ol.replaceChildren();
    var items = data.clauses.map(function (c) { return {n: c.number, c: c}; });
    data.verification.missing.forEach(function (n) { items.push({n: n, missing: true}); });
    items.sort(function (a, b) { return a.n - b.n || (a.missing ? 1 : -1); });
    items.forEach(function (it) {
      var li = el("li");
      if (it.missing) {
        // where it should be: after the poster of the clause before it
        var before = data.clauses.filter(function (c) { return c.number < it.n; }).pop();
        var a = el("a", {href: before ? "#p" + before.images[before.images.length - 1] : "#posters"},
                   it.n + " — missing");
        li.className = "missing"; li.id = "missing-" + it.n; li.appendChild(a);
        missing.push(li);
      } else {
        var c = it.c, start = c.start.length ? lineId(c.start[0], c.start[1]) : null;
        var a2 = el("a", start ? {href: "#" + start} : {}, c.number + ". " + c.title);
        if (c.corrected.length) a2.title = "corrected: " + c.corrected.join(", ");
        if (c.sections && c.sections.length) li.appendChild(el("span", {"class": "section"}, c.sections.join(" › ")));
        li.appendChild(a2);
        if (c.flag) { li.className = "flag"; flagged.push(li); }
        if (start) {
          li.id = "clause-" + c.number;
          a2.addEventListener("click", function () { highlight(c.start[0], c.start[1], false); });
        }
        if (editable && start) {
          var b = el("button", {"class": "edit", title: "correct number or title"}, "✎");
          b.addEventListener("click", function (ev) { ev.preventDefault(); editClause(li, c); });
          li.appendChild(b);
        }
      }
      ol.appendChild(li);
    });
  }

  function renderPosters() {
    var host = document.getElementById("posters");
    host.replaceChildren();
    data.images.forEach(function (im) {
      var fig = el("article", {"class": "poster", id: "p" + im.index});
      if (im.status !== "ok" || !im.file) {
        fig.appendChild(el("p", {"class": "failed"}, "poster " + (im.index + 1) + ": " + (im.error || "failed")));
        host.appendChild(fig);
        return;
      }
      // a landscape or squarish image is read across the page's width, its lines below it
      if (im.width && im.height && im.width > 0.9 * im.height) fig.classList.add("wide");
      var wrap = el("div", {"class": "imgwrap"});
      var img = el("img", {src: im.file + (editable ? "?token=" + encodeURIComponent(token) : ""),
                           alt: "poster " + (im.index + 1), width: im.width, height: im.height});
      var svg = svgEl("svg", {viewBox: "0 0 " + im.width + " " + im.height, preserveAspectRatio: "none"});
      var list = el("ol", {"class": "lines", start: "1"});
      im.lines.forEach(function (ln, j) {
        var b = ln.bbox, cls = "box " + confClass(ln.conf) + (ln.kind === "badge" ? " badge" : "");
        // a rotated line is drawn as its outline: boxes of tilted neighbours would overlap
        var r = ln.polygon && ln.polygon.length >= 3
          ? svgEl("polygon", {points: ln.polygon.map(function (p) { return p[0] + "," + p[1]; }).join(" "),
                              id: "b" + lineId(im.index, j), "class": cls})
          : svgEl("rect", {x: b[0], y: b[1], width: b[2], height: b[3], id: "b" + lineId(im.index, j), "class": cls});
        var t = svgEl("title", {}); t.textContent = ln.text + " (" + ln.conf + ")"; r.appendChild(t);
        r.addEventListener("mouseenter", function () { highlight(im.index, j, false); });
        r.addEventListener("click", function () { highlight(im.index, j, true); });
        svg.appendChild(r);
        var li = el("li", {id: lineId(im.index, j), "data-conf": ln.conf});
        li.appendChild(lineText(ln));
        if (ln.readers && ln.readers.length) {
          li.title = ln.readers.map(function (r) { return r[0] + ": " + r[1]; }).join("\n");
        }
        li.appendChild(el("span", {"class": "conf"}, ln.kind === "badge" ? "badge" : String(Math.round(ln.conf))));
        if (ln.role) li.appendChild(el("span", {"class": "role role-" + ln.role, title: "role in the clauses"}, ln.role));
        if (ln.corrected) { li.classList.add("corrected"); li.title = "read as: " + ln.original; }
        if (ln.flags && ln.flags.length) {
          li.classList.add("dis"); r.classList.add("dis"); disagreed.push(li);
        } else if (ln.conf < data.low) { li.classList.add("lo"); flagged.push(li); }
        li.addEventListener("mouseenter", function () { highlight(im.index, j, false); });
        li.addEventListener("click", function () { highlight(im.index, j, false); });
        if (editable) {
          var e = el("button", {"class": "edit", title: "correct this line"}, "✎");
          e.addEventListener("click", function (ev) { ev.stopPropagation(); editLine(li, im.index, j, ln.text); });
          li.appendChild(e);
        }
        list.appendChild(li);
      });
      wrap.appendChild(img); wrap.appendChild(svg);
      var side = el("div", {style: "flex:1;min-width:0"});
      var n = im.lines.length;
      side.appendChild(el("h2", {}, "poster " + (im.index + 1) + " · " + n + (n === 1 ? " line" : " lines")));
      side.appendChild(list);
      fig.appendChild(wrap); fig.appendChild(side);
      host.appendChild(fig);
    });
  }

  // scroll targets (a clause's line, a poster) stop below the sticky header, whatever its height
  function fitHeader() {
    var h = document.querySelector("header").getBoundingClientRect().height;
    document.documentElement.style.setProperty("--header-h", Math.ceil(h) + "px");
  }

  function lineText(ln) {
    // the flagged spans (readers disagreed, or unsure), marked; the rest as plain text
    var span = el("span", {"class": "txt"}), at = 0, chars = Array.from(ln.text);
    (ln.flags || []).forEach(function (f) {
      if (f[0] < at || f[1] > chars.length) return;
      span.appendChild(document.createTextNode(chars.slice(at, f[0]).join("")));
      var m = el("mark", {"class": "dis", title: "to check: readers disagreed or unsure · support " + Math.round(f[2])},
                 chars.slice(f[0], f[1]).join(""));
      span.appendChild(m);
      at = f[1];
    });
    span.appendChild(document.createTextNode(chars.slice(at).join("")));
    return span;
  }

  function render() {
    flagged = []; missing = []; disagreed = []; cursor = -1;
    renderHeader(); renderClauses(); renderPosters(); fitHeader();
    flagged = disagreed.concat(missing, flagged);
  }
  window.addEventListener("resize", fitHeader);

  document.addEventListener("keydown", function (ev) {
    if (ev.target.tagName === "INPUT" || !flagged.length) return;
    if (ev.key === "j" || ev.key === "k") {
      cursor = ev.key === "j" ? (cursor + 1) % flagged.length : (cursor - 1 + flagged.length) % flagged.length;
      document.querySelectorAll(".hl").forEach(function (e) { e.classList.remove("hl"); });
      flagged[cursor].classList.add("hl");
      flagged[cursor].scrollIntoView({block: "center"});
    }
  });
  render();
  window.ocrpipeReview = {data: function () { return data; }, editable: editable};
})();
