"""The detector over raw bytes: every kind, encodings, boundaries, context, placeholders."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import urllib.parse
from collections.abc import Callable

import pytest

from patlint.config import Config
from patlint.detectors.pattern import Detector, Hit
from patlint.engine.ruleset import build_ruleset
from patlint.tokengen import make_token

TokenFactory = Callable[..., str]


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector(build_ruleset(Config()).detectors)


def found(detector: Detector, data: bytes, path: str = "x.txt") -> list[Hit]:
    return detector.scan(data, allowed=detector.rules_for_path(path))


@pytest.mark.parametrize(
    ("kind", "rule_id"),
    [
        ("ghp", "github-classic-pat"),
        ("gho", "github-oauth-token"),
        ("ghu", "github-app-user-token"),
        ("ghs", "github-app-installation-token"),
        ("ghr", "github-app-refresh-token"),
        ("github_pat", "github-fine-grained-pat"),
        ("ghs_jwt", "github-app-installation-token-jwt"),
    ],
)
def test_each_kind_plain_base64_and_percent(
    detector: Detector, token: TokenFactory, kind: str, rule_id: str
) -> None:
    t = token(kind)
    plain = f"config:\n  value = {t}\n".encode()
    hits = found(detector, plain)
    assert [(h.rule.id, h.token, h.offset) for h in hits] == [(rule_id, t, plain.index(t.encode()))]

    for prefix in ("", "u", "us"):  # every base64 alignment
        wrapped = base64.b64encode(f"{prefix}:{t}".encode()).decode()
        data = f'{{"auth": "{wrapped}"}}'.encode()
        hits = found(detector, data)
        assert [(h.rule.id, h.token, h.encoding) for h in hits] == [(rule_id, t, "base64")], prefix

    encoded = urllib.parse.quote(f"https://user:{t}@github.com/o/r", safe="")
    data = f"url={encoded}\n".encode()
    hits = found(detector, data)
    assert [(h.rule.id, h.token) for h in hits] == [(rule_id, t)]


def test_fully_percent_encoded_underscore(detector: Detector, token: TokenFactory) -> None:
    t = token("ghp")
    data = ("x=" + t.replace("_", "%5F") + "&y=1").encode()
    hits = found(detector, data)
    assert [(h.token, h.encoding) for h in hits] == [(t, "percent")]


def test_double_base64_kubernetes_dockerconfigjson(detector: Detector, token: TokenFactory) -> None:
    t = token("ghp")
    inner = {"auths": {"ghcr.io": {"auth": base64.b64encode(f"bot:{t}".encode()).decode()}}}
    outer = base64.b64encode(json.dumps(inner).encode()).decode()
    data = f"data:\n  .dockerconfigjson: {outer}\n".encode()
    hits = found(detector, data)
    assert [(h.token, h.encoding) for h in hits] == [(t, "base64+base64")]


def test_checksum_invalid_and_placeholders_are_not_reported(
    detector: Detector, token: TokenFactory
) -> None:
    data = "\n".join(
        [
            token("ghp", valid=False),
            token("gho", valid=False),
            "ghp_" + "x" * 36,
            "ghp_" + "X" * 36,
            "github_pat_11" + "X" * 20 + "_" + "X" * 59,
            "gho_16C7e42F292c6912E7710c838347Ae178B4a",
            "ghu_16C7e42F292c69C2E7C10c838347Ae178B4a",
            "token: ${{ secrets.GH_TOKEN }}",
        ]
    ).encode()
    assert found(detector, data) == []


def test_checksum_valid_placeholder_with_long_run_is_dropped(detector: Detector) -> None:
    from patlint.detectors.checksum import checksum_for

    body = "abcdefgh1234567890" + "Z" * 12
    assert len(body) == 30
    assert found(detector, f"ghp_{body}{checksum_for(body)}".encode()) == []


def test_token_inside_binary_bytes(detector: Detector, token: TokenFactory) -> None:
    t = token("ghp")
    data = b"\x00\x01SQLite format 3\x00" + b"A" + t.encode() + b"B\xff\x00"
    hits = found(detector, data)
    assert [(h.token, h.offset) for h in hits] == [(t, data.index(t.encode()))]


def test_fine_grained_needs_exact_boundaries(detector: Detector, token: TokenFactory) -> None:
    t = token("github_pat")
    assert found(detector, ("x" + t).encode()) == []
    assert found(detector, (t + "A").encode()) == []
    assert [h.token for h in found(detector, f'"{t}"'.encode())] == [t]


def test_legacy_hex_only_in_github_context(detector: Detector, token: TokenFactory) -> None:
    hexs = token("legacy")
    assert found(detector, f"commit {hexs}\n".encode()) == []
    assert found(detector, f"https://{hexs}@gitlab.com/o/r\n".encode()) == []
    url = found(detector, f"https://{hexs}@github.com/o/r\n".encode())
    assert [(h.rule.id, h.token, h.host) for h in url] == [
        ("github-legacy-token-in-url", hexs, "github.com")
    ]
    env = found(detector, f"export GITHUB_TOKEN={hexs}\n".encode())
    assert [(h.rule.id, h.key) for h in env] == [("github-legacy-token-assignment", "GITHUB_TOKEN")]


def test_gh_hosts_rule_is_path_restricted(detector: Detector, token: TokenFactory) -> None:
    hexs = token("legacy")
    data = f"github.com:\n    oauth_token: {hexs}\n".encode()
    assert [h.rule.id for h in found(detector, data, ".config/gh/hosts.yml")] == [
        "github-legacy-token-gh-hosts"
    ]
    assert found(detector, data, "twitter.yml") == []


def test_context_key_host_and_flag(detector: Detector, token: TokenFactory) -> None:
    t = token("ghp")
    cases = {
        f"GH_TOKEN={t}": ("GH_TOKEN", None),
        f'  "password": "{t}",': ("password", None),
        f"git clone https://octo:{t}@ghe.example.com/o/r": (
            "https URL credential",
            "ghe.example.com",
        ),
        f"docker login ghcr.io -u octo -p {t}": ("-p argument", None),
        f"Authorization: Bearer {t}": ("Authorization", None),
    }
    for line, (key, host) in cases.items():
        (hit,) = found(detector, line.encode())
        assert (hit.key, hit.host) == (key, host), line


def test_inline_suppression_markers(detector: Detector, token: TokenFactory) -> None:
    t = token("ghp")
    assert found(detector, f"{t}  # patlint: ignore".encode())[0].suppress == "*"
    hit = found(detector, f"{t}  # patlint: ignore[github-classic-pat, other-rule]".encode())[0]
    assert hit.suppress == "github-classic-pat,other-rule"
    assert found(detector, f"{t}  # pragma: allowlist secret".encode())[0].suppress == "*"
    assert found(detector, f"{t}\n# patlint: ignore".encode())[0].suppress is None


def test_many_tokens_and_offsets_random_surroundings(detector: Detector) -> None:
    rng = random.Random(99)
    parts: list[bytes] = []
    expected: list[tuple[str, int]] = []
    size = 0
    for _ in range(50):
        filler = bytes(rng.choice(b" \n\t=:;,{}[]()abcXYZ019") for _ in range(rng.randint(1, 200)))
        parts.append(filler)
        size += len(filler)
        t = make_token(rng.choice(["ghp", "gho", "ghu", "ghs"]), rng)
        expected.append((t, size))
        parts.append(t.encode())
        size += len(t)
    hits = found(detector, b"".join(parts))
    assert [(h.token, h.offset) for h in hits] == expected


@pytest.mark.parametrize("template", ["GH_AUTH={w}\n", "a=b&auth={w}", "abc={w}", "x={w}"])
@pytest.mark.parametrize("prefix", ["", "u", "us"])  # every base64 alignment
def test_base64_value_after_an_equals_sign(
    detector: Detector, token: TokenFactory, template: str, prefix: str
) -> None:
    # The base64 run used to extend left over `KEY=`; aligned on the token's quad it then held
    # the `=` as padding, decoding stopped there and the token was missed (`.env`, query strings).
    t = token("ghp")
    w = base64.b64encode(f"{prefix}:{t}".encode()).decode()
    data = template.format(w=w).encode()
    hits = found(detector, data)
    assert [(h.rule.id, h.token, h.encoding, h.offset) for h in hits] == [
        ("github-classic-pat", t, "base64", data.index(w.encode()))
    ]


@pytest.mark.parametrize(
    ("rule_id", "path", "key"),
    [
        ("github-legacy-token-assignment", "x.txt", b"GITHUB_TOKEN:"),  # window after: 256
        ("github-legacy-token-gh-hosts", "hosts.yml", b"github.com:\n    oauth_token:"),  # 128
    ],
)
def test_keyword_window_end_does_not_cut_a_longer_value(
    detector: Detector, rule_id: str, path: str, key: bytes
) -> None:
    # A 64-hex digest placed so the rule's keyword window ends 40 characters into it: the
    # window's end looked like the end of the value and its first 40 characters were reported.
    digest = hashlib.sha256(b"patlint").hexdigest().encode()
    keyword_at = key.index(b"oauth_token") if b"oauth" in key else 0
    window_after = 128 if b"oauth" in key else 256
    pad = keyword_at + window_after - 40 - len(key)
    data = key + b" " * pad + digest + b"\n"
    assert found(detector, data, path) == []
    short = key + b" " + digest[:40] + b"\n"  # the same rule still fires on a real 40-hex value
    assert [(h.rule.id, h.token) for h in found(detector, short, path)] == [
        (rule_id, digest[:40].decode())
    ]


def test_suppression_comment_on_an_earlier_line_does_not_reach_a_long_line(
    detector: Detector, token: TokenFactory
) -> None:
    # With no newline in the 4 KiB before a token, its "line" used to start at byte 0: a
    # `patlint: ignore` anywhere earlier in the file suppressed it (and every such hit copied
    # and searched the whole prefix: quadratic on long-line files).
    t = token("ghp")
    data = b"x = 1  # patlint: ignore\n" + b"a" * 5000 + b" " + t.encode() + b"\n"
    assert [(h.token, h.suppress) for h in found(detector, data)] == [(t, None)]
    same_line = b"a" * 5000 + b" " + t.encode() + b"  # patlint: ignore\n"
    assert [(h.token, h.suppress) for h in found(detector, same_line)] == [(t, "*")]
