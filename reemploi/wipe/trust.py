"""The workshop's trust store: which Ed25519 keys may sign its certificates.

A signature proves that *some* key signed; the key travels inside the certificate,
so anyone can make a fresh key and sign a forged certificate with it (issue 11: a
serial changed to WD-FORGED-123, the method to Purge, re-signed: "Signature valid").
What makes a certificate worth something is *whose* key signed it. So:

* each station's own key (``keys/station_ed25519``) is trusted by that station;
* a workshop's other stations' keys (and a partner workshop's) are imported by
  fingerprint: ``reemploi certificate trust KEY.pem --fingerprint SHA256:...``; the
  fingerprint is read from the other station's screen or paper, never from the file
  itself, so a key swapped on the way does not get in (the same idea as SSH's
  known_hosts and OpenPGP's fingerprint check);
* a third party without a store (a donor's data protection officer) passes the
  fingerprint the workshop gave them: ``certificate verify FILE --fingerprint ...``.

The public key file (``certificate export-key``) is a PEM SubjectPublicKeyInfo that
OpenSSL reads (``openssl pkey -pubin -in KEY.pem -noout -text``), preceded by lines
naming the workshop, station and fingerprint (PEM readers skip text before the
``-----BEGIN`` line, RFC 7468 §2).

The store is ``<home>/keys/trusted.json``: one entry per imported key (fingerprint,
raw public key in base64, workshop, station, when, by whom).
"""

from __future__ import annotations

import base64
import re
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ..errors import BadInput, IntegrityError, NotFound
from ..jsondoc import read_object, write_object
from ..settings import load_settings
from .signing import fingerprint, key_path, load_or_create_key, public_raw
from ..syserr import reason
from ..i18n import N_

STORE_NAME = "trusted.json"
STORE_FORMAT = "reemploi-trust-store/1"
_FP = re.compile(r"^SHA256:[0-9a-f]{64}$")


class UntrustedKey(IntegrityError):
    msg = ("The certificate {file} is signed by key {fingerprint}, which this workshop does not "
           "trust: import that key with the fingerprint its station shows (reemploi certificate "
           "trust), or pass the expected fingerprint (--fingerprint)")


class UnexpectedKey(IntegrityError):
    msg = "The certificate {file} is signed by key {fingerprint}, not by the expected key {expected}"


class KeyMismatch(IntegrityError):
    msg = ("The key in {file} has the fingerprint {fingerprint}, not {expected}: it was not "
           "imported (check the fingerprint with the station that exported it)")


class BadFingerprint(BadInput):
    msg = "Not a key fingerprint: {value} (expected SHA256: followed by 64 hexadecimal digits)"


@dataclass(frozen=True)
class TrustedKey:
    fingerprint: str
    public_key: str                 # raw Ed25519 public key, base64
    workshop: str | None = None
    station: str | None = None
    source: str = "imported"        # "station" (this station's own key) | "imported"
    added: str | None = None
    added_by: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def normalize_fingerprint(value: str) -> str:
    """``SHA256:<hex>`` in lower case; a bare 64-digit hex is accepted; else exit 7."""
    text = (value or "").strip()
    if not text.upper().startswith("SHA256:"):
        text = "SHA256:" + text
    text = "SHA256:" + text[7:].replace(":", "").replace(" ", "").lower()
    if not _FP.match(text):
        raise BadFingerprint(value=value)
    return text


def store_path(home: Path) -> Path:
    return Path(home) / "keys" / STORE_NAME


def own_key(ctx) -> TrustedKey:
    """This station's key (created on first use), as a trust entry."""
    raw = public_raw(load_or_create_key(ctx.home))
    return TrustedKey(fingerprint(raw), base64.b64encode(raw).decode(),
                      load_settings(ctx.home).workshop.name, ctx.station, "station")


def imported_keys(home: Path) -> list[TrustedKey]:
    path = store_path(home)
    data = read_object(path)
    if data is None:
        return []
    try:
        keys = [TrustedKey(**{k: e.get(k) for k in TrustedKey.__dataclass_fields__
                              if k in e}) for e in data["keys"]]
        for k in keys:
            normalize_fingerprint(k.fingerprint)
            if fingerprint(base64.b64decode(k.public_key, validate=True)) != k.fingerprint:
                raise ValueError(f"entry {k.fingerprint} does not match its key")
    except (KeyError, TypeError, ValueError, AttributeError, BadInput) as exc:
        raise BadInput(what=str(path), why=str(exc)) from None
    return keys


