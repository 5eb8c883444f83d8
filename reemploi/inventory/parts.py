"""Spare parts: harvesting and installing them, and the stock a volunteer reads.

A part harvested from a machine becomes an asset of its own (``TRI-A-26-P00012``)
that remembers its source; installing it records the move on both. ``PartsMixin``
is part of ``Inventory`` (it uses its ``_commit``).

Stock: parts in stock grouped into lines a volunteer can read.

"DDR3 SODIMM 4 GB × 12": parts of one kind whose key facts agree are
interchangeable on the bench, so they are counted together. Which facts make the
key is data (``STOCK_KEYS``); serials, health figures and free notes are not part of
it (two 4 GB DDR3 sticks are the same stock line whatever their serial).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from ..errors import BadInput
from . import custody
from .errors import (DiskNotInProbe, DuplicateId, FailingDiskToStock, MachineGone, NotAMachine,
                     NotAPart, PartNotInStock)
from .events import Event, EventType, Status
from .lifecycle import part_transition_allowed
from .projection import Session
from ..i18n import N_

# part kind → facts that make two parts interchangeable, in display order.
STOCK_KEYS: dict[str, tuple[str, ...]] = {
    "ram": ("type", "form_factor", "size_gb", "size_mb", "speed_mts"),
    "disk": ("media", "form_factor", "interface", "size_gb"),
    "battery": ("vendor", "model"),
    "psu": ("vendor", "model", "watts", "connector"),
    "screen": ("diagonal_in", "resolution", "connector"),
    "other": ("what", "model"),
}
UNITS = {"size_gb": "GB", "size_mb": "MB", "speed_mts": "MT/s", "watts": "W", "diagonal_in": "\""}
PART_KINDS = tuple(STOCK_KEYS)


@dataclass(frozen=True)
class StockLine:
    part_kind: str
    facts: tuple[tuple[str, str], ...]    # (key, value) pairs of the grouping key
    count: int
    ids: tuple[str, ...]

    @property
    def label(self) -> str:
        """Short description without words to translate: "DDR3 SODIMM 4 GB"."""
        bits = []
        for key, value in self.facts:
            unit = UNITS.get(key)
            bits.append(f"{value}{unit}" if unit == "\"" else f"{value} {unit}" if unit else value)
        return " ".join(bits)


def parse_facts(pairs: Iterable[str]) -> dict[str, object]:
    """``k=v`` strings into a dict; numbers become numbers. ValueError on a bad pair."""
    facts: dict[str, object] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip().lower()
        if not sep or not key:
            raise ValueError(pair)
        value = value.strip()
        try:
            facts[key] = int(value)
        except ValueError:
            try:
                facts[key] = float(value.replace(",", "."))
            except ValueError:
                facts[key] = value
    return facts


def normalise_facts(part_kind: str, facts: dict) -> dict:
    """Spell the stock-key facts one way, so "ddr3 so-dimm" typed by one volunteer and
    "DDR3 SODIMM" by another land on the same stock line: memory type, form factor and
    disk interface in capitals without dashes or spaces (as dmidecode prints them),
    disk media in lower case (the grade stage's hdd / ssd / nvme)."""
    out = dict(facts)
    for key in ("type", "form_factor", "interface"):
        value = out.get(key)
        if isinstance(value, str) and (part_kind == "ram" or key == "interface"):
            out[key] = value.strip().upper().replace("-", "").replace(" ", "")
    if part_kind == "disk" and isinstance(out.get("media"), str):
        out["media"] = out["media"].strip().lower()
    return out


def reusable(part: dict) -> bool:
    """In the reusable stock: status "stock" and not kept for destruction or recycling
    (a failing disk harvested ``--for destruction`` waits in the workshop too, but it
    is never offered for reuse: docs/inventory.md, chain of custody rule 3)."""
    return part.get("status") == "stock" and (part.get("destiny") or "stock") == "stock"


def stock(parts: Iterable[dict]) -> list[StockLine]:
    """Group parts in the reusable stock into lines, biggest first."""
    groups: dict[tuple, list[str]] = {}
    for p in parts:
        if not reusable(p):
            continue
        kind = p.get("part_kind") or p.get("device_kind") or "other"
        facts = p.get("facts") or {}
        key_names = STOCK_KEYS.get(kind, STOCK_KEYS["other"])
        key = tuple((k, str(facts[k])) for k in key_names if facts.get(k) not in (None, ""))
        groups.setdefault((kind, key), []).append(p["id"])
    lines = [StockLine(kind, key, len(ids), tuple(sorted(ids))) for (kind, key), ids in groups.items()]
    return sorted(lines, key=lambda l: (l.part_kind, -l.count, l.facts))


class PartsMixin:
    def harvest_part(self, from_id: str, part_kind: str, facts: dict | None = None,
                     grade: str | None = None, serial: str | None = None, *,
                     disk: str | None = None, destiny: str = "stock",
                     reason: str | None = None) -> str:
        """Take a part out of a machine: a new part asset with where it came from.

        A storage part is matched to a disk of the machine's latest probe (``disk``:
        its serial or identity; the only disk left when there is one), so the machine
        no longer needs that disk wiped and the part carries the disk's identity to
        find its own wipe. A disk failing SMART goes only to destruction/recycling."""
        holder: list[str] = []

        def build(s: Session) -> list:
            source = self._asset(s, from_id)
            if source["kind"] != "machine":
                raise NotAMachine(id=from_id, current=source["status"], to="harvest")
            identity = None
            if part_kind in custody.STORAGE_KINDS:
                found = custody.probe_disk(source, disk)
                if found is None and (disk or source.get("probe")):
                    known = ", ".join(d.get("serial") or d.get("identity") or "?" for d in
                                      (source.get("probe") or {}).get("disks") or ()) or "-"
                    raise DiskNotInProbe(id=from_id, disk=disk or "?", known=known)
                if found is not None:
                    identity = found.get("identity")
                    if custody.health_failing(found) and destiny == "stock":
                        raise FailingDiskToStock(id=from_id, disk=custody.describe([found]))
            pid = self._next_id(s, "part")
            holder.append(pid)
            return [(EventType.ASSET_CREATED.value, pid,
                     {"kind": "part", "device_kind": part_kind, "lot_id": source.get("lot_id"),
                      "serial": serial, "weight_kg": None, "identity": None}),
                    (EventType.PART_HARVESTED.value, pid,
                     {"from_asset": from_id, "part_kind": part_kind,
                      "facts": self._jsonable(normalise_facts(part_kind, facts or {})),
                      "grade": grade, "destiny": destiny, "identity": identity,
                      "reason": reason})]
        self._commit(build)
        return holder[-1]

    def remove_disk(self, machine_id: str, disk: str | None, reason: str) -> Event:
        """A storage device taken out of a machine and destroyed or sent to recycling
        without a part record (``part.removed``): the machine no longer needs it wiped."""
        if not (reason or "").strip():
            raise BadInput(what="--reason", why=N_("empty"))

        def build(s: Session) -> list:
            doc = self._asset(s, machine_id)
            if doc["kind"] != "machine":
                raise NotAMachine(id=machine_id, current=doc["status"], to="remove")
            found = custody.probe_disk(doc, disk)
            if found is None:
                known = ", ".join(d.get("serial") or d.get("identity") or "?" for d in
                                  (doc.get("probe") or {}).get("disks") or ()) or "-"
                raise DiskNotInProbe(id=machine_id, disk=disk or "?", known=known)
            return [(EventType.PART_REMOVED.value, machine_id,
                     {"disk_identity": found.get("identity"), "reason": reason})]
        return self._commit(build)[0]

    def build_machine(self, device_kind: str, parts: Iterable[str] = (), *,
                      serial: str | None = None, weight_kg: float | None = None,
                      notes: str | None = None, asset_id: str | None = None,
                      name: str | None = None, trainee_id: str | None = None,
                      session_id: str | None = None) -> Event:
        """A machine assembled in the workshop from parts in stock: one ``built`` event
        (a new asset, never received, so never in the received tonnage) that also moves
        every part it names to installed."""
        wanted = list(dict.fromkeys(parts))

        def build(s: Session) -> list:
            for pid in wanted:
                self._usable_part(s, pid)
            if asset_id is not None and s.asset(asset_id) is not None:
                raise DuplicateId(id=asset_id)
            aid = asset_id or self._next_id(s, "machine")
            atelier = {k: v for k, v in (("name", name), ("trainee_id", trainee_id),
                                         ("session_id", session_id)) if v is not None}
            return [("built", aid, {"device_kind": device_kind, "parts": wanted,
                                    "serial": serial, "weight_kg": weight_kg,
                                    "notes": notes, **atelier})]
        return self._commit(build)[0]

    def _usable_part(self, s: Session, part_id: str) -> dict:
        """A part that may go into a machine: a part, in stock, reusable, and for a
        storage part wiped on its own (custody)."""
        part = self._asset(s, part_id)
        if part["kind"] != "part":
            raise NotAPart(id=part_id, current=part["status"], to="installed")
        if not part_transition_allowed(part["status"], "installed"):
            where = part.get("installed_in") or (part.get("checkout") or {}).get(
                "organisation") or "?"
            raise PartNotInStock(id=part_id, current=part["status"], to="installed",
                                 where=where)
        self._check_part_usable(s, part)
        return part

    def install_part(self, part_id: str, into_id: str) -> Event:
        def build(s: Session) -> list:
            self._usable_part(s, part_id)
            into = self._asset(s, into_id)
            if into["kind"] != "machine":
                raise NotAMachine(id=into_id, current=into["status"], to="install")
            if into["status"] == Status.OUT.value:
                raise MachineGone(id=into_id, current=into["status"], to="install")
            specs = [(EventType.PART_INSTALLED.value, into_id,
                      {"part_id": part_id, "into_asset": into_id})]
            if into["status"] in (Status.READY.value, Status.IMAGED.value):
                # A changed machine is checked again: back to the bench, to be
                # re-probed (a new disk is a new question) and signed off again.
                specs.append(self._status_spec(s, into_id, Status.DIAGNOSED.value,
                                               {"because": "part-installed"}))
            return specs
        return self._commit(build)[0]
