"""The compiled table of dataclass methods (patlint/dcache.py): current, and the very code that
compiling each text gives; a text not in it is compiled as before."""

from __future__ import annotations

import dataclasses
import dis
import importlib
import subprocess
import sys
import types
from pathlib import Path

import pytest

import patlint
from patlint import dcache

TABLE_FILE = Path(patlint.__file__).parent / (dcache.table_module().rsplit(".", 1)[1] + ".py")
needs_table = pytest.mark.skipif(
    not TABLE_FILE.exists(),
    reason=f"no table for Python {sys.version_info[0]}.{sys.version_info[1]} "
    "(records are compiled at start as dataclasses does; `python -m patlint._dcregen` adds one)",
)


def _fresh(code: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _instructions(code: types.CodeType) -> list[tuple[str, object]]:
    # Not `co_code`: a function that ran a few times holds specialized instructions there.
    return [(i.opname, i.arg) for i in dis.get_instructions(code)]


def _same_code(a: types.CodeType, b: types.CodeType) -> None:
    assert _instructions(a) == _instructions(b)
    assert (a.co_name, a.co_qualname, a.co_names, a.co_varnames) == (
        b.co_name,
        b.co_qualname,
        b.co_names,
        b.co_varnames,
    )
    assert (a.co_freevars, a.co_cellvars, a.co_argcount, a.co_kwonlyargcount, a.co_flags) == (
        b.co_freevars,
        b.co_cellvars,
        b.co_argcount,
        b.co_kwonlyargcount,
        b.co_flags,
    )
    consts_a = [c for c in a.co_consts if not isinstance(c, types.CodeType)]
    consts_b = [c for c in b.co_consts if not isinstance(c, types.CodeType)]
    assert consts_a == consts_b
    nested_a = [c for c in a.co_consts if isinstance(c, types.CodeType)]
    nested_b = [c for c in b.co_consts if isinstance(c, types.CodeType)]
    assert len(nested_a) == len(nested_b)
    for x, y in zip(nested_a, nested_b, strict=True):
        _same_code(x, y)


@needs_table
def test_every_entry_is_the_code_its_text_compiles_to() -> None:
    table = importlib.import_module(dcache.table_module()).TABLE
    assert len(table) > 100
    for text, made in table.items():
        # As dataclasses compiles it: without this file's `from __future__ import annotations`.
        namespace: dict[str, object] = {}
        exec(compile(text, "<string>", "exec", dont_inherit=True), {}, namespace)  # noqa: S102
        compiled = namespace["__create_fn__"]
        assert isinstance(compiled, types.FunctionType)
        _same_code(made.__code__, compiled.__code__)


@needs_table
def test_a_scan_makes_every_record_from_the_table() -> None:
    """Every text a whole scan writes is found (a miss costs ~0.5 ms of start-up)."""
    out = _fresh(
        "import builtins, dataclasses, importlib, sys\n"
        "import patlint\n"
        "table = importlib.import_module(patlint.dcache.table_module()).TABLE\n"
        "served = dataclasses.exec\n"
        "seen = []\n"
        "def probe(text, g=None, l=None, /):\n"
        "    seen.append(text in table)\n"
        "    return served(text, g if g is not None else sys._getframe(1).f_globals, l)\n"
        "dataclasses.exec = probe\n"
        "from patlint.cli import main\n"
        "import patlint.engine.run, patlint.report.json_report, patlint.policy.judge\n"
        "import patlint.sources.readers.registry as r; r.preload()\n"
        "print(len(seen), seen.count(False))\n"
    )
    made, missed = map(int, out.split())
    assert made > 50
    assert missed == 0


def test_records_are_the_same_with_and_without_the_table() -> None:
    """repr, ==, hash, frozenness and pickling of records made both ways."""
    code = (
        "import dataclasses, pickle, sys\n"
        "{setup}"
        "from patlint.model import Skip, Location\n"
        "s = Skip('a/b', 'unreadable', 'Permission denied')\n"
        "loc = Location(path='x', line=3, column=4)\n"
        "try:\n"
        "    s.path = 'c'\n"
        "    frozen = False\n"
        "except dataclasses.FrozenInstanceError:\n"
        "    frozen = True\n"
        "again = pickle.loads(pickle.dumps(s))\n"
        "init = Location.__init__\n"
        "print(init.__annotations__, init.__defaults__, init.__qualname__, init.__module__)\n"
        "print(repr(s), repr(loc), hash(s) == hash(again), s == again, frozen, sep='|')\n"
    )
    # `dataclasses` given an `exec` of its own before patlint is imported: no table is used.
    without = _fresh(code.format(setup="import builtins; dataclasses.exec = builtins.exec\n"))
    served = _fresh(code.format(setup=""))
    assert served == without
    assert served.strip().endswith("True|True|True")


def test_a_record_not_in_the_table_is_compiled_as_before() -> None:
    import patlint.model  # noqa: F401  # the table is in use in this process

    @dataclasses.dataclass(frozen=True, slots=True)
    class NotPatlints:
        first: str
        second: int = 7

    one = NotPatlints("x")
    assert (one.first, one.second) == ("x", 7)
    assert one == NotPatlints("x", 7)
    assert repr(one).endswith("NotPatlints(first='x', second=7)")
    with pytest.raises(dataclasses.FrozenInstanceError):
        one.first = "y"  # type: ignore[misc]


def test_install_leaves_an_exec_someone_else_gave_dataclasses_alone() -> None:
    out = _fresh(
        "import dataclasses\n"
        "def mine(*a): return exec(*a)\n"
        "dataclasses.exec = mine\n"
        "import patlint\n"
        "print(dataclasses.exec is mine)\n"
    )
    assert out.strip() == "True"
