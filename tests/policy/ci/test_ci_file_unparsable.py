from __future__ import annotations

from tests.policy.ci.helpers import run

M = "ci_file_unparsable"


def test_bad_yaml_is_reported_where_parsing_stopped() -> None:
    got = run(M, ".github/workflows/ci.yml", "on: push\njobs:\n  a:\n   - x\n  b: [\n")
    assert len(got) == 1 and got[0].location.line is not None
    assert got[0].message.startswith("cannot parse CI file: ")


def test_not_utf8_and_valid_yaml() -> None:
    from patlint.policy.ci import rule
    from patlint.sources.readers.ci import CiYamlReader

    r = CiYamlReader().read(b"on: \xff\n", ".gitlab-ci.yml", None)
    assert r.ci is not None
    got = list(rule(M)(r.ci, ()))
    assert [p.location.line for p in got] == [1] and "not UTF-8" in got[0].message
    assert run(M, ".gitlab-ci.yml", "a: {script: [make]}\n") == []
