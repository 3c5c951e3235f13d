"""The redactor itself: every token form it must catch, what it must leave alone, its cost."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import random
import re
import time
from typing import Any
from urllib.parse import quote

import pytest

from patlint.model import Secret, redact
from patlint.redaction import (
    _SHAPES,
    RedactingWriter,
    Redactor,
    redact_text,
)
from patlint.tokengen import make_token

PREFIXED = ["ghp", "gho", "ghu", "ghs", "ghr", "github_pat", "ghs_jwt"]


def _encodings(t: str) -> dict[str, str]:
    """`t` as it could appear in an output: raw in three letter cases, base64 at the three
    alignments in both alphabets (padded or not), percent-encoded fully or in part, and
    base64 inside percent-encoding and the other way round."""
    out = {"raw": t, "lower": t.lower(), "upper": t.upper()}
    for case, v in (("", t), ("lower ", t.lower()), ("upper ", t.upper())):
        for lead in ("", "u", "u:"):  # byte alignments 0, 1, 2 of the token in the encoded data
            data = (lead + v).encode()
            out[f"{case}base64 +{len(lead)}"] = base64.b64encode(data).decode()
            out[f"{case}base64url +{len(lead)}"] = (
                base64.urlsafe_b64encode(data).decode().rstrip("=")
            )
    out["percent upper"] = "".join(f"%{b:02X}" for b in t.encode())
    out["percent lower"] = "".join(f"%{b:02x}" for b in t.encode())
    out["percent partial"] = t.replace("_", "%5f", 1)
    out["percent of lower"] = quote(t.lower(), safe="").replace("_", "%5F")
    out["base64 in percent"] = quote(base64.b64encode(b"x:" + t.encode()).decode(), safe="")
    out["percent in base64"] = base64.b64encode(t.replace("_", "%5F").encode()).decode()
    return out


def _shows(text: str, t: str) -> bool:
    """Whether `text` still shows `t` in any of the forms (checked independently)."""
    return any(form in text for form in _encodings(t).values()) or t.lower() in text.lower()


@pytest.mark.parametrize("kind", PREFIXED)
def test_every_form_of_every_prefixed_kind_is_redacted(kind: str, rng: random.Random) -> None:
    redactor = Redactor()
    t = make_token(kind, rng)
    for name, form in _encodings(t).items():
        for text in (form, f"before {form} after", f'{{"k": "{form}"}}', f"x{form}\n"):
            out = redactor(text)
            assert not _shows(out, t), (name, text, out)
            assert "…" in out, (name, out)  # replaced by a preview, not dropped silently


def test_a_raw_token_shows_as_its_preview_whatever_its_case(rng: random.Random) -> None:
    t = make_token("ghp", rng)
    r = Redactor()
    assert r(f"token {t} here") == f"token {redact(t)} here"
    assert r(t.lower()) == "ghp_…" + t[-4:].lower()
    r.learn([Secret(t, "ghp")])  # once learned: the token's own preview, in any case
    assert r(t.upper()) == redact(t) and r(t.lower()) == redact(t)


def test_base64_and_percent_runs_are_replaced_whole_by_previews(rng: random.Random) -> None:
    t = make_token("gho", rng)
    r = Redactor()
    auth = base64.b64encode(f"octo:{t}".encode()).decode()
    assert r(f'"auth": "{auth}"') == f'"auth": "{redact(t)}"'
    url = "https://x:" + quote(t, safe="").replace("_", "%5F") + "@github.com/o/r"
    assert r(f"clone {url} now") == f"clone {redact(t)} now"
    # decoded bytes never reach the output: a run that decodes to markup is replaced whole
    evil = quote(f'"><script>{t}', safe="").replace("_", "%5F")
    assert r(f"<td>{evil}</td>") == f"<td>{redact(t)}</td>"


def test_legacy_hex_is_redacted_when_known_and_commit_ids_survive(rng: random.Random) -> None:
    hex_token, commit = make_token("legacy", rng), make_token("legacy", rng)
    r = Redactor()
    text = f"commit {commit} token {hex_token}"
    assert r(text) == text  # unknown 40-hex: a commit id like any other
    r.learn([Secret(hex_token, "legacy")])
    assert r(text) == f"commit {commit} token {redact(hex_token)}"
    for name, form in _encodings(hex_token).items():
        out = r(f"x {form} y")
        assert not _shows(out, hex_token), (name, out)
    sha256 = commit + "0" * 24  # a longer hex string is no 40-hex token...
    assert r(sha256) == sha256
    # ...but a known token run into more hex digits is still that token (it was kept whole)
    assert r(hex_token + "0" * 24) == redact(hex_token) + "0" * 24
    assert redact_text(text) == f"commit {redact(commit)} token {redact(hex_token)}"


def test_ordinary_text_is_left_alone() -> None:
    r = Redactor()
    texts = [
        "github-classic-pat ghp_…9xQ2 github_pat_…abcd found in 2 files",
        "100% of ghs tokens; %41 is A; a=b&c=d; https://github.com/o/r?x=%2F",
        "aGVsbG8gd29ybGQsIHRoaXMgaXMganVzdCBiYXNlNjQ=",  # base64 of prose
        "ghp_short and ghs_test_fixtures/for_docs.py and GHP_",
        "sha256 " + "ab" * 32,
    ]
    for text in texts:
        assert r(text) == text


def test_writer_sees_a_token_written_in_pieces_and_bytes_written_to_its_buffer(
    rng: random.Random,
) -> None:
    t = make_token("ghu", rng)
    target = io.StringIO()
    w = RedactingWriter(target, Redactor())
    for piece in (t[:7], t[7:19], t[19:], "\n"):
        w.write(piece)
    assert target.getvalue() == ""  # held until flushed
    w.flush()
    assert target.getvalue() == redact(t) + "\n"
    with pytest.raises(TypeError):
        w.write(b"a text stream takes text")  # type: ignore[arg-type]
    w.buffer.write(f"bytes: {t.lower()}\n".encode())  # where click writes bytes
    w.flush()
    assert target.getvalue() == f"{redact(t)}\nbytes: ghu_…{t[-4:].lower()}\n"


def test_redacting_a_large_json_report_is_cheap(rng: random.Random) -> None:
    """Every report passes the redactor: an 8 MB JSON report (the shape of a real one, with
    previews, digests and commit ids everywhere) costs a fraction of rendering it."""
    hexes = [make_token("legacy", rng) for _ in range(2500)]
    findings: list[dict[str, Any]] = []
    for i in range(15_000):
        t = make_token("ghp", rng)
        findings.append(
            {
                "rule_id": "github-classic-pat",
                "message": f"GitHub classic personal access token {redact(t)} found",
                "location": {
                    "path": f"src/pkg{i % 50}/module_{i}.py",
                    "line": i,
                    "commit": hexes[i % 2500],
                },
                "token": {"preview": redact(t), "sha256": f"{rng.getrandbits(256):064x}"},
                "fingerprint": f"{rng.getrandbits(256):064x}",
            }
        )
    text = json.dumps({"findings": findings}, indent=2)
    assert len(text) > 7_500_000
    r = Redactor([Secret(h, "legacy") for h in hexes[:1000]])
    start = time.perf_counter()
    out = r(text)
    elapsed = time.perf_counter() - start
    assert out.count("…") == text.count("…") + 6000  # the learned 40-hex ones only
    assert elapsed < 2.0, f"{elapsed:.2f} s for {len(text) / 1e6:.1f} MB"


def test_a_learned_token_of_no_known_shape_is_redacted_in_every_form(rng: random.Random) -> None:
    """A custom rule may capture a token no GitHub shape describes: once found, it is known."""
    odd = "corp_" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(30))
    r = Redactor()
    assert r(f"x {odd} y") == f"x {odd} y"
    r.learn([Secret(odd, "ghp")])
    for name, form in _encodings(odd).items():
        out = r(f"x {form} y")
        assert not _shows(out, odd) and redact(odd) in out, (name, out)


def test_escapes_around_a_token_survive_and_the_output_stays_valid_json(
    rng: random.Random,
) -> None:
    """A control character in a name is escaped (`\\u001b` in JSON, `\\x1b` in a table) right
    before the token: the escape is kept whole (the JSON still parses), the token goes."""
    t, hex_token = make_token("ghp", rng), make_token("legacy", rng)
    pct = quote(t, safe="").replace("_", "%5F")
    b64 = base64.b64encode(t.encode()).decode()
    r = Redactor([Secret(hex_token, "legacy")])
    for name in (f"\x1b{pct}", f"\n{b64}", f"\x1b{hex_token}", f"\x1b{t}", f"\\x1b{pct}"):
        doc = json.dumps({"path": name})
        out = r(doc)
        assert json.loads(out)["path"].startswith(name[:1] if name[0] != "\\" else "\\x1b"), out
        assert not _shows(out, t) and not _shows(out, hex_token), out
    assert r(f"a\\x1b{pct}") == f"a\\x1b{redact(t)}"  # a table's escape


def test_many_learned_tokens_of_no_known_shape_cost_linear_time(rng: random.Random) -> None:
    """Custom-rule tokens are learned by the thousand when a tree holds them by the thousand:
    one alternation of them all (and of their base64 fragments) made every flush cost
    N x output size, 472 s for 16,000 of them. Now one pass finds every one of them."""
    alphabet = "0123456789abcdef"
    odd = ["CORP-" + "".join(rng.choice(alphabet) for _ in range(32)) for _ in range(16_000)]
    start = time.perf_counter()
    r = Redactor([Secret(v, "legacy") for v in odd])
    lines = [
        f'{{"k": "{v}", "b64": "{base64.b64encode(b"u:" + v.encode()).decode()}"}}' for v in odd
    ]
    text = "\n".join(lines)
    out = r(text)
    elapsed = time.perf_counter() - start
    assert all(v not in out and v.lower() not in out.lower() for v in odd[::97])
    assert out.count("…") == 2 * len(odd)  # each raw and each base64 form, replaced
    assert elapsed < 10.0, f"{elapsed:.2f} s"


def test_a_message_cut_short_never_keeps_part_of_a_token(rng: random.Random, tmp_path: Any) -> None:
    """Cutting before redacting left any 1 to 19 body characters after the prefix, which the
    shape (20 or more) no longer matches: `cannot_parse`'s 200 characters, the `allow:` entry
    echoed by the config error, the org table's names."""
    from patlint.config import load_file
    from patlint.errors import ConfigError
    from patlint.model import OrgToken
    from patlint.report.org import render_text
    from patlint.sources.readers.structured import cannot_parse

    t = make_token("ghp", rng)
    for lead in range(170, 200):  # every cut from 1 to 26 characters into the token
        out = cannot_parse("gh/hosts.yml", "!" + "a" * lead + t)
        assert t[:5] not in out, (lead, out)
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"allow: [{t}]\n")
    with pytest.raises(ConfigError) as err:
        load_file(cfg)
    assert t[:5] not in str(err.value), str(err.value)
    from patlint.model import OrgResult, ScanStats
    from patlint.report.common import ReportMeta

    meta = ReportMeta(version="0", config_source="-", fail_on="high", exit_code=0, verification="")
    for lead in range(20, 40):
        e = OrgToken(source="saml", id=1, kind="ghp", owner="o", name="x" * lead + " " + t)
        result = OrgResult([], [], [], ScanStats(), org="acme", inventory=[e])
        buf = io.StringIO()
        render_text(result, stream=buf, meta=meta)
        assert t[:5] not in buf.getvalue(), lead


