"""A reason an error gives as a msgid (``why=N_("...")``) reaches a French reader in
French; other parameters (paths, names) are never touched."""

from __future__ import annotations

import ast
from pathlib import Path

from reemploi import i18n
from reemploi.errors import BadInput

ROOT = Path(__file__).resolve().parent.parent / "reemploi"


def test_a_reason_is_translated_and_a_path_is_not():
    err = BadInput(what="not a file", why="not a file")
    fr = err.render(lambda m: i18n._(m, "fr"))
    assert fr.endswith(": pas un fichier") and fr.count("not a file") == 1, fr
    assert err.render(lambda m: i18n._(m, "en")).endswith(": not a file")


def test_the_output_name_reason_in_french(cli, tmp_path):
    r = cli(["image", "make", "/dev/null", str(tmp_path / "x.img"), "--lang", "fr"])
    assert r.exit_code == 7
    assert "le nom de sortie doit finir par .zst" in r.output, r.output


def test_every_literal_reason_is_a_translated_msgid():
    """No ``why="..."`` literal left outside N_(): it would stay English in French."""
    bare = []
    for path in ROOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.keyword) and node.arg in ("why", "detail", "reason") \
                    and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                bare.append(f"{path.relative_to(ROOT)}:{node.value.lineno} {node.value.value!r}")
    assert not bare, bare
    fr = i18n.catalog("fr")
    for path in ROOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.keyword) and node.arg == "why" \
                    and isinstance(node.value, ast.Call) \
                    and getattr(node.value.func, "id", None) == "N_" \
                    and isinstance(node.value.args[0], ast.Constant):
                assert node.value.args[0].value in fr, (path, node.value.args[0].value)
