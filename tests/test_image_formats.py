"""Every image kind is read and written right: raw, hybrid-ISO-like raw, .zst, .xz, .gz,
with and without a block map; our szst stays a valid zstd file for ``zstd -dc``."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess

import pytest

from reemploi.image import blockmap, sources
from reemploi.image.blockmap import BLOCK_SIZE, segments
from reemploi.image.szst import read_index
from test_image_support import MiB, build_master, pack_szst, sh


@pytest.fixture(scope="module")
def raw(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fmt")
    img, _ = build_master(folder, 40 * MiB)
    return img


def test_segments_find_holes_and_cut_data(tmp_path):
    data = bytearray(10 * BLOCK_SIZE)
    data[BLOCK_SIZE:3 * BLOCK_SIZE] = b"x" * (2 * BLOCK_SIZE)
    data[9 * BLOCK_SIZE + 10] = 1
    pos = {"p": 0}

    def read(n):
        chunk = bytes(data[pos["p"]:pos["p"] + n])
        pos["p"] += len(chunk)
        return chunk
    segs = list(segments(read, len(data), max_data=BLOCK_SIZE, read_size=4 * BLOCK_SIZE))
    shape = [(s.offset // BLOCK_SIZE, s.length // BLOCK_SIZE, s.is_hole) for s in segs]
    assert shape == [(0, 1, True), (1, 1, False), (2, 1, False), (3, 6, True), (9, 1, False)]


def test_segments_refuse_a_truncated_stream():
    from reemploi.errors import BadInput
    with pytest.raises(BadInput):
        list(segments(lambda n: b"", 8192))


def test_szst_is_a_valid_zstd_stream_and_its_index_matches(raw, tmp_path):
    szst = pack_szst(raw, tmp_path / "m.img.zst")
    assert sources.detect_kind(szst) is sources.Kind.SZST
    out = subprocess.run(["zstd", "-dc", str(szst)], capture_output=True, check=True).stdout
    assert out == raw.read_bytes()
    index = read_index(szst)
    assert index.image_size == raw.stat().st_size
    assert 0 < index.mapped_bytes < index.image_size
    for f in index.data_frames:
        assert hashlib.sha256(out[f.offset:f.offset + f.length]).hexdigest() == f.sha256
    for f in index.frames:
        if f.is_hole:
            assert out[f.offset:f.offset + f.length] == bytes(f.length)
    # The index read to tell the kind travels with the image's description: planning,
    # the writer and the catalogue take it from there, none parses the file again.
    assert sources.detect(szst) == (sources.Kind.SZST, index)
    info = sources.inspect(szst)
    assert info.index == index and info.bmap.ranges == index.to_bmap().ranges


def test_plain_zst_is_not_mistaken_for_szst(raw, tmp_path):
    plain = tmp_path / "p.img.zst"
    sh("zstd", "-q", "-o", plain, raw)
    assert sources.detect_kind(plain) is sources.Kind.ZST
    assert read_index(plain) is None
    assert sources.detect(plain) == (sources.Kind.ZST, None)


@pytest.mark.root
@pytest.mark.parametrize("kind", ["zst", "xz", "gz", "raw"])
@pytest.mark.parametrize("with_bmap", [True, False])
def test_write_each_kind(cli, loopdev, raw, tmp_path, kind, with_bmap):
    if kind == "raw":
        img = tmp_path / "x.img"
        sh("cp", raw, img)
    else:
        img = tmp_path / f"x.img.{kind}"
        tool = {"zst": ["zstd", "-q", "-1", "-c"], "xz": ["xz", "-0", "-T1", "-c"],
                "gz": ["gzip", "-1", "-c"]}[kind]
        with open(img, "wb") as out:
            subprocess.run(tool + [str(raw)], stdout=out, check=True)
    if with_bmap:
        with open(raw, "rb") as fh:
            bm, _ = blockmap.scan(fh.read, raw.stat().st_size)
        from reemploi.image.bmap import render_bmap
        (tmp_path / "x.img.bmap").write_bytes(render_bmap(bm))
    dev = loopdev(64 * MiB)
    with open(dev.path, "r+b") as fh:        # a "wiped" disk: zeros, like the image's holes
        pass
    r = cli(["image", "write", img, dev.path, "--yes", "--no-wipe-check", "--no-postinstall",
             "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    size = raw.stat().st_size
    if with_bmap:
        assert out["bytes_written"] < size
    else:
        assert out["bytes_written"] == size
    with open(dev.path, "rb") as fh:
        assert fh.read(size) == raw.read_bytes()


@pytest.mark.root
def test_unaligned_image_tail_is_written(cli, loopdev, tmp_path):
    """An ISO's size need not be a multiple of 4 KiB: the tail goes without O_DIRECT."""
    img = tmp_path / "odd.iso"
    body = bytearray(os.urandom(3 * MiB + 1536))    # a multiple of 512, not of 4096
    body[32769:32774] = b"CD001"                    # ISO 9660 primary volume descriptor
    body = bytes(body)
    img.write_bytes(body)
    dev = loopdev(8 * MiB)
    r = cli(["image", "write", img, dev.path, "--yes", "--no-wipe-check", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["verify"] == "passed"
    assert out["plan"]["iso"] is True
    assert {s["reason"] for s in out["postinstall"]} == {"iso-image"}   # left as published
    with open(dev.path, "rb") as fh:
        assert fh.read(len(body)) == body