def test_a_learned_token_with_characters_beyond_ascii_is_still_found() -> None:
    """A custom rule's token may hold any character: the learned tokens' runs are then found
    by the regex, not the byte table, with the same result."""
    token = "Kennwort-ÄÖÜ-7f3Q9zLx2W"
    out = Redactor([Secret(token, "custom")])(f"pw = {token}; again {token.upper()}!")
    assert token not in out and token.upper() not in out
    assert out.count(Secret(token, "custom").preview) == 2


def _b64_at_every_alignment(data: str) -> list[str]:
    out = []
    for lead in ("", "u", "u:"):
        raw = (lead + data).encode()
        out += [base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()]
    return out


def test_a_learned_40hex_token_run_into_other_hex_digits_is_redacted(rng: random.Random) -> None:
    """A known legacy token right next to other hex digits (a name `a<token>`, a path
    `<token>0`) made a hex run longer than 40, and a longer run was written as it was: the
    token in plaintext. A longer run is searched for known tokens; a digest stays a digest."""
    hex_token = make_token("legacy", rng)
    r = Redactor([Secret(hex_token, "legacy")])
    for text in (
        f"a{hex_token}",
        f"{hex_token}0",
        f"ff{hex_token.upper()}ff",
        f"\\u00e9{hex_token}1",
    ):
        out = r(f"x {text} y")
        assert hex_token not in out.lower() and redact(hex_token) in out, out
    digest = f"{rng.getrandbits(256):064x}"
    assert r(f"x {digest} y") == f"x {digest} y"


