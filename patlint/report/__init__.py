"""Report formats: each module exposes `render(result, *, stream, meta)` as a pure function."""

from __future__ import annotations

import importlib
from typing import Any

# format name -> module under patlint.report, or a full dotted path (imported only when used,
# to keep start-up light)
FORMATS: dict[str, str] = {
    "text": "text",
    "json": "json_report",
    "sarif": "sarif",
    "github": "github",
    "junit": "junit",
    "html": "html",
}


def renderer(name: str) -> Any:
    """The module that renders format `name`."""
    module = FORMATS[name]
    return importlib.import_module(module if "." in module else f"patlint.report.{module}")
