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
