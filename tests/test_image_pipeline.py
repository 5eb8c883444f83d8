"""Issue 16's image engine: zeros found in bulk, ``image make`` reading only what a
sparse loop backing file holds, and a plain stream's range checksum checked before
the range's last piece reaches the disk."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess

import pytest

from reemploi.errors import ExitCode
from reemploi.image.blockmap import BLOCK_SIZE, _kinds, zeros
from reemploi.image.bmap import BlockMap, BmapRange, render_bmap
from reemploi.image.mapped import data_ranges
from test_image_support import MiB

B = BLOCK_SIZE


def _block_by_block(piece: bytes) -> list[tuple[int, int, bool]]:
    """The old per-block walk, the reference the bulk search must agree with."""
    out: list[tuple[int, int, bool]] = []
    for off in range(0, len(piece), B):
        blk = piece[off:off + B]
        z = blk == zeros(len(blk))
        if out and out[-1][2] == z:
            out[-1] = (out[-1][0], off + len(blk), z)
        else:
            out.append((off, off + len(blk), z))
    return out


def _piece(*parts: bytes) -> bytes:
    return b"".join(parts)


DATA = b"\x5a" * B
ZERO = bytes(B)


@pytest.mark.parametrize("piece", [
    _piece(DATA, DATA, DATA),                                  # all data
    _piece(ZERO, ZERO),                                        # all zeros
    _piece(DATA, ZERO, DATA),                                  # one zero block inside data
    _piece(ZERO, DATA, ZERO, ZERO, DATA, ZERO),                # zero runs at both ends
    # A run of B zeros straddling two blocks is not a zero block (neither block is zero).
    _piece(DATA[:B // 2], ZERO, DATA[:B // 2], DATA),
    # A zero run of 1.5 blocks that covers exactly one aligned block.
    _piece(DATA[:B // 2], bytes(B // 2), ZERO, DATA),
    _piece(DATA, ZERO[:100]),                                  # a short zero tail
    _piece(DATA, DATA[:100]),                                  # a short data tail
    _piece(ZERO, b"\x01" + ZERO[1:], ZERO),                     # one non-zero byte
], ids=["data", "zeros", "hole-inside", "both-ends", "straddling-run", "run-1.5",
        "zero-tail", "data-tail", "one-byte"])
def test_zero_blocks_are_found_in_bulk_as_block_by_block(piece):
    assert _kinds(piece, len(piece), B, ZERO) == _block_by_block(piece)


def test_data_ranges_of_a_sparse_file(tmp_path):
    path = tmp_path / "sparse.img"
    with open(path, "wb") as fh:
        fh.truncate(64 * MiB)
        fh.seek(8 * MiB)
        fh.write(os.urandom(MiB))
        fh.seek(40 * MiB + 100)
        fh.write(b"x" * 10)
        fh.flush()
        os.fsync(fh.fileno())
    fd = os.open(path, os.O_RDONLY)
    try:
        ranges = data_ranges(fd, 0, 64 * MiB)
        if ranges is None:
            pytest.skip("this file system has no SEEK_DATA")
        shifted = data_ranges(fd, 4 * MiB, 60 * MiB)
    finally:
        os.close(fd)
    covered = sum(n for _, n in ranges)
    # The written bytes are inside the ranges (file systems allocate whole blocks or
    # more), and the 60-odd MiB never written are not.
    assert any(o <= 8 * MiB and o + n >= 9 * MiB for o, n in ranges)
    assert any(o <= 40 * MiB + 100 and o + n >= 40 * MiB + 110 for o, n in ranges)
    assert covered < 8 * MiB
    assert all(o % 4096 == 0 and n % 4096 == 0 for o, n in ranges)
    assert [(o + 4 * MiB, n) for o, n in shifted] == ranges


def _rchar() -> int:
    with open("/proc/self/io") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("rchar:"))


@pytest.mark.root
def test_make_reads_only_what_the_loop_backing_file_holds(cli, loopdev, tmp_path):
    dev = loopdev(128 * MiB)
    content = {8 * MiB: os.urandom(MiB), 20 * MiB: bytes(MiB), 100 * MiB: os.urandom(MiB)}
    with open(dev.path, "r+b") as fh:
        for off, data in content.items():
            fh.seek(off)
            fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    out = tmp_path / "cap.img.zst"
    before = _rchar()
    r = cli(["image", "make", dev.path, out, "--json"])
    read = _rchar() - before
    assert r.exit_code == 0, r.output
    rep = json.loads(r.output)
    # 3 MiB written to a 128 MiB disk: the capture read a few MiB, not 128.
    assert read < 32 * MiB, read
    # The written zeros are holes too (zero detection inside the mapped ranges).
    assert rep["mapped_bytes"] == 2 * MiB
    assert rep["image_sha256"] is None           # holes are not hashed any more
    whole = subprocess.run(["zstd", "-dc", str(out)], capture_output=True, check=True).stdout
    with open(dev.path, "rb") as fh:
        assert hashlib.sha256(whole).digest() == hashlib.sha256(fh.read()).digest()


@pytest.mark.root
@pytest.mark.parametrize("damaged,verify", [(False, True), (False, False), (True, True),
                                            (True, False)])
def test_a_plain_zst_range_of_several_pieces_is_checked(cli, loopdev, tmp_path, damaged,
                                                          verify):
    """bmaptool's ranges can be far larger than one 16 MiB piece. With the read-back
    (the default) the range is hashed once, from the disk, against the map; without
    it the checksum is kept across the pieces and a damaged range's last piece is
    never written. Either way a damaged range is exit 9."""
    raw = tmp_path / "r.img"
    body = os.urandom(40 * MiB)
    raw.write_bytes(body)
    img = tmp_path / "r.img.zst"
    subprocess.run(["zstd", "-q", "-1", str(raw), "-o", str(img)], check=True)
    sha = hashlib.sha256(body).hexdigest()
    if damaged:
        sha = hashlib.sha256(b"another image").hexdigest()
    bmap = BlockMap(len(body), B, (BmapRange(0, len(body) // B - 1, sha),), "sha256")
    (tmp_path / "r.img.bmap").write_bytes(render_bmap(bmap))
    dev = loopdev(64 * MiB)
    r = cli(["image", "write", img, dev.path, "--yes", "--no-wipe-check", "--no-postinstall",
             "--json"] + ([] if verify else ["--no-verify"]))
    with open(dev.path, "rb") as fh:
        written = fh.read(len(body))
    if not damaged:
        assert r.exit_code == 0, r.output
        assert json.loads(r.output)["verify"] == ("passed" if verify else "skipped")
        assert written == body
    else:
        assert r.exit_code == ExitCode.VERIFY_FAILED, r.output
        assert json.loads(r.stdout)["result"] == "failed"
        if not verify:
            assert written[32 * MiB:] == bytes(8 * MiB)   # the range's last piece
