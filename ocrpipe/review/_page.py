"""The review page: each poster beside its lines and clauses; corrections when served.

`write_page(DIR)` writes DIR/review.html: one self-contained file (inline CSS and
plain JavaScript, the run's data as JSON, images by relative path) that opens
from disk with no network. Line boxes are SVG in the image's own pixel
coordinates, laid over the image, so they stay aligned at any zoom.

`serve(DIR)` serves the same page on 127.0.0.1 with a random token; there the
page is editable: a correction is saved at once (corrections.json) and the
results are rebuilt and verified again (corrections.py).
"""

from __future__ import annotations

import html
import json
import logging
import mimetypes
import secrets
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from ocrpipe._io import atomic_write_text
from ocrpipe.errors import InputError, OcrpipeError
from ocrpipe.output._export import read_result
from ocrpipe.output._results import RunResult
from ocrpipe.review import _corrections as corrections

log = logging.getLogger(__name__)

PAGE = "review.html"
LOW_CONFIDENCE = 60.0  # lines read with less confidence stand out
MAX_BODY = 64 * 1024


def page_data(result: RunResult, stale: int = 0) -> dict[str, Any]:
    """What the page shows, as plain JSON."""
    v = result.verification
    dup = set(v.duplicates) | set(v.out_of_order)
    return {
        "title": result.article.title,
        "date": result.article.date,
        "source": result.article.source,
        "verification": {
            "ok": v.ok,
            "expected": v.expected,
            "found": len(v.found),
            "missing": list(v.missing),
            "duplicates": list(v.duplicates),
            "out_of_order": list(v.out_of_order),
        },
        "clauses": [
            {
                "number": c.number,
                "label": c.label,
                "title": c.title,
                "start": list(c.start or ()),
                "images": [s.image for s in c.sources],
                "flag": c.number in dup,
                "corrected": list(c.corrected),
            }
            for c in result.clauses
        ],
        "images": [
            {
                "index": im.index,
                "file": im.file,
                "width": im.width,
                "height": im.height,
                "status": im.status,
                "error": im.error,
                "lines": [
                    {
                        "text": ln.text,
                        "conf": round(ln.confidence, 1),
                        "bbox": list(ln.bbox),
                        "kind": ln.kind,
                        "corrected": ln.original is not None,
                        "original": ln.original,
                    }
                    for ln in im.lines
                ],
            }
            for im in result.images
        ],
        "low": LOW_CONFIDENCE,
        "stale": stale,
    }


def render(result: RunResult, stale: int = 0) -> str:
    data = json.dumps(page_data(result, stale), ensure_ascii=False).replace("</", "<\\/")
    title = html.escape(result.article.title or "ocrpipe review")
    return _TEMPLATE.replace("{{TITLE}}", title).replace("{{DATA}}", data)


def write_page(out_dir: Path) -> Path:
    """Write DIR/review.html for a finished run (corrections applied)."""
    out_dir = Path(out_dir)
    result = read_result(out_dir)
    path = out_dir / PAGE
    atomic_write_text(path, render(result))
    return path


# --------------------------------------------------------------------------- server


class ReviewServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, out_dir: Path, port: int = 0, token: str | None = None) -> None:
        self.out_dir = Path(out_dir).resolve()
        self.token = token or secrets.token_urlsafe(18)
        read_result(self.out_dir)  # a clear error now, not on the first request
        super().__init__(("127.0.0.1", port), _Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/?token={self.token}"


class _Handler(BaseHTTPRequestHandler):
    server: ReviewServer
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt: str, *args: Any) -> None:
        log.debug("review server: " + fmt, *args)

    def _send(self, status: int, body: bytes, ctype: str = "application/json; charset=utf-8") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, obj: Any) -> None:
        self._send(status, json.dumps(obj, ensure_ascii=False).encode())

    def _authorised(self) -> bool:
        query = parse_qs(urlsplit(self.path).query)
        given = self.headers.get("X-Ocrpipe-Token") or (query.get("token") or [""])[0]
        if secrets.compare_digest(given.encode(), self.server.token.encode()):
            return True
        self._json(HTTPStatus.FORBIDDEN, {"error": "a valid token is needed: open the URL ocrpipe printed"})
        return False

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if not self._authorised():
            return
        path = unquote(urlsplit(self.path).path)
        out = self.server.out_dir
        if path in ("/", "/" + PAGE):
            self._send(HTTPStatus.OK, render(read_result(out)).encode(), "text/html; charset=utf-8")
        elif path == "/api/state":
            self._json(HTTPStatus.OK, page_data(read_result(out)))
        elif path.startswith("/images/"):
            target = (out / path.lstrip("/")).resolve()
            if target.parent != (out / "images").resolve() or not target.is_file():
                self._json(HTTPStatus.NOT_FOUND, {"error": "no such image"})
                return
            ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            self._send(HTTPStatus.OK, target.read_bytes(), ctype)
        else:
            self._json(HTTPStatus.NOT_FOUND, {"error": "not found"})

    def do_POST(self) -> None:  # noqa: N802
        if not self._authorised():
            return
        if urlsplit(self.path).path != "/api/correct":
            self._json(HTTPStatus.NOT_FOUND, {"error": "not found"})
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
            if not 0 < length <= MAX_BODY:
                raise InputError("a correction is a small JSON object")
            body = json.loads(self.rfile.read(length))
            done = correct(self.server.out_dir, body)
        except (ValueError, OcrpipeError) as exc:
            self._json(HTTPStatus.BAD_REQUEST, {"error": str(exc)[:300]})
            return
        self._json(HTTPStatus.OK, page_data(done.result, len(done.stale)))


