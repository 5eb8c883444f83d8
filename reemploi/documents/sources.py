"""Reading the inventory for documents: asset facts, part provenance, a lot's assets.

The only module of the documents stage that talks to the inventory, so the layout,
label and sheet code stay pure (facts in, PDF out) and are tested without a store.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Mapping, Sequence

from ..context import Context
from .facts import AssetFacts, PartFact, facts_from_events

if TYPE_CHECKING:
    from ..inventory.state import AssetState, DonorState, LotState


def open_inventory(ctx: Context):
    """The inventory of ``ctx.home`` (the inventory stage owns the store)."""
    return ctx.inventory()


def asset_facts(inv, asset_id: str) -> AssetFacts:
    """Facts of one asset, with where each installed part came from.

    ``inv.machine`` raises the inventory's ``UnknownAsset`` (exit 10) for an unknown id.
    """
    return assets_facts(inv, [asset_id])[0]


def assets_facts(inv, asset_ids: Sequence[str]) -> list[AssetFacts]:
    """Facts of many assets (in the order given) from one read of their records, their
    journal lines (at the offsets the inventory indexes), their parts, lots and donors:
    500 labels cost what 500 machines' lines cost, not 500 reads of the journal or of
    the lot catalogue (issue 16). UnknownAsset (exit 10) for the first unknown id."""
    states = inv.states(asset_ids)
    events = inv.events_of(asset_ids)
    facts = [facts_from_events(aid, events[aid], states[aid]) for aid in asset_ids]
    lots, donors = inv.catalog_states([f.lot_id for f in facts], [f.donor_id for f in facts])
    part_ids = [p.part_id for f in facts for p in f.parts]
    parts = inv.states(part_ids, missing_ok=True) if part_ids else {}
    # The journal head at issue time, printed on the paper: a journal rewritten later
    # disagrees with what was handed out (inventory verify --against).
    head = inv.head()
    return [replace(_with_parts(_with_donor_and_lot(f, lots, donors), parts), journal_head=head)
            for f in facts]


def _with_parts(facts: AssetFacts, states: Mapping[str, AssetState]) -> AssetFacts:
    """Each installed part's kind and donor machine; a part the store lacks is kept
    as the journal names it."""
    if not facts.parts:
        return facts
    parts = []
    for part in facts.parts:
        state = states.get(part.part_id)
        if state is None:
            parts.append(part)
            continue
        parts.append(PartFact(part.part_id, part.time,
                              state.part_kind or state.device_kind, state.from_asset))
    return replace(facts, parts=tuple(parts))


def _with_donor_and_lot(facts: AssetFacts, lots: Mapping[str, LotState],
                        donors: Mapping[str, DonorState]) -> AssetFacts:
    """The donor's name and the lot's reception date: a sheet names who gave the
    machine, not only the donor's id. A lot or donor the store lacks is left out."""
    donor_name = received = None
    lot = lots.get(facts.lot_id) if facts.lot_id else None
    if lot is not None:
        received = lot.date
        # The lot names the donor: a lot's donor corrected after intake (issue 10's
        # ``correct``) is in the lot's state; the machine's copy keeps the first one.
        if lot.donor_id:
            facts = replace(facts, donor_id=lot.donor_id)
    if facts.donor_id:
        donor = donors.get(facts.donor_id)
        donor_name = donor.name if donor is not None else None
    return replace(facts, donor_name=donor_name, lot_received=received)


def lot_machines(inv, lot: LotState) -> list[AssetState]:
    """The lot's machines (id order, typed states), read by the ids the fold lists in
    the lot's state instead of listing every machine of the inventory (issue 16: a
    lot's papers cost what its machines cost). A voided asset, or one whose lot was
    corrected to another, is left out."""
    ids = sorted(set(lot.assets))
    return [d for d in inv.states(ids, missing_ok=True).values()
            if not d.is_part and not d.is_voided and d.lot_id == lot.id]


def lot_assets(inv, lot_id: str) -> tuple[LotState, list[AssetFacts]]:
    """A lot's typed state and the facts of every machine registered in it (id order)."""
    lot = inv.lot_state(lot_id)
    return lot, assets_facts(inv, [d.id for d in lot_machines(inv, lot)])
