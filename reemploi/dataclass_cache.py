"""Dataclasses without recompiling their generated methods at every start (issue 16).

CPython 3.10–3.12 write each dataclass's ``__init__``, ``__repr__``, ``__eq__``,
``__hash__``, ``__setattr__`` and ``__delattr__`` as source text and compile it with
``exec`` when the class is created: about 1 ms per frozen class here, so the 13 of
``reemploi.model`` cost ~19 ms of every command's start and a wipe's 54 classes
~50 ms (``python -X importtime``, cProfile; 3.13 compiles a class's methods in one
go). That text depends only on the class's fields and options, so its compiled code
can be kept like a module's bytecode.

``install`` gives the ``dataclasses`` module an ``exec`` of its own (the module looks
the name up in its globals before the builtins) that compiles a text once and then
takes its code object from a cache, kept in one ``marshal`` file per module beside
reemploi's bytecode (``PYTHONPYCACHEPREFIX`` honoured). Same text, same code: nothing else
changes, and a class whose fields change has a new text, compiled as before. The
file is written at exit only when bytecode may be written (``PYTHONDONTWRITEBYTECODE``
honoured) and new texts were compiled; an unreadable or foreign file is ignored, a
read-only installation simply compiles as before. Python versions that build
dataclasses otherwise are left alone.
"""

from __future__ import annotations

import builtins
import os
import sys
import types

# At import, not inside the finder (which runs under the import system's locks).
from . import ondemand

MAX_ENTRIES = 1000          # a module's file that grew past this (many edits) starts afresh
# 2: methods compiled without this module's future flags (format 1's had string
# annotations). 3: each code object kept as its own marshal bytes, decoded when a
# class asks for it. 4: one file per module that builds dataclasses, read at that
# module's first class: format 3's single file held a station's every text (~1 100,
# 1.3 MB after many commands) and reading it cost every command 1-2 ms for the few
# dozen texts it builds (issue 16).
FORMAT = 4

_codes: dict[str, dict[str, object]] = {}   # module -> source text -> code (or bytes)
_added: set[str] = set()                    # modules whose file gains texts at exit
_dir: str | None = None                     # where the files are; None: no cache files


def _cache_dir() -> str | None:
    """The package's bytecode directory (``__pycache__``, or its place under
    ``PYTHONPYCACHEPREFIX``), as the import system computed it for ``reemploi``
    itself: ``importlib.util.cache_from_source`` would say the same, but importing
    it cost every command ~5 M instructions (valgrind, issue 16)."""
    cached = getattr(sys.modules.get(__package__ or ""), "__cached__", None)
    return os.path.dirname(cached) if isinstance(cached, str) else None


def _file(module: str) -> str | None:
    if _dir is None:
        return None
    tag = sys.implementation.cache_tag or "python"
    name = "".join(c if c.isalnum() or c in "._" else "_" for c in module) or "_"
    return os.path.join(_dir, f"dataclass-methods.{tag}.{name}.marshal")


def _load(path: str | None) -> dict[str, object]:
    if path is None:
        return {}
    import marshal
    try:
        with open(path, "rb") as fh:
            doc = marshal.loads(fh.read())
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    if not isinstance(doc, dict) or doc.get("python") != sys.version \
            or doc.get("format") != FORMAT:
        return {}
    codes = doc.get("codes")
    return codes if isinstance(codes, dict) else {}


def _module_codes(globals) -> tuple[str, dict[str, object]]:
    """The module a method is compiled for (``dataclasses`` runs the text in the
    class's module globals) and its texts, its file read at its first class."""
    module = globals.get("__name__") if isinstance(globals, dict) else None
    if not (isinstance(module, str) and (module == __package__
                                         or module.startswith(f"{__package__}."))):
        module = "_"                        # not ours (a test, a library): not kept
    codes = _codes.get(module)
    if codes is None:
        codes = _codes[module] = _load(_file(module)) if module != "_" else {}
    return module, codes


