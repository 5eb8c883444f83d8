"""Inventory errors: typed subclasses of the shared errors, reusing their exit codes."""

from __future__ import annotations

from ..errors import BadInput, Conflict, DeviceError, IntegrityError, NotFound, Refused
from ..i18n import N_


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
    _worded = {"current": STATUS_WORDS, "to": STATUS_WORDS}


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


# What ``inventory verify`` found wrong with a line (verify.Problem), in words: the
# code stays in --json, a person reads what happened to the line.
CHAIN_PROBLEM_WORDS = {
    "malformed": N_("not a valid event line"),
    "hash-mismatch": N_("its content was changed after it was written"),
    "prev-mismatch": N_("a line before it was deleted, inserted or moved"),
    "seq-mismatch": N_("the numbering is broken (lines deleted or swapped)"),
}


class JournalCorrupt(IntegrityError):
    """Exit 12: the journal cannot be extended because a line is not a valid event."""
    msg = "Journal damaged at event {seq}: {why}"
    _worded = {"why": CHAIN_PROBLEM_WORDS}


class JournalCut(IntegrityError):
    """Exit 12: the projection remembers events the journal no longer has."""
    msg = "The journal ends at event {journal_seq} but the inventory had seen event {projection_seq}: events are missing from its end"


class ProjectionMismatch(IntegrityError):
    """Exit 12: the stored state differs from a fresh fold of the journal."""
    msg = "The inventory state differs from the journal at {where}; 'reemploi inventory verify --repair' rebuilds it"


class JournalWriteFailed(DeviceError):
    """Exit 15: the journal could not be written (disk full, I/O error); nothing recorded."""
    msg = "Nothing was recorded: cannot write the journal {path} ({why})"


# -- chain of custody (custody.py): exit 8, the "refused to protect data" code -------

class DisksNotWiped(Refused):
    """Exit 8: a machine would be ready or leave with a disk whose data may be there."""
    msg = ("{id} cannot become '{to}': no verified wipe under this machine since it came in "
           "for {disks}. Wipe it (reemploi wipe DEVICE --asset {id}) or record it removed "
           "(reemploi parts harvest / parts remove)")
    _worded = {"to": STATUS_WORDS}


class NoProbe(Refused):
    """Exit 8: nothing says which disks the machine holds."""
    msg = ("{id} has no probe on record: grade it first (reemploi grade --asset {id}), "
           "its disks must be known before it is ready or leaves")


class PartNotWiped(Refused):
    """Exit 8: a storage part goes into a machine or out only after its own wipe."""
    msg = ("Part {id} is a storage device without a verified wipe of its own: wipe it "
           "first (reemploi wipe DEVICE --asset {id})")


# A harvested part's destiny in words (the msgids of ``parts harvest --for``).
DESTINY_WORDS = {"stock": N_("reusable stock"), "destruction": N_("destruction"),
                 "recycling": N_("recycling")}


class PartKeptForDestruction(Refused):
    """Exit 8: a part kept for destruction or recycling is never reused."""
    msg = "Part {id} is kept for {destiny}: it cannot be installed, given or sold"
    _worded = {"destiny": DESTINY_WORDS}


class FailingDiskToStock(Refused):
    """Exit 8: a SMART-failing disk is harvested only for destruction or recycling."""
    msg = ("The disk {disk} of {id} fails its SMART check: harvest it only for destruction "
           "or recycling (--for destruction), never into reusable stock")


class DiskNotInProbe(NotFound):
    """Exit 10: the disk named is not one of the machine's latest probe."""
    msg = "{id}: no disk '{disk}' in its latest probe (give its serial or identity: {known})"


class DateTooEarly(BadInput):
    """Exit 7: a checkout dated before the lot's reception."""
    msg = "The date {date} is before the lot's reception ({when})"


class DateBeforeReady(BadInput):
    """Exit 7: a checkout dated before the machine became ready."""
    msg = "The date {date} is before the machine became ready ({when})"


class DateInFuture(BadInput):
    """Exit 7: a date after today (clock skew allowed: one day)."""
    msg = "The date {date} is in the future"


class LargeLot(Refused):
    """Exit 8: a lot far above anything usual: a typo until confirmed."""
    msg = ("A lot of {count} devices and {kg} kg is far above the usual (at most {max_count} "
           "devices, {max_t} t without confirmation): check the numbers, or confirm with --yes")


class ImageForNoSystem(Refused):
    """Exit 8: the verdict says parts only or recycling: no system goes on it."""
    msg = ("{id} was graded '{outcome}': no system is installed on it. To write {image} "
           "anyway, give --override REASON (recorded)")


class ImageWrongArch(Refused):
    """Exit 8: a 64-bit image on a 32-bit-only machine cannot boot."""
    msg = ("{id} runs {machine_arch} systems only and {image} is {arch}. To write it "
           "anyway, give --override REASON (recorded)")


class ImageNeedsMoreRam(Refused):
    """Exit 8: the machine has less memory than the image needs."""
    msg = ("{id} has {ram} MB of RAM and {image} needs {min} MB. To write it anyway, "
           "give --override REASON (recorded)")


class CannotVoid(Conflict):
    """Exit 11: only a record nothing happened to since its creation can be voided."""
    msg = "{id} cannot be voided: {why}"      # why: translated (errors.py)


# The inventory's problem codes (inventory/integrity.py) in words.
PROBLEM_WORDS = {"cut": N_("its end cut"), "replaced": N_("replaced by another journal"),
                 "chain": N_("its hash chain broken"), "unknown": N_("unknown")}


class DataDirBroken(IntegrityError):
    """Exit 12: the journal lost events; writes wait for the explicit repair."""
    msg = ("The journal lost events ({problem}: it ends at event {kept}, event {seen} had "
           "been seen). Nothing is recorded until 'reemploi inventory repair' records the "
           "loss")
    _worded = {"problem": PROBLEM_WORDS}


class JournalRewritten(IntegrityError):
    """Exit 12: a document's journal head is not in this journal."""
    msg = ("The journal no longer holds event {seq} with the hash {hash} printed on "
           "{document}: it was cut or rewritten after the document was issued")
