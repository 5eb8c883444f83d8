"""Reading events out of the journal: one asset's (or many assets') at the offsets
the projection's ``events`` index keeps, or all of them by streaming the file.

Why an index: a label, a sheet or a certificate of one machine used to scan the whole
journal for its lines (0.7 s per machine at 50 000 machines, issue 16); the fold now
records where each asset's lines are, so their cost does not grow with the journal.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from .errors import UnknownAsset
from .events import Event, EventType
from .journal import Journal, event_from_dict, parse_line

if TYPE_CHECKING:
    from .state import AssetState, DonorState, LotState


class EventsMixin:
    """Event reads of ``Inventory`` (which provides ``journal`` and ``_reading``)."""

    journal: Journal
    _reading: Callable[[Callable[[Any], Any]], Any]

    def records(self, asset_ids: Iterable[str], missing_ok: bool = False
                ) -> dict[str, dict]:
        """{asset id: current record} for many assets from one view of the projection
        (each shard read once). UnknownAsset (exit 10) for the first unknown id, unless
        ``missing_ok`` (then it is left out)."""
        ids = list(dict.fromkeys(asset_ids))

        def read(s: Any) -> dict[str, dict]:
            # Each record read by its slice: what these ids cost, not their shards.
            docs = s.assets_of(ids)
            found = {}
            for aid in ids:
                if docs[aid] is None and not missing_ok:
                    raise UnknownAsset(id=aid)
                if docs[aid] is not None:
                    found[aid] = docs[aid]
            return found
        return self._reading(read)

    def catalog_of(self, lot_ids: Iterable[str | None], donor_ids: Iterable[str | None] = ()
                   ) -> tuple[dict[str, dict], dict[str, dict]]:
        """({lot id: lot}, {donor id: donor}) of these lots, their donors and these
        donors (unknown ones left out), each read by its slice: a label's lot costs the
        same with 50 lots or 5 000."""
        def read(s: Any) -> tuple[dict[str, dict], dict[str, dict]]:
            lots = {k: d for k, d in s.catalog_of("lots", lot_ids).items() if d is not None}
            wanted = [*donor_ids, *(doc.get("donor_id") for doc in lots.values())]
            donors = {k: d for k, d in s.catalog_of("donors", wanted).items() if d is not None}
            return lots, donors
        return self._reading(read)

    def events(self, asset_id: str | None = None,
               types: Iterable[str | EventType] | None = None) -> Iterator[Event]:
        """Events in journal order; filtered by asset (including part events that name
        it as source or destination) and/or types. One asset's events are read at the
        offsets the projection's ``events`` index keeps; all events stream the file."""
        if asset_id is not None:
            yield from self.events_of([asset_id], types)[asset_id]
            return
        yield from self._scan(None, types)

    def disk_events(self, identity: str, types: Iterable[str | EventType]) -> list[Event]:
        """Wipe and image events (``fold.DISK_EVENTS``) naming this disk identity, in
        journal order, read at their indexed offsets (a scan if the index is out of step)."""
        wanted = _type_names(types)
        refs = self._reading(lambda s: s.index_get("disk_events", identity))
        found = self._read_refs(refs, wanted)
        if found is None:
            found = [ev for ev in self._scan(None, wanted)
                     if (ev.payload.get("disk") or {}).get("identity") == identity]
        return found

    def _read_refs(self, refs: list, wanted: set[str] | None, fh: Any = None
                   ) -> list[Event] | None:
        """The events at these [offset, length, seq] refs (journal order), those of the
        ``wanted`` types; None if one ref does not point at its line. ``fh``: the
        journal already open (one open for many assets)."""
        if fh is None:
            with open(self.journal.path, "rb") as own:
                return self._read_refs(refs, wanted, own)
        found = []
        needles = _type_needles(wanted)
        for offset, length, seq in sorted(refs, key=lambda r: r[2]):
            fh.seek(offset)
            line = fh.read(length)
            if needles is not None and not any(n in line for n in needles):
                # Not a wanted type (the byte test cannot miss one: canonical lines
                # spell the type so): its seq is checked, its payload not parsed.
                if _seq_of(line) != seq:
                    return None
                continue
            try:
                d = parse_line(line)
            except ValueError:
                d = {}
            if not isinstance(d, dict) or d.get("seq") != seq:
                return None
            if wanted is None or d.get("type") in wanted:
                found.append(event_from_dict(d))
        return found

    def events_of(self, asset_ids: Iterable[str], types: Iterable[str | EventType] | None = None
                  ) -> dict[str, list[Event]]:
        """{asset id: its events in journal order} for many assets in one read of the
        projection: labels, sheets and certificates cost what these assets' lines cost,
        whatever the journal's length (issue 16). An index out of step with the journal
        (it should not be) falls back to scanning for that asset."""
        wanted = _type_names(types)
        ids = list(dict.fromkeys(asset_ids))
        refs = self._reading(lambda s: s.index_many("events", ids))
        found: dict[str, list[Event]] = {}
        with open(self.journal.path, "rb") as fh:
            for aid in ids:
                evs = self._read_refs(refs[aid], wanted, fh)
                found[aid] = evs if evs is not None else list(self._scan(aid, types))
        return found

    def lines_of(self, keys: Iterable[str], types: Iterable[str | EventType] | None = None
                 ) -> dict[str, list[Event]]:
        """{key: its events in journal order} of the ``lines`` index (``fold.line_keys``:
        ``type:operator.added``, ``person:<id>``, ``event:<wipe.done id>``), read at their
        offsets: what the roster, a person's sittings or a wipe cost, not the journal.
        An index out of step falls back to scanning for that key."""
        from .fold import line_keys
        wanted = _type_names(types)
        keys = list(dict.fromkeys(keys))
        refs = self._reading(lambda s: s.index_many("lines", keys))
        found: dict[str, list[Event]] = {}
        with open(self.journal.path, "rb") as fh:
            for key in keys:
                evs = self._read_refs(refs[key], wanted, fh)
                if evs is None:
                    evs = []
                    for _, line in self.journal.iter_lines():
                        try:
                            d = parse_line(line)
                        except ValueError:
                            continue     # a damaged line is for ``inventory verify``
                        if key in line_keys(d) and (wanted is None or d.get("type") in wanted):
                            evs.append(event_from_dict(d))
                found[key] = evs
        return found

    def latest(self, asset_id: str, etype: str | EventType) -> Any:
        """The asset's latest event of this type as its typed payload (``events``:
        migrated, validated), None if it has none or that one does not validate. How
        the other stages read an asset's probe or verdict: never the journal's dicts."""
        from .. import events as typed
        name = etype.value if isinstance(etype, EventType) else etype
        for ev in reversed(self.events_of([asset_id], [name])[asset_id]):
            if ev.asset_id == asset_id:
                p = typed.read(name, ev.payload)
                return None if isinstance(p, typed.Unreadable) else p
        return None

    def _scan(self, asset_id: str | None, types: Iterable[str | EventType] | None
              ) -> Iterator[Event]:
        """Events read by streaming the whole journal (a byte pre-filter first)."""
        wanted = _type_names(types)
        # Byte pre-filters, spelled as the canonical lines spell them (UTF-8, unescaped).
        needle = json.dumps(asset_id, ensure_ascii=False).encode() if asset_id else None
        type_needles = _type_needles(wanted)
        for _, line in self.journal.iter_lines():
            if needle is not None and needle not in line:
                continue
            if type_needles is not None and not any(n in line for n in type_needles):
                continue
            d = parse_line(line)
            if wanted is not None and d["type"] not in wanted:
                continue
            if asset_id is not None and not _names(d, asset_id):
                continue
            yield event_from_dict(d)


