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
takes its code object from a cache, kept in one ``marshal`` file beside reemploi's
bytecode (``PYTHONPYCACHEPREFIX`` honoured). Same text, same code: nothing else
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

MAX_ENTRIES = 4000          # a cache that grew past this (many edits) starts afresh
# 2: methods compiled without this module's future flags (format 1's had string
# annotations). 3: each code object kept as its own marshal bytes, decoded when a
# class asks for it: a station that ran many commands holds ~1 100 texts (1.3 MB),
# and decoding them all cost every start ~7 ms (21 M instructions) for the few dozen
# a command builds. A file of another format is ignored and rewritten.
FORMAT = 3

_codes: dict[str, object] = {}
_added = False
_loaded = False             # the file is read at the first class, not at import
_path: str | None = None


def _cache_path() -> str | None:
    try:
        from importlib.util import cache_from_source
        pyc = cache_from_source(os.path.join(os.path.dirname(__file__), "__init__.py"))
    except (NotImplementedError, ValueError):
        return None
    tag = sys.implementation.cache_tag or "python"
    return os.path.join(os.path.dirname(pyc), f"dataclass-methods.{tag}.marshal")


def _load(path: str) -> dict[str, object]:
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


def _exec(source, globals=None, locals=None, /):
    global _added, _loaded
    if isinstance(source, str):
        if not _loaded:
            _loaded = True
            if _path is not None:
                _codes.update({**_load(_path), **_codes})
        code = _codes.get(source)
        if isinstance(code, bytes):
            code = _codes[source] = _decode(code)
        if code is None:
            # dont_inherit: this module's ``from __future__ import annotations`` must
            # not reach the generated methods (their annotations would become the
            # strings '_type_x', and a class's signature read "A(x: '_type_x')").
            code = compile(source, "<string>", "exec", dont_inherit=True)
            _codes[source] = code
            _added = True
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
    if not _added or _path is None or sys.dont_write_bytecode:
        return
    import marshal
    codes = {**_load(_path), **_codes}
    if len(codes) > MAX_ENTRIES:
        codes = dict(_codes)
    tmp = f"{_path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(_path), exist_ok=True)
        with open(tmp, "wb") as fh:
            fh.write(marshal.dumps({"python": sys.version, "format": FORMAT, "codes": {
                text: code if isinstance(code, bytes) else marshal.dumps(code)
                for text, code in codes.items()}}))
        os.replace(tmp, _path)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass


class _InspectOnDemand(types.ModuleType):
    """Stands for ``inspect`` in ``sys.modules`` until something reads from it.

    ``dataclasses`` imports ``inspect`` for one thing: writing ``Name(field, …)`` into
    the ``__doc__`` of a class that has no docstring. ``inspect`` brings ``ast``,
    ``dis`` and ``tokenize`` with it: 29 M instructions (valgrind), ~9 ms of every
    command's start here, a tenth of ``lshw -json``'s whole run (issue 16). The probe's
    dataclasses all have docstrings, so the probe never needs it. The first attribute
    read here (another class without docstring, click, a test) imports the real
    module, which then answers every read; ``import inspect`` from then on gets the
    real module itself."""

    def __getattr__(self, name: str):
        real = _real_inspect()
        self.__dict__.update(real.__dict__)    # later reads: straight from here
        return getattr(real, name)


def _real_inspect():
    if isinstance(sys.modules.get("inspect"), _InspectOnDemand):
        del sys.modules["inspect"]
    import importlib
    return importlib.import_module("inspect")


def _inspect_on_demand() -> None:
    """Put the stand-in in place, only before anything imported ``inspect`` (with a
    test runner or click loaded first, it is already there: nothing to do)."""
    if "inspect" not in sys.modules and "dataclasses" not in sys.modules:
        sys.modules["inspect"] = _InspectOnDemand("inspect")


def install() -> bool:
    """Give ``dataclasses`` the caching ``exec``; False where it does not apply."""
    global _path
    _inspect_on_demand()
    import dataclasses
    if not (3, 10) <= sys.version_info[:2] <= (3, 12) or \
            not hasattr(dataclasses, "_create_fn"):
        return False
    if getattr(dataclasses, "exec", None) is _exec:
        return True
    _path = _cache_path()
    dataclasses.exec = _exec
    import atexit
    atexit.register(_save)
    return True
