"""Bench events: the probe of a machine, the operator's checklist and the verdict."""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n import N_
from .base import Payload, event


@event("asset.probed", version=2)
@dataclass(frozen=True)
class AssetProbed(Payload):
    """``machine``: ``Machine.to_dict()`` of the probe (``model.Machine.from_dict``
    reads it back). ``identity``: the machine's fingerprint (``reemploi.identity``),
    computed once when the probe is recorded.

    Schema 2 makes ``identity`` required; schema-1 payloads without one get it
    computed on read, by the same function the writer uses."""
    machine: dict
    identity: str

    @classmethod
    def migrate(cls, version: int, data: dict) -> dict:
        if version == 1 and not data.get("identity"):
            from ..identity import machine_identity
            data["identity"] = machine_identity(data.get("machine") or {})
        return data


@event("asset.checked")
@dataclass(frozen=True)
class AssetChecked(Payload):
    checks: dict


@event("asset.graded")
@dataclass(frozen=True)
class AssetGraded(Payload):
    """``verdict``: ``grade.Verdict`` as a dict (outcome, grade, reasons, emmabuntus,
    emmabuntus_arch, upgrades, harvest, cosmetic...)."""
    verdict: dict
    rules_version: str | None = None
    benchmark: dict | None = None

    def check(self) -> str | None:
        if not isinstance(self.verdict.get("outcome"), str):
            return N_("must hold the verdict's outcome")
        return None
