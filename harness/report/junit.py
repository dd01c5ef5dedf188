"""JUnit XML of the checks (`harness run --junit FILE`), one testcase per variant and check."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any


def write_junit(path: Path, summary: dict[str, Any]) -> None:
    cases = [(name, c) for name, v in summary["variants"].items() for c in v["checks"]]
    failures = sum(1 for _, c in cases if c["passed"] is False)
    errors = sum(1 for _, c in cases if c["passed"] is None)
    suite = ET.Element("testsuite", name=f"pool-harness.{summary['scenario']}", tests=str(len(cases)),
                       failures=str(failures), errors=str(errors))
    for name, c in cases:
        case = ET.SubElement(suite, "testcase", classname=f"{summary['scenario']}.{name}", name=c["name"])
        if c["passed"] is False:
            ET.SubElement(case, "failure", message=c["detail"]).text = c["detail"]
        elif c["passed"] is None:
            ET.SubElement(case, "error", message=c["detail"]).text = c["detail"]
    if summary.get("status") != "completed":
        ET.SubElement(suite, "system-err").text = f"run status: {summary.get('status')}"
    path.parent.mkdir(parents=True, exist_ok=True)
    root = ET.Element("testsuites")
    root.append(suite)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
