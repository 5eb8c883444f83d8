"""``--help`` in the user's language: click's help, translated when it is rendered.

Command modules write their help in English (the msgid), as for every other string; the
French lives in ``locale/fr/LC_MESSAGES/cli.po``. Nothing is translated at import time:
the language is only known once the command line and the environment have been read,
and tests render the same command objects in both languages in one process.

How it is wired, and why this way:

- ``TranslatedHelp`` is a mixin over ``click.Command`` that overrides the few methods
  that turn help into text (help paragraph, short help in a group's list, usage line,
  options and arguments tables, epilog) to pass each piece through ``i18n._``.
- ``translate_tree`` walks the loaded command tree once and swaps each command's class
  for a subclass made of ``TranslatedHelp`` + its own class (``Group``, ``Command`` or
  whatever the module chose). We swap classes centrally rather than asking every
  module for ``cls=``: nine modules owned by other stages stay untouched, and a command
  added later cannot forget it. The swapped class only adds render-time methods; the
  instance's state and parsing are unchanged, so option names and behaviour are too.
- click's own words ("Usage:", "Options", "Commands", "[default: …]") come from click's
  gettext domain, which we never bind (see i18n: click issue #2706). A formatter
  subclass translates headings and the usage prefix through our catalogue instead.
- Which language: ``--help`` is eager and click handles eager options in command-line
  order, so ``wipe --help --lang en`` would render before ``--lang`` is seen.
  ``parse_args`` therefore reads a ``--lang`` value first when help is asked for; with
  no ``--lang`` the environment decides (``REEMPLOI_LANG``, ``LC_ALL``, ``LANG``…).
"""

from __future__ import annotations

import inspect

import click

from .. import i18n
from ..i18n import _, tr
from .click_i18n import translate_metavar, translate_params

def _translate_extras(tail: str, param: click.Parameter | None = None) -> str:
    """Translate click's ``  [env var: X; default: Y; required]`` suffix of an option's help.

    Rebuilt from click's rendered text rather than ``Option.get_help_extra`` so it
    works on every click we accept (``click>=8.1``; that method came in 8.2)."""
    stripped = tail.strip()
    if not (stripped.startswith("[") and stripped.endswith("]")):
        return tail
    items = []
    for item in stripped[1:-1].split("; "):
        if item.startswith("env var: "):
            item = tr("env var: {var}", var=item[len("env var: "):])
        elif item.startswith("default: "):
            item = tr("default: {default}", default=item[len("default: "):])
        elif item == "required":
            item = _("required")
        items.append(_default_in_words(item, param))
    lead = tail[: len(tail) - len(tail.lstrip())]
    return lead + "[" + "; ".join(items) + "]"


def _default_in_words(item: str, param: click.Parameter | None) -> str:
    """A choice shown in words (words.WordChoice) shows its default in words too.

    click may have written the default item already (its own gettext call goes through
    our catalogue, click_i18n), so the code is found at the item's end either way."""
    shown = getattr(getattr(param, "type", None), "shown_default", None)
    default = getattr(param, "default", None)
    if shown is None or not isinstance(default, str) or not item.endswith(": " + default):
        return item
    return item[: len(item) - len(default)] + shown(default)


def help_record(param: click.Parameter, ctx: click.Context) -> tuple[str, str] | None:
    """``param.get_help_record`` with its help, metavar and click's extras translated."""
    record = param.get_help_record(ctx)
    if record is None:
        return None
    spec, text = record
    original = param.help or ""
    if original and text.startswith(original):
        text = _(original) + _translate_extras(text[len(original):], param)
    elif not original:
        text = _translate_extras(text, param)
    return translate_metavar(spec), text


def _lang_from_args(command: click.Command, ctx: click.Context, args: list[str]) -> str | None:
    """The ``--lang`` value on this command line, if the command has that option."""
    names = {opt for p in command.params if p.name == "lang" for opt in p.opts}
    for i, arg in enumerate(args):
        if arg == "--":
            break
        for name in names:
            if arg == name and i + 1 < len(args):
                return args[i + 1]
            if arg.startswith(name + "="):
                return arg[len(name) + 1:]
    return None


