"""Reading the inventory for documents: asset facts, part provenance, a lot's assets.

The only module of the documents stage that talks to the inventory, so the layout,
label and sheet code stay pure (facts in, PDF out) and are tested without a store.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping

from ..context import Context
from ..errors import NotFound
from .facts import AssetFacts, PartFact, facts_from_events


def open_inventory(ctx: Context):
    """The inventory of ``ctx.home`` (the inventory stage owns the store)."""
    from ..inventory.store import Inventory
    return Inventory.open(ctx.home, ctx.station, ctx.operator)


def asset_facts(inv, asset_id: str) -> AssetFacts:
    """Facts of one asset, with where each installed part came from.

    ``inv.machine`` raises the inventory's ``UnknownAsset`` (exit 10) for an unknown id.
    """
    projection = inv.machine(asset_id)
    facts = facts_from_events(asset_id, inv.events(asset_id), projection)
    facts = _with_donor_and_lot(inv, facts)
    if facts.parts:
        parts = []
        for part in facts.parts:
            try:
                doc = inv.machine(part.part_id)
            except NotFound:
                parts.append(part)
                continue
            parts.append(PartFact(part.part_id, part.time,
                                  doc.get("part_kind") or doc.get("device_kind"),
                                  doc.get("from_asset")))
        facts = replace(facts, parts=tuple(parts))
    return facts


def _with_donor_and_lot(inv, facts: AssetFacts) -> AssetFacts:
    """The donor's name and the lot's reception date: a sheet names who gave the
    machine, not only the donor's id. A lot or donor the store lacks is left out."""
    donor_name = received = None
    if facts.lot_id:
        try:
            lot = inv.lot(facts.lot_id)
        except NotFound:
            lot = {}
        received = lot.get("date")
        if not facts.donor_id and lot.get("donor_id"):
            facts = replace(facts, donor_id=lot["donor_id"])
    if facts.donor_id:
        donor_name = next((d.get("name") for d in inv.donors() if d.get("id") == facts.donor_id),
                          None)
    return replace(facts, donor_name=donor_name, lot_received=received)


def lot_assets(inv, lot_id: str) -> tuple[Mapping[str, Any], list[AssetFacts]]:
    """A lot's record and the facts of every machine registered in it (in id order)."""
    lot = inv.lot(lot_id)
    return lot, [asset_facts(inv, d["id"]) for d in inv.machines(lot_id=lot_id)]
