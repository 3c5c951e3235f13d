"""Read the text report back: its token blocks, place findings and summary (for tests)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass
class Block:
    """One token's block: `<preview>  <kind>  sha256 <16 hex>  <SEVERITY>` and its sections."""

    preview: str
    head: str
    sections: dict[str, list[str]] = field(default_factory=dict)

    @property
    def where(self) -> list[str]:
        return self.sections.get("where", [])

    @property
    def github(self) -> str:
        return " ".join(self.sections.get("GitHub", []))

    @property
    def findings(self) -> list[tuple[str, str, str]]:
        """(severity, rule id, message) of each finding line."""
        out = []
        for line in self.sections.get("findings", []):
            sev, rule, *msg = line.split(None, 2)
            out.append((sev, rule, msg[0] if msg else ""))
        return out

    @property
    def next(self) -> str:
        return " ".join(self.sections.get("next", []))

    @property
    def command(self) -> str | None:
        """The revoke command of the next step (its ` \\` continuations joined), if any."""
        lines = self.sections.get("next", [])
        if not lines or not lines[0].startswith("revoke it: "):
            return None
        words = [lines[0][len("revoke it: ") :]]
        for line in lines[1:]:
            if not words[-1].endswith(" \\"):
                break
            words[-1] = words[-1][:-2]
            words.append(line)
        return " ".join(words)


@dataclass
class Report:
    blocks: dict[str, Block]
    lines: list[str]

    @property
    def summary(self) -> str:
        """The summary line, its wrapped parts joined again."""
        start = max(i for i, ln in enumerate(self.lines) if ln.startswith("patlint: "))
        return " ".join(ln.strip() for ln in self.lines[start:])


def unwrap(out: str) -> str:
    """The report with every wrapped line joined to the one before (for substring checks of
    notes and the summary); colour codes dropped."""
    joined: list[str] = []
    for line in _ANSI.sub("", out).splitlines():
        if joined and line[:1].isspace() and line.strip():
            joined[-1] += " " + line.strip()
        else:
            joined.append(line)
    return "\n".join(joined) + "\n"


def parse(out: str) -> Report:
    """Blocks by token preview; colour codes dropped."""
    lines = _ANSI.sub("", out).splitlines()
    blocks: dict[str, Block] = {}
    current: Block | None = None
    label = ""
    for line in lines:
        if not line:
            current = None
            continue
        if current is None:
            if "  sha256 " in line and not line[0].isspace():
                preview = line.split("  ", 1)[0]
                current = blocks[preview] = Block(preview, line)
                label = ""
            continue
        if line.startswith("  ") and not line.startswith("           "):
            label, _, value = line[2:].partition(" ")
            current.sections[label] = [value.strip()]
        elif label:
            current.sections[label].append(line.strip())
    return Report(blocks, lines)