@pytest.mark.parametrize("kind", PREFIXED)
def test_a_learned_token_with_an_escaped_or_recased_prefix_is_redacted(
    kind: str, rng: random.Random
) -> None:
    """Only the prefix told the redactor where a known token was: `\\u0067hp_<body>` (JSON
    escape), `gh\\x70_`, `&#103;hp_` or the base64 of `Ghp_<body>` / `gHp_<body>` (the
    fragments were those of the lower- and upper-case prefix only) kept the token's whole
    body. A learned token's body is now known in every form too."""
    t = make_token(kind, rng)
    cut = len("github_pat_") if kind == "github_pat" else 4
    body = t[cut:]
    r = Redactor([Secret(t, kind)])
    forms = [f"\\u{ord(t[0]):04x}{t[1:]}", f"{t[:2]}\\x{ord(t[2]):02x}{t[3:]}", f"&#103;{t[1:]}"]
    forms += _b64_at_every_alignment(t[0].upper() + t[1:])
    forms += _b64_at_every_alignment(t[:1] + t[1].upper() + t[2:])
    forms += _b64_at_every_alignment(f"\\u{ord(t[0]):04x}{t[1:]}")
    for form in forms:
        out = r(f"x {form} y")
        assert body.lower() not in out.lower() and form not in out, (form, out)
        assert redact(t) in out, (form, out)


