"""Standard modules imported for a name a command rarely uses, stood in for until then.

Two standard modules cost every command's start far more than what it uses of them
(valgrind, installed as a station installs it; issue 16):

* ``inspect`` (29 M instructions, with ``ast``, ``dis`` and ``tokenize``):
  ``dataclasses`` imports it only to write ``Name(field, …)`` into the ``__doc__``
  of a class without a docstring, and reemploi's classes have docstrings;
* ``urllib.parse`` (9.5 M, with ``ipaddress``): ``pathlib`` imports its
  ``quote_from_bytes`` for ``Path.as_uri`` alone, which no command calls on its way.

An ``OnDemand`` module takes the real one's place in ``sys.modules`` (and on its
package) until something reads a name from it: that read imports the real module,
which then answers it and every later read (its names are copied in), and
``sys.modules`` holds the real module from then on, for every later ``import``. The
functions named at creation (``quote_from_bytes``) are there from the start, so
``from urllib.parse import quote_from_bytes`` takes one without importing anything;
calling it imports the real module and calls the real function. A stand-in is put in
place only when neither the module nor its importer is loaded yet; otherwise there
is nothing to save and nothing changes.
"""

from __future__ import annotations

import _thread
import sys
import types

_lock = _thread.allocate_lock()


class OnDemand(types.ModuleType):
    """Stands for the standard module of its name (see the module's docstring)."""

    def __getattr__(self, name: str):
        if name == "__path__":
            # What the import system asks of every module it hands to a from-import
            # (is it a package?): neither stood-in module is one, and answering by
            # importing the real one would defeat the stand-in at its first use.
            raise AttributeError(name)
        real = load(self.__name__)
        return getattr(real, name)


def load(name: str) -> types.ModuleType:
    """The real module ``name``, imported now if a stand-in held its place (whose
    names then become the real module's, for code that kept the stand-in)."""
    with _lock:                            # two threads' first reads: one removes it
        held = sys.modules.get(name)
        if isinstance(held, OnDemand):
            del sys.modules[name]
        elif held is not None:
            return held
    __import__(name)                       # also sets the package's attribute to it
    real = sys.modules[name]
    if isinstance(held, OnDemand):
        vars(held).update(vars(real))
    return real


def stand_in(name: str, *, unless: tuple[str, ...] = (), lazy: tuple[str, ...] = ()) -> None:
    """Put a stand-in for ``name`` in place, unless it or one of ``unless`` (the
    modules that import it) is loaded already; ``lazy`` names functions of it that
    exist at once and import the real module only when called."""
    if name in sys.modules or any(other in sys.modules for other in unless):
        return
    module = OnDemand(name)
    for function in lazy:
        vars(module)[function] = _deferred(name, function)
    package, _, child = name.rpartition(".")
    if package:
        __import__(package)
        setattr(sys.modules[package], child, module)
    sys.modules[name] = module


def _deferred(module: str, function: str):
    def call(*args, **kwargs):
        return getattr(load(module), function)(*args, **kwargs)
    call.__name__ = call.__qualname__ = function
    call.__module__ = module
    return call
