"""Translations: English msgids, French (and English) gettext catalogues.

Catalogues are standard ``.po`` files, one per pipeline stage, under
``reemploi/locale/<lang>/LC_MESSAGES/*.po`` so each stage owns its strings. We read
the ``.po`` files directly (a small parser below) instead of compiling ``.mo`` files:
the package then installs with plain pip, with no msgfmt build step, and a test checks
that every ``_()`` string in the code has a French entry.

We own a translation object per language and never touch the global
``gettext.textdomain`` (see click issue #2706: click's own strings would follow it).
Language order: explicit ``--lang``, ``REEMPLOI_LANG``, ``LC_ALL``/``LC_MESSAGES``/``LANG``,
else French (the workshops we serve are French first). The ``C``/``POSIX`` locale names
no language (it is what a bare Debian live system boots with), so it falls through to
French rather than choosing English for the trainee.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"

_current: str | None = None


def _unquote(literal: str) -> str:
    """A .po string literal's text. Most lines hold no escape and no inner quote: their
    text is what lies between the quotes, and slicing it is ~50x faster than
    ``ast.literal_eval`` (which compiles each line: 3 500 lines, 0.1 s of every command's
    start). Anything else goes through ``literal_eval``, which also rejects bad lines."""
    inner = literal[1:-1]
    if len(literal) >= 2 and literal[0] == literal[-1] == '"' and "\\" not in inner and '"' not in inner:
        return inner
    import ast          # here: most starts read the catalogue cache, not a .po (issue 16)
    return ast.literal_eval(literal)


def parse_po(text: str) -> dict[str, str]:
    """Parse a .po file into {msgid: msgstr}; fuzzy and empty entries are skipped."""
    entries: dict[str, str] = {}
    msgid: list[str] | None = None
    msgstr: list[str] | None = None
    target: list[str] | None = None
    fuzzy = False

    def flush() -> None:
        nonlocal msgid, msgstr, fuzzy
        if msgid is not None and msgstr is not None:
            key, value = "".join(msgid), "".join(msgstr)
            if key and value and not fuzzy:
                entries[key] = value
        msgid = msgstr = None
        fuzzy = False

    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#,") and "fuzzy" in line:
            flush()
            fuzzy = True
            continue
        if not line or line.startswith("#"):
            if not line:
                flush()
            continue
        if line.startswith("msgid "):
            if msgstr is not None:
                flush()
            msgid, target = [], None
            target = msgid
            target.append(_unquote(line[6:]))
        elif line.startswith("msgstr "):
            msgstr = []
            target = msgstr
            target.append(_unquote(line[7:]))
        elif line.startswith('"') and target is not None:
            target.append(_unquote(line))
    flush()
    return entries


@functools.lru_cache(maxsize=None)
def _translations_class() -> type:
    """``PoTranslations``, made at the first translation: a ``probe --json`` translates
    nothing and need not import gettext (issue 16)."""
    import gettext

    class PoTranslations(gettext.NullTranslations):
        """gettext translations backed by the merged .po catalogues of one language."""

        def __init__(self, catalog: dict[str, str]) -> None:
            super().__init__()
            self._catalog = catalog

        def gettext(self, message: str) -> str:
            return self._catalog.get(message, message)

        def ngettext(self, singular: str, plural: str, n: int) -> str:
            return self.gettext(singular if n == 1 else plural)

    return PoTranslations


# French typography (Lexique des règles typographiques en usage à l'Imprimerie nationale):
# a no-break space before the colon and inside guillemets, a narrow no-break space
# before ; ? !. Catalogues are written with plain spaces (easy to type and review);
# the loader makes them unbreakable, so no line ever starts with a lone ":" and every
# French sentence on screen and paper follows the same rule. PDFs in Helvetica turn
# the narrow one into U+00A0 (WinAnsi has no U+202F).
_FRENCH_SPACES = ((" :", "\u00a0:"), (" ;", "\u202f;"), (" ?", "\u202f?"), (" !", "\u202f!"),
                  ("« ", "«\u00a0"), (" »", "\u00a0»"))


def french_typography(text: str) -> str:
    for plain, fixed in _FRENCH_SPACES:
        text = text.replace(plain, fixed)
    return text


@functools.lru_cache(maxsize=None)
def catalog(lang: str) -> dict[str, str]:
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    files = sorted(folder.glob("*.po"))
    key = _cache_key(lang, files)
    cached = _cached(lang, key)
    if cached is not None:
        return cached
    merged: dict[str, str] = {}
    for po in files:
        merged.update(parse_po(po.read_text(encoding="utf-8")))
    if lang == "fr":
        merged = {k: french_typography(v) for k, v in merged.items()}
    _keep(lang, key, merged)
    return merged


# The merged catalogue of a language, kept between commands: parsing 30 .po files (3 600
# entries) and setting French typography cost ~15 ms of every command's start on an
# idle netbook-class CPU, a tenth of ``inventory show``'s budget; ``marshal`` reads it
# back in ~1 ms. Valid only for the very same files (name, size, mtime of each) and
# typography rules; anything unreadable or stale is ignored and the .po files are read.
def _cache_file(lang: str) -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    import zlib                 # one file per installed copy: two checkouts never thrash it
    where = zlib.crc32(str(LOCALE_DIR).encode("utf-8", "surrogateescape"))
    return Path(base) / "reemploi" / f"catalogue-{lang}-{where:08x}.marshal"


def _cache_key(lang: str, files: list[Path]) -> tuple:
    stats = []
    for po in files:
        st = po.stat()
        stats.append((po.name, st.st_size, st.st_mtime_ns))
    return (1, str(LOCALE_DIR), lang, tuple(stats), _FRENCH_SPACES if lang == "fr" else ())


def _cached(lang: str, key: tuple) -> dict[str, str] | None:
    import marshal
    try:
        data = marshal.loads(_cache_file(lang).read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if isinstance(data, tuple) and len(data) == 2 and data[0] == key and isinstance(data[1], dict):
        return data[1]
    return None


def _keep(lang: str, key: tuple, merged: dict[str, str]) -> None:
    import marshal
    path = _cache_file(lang)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(marshal.dumps((key, merged)))
        os.replace(tmp, path)               # whole or not at all: readers never see half
    except OSError:
        # A read-only home (a live system without persistence): parse each time.
        try:
            tmp.unlink()
        except OSError:
            pass


@functools.lru_cache(maxsize=None)
def translations(lang: str):
    """gettext translations (a ``gettext.NullTranslations``) for ``lang``."""
    return _translations_class()(catalog(normalise(lang)))


def _code(lang: str | None) -> str | None:
    """``fr_FR.UTF-8`` -> ``fr``; None for an empty value or the language-less C/POSIX."""
    if not lang:
        return None
    code = lang.split(".")[0].split("_")[0].split("@")[0].lower()
    return None if code in ("", "c", "posix") else code


def normalise(lang: str | None) -> str:
    code = _code(lang)
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def detect(explicit: str | None = None, environ: dict | None = None) -> str:
    env = os.environ if environ is None else environ
    for value in (explicit, env.get("REEMPLOI_LANG"), env.get("LC_ALL"),
                  env.get("LC_MESSAGES"), env.get("LANG")):
        if _code(value):
            return normalise(value)
    return DEFAULT_LANGUAGE


def set_language(lang: str | None) -> str:
    global _current
    _current = detect(lang)
    return _current


def current() -> str:
    return _current or detect()


def _(message: str, lang: str | None = None) -> str:
    """Translate ``message`` into ``lang`` (default: the session's language)."""
    return translations(lang or current()).gettext(message)


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now."""
    return message


def tr(message: str, lang: str | None = None, **params: object) -> str:
    """Translate then format with ``params``: the one way sentences are made."""
    text = _(message, lang)
    return text.format(**params) if params else text


def number(value: float | int | None, lang: str | None = None, digits: int = 0) -> str:
    """``value`` written as the reader expects: "1 234,5" in French, "1,234.5" in English.

    French groups thousands with a narrow no-break space (U+202F, as the Imprimerie
    nationale's rules and CLDR's fr locale do) and uses a decimal comma.
    """
    if value is None:
        return "?"
    text = f"{value:,.{digits}f}"
    if normalise(lang or current()) == "fr":
        text = text.replace(",", "\u202f").replace(".", ",")
    return text


def plural(n: int | None, one: str, many: str, lang: str | None = None, **params: object) -> str:
    """``tr`` of ``one`` when ``n`` is 1 (French: 0 and 1), else of ``many``; ``n`` passed in."""
    code = normalise(lang or current())
    single = n in (0, 1) if code == "fr" else n == 1
    shown = number(n, code) if isinstance(n, int) and not isinstance(n, bool) else n
    return tr(one if single else many, lang, n=shown, **params)


def when(iso: str | None, lang: str | None = None, *, seconds: bool = False,
         date_only: bool = False) -> str:
    """A recorded UTC time (``2026-12-06T09:21:06Z``) as the reader's clock shows it: the
    station's local time, "06/12/2026 10:21" in French (day first, as French forms
    write it), "2026-12-06 10:21" in English. JSON keeps the ISO UTC string; a date
    alone (``2026-12-06``) is only reordered. Unreadable values are shown as they are."""
    from datetime import date, datetime
    if not iso:
        return "?"
    text = str(iso)
    fr = normalise(lang or current()) == "fr"
    try:
        if len(text) == 10:
            d = date.fromisoformat(text)
            return d.strftime("%d/%m/%Y") if fr else d.isoformat()
        moment = datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return text
    if date_only:
        return moment.strftime("%d/%m/%Y" if fr else "%Y-%m-%d")
    clock = "%H:%M:%S" if seconds else "%H:%M"
    return moment.strftime(("%d/%m/%Y " if fr else "%Y-%m-%d ") + clock)
