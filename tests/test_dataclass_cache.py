"""Dataclass methods compiled once and then taken from a cache (reemploi.dataclass_cache).

A class built from cached code must behave as one compiled afresh (init, defaults,
repr, equality, hash, frozenness), a second class of the same shape must reuse the
code, and the cache file must round-trip, refuse a foreign Python's file and a
corrupt one, and not be written where bytecode may not be.
"""

from __future__ import annotations

import dataclasses
import marshal
import subprocess
import sys
from pathlib import Path

import pytest

from reemploi import dataclass_cache as cache

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(not cache.install(), reason="this Python builds dataclasses otherwise")


def _make():
    @dataclasses.dataclass(frozen=True)
    class Disk:
        path: str
        size: int = 0
        tags: tuple = dataclasses.field(default_factory=tuple)
    return Disk


def test_cached_methods_behave_as_compiled_ones():
    first, second = _make(), _make()
    # The second class's methods come from the code the first one compiled.
    assert first.__init__.__code__ is second.__init__.__code__
    assert first.__repr__.__wrapped__.__code__ is second.__repr__.__wrapped__.__code__
    for cls in (first, second):
        d = cls("/dev/sda", 512)
        assert (d.path, d.size, d.tags) == ("/dev/sda", 512, ())
        assert repr(d).endswith("Disk(path='/dev/sda', size=512, tags=())")
        assert d == cls("/dev/sda", 512) and d != cls("/dev/sdb", 512)
        assert hash(d) == hash(cls("/dev/sda", 512))
        with pytest.raises(dataclasses.FrozenInstanceError):
            d.size = 1
        with pytest.raises(TypeError):
            cls()                                   # path is required


def test_a_changed_class_is_compiled_anew():
    @dataclasses.dataclass(frozen=True)
    class Disk:
        path: str
        serial: str = "?"
    assert Disk("/dev/sda").serial == "?"
    assert Disk.__init__.__code__ is not _make().__init__.__code__


def _make_in(monkeypatch, name: str):
    """A dataclass built in module ``name`` (dataclasses compiles its methods in the
    class's module globals, which is how the cache knows whose they are)."""
    import types
    module = types.ModuleType(name)
    monkeypatch.setitem(sys.modules, name, module)
    exec("import dataclasses\n"
         "@dataclasses.dataclass(frozen=True)\n"
         "class Disk:\n"
         "    path: str\n"
         "    size: int = 0\n", vars(module))
    return module.Disk


def test_the_cache_files_round_trip_and_refuse_foreign_or_corrupt_files(tmp_path, monkeypatch):
    ours = "reemploi._cache_round_trip"
    monkeypatch.setattr(cache, "_dir", str(tmp_path / "pycache"))
    monkeypatch.setattr(cache, "_added", set())
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    monkeypatch.setattr(cache, "_codes", {})
    _make_in(monkeypatch, ours)
    _make()                                          # this test module's: not kept
    assert cache._added == {ours}
    cache._save()
    path = Path(cache._file(ours))
    assert [p.name for p in (tmp_path / "pycache").iterdir()] == [path.name]
    saved = cache._load(str(path))
    assert saved and set(saved) <= set(cache._codes[ours])
    text = next(iter(saved))
    kept = cache._codes[ours][text]
    kept = kept if not isinstance(kept, bytes) else marshal.loads(kept)
    # Each code object is kept as its own bytes, decoded only when a class asks.
    assert isinstance(saved[text], bytes) and marshal.loads(saved[text]).co_code == kept.co_code
    # A second command reads this module's file at its first class, and compiles nothing.
    monkeypatch.setattr(cache, "_codes", {})
    _make_in(monkeypatch, ours)
    assert not cache._added and set(cache._codes) == {ours}
    # A damaged entry is compiled again, not trusted.
    assert cache._decode(b"\x00not marshal") is None and cache._decode(marshal.dumps(3)) is None
    path.write_bytes(marshal.dumps({"python": "2.7.18", "codes": saved}))
    assert cache._load(str(path)) == {}
    path.write_bytes(b"\x00not marshal")
    assert cache._load(str(path)) == {}


def test_a_look_up_of_dataclasses_does_not_disarm_the_patch():
    """``importlib.util.find_spec`` asks the finders without importing: the import that
    follows must still be patched (the finder left at the look-up, before)."""
    code = """if True:
        import sys
        import reemploi
        import importlib.util
        spec = importlib.util.find_spec("dataclasses")
        print(spec.loader.get_source("dataclasses") is not None)
        import dataclasses
        from reemploi import dataclass_cache
        print(dataclasses.exec is dataclass_cache._exec)
    """
    out = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout.split("\n")
    assert out[:2] == ["True", "True"]


def test_nothing_is_written_where_bytecode_may_not_be(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "_dir", str(tmp_path))
    monkeypatch.setattr(cache, "_added", {__name__})
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    cache._save()
    assert not list(tmp_path.iterdir())


def test_the_patch_waits_for_dataclasses_to_be_imported():
    """The installed command's start does not import ``dataclasses`` (issue 16: a
    live probe starts its tools first); the first import of it is patched before any
    class is made, and the module and its spec keep their own loader."""
    code = """if True:
        import sys
        import reemploi
        print("dataclasses" in sys.modules)
        import dataclasses
        from reemploi import dataclass_cache
        print(dataclasses.exec is dataclass_cache._exec,
              type(dataclasses.__loader__).__name__, type(dataclasses.__spec__.loader).__name__,
              dataclass_cache._AtImport in sys.meta_path)
    """
    out = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout.split("\n")
    assert out[0] == "False"
    assert out[1] == "True SourceFileLoader SourceFileLoader False"


def test_generated_methods_carry_the_fields_annotations():
    """Compiled without this module's future flags: the annotations are the fields'
    (here strings, as this test module writes them), not the names '_type_path' that
    the generated source uses for them (format 1 of the cache did that)."""
    cls = _make()
    assert cls.__init__.__annotations__ == {"path": "str", "size": "int", "tags": "tuple",
                                            "return": None}


def test_inspect_waits_for_its_first_use_and_then_is_the_real_module():
    """dataclasses imports inspect only to write the signature of a class without a
    docstring; reemploi's start leaves it unimported until something reads from it
    (issue 16), and then nothing can tell the difference."""
    code = """if True:
        import sys
        import reemploi.model
        print(type(sys.modules["inspect"]).__name__, "dis" in sys.modules)
        import dataclasses
        @dataclasses.dataclass
        class Plain:
            x: int
            y: str = "a"
        print(Plain.__doc__)
        import inspect
        print(type(inspect).__name__, inspect is sys.modules["inspect"],
              inspect.isfunction(test), dataclasses.inspect.isfunction(test))
    """
    out = subprocess.run([sys.executable, "-c", "def test(): pass\n" + code],
                         capture_output=True, text=True, check=True, cwd=ROOT).stdout.split("\n")
    assert out[0] == "OnDemand False"
    assert out[1] == "Plain(x: int, y: str = 'a')"
    assert out[2] == "module True True True"
