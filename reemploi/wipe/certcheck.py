"""Checking a certificate: the file as issued, a valid signature, a trusted key.

Three questions, in this order, each with its own refusal (all exit 12):

1. Is the file exactly what was signed (``signing.parse_signed``)? Nothing outside
   the signed content, no duplicate key, the layout as written.
2. Does the signature match the content (``signing.verify_document``)?
3. Whose key is it? A key of this workshop's trust store (this station's own, or
   imported by fingerprint), or the fingerprint a third party was given
   (``expected``). A valid signature by any other key proves nothing: anyone can
   make a key (trust.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ..errors import BadInput, NotFound
from .signing import parse_signed, verify_document
from .trust import UnexpectedKey, UntrustedKey, find_trusted, normalize_fingerprint
from ..syserr import reason
from ..bounded import read_at_most


@dataclass(frozen=True)
class Verification:
    file: str
    id: str | None
    result: str | None
    fingerprint: str
    sha256: str
    own_station: bool
    trust: str                      # "station" | "imported" | "expected"
    workshop: str | None            # from the trust store; else the certificate's claim
    station: str | None


# A lot's certificate for 2 000 machines is a few MB; anything far above is no certificate.
MAX_DOCUMENT = 64 << 20


def read_document(path: Path) -> tuple[dict, bytes]:
    """(signed document, file bytes), read strictly."""
    try:
        data = read_at_most(path, MAX_DOCUMENT)
    except FileNotFoundError:
        raise NotFound(what=str(path)) from None
    except OSError as exc:
        raise BadInput(what=str(path), why=reason(exc)) from None
    return parse_signed(data, str(path)), data


def checked_document(path: Path, ctx, expected: str | None = None) -> tuple[Verification, dict]:
    """Check ``path`` against this workshop's trust (or the ``expected`` fingerprint):
    (the verification, the document checked). The file is read once, so what is
    shown or rendered afterwards is exactly the content whose signature was checked
    (reading it again could show a file swapped in between)."""
    doc, data = read_document(path)
    fp = verify_document(doc, str(path))
    cert = doc["certificate"]
    claimed = (cert.get("workshop") or {}) if isinstance(cert.get("workshop"), dict) else {}
    entry = find_trusted(ctx, fp)
    if expected is not None:
        want = normalize_fingerprint(expected)
        if fp != want:
            raise UnexpectedKey(file=str(path), fingerprint=fp, expected=want)
        trust = entry.source if entry is not None else "expected"
    elif entry is None:
        raise UntrustedKey(file=str(path), fingerprint=fp)
    else:
        trust = entry.source
    workshop = entry.workshop if entry is not None and entry.workshop else claimed.get("name")
    station = entry.station if entry is not None and entry.station else claimed.get("station")
    return Verification(str(path), cert.get("id"), cert.get("result"), fp,
                        hashlib.sha256(data).hexdigest(), trust == "station", trust,
                        workshop, station), doc
