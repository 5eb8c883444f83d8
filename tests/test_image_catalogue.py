"""Catalogue data files, the local registry (image add/list) and the choice of image."""

from __future__ import annotations

import json
import subprocess
import tomllib
from pathlib import Path

import pytest

from reemploi.image import catalogue
from reemploi.image.choose import Facts, Why, choose, facts_from_machine
from test_image_support import MiB, build_master, pack_szst, sh

ROOT = Path(__file__).resolve().parent.parent


def test_catalogue_files_are_valid_and_say_where_values_come_from(tmp_path):
    entries = catalogue.load_catalogue(tmp_path)
    names = {e.name for e in entries}
    assert {"emmabuntus-de6-amd64", "emmabuntus-de5-amd64", "emmabuntus-de5-i386"} <= names
    for e in entries:
        raw = tomllib.loads(Path(e.source).read_text(encoding="utf-8"))
        assert raw["provenance"], e.name
        for key, note in raw["provenance"].items():
            assert note.split(":")[0].split(" ")[0] in ("published", "measured", "assumption"), \
                (e.name, key, note)
    de6 = [e for e in entries if e.edition == "DE6"]
    assert de6 and all(e.arch == "amd64" and e.debian == 13 for e in de6)
    assert all(e.debian == 12 for e in entries if e.edition == "DE5")


def test_catalogue_rejects_a_bad_entry(tmp_path):
    from reemploi.errors import BadInput
    folder = tmp_path / "images"
    folder.mkdir()
    (folder / "x.toml").write_text('name = "x"\nkind = "floppy"\n')
    with pytest.raises(BadInput):
        catalogue.load_catalogue(tmp_path)


@pytest.mark.parametrize("facts, image, codes", [
    (Facts(("lm", "sse2", "cmov"), 8192, 500 * 10**9, "uefi"), "emmabuntus-de6-amd64-master",
     {Why.AMD64_SSE2, Why.CHOSEN}),
    (Facts(("cmov", "pae", "sse2"), 2048, 80 * 10**9, "legacy"), "emmabuntus-de5-i386-master",
     {Why.I386_ONLY, Why.CHOSEN}),
    # 64-bit but 3 GiB of RAM: DE6 needs 4 GiB, DE5 amd64 fits.
    (Facts(("lm", "sse2", "cmov"), 3072, 250 * 10**9, "legacy"), "emmabuntus-de5-amd64",
     {Why.RAM_TOO_SMALL, Why.CHOSEN, Why.ISO_ONLY}),    # no DE5 amd64 master: a stick
    # Too small for anything: told why, no image.
    (Facts(("cmov",), 1024, 80 * 10**9, "legacy"), None, {Why.RAM_TOO_SMALL}),
    (Facts(("cmov",), 4096, 8 * 10**9, "legacy"), None, {Why.DISK_TOO_SMALL}),
    # A 32-bit CPU booting UEFI: the i386 images are BIOS only.
    (Facts(("cmov",), 4096, 80 * 10**9, "uefi"), None, {Why.BOOT_MODE}),
    (Facts((), 4096, 80 * 10**9, "uefi"), None, {Why.UNKNOWN_CPU}),
    # The grade's verdict wins over the flags.
    (Facts(("lm", "sse2"), 8192, 500 * 10**9, "uefi", "DE5", True), "emmabuntus-de5-amd64",
     {Why.GRADE_SAYS}),
    (Facts(("lm", "sse2"), 8192, 500 * 10**9, "uefi", None, True), None, {Why.GRADE_NONE}),
])
def test_choose(tmp_path, facts, image, codes):
    entries = catalogue.load_catalogue(tmp_path)
    choice = choose(facts, entries)
    assert choice.image == image, choice
    assert codes <= {r.code for r in choice.reasons}


def test_choose_prefers_a_present_master(tmp_path):
    entries = catalogue.load_catalogue(tmp_path)
    facts = Facts(("lm", "sse2"), 8192, 500 * 10**9, "uefi")
    choice = choose(facts, entries, present={"emmabuntus-de6-amd64-master"})
    assert choice.image == "emmabuntus-de6-amd64-master" and choice.present


