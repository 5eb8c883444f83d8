"""Reading events out of the journal: one asset's (or many assets') at the offsets
the projection's ``events`` index keeps, or all of them by streaming the file.

Why an index: a label, a sheet or a certificate of one machine used to scan the whole
journal for its lines (0.7 s per machine at 50 000 machines, issue 16); the fold now
records where each asset's lines are, so their cost does not grow with the journal.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Iterable, Iterator

from .errors import UnknownAsset
from .events import Event, EventType
from .journal import Journal, event_from_dict, parse_line


class EventsMixin:
    """Event reads of ``Inventory`` (which provides ``journal`` and ``_reading``)."""

    journal: Journal
    _reading: Callable[[Callable[[Any], Any]], Any]

    def records(self, asset_ids: Iterable[str], missing_ok: bool = False
                ) -> dict[str, dict]:
        """{asset id: current record} for many assets from one view of the projection
        (each shard read once). UnknownAsset (exit 10) for the first unknown id, unless
        ``missing_ok`` (then it is left out)."""
        def read(s: Any) -> dict[str, dict]:
            found = {}
            for aid in dict.fromkeys(asset_ids):
                doc = s.asset(aid)
                if doc is None and not missing_ok:
                    raise UnknownAsset(id=aid)
                if doc is not None:
                    found[aid] = doc
            return found
        return self._reading(read)

    def catalog(self) -> tuple[dict[str, dict], dict[str, dict]]:
        """({lot id: lot}, {donor id: donor}) in one read of the catalogue."""
        return self._reading(lambda s: (dict(s._catalog()["lots"]),
                                        dict(s._catalog()["donors"])))

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

    def _read_refs(self, refs: list, wanted: set[str] | None) -> list[Event] | None:
        """The events at these [offset, length, seq] refs (journal order), those of the
        ``wanted`` types; None if one ref does not point at its line."""
        found = []
        with open(self.journal.path, "rb") as fh:
            for offset, length, seq in sorted(refs, key=lambda r: r[2]):
                fh.seek(offset)
                try:
                    d = parse_line(fh.read(length))
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
        refs = self._reading(lambda s: {a: s.index_get("events", a) for a in ids})
        found: dict[str, list[Event]] = {}
        for aid in ids:
            evs = self._read_refs(refs[aid], wanted)
            found[aid] = evs if evs is not None else list(self._scan(aid, types))
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
        type_needles = ([b'"type":' + json.dumps(t, ensure_ascii=False).encode() for t in wanted]
                        if wanted else None)
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