def _type_names(types: Iterable[str | EventType] | None) -> set[str] | None:
    return {t.value if isinstance(t, EventType) else t for t in types} if types else None


def _names(d: dict, asset_id: str) -> bool:
    if d.get("asset_id") == asset_id:
        return True
    p = d.get("payload") or {}
    return asset_id in (p.get("part_id"), p.get("from_asset"), p.get("into_asset"))


def _type_needles(wanted: set[str] | None) -> list[bytes] | None:
    """The byte pre-filter of these types, spelled as canonical lines spell them."""
    return ([b'"type":' + json.dumps(t, ensure_ascii=False).encode() for t in wanted]
            if wanted else None)


def _seq_of(line: bytes) -> int | None:
    """The ``seq`` of a canonical journal line without parsing its payload: keys are
    sorted, so the top-level ``seq`` follows the payload and only strings follow it
    (where ``,"seq":`` would have its quotes escaped): the last match is it."""
    at = line.rfind(b',"seq":')
    if at < 0:
        return None
    digits = line[at + 7:at + 27].split(b",", 1)[0].split(b"}", 1)[0]
    try:
        return int(digits)
    except ValueError:
        return None


class StatesMixin:
    """Typed reads of ``Inventory`` (``state.py``): what every reader outside the
    inventory uses instead of the projection's records."""

    def state(self, asset_id: str) -> "AssetState":
        """An asset's typed state; UnknownAsset (exit 10)."""
        from .state import AssetState
        return AssetState.from_record(self.machine(asset_id))     # type: ignore[attr-defined]

    def states(self, asset_ids: Iterable[str], missing_ok: bool = False
               ) -> dict[str, "AssetState"]:
        """{id: typed state} of many assets in one read (``records``)."""
        from .state import AssetState
        return {aid: AssetState.from_record(doc)
                for aid, doc in self.records(asset_ids, missing_ok).items()}  # type: ignore[attr-defined]

    def machine_states(self, **filters: Any) -> list["AssetState"]:
        """``machines(status=, device_kind=, lot_id=)`` typed (voided ones left out)."""
        from .state import AssetState
        return [AssetState.from_record(d) for d in self.machines(**filters)]  # type: ignore[attr-defined]

    def part_states(self, **filters: Any) -> list["AssetState"]:
        """``parts(part_kind=, status=)`` typed (voided ones left out)."""
        from .state import AssetState
        return [AssetState.from_record(d) for d in self.parts(**filters)]  # type: ignore[attr-defined]

    def search_states(self, text: str) -> list["AssetState"]:
        from .state import AssetState
        return [AssetState.from_record(d) for d in self.search(text)]  # type: ignore[attr-defined]

    def lot_state(self, lot_id: str) -> "LotState":
        from .state import LotState
        return LotState.from_record(self.lot(lot_id))     # type: ignore[attr-defined]

    def catalog_states(self, lot_ids: Iterable[str | None],
                       donor_ids: Iterable[str | None] = ()
                       ) -> tuple[dict[str, "LotState"], dict[str, "DonorState"]]:
        """``catalog_of`` typed: these lots, their donors and these donors, each read
        by its slice (unknown ones left out)."""
        from .state import DonorState, LotState
        lots, donors = self.catalog_of(lot_ids, donor_ids)     # type: ignore[attr-defined]
        return ({k: LotState.from_record(d) for k, d in lots.items()},
                {k: DonorState.from_record(d) for k, d in donors.items()})

    def donor_states(self) -> list["DonorState"]:
        from .state import DonorState
        return [DonorState.from_record(d) for d in self.donors()]  # type: ignore[attr-defined]

    def donor_state(self, donor_id: str, missing_ok: bool = False) -> "DonorState | None":
        """A donor's typed state, read by its slice (``catalog_of``: not the whole
        catalogue); UnknownAsset (exit 10) for an unknown id, or None if ``missing_ok``."""
        from .state import DonorState
        doc = self.catalog_of([], [donor_id])[1].get(donor_id)
        if doc is None:
            if missing_ok:
                return None
            raise UnknownAsset(id=donor_id)
        return DonorState.from_record(doc)
