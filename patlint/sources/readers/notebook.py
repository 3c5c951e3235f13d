"""Jupyter notebooks (`.ipynb`): tokens in code cells and in saved outputs, by cell number."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

from patlint.detectors.pattern import Detector
from patlint.model import Candidate, Context, Location, Secret
from patlint.sources.readers import ReaderOutput
from patlint.sources.readers.structured import PARSE_LIMIT, Locator, cannot_parse, line_col


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

    def matches(self, rel: str) -> bool:
        """By extension."""
        return rel.endswith(".ipynb")

    def read(
        self,
        data: bytes,
        rel: str,
        st: os.stat_result | None,
        detector: Detector,
        text_candidates: list[Candidate],
    ) -> ReaderOutput:
        """Each token with its cell number and whether it is in the code or in an output."""
        out = ReaderOutput()
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
        loc = Locator(data)
        by_digest = {c.secret.digest: c for c in text_candidates}
        allowed = detector.rules_for_path(rel)
        for n, part, text in segments(doc):
            if not text:
                continue
            # json.loads turns a "\ud800" escape into a lone surrogate: keep it, don't crash.
            for hit in detector.scan(text.encode("utf-8", "surrogatepass"), allowed=allowed):
                secret = Secret(hit.token, hit.rule.token_kind)
                offset = loc.find(hit.token) if hit.encoding is None else None
                if offset is None and secret.digest in by_digest:
                    offset = by_digest[secret.digest].location.offset
                line = column = None
                if offset is not None:
                    line, column = line_col(data, offset)
                text_c = by_digest.get(secret.digest)
                out.candidates.append(
                    Candidate(
                        rule_id=hit.rule.id,
                        secret=secret,
                        location=Location(rel, line, column, offset, False, f"cell {n} {part}"),
                        context=Context(
                            file_type="notebook",
                            key=hit.key,
                            host=hit.host,
                            usage=None,
                            encoding=hit.encoding,
                        ),
                        severity=hit.rule.severity,
                        confidence=hit.rule.confidence,
                        checksum_valid=hit.checksum_valid,
                        suppress=hit.suppress or (text_c.suppress if text_c else None),
                    )
                )
        return out


READER = NotebookReader()
