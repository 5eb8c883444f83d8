"""Bad data files and output paths (issue 11), through the real CLI: each is exit 7
with a message naming the file and the key, before anything is written."""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path

import pytest

from test_image_support import image_events, pack_szst

IMAGE = "\n".join([
    'name = "atelier-test"', 'edition = "DE6"', 'version = "1.0"', 'arch = "amd64"',
    "debian = 13", 'kind = "master"', 'file = "atelier-test.img.zst"', "min_ram_mb = 2048",
    "min_disk_bytes = 1000", 'boot_modes = ["bios", "uefi"]', ""])


@pytest.mark.parametrize("change, words", [
    (('boot_modes = ["bios", "uefi"]', 'boot_modes = "uefi"'), "'boot_modes' must be a list"),
    (('boot_modes = ["bios", "uefi"]', 'boot_modes = ["floppy"]'), "'boot_modes' must be one of"),
    (('name = "atelier-test"', "name = 5"), "'name' must be text"),
    (('name = "atelier-test"', 'name = "' + "x" * 5000 + '"'), "'name' must be text"),
    (('name = "atelier-test"', 'name = "a b/c"'), "is not an image name"),
    (("debian = 13", 'debian = "trixie"'), "'debian' must be a whole number"),
    (("min_ram_mb = 2048", "min_ram_mb = 1e999"), "'min_ram_mb' must be a whole number"),
    (("min_ram_mb = 2048", ""), "'min_ram_mb' is missing"),
    (('kind = "master"', 'kind = "floppy"'), "'kind' must be one of: iso, master"),
    (("debian = 13", "debian = 13\ncolour = 1"), "unknown key 'colour'"),
    (("debian = 13", "[debian"), "is not valid TOML"),
])
def test_garbage_in_images_toml_is_named(cli, tmp_path, change, words):
    folder = tmp_path / "home" / "images"
    folder.mkdir(parents=True)
    (folder / "atelier.toml").write_text(IMAGE.replace(*change), encoding="utf-8")
    for args in (["image", "list"], ["image", "write", "atelier-test", "/dev/null", "--dry-run"]):
        res = cli([*args, "--lang", "en"])
        assert res.exit_code == 7, res.output
        assert "atelier.toml" in res.output and words in res.output


def test_non_utf8_images_toml(cli, tmp_path):
    folder = tmp_path / "home" / "images"
    folder.mkdir(parents=True)
    (folder / "atelier.toml").write_bytes(b"name = '\xff\xfe'\n")
    res = cli(["image", "list", "--lang", "fr"])
    assert res.exit_code == 7 and "n'est pas du texte UTF-8" in res.output


def test_a_5000_character_image_name(cli):
    for args in (["image", "write", "a" * 5000, "/dev/null", "--dry-run"],
                 ["image", "add", "/etc/hostname", "--name", "b" * 5000]):
        res = cli([*args, "--lang", "en"])
        assert res.exit_code in (2, 7, 10), res.output
        assert "Traceback" not in res.output and "File name too long" not in res.output


def _rewrite_index(src: Path, dst: Path, change) -> Path:
    """A copy of a real szst file whose index JSON went through ``change``: the
    trailer is rebuilt as szst.pack writes it (skippable frame, length, tag)."""
    from reemploi.image.szst import SKIPPABLE_MAGIC, TAG
    data = src.read_bytes()
    (json_len,) = struct.unpack("<I", data[-12:-8])
    start = len(data) - 12 - json_len - 8
    doc = json.loads(data[start + 8:start + 8 + json_len])
    body = json.dumps(change(doc)).encode()
    trailer = struct.pack("<II", SKIPPABLE_MAGIC, len(body) + 12) + body \
        + struct.pack("<I", len(body)) + TAG
    dst.write_bytes(data[:start] + trailer)
    return dst


