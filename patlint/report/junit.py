"""`--format junit`: JUnit XML for CI systems that show test reports (GitLab, Jenkins, Azure).

One failing test case per finding, a skipped one per suppressed finding, and a single passing
test case when the scan is clean. Any path bytes and control characters become printable
escapes, so the document is always well-formed XML.
"""

from __future__ import annotations

import re
from typing import TextIO
from xml.etree import ElementTree as ET

from patlint.model import Finding, ScanResult
from patlint.report.common import ReportMeta, clean_text, json_path

# Characters XML 1.0 does not allow (and surrogates from undecodable path bytes), and the
# invisible ones that reorder or hide text where a CI shows test names (bidi overrides: a file
# `invoice\u202etxt.exe` would read as `invoiceexe.txt`), as the text and GitHub formats do.
_NOT_XML = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff"
    "\ud800-\udfff\ufffe\uffff]"
)


def xml_text(text: str) -> str:
    """Text that is always legal in XML 1.0, without invisible reordering marks: those
    characters become `\\xNN` / `\\uNNNN`."""

    def esc(m: re.Match[str]) -> str:
        code = ord(m.group())
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _NOT_XML.sub(esc, clean_text(text))  # undecodable bytes as \\xNN, like paths


def _case(f: Finding) -> ET.Element:
    where = xml_text(json_path(f.location.display()))
    case = ET.Element(
        "testcase",
        {
            "classname": f"patlint.{f.rule_id}",
            "name": f"{f.rule_id} at {where}",
            "file": xml_text(json_path(f.location.path)),
        },
    )
    if f.location.line is not None and not f.location.binary:
        case.set("line", str(f.location.line))
    return case


def _details(f: Finding) -> str:
    lines = [f.message, f"rule: {f.rule_id}", f"severity: {f.severity.label}"]
    lines.append(f"location: {json_path(f.location.display())}")
    if f.location.commit:
        lines.append(f"commit: {f.location.commit}")
    if f.token is not None:
        lines.append(f"token: {f.token.preview} ({f.token.kind}, sha256 {f.token.sha256})")
    lines.extend(f"also at: {json_path(r.display())}" for r in f.related)
    lines.append(f"fingerprint: {f.fingerprint}")
    if f.remediation:
        lines.append(f"fix: {f.remediation}")
    return xml_text("\n".join(lines))


def build(result: ScanResult, meta: ReportMeta) -> ET.Element:
    """The `<testsuites>` element."""
    cases: list[ET.Element] = []
    for f in result.findings:
        case = _case(f)
        failure = ET.SubElement(
            case, "failure", {"message": xml_text(f.message), "type": f.rule_id}
        )
        failure.text = _details(f)
        cases.append(case)
    for f in result.suppressed:
        case = _case(f)
        ET.SubElement(case, "skipped", {"message": f"suppressed: {f.suppressed}"})
        cases.append(case)
    if not result.findings:
        cases.append(
            ET.Element("testcase", {"classname": "patlint", "name": "no unsuppressed findings"})
        )
    counts = {
        "tests": str(len(cases)),
        "failures": str(len(result.findings)),
        "errors": "0",
        "skipped": str(len(result.suppressed)),
    }
    root = ET.Element("testsuites", {"name": "patlint", **counts})
    suite = ET.SubElement(root, "testsuite", {"name": "patlint", **counts})
    props = ET.SubElement(suite, "properties")
    for name, value in (
        ("version", meta.version),
        ("config", meta.config_source),
        ("fail_on", meta.fail_on),
        ("verification", meta.verification),
        ("files_scanned", str(result.stats.files_scanned)),
        *([("config_narrowed", ", ".join(meta.config_narrowed))] if meta.config_narrowed else []),
    ):
        ET.SubElement(props, "property", {"name": name, "value": xml_text(value)})
    suite.extend(cases)
    return root


def render(result: ScanResult, *, stream: TextIO, meta: ReportMeta) -> None:
    """Write the JUnit XML document."""
    root = build(result, meta)
    ET.indent(root)
    stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    stream.write(ET.tostring(root, encoding="unicode"))
    stream.write("\n")
