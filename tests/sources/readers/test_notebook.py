"""Jupyter notebooks: tokens in code cells and in saved outputs; malformed JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from patlint.model import Context
from tests.sources.home import at, notices, scan_home, write


def test_cells_and_outputs(home: Path, token: Any) -> None:
    t_src, t_out = token("ghp"), token("gho")
    nb = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# Notes"]},
            {
                "cell_type": "code",
                "metadata": {},
                "execution_count": 1,
                "source": ["import os\n", f"GITHUB_TOKEN = '{t_src}'\n"],
                "outputs": [],
            },
            {
                "cell_type": "code",
                "metadata": {},
                "execution_count": 2,
                "source": ["!gh auth token"],
                "outputs": [{"output_type": "stream", "name": "stdout", "text": [f"{t_out}\n"]}],
            },
        ],
    }
    text = json.dumps(nb, indent=1)
    write(home, "notebooks/explore.ipynb", text, mode=0o644)
    result = scan_home(home)
    path = "~/notebooks/explore.ipynb"
    [c] = at(result, t_src, path)
    line = next(i for i, s in enumerate(text.splitlines(), 1) if t_src in s)
    assert (c.location.line, c.location.note) == (line, "cell 2 source")
    assert c.context == Context(file_type="notebook", key="GITHUB_TOKEN", host=None, usage=None)
    [c] = at(result, t_out, path)
    assert c.location.note == "cell 3 output"
    # A notebook is not a credential file: no permission finding.
    assert [f.rule_id for f in result.findings if f.token is None] == []


def test_malformed_notebook(home: Path, token: Any) -> None:
    t = token("ghp")
    write(home, "nb/broken.ipynb", '{"cells": [{"source": "' + t + '"}')
    result = scan_home(home)
    [c] = at(result, t, "~/nb/broken.ipynb")
    assert c.context.file_type == "text"
    assert notices(result) == [
        "cannot parse ~/nb/broken.ipynb: not valid JSON (Expecting ',' delimiter at line 1), "
        "scanned as text"
    ]


def test_lone_surrogate_escape_in_cell(home: Path, token: Any) -> None:
    # JSON allows "\ud800"; json.loads makes it a lone surrogate, which crashed the reader
    # (UnicodeEncodeError, exit 3) instead of reading the rest of the cell.
    t = token("ghp")
    text = (
        '{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code", '
        '"metadata": {}, "outputs": [], "source": ["x = \\"\\ud800\\"\\n", "T = \''
        + t
        + "'\\n\"]}]}"
    )
    write(home, "nb/odd.ipynb", text)
    result = scan_home(home)
    [c] = at(result, t, "~/nb/odd.ipynb")
    assert (c.location.line, c.location.column, c.location.note) == (
        1,
        text.index(t) + 1,
        "cell 1 source",
    )
    assert c.context.file_type == "notebook"