@pytest.mark.parametrize("change", [
    lambda d: {**d, "frames": "x"},
    lambda d: {**d, "frames": [["a", 1, 2, 3, None]]},
    lambda d: {**d, "frames": [d["frames"][0][:3]]},
    lambda d: {**d, "image_size": "big"},
    lambda d: {**d, "block_size": 0},
    lambda d: [d],
])
def test_a_damaged_szst_index_is_bad_input(cli, tmp_path, change):
    raw = tmp_path / "small.img"
    with open(raw, "wb") as fh:
        fh.truncate(1 << 20)
        fh.seek(4096)
        fh.write(os.urandom(8192))
    good = pack_szst(raw, tmp_path / "good.img.zst")
    bad = _rewrite_index(good, tmp_path / "bad.img.zst", change)
    res = cli(["image", "add", bad, "--name", "bad", "--lang", "en"])
    assert res.exit_code == 7, res.output
    assert "szst" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "home" / "images" / "registry.json").exists()


@pytest.mark.root
def test_a_bmap_with_no_range_installs_nothing_and_says_so(cli, tmp_path, loopdev):
    """Before: "success, installed, 0 bytes" and the machine marked imaged."""
    from reemploi.image.bmap import BlockMap, render_bmap
    dev = loopdev(4 << 20)
    raw = tmp_path / "empty-map.img"
    raw.write_bytes(os.urandom(1 << 20))
    (tmp_path / "empty-map.img.bmap").write_bytes(
        render_bmap(BlockMap(1 << 20, 4096, (), "sha256", "2.0")))
    before = Path(dev.path).read_bytes()[:1 << 20]
    res = cli(["image", "write", raw, dev.path, "--yes", "--no-wipe-check", "--lang", "en"])
    assert res.exit_code == 7, res.output
    assert "maps no data" in res.output and "installed" not in res.output
    assert Path(dev.path).read_bytes()[:1 << 20] == before
    assert image_events(tmp_path / "home") == []


# -- output files -------------------------------------------------------------------

def _home_with_a_machine(cli) -> str:
    res = cli(["intake", "--donor", "X", "--device", "laptop:1", "--create-ids", "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.output)["ids"][0]


@pytest.mark.parametrize("out, words", [
    ("{tmp}", "is a folder"),
    ("", "is a folder"),
    ("/proc/version", "cannot be written"),
    ("/dev/null", "not a regular file"),
    ("{tmp}/" + "c" * 300 + ".pdf", "is too long"),
    ("{tmp}/" + "d/" * 3000 + "x.pdf", "cannot be written"),
])
def test_out_problems_are_caught_before_rendering(cli, tmp_path, out, words):
    asset = _home_with_a_machine(cli)
    out = out.format(tmp=tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    for args in (["label", asset, "--out", out], ["sheet", asset, "--out", out],
                 ["stats", "--pdf", out]):
        res = cli([*args, "--lang", "en"])
        assert res.exit_code == 7, (args, res.output)
        assert words in res.output and "Traceback" not in res.output
    # No temporary file or half document left anywhere we looked.
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert not [p for p in Path("/proc").glob(".*.tmp")]


def test_a_nesting_bomb_in_a_rules_file(cli, tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text("a = " + "[" * 3000 + "]" * 3000 + "\n")
    res = cli(["grade", "--replay", Path(__file__).parent / "fixtures" / "machines"
               / "aspire-m3920-desktop", "--rules", rules, "--lang", "en"])
    assert res.exit_code == 7 and "nested too deep" in res.output, res.output


@pytest.mark.parametrize("name, text, words", [
    ("default_weights.toml", "kinds = 5\n", "'kinds' must be a section"),
    ("default_weights.toml", "[kinds.laptop]\nweight_kg = 1e999\n", "'kinds.laptop.weight_kg' must be a number"),
    ("default_weights.toml", "[kinds.laptop]\naliases = 'pc'\n", "'kinds.laptop.aliases' must be a list"),
    ("impact_factors.toml", "[factor.laptop]\nkg_co2e = 1\nsource = 'x'\nyear = 'x'\n",
     "'factor.laptop.year' must be a whole number"),
    ("impact_factors.toml", "[factor.laptop]\nkg_co2e = 1\n", "'factor.laptop.source' is missing"),
])
def test_a_workshop_override_of_weights_or_factors(cli, tmp_path, name, text, words):
    _home_with_a_machine(cli)
    (tmp_path / "home" / name).write_text(text, encoding="utf-8")
    res = cli(["stats", "--lang", "en"])
    assert res.exit_code == 7, res.output
    assert name in res.output and words in res.output
