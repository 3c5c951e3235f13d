"""`--format html`: rendered by headless Chromium (Debian's `chromium`), content checked in the DOM."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from patlint.cli import cli
from patlint.model import redact
from tests.github_emulator import Emulator, emulator_running

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
HOSTILE = "<img src=x onerror=alert(1)>.env"


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    yield from emulator_running()


def dump_dom(page: Path, tmp_path: Path) -> str:
    """The DOM Chromium built from the page (after parsing, as a browser shows it)."""
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install chromium); .ci/run installs it")
    proc = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'chromium-profile'}",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "<html" in proc.stdout
    return proc.stdout


class Elements(HTMLParser):
    """Tags and text of a DOM dump."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.fixture
def scanned(tmp_path: Path, token: object, emulator: Emulator) -> dict[str, object]:
    """A scan against the emulator: a God Token in a hostile file name, a short-lived PAT."""
    god, short = token("ghp"), token("ghp")  # type: ignore[operator]
    emulator.add(god, scopes="repo, admin:org, delete_repo")
    emulator.add(short, scopes="read:packages", expiration="2099-01-01 00:00:00 UTC")
    root = tmp_path / "tree"
    root.mkdir()
    (root / HOSTILE).write_text(f"GH_TOKEN={god}\n")
    (root / "ci.sh").write_text(f"docker login ghcr.io -p {short}\n")
    page = tmp_path / "report.html"
    res = CliRunner().invoke(
        cli,
        [
            "scan",
            "--no-progress",
            "--no-cache",
            "--github-api",
            emulator.base_url,
            "--format",
            "html",
            "-o",
            str(page),
            str(root),
        ],
    )
    assert res.exit_code == 1, res.stderr
    return {"page": page, "god": god, "short": short}


def test_scan_report_renders_with_tokens_places_power_and_findings(
    scanned: dict[str, object], tmp_path: Path
) -> None:
    page = scanned["page"]
    assert isinstance(page, Path)
    raw = page.read_text()
    god, short = str(scanned["god"]), str(scanned["short"])
    assert god not in raw and short not in raw  # no plaintext token anywhere
    static = Elements()
    static.feed(raw)
    # nothing to fetch: no element has a src, the CSS has no url(), a CSP forbids the rest;
    # the only links (followed on a click, never fetched) go to GitHub's own pages
    assert not [a for _t, a in static.tags if "src" in a]
    hrefs = [a["href"] for t, a in static.tags if "href" in a]
    assert hrefs and all(t == "a" for t, a in static.tags if "href" in a)
    assert all(str(h).startswith("https://github.com/") for h in hrefs), hrefs
    assert "url(" not in raw.split("</style>", 1)[0]
    assert "default-src 'none'" in raw
    dom = dump_dom(page, tmp_path)
    parsed = Elements()
    parsed.feed(dom)
    text = " ".join(parsed.text)
    # both tokens are shown by their redacted preview, with their findings
    assert f'<code class="preview">{redact(god)}</code>' in dom
    assert f'<code class="preview">{redact(short)}</code>' in dom
    for rule in ("god-token", "no-expiration", "github-classic-pat"):
        assert rule in text
    assert "is a God Token" in text
    # power as badges: the dangerous ones marked
    danger = [a for tag, a in parsed.tags if tag == "span" and a.get("class") == "badge danger"]
    assert len(danger) >= 3
    assert "admin:org" in text and "delete_repo" in text and "read:packages" in text
    # the expiry timeline: the God Token never expires, the other one far away
    assert "never expires" in text and "2099-01-01" in text
    # the hostile file name is text, not markup: no <img> element exists in the DOM
    assert HOSTILE in text
    assert not [tag for tag, _a in parsed.tags if tag in ("img", "script", "iframe")]
    # the remediation names the concrete replacement
    assert "https://github.com/settings/personal-access-tokens/new" in text


def test_empty_scan_renders(tmp_path: Path) -> None:
    root = tmp_path / "clean"
    root.mkdir()
    (root / "README").write_text("nothing here\n")
    page = tmp_path / "clean.html"
    res = CliRunner().invoke(
        cli, ["scan", "--offline", "--no-progress", "--format", "html", "-o", str(page), str(root)]
    )
    assert res.exit_code == 0, res.stderr
    dom = dump_dom(page, tmp_path)
    assert "No tokens found." in dom
    assert '<p class="summary" id="summary">0 findings' in dom


def test_fix_text_once_per_token_with_markdown_rendered_and_hostile_links_kept_as_text(
    tmp_path: Path, token: object
) -> None:
    leaked = token("ghp")  # type: ignore[operator]
    root = tmp_path / "tree"
    wf = root / ".github" / "workflows"
    wf.mkdir(parents=True)
    # one token, several findings about it; a key that is Markdown: the message names it
    (wf / "ci.yml").write_text(
        "on: push\npermissions: {}\njobs:\n  b:\n    runs-on: x\n"
        "    steps:\n      - run: make\n        env:\n"
        f"          '[x](https://evil.example/p) https://evil.example/q': {leaked}\n"
        f"      - run: make\n        env:\n          GH_TOKEN: {leaked}\n"
    )
    # a file name that is Markdown and HTML: it must stay text
    evil = "[click](https:⁄⁄evil.example) **x** <b>y<⁄b>.env".replace("⁄", "_")
    (root / evil).write_text(f"T={leaked}\n")
    page = tmp_path / "report.html"
    res = CliRunner().invoke(
        cli,
        ["scan", "--offline", "--no-progress", "--format", "html", "-o", str(page), str(root)],
    )
    assert res.exit_code == 1, res.stderr
    raw = page.read_text()
    assert leaked not in raw
    dom = dump_dom(page, tmp_path)
    parsed = Elements()
    parsed.feed(dom)
    (card,) = dom.split('<section class="card token"')[1:]
    # the fix is said once per token, not under each of its findings
    assert card.count('class="fix what-to-do"') == 1
    assert card.count("Fix:") == 0
    fixes = card.split('class="fix what-to-do"', 1)[1]
    items = fixes.split("</ul>", 1)[0].count("<li>")
    assert items == len(set(re.findall(r"<li>(.*?)</li>", fixes.split("</ul>", 1)[0])))
    # Markdown rendered: `code` is <code>, links are <a>, and no backtick is left in the fix
    body = fixes.split("</ul>", 1)[0]
    assert "<code>${{ secrets.NAME }}</code>" in body
    assert '<a href="https://github.com/settings/tokens" rel="noopener noreferrer">' in body
    text_of_fix = re.sub(r"<[^>]+>", "", body)
    assert "`" not in text_of_fix and "**" not in text_of_fix
    # the hostile name: no link to it, no <b> element made from it, shown as typed
    links = [a.get("href") for tag, a in parsed.tags if tag == "a"]
    assert links and all(str(h).startswith("https://github.com/") for h in links), links
    assert "[x](https://evil.example/p) https://evil.example/q" in " ".join(parsed.text)
    assert not [a for tag, a in parsed.tags if tag == "b" and "y" in str(a)]
    assert evil in " ".join(parsed.text)
