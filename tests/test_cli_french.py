"""click's own messages and the confirmation, in French, through the real CLI.

Usage errors are click's (missing option or argument, bad choice, unknown command):
they must read in French with the usage line's own words. The confirmation before a
wipe is answered on a real terminal (a pseudo-terminal from ``os.openpty``): only the
very word asked for goes on, Ctrl-D is a "no" (exit 13), and with no terminal at all
the message says to use --yes.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ENGLISH = ("Error", "Missing", "Try ", "Invalid value", "No such", "is not one of", "Usage")


def _fr(cli, args):
    result = cli([*args], env={"REEMPLOI_LANG": "fr"})
    assert result.exit_code == 2, result.output
    for word in ENGLISH:
        assert word not in result.output, (word, result.output)
    return result.output


def test_usage_errors_read_in_french_with_the_usage_lines_words(cli):
    out = _fr(cli, ["checkout", "X"])
    assert "Option manquante «\u00a0--to\u00a0»" in out and "Utilisation\u00a0:" in out
    assert "checkout --help\u00a0» pour l'aide." in out and "Essayez «" in out
    out = _fr(cli, ["wipe"])
    # The argument is named as the usage line names it.
    assert "wipe [OPTIONS] DISQUES..." in out
    assert "Argument manquant «\u00a0DISQUES...\u00a0»" in out
    out = _fr(cli, ["nosuch"])
    assert "Commande inconnue\u00a0: «\u00a0nosuch\u00a0»" in out
    out = _fr(cli, ["inventory", "list", "--status", "zz"])
    assert "ne fait pas partie des choix\u00a0: reçu, diagnostiqué" in out
    out = _fr(cli, ["intake", "--donor", "X", "--donor-kind", "zz"])
    assert "Valeur invalide pour «\u00a0--donor-kind\u00a0»" in out
    # A number type's name is click's class attribute, outside its gettext calls.
    out = _fr(cli, ["inventory", "list", "--limit", "abc"])
    assert "n'est pas un intervalle d'entiers valide" in out and "integer" not in out


def test_french_words_are_accepted_where_codes_are(cli):
    lot = cli(["intake", "--donor", "Mairie", "--device", "portable:1", "--device", "fixe:1",
               "--create-ids", "--json"])
    assert lot.exit_code == 0, lot.output
    import json
    ids = json.loads(lot.output)["ids"]
    kinds = [json.loads(cli(["inventory", "show", i, "--json"]).output)["device_kind"]
             for i in ids]
    assert kinds == ["laptop", "desktop"]
    assert cli(["inventory", "status", ids[0], "Diagnostiqué"]).exit_code == 0
    listed = json.loads(cli(["inventory", "list", "--status", "diagnostique", "--kind",
                             "ordinateur portable", "--json"]).output)
    assert [d["id"] for d in listed] == [ids[0]]
    bad = cli(["checkout", ids[0], "--to", "vente", "--org", "X", "--price", "30"])
    assert bad.exit_code == 11            # "vente" read as sold; not ready yet: refused


def _reemploi_on_a_terminal(args, home, answer: bytes | None, timeout=60):
    """Run reemploi with its stdin, stdout and stderr on a pseudo-terminal; type
    ``answer`` once the question shows (None: press Ctrl-D). Returns (exit code, text)."""
    master, slave = os.openpty()
    env = {**os.environ, "REEMPLOI_HOME": str(home), "REEMPLOI_LANG": "fr",
           "REEMPLOI_STATION": "T"}
    env.pop("REEMPLOI_YES", None)
    proc = subprocess.Popen([sys.executable, "-m", "reemploi", *args], cwd=ROOT, env=env,
                            stdin=slave, stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)
    seen, sent, deadline = b"", False, time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        if not sent and "pour continuer".encode() in seen:
            os.write(master, answer + b"\r" if answer is not None else b"\x04")
            sent = True
        if proc.poll() is not None and not ready:
            break
    proc.wait(timeout=timeout)
    os.close(master)
    return proc.returncode, seen.decode("utf-8", "replace")


@pytest.mark.root
def test_only_the_word_asked_for_starts_a_wipe(loopdev, tmp_path):
    disk = loopdev(8 * 1024 * 1024)
    with open(disk.path, "r+b") as fh:
        fh.write(b"DONOR" * 100)
    args = ["wipe", disk.path, "--verify", "none"]
    for answer in (b"o", b"y", b"yes", b""):
        code, text = _reemploi_on_a_terminal(args, tmp_path / "home", answer)
        assert code == 13, (answer, text)
        assert "Annulé par l'opérateur" in text
        with open(disk.path, "rb") as fh:
            assert fh.read(5) == b"DONOR", answer
    code, text = _reemploi_on_a_terminal(args, tmp_path / "home", None)   # Ctrl-D
    assert code == 13 and "Aborted" not in text and "Annulé" in text, text
    code, text = _reemploi_on_a_terminal(args, tmp_path / "home", b"oui")
    assert code == 0, text
    with open(disk.path, "rb") as fh:
        assert fh.read(5) != b"DONOR"


@pytest.mark.root
def test_no_terminal_says_to_use_yes(cli, loopdev):
    disk = loopdev(8 * 1024 * 1024)
    result = cli(["wipe", disk.path, "--lang", "fr"], input="oui\n",
                 env={"REEMPLOI_YES": ""})
    assert result.exit_code == 13
    assert "--yes" in result.output and "pas de terminal" in result.output


# Plain click choices that stay codes: a language, a letter grade, a recorded tool's
# name, an image post-install step (each is the same word in French and English).
PLAIN_CHOICES = {"lang", "cosmetic", "kind@parse", "skip", "only", "steps", "grade_override"}


def _word_choices():
    import click
    from reemploi.cli.help_i18n import walk
    from reemploi.cli.main import cli as root
    from reemploi.cli.words import WordChoice
    for path, command in walk(root):
        for param in command.params:
            if isinstance(param.type, WordChoice):
                yield path, param
            elif isinstance(param.type, click.Choice):
                assert param.name in PLAIN_CHOICES or \
                    f"{param.name}@{path[-1]}" in PLAIN_CHOICES, (path, param.name)


def test_every_choice_takes_its_code_and_its_french_and_english_words():
    """Donor kind, roles, part kind, wipe method and verification, destination…: a
    workshop types what it reads, in either language, or the code from the docs."""
    from reemploi.i18n import _
    seen = set()
    for path, param in _word_choices():
        for code, msgid in param.type.names.items():
            for typed in (code, _(msgid, "fr"), _(msgid, "en"), _(msgid, "fr").upper()):
                assert param.type.convert(typed, param, None) == code, (path, param.name, typed)
        seen.add(param.name)
    assert {"donor_kind", "roles", "role", "part_kind", "method", "verify_mode",
            "destination", "status", "kind"} <= seen, seen


def test_choices_show_words_where_people_think_in_words(cli):
    out = cli(["intake", "--help"], env={"REEMPLOI_LANG": "fr"}).output
    assert "[entreprise|particulier|organisme public|association]" in out
    assert "par défaut : entreprise" in " ".join(out.split())   # split() takes U+00A0 too
    out = _fr(cli, ["operator", "add", "Camille", "--role", "chef"])
    assert "ne fait pas partie des choix\u00a0: technicien, validateur, formateur, stagiaire" in out
    # The wipe method is named by its code, as in the docs and NIST SP 800-88's tables.
    out = cli(["wipe", "--help"], env={"REEMPLOI_LANG": "fr"}).output
    assert "[auto|zero|prng|dod3|hmgis5|firmware]" in out


def test_words_typed_at_the_desk_reach_the_journal(cli, tmp_path):
    import json
    lot = cli(["intake", "--donor", "Mme Martin", "--donor-kind", "Particulier", "--device",
               "portable:1", "--create-ids", "--json"])
    assert lot.exit_code == 0, lot.output
    journal = [json.loads(line) for line in
               (tmp_path / "home" / "journal.jsonl").read_text().splitlines()]
    assert [e["payload"]["kind"] for e in journal if e["type"] == "donor.registered"] \
        == ["individual"]
    assert cli(["operator", "add", "Sam", "--role", "validatrice"]).exit_code == 0
    assert cli(["atelier", "add", "Tom", "--role", "formateur"]).exit_code == 0
    roster = json.loads(cli(["operator", "list", "--json"]).output)
    assert [p["roles"] for p in roster if p["name"] == "Sam"] == [["validator"]]
    aid = json.loads(lot.output)["ids"][0]
    part = cli(["parts", "harvest", aid, "--kind", "barrette de RAM", "--json"])
    assert part.exit_code == 0, part.output
    assert json.loads(part.output)["part_kind"] == "ram", part.output
