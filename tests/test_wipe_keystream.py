"""The PRNG keystream filled in parallel pieces is the one AES-CTR stream (issue 16)."""

from __future__ import annotations

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from reemploi.wipe import patterns
from reemploi.wipe.patterns import AES_BLOCK, Keystream, prng_pattern

MIB = 1 << 20


def _one_stream(p, offset: int, length: int) -> bytes:
    """Reference: one encryptor from the pattern's nonce, skipped to ``offset``."""
    counter = (int.from_bytes(p.nonce, "big") + offset // AES_BLOCK) % (1 << 128)
    enc = Cipher(algorithms.AES(p.key), modes.CTR(counter.to_bytes(16, "big"))).encryptor()
    return enc.update(bytes(length)) + enc.finalize()


def test_parallel_pieces_are_the_single_stream(monkeypatch):
    monkeypatch.setattr(patterns, "FILL_WORKERS", 3)      # pieces even on a 1-CPU box
    p = prng_pattern()
    length = 5 * MIB + 3 * AES_BLOCK                      # pieces of unequal length
    offset = 7 * 4096
    ks = Keystream(p, length)
    buf = bytearray(length + 64)
    buf[length:] = b"\xAA" * 64
    ks.fill(buf, offset, length)
    assert bytes(buf[:length]) == _one_stream(p, offset, length)
    assert bytes(buf[length:]) == b"\xAA" * 64            # nothing written past the end
    small = bytearray(64 * 1024)
    ks.fill(small, offset + 4096, len(small))             # below a piece: one encryptor
    assert bytes(small) == _one_stream(p, offset + 4096, len(small))
