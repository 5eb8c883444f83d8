"""What an overwrite pass writes: a constant byte, or a seeded AES-128-CTR keystream.

The PRNG is AES-128 in counter mode over a zero plaintext (NIST SP 800-38A §6.5): a
keystream that any position of which can be regenerated from (key, initial counter
block, offset) alone. That gives us two things nwipe's ISAAC/Mersenne streams do not:
the verification pass regenerates exactly what should be on the disk at any sampled
offset without keeping state, and the generator runs at several GB/s on one core
with AES-NI (measured ≈ 4.9 GB/s here), so it is never the bottleneck.

The key is random (``os.urandom``) per pass and is kept only in memory while the wipe
runs: recording it would let anyone regenerate the stream, which is harmless (the
stream carries no information) but useless too. The record keeps a *seed id* (the
first 8 bytes of SHA-256 of key+nonce) so two records can be told apart.

Multi-pass methods (the certificate says that NIST SP 800-88 r1, Appendix A, "ATA Hard
Disk Drives", asks for at least a single write pass for Clear):

* ``dod3``: DoD 5220.22-M (NISPOM 1995, 8-306) three-pass form: a character, its
  complement, random; verify the last pass.
* ``hmgis5``: HMG Infosec Standard 5, Enhanced: zeros, ones, random; verify.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass


AES_BLOCK = 16
# One update_into call's length: 256 KiB of zero plaintext stays in the 1 MiB L2 while
# the keystream streams out (one AES-CTR thread on this EPYC VM, 2 GiB, GB/s: 64 KiB
# 7.97, 256 KiB 8.06, 1 MiB 7.86, 4 MiB 7.38; 2026-12-06).
FILL_STEP = 256 << 10
# A buffer is cut into this many pieces at least this long, each encrypted by its own
# CTR encryptor in a worker thread: cryptography >= 51 releases the GIL in update_into
# on payloads >= 2 KiB (pyca/cryptography PR #15359; measured here: another thread
# ran 98 % of its Python turns inside 16 MiB update_into calls), so the keystream
# grows with the cores instead of staying at one AES-CTR thread (~2 GB/s, slower than
# an NVMe drive writes; issue 16).
FILL_WORKERS = max(1, min(4, os.cpu_count() or 1))
FILL_PIECE_MIN = 1 << 20
TYPE_CHECKING = False       # as typing.TYPE_CHECKING, without importing typing
if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _encryptor(key: bytes, counter: int):
    """An AES-128-CTR encryptor whose first counter block is ``counter``.

    cryptography is imported here, not with the module: a zero pass (the default
    method) never needs it, and its import costs ~60 ms of every wipe command's start
    (``python -X importtime``, issue 16)."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    return Cipher(algorithms.AES(key), modes.CTR(counter.to_bytes(16, "big"))).encryptor()


def warm_up() -> None:
    """Import the cipher in a background thread, now: a command that will write a PRNG
    pass calls it once the plan says so, and the ~60 ms of ``import cryptography``
    then overlap the waits before the first byte (the fresh ``lsblk`` of the check
    after "yes", the fsync of the ``wipe.started`` record) instead of delaying the
    pass's first block (issue 16). A failure here is left for the pass to report."""
    def load() -> None:
        try:
            _encryptor(bytes(16), 0)
        except Exception:                  # noqa: BLE001 - the pass reports it, typed
            pass
    # Not a daemon: an operator who answers "no" ends the command while the import may
    # still run, and a daemon thread inside OpenSSL's/Rust's initialisation cut down by
    # the interpreter's finalisation aborted the process ("FATAL: exception not
    # rethrown", SIGABRT instead of exit 13; seen in the full suite). The exit waits for
    # it instead: ~60 ms at most.
    threading.Thread(target=load, name="reemploi-cipher-import", daemon=False).start()


def _fill_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            # Imported here: a zero pass never needs it (issue 16, start-up).
            from concurrent.futures import ThreadPoolExecutor
            _pool = ThreadPoolExecutor(max_workers=FILL_WORKERS,
                                       thread_name_prefix="reemploi-keystream")
        return _pool