def trusted_keys(ctx) -> list[TrustedKey]:
    """This station's key first, then the imported ones."""
    own = own_key(ctx)
    return [own] + [k for k in imported_keys(ctx.home) if k.fingerprint != own.fingerprint]


def find_trusted(ctx, fp: str) -> TrustedKey | None:
    """The trust entry of ``fp``; the station's key counts only if it already exists
    (verifying must not create a key on a machine that never signed)."""
    if key_path(ctx.home).exists():
        own = own_key(ctx)
        if own.fingerprint == fp:
            return own
    return next((k for k in imported_keys(ctx.home) if k.fingerprint == fp), None)


def _save(home: Path, keys: list[TrustedKey]) -> None:
    from ..system.files import private_subdir
    private_subdir(store_path(home).parent)
    write_object(store_path(home), {"format": STORE_FORMAT, "keys": [k.as_dict() for k in keys]},
                 indent=2, sort_keys=False)


def public_key_text(key: TrustedKey) -> str:
    """The exported public key: explanatory lines, then the PEM block."""
    pub = Ed25519PublicKey.from_public_bytes(base64.b64decode(key.public_key))
    pem = pub.public_bytes(serialization.Encoding.PEM,
                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    lines = ["reemploi certificate signing key (Ed25519)",
             f"Workshop: {key.workshop or '-'}", f"Station: {key.station or '-'}",
             f"Fingerprint: {key.fingerprint}", ""]
    return "\n".join(lines) + pem


def export_key(ctx, out: Path | None) -> tuple[Path, TrustedKey]:
    """Write this station's public key file (world-readable: it is public)."""
    from ..system.files import write_atomic
    key = own_key(ctx)
    target = Path(out) if out else Path(ctx.home) / f"reemploi-key-{ctx.station}.pem"
    if target.is_dir():
        target = target / f"reemploi-key-{ctx.station}.pem"
    try:
        write_atomic(target, public_key_text(key).encode("utf-8"), mode=0o644)
    except OSError as exc:
        raise BadInput(what=str(target), why=reason(exc)) from None
    return target, key


def read_key_file(path: Path) -> tuple[bytes, dict]:
    """(raw public key, {workshop, station} from the header lines) of a key file."""
    try:
        from ..bounded import read_at_most      # a key file is a few lines; not read whole
        text = read_at_most(path, 1 << 20).decode("utf-8")
    except FileNotFoundError:
        raise NotFound(what=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(what=str(path), why=reason(exc)) from None
    meta = {}
    for line in text.splitlines():
        if line.startswith("-----BEGIN"):
            break
        name, sep, value = line.partition(":")
        if sep and name.strip().lower() in ("workshop", "station"):
            value = value.strip()
            meta[name.strip().lower()] = None if value in ("", "-") else value
    start = text.find("-----BEGIN")
    try:
        pub = serialization.load_pem_public_key(text[start:].encode() if start >= 0 else b"")
    except (ValueError, TypeError):
        # cryptography's own text is English and names its FAQ: say what it is.
        raise BadInput(what=str(path), why=N_("not a PEM key file")) from None
    if not isinstance(pub, Ed25519PublicKey):
        raise BadInput(what=str(path), why=N_("not an Ed25519 public key"))
    return public_raw(pub), meta


def import_key(ctx, path: Path, expected: str, workshop: str | None = None) -> TrustedKey:
    """Trust the key in ``path`` if, and only if, its fingerprint is ``expected``."""
    expected = normalize_fingerprint(expected)
    raw, meta = read_key_file(path)
    fp = fingerprint(raw)
    if fp != expected:
        raise KeyMismatch(file=str(path), fingerprint=fp, expected=expected)
    key = TrustedKey(fp, base64.b64encode(raw).decode(), workshop or meta.get("workshop"),
                     meta.get("station"), "imported",
                     datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), ctx.operator)
    keys = [k for k in imported_keys(ctx.home) if k.fingerprint != fp]
    _save(ctx.home, keys + [key])
    return key


def remove_key(ctx, fp: str) -> TrustedKey:
    fp = normalize_fingerprint(fp)
    keys = imported_keys(ctx.home)
    gone = next((k for k in keys if k.fingerprint == fp), None)
    if gone is None:
        raise NotFound(what=fp)
    _save(ctx.home, [k for k in keys if k.fingerprint != fp])
    return gone
