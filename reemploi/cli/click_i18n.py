"""click's own messages in the reader's language: usage errors, missing options and
arguments, bad choices, "Aborted!".

click marks its strings with ``gettext`` of the global domain (``from gettext import
gettext as _`` in each of its modules). We never bind that domain (click issue #2706:
binding it would drag every library's strings along), so click would speak English in
a French session: "Missing option '--org'", "Try 'reemploi checkout --help' for help.".
``install`` points those module-level names at our catalogues instead (click's msgids
are in locale/fr/LC_MESSAGES/click.po), which click looks up at call time.

Parameter names in error messages ("Missing argument 'DEVICES...'") are the metavar
before our help translation; ``TranslatedParam`` gives errors the same words as the
usage line (« DISQUES... ») and French quotes.
"""

from __future__ import annotations

import importlib
import re

import click

from .. import i18n
from ..i18n import _

CLICK_MODULES = ("core", "exceptions", "parser", "types", "termui", "decorators", "utils",
                 "formatting", "shell_completion", "_termui_impl")


# Help texts click translates when an option is declared (once, possibly before the
# language is known, and kept on the option): left as msgids here, they are
# translated when help is rendered (help_i18n), in the language of that moment.
_AT_DECLARATION = frozenset({"Show the version and exit.", "Show this message and exit.",
                             "Confirm the action without prompting."})


def _gettext(message: str) -> str:
    return message if message in _AT_DECLARATION else i18n._(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return i18n.translations(i18n.current()).ngettext(singular, plural, n)


class _TypeName(str):
    """A click number type's ``name`` ("integer range"), put in the reader's language
    when a message formats it: click builds "{value!r} is not a valid {number_type}."
    from the class attribute, which no ``_()`` ever sees. As a ``str`` it stays what
    click compares and upper-cases (metavars)."""

    def __format__(self, spec: str) -> str:
        return format(i18n._(str(self)), spec)


# click's number types whose name reaches an error (click/types.py, _NumberParamTypeBase);
# their msgids are in click.po.
_NUMBER_TYPES = ("IntParamType", "FloatParamType", "IntRange", "FloatRange")


def install() -> None:
    """Route click's message lookups through ``reemploi.i18n`` (idempotent)."""
    for cls_name in _NUMBER_TYPES:
        cls = getattr(click.types, cls_name, None)
        if cls is not None and not isinstance(cls.__dict__.get("name"), _TypeName):
            cls.name = _TypeName(cls.name)
    for name in CLICK_MODULES:
        try:
            module = importlib.import_module(f"click.{name}")
        except ImportError:          # a click without that module (older or newer)
            continue
        if hasattr(module, "_"):
            module._ = _gettext
        if hasattr(module, "ngettext"):
            module.ngettext = _ngettext


def quoted(text: str) -> str:
    """« text » in French (no-break spaces inside), 'text' in English."""
    if i18n.normalise(i18n.current()) == "fr":
        return f"«\u00a0{text}\u00a0»"
    return f"'{text}'"


# Upper-case metavar words ("PATH", "DEVICES", "KIND:COUNT[:KG]") are msgids; a run of
# them ("INTEGER RANGE") is tried whole first. Option spellings are lower case, so
# they never match.
_METAVAR_RUN = re.compile(r"\b[A-Z][A-Z_]+(?: [A-Z][A-Z_]+)*\b")


def _translate_run(match: re.Match) -> str:
    run = match.group()
    whole = _(run)
    if whole != run or " " not in run:
        return whole
    return " ".join(_(word) for word in run.split(" "))


def translate_metavar(text: str) -> str:
    """Translate the upper-case words of a metavar or option spec ("--home PATH")."""
    return _METAVAR_RUN.sub(_translate_run, text)


class TranslatedParam:
    """What a click parameter gets: its name in errors as the usage line shows it."""

    def get_error_hint(self, ctx):
        if isinstance(self, click.Argument):
            name = self.make_metavar(ctx) if ctx is not None else self.human_readable_name
            return quoted(translate_metavar(name))
        names = self.opts or [self.human_readable_name]
        hint = " / ".join(quoted(n) for n in names)
        envvar = getattr(self, "envvar", None)
        if getattr(self, "show_envvar", False) and envvar:
            envvars = [envvar] if isinstance(envvar, str) else envvar
            hint += " (" + i18n.tr("env var: {var}", var=", ".join(envvars)) + ")"
        return hint


class QuotedChoice(click.Choice):
    """click's Choice whose error quotes the value and the choices as the reader's
    language does (« ok » in French), not as Python reprs ('ok')."""

    def get_invalid_choice_message(self, value, ctx) -> str:
        return i18n.tr("'{value}' is not one of: {choices}", value=value,
                       choices=", ".join(str(c) for c in self.choices))


def _quoted_choice(param: click.Parameter) -> None:
    kind = param.type
    if type(kind) is click.Choice:            # not our WordChoice, not a subclass
        param.type = QuotedChoice(kind.choices, case_sensitive=kind.case_sensitive)


_swapped: dict[type, type] = {}


def translate_params(command: click.Command) -> None:
    """Swap each parameter's class for one with ``TranslatedParam`` in front."""
    for param in command.params:
        _quoted_choice(param)
        cls = type(param)
        if getattr(cls, "_translated_param", False):
            continue
        if cls not in _swapped:
            # A plain subclass with the method copied in: a mixin base in front changes
            # the instance layout on Python 3.11 (managed dicts), and then ``__class__``
            # cannot be swapped.
            _swapped[cls] = type(f"Translated{cls.__name__}", (cls,),
                                 {"__module__": __name__, "__doc__": cls.__doc__,
                                  "_translated_param": True,
                                  "get_error_hint": TranslatedParam.get_error_hint})
        param.__class__ = _swapped[cls]
