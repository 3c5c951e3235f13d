"""A CI file parsed into a typed model: workflows, jobs, steps, env, with, permissions,
triggers and scripts, each value with its place in the file.

The CI reader builds it (`build`) and carries it on its `Reading` (`Reading.ci`); the CI
policy rules (`patlint.policy.ci`, one module per rule) read it and nothing else of the
YAML. Built once per file, in one walk over what the rules look at; a value keeps its YAML
node so that a rule can point at a character inside it (`CiModel.index_in`), block scalars
included.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from patlint.model import Context, Location
from patlint.sources.readers.ci.common import FILE_TYPE, USAGE
from patlint.sources.readers.ci.platforms import Platform
from patlint.sources.readers.ci.yamldoc import (
    Doc,
    Path,
    entry,
    format_path,
    get,
    is_map,
    items,
    keyed,
    pairs,
    seq,
    text_of,
)

_STR = "tag:yaml.org,2002:str"


@dataclass(frozen=True, slots=True)
class Text:
    """A value as written: its scalar text (None for a mapping or a list) and its YAML node."""

    text: str | None
    node: Any


@dataclass(frozen=True, slots=True)
class Pair:
    """One `key: value` of a mapping (`<<` merges resolved, the first of a repeated key kept)."""

    key: str | None  # None when the key is not a scalar
    key_node: Any
    value: Text


@dataclass(frozen=True, slots=True)
class Mapping:
    """A YAML mapping's pairs, in file order (empty when the value was not a mapping)."""

    pairs: tuple[Pair, ...] = ()

    def entry(self, key: str) -> Pair | None:
        """The pair for `key`, or None."""
        for p in self.pairs:
            if p.key == key:
                return p
        return None

    def get(self, key: str) -> Text | None:
        """The value for `key`, or None."""
        p = self.entry(key)
        return p.value if p is not None else None

    def text(self, key: str) -> str | None:
        """The scalar value for `key`, or None (missing, or a mapping or a list)."""
        p = self.entry(key)
        return p.value.text if p is not None else None

    def texts(self) -> Iterator[str]:
        """The non-empty scalar values."""
        for p in self.pairs:
            if p.value.text:
                yield p.value.text


@dataclass(frozen=True, slots=True)
class Step:
    """One step (a mapping) of a job: `steps[index]`."""

    index: int  # its position among the job's steps (items that are not mappings counted)
    path: Path
    uses: str  # lower-cased, stripped; "" when the step runs a script
    if_: str
    with_: Mapping
    env: Mapping
    run: Text | None  # the `run:` value, when the step has one


@dataclass(frozen=True, slots=True)
class Job:
    """One job (a mapping) of a workflow, or the `runs:` of a composite action."""

    id: str
    path: Path
    if_: str
    uses: str | None  # a reusable workflow the job calls
    permissions: Pair | None
    secrets: Text | None
    env: Mapping
    steps: tuple[Step, ...]

    def texts(self) -> Iterator[str]:
        """Scalar values of the job's env and its steps' run, with: and env:."""
        yield from self.env.texts()
        for step in self.steps:
            if step.run is not None and step.run.text:
                yield step.run.text
            yield from step.with_.texts()
            yield from step.env.texts()


@dataclass(frozen=True, slots=True)
class Workflow:
    """One YAML document of a GitHub Actions workflow, or a composite action (`composite`:
    then `jobs` holds its `runs:` alone and the workflow-level fields are empty)."""

    composite: bool
    triggers: frozenset[str]
    env: Mapping
    permissions: Pair | None
    jobs_key: Any | None  # the `jobs:` key node (None: no `jobs:`)
    jobs: tuple[Job, ...]


@dataclass(frozen=True, slots=True)
class Script:
    """A shell script of another CI system (`script:`, `run:`, …), at its YAML path."""

    value: Text
    path: Path


@dataclass(frozen=True, slots=True)
class Failure:
    """Why a CI file could not be parsed, and where parsing stopped (when known)."""

    reason: str
    line: int | None = None
    column: int | None = None


@dataclass(slots=True)
class CiModel:
    """One CI file: its platform, parsed documents (or why it has none) and positions."""

    rel: str
    data: bytes
    platform: Platform
    doc: Doc | None  # None when the file could not be parsed (`failure`)
    failure: Failure | None = None
    workflows: tuple[Workflow, ...] = ()
    scripts: tuple[Script, ...] = ()
    memo: dict[Any, Any] = field(default_factory=dict)  # what several rules derive, once
    _byte_lines: list[int] = field(default_factory=list)

    # -- positions ---------------------------------------------------------------------------

    def index_of(self, node: Any) -> int:
        """Character index where a node starts."""
        assert self.doc is not None
        return self.doc.index_of(node.start_mark)

    def index_in(self, value: Text, offset: int) -> int:
        """Character index of character `offset` of a scalar's value (block scalars too)."""
        assert self.doc is not None
        return self.doc.value_index(value.node, offset)

    def byte_offset(self, index: int) -> int:
        """Byte offset in the file of a character index."""
        assert self.doc is not None
        if not self._byte_lines:
            self._byte_lines = [0]
            pos = self.data.find(b"\n")
            while pos >= 0:
                self._byte_lines.append(pos + 1)
                pos = self.data.find(b"\n", pos + 1)
        line, _col = self.doc.where(index)
        line_start_char = self.doc.line_starts[line - 1]
        base = self._byte_lines[min(line - 1, len(self._byte_lines) - 1)]
        return base + len(self.doc.text[line_start_char:index].encode("utf-8", "replace"))

    def location(self, index: int) -> Location:
        """A Location (1-based line/column, byte offset) for a character index."""
        assert self.doc is not None
        line, column = self.doc.where(index)
        return Location(self.rel, line, column, self.byte_offset(index))

    def yaml_path_at(self, line: int, column: int) -> Path | None:
        """The YAML path of the scalar at a 1-based line and column (a key's own name
        appended); None in a comment or between values."""
        assert self.doc is not None
        sc = self.doc.scalar_at(self.doc.index_at(line, column))
        if sc is None:
            return None
        key = text_of(sc.node) if sc.is_key else None
        return (*sc.path, key) if key is not None else sc.path

    def context(self, path: Path | None) -> Context:
        """The Context findings in this file carry: ci-yaml, the YAML path, usage ci."""
        return Context(
            file_type=FILE_TYPE, key=format_path(path) if path is not None else None, usage=USAGE
        )


