"""What the documents say about an asset, gathered from its journal events.

Labels and traceability sheets read the append-only journal (``inv.events(id)``)
rather than a projection: the payload keys of each event type are the documented
contract of ``reemploi.inventory.events``, and the sheet needs the history anyway.
The inventory's typed state (``inv.state(id)``, inventory/state.py) is only consulted
for what events alone cannot say (the corrected kind, lot, weight; the donor). Pure: events in, ``AssetFacts`` out, no I/O.

Events may arrive as ``Event`` dataclasses or as plain dicts (JSON lines); both work.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from collections import abc as _abc
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from ..inventory.events import EventType

if TYPE_CHECKING:
    from ..inventory.state import AssetState


@dataclass(frozen=True)
class WipeFact:
    time: str
    disk: str                       # model and serial as the wipe recorded them
    size_bytes: int | None
    result: str                     # success | failed | interrupted | unfinished (no end)
    method: str
    nist: str


@dataclass(frozen=True)
class HistoryFact:
    time: str
    type: str                       # an EventType value
    operator: str | None
    station: str
    detail: dict = field(default_factory=dict)
    asset_id: str | None = None     # whose event: a harvest is filed under the new part


@dataclass(frozen=True)
class PartFact:
    part_id: str
    time: str
    part_kind: str | None = None
    from_asset: str | None = None


@dataclass(frozen=True)
class AssetFacts:
    asset_id: str
    kind: str = "machine"                       # machine | part
    device_kind: str | None = None
    lot_id: str | None = None
    donor_id: str | None = None
    donor_name: str | None = None                # from the donor's record (sources.py)
    lot_received: str | None = None              # the lot's reception date
    serial: str | None = None
    maker: str | None = None
    model: str | None = None
    weight_kg: float | None = None
    machine: Mapping[str, Any] | None = None    # last Machine.to_dict() probed
    checks: Mapping[str, Any] | None = None
    verdict: Mapping[str, Any] | None = None    # last Verdict.to_dict()
    wipes: tuple[WipeFact, ...] = ()
    certificates: tuple[tuple[str, str, str], ...] = ()   # (certificate_id, sha256, time)
    image: Mapping[str, Any] | None = None      # last successful image.written payload
    parts: tuple[PartFact, ...] = ()
    history: tuple[HistoryFact, ...] = ()
    part_kind: str | None = None                # for parts: ram, disk, battery...
    part_facts: Mapping[str, Any] | None = None
    checkout: Mapping[str, Any] | None = None
    status: str | None = None
    # The validator's sign-off (asset.validated): {by, time, station, note}; cleared when
    # the machine goes back on the bench, as the inventory's fold does.
    validation: Mapping[str, Any] | None = None
    # The journal's head (seq, hash) when the document was made: printed on it, so a
    # journal rewritten later disagrees with the papers already handed out.
    journal_head: tuple[int, str] | None = None

    # --- summaries used by labels and sheets (values, not sentences) ---
    @property
    def cpu(self) -> str | None:
        model = ((self.machine or {}).get("cpu") or {}).get("model")
        return short_cpu(model) if model else None

    @property
    def ram_mb(self) -> int | None:
        """Installed RAM: the modules' sum when every module's size is known (what the
        grade and image stages count), else what the OS sees (``total_mb``, which
        firmware and integrated graphics reserve from: 5.8 GB for 4 + 2 GB installed
        on the Latitude E5410 fixture)."""
        memory = (self.machine or {}).get("memory") or {}
        sizes = [m.get("size_mb") for m in memory.get("modules") or []]
        if sizes and all(sizes):
            return sum(sizes)
        return memory.get("total_mb")

    @property
    def disks(self) -> list[tuple[str, int | None]]:
        """(media, size_bytes) of the probed disks that are not the live USB."""
        from ..model import Machine   # late: payload and intake labels never need it
        disks = Machine.from_dict({"disks": (self.machine or {}).get("disks")}).data_disks()
        return [(d.media.value, d.size_bytes) for d in disks]

    @property
    def grade(self) -> str | None:
        return (self.verdict or {}).get("grade")

    @property
    def outcome(self) -> str | None:
        return (self.verdict or {}).get("outcome")

    @property
    def last_wipe(self) -> WipeFact | None:
        ok = [w for w in self.wipes if w.result == "success"]
        return ok[-1] if ok else None

    @property
    def os_name(self) -> str | None:
        img = (self.image or {}).get("image") or {}
        if not img.get("name"):
            return None
        return " ".join(str(v) for v in (img.get("name"), img.get("version")) if v)


def short_cpu(model: str) -> str:
    """'Intel(R) Core(TM) i5-4590 CPU @ 3.30GHz' -> 'Intel Core i5-4590 3.30GHz'."""
    text = model
    for noise in ("(R)", "(r)", "(TM)", "(tm)", " CPU", " Processor", "@ "):
        text = text.replace(noise, "")
    return " ".join(text.split())


def _row(event: Any) -> Mapping[str, Any]:
    """An event's fields as a mapping, whether a journal line's dict or an ``Event``.

    Made once per event: ``isinstance(x, typing.Mapping)`` on every field read went
    through typing's subclass hooks and was 60 % of the time of 500 labels' facts."""
    if type(event) is dict or isinstance(event, _abc.Mapping):
        return event
    return vars(event)


def _typed(ev: Mapping[str, Any], kind: str, payload: Mapping[str, Any]) -> Any:
    """The event's typed payload (``Event.data`` when it is one, else read here), or
    None when it does not validate (the fold skips it too)."""
    data = ev.get("data") if "data" in ev else None
    if data is None:
        from .. import events as typed
        data = typed.read(kind, payload)
        if isinstance(data, typed.Unreadable):
            return None
    return data


def _disk_label(disk: Any) -> str:
    """Model and serial as the wipe recorded them (never the internal identity)."""
    return " ".join(str(v) for v in (disk.model, disk.serial) if v)


# Event type values as plain strings: an enum member's ``.value`` is a property call,
# made once here instead of once per event and branch.
_PART_INSTALLED = EventType.PART_INSTALLED.value
_CREATED = EventType.ASSET_CREATED.value
_PROBED = EventType.ASSET_PROBED.value
_CHECKED = EventType.ASSET_CHECKED.value
_GRADED = EventType.ASSET_GRADED.value
_WIPE_STARTED = EventType.WIPE_STARTED.value
_WIPE_DONE = EventType.WIPE_DONE.value
_CERTIFICATE = EventType.CERTIFICATE_ISSUED.value
_IMAGE_WRITTEN = EventType.IMAGE_WRITTEN.value
_HARVESTED = EventType.PART_HARVESTED.value
_STATUS = EventType.STATUS_CHANGED.value
_VALIDATED = EventType.ASSET_VALIDATED.value
_CHECKOUT = EventType.CHECKOUT.value


def _typed_state(projection: Any) -> "AssetState | None":
    """The inventory's typed state of the asset (never its record's keys)."""
    from ..inventory.state import AssetState
    if projection is None or isinstance(projection, AssetState):
        return projection
    return AssetState.from_record(projection) if projection else None


# The typed state's fields that a sheet or label shows as they are now (corrected).
RECORD_FIELDS = ("kind", "status", "lot_id", "donor_id", "device_kind", "serial", "weight_kg")


def facts_from_events(asset_id: str, events: Iterable[Any],
                      projection: "AssetState | Mapping[str, Any] | None" = None
                      ) -> AssetFacts:
    """Fold an asset's events (oldest first) into the facts documents show.
    ``projection``: the asset's typed state (``Inventory.state``), or its record as
    ``Inventory.records`` reads it (read through the typed state here)."""
    values: dict[str, Any] = {"asset_id": asset_id}
    wipes: list[WipeFact] = []
    certs: list[tuple[str, str, str]] = []
    parts: list[PartFact] = []
    history: list[HistoryFact] = []
    started: dict[str, WipeFact] = {}       # wipe.started id -> its "unfinished" row
    for ev in sorted(map(_row, events), key=lambda e: e.get("seq") or 0):
        kind = ev.get("type")
        kind = getattr(kind, "value", kind)
        p = ev.get("payload") or {}
        time = str(ev.get("time") or "")
        history.append(HistoryFact(time, str(kind), ev.get("operator"),
                                   str(ev.get("station") or ""), dict(p),
                                   ev.get("asset_id")))
        own = ev.get("asset_id") == asset_id
        if kind == _PART_INSTALLED:
            # Filed under the machine; the part's own journal names it in part_id.
            if p.get("into_asset", ev.get("asset_id")) == asset_id and p.get("part_id"):
                parts.append(PartFact(str(p.get("part_id")), time))
            continue
        if not own:
            # e.g. a part harvested from this machine: history, not this asset's facts.
            continue
        if kind == _CREATED:
            values.update(kind=p.get("kind", "machine"), device_kind=p.get("device_kind"),
                          lot_id=p.get("lot_id"), serial=p.get("serial"),
                          weight_kg=p.get("weight_kg"))
            ident = p.get("identity") or {}
            if isinstance(ident, Mapping):
                values.setdefault("maker", ident.get("vendor") or ident.get("maker"))
                values.setdefault("model", ident.get("product") or ident.get("model"))
        elif kind == _PROBED:
            machine = p.get("machine") or {}
            values["machine"] = machine
            system = machine.get("system") or {}
            values["maker"] = system.get("vendor") or values.get("maker")
            values["model"] = system.get("product") or values.get("model")
            values["serial"] = values.get("serial") or system.get("serial")
        elif kind == _CHECKED:
            values["checks"] = p.get("checks") or {}
        elif kind == _GRADED:
            values["verdict"] = p.get("verdict") or {}
        elif kind == _WIPE_STARTED:
            # Shown as "unfinished" until a wipe.done names it (power cut, SIGKILL).
            w = _typed(ev, kind, p)
            if w is None:
                continue
            # No model nor serial: the sheet says so (never the internal identity).
            fact = WipeFact(time, _disk_label(w.disk), w.disk.size_bytes, "unfinished",
                            str(w.method or "?"), str(w.nist or "—"))
            started[str(ev.get("id"))] = fact
            wipes.append(fact)
        elif kind == _WIPE_DONE:
            # The wipe stage's typed record: ``method`` is the method that ran, a
            # schema-1 "auto" read as its technique shows (events/wipe.py), as the
            # certificate and the statistics read it.
            w = _typed(ev, kind, p)
            if w is None:
                continue
            ended = started.pop(str(w.start_event), None)
            if ended is not None:
                wipes.remove(ended)
            # Add what was done: the overwrite patterns, or the firmware technique (as
            # the certificate does).
            method = str(w.method or "?")
            technique = (w.detail or {}).get("technique")
            done = "+".join(w.patterns) if technique == "overwrite" else str(technique or "")
            if done and done != method:
                method += f" ({done})"
            wipes.append(WipeFact(time, _disk_label(w.disk), w.disk.size_bytes, w.result,
                                  method, str(w.nist or "—")))
        elif kind == _CERTIFICATE:
            # Only real certificates: a failure report ("FAILED, not a certificate") is
            # in the journal too, but no sheet may list it as a certificate (issue 11).
            if p.get("result", "success") == "success":
                certs.append((str(p.get("certificate_id", "?")), str(p.get("sha256", "")), time))
        elif kind == _IMAGE_WRITTEN:
            if p.get("result", "success") == "success":
                values["image"] = p
        elif kind == _HARVESTED:
            # The part's grade (``parts harvest --grade``) is beside its facts.
            values.update(kind="part", part_kind=p.get("part_kind"),
                          part_facts={**({"grade": p["grade"]} if p.get("grade") else {}),
                                      **(p.get("facts") or {})})
            parts_from = p.get("from_asset")
            if parts_from:
                values["from_asset"] = parts_from
        elif kind == _STATUS:
            values["status"] = p.get("to")
            if p.get("to") not in ("ready", "out"):
                values["validation"] = None
        elif kind == _VALIDATED:
            values["validation"] = {"by": p.get("validator") or ev.get("operator"),
                                    "time": time, "station": ev.get("station"),
                                    "note": p.get("note")}
        elif kind == _CHECKOUT:
            values["checkout"] = dict(p)
    # What the inventory's fold owns is read from its record, never re-derived from the
    # events: the record applies the corrections of issue 10 (``inventory correct``: a
    # kind, weight, serial or lot recorded wrong at intake), which events alone do not.
    state = _typed_state(projection)
    if state is not None:
        for key in RECORD_FIELDS:
            value = getattr(state, key)
            if value is not None:
                values[key] = getattr(value, "value", value)     # a status enum: its code
        if values.get("machine") and state.removed_disks:
            values["machine"] = _as_it_is_now(values["machine"], state)
    from_asset = values.pop("from_asset", None)
    if from_asset and values.get("part_facts") is not None:
        values["part_facts"] = {**values["part_facts"], "from_asset": from_asset}
    return AssetFacts(wipes=tuple(wipes), certificates=tuple(certs), parts=tuple(parts),
                      history=tuple(history), **values)


def _as_it_is_now(machine: Mapping[str, Any], state: "AssetState") -> Mapping[str, Any]:
    """The probed machine without the disks recorded removed since that probe
    (harvested, destroyed, kept by the donor: custody.still_present, the one rule): a
    label or a sheet must not promise the next owner a disk that was taken out."""
    from ..inventory.custody import still_present
    from ..model import Disk
    disks = list(machine.get("disks") or ())
    keep = still_present(state.probe_seq or 0,
                         [(r.identity, r.seq or 0) for r in state.removed_disks],
                         [Disk.from_dict(d).identity for d in disks])
    return {**machine, "disks": [disks[i] for i in keep]}