@pytest.mark.parametrize("kind", ["ghp", "github_pat", "ghs_jwt"])
def test_base64_of_a_fully_percent_encoded_token_is_redacted(kind: str, rng: random.Random) -> None:
    """The module promises base64 inside percent-encoding and the other way round; base64 of a
    token percent-encoded character by character was missed (only `_` as `%5F` was looked
    for), learned or not."""
    t = make_token(kind, rng)
    for hexcase in ("%{:02X}", "%{:02x}"):
        pct = "".join(hexcase.format(b) for b in t.encode())
        for form in _b64_at_every_alignment(pct):
            for r in (Redactor(), Redactor([Secret(t, kind)])):
                out = r(f"x {form} y")
                assert form not in out and "…" in out, (form, out)


@pytest.mark.parametrize("kind", PREFIXED)
def test_base64_of_base64_is_redacted(kind: str, rng: random.Random) -> None:
    """A token base64-encoded twice, at every alignment of both encodings, either alphabet,
    either case: the outer text holds no encoded prefix, so it was written as it came."""
    t = make_token(kind, rng)
    r = Redactor()
    for case in (t, t.upper()):
        for inner in _b64_at_every_alignment(case):
            for outer in _b64_at_every_alignment(inner):
                out = r(f"x {outer} y")
                assert outer not in out and out.startswith("x ") and "…" in out, (outer, out)


# How a line break or an invisible character may be written where it splits a token: raw, as
# JSON or Python write it, as the text report escapes it, in a GitHub annotation, in XML.
SPLITS = {
    "newline": "\n",
    "CRLF": "\r\n",
    "wrapped": "\n" + " " * 52,
    "ZWSP": "\u200b",
    "ZWNJ": "\u200c",
    "ZWJ": "\u200d",
    "BOM": "\ufeff",
    "word joiner": "\u2060",
    "soft hyphen": "\u00ad",
    "JSON newline": "\\n",
    "text newline": "\\x0a",
    "text ZWSP": "\\u200b",
    "text ZWSP as \\x": "\\x200b",
    "annotation newline": "%0A",
    "XML newline": "&#10;",
    "two": "\u200b\u200d",
}


