"""The station's sync actions: enrol, push, pull --restore.

    enrol(home, server, restore=False) -> dict   # {state, code, station, ...}
    push(home, station_name, operator) -> PushOutcome
    restore(home) -> int                         # lines restored

The station's Ed25519 key (``reemploi.wipe.signing``, created on first use) signs
every request that changes or reads its chain. The server's key, pinned at enrolment,
must sign every receipt.
"""

from __future__ import annotations

import base64
import json
import os
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from ..errors import IntegrityError, Refused
from ..i18n import N_
from ..inventory.journal import HASH_KEY, Journal, fsync_dir
from ..settings import load_settings
from ..wipe.signing import fingerprint, load_or_create_key, public_raw
from . import chain
from . import protocol as P
from .anchor import check_receipt_signature, save_receipt
from .config import (SERVER_FILE, load_sync_settings, pinned_server, sync_dir, this_station,
                     write_json)
from .http import request

RECEIPT_ENDING = b'"type":"' + P.RECEIPT_EVENT.encode() + b'"}\n'


class NotEnrolled(Refused):
    msg = "This station is not enrolled on a server: run 'reemploi sync enrol --server URL'"


class JournalBehindServer(IntegrityError):
    msg = ("The journal ends at line {local} but the server holds line {server}: it was cut "
           "or replaced. Restore it with 'reemploi sync pull --restore'")


class JournalDiffers(IntegrityError):
    msg = "Line {seq} of the journal is not the line the server holds: the journal was rewritten"


@dataclass(frozen=True)
class PushOutcome:
    station: str
    sent: int                      # lines sent in this run
    stored: int                    # lines the server stored (0: it had them all)
    head_seq: int
    receipt: dict | None


def _sign(home: Path, message: bytes) -> str:
    return base64.b64encode(load_or_create_key(home).sign(message)).decode()


def _server(home: Path, server: str | None = None) -> tuple[str, dict | None]:
    pinned = pinned_server(home)
    url = server or (pinned or {}).get("url") or load_sync_settings(home).server
    if not url:
        raise NotEnrolled()
    return url.rstrip("/"), pinned


def _genesis(journal: Journal) -> str:
    for _, line in journal.iter_lines():
        i = line.find(HASH_KEY)
        return line[i + 9:i + 73].decode() if i >= 0 else ""
    return ""


def enrol(home: Path, server: str, restore: bool = False, timeout: float = 10.0) -> dict:
    """Ask the server to enrol this station; the answer holds the one-time code to give
    the coordinator. Pins the server's key."""
    settings = load_settings(home)
    station = P.station_id(settings.workshop.prefix, settings.station_code)
    key = load_or_create_key(home)
    raw = public_raw(key)
    fp = fingerprint(raw)
    genesis = "" if restore else _genesis(Journal(home))
    sig = base64.b64encode(key.sign(P.enrol_message(station, fp, genesis))).decode()
    body = json.dumps({"prefix": settings.workshop.prefix.upper(),
                       "code": settings.station_code.upper(),
                       "workshop": settings.workshop.name, "public_key":
                       base64.b64encode(raw).decode(), "genesis": genesis,
                       "restore": restore, "signature": sig}).encode()
    answer = request("POST", server.rstrip("/") + "/v1/sync/enrol", body=body,
                     headers={"Content-Type": "application/json"}, timeout=timeout).json()
    pinned = pinned_server(home)
    if pinned and pinned.get("server_key") != answer.get("server_key") and not restore:
        raise IntegrityError(why=N_("the server's key is not the one pinned at enrolment"))
    write_json(sync_dir(home) / SERVER_FILE,
               {"url": server.rstrip("/"), "network": answer.get("network"),
                "server_key": answer.get("server_key"),
                "server_public_key": answer.get("server_public_key"),
                "station": station, "fingerprint": fp, "code": answer.get("code"),
                "restore": restore})
    return {**answer, "station": station, "fingerprint": fp}


