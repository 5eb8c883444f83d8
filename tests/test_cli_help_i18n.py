"""``--help`` in French and English: every help string has a French entry, and help
renders in the language the environment (or ``--lang``) asks for."""

import inspect
import re

import click
import pytest

from reemploi import i18n
from reemploi.cli.help_i18n import translate_metavar, walk
from reemploi.cli.main import cli as root

FR = {"LANG": "fr_FR.UTF-8"}
EN = {"LANG": "en_US.UTF-8"}


def _flat(text: str) -> str:
    """Undo click's wrapping (spaces, no-break spaces, breaks after hyphens)."""
    return re.sub(r"-\s+(?=\S)", "-", " ".join(text.split()))


def _help_strings():
    """(where, English help) for every command, group and parameter of the CLI."""
    for path, command in walk(root):
        where = "reemploi " + " ".join(path)
        ctx = click.Context(command, info_name=path[-1] if path else "reemploi")
        if command.help:
            yield where, inspect.cleandoc(command.help).partition("\f")[0]
        if command.short_help:
            yield where + " (short)", inspect.cleandoc(command.short_help)
        for param in command.get_params(ctx):
            if getattr(param, "help", None):
                yield f"{where} {param.name}", param.help


def _command(*path: str) -> click.Command:
    command = root
    for name in path:
        command = command.commands[name]
    return command


def test_every_command_and_option_help_has_a_french_entry():
    fr = i18n.catalog("fr")
    strings = list(_help_strings())
    assert len({where.split()[1] for where, _ in strings if len(where.split()) > 1}) >= 10
    missing = [f"{where}: {text!r}" for where, text in strings if text not in fr]
    assert not missing, "help without a French entry in cli.po:\n" + "\n".join(missing)
    untranslated = [text for _, text in strings if fr[text] == text]
    assert not untranslated, f"French entry identical to the English: {untranslated}"


def test_every_command_has_help_in_both_languages():
    for path, command in walk(root):
        assert command.help, f"reemploi {' '.join(path)} has no help"
        assert i18n._(inspect.cleandoc(command.help).partition("\f")[0], "fr") != \
            inspect.cleandoc(command.help).partition("\f")[0]


@pytest.mark.parametrize("path", [("wipe",), ("inventory", "show"), ("stats",)])
def test_help_renders_in_french_under_a_french_locale(cli, path):
    result = cli([*path, "--help"], env=FR)
    assert result.exit_code == 0, result.output
    out = _flat(result.output)
    command = _command(*path)
    assert re.match(r"Utilisation : \S+ " + " ".join(path) + " ", out)
    assert "Options :" in out
    assert _flat(i18n._(inspect.cleandoc(command.help), "fr")) in out
    ctx = click.Context(command, info_name=path[-1])
    for param in command.get_params(ctx):
        if isinstance(param, click.Option) and param.help:
            assert _flat(i18n._(param.help, "fr")) in out, param.name
            assert param.help not in out
    assert "Afficher cette aide et quitter." in out
    assert "Show this message" not in out


@pytest.mark.parametrize("path", [("wipe",), ("inventory", "show"), ("stats",)])
def test_help_renders_in_english_under_the_c_locale(cli, path):
    result = cli([*path, "--help"], env=EN)
    assert result.exit_code == 0, result.output
    out = _flat(result.output)
    command = _command(*path)
    assert re.match(r"Usage: \S+ " + " ".join(path) + " ", out)
    assert _flat(inspect.cleandoc(command.help)) in out
    ctx = click.Context(command, info_name=path[-1])
    for param in command.get_params(ctx):
        if isinstance(param, click.Option) and param.help:
            assert _flat(param.help) in out, param.name
    assert "Utilisation" not in out and "Afficher" not in out


def test_french_usage_line_translates_metavars_and_click_extras(cli):
    out = _flat(cli(["wipe", "--help"], env=FR).output)
    assert "wipe [OPTIONS] DISQUES..." in out and out.startswith("Utilisation : ")
    assert "--home CHEMIN" in out
    assert "[par défaut : full]" in out          # click's "[default: full]"
    group = _flat(cli(["inventory", "--help"], env=FR).output)
    assert "COMMANDE [ARGS]..." in group and "Commandes :" in group
    # Short help in the group's list is cut from the French text, not the English one.
    assert "Afficher une machine ou une pièce" in group
    intake = _flat(cli(["intake", "--help"], env=FR).output)
    assert "[obligatoire]" in intake and "--device TYPE:NOMBRE[:KG]" in intake


def test_lang_option_decides_help_language_wherever_it_is(cli):
    # --help is eager: without the pre-scan, "--help --lang en" would render first.
    for args in (["wipe", "--help", "--lang", "en"], ["wipe", "--lang=en", "--help"]):
        out = _flat(cli(args, env=FR).output)
        assert re.match(r"Usage: \S+ wipe ", out), args
        assert "Erase whole disks" in out
    out = _flat(cli(["stats", "--help", "--lang", "fr"], env=EN).output)
    assert re.match(r"Utilisation : \S+ stats ", out)


def test_reemploi_lang_overrides_lang_for_help(cli):
    out = _flat(cli(["--help"], env={"LANG": "C.UTF-8", "REEMPLOI_LANG": "fr"}).output)
    assert out.startswith("Utilisation : ")
    assert "Commandes :" in out and "Effacer des disques entiers" in out


def test_metavar_translation_keeps_option_names_and_choices():
    with_lang = lambda lang: (i18n.set_language(lang), translate_metavar)[1]
    tm = with_lang("fr")
    assert tm("--bench-seconds INTEGER RANGE") == "--bench-seconds ENTIER"
    assert tm("--lang [fr|en]") == "--lang [fr|en]"
    assert tm("-y, --yes") == "-y, --yes"
    assert tm("UNKNOWN_WORD") == "UNKNOWN_WORD"
    assert with_lang("en")("--home PATH") == "--home PATH"


def test_help_text_is_not_translated_at_import_time():
    # The same objects render both languages in one process: the English msgid stays.
    assert _command("wipe").help.startswith("Erase whole disks")
    assert _command("inventory", "show").params[0].name


def test_language_chosen_once_before_the_command(cli):
    """``reemploi --lang en doctor`` as well as ``reemploi doctor --lang en``."""
    fr_env = {"LANG": "fr_FR.UTF-8"}
    before = cli(["--lang", "en", "doctor"], env=fr_env)
    assert before.exit_code == 0 and "Running as root" in before.output
    after = cli(["doctor", "--lang", "en"], env=fr_env)
    assert after.output == before.output
    assert "Lancé en root" in cli(["doctor"], env=fr_env).output
    # The command's own --lang wins over the group's.
    assert "Lancé en root" in cli(["--lang", "en", "doctor", "--lang", "fr"], env=fr_env).output
