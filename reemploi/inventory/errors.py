"""Inventory errors: typed subclasses of the shared errors, reusing their exit codes."""

from __future__ import annotations

from ..errors import Conflict, DeviceError, IntegrityError, NotFound


class UnknownAsset(NotFound):
    """Exit 10: no asset, lot or donor with this id in the journal."""
    msg = "Unknown id: {id}"


# Status codes in words (the msgids the inventory commands show), so an error reads
# "from 'Diagnosed' to 'Out'" in the reader's language rather than the raw codes.
STATUS_WORDS = {"received": "Received", "diagnosed": "Diagnosed", "wiped": "Wiped",
                "imaged": "Imaged", "ready": "Ready", "out": "Out", "stock": "In stock",
                "installed": "Installed"}


class IllegalTransition(Conflict):
    """Exit 11: the lifecycle table does not allow this status change."""
    msg = "{id}: cannot go from '{current}' to '{to}'"

    def render(self, translate=None) -> str:
        if translate is None:
            return super().render(None)
        params = dict(self.params)
        for key in ("current", "to"):
            if params.get(key) in STATUS_WORDS:
                params[key] = translate(STATUS_WORDS[params[key]])
        try:
            return translate(self.msg).format(**params)
        except (KeyError, IndexError, ValueError):
            return super().render(translate)


class NotReadyToLeave(IllegalTransition):
    """Exit 11: a machine is given or sold only from ready (lifecycle.OUT_FROM)."""
    msg = ("{id} is '{current}': a machine is given or sold only once it is 'Ready' "
           "(wiped, installed and checked; then: reemploi inventory status {id} ready)")


class NotAPart(IllegalTransition):
    """Exit 11: a machine id where a part id was expected."""
    msg = "{id} is a machine, not a part: give the part id printed by 'reemploi parts harvest'"


class NotAMachine(IllegalTransition):
    """Exit 11: a part id where a machine id was expected."""
    msg = "{id} is a part, not a machine"


class PartNotInStock(IllegalTransition):
    """Exit 11: installing or harvesting a part that is not in stock."""
    msg = "Part {id} is not in stock: it is '{current}' ({where})"


class MachineGone(IllegalTransition):
    """Exit 11: a part cannot go into a machine that already left the workshop."""
    msg = "{id} has already left the workshop: no part can be installed in it"


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


class JournalWriteFailed(DeviceError):
    """Exit 15: the journal could not be written (disk full, I/O error); nothing recorded."""
    msg = "Nothing was recorded: cannot write the journal {path} ({why})"
