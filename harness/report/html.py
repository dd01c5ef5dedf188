"""report.html: one self-contained page (images inline as data: URIs, no script, no network).

One scroll: partial-run warning, verdict, summary table, charts, scenario as run. Readable on a
phone (the viewport meta, images that shrink, a table that scrolls sideways with its first column
kept in view) and on paper (no sticky parts, figures kept whole on a page).
"""

from __future__ import annotations

import base64
import html

from harness.analysis.table import Table
from harness.report.document import TABLE_NOTE, ReportDoc

CSS = """
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;max-width:1100px;
padding:12px 16px;color:#222;background:#fff}
h1{font-size:1.45em;margin:.2em 0;overflow-wrap:anywhere}
h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ddd;padding-bottom:.2em}
h3{font-size:1.05em;margin:1.2em 0 .3em}
.facts{color:#555;font-size:.9em;margin:.2em 0}.facts span{display:inline-block;margin-right:1em;max-width:100%;
overflow-wrap:anywhere}
.status{display:inline-block;padding:1px 8px;border-radius:4px;font-weight:600;color:#fff;font-size:.85em}
.completed{background:#2a7f62}.interrupted,.failed{background:#b33a3a}
.partial{border:3px solid #b33a3a;background:#fdecea;padding:10px 14px;margin:12px 0;border-radius:6px}
.partial strong{color:#b33a3a;font-size:1.15em;display:block;margin-bottom:.3em}
.partial ul{margin:.2em 0;padding-left:1.2em}
.verdict{font-size:1.2em;font-weight:700;padding:6px 10px;border-radius:4px;display:inline-block}
.verdict.pass{background:#e3f3ec;color:#1f6b51}.verdict.fail{background:#fdecea;color:#b33a3a}
.verdict.unknown{background:#fff4db;color:#8a5a00}.verdict.none{background:#f0f0f0;color:#555}
ul.checks{list-style:none;padding:0}ul.checks li{padding:3px 0}
.pass{color:#2a7f62;font-weight:700}.fail{color:#b33a3a;font-weight:700}.unknown{color:#a26a00;font-weight:700}
.table-wrap{overflow-x:auto;-webkit-overflow-scrolling:touch;border:1px solid #eee}
table{border-collapse:collapse;font-size:.88em;min-width:100%}
th,td{padding:4px 8px;border-bottom:1px solid #e4e4e4;text-align:right;white-space:nowrap}
th{background:#f6f8fa;font-weight:600}
th:first-child,td:first-child{text-align:left;position:sticky;left:0;background:#fff;z-index:1}
th:first-child{background:#f6f8fa}
td.text{text-align:left;white-space:normal;min-width:12em}
td.best{background:#e3f3ec;font-weight:700}
.legend{font-size:.85em;color:#555}
figure{margin:.6em 0 1.4em}figure img{display:block;max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.85em;color:#555;margin-top:.2em}
pre{background:#f6f8fa;padding:10px;overflow-x:auto;font-size:.82em}
@media (max-width:600px){body{padding:8px;font-size:14px}th,td{padding:3px 5px}}
@media print{body{max-width:none;padding:0;font-size:11pt}.table-wrap{overflow:visible;border:0}
th:first-child,td:first-child{position:static}figure{break-inside:avoid;page-break-inside:avoid}
h2,h3{break-after:avoid;page-break-after:avoid}pre{white-space:pre-wrap}}
"""


def table_html(table: Table) -> str:
    e = html.escape
    out = ["<div class=table-wrap><table><thead><tr><th>variant</th>"]
    out += [f"<th>{e(c.header)}</th>" for c in table.columns]
    out.append("</tr></thead><tbody>")
    for row in table.rows:
        out.append(f"<tr><td><b>{e(row.label)}</b></td>")
        for col, cell in zip(table.columns, row.cells, strict=True):
            classes = " ".join(c for c in ("text" if not col.numeric else "", "best" if cell.best else "") if c)
            attr = f" class='{classes}'" if classes else ""
            mark = " ★" if cell.best else ""
            out.append(f"<td{attr}>{e(cell.text)}{mark}</td>")
        out.append("</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def render(doc: ReportDoc) -> str:
    e = html.escape
    title = f"{doc.title}: pool-harness {'comparison' if doc.kind == 'comparison' else 'report'}"
    parts = ["<!doctype html><html lang=en><head><meta charset=utf-8>",
             "<meta name=viewport content='width=device-width,initial-scale=1'>",
             "<link rel=icon href='data:,'>",
             f"<title>{e(title)}</title><style>{CSS}</style></head><body>",
             f"<header><h1>{e(doc.title)}</h1><p class=facts>"
             f"<span class='status {e(doc.status)}'>{e(doc.status)}</span> "
             + "".join(f"<span>{e(k)}: <code>{e(v)}</code></span>" for k, v in doc.facts) + "</p>"]
    if doc.description:
        parts.append(f"<p>{e(doc.description.strip())}</p>")
    parts.append("</header>")
    if doc.partial_notes:
        parts.append("<div class=partial role=alert><strong>Partial run: these figures do not cover the whole "
                     "scenario.</strong><ul>" + "".join(f"<li>{e(n)}</li>" for n in doc.partial_notes)
                     + "</ul></div>")
    css, line = doc.verdict_line()
    parts.append(f"<h2>Verdict</h2><p class='verdict {css}'>{e(line)}</p><ul class=checks>")
    for c in doc.checks:
        cls = {"passed": "pass", "failed": "fail"}.get(c.status, "unknown")
        parts.append(f"<li><span class={cls}>{cls.upper()}</span> <b>{e(c.label)}</b> {e(c.name)}: "
                     f"{e(c.detail)}</li>")
    parts.append("</ul><h2>Summary</h2>")
    parts.append(table_html(doc.table))
    parts.append(f"<p class=legend>{e(TABLE_NOTE)}</p><h2>Charts</h2>")
    section = None
    for chart in doc.charts:
        if chart.section != section:
            section = chart.section
            parts.append(f"<h3>{e(doc.section_heading(section))}</h3>")
        data = base64.b64encode(chart.png.read_bytes()).decode()
        files = ", ".join(p.name for p in chart.paths)
        parts.append(f"<figure><img alt='{e(chart.stem)}: {e(chart.caption)}' src='data:image/png;base64,{data}'>"
                     f"<figcaption>{e(chart.caption)} <span class=legend>({e(files)})</span></figcaption></figure>")
    for heading, text in doc.scenarios:
        parts.append(f"<h2>{e(heading)}</h2><pre>{e(text)}</pre>")
    parts.append("</body></html>")
    return "\n".join(parts)