def correct(out_dir: Path, body: Any) -> corrections.Applied:
    """One correction from the page: {kind: line|clause, image, line, text | number/title}."""
    if not isinstance(body, dict) or body.get("kind") not in ("line", "clause"):
        raise InputError("a correction needs kind 'line' or 'clause'")
    result = read_result(out_dir)
    image, line = body.get("image"), body.get("line")
    im = next((x for x in result.images if x.index == image), None)
    if im is None or not isinstance(line, int) or not 0 <= line < len(im.lines):
        raise InputError("no such line; reload the page")
    ln = im.lines[line]
    recognised = ln.original if ln.original is not None else ln.text
    if body["kind"] == "line":
        text = body.get("text")
        if not isinstance(text, str):
            raise InputError("a line correction needs its text")
        c = {"kind": "line", "image": image, "line": line, "original": recognised, "text": text.strip()}
    else:
        clause = next((x for x in result.clauses if x.start == (image, line)), None)
        if clause is None:
            raise InputError("no clause starts on that line; reload the page")
        number = body.get("number")
        c = {
            "kind": "clause",
            "image": image,
            "line": line,
            "original_number": clause.number,
            "original_title": clause.title,
            "number": int(number) if number not in (None, "") else None,
            "title": body.get("title"),
        }
    done = corrections.add(out_dir, c)
    atomic_write_text(Path(out_dir) / PAGE, render(done.result, len(done.stale)))
    return done


def serve(out_dir: Path, port: int = 0, ready: Callable[[ReviewServer], None] | None = None) -> None:
    """Serve the editable page until interrupted; `ready` gets the server once it listens."""
    server = ReviewServer(out_dir, port)
    if ready:
        ready(server)
    try:
        server.serve_forever()
    finally:
        server.server_close()


def serve_in_thread(out_dir: Path, port: int = 0) -> tuple[ReviewServer, threading.Thread]:
    """For tests and embedding: the server running in a daemon thread."""
    server = ReviewServer(out_dir, port)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    return server, t


