"""Home-directory mode: prune caches and dependency trees, still read credential files; --all."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.sources.home import at, scan_home, write


def plant(home: Path, token: Any) -> dict[str, str]:
    toks = {name: token("ghp") for name in ("npmrc", "js", "env", "cache", "own", "venv")}
    write(
        home,
        "code/web/node_modules/left-pad/.npmrc",
        f"//npm.pkg.github.com/:_authToken={toks['npmrc']}\n",
    )
    write(home, "code/web/node_modules/left-pad/index.js", f"const t = '{toks['js']}'\n")
    write(home, "code/web/node_modules/a/b/c/.env", f"GH_TOKEN={toks['env']}\n")
    write(home, ".cache/tool/state.json", f'{{"token": "{toks["cache"]}"}}')
    write(
        home, "code/tool/.venv/lib/python3.11/site-packages/pkg/conf.py", f'T = "{toks["venv"]}"\n'
    )
    write(home, "code/web/src/app.ts", f"const token = '{toks['own']}'\n")
    return toks


def test_home_profile_prunes_but_reads_credential_files(home: Path, token: Any) -> None:
    toks = plant(home, token)
    result = scan_home(home)
    found = {c.location.path for t in result.tokens for c in t.candidates}
    assert found == {
        "~/code/web/node_modules/left-pad/.npmrc",  # pruned tree, known credential file name
        "~/code/web/node_modules/a/b/c/.env",
        "~/code/web/src/app.ts",
    }
    [c] = at(result, toks["npmrc"], "~/code/web/node_modules/left-pad/.npmrc")
    assert c.context.usage == "npm"
    assert result.stats.files_scanned == 3


def test_all_scans_everything(home: Path, token: Any) -> None:
    toks = plant(home, token)
    result = scan_home(home, scan_all=True)
    found = {c.location.path for t in result.tokens for c in t.candidates}
    assert found == {
        "~/code/web/node_modules/left-pad/.npmrc",
        "~/code/web/node_modules/left-pad/index.js",
        "~/code/web/node_modules/a/b/c/.env",
        "~/.cache/tool/state.json",
        "~/code/tool/.venv/lib/python3.11/site-packages/pkg/conf.py",
        "~/code/web/src/app.ts",
    }
    assert len(result.tokens) == len(toks)


def test_repository_profile_on_a_folder_prunes_nothing(
    home: Path, token: Any, tmp_path: Path
) -> None:
    from patlint.engine.run import ScanOptions, run_scan
    from patlint.sources.tree import WalkOptions
    from patlint.sources.workstation import plan_scan
    from tests.sources.home import ruleset

    write(tmp_path, "proj/node_modules/x/index.js", f"t='{token('ghp')}'\n")
    plan = plan_scan([str(tmp_path / "proj")], WalkOptions(), profile=None)
    assert (plan.profile, plan.walk.prune_dirs) == ("repository", frozenset())
    result = run_scan(plan.roots, ruleset(), ScanOptions(walk=plan.walk, jobs=1))
    assert [c.location.path for t in result.tokens for c in t.candidates] == [
        "node_modules/x/index.js"
    ]
    plan = plan_scan([str(tmp_path / "proj")], WalkOptions(), profile="workstation")
    result = run_scan(plan.roots, ruleset(), ScanOptions(walk=plan.walk, jobs=1))
    assert result.tokens == []


def test_pruned_trees_read_dotenv_variants_only(home: Path, token: Any) -> None:
    t = token("ghp")
    for rel in (
        "code/web/node_modules/pkg/.env.production",  # `**/.env.*`: read
        "code/web/node_modules/pkg/.env.",  # `*` matches nothing too: read
        "code/web/node_modules/pkg/x.env.local",  # not a `.env.` name: pruned
        "code/web/node_modules/pkg/.envoy",  # neither `.env` nor `.env.*`: pruned
    ):
        write(home, rel, f"GH_TOKEN={t}\n")
    result = scan_home(home)
    assert {c.location.path for tok in result.tokens for c in tok.candidates} == {
        "~/code/web/node_modules/pkg/.env.production",
        "~/code/web/node_modules/pkg/.env.",
    }


def test_always_include_fast_matcher_agrees_with_gitignore_semantics() -> None:
    import pathspec

    from patlint.sources import platform
    from patlint.sources.tree import _AlwaysMatcher

    patterns = platform.always_include()
    spec = pathspec.GitIgnoreSpec.from_lines(patterns)
    fast = _AlwaysMatcher(patterns)
    files = [
        "a/.npmrc",
        "a/b/.env",
        "a/.env.local",
        "a/.env.",
        "a/x.env.local",
        "a/.envrc",
        "a/.envoy",
        "p/.docker/config.json",
        "p/docker/config.json",
        "p/config.json",
        "q/gh/hosts.yml",
        "q/hosts.yml",
        "q/GitHub CLI/hosts.yml",
        "r/.git/config",
        "r/git/config",
        "r/config",
        "s/index.js",
        "s/settings.xml",
        "s/NuGet.Config",
        "s/nuget.CONFIG",
    ]
    assert [f for f in files if fast.match(f)] == [f for f in files if spec.match_file(f)]
    # The walk passes over a name inside a pruned tree when `could_match` says no: it must
    # never say no where `match` would say yes.
    assert all(fast.could_match(f.rsplit("/", 1)[-1]) for f in files if fast.match(f))
    assert not fast.could_match("index.js")


def test_the_name_shortcut_in_pruned_trees_changes_no_walk(home: Path, monkeypatch: Any) -> None:
    from patlint.sources import platform
    from patlint.sources.tree import FileRef, WalkOptions, _AlwaysMatcher, walk

    names = [
        ".npmrc", ".env", ".env.local", ".envrc", "index.js", "config.json", "hosts.yml",
        "config", "credentials", "settings.xml", "NuGet.Config", "README.md",
    ]  # fmt: skip
    dirs = ["node_modules/a", "node_modules/a/.docker", "node_modules/b/gh", ".cache/x/git",
            ".cache/x/.git", "code/.venv/lib/GitHub CLI", "code/src"]  # fmt: skip
    for d in dirs:
        for n in names:
            write(home, f"{d}/{n}", "x\n")
    options = WalkOptions(
        use_gitignore=False,
        prune_dirs=frozenset({"node_modules", ".cache", ".venv"}),
        always_include=platform.always_include(),
    )
    fast = [r for r in walk([str(home)], options) if isinstance(r, FileRef)]
    monkeypatch.setattr(_AlwaysMatcher, "could_match", lambda self, name: True)
    slow = [r for r in walk([str(home)], options) if isinstance(r, FileRef)]
    assert fast == slow
    assert len(fast) < len(dirs) * len(names)  # pruned trees were pruned
    assert any("node_modules/a/.docker/config.json" in r.rel for r in fast)
