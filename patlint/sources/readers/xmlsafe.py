"""Parse small XML credential files with ElementTree, refusing DTDs and entities."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # DTDs and entities are refused before parsing

from patlint.sources.readers.structured import PARSE_LIMIT

_DTD = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


def parse_xml(data: bytes) -> tuple[ET.Element | None, str | None]:
    """(root element, None) or (None, why it cannot be parsed)."""
    if len(data) > PARSE_LIMIT:
        return None, "larger than the parse limit"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4]:
        # UTF-16 or UTF-32 (the scan transcodes such files before a reader sees them): the
        # DTD test below reads ASCII, which these spell with NULs in between.
        return None, "not UTF-8 XML (UTF-16 or UTF-32)"
    if _DTD.search(data):
        return None, "DTDs and entities are not accepted"
    try:
        return ET.fromstring(data), None  # noqa: S314 - no DTD, so no entity expansion
    except ET.ParseError as exc:
        return None, f"not valid XML ({exc})"
    except (ValueError, LookupError):  # a declared encoding ElementTree cannot read
        return None, "not valid XML (an encoding it cannot read is declared)"


def local(tag: str) -> str:
    """Tag name without its `{namespace}`."""
    return tag.rsplit("}", 1)[-1]


def child_text(el: ET.Element, name: str) -> str | None:
    """Stripped text of the first child called `name` (any namespace)."""
    for c in el:
        if local(c.tag) == name:
            return (c.text or "").strip()
    return None