def status(home: Path, timeout: float = 10.0) -> dict:
    url, pinned = _server(home)
    station = this_station(home)
    fp = fingerprint(public_raw(load_or_create_key(home)))
    q = urllib.parse.urlencode({"station": station, "fingerprint": fp})
    answer = request("GET", f"{url}/v1/sync/status?{q}", timeout=timeout).json()
    if pinned and answer.get("server_key") != pinned.get("server_key"):
        raise IntegrityError(why=N_("the server's key is not the one pinned at enrolment"))
    return {**answer, "station": station, "fingerprint": fp, "url": url}


BLOCK = 1 << 20          # bytes read at a time, walking back from the journal's end


def _pending_lines(journal: Journal, server_seq: int, server_hash: str,
                   block: int = BLOCK) -> list[bytes]:
    """Local lines after the server's head, once the local line at that head is
    checked to be the server's: a shorter or rewritten journal is refused here.

    Read backwards from the journal's end down to the server's head: the cost is that
    of the new lines, not of the journal (a station pushes a few hundred lines at the
    end of a flow into a journal of hundreds of thousands). Seqs rise by one a line,
    so the walk stops at the first seq not above the head."""
    seq, _, end = journal.tail()            # the last complete line; a torn tail ignored
    if seq < server_seq:
        raise JournalBehindServer(local=seq, server=server_seq)
    if server_seq == 0:
        return [line for _, line in journal.iter_lines(0, end)]
    newer: list[bytes] = []
    with open(journal.path, "rb") as fh:
        pos, carry = end, b""
        while True:
            start = max(0, pos - block)
            fh.seek(start)
            parts = (fh.read(pos - start) + carry).split(b"\n")[:-1]
            # Above the start of the file, the first part is the end of a line that
            # began in the block before: carried down to it.
            carry, whole = (parts[0] + b"\n", parts[1:]) if start else (b"", parts)
            for raw in reversed(whole):
                line = raw + b"\n"
                try:
                    at = chain.first_seq(line)
                except chain.LineRefused:
                    raise JournalDiffers(seq=server_seq) from None
                if at > server_seq:
                    newer.append(line)
                    continue
                i = line.find(HASH_KEY)
                if at != server_seq or \
                        line[i + 9:i + 73].decode(errors="replace") != server_hash:
                    raise JournalDiffers(seq=server_seq)
                newer.reverse()
                return newer
            if not start:
                raise JournalDiffers(seq=server_seq)
            pos = start


# Why a station may not push or restore, by its state on the server: one whole sentence
# each (sync_states.po), not the English state code inside a translated frame.
STATE_REFUSALS = {
    "unknown": N_("Refused: the server does not know station {station}: enrol it with "
                  "'reemploi sync enrol --server URL'"),
    "pending": N_("Refused: station {station} waits for its approval on the server "
                  "(the coordinator approves it with the code shown at enrolment)"),
    "revoked": N_("Refused: the server revoked the key of station {station} (another stick "
                  "took over, or it was revoked); enrol this stick again to go on"),
}
OTHER_STATE = N_("Refused: station {station} is '{state}' on the server")


def not_active(st: dict) -> Refused:
    msg = STATE_REFUSALS.get(str(st.get("state")), OTHER_STATE)
    return Refused(msg, station=st.get("station") or "?", state=st.get("state") or "?")


