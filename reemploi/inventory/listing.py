"""The listing: one short row per asset, kept beside each asset shard.

``inventory list`` used to load every asset record (probe, grade, wipes, history
summary...) to print six columns: 3.0 s and 336 MiB at 50 000 machines (issue 16).
The projection now also writes, for each asset shard it saves, the rows of that
shard's assets (``projection/rows/XX.json``, the same CRC-32 check in meta.json), so
a listing reads ~200 bytes per asset instead of several kilobytes; the command pages
(``--offset``/``--limit``) and streams what it prints.

A row is derived from the record when the shard is saved: nothing is folded twice,
and a rebuild writes the rows with the records.
"""

from __future__ import annotations

from typing import Any, Iterable

# The fields of a row: what the list prints and filters on (the record has the rest:
# ``inventory show``).
ROW_FIELDS = ("id", "kind", "status", "device_kind", "part_kind", "lot_id", "grade",
              "outcome", "vendor", "product", "serial", "voided")


def row_of(doc: dict) -> dict[str, Any]:
    """The listing row of an asset record."""
    probe = doc.get("probe") or {}
    grade = doc.get("grade") or {}
    return {"id": doc["id"], "kind": doc.get("kind"), "status": doc.get("status"),
            "device_kind": doc.get("device_kind"), "part_kind": doc.get("part_kind"),
            "lot_id": doc.get("lot_id"), "grade": grade.get("grade"),
            "outcome": grade.get("outcome"), "vendor": probe.get("vendor"),
            "product": probe.get("product"), "serial": doc.get("serial"),
            "voided": bool(doc.get("voided"))}


def rows_of(docs: Iterable[dict]) -> dict[str, dict]:
    return {d["id"]: row_of(d) for d in docs}


def select(rows: Iterable[dict], kind: str | None = "machine", status: str | None = None,
           device_kind: str | None = None, lot_id: str | None = None) -> list[dict]:
    """The rows that pass the filters (voided assets never do), sorted by id."""
    return sorted((r for r in rows if not r.get("voided")
                   and (kind is None or r.get("kind") == kind)
                   and (status is None or r.get("status") == status)
                   and (device_kind is None or r.get("device_kind") == device_kind)
                   and (lot_id is None or r.get("lot_id") == lot_id)),
                  key=lambda r: r["id"])
