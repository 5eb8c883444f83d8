"""Event type names and the Event record shared by every stage that writes the journal.

The payload of each type is a frozen dataclass in ``reemploi/events`` (validated on
append and on read, with its schema version); the comments below are a summary.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any


class EventType(str, enum.Enum):
    DONOR_REGISTERED = "donor.registered"   # {donor_id, name, kind, contact?, siret?}
    LOT_RECEIVED = "lot.received"           # {lot_id, donor_id, date, devices:[{kind,count,weight_kg?}], weight_kg?, notes?}
    ASSET_CREATED = "asset.created"         # {kind: machine|part, device_kind, lot_id?, serial?, weight_kg?, identity?}
    ASSET_PROBED = "asset.probed"           # {machine: Machine.to_dict(), identity?: identity.machine_identity (computed if absent)}
    ASSET_CHECKED = "asset.checked"         # {checks: {keyboard: ok|fail|na, ..., cosmetic: A|B|C, notes}}
    ASSET_GRADED = "asset.graded"           # {verdict: Verdict dict, rules_version, benchmark?}
    STATUS_CHANGED = "status.changed"       # {from, to}
    # Intent, appended (fsynced) before the first byte is written; the matching end
    # event (wipe.done / image.written) names it in ``start_event``. A start that no
    # end names was cut by a power cut, SIGKILL or crash (or is still running): it
    # never counts as wiped or imaged. Journals older than these events have none.
    WIPE_STARTED = "wipe.started"           # {disk:{identity,model,serial,size_bytes,media,path}, method, technique, nist}
    WIPE_DONE = "wipe.done"                 # {disk:{identity,model,serial,size_bytes,media,path}, result: success|failed|interrupted, method, nist, start_event?, ...}
    CERTIFICATE_ISSUED = "certificate.issued"  # {certificate_id, sha256, wipes:[event ids], result, fingerprint, donor?, lot_id?, property_numbers?}
    # A destructive act refused after the confirmation, before any byte: the device
    # was no longer the one the plan showed (system/seal.py) or became unsafe.
    GUARD_REFUSED = "guard.refused"         # {action: wipe|image, disk:{...}, reason, differences:[{field,planned,found}]}
    IMAGE_STARTED = "image.started"         # {image:{name,version,sha256}, disk:{...}, hostname}
    IMAGE_WRITTEN = "image.written"         # {image:{name,version,sha256}, disk:{...}, result, verify, postinstall:[...], wipe_checked, start_event?}
    PART_HARVESTED = "part.harvested"       # {from_asset, part_kind, facts, grade}
    PART_INSTALLED = "part.installed"       # {part_id, into_asset}
    PART_REMOVED = "part.removed"           # {disk_identity, part_id?, reason}
    BUILT = "built"                         # {device_kind, parts:[part ids], serial?, weight_kg?}
    CORRECT = "correct"                     # {target, target_kind, fields, reason, corrects?}
    VOID = "void"                           # {target, target_kind, reason}
    INTEGRITY_INCIDENT = "integrity.incident"  # {problem, kept_seq, kept_hash, seen_seq?, ...}
    CHECKOUT = "checkout"                   # {destination_kind: given|sold|recycled|dismantled, organisation, date, price_eur?}
    NOTE = "note"                           # {text}
    # People (inventory/operators.py): who works at the workshop, and in which role.
    OPERATOR_ADDED = "operator.added"       # {name, roles:[technician|validator|trainer|trainee]}
    # The final check before a machine leaves, by a validator (NIST SP 800-88 r1 App. G
    # "validation": a second person confirms the sanitization and the machine's state).
    ASSET_VALIDATED = "asset.validated"     # {validator, note?}
    # A document handed out (lot attestation, lot certificate, receipt): its id, file
    # hash and the journal head it was made from, so a later reissue is traceable.
    DOCUMENT_ISSUED = "document.issued"     # {kind, document_id, sha256, lot_id?, journal_seq, journal_hash}
    # Sync (reemploi/events/sync.py, docs/central.md): the central server's signed
    # receipt, the off-station anchor of the chain up to ``seq``/``hash``.
    SYNC_RECEIPT = "sync.receipt"


class Status(str, enum.Enum):
    RECEIVED = "received"
    DIAGNOSED = "diagnosed"
    WIPED = "wiped"
    IMAGED = "imaged"
    READY = "ready"
    OUT = "out"


@dataclass(frozen=True)
class Event:
    seq: int                 # 1-based line number in the journal
    id: str                  # uuid4 hex, unique across stations
    time: str                # ISO-8601 UTC, e.g. 2026-11-22T10:00:00Z
    station: str
    operator: str | None
    asset_id: str | None
    type: str                # an EventType value
    payload: dict[str, Any] = field(default_factory=dict)
    prev: str = ""           # hash of the previous event ("" for the first)
    hash: str = ""           # SHA-256 over the canonical JSON of all fields but hash

    @cached_property
    def data(self) -> Any:
        """The payload as its typed event (``reemploi/events``: migrated to the current
        schema, validated), or None when it does not validate. How a stage reads
        another stage's event: ``ev.data.disk.identity``, ``ev.data.verdict``, never
        the raw ``payload`` dict (whose keys and versions are the writer's business)."""
        from .. import events as typed
        p = typed.read(self.type, self.payload)
        return None if isinstance(p, typed.Unreadable) else p
