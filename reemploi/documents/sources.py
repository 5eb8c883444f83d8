"""Reading the inventory for documents: asset facts, part provenance, a lot's assets.

The only module of the documents stage that talks to the inventory, so the layout,
label and sheet code stay pure (facts in, PDF out) and are tested without a store.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from ..context import Context
from ..errors import NotFound
from .facts import AssetFacts, PartFact, facts_from_events


def open_inventory(ctx: Context):
    """The inventory of ``ctx.home`` (imported late: the inventory stage owns it)."""
    try:
        from ..inventory import Inventory  # type: ignore[attr-defined]
    except ImportError:
        from ..inventory.store import Inventory  # type: ignore[no-redef]
    return Inventory.open(ctx.home, ctx.station, ctx.operator)


def _records(obj: Any) -> Iterable[Mapping[str, Any]]:
    """inv.lots() may hand back a dict keyed by id or a list; accept both."""
    if isinstance(obj, Mapping):
        for key, value in obj.items():
            if isinstance(value, Mapping):
                yield {"id": key, **value}
    else:
        for value in obj or []:
            if isinstance(value, Mapping):
                yield value
            else:
                yield getattr(value, "__dict__", {})


def asset_facts(inv, asset_id: str) -> AssetFacts:
    """Facts of one asset, with where each installed part came from."""
    projection = inv.machine(asset_id)          # raises the inventory's NotFound
    facts = facts_from_events(asset_id, inv.events(asset_id), projection)
    if facts.parts:
        parts = []
        for part in facts.parts:
            try:
                pf = facts_from_events(part.part_id, inv.events(part.part_id))
            except NotFound:
                parts.append(part)
                continue
            origin = (pf.part_facts or {}).get("from_asset")
            parts.append(PartFact(part.part_id, part.time, pf.part_kind, origin))
        facts = _replace(facts, parts=tuple(parts))
    if not facts.donor_id and facts.lot_id:
        for lot in _records(inv.lots()):
            if (lot.get("lot_id") or lot.get("id")) == facts.lot_id and lot.get("donor_id"):
                facts = _replace(facts, donor_id=lot["donor_id"])
                break
    return facts


def _replace(facts: AssetFacts, **changes) -> AssetFacts:
    from dataclasses import replace
    return replace(facts, **changes)


def lot_assets(inv, lot_id: str) -> tuple[Mapping[str, Any], list[AssetFacts]]:
    """A lot's record and the facts of every asset created in it (in id order)."""
    lot = None
    for record in _records(inv.lots()):
        if (record.get("lot_id") or record.get("id")) == lot_id:
            lot = record
            break
    if lot is None:
        raise NotFound(what=f"lot {lot_id}")
    ids = lot.get("assets") or lot.get("asset_ids") or []
    ids = [a if isinstance(a, str) else (a.get("asset_id") or a.get("id")) for a in ids]
    if not ids:
        ids = _assets_in_journal(inv, lot_id)
    return lot, [asset_facts(inv, a) for a in sorted(set(ids))]


def _assets_in_journal(inv, lot_id: str) -> list[str]:
    found = []
    for ev in inv.events(None) if _accepts_none(inv) else []:
        payload = getattr(ev, "payload", None) or (ev.get("payload") if isinstance(ev, Mapping) else {})
        etype = getattr(ev, "type", None) or (ev.get("type") if isinstance(ev, Mapping) else None)
        if getattr(etype, "value", etype) == "asset.created" and payload.get("lot_id") == lot_id:
            found.append(getattr(ev, "asset_id", None) or ev.get("asset_id"))
    return [a for a in found if a]


def _accepts_none(inv) -> bool:
    try:
        inv.events(None)
        return True
    except Exception:  # an inventory that only lists one asset's events
        return False
