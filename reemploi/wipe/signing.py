"""The station's Ed25519 key, and signing/verifying certificate JSON.

Ed25519 (RFC 8032) through ``cryptography``: small keys, deterministic signatures, no
parameters to get wrong. The private key is created on first use in
``<home>/keys/station_ed25519`` (PKCS#8 PEM, mode 0600, folder 0700) and never leaves
the station; the public key travels inside every certificate, with its SHA-256
fingerprint, so a donor can check a certificate offline and the workshop can publish
its stations' fingerprints to pin them.

What is signed: the canonical JSON (sorted keys, no spaces, UTF-8) of the
``certificate`` object. The signed file is ``{"certificate": ..., "signature": ...}``.
Any change to the certificate (a serial, a result, a date) breaks the signature;
``verify_document`` then raises ``IntegrityError`` (exit 12).

Nothing outside the signed content is accepted either (``parse_signed``): a file is
read strictly (no duplicate key, no NaN, exactly the two top-level objects, exactly
the four signature fields) and must be byte for byte the layout ``serialize`` writes.
Before, an unsigned extra key, a second ``"certificate"`` object (JSON parsers differ
on which one wins: RFC 8259 §4 leaves it open) or re-indented text passed as
"valid": a reader could be shown content the signature does not cover.

Whose key signed is the trust store's question (trust.py), not this module's.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (Ed25519PrivateKey,
                                                               Ed25519PublicKey)

from ..errors import BadInput, IntegrityError
from ..syserr import reason
from ..i18n import N_, _

KEY_NAME = "station_ed25519"


class SignatureInvalid(IntegrityError):
    msg = "The certificate {file} was modified after it was signed: its signature does not match"


class SignatureMissing(IntegrityError):
    msg = "The certificate {file} has no valid signature block"


class NotCanonical(IntegrityError):
    msg = ("The certificate {file} holds something its signature does not cover ({why}): "
           "refused; ask the workshop for the file as it was issued")


SIGNATURE_FIELDS = ("algorithm", "public_key", "fingerprint", "value")


class _Duplicate(ValueError):
    pass


def _unique(pairs: list) -> dict:
    out: dict = {}
    for key, value in pairs:
        if key in out:
            raise _Duplicate(key)
        out[key] = value
    return out


def _no_constant(name: str):
    raise ValueError(_("{name} is not JSON").format(name=name))


def serialize(doc: dict) -> bytes:
    """The signed file's bytes: the one layout ``issue`` writes and ``parse_signed`` accepts."""
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def parse_signed(data: bytes, file: str = "-") -> dict:
    """The signed document in ``data``, read strictly (see the module docstring).

    Not JSON at all: BadInput (exit 7). JSON with anything beyond the signed content,
    or laid out differently: NotCanonical (exit 12)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadInput(what=file, why=reason(exc)) from None
    try:
        doc = json.loads(text, object_pairs_hook=_unique, parse_constant=_no_constant)
    except _Duplicate as dup:
        raise NotCanonical(file=file, why=f"duplicate key {dup.args[0]!r}") from None
    except (ValueError, RecursionError) as exc:
        # The place where the JSON stops, in words (syserr): not the parser's English.
        raise BadInput(what=file, why=reason(exc)[:200]) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("signature"), dict) \
            or not isinstance(doc.get("certificate"), dict):
        raise SignatureMissing(file=file)
    extra = sorted(set(doc) - {"certificate", "signature"})
    extra += sorted(f"signature.{k}" for k in set(doc["signature"]) - set(SIGNATURE_FIELDS))
    if extra:
        raise NotCanonical(file=file, why="unsigned keys: " + ", ".join(extra))
    if serialize(doc) != data:
        raise NotCanonical(file=file, why=N_("its layout was changed (spaces, line breaks "
                                             "or escapes)"))
    return doc


def canonical(obj) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def key_path(home: Path) -> Path:
    return Path(home) / "keys" / KEY_NAME


def load_or_create_key(home: Path) -> Ed25519PrivateKey:
    path = key_path(home)
    if path.exists():
        try:
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except (ValueError, TypeError):
            # cryptography's own text is English and names its FAQ: say what it is.
            raise BadInput(what=str(path), why=N_("not a PEM key file")) from None
        if not isinstance(key, Ed25519PrivateKey):
            raise BadInput(what=str(path), why=N_("not an Ed25519 key"))
        return key
    from ..system.files import private_subdir, secure_home
    secure_home(home)
    private_subdir(path.parent)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    # O_EXCL: two processes creating the key at once must not overwrite each other.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        os.fchmod(fd, 0o600)          # whatever the umask
    except FileExistsError:
        return load_or_create_key(home)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    return key


def public_raw(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    pub = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint(raw_public: bytes) -> str:
    return "SHA256:" + hashlib.sha256(raw_public).hexdigest()


def sign_document(home: Path, certificate: dict) -> dict:
    key = load_or_create_key(home)
    raw = public_raw(key)
    sig = key.sign(canonical(certificate))
    return {"certificate": certificate,
            "signature": {"algorithm": "Ed25519",
                          "public_key": base64.b64encode(raw).decode(),
                          "fingerprint": fingerprint(raw),
                          "value": base64.b64encode(sig).decode()}}


def verify_document(doc: dict, file: str = "-") -> str:
    """Check the signature of a signed certificate; returns the key fingerprint."""
    try:
        cert = doc["certificate"]
        sig = doc["signature"]
        if sig.get("algorithm") != "Ed25519":
            raise SignatureMissing(file=file)
        raw = base64.b64decode(sig["public_key"], validate=True)
        value = base64.b64decode(sig["value"], validate=True)
        pub = Ed25519PublicKey.from_public_bytes(raw)
    except IntegrityError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError):
        raise SignatureMissing(file=file) from None
    try:
        pub.verify(value, canonical(cert))
    except InvalidSignature:
        raise SignatureInvalid(file=file) from None
    fp = fingerprint(raw)
    if sig.get("fingerprint") != fp:
        raise SignatureInvalid(file=file)
    return fp


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
