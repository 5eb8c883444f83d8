"""The server's Ed25519 key (it signs receipts) and checks of station signatures.

The key file is created on first start (PKCS#8 PEM, 0600, ``O_EXCL`` so two workers
starting together keep one key). Its fingerprint is what a station pins at enrolment:
a receipt signed by any other key is refused by ``reemploi.sync.anchor``.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (Ed25519PrivateKey,
                                                               Ed25519PublicKey)

from ..errors import BadInput
from ..sync.protocol import canonical, receipt_body
from ..syserr import reason
from ..i18n import N_


def fingerprint(raw_public: bytes) -> str:
    """Same form as station keys' (``reemploi.wipe.signing.fingerprint``)."""
    return "SHA256:" + hashlib.sha256(raw_public).hexdigest()


@dataclass(frozen=True)
class ServerKey:
    private: Ed25519PrivateKey
    public_raw: bytes

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_raw)

    @property
    def public_b64(self) -> str:
        return base64.b64encode(self.public_raw).decode()

    def sign_receipt(self, body: dict) -> dict:
        body = receipt_body(body)
        sig = self.private.sign(canonical(body))
        return {**body, "signature": base64.b64encode(sig).decode(),
                "server_public_key": self.public_b64}


def load_or_create(path: str | Path) -> ServerKey:
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(pem)
        except FileExistsError:
            pass
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise BadInput(what=str(path), why=reason(exc)) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise BadInput(what=str(path), why=N_("not an Ed25519 key"))
    raw = key.public_key().public_bytes(serialization.Encoding.Raw,
                                        serialization.PublicFormat.Raw)
    return ServerKey(key, raw)


def signature_ok(public_raw: bytes, message: bytes, signature_b64: str) -> bool:
    try:
        sig = base64.b64decode(signature_b64, validate=True)
        Ed25519PublicKey.from_public_bytes(bytes(public_raw)).verify(sig, message)
        return True
    except (InvalidSignature, ValueError, TypeError):
        return False
