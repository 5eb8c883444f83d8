"""What tells one machine or disk apart from its twins: cleaned serials and UUIDs,
and the machine's fingerprint (``machine_identity``).

Below every stage on purpose: the probe's ``Machine`` is all it needs, and the
grade step, the station, the inventory's fold and the event schemas (``asset.probed``
computes a missing identity on read) all use this one definition. It lived in
``inventory/ids.py`` until the grade stage and the event types needed it too, which
made the packages import each other (tests/test_architecture.py).
"""

from __future__ import annotations

# Placeholder serials seen in DMI tables: BIOS vendors ship them unless the OEM fills
# the field. From the corpus (/work/shared/corpus/dmidecode): "--", "Not Specified",
# "None", "Chassis Serial Number", "00000000", "TBD by ODM"; plus AMI Aptio defaults
# "To Be Filled By O.E.M." / "Default string" / "System Serial Number" (SMBIOS 3.x
# DSP0134 leaves the string optional, so anything goes).
PLACEHOLDER_SERIALS = frozenset({
    "", "-", "--", "none", "null", "n/a", "na", "not specified", "not available",
    "to be filled by o.e.m.", "to be filled by oem", "default string", "system serial number",
    "chassis serial number", "base board serial number", "serial number", "tbd by odm",
    "0123456789", "123456789", "1234567890", "sernum01", "xxxxxxxx", "unknown", "invalid",
})


def clean_serial(serial: str | None) -> str | None:
    """A serial worth matching on, or None for blanks and vendor placeholders."""
    if serial is None:
        return None
    s = str(serial).strip()
    low = s.casefold()
    if low in PLACEHOLDER_SERIALS or len(set(low)) <= 1:
        # All-same characters ("00000000", "FFFFFFFF", "        ") are fillers too.
        return None
    return s


# DMI UUIDs that BIOS vendors leave in place of a real one (SMBIOS DSP0134 7.2.1:
# all-zeros means "not present", all-FF "not settable"); the AMI Aptio default
# 03000200-0400-0500-0006-000700080009 is shared by thousands of boards.
PLACEHOLDER_UUIDS = frozenset({"03000200-0400-0500-0006-000700080009", "not present",
                               "not settable", "not specified", "--"})
WEAK_PREFIX = "fw:"     # identity from vendor and model only: never re-matched


def clean_uuid(uuid: str | None) -> str | None:
    """A DMI UUID worth matching on (lower case), or None for blanks and placeholders."""
    if uuid is None:
        return None
    u = str(uuid).strip().lower()
    if u in PLACEHOLDER_UUIDS or len(set(u.replace("-", ""))) <= 1:
        return None
    return u


def machine_identity(machine: dict) -> str:
    """Fingerprint of a probed machine (Machine.to_dict()), to find its asset again.

    Built from the most stable keys it has, so fitting the SSD or the RAM the verdict
    asked for does not turn the machine into a new asset: the board's DMI serial and
    UUID when either is real; else its network MACs (on the board or a fitted card, never
    a USB adapter's);
    else its disk serials. Vendor and product are always part of it. A machine with
    none of these (blank DMI, no network, no disk serial) gets a *weak* identity
    (``fw:`` prefix): it is recorded but never used to re-match, since every twin of
    that model would have it too. Order-independent for MACs/disks."""
    system = machine.get("system") or {}
    vendor = str(system.get("vendor") or "").strip().lower()
    product = str(system.get("product") or "").strip().lower()
    serial = clean_serial(system.get("serial")) or ""
    uuid = clean_uuid(system.get("uuid")) or ""
    # Not a USB adapter's: the workshop's dongle goes from machine to machine.
    macs = sorted({str(n.get("mac")).lower() for n in machine.get("network") or ()
                   if n.get("mac") and len(set(str(n.get("mac")).replace(":", ""))) > 1
                   and n.get("bus") != "usb"})
    # Built-in disks only (``Machine.internal_disks``): a USB stick or a docked disk
    # moves from machine to machine. (The model, late: reading commands such as
    # ``inventory show`` import this module and never fingerprint; start-up time.)
    from .model import Machine
    disks = sorted({str(d.serial).strip() for d in Machine.from_dict(machine).internal_disks()
                    if clean_serial(d.serial)})
    if serial or uuid:
        keys, prefix = [serial, uuid, "", ""], "fp:"
    elif macs:
        keys, prefix = ["", "", ",".join(macs), ""], "fp:"
    elif disks:
        keys, prefix = ["", "", "", ",".join(disks)], "fp:"
    else:
        keys, prefix = ["", "", "", ""], WEAK_PREFIX
    import hashlib  # late: reading commands never fingerprint (start-up time)
    return prefix + hashlib.sha256("|".join([vendor, product, *keys]).encode("utf-8")
                                   ).hexdigest()[:24]


def identity_is_strong(identity: str | None) -> bool:
    """True when ``identity`` tells this machine apart from others of its model."""
    return bool(identity) and not str(identity).startswith(WEAK_PREFIX)
