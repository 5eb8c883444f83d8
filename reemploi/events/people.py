"""People and paperwork events (branch paperwork, inventory/operators.py): the roster,
the validator's sign-off and the documents handed out."""

from __future__ import annotations

from dataclasses import dataclass

from .base import Payload, event


@event("operator.added", needs_asset=False)
@dataclass(frozen=True)
class OperatorAdded(Payload):
    """Someone put on the roster (or given more roles): technician, validator,
    trainer, trainee."""
    name: str
    roles: tuple[str, ...] = ()


@event("asset.validated")
@dataclass(frozen=True)
class AssetValidated(Payload):
    """The validator's sign-off before a machine leaves (NIST SP 800-88 r1 App. G:
    a second person confirms the sanitization)."""
    validator: str | None = None
    note: str | None = None


@event("document.issued", needs_asset=False)
@dataclass(frozen=True)
class DocumentIssued(Payload):
    """A document handed out (lot attestation, certificate, receipt): its id, file hash
    and the journal head it was made from."""
    OPEN = True
    kind: str
    document_id: str
    sha256: str | None = None
    lot_id: str | None = None
    journal_seq: int | None = None
    journal_hash: str | None = None
    detail: dict | None = None
