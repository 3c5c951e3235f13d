"""What GitLab's two report formats share: one entry per place, GitLab's severity words.

GitLab shows each entry of a Code Quality or Secret Detection report at one file and line,
and merges entries with the same fingerprint. A token found in three files is therefore
three entries, one per path (the first place in that file, the introducing commit for a
history scan), each with the fingerprint patlint gives a finding at that path
(`sha256(rule id, path, token digest)`: no line number, so it survives edits).
"""

from __future__ import annotations

from patlint.model import Finding, Location, Severity, finding_fingerprint

CODE_QUALITY_SEVERITY = {
    Severity.INFO: "info",
    Severity.LOW: "minor",
    Severity.MEDIUM: "major",
    Severity.HIGH: "critical",
    Severity.CRITICAL: "blocker",
}
SECRET_DETECTION_SEVERITY = {
    Severity.INFO: "Info",
    Severity.LOW: "Low",
    Severity.MEDIUM: "Medium",
    Severity.HIGH: "High",
    Severity.CRITICAL: "Critical",
}


def places(f: Finding) -> list[tuple[Location, str]]:
    """(place, fingerprint) for each path the finding is at: its location, then its related
    places in other files, one per path."""
    digest = f.token.sha256 if f.token is not None else ""
    out: dict[str, tuple[Location, str]] = {}
    for loc in (f.location, *f.related):
        if loc.path not in out:
            out[loc.path] = (loc, finding_fingerprint(f.rule_id, loc.path, digest))
    return list(out.values())


def describe(f: Finding) -> str:
    """The finding's message, with the token's preview and digest when it is about one."""
    text = f.message.rstrip(".") + "."
    if f.token is not None and f.token.preview not in text:
        text += f" Token {f.token.preview}."
    if f.token is not None:
        text += f" SHA-256 {f.token.sha256}."
    return text