def push(home: Path, station_name: str, operator: str | None, force: bool = False,
         timeout: float | None = None, budget: float = 30.0,
         progress=None) -> PushOutcome:
    """Send every line the server lacks, in chunks (one transaction each); record the
    last receipt in the journal. Nothing to send (or only receipts) is a no-op."""
    timeout = timeout or load_sync_settings(home).timeout
    st = status(home, timeout)
    if st["state"] != "active":
        raise not_active(st)
    url, station = st["url"], st["station"]
    journal = Journal(home)
    with journal.locked(shared=True):
        lines = _pending_lines(journal, int(st["head_seq"]), str(st["head_hash"]))
    if not lines or (not force and all(l.endswith(RECEIPT_ENDING) for l in lines)):
        return PushOutcome(station, 0, 0, int(st["head_seq"]), st.get("receipt"))
    stored, receipt = 0, None
    for start in range(0, len(lines), P.MAX_PUSH_LINES):
        chunk = lines[start:start + P.MAX_PUSH_LINES]
        tail = chain.parse(chunk[-1], 0)
        headers = {P.H_STATION: station, P.H_SEQ: str(tail.seq), P.H_HASH: tail.hash,
                   P.H_SIGNATURE: _sign(home, P.head_message(station, tail.seq, tail.hash)),
                   "Content-Type": "application/x-ndjson"}
        # One transaction of up to 20 000 lines on a busy server: wait for it rather
        # than resend it (a resend is harmless, the server has it: stored 0).
        answer = request("POST", f"{url}/v1/sync/push", body=b"".join(chunk), headers=headers,
                         timeout=max(timeout, 180.0), budget=budget).json()
        receipt = answer.get("receipt")
        check_receipt_signature(home, receipt, station, tail.seq, tail.hash)
        stored += int(answer.get("stored") or 0)
        if progress:
            progress(start + len(chunk), len(lines))
    save_receipt(home, receipt, station_name, operator)
    return PushOutcome(station, len(lines), stored, receipt["seq"], receipt)


def restore(home: Path, timeout: float = 10.0, progress=None) -> int:
    """Fetch this station's whole chain from the server into an empty data directory
    (a lost or re-flashed stick, re-enrolled with ``--restore`` and approved). Every
    line is re-checked; the result must end at the server's signed head."""
    st = status(home, timeout)
    if st["state"] != "active":
        raise not_active(st)
    journal = Journal(home)
    journal.ensure()
    if journal.size() > 0:
        raise Refused(why=N_("the journal here is not empty: restore only onto a new stick"))
    url, station = st["url"], st["station"]
    head_seq, head_hash = int(st["head_seq"]), str(st["head_hash"])
    receipt = st.get("receipt")
    if head_seq:
        check_receipt_signature(home, receipt, station, head_seq, head_hash)
    tmp = journal.path.with_name(".journal.restore")
    got, prev = 0, ""
    with open(tmp, "wb") as out:
        while got < head_seq:
            stamp = int(time.time())
            answer = request("GET", f"{url}/v1/sync/lines?from={got + 1}&limit={P.MAX_PUSH_LINES}",
                             headers={P.H_STATION: station, P.H_TIME: str(stamp),
                                      P.H_SIGNATURE: _sign(home, P.pull_message(station, stamp))},
                             timeout=max(timeout, 60.0))
            try:
                lines = chain.check_chain(chain.split_lines(answer.body), prev, got + 1)
            except chain.LineRefused as exc:
                raise IntegrityError(why=f"line {exc.seq} from the server: {exc.reason}") from None
            if not lines:
                break
            out.write(answer.body)
            got, prev = lines[-1].seq, lines[-1].hash
            if progress:
                progress(got, head_seq)
        out.flush()
        os.fsync(out.fileno())
    if (got, prev) != (head_seq, head_hash):
        tmp.unlink()
        raise IntegrityError(why=N_("the restored chain does not end at the server's signed head"))
    with journal.locked():
        os.replace(tmp, journal.path)
        fsync_dir(journal.home)
    if receipt:
        save_receipt(home, receipt, None, None, record=False)
    return got



def push_if_configured(home: Path, station_name: str, operator: str | None,
                       budget: float = 10.0) -> tuple[PushOutcome | None, str | None]:
    """For the end of station flows: push when ``[sync] auto_push`` is set, and never
    fail the flow. Returns (outcome, None) or (None, why it did not push)."""
    from ..errors import ReemploiError
    from ..i18n import _
    from .config import load_sync_settings
    try:
        if not load_sync_settings(home).auto_push:
            return None, None
        return push(home, station_name, operator, budget=budget), None
    except ReemploiError as exc:        # offline, refused, integrity: the next push says
        return None, exc.render(_)
