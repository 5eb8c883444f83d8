"""Pure parts of the post-install and of the szst index: table-driven."""

from __future__ import annotations

import json
import struct

import pytest

from reemploi.errors import BadInput
from reemploi.image.postinstall import (hostname_for, hosts_with, parse_sfdisk_json,
                                        valid_hostname)
from reemploi.image.szst import SKIPPABLE_MAGIC, TAG, read_index


@pytest.mark.parametrize("hosts, old, new, want_line, kept", [
    ("127.0.0.1\tlocalhost\n127.0.1.1\tmaster\n", "master", "re-t-12",
     "127.0.1.1\tre-t-12", "127.0.0.1\tlocalhost"),
    # No 127.0.1.1 line (some installs): one is added after localhost.
    ("127.0.0.1 localhost\n::1 localhost ip6-localhost\n", "master", "poste-1",
     "127.0.1.1\tposte-1", "::1 localhost ip6-localhost"),
    # The old name on another line is renamed too; comments stay.
    ("# local\n127.0.0.1 localhost master\n", "master", "p2",
     "127.0.0.1 localhost p2", "# local"),
])
def test_hosts_with(hosts, old, new, want_line, kept):
    out = hosts_with(hosts, old, new)
    assert want_line in out.splitlines() and kept in out.splitlines()
    assert f" {old}" not in out and f"\t{old}" not in out


@pytest.mark.parametrize("asset, name", [
    ("RE-T-2026-0042", "re-t-2026-0042"), ("Atelier/PC 7", "atelier-pc-7"),
    ("---", "reemploi"), ("x" * 80, "x" * 63),
])
def test_hostname_for_gives_valid_labels(asset, name):
    assert hostname_for(asset) == name and valid_hostname(name)


@pytest.mark.parametrize("name, ok", [("poste-3", True), ("-bad", False), ("Bad", False),
                                      ("a" * 64, False), ("a_b", False), ("7", True)])
def test_valid_hostname(name, ok):
    assert valid_hostname(name) is ok


def test_parse_sfdisk_json():
    text = json.dumps({"partitiontable": {
        "label": "gpt", "sectorsize": 4096, "partitions": [
            {"node": "/dev/nvme0n1p1", "start": 256, "size": 131072, "type": "C12A7328"},
            {"node": "/dev/nvme0n1p2", "start": 131328, "size": 900000, "type": "0FC63DAF"}]}})
    t = parse_sfdisk_json(text)
    assert t.label == "gpt" and t.sector_size == 4096
    assert t.last.number == 2 and t.last.start == 131328
    assert parse_sfdisk_json("") is None


def _szst_with_index(tmp_path, doc: dict, damage: str = ""):
    payload = json.dumps(doc).encode()
    size = len(payload) + 12 if damage != "size" else len(payload)
    blob = struct.pack("<II", SKIPPABLE_MAGIC, size) + payload + struct.pack("<I", len(payload)) + TAG
    path = tmp_path / "x.img.zst"
    path.write_bytes(blob)
    return path


def test_szst_index_damage_is_bad_input(tmp_path):
    good = {"format": "reemploi-szst", "version": 1, "image_size": 4096, "block_size": 4096,
            "frames": [[0, 4096, 0, 0, None]]}
    assert read_index(_szst_with_index(tmp_path, good)).image_size == 4096
    with pytest.raises(BadInput):
        read_index(_szst_with_index(tmp_path, good, damage="size"))
    with pytest.raises(BadInput):                     # frames do not cover the image
        read_index(_szst_with_index(tmp_path, {**good, "image_size": 8192}))
    with pytest.raises(BadInput) as exc:
        read_index(_szst_with_index(tmp_path, {**good, "version": 2}))
    # Said in French, detail included (it was "unknown szst format version").
    from reemploi.i18n import _
    french = exc.value.render(lambda m: _(m, "fr"))
    assert "l'index szst de l'image est d'une version de format" in french, french
    (tmp_path / "plain").write_bytes(b"\x28\xb5\x2f\xfd" + bytes(40))
    assert read_index(tmp_path / "plain") is None
