import ast
from pathlib import Path

import pytest

from reemploi import i18n

PKG = Path(__file__).resolve().parent.parent / "reemploi"


def _msgids() -> set[str]:
    ids: set[str] = set()
    for path in PKG.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute))
                    and getattr(node.func, "id", getattr(node.func, "attr", None)) in ("_", "N_", "tr")
                    and node.args and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)):
                ids.add(node.args[0].value)
    # Error messages are msgids too.
    from reemploi import errors
    for obj in vars(errors).values():
        if isinstance(obj, type) and issubclass(obj, errors.ReemploiError):
            ids.add(obj.msg)
    return ids


def test_every_string_has_a_french_translation():
    fr = i18n.catalog("fr")
    missing = sorted(m for m in _msgids() if m not in fr)
    assert not missing, "missing French translations:\n" + "\n".join(missing)


def test_french_keeps_placeholders():
    import string
    fr = i18n.catalog("fr")
    for msgid, msgstr in fr.items():
        ph = lambda s: {f for _, f, _, _ in string.Formatter().parse(s) if f}
        assert ph(msgid) == ph(msgstr), f"placeholders differ for {msgid!r}"


def test_language_detection_order():
    assert i18n.detect("en", {"REEMPLOI_LANG": "fr"}) == "en"
    assert i18n.detect(None, {"REEMPLOI_LANG": "en", "LANG": "fr_FR.UTF-8"}) == "en"
    assert i18n.detect(None, {"LANG": "fr_FR.UTF-8"}) == "fr"
    # C/POSIX name no language (a bare live system): French, or the next variable's.
    assert i18n.detect(None, {"LANG": "C"}) == "fr"
    assert i18n.detect(None, {"LANG": "C.UTF-8"}) == "fr"
    assert i18n.detect(None, {"LC_ALL": "C", "LANG": "en_GB.UTF-8"}) == "en"
    assert i18n.detect(None, {"LANG": "de_DE.UTF-8"}) == "fr"
    assert i18n.detect(None, {}) == "fr"
    assert i18n.tr("Error", "fr") == "Erreur"
    assert i18n.tr("Error", "en") == "Error"


def test_po_parser_handles_multiline_and_fuzzy():
    text = 'msgid ""\nmsgstr "Content-Type: text/plain\\n"\n\nmsgid "a"\n"b"\nmsgstr "c"\n"d"\n\n#, fuzzy\nmsgid "x"\nmsgstr "y"\n'
    assert i18n.parse_po(text) == {"ab": "cd"}


def test_numbers_read_as_each_language_writes_them():
    assert i18n.number(2221452.25, "fr", 1) == "2\u202f221\u202f452,2"
    assert i18n.number(2221452.25, "en", 1) == "2,221,452.2"
    assert i18n.number(None, "fr") == "?"
    assert i18n.number(64.3, "fr", 1) == "64,3"


def test_plural_follows_each_language():
    # French treats 0 as singular (CLDR fr: one = 0, 1); English does not.
    assert i18n.plural(0, "{n} slot free", "{n} slots free", "fr") == "0 libre"
    assert i18n.plural(0, "{n} slot free", "{n} slots free", "en") == "0 slots free"
    assert i18n.plural(1, "{n} core", "{n} cores", "en") == "1 core"
    assert i18n.plural(1975, "{n} reallocated sector", "{n} reallocated sectors", "fr") \
        == "1\u202f975 secteurs réalloués"


def test_one_translation_per_msgid_across_catalogues():
    """Stages share one merged catalogue: two translations of one msgid would make the
    text depend on file order (seen: "passed" was "réussie" and "réussi")."""
    seen: dict[str, dict[str, list[str]]] = {}
    for po in sorted((i18n.LOCALE_DIR / "fr" / "LC_MESSAGES").glob("*.po")):
        for msgid, msgstr in i18n.parse_po(po.read_text(encoding="utf-8")).items():
            seen.setdefault(msgid, {}).setdefault(msgstr, []).append(po.stem)
    assert {k: v for k, v in seen.items() if len(v) > 1} == {}


@pytest.fixture
def own_catalogues(tmp_path, monkeypatch):
    """A copy of the catalogues and an empty cache folder; the process's own cached
    catalogues are dropped before and after, so no other test sees these."""
    import shutil
    locale = tmp_path / "locale"
    shutil.copytree(i18n.LOCALE_DIR, locale)
    monkeypatch.setattr(i18n, "LOCALE_DIR", locale)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    i18n.catalog.cache_clear()
    i18n.translations.cache_clear()
    yield locale
    i18n.catalog.cache_clear()
    i18n.translations.cache_clear()


def test_the_kept_catalogue_is_used_only_for_the_very_same_files(own_catalogues, tmp_path):
    first = i18n.catalog("fr")
    [kept] = (tmp_path / "cache" / "reemploi").glob("catalogue-fr-*.marshal")
    i18n.catalog.cache_clear()
    assert i18n.catalog("fr") == first              # read back from the kept copy
    # A catalogue edited (a translation fixed): the kept copy no longer counts.
    po = own_catalogues / "fr" / "LC_MESSAGES" / "custody.po"
    po.write_text(po.read_text(encoding="utf-8")
                  + '\nmsgid "kept copy check"\nmsgstr "vérification : copie"\n', encoding="utf-8")
    i18n.catalog.cache_clear()
    assert i18n.catalog("fr")["kept copy check"] == "vérification\u00a0: copie"
    # A damaged kept copy is ignored, and replaced.
    kept.write_bytes(b"\x00garbage")
    i18n.catalog.cache_clear()
    assert i18n.catalog("fr")["kept copy check"] == "vérification\u00a0: copie"
    i18n.catalog.cache_clear()
    assert i18n._cached("fr", i18n._cache_key("fr", sorted(po.parent.glob("*.po")))) is not None
