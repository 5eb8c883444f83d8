"""Read-back verification never says "passed" for bytes it did not read back."""

import os

import pytest

from reemploi.wipe import engine, verify
from reemploi.wipe.patterns import Keystream, prng_pattern

MIB = 1 << 20


@pytest.mark.parametrize("mode", ["full", "sample"])
def test_a_reader_that_dies_fails_the_verification(tmp_path, monkeypatch, mode):
    """Before: a reader thread killed by anything but OSError vanished silently, and the
    chunks it would have read were simply not checked: "passed"."""
    target = tmp_path / "disk.img"
    target.write_bytes(b"\x00" * (16 * MIB))
    fd = os.open(target, os.O_RDWR)
    try:
        dev = engine.Device(fd, 16 * MIB)
        pattern = prng_pattern()
        assert engine.overwrite(dev, pattern).outcome == "success"
        assert verify.verify(dev, pattern, mode, seed=3).ok     # the real thing passes

        real_fill = Keystream.fill

        def broken(self, out, offset, length):
            if offset >= 8 * MIB:
                raise RuntimeError("AES engine gone")
            return real_fill(self, out, offset, length)

        monkeypatch.setattr(engine.Keystream, "fill", broken)
        res = verify.verify(dev, pattern, mode, seed=3)
    finally:
        os.close(fd)
    assert not res.ok and res.outcome == "failed"
    assert "AES engine gone" in res.error
