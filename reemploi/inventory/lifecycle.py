"""The lifecycle of a donated machine, as data.

    received → diagnosed → wiped → imaged → ready → out

A straight line in theory; the table below also allows what workshops really do,
each with the reason. ``out`` records where the machine went (``checkout``):

* given / sold: only from ``ready`` (a machine leaves for a person only once checked,
  wiped and installed; the tail of the line is the quality promise).
* recycled / dismantled: from any state (a machine dead on arrival goes straight to
  the WEEE collector, or is stripped for parts, without being wiped first: its disks
  are harvested as part assets and wiped on their own, or destroyed).
"""

from __future__ import annotations

from .events import Status

R, D, W, I, RD, O = (Status.RECEIVED, Status.DIAGNOSED, Status.WIPED, Status.IMAGED,
                     Status.READY, Status.OUT)

# to-status → the statuses it may come from, with why.
ALLOWED_FROM: dict[Status, frozenset[Status]] = {
    # Diagnosed again from anywhere before leaving: a re-test after a repair, or a
    # fault found at the final check sends a machine back to the bench.
    D: frozenset({R, D, W, I, RD}),
    # Wiped: normally after diagnosis; also straight from reception (wipe stations
    # that take every disk first), again after a failed image or a second disk
    # (wiped → wiped, imaged → wiped), and a ready machine re-wiped before reuse.
    W: frozenset({R, D, W, I, RD}),
    # Imaged: after the wipe (the image writer checks the disk's last wipe itself);
    # again after a failed or wrong image (imaged → imaged) or a re-install (ready).
    I: frozenset({W, I, RD}),
    # Ready: after imaging; from diagnosed for a machine sold without its disk
    # (disk removed, so nothing to wipe or image), from wiped when the recipient
    # installs their own system (partner associations that ship their own image).
    RD: frozenset({D, W, I}),
    # Received again: a given or sold machine returned to the workshop (warranty
    # return); checked by ``returnable`` below, not by status alone.
    R: frozenset({O}),
}

# Destination kinds for checkout, and which statuses each may leave from.
DESTINATIONS = ("given", "sold", "recycled", "dismantled")
OUT_FROM: dict[str, frozenset[Status]] = {
    "given": frozenset({RD}),
    "sold": frozenset({RD}),
    "recycled": frozenset({R, D, W, I, RD}),
    "dismantled": frozenset({R, D, W, I, RD}),
}
# Statuses an operator may ask for by hand (``inventory status``); the intents still
# check each (ready: every disk covered, custody.py). ``out`` goes through checkout.
MANUAL_STATUSES = ("received", "diagnosed", "wiped", "imaged", "ready")
# Parts have a smaller life: in stock, installed in a machine, or gone.
PART_STATES = ("stock", "installed", "out")


def transition_allowed(current: str, to: str, destination: str | None = None,
                       last_destination: str | None = None) -> bool:
    """May a machine in ``current`` move to ``to``? ``destination`` is the checkout
    kind when ``to`` is out; ``last_destination`` the previous checkout kind."""
    try:
        cur, target = Status(current), Status(to)
    except ValueError:
        return False
    if target is O:
        return destination in OUT_FROM and cur in OUT_FROM[destination]
    if target is R:
        # Only a machine that left whole can come back; recycled/dismantled ones are gone.
        return cur is O and last_destination in ("given", "sold")
    return cur in ALLOWED_FROM.get(target, frozenset())


def part_transition_allowed(current: str, to: str) -> bool:
    return (current, to) in {("stock", "installed"), ("stock", "out")}