def test_facts_from_a_probe_dict():
    machine = {"cpu": {"flags": ["lm", "sse2"]}, "memory": {"total_mb": 4096},
               "system": {"boot_mode": "uefi"},
               "disks": [{"size_bytes": 256 * 10**9}, {"size_bytes": 16 * 10**9,
                                                       "removable": True}]}
    f = facts_from_machine(machine, {"emmabuntus": "DE6"})
    assert f.disk_bytes == 256 * 10**9 and f.grade_edition == "DE6" and f.graded


def test_choose_cli_with_a_probe_json(cli, tmp_path):
    probe = tmp_path / "probe.json"
    probe.write_text(json.dumps({"cpu": {"flags": ["cmov", "pae"]},
                                 "memory": {"total_mb": 2048}, "system": {"boot_mode": "legacy"},
                                 "disks": [{"size_bytes": 160 * 10**9}]}))
    r = cli(["image", "choose", "--probe", probe, "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["image"] == "emmabuntus-de5-i386-master" and out["arch"] == "i386"
    r = cli(["image", "choose", "--probe", probe, "--lang", "fr"])
    assert "32 bits" in r.output


def test_choose_cli_from_an_asset(cli, tmp_path):
    from reemploi.inventory.store import Inventory
    inv = Inventory.open(tmp_path / "home", "T", None)
    asset = inv.create_asset()
    inv.record("asset.probed", asset, {"machine": {
        "cpu": {"flags": ["lm", "sse2"]}, "memory": {"total_mb": 8192},
        "system": {"boot_mode": "uefi"}, "disks": [{"size_bytes": 512 * 10**9}]}})
    r = cli(["image", "choose", "--asset", asset, "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["edition"] == "DE6"
    assert cli(["image", "choose", "--asset", "NOPE-1"]).exit_code == 10


def test_add_list_and_write_by_name(cli, loopdev, tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    raw, _ = build_master(folder, 40 * MiB)
    szst = pack_szst(raw, folder / "emmabuntus-de6-amd64-master.img.zst")
    r = cli(["image", "add", szst, "--json"])
    assert r.exit_code == 0, r.output
    rec = json.loads(r.output)
    assert rec["name"] == "emmabuntus-de6-amd64-master" and rec["entry"] == rec["name"]
    assert rec["kind"] == "szst" and rec["image_size"] == raw.stat().st_size
    assert rec["sha256"] == subprocess.run(["sha256sum", str(szst)], capture_output=True,
                                           text=True).stdout.split()[0]
    r = cli(["image", "add", raw, "--name", "plain-master", "--json"])
    rec2 = json.loads(r.output)
    assert rec2["kind"] == "raw" and rec2["mapped_bytes"] == rec["mapped_bytes"]
    assert rec2["image_sha256"] == rec2["sha256"]
    assert Path(rec2["bmap"]).is_file()

    rows = json.loads(cli(["image", "list", "--json"]).output)
    by = {row["name"]: row for row in rows}
    assert by["emmabuntus-de6-amd64-master"]["present"] is True
    assert by["emmabuntus-de6-amd64"]["present"] is False
    assert by["plain-master"]["present"] is True

    dev = loopdev(64 * MiB)
    r = cli(["image", "write", "emmabuntus-de6-amd64-master", dev.path, "--yes",
             "--no-wipe-check", "--no-postinstall", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["plan"]["version"] == "1.01" and out["plan"]["sha256"] == rec["sha256"]
    with open(dev.path, "rb") as fh:
        assert fh.read(raw.stat().st_size) == raw.read_bytes()
    # A catalogue name with no file here: told how to add it (exit 10).
    r = cli(["image", "write", "emmabuntus-de5-i386", dev.path, "--yes", "--no-wipe-check"])
    assert r.exit_code == 10 and "image add" in r.output


def test_add_measures_a_compressed_stream_without_bmap(cli, tmp_path):
    raw, _ = build_master(tmp_path, 40 * MiB)
    xz = tmp_path / "m.img.xz"
    with open(xz, "wb") as out:
        subprocess.run(["xz", "-0", "-T1", "-c", str(raw)], stdout=out, check=True)
    rec = json.loads(cli(["image", "add", xz, "--json"]).output)
    assert rec["name"] == "m" and rec["kind"] == "xz"
    assert rec["image_size"] == raw.stat().st_size
    assert rec["image_sha256"] == subprocess.run(["sha256sum", str(raw)], capture_output=True,
                                                 text=True).stdout.split()[0]


def test_choose_names_the_install_stick_path_only_for_an_iso(tmp_path):
    entries = catalogue.load_catalogue(tmp_path)
    master = choose(Facts(("lm", "sse2"), 8192, 500 * 10**9, "uefi"), entries)
    assert master.image.endswith("-master") and Why.ISO_ONLY not in {r.code for r in
                                                                     master.reasons}


def test_add_refuses_a_file_that_is_not_the_published_one(cli, tmp_path):
    """A workshop copies the published sha256 into its catalogue entry: a damaged
    download (here: one byte changed) is refused by image add (exit 9), never registered."""
    home = tmp_path / "home"
    raw, _ = build_master(tmp_path, 16 * MiB)
    good = sh("sha256sum", raw).stdout.decode().split()[0]
    (home / "images").mkdir(parents=True)
    entry = (home / "images" / "atelier.toml")

    def declare(sha: str) -> None:
        entry.write_text(
            'name = "atelier-de6"\nedition = "DE6"\nversion = "1.01"\narch = "amd64"\n'
            'debian = 13\nkind = "master"\nfile = "atelier-de6.img"\nmin_ram_mb = 4096\n'
            f'min_disk_bytes = 1\nboot_modes = ["uefi"]\nsha256 = "{sha}"\n'
            '[provenance]\nsha256 = "published: our own master, checksum file"\n')
    declare(good.upper())                              # as some checksum files print it
    damaged = tmp_path / "atelier-de6.img"
    data = bytearray(raw.read_bytes())
    data[5 * MiB] ^= 0x40
    damaged.write_bytes(bytes(data))
    r = cli(["image", "add", damaged])
    assert r.exit_code == 9, r.output
    assert good in r.output and "not registered" in r.output
    assert not (home / "images" / "registry.json").exists()
    damaged.write_bytes(raw.read_bytes())              # downloaded again, whole
    r = cli(["image", "add", damaged, "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["entry"] == "atelier-de6"


def test_add_missing_file_is_not_found(cli, tmp_path):
    assert cli(["image", "add", tmp_path / "nope.img"]).exit_code == 10


def test_ram_counted_as_the_grade_counts_it(tmp_path):
    """MemTotal of a 4 GB laptop (3896 MB, the Aspire ES1-512 fixture) is below DE6's
    4096: the grade allows for it and says DE6, so the chooser must not fall back."""
    entries = catalogue.load_catalogue(tmp_path)
    machine = {"cpu": {"flags": ["lm", "sse2"]}, "memory": {"total_mb": 3896},
               "system": {"boot_mode": "legacy"}, "disks": [{"size_bytes": 500 * 10**9}]}
    enough = {"emmabuntus": "DE6", "components": {"memory": {
        "state": "enough", "facts": {"need_mb": 4096, "total_mb": 3896}}}}
    assert choose(facts_from_machine(machine, enough), entries).edition == "DE6"
    # Not graded (or graded too little): MemTotal is all we know, DE6 is refused.
    alone = choose(facts_from_machine(machine), entries)
    assert alone.edition == "DE5" and Why.RAM_TOO_SMALL in {r.code for r in alone.reasons}
    short = {**enough, "components": {"memory": {"state": "upgradeable",
                                                 "facts": {"need_mb": 4096}}}}
    assert facts_from_machine(machine, short).ram_mb == 3896
    # Installed modules, when listed, are the RAM (as the grade's memory verdict).
    modules = {**machine, "memory": {"total_mb": 3896, "modules": [{"size_mb": 2048}] * 2}}
    assert facts_from_machine(modules).ram_mb == 4096


def _de5_amd64_machine():
    """A real 64-bit Pentium 4 (OptiPlex GX520, eReuse corpus) with the 2 x 1 GB DDR of
    a real ThinkCentre 8705 (linuxhw corpus), both slots full: DE6's 4 GB is out of
    reach, DE5 amd64 fits."""
    from conftest import corpus_file, corpus_rows
    from reemploi.model import Machine
    from reemploi.probe.dmidecode import parse_dmidecode
    from reemploi.probe.lshw import parse_lshw
    info = parse_lshw(corpus_file("lshw/ereuse-wb__tests__fixtures__optiplex-gx520.lshw.json")
                      .read_bytes())
    row = next(r for r in corpus_rows("dmidecode") if "ThinkCentre_XXXX_8705" in r["local_path"])
    memory = parse_dmidecode(corpus_file(row["local_path"]).read_bytes()).memory
    return Machine(system=info.system, cpu=info.cpu, memory=memory, disks=info.disks)


def test_choose_follows_a_grade_that_fell_back_to_de5_amd64(tmp_path):
    from reemploi.grade.engine import grade_machine
    from reemploi.grade.rules import load_rules
    machine = _de5_amd64_machine()
    verdict = grade_machine(machine, None, load_rules()).to_dict()
    assert (verdict["emmabuntus"], verdict["emmabuntus_arch"]) == ("DE5", "amd64")
    entries = catalogue.load_catalogue(tmp_path)
    choice = choose(facts_from_machine(machine.to_dict(), verdict), entries)
    assert (choice.edition, choice.arch, choice.image) == ("DE5", "amd64", "emmabuntus-de5-amd64")
    why = {r.code: r.params for r in choice.reasons}
    assert why[Why.GRADE_RAM_FALLBACK] == {"edition": "DE6", "need": 4096, "mb": 2048,
                                           "fallback": "DE5", "arch": "amd64"}
    # The same machine ungraded reaches the same image through DE6's RAM minimum.
    alone = choose(facts_from_machine(machine.to_dict()), entries)
    assert (alone.edition, alone.arch, alone.image) == (choice.edition, choice.arch, choice.image)


def test_choose_reads_the_arch_of_older_verdicts_from_the_flags(tmp_path):
    entries = catalogue.load_catalogue(tmp_path)
    old = {"emmabuntus": "DE5"}               # recorded before emmabuntus_arch existed
    for flags, arch in ((["lm", "sse2", "cmov"], "amd64"), (["cmov", "sse2"], "i386")):
        machine = {"cpu": {"flags": flags}, "memory": {"total_mb": 2048},
                   "system": {"boot_mode": "legacy"}, "disks": [{"size_bytes": 160 * 10**9}]}
        assert choose(facts_from_machine(machine, old), entries).arch == arch
    # A newer verdict's arch wins over the guess.
    machine = {"cpu": {"flags": ["lm", "sse2", "cmov"]}, "memory": {"total_mb": 2048},
               "system": {"boot_mode": "legacy"}, "disks": [{"size_bytes": 160 * 10**9}]}
    said = choose(facts_from_machine(machine, {**old, "emmabuntus_arch": "i386"}), entries)
    assert said.arch == "i386"


def test_choose_cli_says_why_de6_does_not_fit(cli, tmp_path):
    from reemploi.grade.engine import grade_machine
    from reemploi.grade.rules import load_rules
    machine = _de5_amd64_machine()
    probe, verdict = tmp_path / "probe.json", tmp_path / "verdict.json"
    probe.write_text(json.dumps(machine.to_dict()))
    verdict.write_text(json.dumps(grade_machine(machine, None, load_rules()).to_dict()))
    r = cli(["image", "choose", "--probe", probe, "--verdict", verdict, "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert (out["edition"], out["arch"], out["image"]) == ("DE5", "amd64", "emmabuntus-de5-amd64")
    fr = cli(["image", "choose", "--probe", probe, "--verdict", verdict, "--lang", "fr"]).output
    assert "DE6 demanderait 4096 Mo de mémoire vive" in fr and "DE5 amd64 à la place" in fr
    en = cli(["image", "choose", "--probe", probe, "--verdict", verdict, "--lang", "en"]).output
    assert "DE6 would need 4096 MB of RAM" in en
