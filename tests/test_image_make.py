"""``image make``: capture a master image (szst + bmap) from a prepared disk."""

from __future__ import annotations

import json
import subprocess

import pytest

from test_image_support import MiB, build_master, sh

pytestmark = pytest.mark.root


def test_make_captures_a_disk_as_szst_with_bmap(cli, loopdev, tmp_path):
    raw, _ = build_master(tmp_path, 48 * MiB)
    dev = loopdev(48 * MiB)
    with open(dev.path, "r+b") as fh:
        fh.write(raw.read_bytes())
    out = tmp_path / "cap.img.zst"
    r = cli(["image", "make", dev.path, out, "--json"])
    assert r.exit_code == 0, r.output
    rep = json.loads(r.output)
    assert rep["mapped_bytes"] < rep["image_size"] == 48 * MiB
    assert rep["compressed_bytes"] < rep["mapped_bytes"]
    assert (tmp_path / "cap.img.bmap").is_file()
    whole = subprocess.run(["zstd", "-dc", str(out)], capture_output=True, check=True).stdout
    assert whole == raw.read_bytes()
    # And bmaptool can write what we captured.
    target = loopdev(64 * MiB)
    r = subprocess.run(["bmaptool", "copy", str(out), target.path], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    with open(target.path, "rb") as fh:
        assert fh.read(48 * MiB) == raw.read_bytes()


def test_make_refuses_a_mounted_disk(cli, loopdev, tmp_path):
    dev = loopdev(32 * MiB)
    sh("mkfs.ext4", "-q", "-F", dev.path)
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    sh("mount", dev.path, mnt)
    try:
        r = cli(["image", "make", dev.path, tmp_path / "x.img.zst"])
        assert r.exit_code == 8, r.output
    finally:
        sh("umount", mnt)
    assert not (tmp_path / "x.img.zst").exists()


def test_make_wants_a_zst_name(cli, loopdev, tmp_path):
    dev = loopdev(8 * MiB)
    assert cli(["image", "make", dev.path, tmp_path / "x.img"]).exit_code == 7


def test_make_never_overwrites_a_master(cli, loopdev, tmp_path):
    """A typo must not clobber the workshop's master: an existing OUT (or its bmap) is
    refused (exit 11) and left as it was; nothing half-written stays behind."""
    dev = loopdev(8 * MiB)
    out = tmp_path / "master.img.zst"
    out.write_bytes(b"the workshop's master")
    r = cli(["image", "make", dev.path, out])
    assert r.exit_code == 11, r.output
    assert out.read_bytes() == b"the workshop's master"
    other = tmp_path / "other.img.zst"
    (tmp_path / "other.img.bmap").write_text("<bmap/>")
    assert cli(["image", "make", dev.path, other]).exit_code == 11
    assert not other.exists() and not list(tmp_path.glob("*.part"))