@pytest.mark.parametrize("kind", [*PREFIXED, "legacy"])
@pytest.mark.parametrize("split", sorted(SPLITS))
def test_a_token_split_by_a_line_break_or_an_invisible_character_is_redacted(
    kind: str, split: str, rng: random.Random
) -> None:
    """A name or message echoed with a line break or a zero-width character inside a token (or
    a report line wrapped inside one): each piece alone matched no shape, so both were written.
    Learned or not (a legacy token: learned, or in an error), anywhere in the token."""
    t = make_token(kind, rng)
    z = SPLITS[split]
    redactors = [Redactor([Secret(t, kind)]), Redactor(every_hex40=True)]
    if kind != "legacy":
        redactors.append(Redactor())
    for at in (2, 4, 12, 23, len(t) - 5):
        for r in redactors:
            out = r(f"file {t[:at]}{z}{t[at:]}: x")
            joined = out.replace(z, "")
            pieces = [t[i : i + 12] for i in range(len(t) - 11)]
            assert [p for p in pieces if p in joined] == [], (at, out)
            assert out.startswith("file ") and out.endswith(": x") and "…" in out, (at, out)


def test_a_split_token_keeps_the_lines_around_it(rng: random.Random) -> None:
    """Only what held the token is replaced: the lines and words around it stay as they were,
    an escape (`\\n` in JSON) is kept or dropped whole, and text with no token is untouched."""
    t = make_token("gho", rng)
    r = Redactor()
    text = f"  where    a.env:1:10  GH_TOKEN\n           {t[:10]}\n    {t[10:]}:1:10  KEY\n  next"
    assert r(text) == f"  where    a.env:1:10  GH_TOKEN\n           {redact(t)}:1:10  KEY\n  next"
    doc = json.dumps({"path": f"{t[:8]}\n{t[8:]}", "other": "line\nbreak"})
    assert json.loads(r(doc)) == {"path": redact(t), "other": "line\nbreak"}
    report = "ghp_…AbCd  classic\n  where    a.env:1:10  GH_TOKEN\n           b.env\nline\u200bword"
    assert r(report) == report


@pytest.mark.parametrize("kind", [*PREFIXED, "legacy"])
def test_base64_wrapped_at_76_columns_is_redacted(kind: str, rng: random.Random) -> None:
    """`base64` and MIME break their output every 76 characters (PEM: 64): a line break in the
    encoded token hid the prefix's fragment or cut the run short of it."""
    t = make_token(kind, rng)
    for lead in ("", "user:", "x" * 70):  # the token at different places in the lines
        data = f"{lead}{t}".encode()
        for width in (76, 64):
            one = base64.b64encode(data).decode()
            lines = [one[i : i + width] for i in range(0, len(one), width)]
            for sep in ("\n", "\\n", "\r\n"):
                wrapped = sep.join(lines)
                for r in (Redactor([Secret(t, kind)]), redact_text):
                    out = r(f"auth: {wrapped} done")
                    joined = out.replace(sep, "")
                    assert one[8:-8] not in joined and "…" in out, (lead, width, sep, out)
                    assert not any(ln in out for ln in lines if len(ln) > 8), (lead, width, out)


@pytest.mark.parametrize("kind", [*PREFIXED, "legacy"])
def test_a_hex_encoded_token_is_redacted(kind: str, rng: random.Random) -> None:
    """The token's bytes as hex (`6768705f…`), either hex case, the token as is or upper-cased,
    at either digit offset, also inside base64 (two levels); a legacy token when learned or in
    an error. Digests and commit ids are left alone."""
    t = make_token(kind, rng)
    hexes = [t.encode().hex(), t.encode().hex().upper(), t.upper().encode().hex()]
    forms = [*hexes, "a" + hexes[0], base64.b64encode(f"x:{hexes[0]}".encode()).decode()]
    redactors = [Redactor([Secret(t, kind)]), Redactor(every_hex40=True)]
    if kind != "legacy":
        redactors.append(Redactor())
    for form in forms:
        for r in redactors:
            out = r(f"name {form} end")
            assert form not in out and t.encode().hex()[8:40] not in out.lower(), (form, out)
            assert out.startswith("name ") and out.endswith(" end") and "…" in out, (form, out)
    digests = " ".join(hashlib.sha256(bytes([i])).hexdigest() for i in range(50))
    commits = " ".join(make_token("legacy", rng) for _ in range(20))
    for r in redactors[:1]:
        assert r(f"{digests} {commits}") == f"{digests} {commits}"


