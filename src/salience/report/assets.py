"""The report page's inline style sheet and script (the page loads nothing else).

The script sorts a table by a clicked column header and, on ``load``, records in
``<body data-report-check>`` how many images there are, which did not render, every script error
or ``console.error``, and for each figure its image's drawn and natural width beside its card's
inner width (tests/test_report_browser.py reads it). Figures wider than a half card (full-width
PNGs, :data:`WIDE_FIGURE_PX`) get the ``wide`` class and span the whole row.

Example:
    >>> "data-report-check" in SCRIPT and "url(" not in CSS
    True
"""

WIDE_FIGURE_PX = 900
"""PNG figures at least this wide (pixels) span the report's full width (``figure.wide``)."""

CSS = """
:root{--fg:#1d2433;--muted:#5b6475;--line:#e3e6ec;--bg:#fff;--soft:#f5f7fa;--accent:#0072B2;--neg:#b3261e}
@media (prefers-color-scheme:dark){:root{--fg:#e6e8ee;--muted:#9aa3b5;--line:#2c3240;--bg:#14171e;
--soft:#1b1f28;--accent:#56B4E9;--neg:#ff8a80}}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
color:var(--fg);background:var(--bg)}
header,nav,main,footer{max-width:1200px;margin:0 auto;padding:0 24px}
header{padding-top:32px}
.kicker{text-transform:uppercase;letter-spacing:.08em;font-size:12px;color:var(--accent);font-weight:600}
h1{margin:4px 0 2px;font-size:28px}
h2{font-size:20px;margin:36px 0 12px;padding-bottom:6px;border-bottom:1px solid var(--line)}
h3{font-size:16px;margin:20px 0 8px}
summary h3{display:inline-block}
.path{color:var(--muted);margin:0 0 16px;font-family:ui-monospace,SFMono-Regular,Menlo,monospace;
font-size:13px;word-break:break-all}
.facts{display:flex;flex-wrap:wrap;gap:10px;margin:0}
.facts div{background:var(--soft);border:1px solid var(--line);border-radius:8px;padding:6px 12px}
.facts dt{font-size:11px;text-transform:uppercase;color:var(--muted);letter-spacing:.05em}
.facts dd{margin:0;font-weight:600}
nav{position:sticky;top:0;background:var(--bg);border-bottom:1px solid var(--line);padding-top:10px;
padding-bottom:10px;margin-top:20px;z-index:2}
nav a{color:var(--accent);text-decoration:none;margin-right:18px;font-weight:500}
nav a:hover{text-decoration:underline}
.scroll{overflow:auto;border:1px solid var(--line);border-radius:8px;max-height:70vh;max-width:100%;
display:inline-block;vertical-align:top}
.table{margin-bottom:8px}
#configuration .scroll{display:block}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;font-size:14px}
th,td{padding:6px 10px;text-align:left;border-bottom:1px solid var(--line);white-space:nowrap}
thead th{position:sticky;top:0;background:var(--soft);cursor:pointer;user-select:none;font-weight:600}
thead th small{display:block;font-weight:400;color:var(--muted);font-size:11px}
thead th[aria-sort=ascending]::after{content:" ▲";font-size:10px}
thead th[aria-sort=descending]::after{content:" ▼";font-size:10px}
tbody tr:nth-child(even){background:var(--soft)}
tbody tr:hover{background:rgba(0,114,178,.08)}
td.num{text-align:right}
td.neg{color:var(--neg)}
.paper{color:var(--muted);margin-left:8px;padding-left:8px;border-left:1px solid var(--line)}
table.settings{width:100%}
table.settings th{width:30%;color:var(--muted);font-weight:500;cursor:auto}
table.settings td{white-space:normal;word-break:break-word;font-family:ui-monospace,Menlo,monospace;
font-size:13px}
.source{color:var(--muted);font-weight:400;font-size:12px;margin-left:6px}
.note{color:var(--muted);font-size:13px;margin:4px 0 8px}
details.table>summary{cursor:pointer;list-style-position:outside;margin-left:16px}
.chips{display:flex;flex-wrap:wrap;gap:8px}
.chip{background:var(--soft);border:1px solid var(--line);border-radius:999px;padding:2px 12px;font-size:13px}
.chip.done b{color:#009E73}.chip.failed b{color:var(--neg)}.chip.skipped b{color:#E69F00}
.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,460px),1fr));gap:18px}
.figures figure.wide{grid-column:1/-1}
figure{margin:0;border:1px solid var(--line);border-radius:8px;padding:12px;background:#fff}
figure img{display:block;max-width:100%;height:auto;margin:0 auto}
figcaption{color:#333;font-size:13px;margin-top:8px}
figcaption .source{color:#777}
.files{columns:2 280px;padding-left:18px;font-size:14px}
code{font-family:ui-monospace,Menlo,monospace;font-size:13px}
footer{color:var(--muted);font-size:12px;margin-top:40px;padding-bottom:32px;border-top:1px solid var(--line);
padding-top:12px}
@media print{nav{display:none}.scroll{max-height:none;overflow:visible}details.table{display:block}}
"""

SCRIPT = """
(function () {
  var errors = [];
  var original = console.error;
  console.error = function () {
    errors.push(Array.prototype.join.call(arguments, " "));
    return original.apply(console, arguments);
  };
  window.addEventListener("error", function (e) {
    if (e instanceof ErrorEvent) { errors.push(String(e.message)); }
  }, true);
  window.addEventListener("load", function () {
    var broken = [];
    for (var i = 0; i < document.images.length; i++) {
      var img = document.images[i];
      if (!(img.complete && img.naturalWidth > 0)) { broken.push(img.alt || img.src.slice(0, 40)); }
    }
    var figures = [];
    Array.prototype.forEach.call(document.querySelectorAll("figure"), function (f) {
      var img = f.querySelector("img"), style = getComputedStyle(f);
      if (!img) { return; }
      var inner = f.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      figures.push({alt: img.alt.slice(0, 60), drawn: img.getBoundingClientRect().width,
                    natural: img.naturalWidth, card: inner, wide: f.classList.contains("wide")});
    });
    var check = {images: document.images.length, broken: broken, errors: errors, figures: figures};
    document.body.setAttribute("data-report-check", JSON.stringify(check));
  });
  document.addEventListener("click", function (e) {
    var th = e.target.closest("thead th");
    if (!th) { return; }
    var body = th.closest("table").tBodies[0], col = th.cellIndex;
    var asc = th.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(th.parentNode.cells, function (c) { c.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", asc ? "ascending" : "descending");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[col], y = b.cells[col], r;
      var u = parseFloat(x.getAttribute("data-sort")), v = parseFloat(y.getAttribute("data-sort"));
      if (!isNaN(u) && !isNaN(v)) { r = u - v; }
      else if (!isNaN(u)) { r = -1; }
      else if (!isNaN(v)) { r = 1; }
      else { r = x.textContent.localeCompare(y.textContent); }
      return asc ? r : -r;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
})();
"""

__all__ = ["CSS", "SCRIPT", "WIDE_FIGURE_PX"]
