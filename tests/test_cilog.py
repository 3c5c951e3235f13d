"""No text patlint writes to a CI log is a command of the runner (patlint/cilog.py)."""

from __future__ import annotations

import json
import random
import re
import xml.etree.ElementTree as ET

import pytest

from patlint.cilog import FORMS, defuse, form_of

# How the runners read a log (actions/runner ActionCommand.TryParseV2 / TryParse, Azure's
# agent, TeamCity): a line ends at \r, \n or \r\n; `::` after leading white space starts a
# command; `##[`, `##vso[` (any case) and `##teamcity[` do anywhere in a line.
_LINES = re.compile(r"\r\n|\r|\n")
_ANYWHERE = re.compile(r"##\[|##vso\[|##teamcity\[", re.IGNORECASE)


def runner_commands(log: str) -> list[str]:
    """The lines of `log` a CI runner would take a command from."""
    return [
        line
        for line in _LINES.split(log)
        if line.lstrip().startswith("::") or _ANYWHERE.search(line)
    ]


HOSTILE = [
    "x ##[add-mask]ghp_",
    "##[error file=README.md,line=1,title=Approved]safe to merge",
    "###[stop-commands]pwned",
    "##VSO[task.setvariable variable=x]1",
    "##teamcity[buildStatus text='ok']",
    "key\n::set-output name=findings::0",
    "key\r::add-mask::ghp_",
    "key\n \t ::error::x",
    "key\u2028::x",  # not a line break for the runner: stays as it is, harmless
    "::stop-commands::resume",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_no_command_survives_in_any_form(text: str) -> None:
    assert runner_commands(text) or "\u2028" in text  # the model sees each as a command
    for form in FORMS:
        assert runner_commands(defuse(text, form)) == [], form


def test_our_own_annotations_stay_when_commands_are_allowed() -> None:
    log = "::error file=a.env,line=1::found\nplain ##[add-mask]x\n"
    out = defuse(log, commands=True)
    assert out.startswith("::error file=a.env,line=1::found\n")
    assert "##[" not in out and "#\\x23[add-mask]" in out


def test_text_without_a_command_is_left_alone() -> None:
    for text in ["## Findings", "a::b c::d", "#[x]", "# #[x]", "ok\n:single", "http://x::1"]:
        assert defuse(text) == text


def _hostile_string(rng: random.Random) -> str:
    alphabet = ["#", "##", "[", "]", ":", "::", "\n", "\r", " ", "\t", "vso", "VSO", "x", "\\"]
    alphabet += ["teamcity", '"', "<", "&", "é", "\u2028"]
    return "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 40)))


def test_a_json_document_means_what_it_meant() -> None:
    rng = random.Random(20261206)
    for _ in range(2000):
        value = {"path": _hostile_string(rng), "list": [_hostile_string(rng)]}
        for indent in (None, 2):
            text = json.dumps(value, ensure_ascii=False, indent=indent)
            out = defuse(text, "json")
            assert json.loads(out) == value
            assert runner_commands(out) == []


def test_an_xml_document_means_what_it_meant() -> None:
    rng = random.Random(7)
    for _ in range(1000):
        name = _hostile_string(rng).replace("\r", "")  # XML reads a raw \r as \n
        root = ET.Element("testsuite", {"name": name})
        ET.SubElement(root, "failure", {"message": name}).text = name
        text = ET.tostring(root, encoding="unicode")
        out = defuse(text, "xml")
        back, before = ET.fromstring(out), ET.fromstring(text)  # noqa: S314 - our own text
        assert back.get("name") == before.get("name")
        assert back[0].text == before[0].text
        assert runner_commands(out) == []


def test_each_report_format_has_its_notation() -> None:
    from patlint.report import FORMATS

    assert {fmt: form_of(fmt) for fmt in FORMATS} == {
        "text": "text",
        "github": "text",
        "json": "json",
        "sarif": "json",
        "gitlab-codequality": "json",
        "gitlab-secret-detection": "json",
        "junit": "xml",
        "html": "xml",
    }


def test_no_random_text_keeps_a_command() -> None:
    rng = random.Random(4)
    for _ in range(5000):
        text = _hostile_string(rng)
        for form in FORMS:
            out = defuse(text, form)
            assert runner_commands(out) == [], (text, form)
        kept = defuse(text, commands=True)  # only line-leading `::` may stay
        assert all(c.lstrip().startswith("::") for c in runner_commands(kept)), text