_TEMPLATE = r"""<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self' file: data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'">
<title>{{TITLE}} · ocrpipe review</title>
<style>
:root { --ok:#1a7f37; --bad:#c62828; --warn:#b26a00; --hl:#1565c0; --line:#e3e3e3; font-family: system-ui, "Noto Sans CJK SC", sans-serif; }
* { box-sizing: border-box; }
body { margin:0; color:#222; background:#fafafa; }
header { position:sticky; top:0; z-index:5; background:#fff; border-bottom:1px solid var(--line); padding:.6rem 1rem; }
h1 { font-size:1.15rem; margin:0 0 .2rem; }
.meta { color:#666; font-size:.85rem; }
.verdict { margin:.4rem 0 0; padding:.35rem .6rem; border-radius:6px; font-weight:600; display:inline-block; }
.verdict.ok { background:#e6f4ea; color:var(--ok); }
.verdict.bad { background:#fdecea; color:var(--bad); }
main { display:flex; gap:1rem; padding:1rem; align-items:flex-start; }
nav#clauses { flex:0 0 18rem; position:sticky; top:7rem; max-height:calc(100vh - 8rem); overflow:auto; background:#fff;
  border:1px solid var(--line); border-radius:8px; padding:.5rem; font-size:.9rem; }
nav#clauses ol { list-style:none; margin:0; padding:0; }
nav#clauses li { padding:.2rem .3rem; border-radius:4px; }
nav#clauses li.flag, nav#clauses li.missing { background:#fdecea; }
nav#clauses li.missing { color:var(--bad); font-style:italic; }
nav#clauses a { color:inherit; text-decoration:none; }
#posters { flex:1; min-width:0; display:flex; flex-direction:column; gap:1.2rem; }
.poster { display:flex; gap:1rem; background:#fff; border:1px solid var(--line); border-radius:8px; padding:.6rem; }
.poster h2 { font-size:.95rem; margin:0 0 .4rem; }
.imgwrap { position:relative; flex:0 0 45%; max-width:45%; align-self:flex-start; }
.imgwrap img { display:block; width:100%; height:auto; }
.imgwrap svg { position:absolute; left:0; top:0; width:100%; height:100%; pointer-events:none; }
.imgwrap rect { fill:transparent; stroke-width:3; vector-effect:non-scaling-stroke; pointer-events:all; cursor:pointer; }
rect.c-hi { stroke:var(--ok); } rect.c-mid { stroke:var(--warn); } rect.c-lo { stroke:var(--bad); stroke-width:4; }
rect.badge { stroke-dasharray:6 4; }
rect.hl { stroke:var(--hl) !important; stroke-width:5; fill:rgba(21,101,192,.12); }
ol.lines { flex:1; min-width:0; margin:0; padding-left:2.2rem; font-size:.95rem; }
ol.lines li { padding:.15rem .3rem; border-radius:4px; cursor:pointer; word-break:break-all; }
ol.lines li.lo { background:#fff3e0; }
ol.lines li.hl, nav#clauses li.hl { outline:2px solid var(--hl); background:#e3f2fd; }
ol.lines li .conf { color:#888; font-size:.75rem; margin-left:.4rem; }
ol.lines li.corrected .txt { color:var(--ok); }
.failed { color:var(--bad); }
.edit { border:none; background:none; cursor:pointer; color:#888; }
input.fix { width:100%; font-size:1rem; }
.keys { color:#888; font-size:.8rem; }
@media (max-width: 760px) {
  main { flex-direction:column; padding:.5rem; }
  nav#clauses { position:static; flex:none; width:100%; max-height:none; }
  .poster { flex-direction:column; }
  .imgwrap { max-width:100%; flex:none; width:100%; }
}
</style>
</head>
<body>
<header>
  <h1 id="title"></h1>
  <div class="meta" id="meta"></div>
  <div id="verdict" class="verdict"></div>
  <span class="keys">j / k: next / previous item to check</span>
</header>
<main>
  <nav id="clauses" aria-label="clauses"><ol></ol></nav>
  <section id="posters"></section>
</main>
<script id="data" type="application/json">{{DATA}}</script>
<script>
"use strict";
(function () {
  var data = JSON.parse(document.getElementById("data").textContent);
  var token = new URLSearchParams(location.search).get("token");
  var editable = !!token && location.protocol.indexOf("http") === 0;
  var flagged = [], cursor = -1;

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
    if (v.duplicates.length) parts.push("duplicated: " + v.duplicates.join(", "));
    if (v.out_of_order.length) parts.push("out of order: " + v.out_of_order.join(", "));
    box.textContent = (v.ok ? "verification ok · " : "verification FAILED · ") + parts.join(" · ");
    box.className = "verdict " + (v.ok ? "ok" : "bad");
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
        flagged.push(li);
      } else {
        var c = it.c, start = c.start.length ? lineId(c.start[0], c.start[1]) : null;
        var a2 = el("a", start ? {href: "#" + start} : {}, c.number + ". " + c.title);
        if (c.corrected.length) a2.title = "corrected: " + c.corrected.join(", ");
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
        fig.appendChild(el("p", {"class": "failed"}, "image " + im.index + ": " + (im.error || "failed")));
        host.appendChild(fig);
        return;
      }
      var wrap = el("div", {"class": "imgwrap"});
      var img = el("img", {src: im.file + (editable ? "?token=" + encodeURIComponent(token) : ""),
                           alt: "poster " + im.index, width: im.width, height: im.height});
      var svg = svgEl("svg", {viewBox: "0 0 " + im.width + " " + im.height, preserveAspectRatio: "none"});
      var list = el("ol", {"class": "lines", start: "0"});
      im.lines.forEach(function (ln, j) {
        var b = ln.bbox;
        var r = svgEl("rect", {x: b[0], y: b[1], width: b[2], height: b[3], id: "b" + lineId(im.index, j),
                               "class": confClass(ln.conf) + (ln.kind === "badge" ? " badge" : "")});
        var t = svgEl("title", {}); t.textContent = ln.text + " (" + ln.conf + ")"; r.appendChild(t);
        r.addEventListener("mouseenter", function () { highlight(im.index, j, false); });
        r.addEventListener("click", function () { highlight(im.index, j, true); });
        svg.appendChild(r);
        var li = el("li", {id: lineId(im.index, j), "data-conf": ln.conf});
        li.appendChild(el("span", {"class": "txt"}, ln.text));
        li.appendChild(el("span", {"class": "conf"}, ln.kind === "badge" ? "badge" : String(Math.round(ln.conf))));
        if (ln.corrected) { li.classList.add("corrected"); li.title = "read as: " + ln.original; }
        if (ln.conf < data.low) { li.classList.add("lo"); flagged.push(li); }
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
      side.appendChild(el("h2", {}, "poster " + im.index + " · " + im.lines.length + " lines"));
      side.appendChild(list);
      fig.appendChild(wrap); fig.appendChild(side);
      host.appendChild(fig);
    });
  }

  function render() {
    flagged = []; cursor = -1;
    renderHeader(); renderClauses(); renderPosters();
  }

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
</script>
</body>
</html>
"""