# click's own first-sentence shortening, applied to the translated text (it moved from
# click.utils, deprecated in 8.5, to a private name in click.core).
_short_help = getattr(click.core, "_make_default_short_help", None) or \
    click.utils.make_default_short_help


class TranslatingHelpFormatter(click.HelpFormatter):
    """Headings ("Options", "Commands"…) and the "Usage:" prefix through our catalogue.

    A heading is translated with its colon ("Options:" → "Options :"): French puts a
    space before it, so we write the line click's ``write_heading`` would, colon
    included in the msgid."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        if prefix is None:
            prefix = _("Usage:") + " "
        super().write_usage(prog, args, prefix)

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{_(heading + ':')}\n")


class HelpContext(click.Context):
    formatter_class = TranslatingHelpFormatter


class TranslatedHelp:
    """Mixin over a click command: every piece of its help goes through ``i18n._``."""

    context_class = HelpContext

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        help_names = set(ctx.help_option_names)
        if any(a in help_names for a in args):
            lang = _lang_from_args(self, ctx, args)
            if lang in i18n.LANGUAGES:
                i18n.set_language(lang)
        return super().parse_args(ctx, args)

    def _help_text(self) -> str:
        # click shows help up to a form feed; the msgid is that part, cleaned as click does.
        return _(inspect.cleandoc(self.help).partition("\f")[0]) if self.help else ""

    def get_short_help_str(self, limit: int = 45) -> str:
        if self.short_help:
            text = _(inspect.cleandoc(self.short_help))
        elif self.help:
            text = _short_help(self._help_text(), limit)
        else:
            text = ""
        if self.deprecated:
            text = f"{text} ({_('Deprecated')})"
        return text.strip()

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        text = self._help_text()
        if self.deprecated:
            text = f"{text} ({_('Deprecated')})" if text else f"({_('Deprecated')})"
        if text:
            formatter.write_paragraph()
            with formatter.indentation():
                formatter.write_text(text)

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        return [translate_metavar(p) for p in super().collect_usage_pieces(ctx)]

    def format_arguments(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # click < 8.5 has no arguments section; keep whatever this click does.
        if not hasattr(super(), "format_arguments"):
            return
        args = [p for p in self.get_params(ctx) if isinstance(p, click.Argument)]
        if any(getattr(a, "help", None) is not None for a in args):
            # The formatter translates the heading (colon included).
            with formatter.section("Positional arguments"):
                formatter.write_dl([(translate_metavar(a.make_metavar(ctx)),
                                     _(a.help) if a.help else "") for a in args])

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [help_record(p, ctx) for p in self.get_params(ctx)
                if not isinstance(p, click.Argument)]
        rows = [r for r in rows if r is not None]
        if rows:
            with formatter.section("Options"):  # translated by the formatter
                formatter.write_dl(rows)
        if isinstance(self, click.Group):
            self.format_commands(ctx, formatter)

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        if self.epilog:
            formatter.write_paragraph()
            with formatter.indentation():
                formatter.write_text(_(inspect.cleandoc(self.epilog)))


_swapped: dict[type, type] = {}


def translating_class(cls: type) -> type:
    """``cls`` with ``TranslatedHelp`` in front (one subclass per class, cached)."""
    if issubclass(cls, TranslatedHelp):
        return cls
    if cls not in _swapped:
        _swapped[cls] = type(f"Translated{cls.__name__}", (TranslatedHelp, cls),
                             {"__module__": __name__, "__doc__": cls.__doc__})
    return _swapped[cls]


def translate_tree(command: click.Command) -> click.Command:
    """Give ``command`` and every sub-command translated help (idempotent)."""
    command.__class__ = translating_class(type(command))
    translate_params(command)
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            translate_tree(sub)
    return command


def walk(command: click.Command, path: tuple[str, ...] = ()):
    """Yield ``(path, command)`` for ``command`` and all sub-commands (tests, catalogue)."""
    yield path, command
    if isinstance(command, click.Group):
        for name in sorted(command.commands):
            yield from walk(command.commands[name], path + (name,))
