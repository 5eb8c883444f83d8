"""Chain of custody: the invariants that keep donor data in the workshop.

Pure rules over the projection's records (and its ``touch`` index), checked by the
lifecycle intents (``intents.py``) before anything is appended. One place decides
whether a disk's data is gone; no stage has its own copy of this logic.

The rule (docs/inventory.md, "Chain of custody"):

* A machine becomes *ready*, or leaves to a person (*given*, *sold*), only when every
  storage device of its LATEST probe is covered:
    - wiped: a successful wipe whose read-back passed (or that had none to do),
      recorded under THIS asset, after the asset came in (created, built, or returned:
      ``entered_seq``), of that same disk identity; or
    - a storage part installed into it that had its own verified wipe; or
    - recorded removed after that probe (harvested as a part, or destroyed/recycled
      with a reason: ``part.removed``).
  A re-probe replaces the disk list: a disk fitted since needs its own wipe.
* Wipe evidence never crosses assets. A disk with only a weak identity (no serial, no
  WWN: ``weak:?:SIZE:NAME``) could be any disk of that size in that slot, so its wipe
  counts only while no other asset (nor a loose disk) has had an event on that
  identity since: the same physical session.
* A harvested storage part is installed or leaves only after its own verified wipe;
  one kept for destruction/recycling never goes into a machine or to a person.
"""

from __future__ import annotations

from typing import Any, Protocol

from ..identity import clean_serial

WEAK_PREFIX = "weak:"
SERIAL_PREFIX = "serial:"
STORAGE_KINDS = frozenset({"disk", "ssd", "hdd", "nvme", "storage"})
FAILING = "failed"


class View(Protocol):
    def asset(self, asset_id: str) -> dict | None: ...
    def index_get(self, table: str, key: str) -> list: ...


# Device kinds that hold no donor data (a screen, a printer's paper path aside): no
# disks to account for. Anything else, an unknown kind included, is checked.
# An office printer with an internal disk (scan storage) is the exception: harvest
# that disk as a part (``parts harvest --kind disk``) and wipe it like any other.
NO_STORAGE_KINDS = frozenset({"screen", "monitor", "keyboard", "mouse", "cable", "psu",
                              "speaker", "projector", "printer", "imprimante", "écran"})


def may_hold_data(doc: dict) -> bool:
    return (doc.get("device_kind") or "") not in NO_STORAGE_KINDS


def is_weak(identity: str | None) -> bool:
    """Could this identity name more than one physical disk? A weak one, and a serial
    that is a vendor placeholder ("0000000000000000", "To be filled by O.E.M.": cheap
    SSDs and USB bridges report them, many disks share them), by the same rule as a
    machine's serial (``identity.clean_serial``)."""
    if not identity or identity.startswith(WEAK_PREFIX):
        return True
    return identity.startswith(SERIAL_PREFIX) and clean_serial(identity[len(SERIAL_PREFIX):]) is None


def crossed(view: View, identity: str, asset_id: str | None, after_seq: int,
            also: frozenset = frozenset()) -> bool:
    """Has another asset (or a loose disk) had an event on ``identity`` after
    ``after_seq``? Then a weak identity may no longer be the same physical disk.
    ``also``: other holders that do not count (the machine a loose disk went into)."""
    return any(seq > after_seq and aid != asset_id and aid not in also
               for seq, aid in view.index_get("touch", identity))


def loose_wipe_counts(view: View, identity: str, wipe_seq: int, wipe_asset: str | None,
                      into: str | None) -> bool:
    """May a wipe recorded under ``wipe_asset`` (None: a loose disk at a wipe station)
    stand for the disk now written under ``into``? Only the asset's own wipes do, or a
    loose wipe of a disk with a strong identity that nobody else has touched since."""
    if wipe_asset == into:
        return not is_weak(identity) or not crossed(view, identity, into, wipe_seq)
    if wipe_asset is not None or is_weak(identity):
        return False
    return not crossed(view, identity, None, wipe_seq, frozenset({into}))


def _wipe_counts(view: View, doc: dict, w: dict, identity: str | None) -> bool:
    if w.get("result") != "success" or not w.get("verified", True):
        return False
    if w["seq"] <= doc.get("entered_seq", 0):
        return False
    if identity is not None and w.get("disk_identity") != identity:
        return False
    if is_weak(w.get("disk_identity")) and crossed(view, w.get("disk_identity") or "",
                                                   doc["id"], w["seq"]):
        return False
    return True


