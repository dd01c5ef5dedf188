"""report.md: the same report as Markdown, for pasting into a postmortem or a pull request.

Images are linked by file name (the PNGs sit beside report.md); the best value of each judged
column is in bold with a star, so it survives a paste into tools that drop table styling.
"""

from __future__ import annotations

from harness.analysis.table import Table
from harness.report.document import TABLE_NOTE, ReportDoc


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def table_md(table: Table) -> list[str]:
    lines = ["| variant | " + " | ".join(c.header for c in table.columns) + " |",
             "|---|" + "".join("---:|" if c.numeric else "---|" for c in table.columns)]
    for row in table.rows:
        cells = [f"**{_cell(cell.text)}** ★" if cell.best else _cell(cell.text) for cell in row.cells]
        lines.append(f"| {_cell(row.label)} | " + " | ".join(cells) + " |")
    return lines


def render(doc: ReportDoc) -> str:
    kind = "comparison" if doc.kind == "comparison" else "report"
    lines = [f"# {doc.title}: pool-harness {kind}", "",
             f"Status **{doc.status}**" + "".join(f" · {k}: `{v}`" for k, v in doc.facts) + "."]
    if doc.partial_notes:
        lines += ["", "> **Partial run: these figures do not cover the whole scenario.**"]
        lines += [f"> - {n}" for n in doc.partial_notes]
    if doc.description:
        lines += ["", doc.description.strip()]
    _, verdict = doc.verdict_line()
    lines += ["", "## Verdict", "", f"**{verdict}**", ""]
    for c in doc.checks:
        mark = {"passed": "PASS", "failed": "FAIL"}.get(c.status, "UNKNOWN")
        lines.append(f"- **{mark}** `{c.label}` {c.name}: {c.detail}")
    lines += ["", "## Summary", "", *table_md(doc.table), "",
              TABLE_NOTE, "", "## Charts"]
    section = None
    for chart in doc.charts:
        if chart.section != section:
            section = chart.section
            lines += ["", f"### {doc.section_heading(section)}"]
        lines += ["", f"![{chart.stem}]({chart.png.name})", "", f"*{chart.caption}*"]
    for heading, text in doc.scenarios:
        lines += ["", f"## {heading}", "", "```yaml", text.rstrip(), "```"]
    return "\n".join(lines) + "\n"
