"""The cache key and paths of the virtual environment action.yml installs patlint into.

Run by the action with the Python that actions/setup-python installed, before patlint is
installed (so: the standard library only). Prints `key=…`, `venv=…` and `python=…` lines for
$GITHUB_OUTPUT. The key changes with anything that changes the environment: the runner's OS
and architecture, the exact Python (version and path, which a new patch release changes), and
a SHA-256 of the action's pyproject.toml and package files (patlint/, rules/): the code at the
ref the workflow pinned. The environment lives in $RUNNER_TEMP, whose path is the same on every
run of a runner image, so a restored environment's absolute paths still hold.
"""

from __future__ import annotations

import hashlib
import os
import platform
import sys
from pathlib import Path

SKIP = {"__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"}


def package_files(root: Path) -> list[Path]:
    """pyproject.toml and every file under patlint/ and rules/, in a stable order."""
    files = [root / "pyproject.toml"]
    for top in ("patlint", "rules"):
        for folder, dirs, names in os.walk(root / top):
            dirs[:] = sorted(d for d in dirs if d not in SKIP)
            files += [Path(folder) / n for n in sorted(names) if not n.endswith((".pyc", ".pyo"))]
    return files


def digest(root: Path) -> str:
    """SHA-256 over each package file's path (relative, POSIX) and content."""
    h = hashlib.sha256()
    for path in package_files(root):
        h.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        h.update(path.read_bytes() + b"\0")
    return h.hexdigest()


def main(environ: dict[str, str]) -> str:
    """The `name=value` lines for $GITHUB_OUTPUT."""
    root = Path(environ.get("GITHUB_ACTION_PATH") or Path(__file__).resolve().parents[2])
    venv = Path(environ.get("RUNNER_TEMP") or root) / "patlint-venv"
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    interpreter = hashlib.sha256(f"{sys.version}\0{sys.executable}".encode()).hexdigest()[:12]
    runner = f"{environ.get('RUNNER_OS') or platform.system()}-{environ.get('RUNNER_ARCH') or platform.machine()}"
    version = ".".join(map(str, sys.version_info[:3]))
    key = f"patlint-venv-v1-{runner}-py{version}-{interpreter}-{digest(root)[:32]}"
    return f"key={key}\nvenv={venv}\npython={python}\n"


if __name__ == "__main__":
    sys.stdout.write(main(dict(os.environ)))
