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
from patlint.model import redact, sha256_hex
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


def _power_page(token: str, scopes: list[str], rules: dict[str, object]) -> str:
    import io

    from patlint.model import (
        Candidate,
        Confidence,
        Context,
        Location,
        ScanResult,
        ScanStats,
        Secret,
        Severity,
        Token,
        TokenInfo,
        TokenStatus,
    )
    from patlint.report.common import ReportMeta
    from patlint.report.html import render

    secret = Secret(token, "ghp")
    cand = Candidate(
        "github-classic-pat",
        secret,
        Location("f.txt", 1, 1),
        Context("text"),
        severity=Severity.HIGH,
        confidence=Confidence.HIGH,
    )
    info = TokenInfo(TokenStatus.VALID, "ghp", scopes=frozenset(scopes))
    result = ScanResult([Token(secret, (cand,), info)], [], [], ScanStats())
    meta = ReportMeta("1", "defaults", "low", 0, "online", rules=rules)
    out = io.StringIO()
    render(result, stream=out, meta=meta)
    return out.getvalue()


def _red(page: str) -> set[str]:
    """The text of every badge marked dangerous."""
    import re

    return set(re.findall(r'<span class="badge danger">([^<]*)</span>', page))


def test_dangerous_scopes_are_the_god_token_rules_high_risk_list(token: object) -> None:
    """One fact: the scopes the page marks red are the god-token rule's `high_risk` param
    (an `admin:` scope too), not a list of the page's own."""
    from dataclasses import replace

    from patlint.config import Config
    from patlint.engine.ruleset import build_ruleset

    rules = {r.id: r for r in build_ruleset(Config()).known}
    god = rules["god-token"]
    scopes = ["user", "codespace", "read:packages", "admin:foo", "gist"]
    page = _power_page(token("ghp"), scopes, dict(rules))  # type: ignore[operator]
    assert "user" in god.params["high_risk"] and "gist" not in god.params["high_risk"]
    assert _red(page) >= {"user", "codespace", "admin:foo"}
    assert not _red(page) & {"read:packages", "gist"}
    params = {**god.params, "high_risk": ["gist"]}
    changed = {**rules, "god-token": replace(god, params=params)}
    page = _power_page(token("ghp"), scopes, changed)  # type: ignore[operator]
    assert not _red(page) & {"user", "codespace", "read:packages"}
    assert _red(page) >= {"gist", "admin:foo"}


@pytest.mark.usefixtures("git_env")
def test_a_finding_whose_token_has_no_card_is_listed_not_dropped(
    tmp_path: Path, token: object
) -> None:
    """The checkout token a place rule absorbs (reported by `checkout-persisted-credentials`
    alone) is not among the tokens detection found, which made the cards: its finding was on no
    card and in no list, and the page said "1 findings · 0 tokens · No tokens found". It has its
    card now, as it has its block in the text report."""
    import base64

    root = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    job = token("ghs")  # type: ignore[operator]
    header = base64.b64encode(f"x-access-token:{job}".encode()).decode()
    key = "http.https://github.com/.extraheader"
    subprocess.run(
        ["git", "-C", str(root), "config", key, f"AUTHORIZATION: basic {header}"], check=True
    )
    page = tmp_path / "report.html"
    res = CliRunner().invoke(
        cli, ["scan", "--offline", "--no-progress", "--format", "html", "-o", str(page), str(root)]
    )
    assert res.exit_code == 1, res.stderr
    raw = page.read_text()
    assert job not in raw and header not in raw
    static = Elements()
    static.feed(raw)
    text = " ".join(static.text)
    assert "checkout-persisted-credentials" in text
    assert redact(job) in text and ".git/config" in text
    assert "persist-credentials: false" in text
    assert "1 finding " in text and "· 1 token ·" in text and "No tokens found" not in text
    (card,) = [a for tag, a in static.tags if tag == "section" and a.get("class") == "card token"]
    assert card["data-sha256"] == sha256_hex(job)
    assert f'<code class="preview">{redact(job)}</code>' in raw


def test_a_message_quoting_the_tree_makes_no_link() -> None:
    """A CI job named `[Revoke this token now](https://github.com/login/oauth/authorize?…)`
    was a live github.com link in the report (consent phishing): the message quotes the tree,
    so its links stay text; the fix (rule text) keeps its links."""
    from patlint.model import Confidence, Finding, Location, Severity
    from patlint.report.html import _finding_item

    bait = "[Revoke this token now](https://github.com/login/oauth/authorize?client_id=Iv1.x)"
    f = Finding(
        rule_id="missing-permissions-block",
        message=f"Job {bait} has no permissions block; see https://github.com/x/y",
        severity=Severity.MEDIUM,
        confidence=Confidence.HIGH,
        location=Location(".github/workflows/ci.yml", 3, 1),
        token=None,
        remediation="See [the docs](https://docs.github.com/en/actions).",
    )
    item = _finding_item(f)
    message = item.split('class="msg">', 1)[1].split("</span>", 1)[0]
    assert "<a " not in message and "Revoke this token now" in message
    assert '<a href="https://docs.github.com/en/actions"' in item  # the rule's own link
