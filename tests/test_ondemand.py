"""Standard modules stood in for until their first use (reemploi/ondemand.py, issue 16).

A stand-in must save the import at a command's start and then be impossible to tell
from the real module: every way code reaches a module (``import a.b``, ``from a.b
import x``, a star import, a name kept from the stand-in, the package's attribute,
``sys.modules``) must give the real module's behaviour. Each case runs in a fresh
interpreter (``-S``: no site, whose editable finder imports more), the checkout as
its working directory.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from reemploi import ondemand

ROOT = Path(__file__).resolve().parent.parent


def _run(code: str) -> list[str]:
    proc = subprocess.run([sys.executable, "-S", "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()


def test_pathlib_no_longer_imports_urllib_parse_until_it_is_used():
    out = _run("""if True:
        import sys
        import reemploi, pathlib
        print(type(sys.modules["urllib.parse"]).__name__, "ipaddress" in sys.modules)
        print(pathlib.PurePosixPath("/a b/é").as_uri())
        print(type(sys.modules["urllib.parse"]).__name__, "ipaddress" in sys.modules)
    """)
    assert out == ["OnDemand False", "file:///a%20b/%C3%A9", "module True"]


def test_every_way_to_reach_the_module_gives_the_real_one():
    out = _run("""if True:
        import sys
        import reemploi, pathlib
        standin = sys.modules["urllib.parse"]
        import urllib.parse
        print(urllib.parse.urlsplit("http://h:8/p?q=1").port)
        real = sys.modules["urllib.parse"]
        print(type(real).__name__, urllib.parse is real, standin is not real)
        print(standin.quote("a b"), standin.unquote is real.unquote)
        from urllib.parse import urlencode
        print(urlencode({"x": "é"}))
        ns = {}
        exec("from urllib.parse import *", ns)
        print(ns["quote_plus"]("a b"))
    """)
    assert out == ["8", "module True True", "a%20b True", "x=%C3%A9", "a+b"]


def test_a_module_already_loaded_is_never_stood_in_for():
    # This test process has pathlib (hence urllib.parse) and inspect loaded.
    before = {name: sys.modules[name] for name in ("urllib.parse", "inspect")}
    ondemand.stand_in("urllib.parse", unless=("pathlib",), lazy=("quote_from_bytes",))
    ondemand.stand_in("inspect", unless=("dataclasses",))
    assert all(sys.modules[name] is module for name, module in before.items())
    assert ondemand.load("inspect") is before["inspect"]


def test_a_deferred_function_calls_the_real_one():
    out = _run("""if True:
        import sys
        from reemploi import ondemand
        ondemand.stand_in("colorsys", lazy=("rgb_to_hsv",))
        import colorsys
        from colorsys import rgb_to_hsv
        print(type(sys.modules["colorsys"]).__name__, rgb_to_hsv.__name__)
        print(rgb_to_hsv(1.0, 0.0, 0.0), type(sys.modules["colorsys"]).__name__)
        print(colorsys.hsv_to_rgb(0.0, 1.0, 1.0))
    """)
    assert out == ["OnDemand rgb_to_hsv", "(0.0, 1.0, 1.0) module", "(1.0, 0.0, 0.0)"]