def test_the_shortest_token_of_every_shape_is_redacted_in_base64_alone_or_beside_a_long_run() -> (
    None
):
    """The shortest string a shape matches (`ghs_<1 digit>_<16>`, 22 characters) is 28-30
    base64 characters: fewer than the 32 once taken as the shortest base64 that can hide a
    token, so such a run was decoded only when a longer run sat elsewhere in the same text,
    and (for a while) not even then. Every alignment, alone and beside a 32+ run."""
    shortest = ["ghs_1_abcdefghijklmnop", "ghp_" + "a1" * 10, "github_pat_" + "b2" * 10]
    for token in shortest:
        assert re.fullmatch(_SHAPES, token, re.IGNORECASE), token
        assert not re.fullmatch(_SHAPES, token[:-1], re.IGNORECASE), token  # the shortest
        for lead in ("", "x", "xy"):
            encoded = base64.b64encode((lead + token).encode()).decode().rstrip("=")
            for text in (encoded, f"{encoded} {'A' * 32}", f"{'A' * 32} {encoded}"):
                out = Redactor()(text)
                assert encoded not in out, (token, lead, text)


def test_a_learned_token_in_a_short_base64_run_is_redacted_in_any_text() -> None:
    """A learned token of no known shape is as short as 8 characters, its base64 as short as
    11: found without any longer run in the text; and a re-cased spelling of it behind an
    encoded prefix (only the prefix's fragment points at that run) beside a long run."""
    learned = "CORP-b77e19a2f0"
    r = Redactor([Secret(learned, "custom")])
    alone = base64.b64encode(learned.encode()).decode()
    assert alone not in r(f"value: {alone}")
    mixed = base64.b64encode(b"ghp_corp-B77E19A2F0").decode()
    assert mixed not in r(f"{mixed} {'A' * 32}")


def test_two_tokens_with_nothing_between_are_both_redacted(rng: random.Random) -> None:
    """`ghp_<body>ghr_<body>`: the first shape's body class took the second prefix's letters
    (`…ghr`) and stopped at its `_`, so the second token was written whole (its prefix in the
    first one's preview, its body after it) by an error message's redactor or any output where
    the scan had not found them."""
    kinds = ["ghp", "gho", "ghr", "github_pat", "ghs_jwt"]
    for first in kinds:
        for second in kinds:
            a, b = make_token(first, rng), make_token(second, rng)
            for text in (a + b, f"x{a}{b}y", a + b.upper(), a + b + a):
                for out in (Redactor()(text), redact_text(text)):
                    for t in (a, b):
                        body = t.split("_", 1)[1] if t.startswith("gh") else t
                        body = body.removeprefix("pat_")
                        assert body[-20:].lower() not in out.lower(), (first, second, text, out)


def test_a_prefix_inside_a_token_does_not_cut_it(rng: random.Random) -> None:
    """A prefix's letters inside a token (an installation token's JWT holding `ghp_`, a
    fine-grained token's first part ending in `gho`) never leave a piece of it unredacted."""
    for _ in range(200):
        jwt = make_token("ghs_jwt", rng)
        at = rng.randrange(jwt.index("_", 4) + 1, len(jwt) - 30)  # in the JWT, after the app id
        planted = jwt[:at] + rng.choice(["ghp_", "gho_", "github_pat_"]) + jwt[at:]
        for out in (Redactor()(planted), redact_text(planted)):
            assert planted[-24:] not in out and planted[at:][-24:] not in out, out
        pat = make_token("github_pat", rng)
        recut = pat[:30] + "gho" + pat[33:]  # `…gho_<second part>`
        out = Redactor()(recut)
        assert recut[34:][-20:] not in out and recut[11:31] not in out, out
