"""Every string the server and the sync commands show has its French: the templates'
``_("...")`` calls, the typed errors of reemploi.central and reemploi.sync, and the
codes shown through ``_()`` (roles, station states, incident kinds, match reasons)."""

from __future__ import annotations

import importlib
import re
import string
from pathlib import Path

from reemploi import errors, i18n
from reemploi.central.auth import Role

PKG = Path(__file__).resolve().parents[2] / "reemploi"
CODES = [r.value for r in Role] + ["pending", "active", "revoked",          # stations.status
         "fork", "refused-line", "bad-signature", "new-genesis",           # incidents.kind
         "dmi-serial", "dmi-uuid", "disk",                                 # identities.kind
         "truncated", "rewritten", "bad-receipt"]                          # anchor problems
MODULES = ["reemploi.central.errors", "reemploi.central.webauth", "reemploi.central.api",
           "reemploi.sync.http", "reemploi.sync.client", "reemploi.sync.anchor"]


def _template_ids() -> set[str]:
    ids = set()
    for path in (PKG / "central" / "templates").glob("*.html"):
        text = path.read_text(encoding="utf-8")
        ids |= set(re.findall(r'_\(\s*"((?:[^"\\]|\\.)*)"', text))
        ids |= set(re.findall(r"_\(\s*'((?:[^'\\]|\\.)*)'", text))
    return ids


def _error_ids() -> set[str]:
    ids = set()
    for name in MODULES:
        module = importlib.import_module(name)
        for obj in vars(module).values():
            if (isinstance(obj, type) and issubclass(obj, errors.ReemploiError)
                    and obj.__module__ == name):
                ids.add(obj.msg)
    return ids


def test_server_strings_have_french():
    fr = i18n.catalog("fr")
    wanted = _template_ids() | _error_ids() | set(CODES)
    assert len(_template_ids()) > 80
    missing = sorted(m for m in wanted if m not in fr)
    assert not missing, "missing French translations:\n" + "\n".join(missing)
    for m in wanted:
        ph = lambda s: {f for _, f, _, _ in string.Formatter().parse(s) if f}  # noqa: E731
        assert ph(m) == ph(fr[m]), m
