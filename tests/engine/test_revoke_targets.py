"""Reading `patlint revoke` targets back from a JSON report's places."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from patlint.cli import cli
from patlint.config import Config
from patlint.detectors.pattern import Detector
from patlint.engine.revoke_targets import from_report
from patlint.engine.ruleset import build_ruleset
from patlint.model import sha256_hex


def test_file_name_that_is_not_utf8_is_found_again(
    tmp_path: Path, token: Callable[..., str]
) -> None:
    # The report writes the name's bad byte as "\xe9"; revoke must still find the file.
    t = token("ghp")
    root = tmp_path / "tree"
    root.mkdir()
    with open(os.fsencode(str(root)) + b"/caf\xe9.txt", "wb") as fh:
        fh.write(b"GH_TOKEN=" + t.encode() + b"\n")
    other = token("ghp")
    (root / "caf\\xe9.txt").write_text(f"GH_TOKEN={other}\n")  # the escape, literally
    report = tmp_path / "report.json"
    res = CliRunner().invoke(
        cli,
        ["scan", "--offline", "--no-progress", "--format", "json", "-o", str(report), str(root)],
    )
    assert res.exit_code == 1, res.stderr
    detector = Detector(build_ruleset(Config()).detectors)
    targets = from_report(str(report), detector, root=str(root))
    assert sorted(t.secret.digest for t in targets.found) == sorted(
        [sha256_hex(t), sha256_hex(other)]
    )
    assert targets.missing == []


def test_a_history_place_in_a_repository_git_would_hang_in_is_not_read_again(
    tmp_path: Path, token: Callable[..., str], git_env: None
) -> None:
    """A report of `scan --history` names blobs; when the repository's git dir has since got a
    FIFO where git opens a file, the places are not read (the token is listed as missing),
    and `revoke` does not hang. Run in a child so a regression fails instead of hanging."""
    import subprocess
    import sys

    t = token("ghp")
    root = tmp_path / "repo"
    root.mkdir()
    (root / "app.env").write_text(f"GH_TOKEN={t}\n")
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "x"]):
        subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)
    report = tmp_path / "report.json"
    res = CliRunner().invoke(
        cli, ["scan", "--offline", "--history", "--format", "json", "-o", str(report), str(root)]
    )
    assert res.exit_code == 1, res.stderr
    os.mkfifo(root / ".git" / "objects" / "info" / "alternates")
    code = (
        "import sys\n"
        "from patlint.config import Config\n"
        "from patlint.detectors.pattern import Detector\n"
        "from patlint.engine.revoke_targets import from_report\n"
        "from patlint.engine.ruleset import build_ruleset\n"
        "d = Detector(build_ruleset(Config()).detectors)\n"
        "t = from_report(sys.argv[1], d, root=sys.argv[2])\n"
        "print(len(t.found), len(t.missing))\n"
    )
    import time

    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", code, str(report), str(root)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["0", "1"]
    assert time.monotonic() - start < 20  # found before git runs, not by the 30 s watch


def test_a_forged_report_cannot_make_revoke_read_outside_its_root(
    tmp_path: Path, token: Callable[..., str]
) -> None:
    """Digests are in every report: a forged one naming the user's gh `hosts.yml` (absolute,
    `~/`, or `../`) with that token's SHA-256 queued the user's own token for revocation (an
    attacker's review). Places outside --root are not read, and said so; a preview or kind
    with terminal escapes is shown escaped."""
    import json

    secret = token("gho")
    outside = tmp_path / "home" / ".config" / "gh"
    outside.mkdir(parents=True)
    (outside / "hosts.yml").write_text(f"github.com:\n    oauth_token: {secret}\n")
    root = tmp_path / "tree"
    root.mkdir()
    (root / "kept.env").write_text(f"GH={token('ghp')}\n")
    places = [str(outside / "hosts.yml"), "../home/.config/gh/hosts.yml"]
    doc = {
        "tokens": [
            {
                "sha256": sha256_hex(secret),
                "preview": "gho_\x1b]0;pwned\x07\u202e",
                "kind": "gho\x1b[2J",
                "locations": [{"path": p} for p in places],
            }
        ]
    }
    report = tmp_path / "forged.json"
    report.write_text(json.dumps(doc))
    detector = Detector(build_ruleset(Config()).detectors)
    targets = from_report(str(report), detector, root=str(root))
    assert targets.found == []
    ((preview, _sha, kind, _why),) = targets.missing
    assert "\x1b" not in preview + kind and "\u202e" not in preview
    assert any("2 places outside --root" in n for n in targets.notes), targets.notes
    # the same place under --root is read: a home scan's report with `--root ~` still works
    targets = from_report(str(report), detector, root=str(tmp_path))
    assert [t.secret.digest for t in targets.found] == [sha256_hex(secret)]
