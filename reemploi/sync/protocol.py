"""What station and server agree on: the signed messages, headers and receipts.

Every signature is Ed25519 (RFC 8032) over a short ASCII message that names the
protocol version, the purpose and the station, so a signature made for one purpose
(a push) can never be replayed as another (a pull, an enrolment):

    reemploi-sync/1 head  <station> <seq> <hash>          push: the new head
    reemploi-sync/1 pull  <station> <unix time>           pull: fresh for 5 minutes
    reemploi-sync/1 enrol <station> <fingerprint> <genesis hash or ->

A receipt is the server's signature over the canonical JSON of
``{"protocol", "network", "server_key", "station", "seq", "hash", "received", "time"}``:
the server says it holds the station's chain up to ``seq`` ending in ``hash``.
"""

from __future__ import annotations

import json
import re

VERSION = "reemploi-sync/1"
STATION_RE = re.compile(r"^[A-Z0-9]+-[A-Z0-9]{1,3}$")
PULL_WINDOW_S = 300
MAX_PUSH_LINES = 20_000          # lines per request: one transaction each
MAX_BODY = 64 << 20              # bytes per request, after decompression

H_STATION = "X-Reemploi-Station"
H_SEQ = "X-Reemploi-Seq"
H_HASH = "X-Reemploi-Hash"
H_SIGNATURE = "X-Reemploi-Signature"
H_TIME = "X-Reemploi-Time"

RECEIPT_EVENT = "sync.receipt"   # the station journal's record of a receipt


def station_id(prefix: str, code: str) -> str:
    return f"{prefix.upper()}-{code.upper()}"


def head_message(station: str, seq: int, hash_: str) -> bytes:
    return f"{VERSION} head {station} {int(seq)} {hash_}".encode("ascii")


def pull_message(station: str, unix_time: int) -> bytes:
    return f"{VERSION} pull {station} {int(unix_time)}".encode("ascii")


def enrol_message(station: str, fingerprint: str, genesis: str) -> bytes:
    return f"{VERSION} enrol {station} {fingerprint} {genesis or '-'}".encode("ascii")


def canonical(obj) -> bytes:
    """Same canonical JSON as the journal (sorted keys, compact, UTF-8)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


RECEIPT_KEYS = ("protocol", "network", "server_key", "station", "seq", "hash", "received", "time")


def receipt_body(receipt: dict) -> dict:
    """The signed part of a receipt (anything else in it is ignored, never trusted)."""
    return {k: receipt.get(k) for k in RECEIPT_KEYS}
