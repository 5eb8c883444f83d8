"""bmaptool's block map format: ours is read by ``bmaptool copy``, theirs by us."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from reemploi.errors import BadInput
from reemploi.image.bmap import BlockMap, BmapRange, parse_bmap, render_bmap
from test_image_support import MiB, build_master, pack_szst, sh

needs_bmaptool = pytest.mark.skipif(shutil.which("bmaptool") is None,
                                    reason="bmap-tools is not installed")


def test_render_parse_round_trip_and_self_checksum():
    bm = BlockMap(10_000, 4096, (BmapRange(0, 0, "a" * 64), BmapRange(2, 2, "b" * 64)))
    data = render_bmap(bm)
    back = parse_bmap(data)
    assert back.ranges == bm.ranges and back.image_size == 10_000
    assert back.blocks_count == 3 and back.mapped_blocks == 2
    # The last block is clipped to the image size.
    assert [(e.start, e.length) for e in back.extents()] == [(0, 4096), (8192, 10_000 - 8192)]
    tampered = data.replace(b"> 2 <", b"> 1 <")
    with pytest.raises(BadInput):
        parse_bmap(tampered)


@pytest.mark.parametrize("text, why", [
    (b"<notbmap/>", "root"),
    (b'<bmap version="2.0"><ImageSize>100</ImageSize></bmap>', "BlockSize"),
    (b'<bmap version="2.0"><ImageSize>8192</ImageSize><BlockSize>4096</BlockSize>'
     b'<BlockMap><Range> 0-5 </Range></BlockMap></bmap>', "outside"),
    (b'<bmap version="9.0"><ImageSize>1</ImageSize><BlockSize>1</BlockSize></bmap>', "version"),
    (b"<bmap", "bmap"),
])
def test_bad_bmaps_are_bad_input(text, why):
    with pytest.raises(BadInput) as exc:
        parse_bmap(text)
    assert why in str(exc.value)
    # The whole message reads in French, the detail too (it was an English 'why').
    from reemploi.i18n import _
    french = exc.value.render(lambda m: _(m, "fr"))
    assert french != str(exc.value) and "fichier bmap" in french, french
    for english in ("missing", "unsupported", "outside", "root element", "not well-formed",
                    "syntax error", "the image"):
        assert english not in french, (english, french)


def test_reads_bmap_1_x_with_sha1():
    text = (b'<?xml version="1.0" ?>\n<bmap version="1.3"><ImageSize> 8192 </ImageSize>'
            b"<BlockSize> 4096 </BlockSize><BlocksCount> 2 </BlocksCount>"
            b'<MappedBlocksCount> 1 </MappedBlocksCount><BlockMap>'
            b'<Range sha1="' + b"c" * 40 + b'"> 1 </Range></BlockMap></bmap>')
    bm = parse_bmap(text)
    assert bm.checksum_type == "sha1" and bm.ranges == (BmapRange(1, 1, "c" * 40),)
    assert bm.extents()[0].sha256 is None          # sha1 is not ours to verify with


@needs_bmaptool
@pytest.mark.root
def test_bmaptool_copy_accepts_our_szst_and_bmap(loopdev, tmp_path):
    raw, _ = build_master(tmp_path)
    szst = pack_szst(raw, tmp_path / "master.img.zst")
    dev = loopdev(96 * MiB)
    r = subprocess.run(["bmaptool", "copy", "--bmap", str(tmp_path / "master.img.bmap"),
                        str(szst), dev.path], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "mapped" in r.stderr                    # it used the block map
    with open(dev.path, "rb") as fh:
        assert fh.read(raw.stat().st_size) == raw.read_bytes()


@needs_bmaptool
@pytest.mark.root
def test_we_accept_bmaptool_create_output(cli, loopdev, tmp_path):
    raw, _ = build_master(tmp_path)
    # bmaptool create finds holes with FIEMAP/SEEK_HOLE: make the image sparse first.
    sparse = tmp_path / "sparse.img"
    sh("cp", "--sparse=always", raw, sparse)
    bmap = tmp_path / "sparse.img.bmap"
    sh("bmaptool", "create", "-o", bmap, sparse)
    theirs = parse_bmap(bmap.read_bytes())
    assert theirs.mapped_bytes < sparse.stat().st_size
    dev = loopdev(96 * MiB)
    r = cli(["image", "write", sparse, dev.path, "--yes", "--no-wipe-check",
             "--no-postinstall", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["bytes_written"] == theirs.mapped_bytes and out["verify"] == "passed"
    with open(dev.path, "rb") as fh:
        assert fh.read(raw.stat().st_size) == raw.read_bytes()
