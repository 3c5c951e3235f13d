"""Jupyter notebooks (`.ipynb`): tokens in code cells and in saved outputs, by cell number."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

from patlint.model import Context
from patlint.sources.readers import Reading
from patlint.sources.readers.structured import PARSE_LIMIT, cannot_parse
from patlint.sources.values import Value


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "".join(v for v in value if isinstance(v, str))
    return value if isinstance(value, str) else ""


def segments(doc: dict[str, Any]) -> Iterator[tuple[int, str, str]]:
    """(cell number, "source" | "output", text) for every cell source and saved output."""
    cells = doc.get("cells")
    if not isinstance(cells, list):  # nbformat 3: worksheets[].cells
        cells = [
            c
            for ws in doc.get("worksheets", []) or []
            if isinstance(ws, dict)
            for c in ws.get("cells", []) or []
        ]
    for n, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict):
            continue
        yield n, "source", _text(cell.get("source", cell.get("input")))
        for output in cell.get("outputs", []) or []:
            if not isinstance(output, dict):
                continue
            parts = [
                _text(output.get("text")),
                "\n".join(_text(t) for t in output.get("traceback", []) or []),
            ]
            data = output.get("data")
            if isinstance(data, dict):
                parts += [
                    _text(v) for k, v in data.items() if k.startswith("text/") or k.endswith("json")
                ]
            yield n, "output", "\n".join(p for p in parts if p)


class NotebookReader:
    """`*.ipynb`."""

    name = "notebook"

    def read(self, data: bytes, rel: str, st: os.stat_result | None) -> Reading:
        """Each cell's code and saved outputs, decoded, by cell number: every token in them is
        reported where it is written in the file."""
        out = Reading()
        if len(data) > PARSE_LIMIT:
            return out  # large notebooks (embedded images) keep their text findings
        try:
            doc = json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            reason = (
                f"{exc.msg} at line {exc.lineno}"
                if isinstance(exc, json.JSONDecodeError)
                else exc.__class__.__name__
            )
            out.notices.append(cannot_parse(rel, f"not valid JSON ({reason})"))
            return out
        if not isinstance(doc, dict):
            out.notices.append(cannot_parse(rel, "expected a notebook object"))
            return out
        context = Context(file_type="notebook")
        for n, part, text in segments(doc):
            if text:
                # json.loads turns a "\ud800" escape into a lone surrogate: kept (values.encode).
                out.values.append(
                    Value(text, context, note=f"cell {n} {part}", hit_context=True, pinpoint=True)
                )
        return out


READER = NotebookReader()