# -- building ----------------------------------------------------------------------------------


def build(rel: str, data: bytes, doc: Doc, platform: Platform) -> CiModel:
    """The model of a parsed CI file."""
    model = CiModel(rel, data, platform, doc)
    if platform.name.startswith("github-"):
        composite = platform.name == "github-action"
        model.workflows = tuple(
            wf for root in doc.roots if (wf := _workflow(root, composite=composite)) is not None
        )
    else:
        model.scripts = tuple(_scripts(doc, platform))
    return model


def unparsable(rel: str, data: bytes, platform: Platform, failure: Failure) -> CiModel:
    """The model of a CI file that is not YAML (or not UTF-8)."""
    return CiModel(rel, data, platform, None, failure)


def _text(node: Any) -> Text:
    return Text(text_of(node), node)


_NO_PAIRS = Mapping()


def _mapping(node: Any) -> Mapping:
    # One call per step's `with:` and `env:` (most have neither): the cached merged pairs, read
    # without a copy, and scalar texts taken inline.
    if node is None or node.id != "mapping":
        return _NO_PAIRS
    return Mapping(
        tuple(
            Pair(
                str(k.value) if k.id == "scalar" else None,
                k,
                Text(str(v.value) if v.id == "scalar" else None, v),
            )
            for k, v in pairs(node)
        )
    )


def _value_mapping(found: tuple[Any, Any] | None) -> Mapping:
    """The Mapping of an `entry`'s value (empty when the key is missing)."""
    return _mapping(found[1]) if found is not None else _NO_PAIRS


def _value_text(found: tuple[Any, Any] | None) -> str | None:
    """The scalar text of an `entry`'s value (None when the key is missing)."""
    return text_of(found[1]) if found is not None else None


def _pair(node: Any, key: str) -> Pair | None:
    found = entry(node, key)
    return Pair(key, found[0], _text(found[1])) if found is not None else None


def _triggers(node: Any) -> frozenset[str]:
    """Event names from `on:` (a string, a list or a mapping)."""
    if node is None:
        return frozenset()
    value = text_of(node)
    if value is not None:
        return frozenset({value})
    if node.id == "sequence":
        return frozenset(t for t in (text_of(n) for n in node.value) if t)
    return frozenset(t for t in (text_of(k) for k, _v in items(node)) if t)


def _workflow(root: Any, *, composite: bool) -> Workflow | None:
    if not is_map(root):
        return None
    if composite:
        runs = get(root, "runs")
        if not is_map(runs):
            return None
        return Workflow(True, frozenset(), Mapping(), None, None, (_job(runs, "runs", ("runs",)),))
    jobs_entry = entry(root, "jobs")
    jobs = []
    for k, node in pairs(jobs_entry[1] if jobs_entry else None):
        job_id = text_of(k) or "?"
        if is_map(node):
            jobs.append(_job(node, job_id, ("jobs", job_id)))
    return Workflow(
        False,
        _triggers(get(root, "on")),
        _mapping(get(root, "env")),
        _pair(root, "permissions"),
        jobs_entry[0] if jobs_entry is not None else None,
        tuple(jobs),
    )


def _job(node: Any, job_id: str, path: Path) -> Job:
    by_key = keyed(node)
    found = by_key.get("steps")
    steps = tuple(
        _step(s, i, (*path, "steps", i))
        for i, s in enumerate(seq(found[1] if found is not None else None))
        if s.id == "mapping"
    )
    permissions = by_key.get("permissions")
    secrets = by_key.get("secrets")
    return Job(
        job_id,
        path,
        _value_text(by_key.get("if")) or "",
        _value_text(by_key.get("uses")),
        Pair("permissions", permissions[0], _text(permissions[1]))
        if permissions is not None
        else None,
        _text(secrets[1]) if secrets is not None else None,
        _value_mapping(by_key.get("env")),
        steps,
    )


def _step(node: Any, index: int, path: Path) -> Step:
    # One call per step of every workflow: its mapping's key index is looked up once.
    by_key = keyed(node)
    run = by_key.get("run")
    return Step(
        index,
        path,
        (_value_text(by_key.get("uses")) or "").strip().lower(),
        _value_text(by_key.get("if")) or "",
        _value_mapping(by_key.get("with")),
        _value_mapping(by_key.get("env")),
        _text(run[1]) if run is not None else None,
    )


def _scripts(doc: Doc, platform: Platform) -> Iterator[Script]:
    """The scalars under a script key of the platform (`script:`, `run:`, …), in file order."""
    for sc in doc.scalars:
        if sc.is_key or sc.node.tag != _STR:
            continue
        keys = [p for p in sc.path if isinstance(p, str)]
        if keys and keys[-1] in platform.script_keys:
            yield Script(_text(sc.node), sc.path)
