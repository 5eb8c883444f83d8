"""The off-station anchor: the server's last signed receipt, and the check against it.

After each push the station keeps the receipt twice: as a ``sync.receipt`` event in
its journal (the history says when it was anchored) and as ``sync/receipt.json`` beside
the journal (cutting the journal's end cannot remove that copy). ``inventory verify``
then checks that the journal still holds, at the receipt's ``seq``, the line whose
hash the server signed: a journal truncated or rewritten after a push no longer does,
even if its own chain was recomputed to look whole.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ..errors import IntegrityError
from ..inventory.journal import HASH_KEY, Journal
from .config import RECEIPT_FILE, last_receipt, pinned_server, sync_dir, write_json
from .protocol import RECEIPT_EVENT, canonical, receipt_body
from ..i18n import N_


class ReceiptInvalid(IntegrityError):
    msg = "The server's receipt is not valid: {why}"


def check_receipt_signature(home: Path, receipt: dict | None, station: str, seq: int,
                            hash_: str) -> None:
    """The receipt is for this head and signed by the server key pinned at enrolment."""
    pinned = pinned_server(home) or {}
    if not isinstance(receipt, dict):
        raise ReceiptInvalid(why=N_("missing"))
    body = receipt_body(receipt)
    if (body["station"], body["seq"], body["hash"]) != (station, seq, hash_):
        raise ReceiptInvalid(why=f"it is for {body['station']} line {body['seq']}")
    if body["server_key"] != pinned.get("server_key") or not pinned.get("server_public_key"):
        raise ReceiptInvalid(why=N_("signed by a key that is not the pinned server key"))
    try:
        raw = base64.b64decode(pinned["server_public_key"], validate=True)
        Ed25519PublicKey.from_public_bytes(raw).verify(
            base64.b64decode(str(receipt.get("signature")), validate=True), canonical(body))
    except (InvalidSignature, ValueError, TypeError):
        raise ReceiptInvalid(why=N_("bad signature")) from None


def save_receipt(home: Path, receipt: dict, station_name: str | None, operator: str | None,
                 record: bool = True) -> None:
    kept = {**receipt_body(receipt), "signature": receipt.get("signature")}
    write_json(sync_dir(home) / RECEIPT_FILE, kept)
    if record:
        append_receipt(home, kept, station_name or "station", operator)


def append_receipt(home: Path, kept: dict, station: str, operator: str | None) -> None:
    """The receipt as a ``sync.receipt`` event, appended after the journal's last line
    (its own lock, line builder and fsync, the payload validated by its typed event as
    every append is) without opening the inventory. A receipt changes no record, so
    the projection needs nothing but the next command's catch-up of this one line;
    opening the inventory here instead meant, when the projection was stale (a
    format change, a missing projection), refolding the whole journal before a
    one-line append: 537 s for 200 000-line journals in the central benchmark. The cost
    is now that of reading the journal's last line. A data directory in the broken
    state (inventory/integrity.py) takes no write, this one included."""
    import json

    from .. import events as typed
    from ..inventory.errors import DataDirBroken, JournalWriteFailed
    from ..inventory.journal import BROKEN_NAME, build_line

    payload = typed.for_append(RECEIPT_EVENT, kept).to_payload()
    journal = Journal(home)
    with journal.locked():
        broken = Path(home) / BROKEN_NAME
        if broken.exists():
            try:
                state = json.loads(broken.read_bytes())
            except ValueError:
                state = {}
            state = state if isinstance(state, dict) else {}
            raise DataDirBroken(problem=state.get("problem") or "unknown",
                                kept=state.get("kept_seq"), seen=state.get("seen_seq") or "?")
        journal.recover_torn()
        seq, prev, _ = journal.tail()
        _, line = build_line(seq + 1, prev, station=station, operator=operator,
                             asset_id=None, type=RECEIPT_EVENT, payload=payload)
        try:
            journal.append_lines(line)
        except OSError as exc:
            raise JournalWriteFailed(path=str(journal.path),
                                     why=exc.strerror or str(exc)) from None


@dataclass(frozen=True)
class AnchorReport:
    anchored: bool                  # a receipt exists
    ok: bool
    seq: int = 0
    hash: str = ""
    network: str = ""
    time: str = ""
    problem: str | None = None      # truncated | rewritten | bad-receipt


def check_anchor(home: Path) -> AnchorReport:
    """Compare the journal with the last receipt (no receipt: nothing to compare)."""
    receipt = last_receipt(home)
    if not receipt:
        return AnchorReport(False, True)
    body = receipt_body(receipt)
    seq, hash_ = int(body.get("seq") or 0), str(body.get("hash") or "")
    base = dict(anchored=True, seq=seq, hash=hash_, network=str(body.get("network") or ""),
                time=str(body.get("time") or ""))
    try:
        check_receipt_signature(home, receipt, str(body.get("station")), seq, hash_)
    except ReceiptInvalid:
        return AnchorReport(ok=False, problem="bad-receipt", **base)
    n = 0
    for _, line in Journal(home).iter_lines():
        n += 1
        if n == seq:
            i = line.find(HASH_KEY)
            ok = i >= 0 and line[i + 9:i + 73].decode(errors="replace") == hash_
            return AnchorReport(ok=ok, problem=None if ok else "rewritten", **base)
    return AnchorReport(ok=False, problem="truncated", **base)



class AnchorBroken(IntegrityError):
    msg = ("The journal no longer holds line {seq} as the server {network} signed it ({why}): "
           "it was cut or rewritten after it was sent")
