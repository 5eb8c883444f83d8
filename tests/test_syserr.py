"""The system's and the parsers' refusals reach a French reader in French
(reemploi/syserr.py): real errors from the kernel and Python's own parsers."""

from __future__ import annotations

import errno
import json
import os
import tomllib

import pytest

from reemploi import i18n
from reemploi.syserr import reason


def _raised(fn):
    try:
        fn()
    except Exception as exc:     # noqa: BLE001 - the test wants whatever was raised
        return exc
    raise AssertionError("nothing raised")


def test_real_errors_in_french_and_english(tmp_path):
    missing = _raised(lambda: open(tmp_path / "absent"))
    folder = _raised(lambda: open(tmp_path))
    not_json = _raised(lambda: json.loads('{"a": 1,\n  oops}'))
    not_toml = _raised(lambda: tomllib.loads("a = 1\nb = = 2\n"))
    not_utf8 = _raised(lambda: b"ok \xff\xfe".decode("utf-8"))
    odd = OSError(errno.EREMOTEIO, os.strerror(errno.EREMOTEIO))
    i18n.set_language("fr")
    assert reason(missing) == "fichier ou dossier introuvable"
    assert reason(folder) == "c'est un dossier"
    assert reason(not_json) == "JSON invalide à la ligne 2, colonne 3"
    assert reason(not_toml) == "TOML invalide à la ligne 2, colonne 5"
    assert reason(not_utf8) == "texte non UTF-8 (octet 3)"
    assert reason(odd) == "erreur système EREMOTEIO"
    i18n.set_language("en")
    assert reason(missing) == "no such file or directory"
    assert reason(not_json) == "not valid JSON at line 2, column 3"


@pytest.mark.parametrize("lang, words, english", [
    ("fr", "fichier ou dossier introuvable", "No such file or directory"),
    ("en", "no such file or directory", "No such file or directory"),
])
def test_a_csv_folder_that_cannot_be_made_is_named_in_words(cli, tmp_path, lang, words,
                                                            english):
    # /proc takes no new folder: the kernel answers ENOENT.
    r = cli(["stats", "--csv", "/proc/reemploi-absent/x.csv", "--lang", lang,
             "--home", str(tmp_path / "home")])
    assert r.exit_code != 0
    assert words in r.output and english not in r.output, r.output
    assert "Traceback" not in r.output
