"""What a French user reads on a usage line and may type from the README (qa17's walk).

``reemploi inventory status --help`` showed ``ID_INVENTAIRE STATUS``: one argument
named in French, the other in English; ``operator add NAME``, ``lot attestation
LOT_ID`` and others the same. And the README's line ``parts harvest … --kind hdd
--for destruction`` was refused (exit 2): "hdd" was no word for a disk.
"""

from __future__ import annotations

import json
import re

import click

from conftest import MACHINES
from reemploi import i18n
from reemploi.cli.help_i18n import walk
from reemploi.cli.main import cli as root

# Words French writes the same: nothing to translate.
SAME_IN_FRENCH = {"IMAGE", "ISO", "IDS", "CODE", "ARGS", "OPTIONS"}


def test_every_argument_is_named_in_french_on_the_usage_line():
    fr = i18n.catalog("fr")
    untranslated = []
    for path, command in walk(root):
        ctx = click.Context(command, info_name=path[-1] if path else "reemploi")
        for param in command.get_params(ctx):
            if not isinstance(param, click.Argument):
                continue
            for word in re.findall(r"[A-Z][A-Z_]+", param.make_metavar(ctx)):
                if word not in SAME_IN_FRENCH and word not in fr:
                    untranslated.append(f"reemploi {' '.join(path)}: {word}")
    assert not untranslated, untranslated


def test_the_readme_harvest_line_works_as_written(cli, tmp_path):
    home = tmp_path / "shop"
    made = cli(["intake", "--donor", "Mairie", "--device", "laptop:1", "--create-ids", "--json",
                "--home", home])
    [asset] = json.loads(made.output)["ids"]
    graded = cli(["grade", "--replay", MACHINES / "latitude-e5410-failing-disk", "--asset",
                  asset, "--json", "--home", home])
    assert graded.exit_code == 0, graded.output
    # README.md, "A machine's life in commands", as a technician copies it:
    done = cli(["parts", "harvest", asset, "--kind", "hdd", "--for", "destruction", "--reason",
                "SMART en échec", "--json", "--home", home])
    assert done.exit_code == 0, done.output
    part = json.loads(done.output)
    listed = json.loads(cli(["parts", "list", "--json", "--home", home]).output)
    assert [p["part_kind"] for p in listed if p["id"] == part["id"]] == ["disk"]


def test_checklist_items_may_be_typed_as_people_say_them(cli):
    """``grade --check clavier=ok`` was refused: only the English codes were items
    (keyboard, touchpad…), though the French screens and the sheet say "clavier",
    "pavé tactile", "ports USB"."""
    args = ["grade", "--replay", MACHINES / "latitude-e5410-failing-disk", "--no-save",
            "--no-bench", "--json", "--lang", "fr"]
    done = cli([*args, "--check", "clavier=ok", "--check", "pave tactile=panne",
                "--check", "Ports USB=ok", "--check", "wi-fi=hs"])
    assert done.exit_code == 0, done.output
    checks = json.loads(done.output)["checks"]
    assert (checks["keyboard"], checks["touchpad"], checks["usb_ports"], checks["wifi"]) == \
        ("ok", "fail", "ok", "fail")
    refused = cli([*args, "--check", "frigo=ok"])
    assert refused.exit_code == 7 and "clavier" in refused.output, refused.output


def test_parse_says_large_counts_as_french_writes_them(cli, corpus):
    """``reemploi parse smartctl`` showed "Heures de fonctionnement 5809" where every
    other French screen writes "5 809" (probe, grade, the sheet)."""
    nvme = corpus / "smartctl" / "nvme" / \
        "pysmart__tests__dataset__singletests__nvme_0___-d_nvme_--all__dev_nvme0.txt"
    done = cli(["parse", "smartctl", nvme, "--lang", "fr"])
    assert done.exit_code == 0, done.output
    line = next(l for l in done.output.splitlines() if l.startswith("Heures de fonctionnement"))
    assert re.search(r"\s5\s809$", line), line