def wipe_covering(view: View, doc: dict, identity: str | None) -> dict | None:
    """The latest wipe of ``identity`` under this asset that still counts, or None.
    ``identity`` None (a part whose disk identity is unknown): any disk it was wiped as."""
    for w in reversed(doc.get("wipes") or ()):
        if _wipe_counts(view, doc, w, identity):
            return w
    return None


def part_is_storage(part: dict) -> bool:
    return (part.get("part_kind") or part.get("device_kind") or "") in STORAGE_KINDS


def part_wiped(view: View, part: dict) -> bool:
    """A storage part's own verified wipe (under the part's id)."""
    identity = part.get("identity")
    return wipe_covering(view, part, None if is_weak(identity) else identity) is not None


def present_disks(doc: dict) -> list[dict]:
    """The latest probe's disks still in the machine (``still_present``), as the
    record's disk dicts."""
    disks = (doc.get("probe") or {}).get("disks") or ()
    removed = [(r.get("identity"), r.get("seq", 0)) for r in doc.get("removed_disks") or ()]
    keep = still_present(doc.get("probe_seq") or 0, removed, [d.get("identity") for d in disks])
    return [disks[i] for i in keep]


def still_present(probe_seq: int, removed: list[tuple[Any, int]], identities: list[Any]
                  ) -> list[int]:
    """Which of the latest probe's disks (their identities, in order) are still in the
    machine: each removal (identity, seq) recorded since that probe takes out ONE disk
    of its identity. Two disks of one machine can share an identity (cheap SSDs
    reporting the same placeholder serial; the corpus' redacted serials), and taking
    one out must not count the other as gone. The one rule; ``AssetState.present_disks``
    reads it too."""
    gone: dict[Any, int] = {}
    for identity, seq in removed:
        if (seq or 0) > probe_seq:
            gone[identity] = gone.get(identity, 0) + 1
    present = []
    for i, identity in enumerate(identities):
        if gone.get(identity, 0) > 0:
            gone[identity] -= 1
        else:
            present.append(i)
    return present


def covered(view: View, doc: dict, disk: dict) -> bool:
    """A disk still in the machine whose data is known gone: wiped under this asset
    since it came in, or a wiped storage part installed."""
    identity = disk.get("identity")
    if wipe_covering(view, doc, identity) is not None:
        return True
    if not is_weak(identity):
        for inst in doc.get("parts_installed") or ():
            part = view.asset(inst.get("part_id") or "")
            if part and part.get("identity") == identity and part_wiped(view, part):
                return True
    return False


def uncovered_disks(view: View, doc: dict) -> list[dict] | None:
    """The latest probe's disks whose data may still be there; None with no probe."""
    probe = doc.get("probe")
    if probe is None:
        return None
    return [d for d in present_disks(doc) if not covered(view, doc, d)]


def describe(disks: list[dict]) -> str:
    """"ST500LM012 (S2ZYJ9...)" for the error message: what the technician reads on
    the disk's own label."""
    out = []
    for d in disks:
        name = d.get("model") or d.get("identity") or "?"
        out.append(f"{name} ({d['serial']})" if d.get("serial") else str(name))
    return ", ".join(out)


def probe_disk(doc: dict, wanted: str | None) -> dict | None:
    """A disk of the latest probe named by identity or serial; the only one not yet
    removed when ``wanted`` is None."""
    disks = present_disks(doc)
    if wanted:
        for d in disks:
            if wanted in (d.get("identity"), d.get("serial")):
                return d
        return None
    return disks[0] if len(disks) == 1 else None


def health_failing(disk: dict[str, Any] | None) -> bool:
    return bool(disk) and disk.get("health") == FAILING


NO_SYSTEM = ("parts-only", "recycling")
# Debian architectures a 32-bit-only CPU cannot run (no long mode, the D600's Pentium M).
ARCH_64 = ("amd64", "x86_64", "arm64")


def image_problem(doc: dict, arch: str | None, min_ram_mb: int | None) -> tuple[str, dict] | None:
    """Why an image does not suit this machine's verdict, as (code, params), or None.
    Codes: no-system (graded parts only / recycling), arch, ram."""
    grade = doc.get("grade") or {}
    if grade.get("outcome") in NO_SYSTEM:
        return "no-system", {"outcome": grade["outcome"]}
    machine_arch = grade.get("emmabuntus_arch")
    if arch in ARCH_64 and machine_arch and machine_arch not in ARCH_64:
        return "arch", {"machine_arch": machine_arch, "arch": arch}
    ram = (doc.get("probe") or {}).get("ram_total_mb")
    if min_ram_mb and ram and ram < min_ram_mb:
        return "ram", {"ram": ram, "min": min_ram_mb}
    return None
