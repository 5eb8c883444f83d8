"""Regular expressions compiled when first used, not when their module is imported.

``re.compile`` runs the pattern parser and compiler in Python: a few hundred
microseconds per pattern. The probe's parsers hold a dozen module-level patterns, most
of which a given machine never needs (no battery, no sound card, no SMART disk, a
dmidecode that cannot read /dev/mem), and ``reemploi probe --json`` paid for all of
them at every start (issue 16: the probe as a command against ``lshw -json``).

``lazy(pattern, flags)`` stands for ``re.compile(pattern, flags)``: the first
attribute asked of it (``match``, ``search``, ``sub``…) compiles the pattern, and each
method is then kept on the object, so later calls cost what the compiled pattern's do.
"""

from __future__ import annotations

import re


class lazy:                                     # noqa: N801  (reads as re.compile)
    """A compiled pattern made on first use (see the module)."""

    def __init__(self, pattern: str | bytes, flags: int = 0) -> None:
        self._source = (pattern, flags)

    def __getattr__(self, name: str):
        # Only reached for what is not yet on the object: compile once, keep, answer.
        kept = self.__dict__
        compiled = kept.get("_compiled")
        if compiled is None:
            compiled = kept["_compiled"] = re.compile(*kept["_source"])
        value = getattr(compiled, name)
        kept[name] = value
        return value

    def __repr__(self) -> str:
        return f"lazy({self._source[0]!r})"
