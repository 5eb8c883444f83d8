"""Sync events (docs/central.md): the server's signed receipt a station records, and
the central server's own decisions (written in its ``central_events``, never in a
station's journal)."""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n import N_
from .base import Payload, Record, event

HEX = frozenset("0123456789abcdef")


@event("sync.receipt", needs_asset=False)
@dataclass(frozen=True)
class SyncReceipt(Payload):
    """The central server holds this station's chain up to ``seq``/``hash``: its
    Ed25519 ``signature`` (base64) over the canonical JSON of the other fields but
    ``signature`` (reemploi.sync.protocol.RECEIPT_KEYS) by the key ``server_key``."""
    protocol: str
    network: str
    server_key: str
    station: str
    seq: int
    hash: str
    received: int
    time: str
    signature: str

    def check(self) -> str | None:
        if self.seq < 1 or self.received < 0:
            return N_("is out of bounds")
        if len(self.hash) != 64 or not HEX.issuperset(self.hash):
            return N_("is not a SHA-256 hex digest")
        return None


@dataclass(frozen=True)
class AssetRef(Record):
    station: str
    asset_id: str


@event("asset.linked", needs_asset=False)
@dataclass(frozen=True)
class AssetLinked(Payload):
    """Central: an operator confirmed two records are one machine (alias → root)."""
    alias: AssetRef
    root: AssetRef
    match: int
    reason: str


@event("match.rejected", needs_asset=False)
@dataclass(frozen=True)
class MatchRejected(Payload):
    """Central: an operator said a proposed match is two different machines."""
    match: int
    a: AssetRef
    b: AssetRef