def _exec(source, globals=None, locals=None, /):
    if isinstance(source, str):
        module, codes = _module_codes(globals)
        code = codes.get(source)
        if isinstance(code, bytes):
            code = codes[source] = _decode(code)
        if code is None:
            # dont_inherit: this module's ``from __future__ import annotations`` must
            # not reach the generated methods (their annotations would become the
            # strings '_type_x', and a class's signature read "A(x: '_type_x')").
            code = compile(source, "<string>", "exec", dont_inherit=True)
            codes[source] = code
            if module != "_":
                _added.add(module)
        source = code
    return builtins.exec(source, globals, locals)


def _decode(data: bytes):
    """The code object kept as ``data``, or None (damaged: compiled again)."""
    import marshal
    try:
        code = marshal.loads(data)
    except (EOFError, ValueError, TypeError):
        return None
    return code if isinstance(code, types.CodeType) else None


def _save() -> None:
    """Write the files of the modules that compiled new texts (at exit)."""
    if not _added or _dir is None or sys.dont_write_bytecode:
        return
    for module in sorted(_added):
        path = _file(module)
        if path is not None:
            _write(path, _codes.get(module, {}))
    _added.clear()
    tag = sys.implementation.cache_tag or "python"
    old = os.path.join(_dir, f"dataclass-methods.{tag}.marshal")
    try:
        os.unlink(old)                      # format 3's single file, read no more
    except OSError:
        pass


def _write(path: str, mine: dict[str, object]) -> None:
    import marshal
    codes = {**_load(path), **mine}          # another command may have added some
    if len(codes) > MAX_ENTRIES:
        codes = dict(mine)
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(tmp, "wb") as fh:
            fh.write(marshal.dumps({"python": sys.version, "format": FORMAT, "codes": {
                text: code if isinstance(code, bytes) else marshal.dumps(code)
                for text, code in codes.items() if code is not None}}))
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def _inspect_on_demand() -> None:
    """``inspect`` stood in for until something reads from it (ondemand.py): here,
    before ``dataclasses`` imports it (with a test runner or click loaded first, it
    is already there: nothing to do)."""
    ondemand.stand_in("inspect", unless=("dataclasses",))


def install() -> bool:
    """Give ``dataclasses`` the caching ``exec``; False where it does not apply.

    When ``dataclasses`` is not imported yet (the installed command's start), this
    only asks to be called back at its import (``_AtImport``): importing it here, with
    ``re``, ``copy`` and ``functools`` behind it, cost every command ~40 M
    instructions before its first line ran, and a live probe starts its tools at
    that first line (entry.py, issue 16). Either way the patch is in place before the
    package's first dataclass is created: creating one imports ``dataclasses``."""
    if not (3, 10) <= sys.version_info[:2] <= (3, 12):
        return False
    if "dataclasses" not in sys.modules:
        if _AtImport not in sys.meta_path:
            sys.meta_path.insert(0, _AtImport)
        return True
    return _patch(sys.modules["dataclasses"])


def _patch(dataclasses) -> bool:
    global _dir
    if not hasattr(dataclasses, "_create_fn"):
        return False
    if getattr(dataclasses, "exec", None) is _exec:
        return True
    _dir = _cache_dir()
    dataclasses.exec = _exec
    import atexit
    atexit.register(_save)
    return True


class _AtImport:
    """A finder that finds nothing but ``dataclasses``, through the finders after it,
    and hands back its spec with a loader that patches the module once it has run.
    It leaves ``sys.meta_path`` at that first import."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name != "dataclasses":
            return None
        _inspect_on_demand()
        for finder in sys.meta_path:
            if finder is _AtImport:
                continue
            find = getattr(finder, "find_spec", None)
            spec = find(name, path, target) if find is not None else None
            if spec is not None:
                break
        else:
            return None
        if spec.loader is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = _ThenPatch(spec.loader)
        return spec


class _ThenPatch:
    """Runs the module with its own loader, then patches it (``_patch``). The module
    and its spec get their own loader back first: nothing later sees this one."""

    def __init__(self, loader) -> None:
        self.loader = loader

    def __getattr__(self, name: str):
        return getattr(self.loader, name)    # get_code, get_source... for any asker

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module) -> None:
        # Only now, not when the finder was asked: importlib.util.find_spec or runpy
        # may look the module up without loading it, and the import must still be met.
        if _AtImport in sys.meta_path:
            sys.meta_path.remove(_AtImport)
        module.__spec__.loader = module.__loader__ = self.loader
        self.loader.exec_module(module)
        _patch(module)
