"""Structured readers: understand a known file (Docker config, .git-credentials, a workflow…).

A reader parses the whole file once and says what it learned, without searching for tokens:
the values that may hold one, each with a richer context (host, usage, key) than a line of text
gives; facts about the place itself (`PlaceFinding`: a world-readable credential file, an
unreadable part); for a CI file, its parsed model, which the CI policy rules read; and, for
readers that label the file's own hits (shell files, workflows), how to label them. The
engine runs the detector and the CI rules and joins (`patlint.engine.readings`). Readers are
registered explicitly in `patlint.sources.readers.registry.REGISTRY`, whose rows name the
files each reads.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from patlint.model import Candidate, PlaceFinding

if TYPE_CHECKING:  # a scan of plain files imports no more than the registry needs
    from patlint.sources.readers.ci.model import CiModel
    from patlint.sources.values import Decoded, Value

READER_MAX_BYTES = 8 << 20  # larger files get the text detectors only

# Given the file's own hits, the reader's view of them and the place findings they make.
Relabel = Callable[[Sequence[Candidate]], tuple[list[Candidate], list[PlaceFinding]]]


@dataclass(slots=True)
class Reading:
    """What a reader learned from one file, before anything in it was searched for tokens."""

    values: list[Value] = field(default_factory=list)
    places: list[PlaceFinding] = field(default_factory=list)  # facts about the file itself
    notices: list[str] = field(default_factory=list)
    decoded: list[Decoded] = field(default_factory=list)  # keys and names too: tokens as well
    # A file that holds credentials by design: each token reported once per place, and
    # `credential-file-readable-by-others` when it holds one and others may read it.
    credential_file: bool = False
    relabel: Relabel | None = None  # shell files and workflows: the file's hits, re-labelled
    ci: CiModel | None = None  # a CI file's parsed model: the engine runs `patlint.policy.ci`


class FileReader(Protocol):
    """A structured reader for one kind of file; its registry row names the files it reads."""

    name: str

    def read(self, data: bytes, rel: str, st: os.stat_result | None) -> Reading:
        """Parse `data`; never raise on malformed input (report it as a PlaceFinding or notice).

        `st` is the file's stat, for permission checks; None when there is no file behind
        `data` (a blob from git history): then no permission-based place finding is made.
        """


class AskingReader(FileReader, Protocol):
    """A reader whose row leaves some file names to it (`Row.ask_names`, `Row.ask_suffixes`):
    a `config` is git's only inside `.git/`, a `.yml` is a pipeline only at a CI's path."""

    def matches(self, rel: str) -> bool:
        """Whether the reader reads the file shown as `rel` (POSIX separators, may start with
        `~/`); asked only for the names its row leaves to it."""
