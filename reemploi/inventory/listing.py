"""The listing: one short row per asset, kept beside each asset shard.

``inventory list`` used to load every asset record (probe, grade, wipes, history
summary...) to print six columns: 3.0 s and 336 MiB at 50 000 machines (issue 16).
The projection now also writes, for each asset shard it saves, the rows of that
shard's assets (``projection/rows/XX.json``, the same CRC-32 check in meta.json), so
a listing reads ~120 bytes per asset (a JSON array per row, ``Row``'s order) instead of
several kilobytes of record; the command pages
(``--offset``/``--limit``) and streams what it prints.

A row is derived from the record when the shard is saved: nothing is folded twice,
and a rebuild writes the rows with the records.
"""

from __future__ import annotations

from typing import Any, Iterable, NamedTuple


class Row(NamedTuple):
    """What the list prints and filters on (the record has the rest: ``inventory
    show``). Stored as a JSON array in this order: no key repeated 50 000 times."""
    id: str
    kind: str | None
    status: str | None
    device_kind: str | None
    part_kind: str | None
    lot_id: str | None
    grade: str | None
    outcome: str | None
    vendor: str | None
    product: str | None
    serial: str | None
    voided: bool


ROW_FIELDS = Row._fields


def row_of(doc: dict) -> list[Any]:
    """The listing row of an asset record, as stored."""
    probe = doc.get("probe") or {}
    grade = doc.get("grade") or {}
    return [doc["id"], doc.get("kind"), doc.get("status"), doc.get("device_kind"),
            doc.get("part_kind"), doc.get("lot_id"), grade.get("grade"), grade.get("outcome"),
            probe.get("vendor"), probe.get("product"), doc.get("serial"),
            bool(doc.get("voided"))]


def rows_file(docs: Iterable[dict]) -> dict[str, Any]:
    """The content of one shard's rows file."""
    return {"fields": list(ROW_FIELDS), "rows": [row_of(d) for d in docs]}


def select(rows: Iterable[list], kind: str | None = "machine", status: str | None = None,
           device_kind: str | None = None, lot_id: str | None = None) -> list[Row]:
    """The rows that pass the filters (voided assets never do), sorted by id."""
    found = [Row(*r) for r in rows if not r[11]
             and (kind is None or r[1] == kind)
             and (status is None or r[2] == status)
             and (device_kind is None or r[3] == device_kind)
             and (lot_id is None or r[5] == lot_id)]
    found.sort()
    return found