def close_pool() -> None:
    """Let the fill workers end (idle between fills): a command that is done calls it
    so that it can leave without the interpreter's teardown (entry.py)."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True)


@dataclass(frozen=True)
class Pattern:
    """One pass's content: ``kind`` is "byte" (with ``value``) or "prng" (with key)."""

    kind: str
    value: int = 0
    key: bytes = b""
    nonce: bytes = b""

    @property
    def name(self) -> str:
        if self.kind == "prng":
            return "aes-128-ctr"
        return f"0x{self.value:02x}"

    @property
    def seed_id(self) -> str | None:
        if self.kind != "prng":
            return None
        return hashlib.sha256(self.key + self.nonce).hexdigest()[:16]

    def describe(self) -> dict:
        out = {"pattern": self.name}
        if self.kind == "prng":
            out.update(algorithm="AES-128-CTR (cryptography/OpenSSL)", seed_id=self.seed_id)
        return out


def byte_pattern(value: int) -> Pattern:
    return Pattern("byte", value & 0xFF)


def prng_pattern(key: bytes | None = None, nonce: bytes | None = None) -> Pattern:
    return Pattern("prng", 0, key or os.urandom(16), nonce or os.urandom(16))


class Keystream:
    """Fills buffers with the keystream at any 16-byte aligned offset."""

    def __init__(self, pattern: Pattern, max_len: int, *, workers: int | None = None) -> None:
        assert pattern.kind == "prng"
        self.key = pattern.key
        self.counter0 = int.from_bytes(pattern.nonce, "big")
        # The plaintext: zeros, read FILL_STEP at a time (no need for a buffer's worth).
        self.zeros = bytes(FILL_STEP)
        self.workers = workers          # None: FILL_WORKERS pieces

    def fill(self, out, offset: int, length: int) -> None:
        """Write ``length`` keystream bytes for disk ``offset`` into ``out[:length]``,
        in up to ``FILL_WORKERS`` pieces computed in parallel (CTR starts anywhere:
        each piece's counter is the block number of its first byte)."""
        assert offset % AES_BLOCK == 0 and length % AES_BLOCK == 0
        view = memoryview(out)
        try:
            workers = self.workers if self.workers is not None else FILL_WORKERS
            pieces = min(workers, length // FILL_PIECE_MIN)
            if pieces <= 1:
                self._fill_piece(view[:length], offset)
                return
            size = length // pieces // AES_BLOCK * AES_BLOCK
            starts = [i * size for i in range(pieces)]
            ends = starts[1:] + [length]
            jobs = [_fill_pool().submit(self._fill_piece, view[a:b], offset + a)
                    for a, b in zip(starts, ends)]
            for job in jobs:
                job.result()
        finally:
            view.release()

    def _fill_piece(self, view: memoryview, offset: int) -> None:
        """Keystream for disk ``offset`` into all of ``view``, writing nowhere else
        (pieces of one buffer are filled at once): ``update_into`` wants 15 spare
        bytes after what it writes, so the last 16 bytes come from ``update``."""
        length = len(view)
        counter = (self.counter0 + offset // AES_BLOCK) % (1 << 128)
        enc = _encryptor(self.key, counter)
        zeros = memoryview(self.zeros)
        body = length - AES_BLOCK
        done = 0
        while done < body:
            n = min(FILL_STEP, body - done)
            enc.update_into(zeros[:n], view[done:done + n + AES_BLOCK - 1])
            done += n
        view[body:length] = enc.update(zeros[:AES_BLOCK])

    def bytes_at(self, offset: int, length: int) -> bytes:
        """The keystream at an arbitrary offset (used by sampled verification)."""
        start = offset - offset % AES_BLOCK
        skip = offset - start
        total = skip + length
        buf = bytearray(total + AES_BLOCK)
        counter = (self.counter0 + start // AES_BLOCK) % (1 << 128)
        enc = _encryptor(self.key, counter)
        n = enc.update_into(bytes(total), buf)
        return bytes(buf[skip:skip + length]) if n >= total else b""
