"""Inventory errors: typed subclasses of the shared errors, reusing their exit codes."""

from __future__ import annotations

from ..errors import Conflict, IntegrityError, NotFound


class UnknownAsset(NotFound):
    """Exit 10: no asset, lot or donor with this id in the journal."""
    msg = "Unknown id: {id}"


class IllegalTransition(Conflict):
    """Exit 11: the lifecycle table does not allow this status change."""
    msg = "{id}: cannot go from '{current}' to '{to}'"


class DuplicateId(Conflict):
    """Exit 11: an asset id given by hand is already in the journal."""
    msg = "The id {id} is already in the inventory"


class JournalCorrupt(IntegrityError):
    """Exit 12: the journal cannot be extended because a line is not a valid event."""
    msg = "Journal damaged at event {seq}: {why}"


class JournalCut(IntegrityError):
    """Exit 12: the projection remembers events the journal no longer has."""
    msg = "The journal ends at event {journal_seq} but the inventory had seen event {projection_seq}: events are missing from its end"


class ProjectionMismatch(IntegrityError):
    """Exit 12: the stored state differs from a fresh fold of the journal."""
    msg = "The inventory state differs from the journal at {where}; 'reemploi inventory verify --repair' rebuilds it"
