"""Just enough shell to judge CI scripts (patlint/sources/readers/ci/shell.py): which names say
"credential", where a command ends, which secret a script prints or writes and where, and what
a `gh` call needs of GITHUB_TOKEN. Scripts are the workflow author's (or an attacker's pull
request's): quotes, expressions and comments must not move a command boundary."""

from __future__ import annotations

import pytest

from patlint.sources.readers.ci import shell


@pytest.mark.parametrize(
    ("name", "tokenish"),
    [
        ("GH_PAT", True),
        ("githubToken", True),
        ("api-key", True),
        ("API_KEY", True),
        ("NPM_PASSWORD", True),
        ("PATH", False),
        ("TOKENIZER_MODEL", False),
        ("SPATIAL", False),
        ("KEY", False),
    ],
)
def test_tokenish_reads_the_words_of_a_name(name: str, tokenish: bool) -> None:
    assert shell.tokenish(name) is tokenish


def test_expression_secrets_name_each_secret_and_github_token_only() -> None:
    text = (
        "a ${{ secrets.GH_PAT }} b ${{ secrets['my-key'] || secrets.OTHER }} "
        "${{ github.token }} ${{ mysecrets.X }} ${{ github.tokens }} secrets.BARE"
    )
    found = [(text[s:e], name) for s, e, name in shell.expression_secrets(text)]
    assert [name for _, name in found] == [
        "secrets.GH_PAT",
        "secrets.my-key",
        "secrets.OTHER",
        "github.token",
    ]
    assert found[0][0] == "${{ secrets.GH_PAT }}"
    assert found[1][0] == found[2][0]  # one expression, two secrets


def test_variable_refs_find_every_spelling_and_no_longer_name() -> None:
    text = "$T ${T} ${T:-x} $env:T %T% $(T) $TX ${TX} $T_2"
    refs = list(shell.variable_refs(text, {"T": "secrets.T"}))
    assert [text[r.start : r.end] for r in refs] == ["$T", "${T}", "${T:", "$env:T", "%T%", "$(T)"]
    assert {(r.name, r.secret) for r in refs} == {("$T", "secrets.T")}
    assert list(shell.variable_refs(text, {})) == []


def split(line: str) -> list[list[str]]:
    return [
        [line[s.start : s.end].strip() for s in pipe]
        for pipe in shell.pipelines(line, 0, len(line))
    ]


@pytest.mark.parametrize(
    ("line", "parts"),
    [
        ("a && b || c; d | e", [["a"], ["b"], ["c"], ["d", "e"]]),
        ("echo ${{ a || b }} | tee x", [["echo ${{ a || b }}", "tee x"]]),
        ("echo 'a; b' \"c | d\" && e", [["echo 'a; b' \"c | d\""], ["e"]]),
        ("run 2>&1 >| out &>log", [["run 2>&1 >| out &>log"]]),
        ("x $(a | b; c) | y", [["x $(a | b; c)", "y"]]),
        ("ok # not | a; command", [["ok"]]),
        ("url#frag | y", [["url#frag", "y"]]),
        ("a &", [["a"]]),
    ],
)
def test_pipelines_split_where_the_shell_would(line: str, parts: list[list[str]]) -> None:
    assert split(line) == parts


def test_logical_lines_join_backslash_continuations() -> None:
    text = "echo a \\\n  b\nnext\n\nlast"
    assert [text[s:e] for s, e in shell.logical_lines(text)] == [
        "echo a \\\n  b",
        "next",
        "",
        "last",
    ]


def found(script: str) -> list[tuple[str, str]]:
    """(how, target) of each leak of $T (bound to secrets.T) or of a secrets expression."""
    refs = [shell.Ref(s, e, n, n) for s, e, n in shell.expression_secrets(script)]
    refs += shell.variable_refs(script, {"T": "secrets.T"})
    return [(leak.how, leak.target) for leak in shell.leaks(script, refs)]


@pytest.mark.parametrize(
    ("script", "leaks"),
    [
        ("echo $T", [("log", "")]),
        ('echo "$T" >&2', [("log", "")]),  # stderr is the log too
        ("printf '%s' ${{ secrets.X }} | base64", [("encoded-log", "")]),
        ('echo "TOKEN=$T" >> $GITHUB_ENV', [("github-env", "$GITHUB_ENV")]),
        ('echo "t=$T" >> "$GITHUB_OUTPUT"', [("github-output", "$GITHUB_OUTPUT")]),
        ("echo $T | tee -a creds.txt", [("file", "creds.txt")]),
        ("sudo echo $T > $GITHUB_STEP_SUMMARY", [("step-summary", "$GITHUB_STEP_SUMMARY")]),
        ("cat <<EOF >> $GITHUB_ENV\nX=$T\nEOF\necho done", [("github-env", "$GITHUB_ENV")]),
        ("cat <<'EOF'\n${{ secrets.X }}\nEOF", [("log", "")]),
        ("cat <<< $T", [("log", "")]),
        # not leaks: outside the workspace, used not printed, a comment, another name
        ("echo $T > /tmp/t", []),
        # standard output discarded: nothing reaches the log (standard error still does)
        ("echo $T > /dev/null", []),
        ("echo $T &>/dev/null", []),
        ("echo $T 1>>/dev/null", []),
        ("echo $T | base64 > /dev/null", []),
        ("cat <<EOF > /dev/null\n$T\nEOF", []),
        ("echo $T 2>/dev/null", [("log", "")]),
        ("echo $T > ~/.netrc", []),
        ('curl -H "Authorization: token $T" https://api.github.com', []),
        ("echo hi # $T", []),
        ("echo $TX", []),
        ("cat <<EOF > /tmp/x\n$T\nEOF\necho $T > out.txt", [("file", "out.txt")]),
    ],
)
def test_leaks_say_how_and_where_a_secret_leaves_the_script(
    script: str, leaks: list[tuple[str, str]]
) -> None:
    assert found(script) == leaks


@pytest.mark.parametrize(
    ("script", "needs"),
    [
        ("gh pr view 1", {"pull-requests": "read"}),
        ("gh pr merge 1 --squash", {"pull-requests": "write", "contents": "write"}),
        ("gh pr checkout 3", {"pull-requests": "read", "contents": "read"}),
        ("gh issue comment 1 --body hi", {"issues": "write"}),
        ("sudo /usr/bin/gh release create v1", {"contents": "write"}),
        ("gh run list -R ${{ github.repository }}", {"actions": "read"}),
        ("gh run list --repo=$GITHUB_REPOSITORY", {"actions": "read"}),
        ("gh issue list -R other/repo", None),  # GITHUB_TOKEN reaches only its own repository
        ("gh api repos/o/r/issues", None),
        ("gh pr", None),
    ],
)
def test_gh_calls_say_what_github_token_needs(script: str, needs: dict[str, str] | None) -> None:
    (call,) = shell.gh_calls(script)
    assert call.needs == needs
    assert call.start == 0  # where its stage starts, prefixes included


def test_gh_calls_are_found_in_every_stage_and_line_but_not_in_quotes() -> None:
    script = "x=1 && gh pr list | head\necho 'gh pr merge 1'\ncat f | gh issue create -t t"
    calls = shell.gh_calls(script)
    assert [(c.subcommand, c.needs) for c in calls] == [
        ("pr", {"pull-requests": "read"}),
        ("issue", {"issues": "write"}),
    ]
