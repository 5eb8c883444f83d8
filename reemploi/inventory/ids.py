"""Identifiers: asset ids, lot and donor ids, serials and machine fingerprints.

Asset ids are printed on labels before anything is probed ("label first, inventory
later"), so they are short, readable and need no network to be unique:

    TRI-A-26-00042      workshop prefix, station code, 2-digit year, 5-digit sequence
    TRI-A-26-P00042     a part (harvested RAM, disk, battery...): 'P' before the number
    LOT-A-26-0007       a donation lot;  DON-A-0003  a donor

The station code (settings ``[station] code``) is in every id, so two stations that
never talk to each other cannot hand out the same id; sequences count per station,
year and kind. Serials are not ids: DMI serials are often blank or a vendor
placeholder, so machines are re-matched on a fingerprint (``machine_identity``) and
duplicates are allowed, each asset keeping its own id.
"""

from __future__ import annotations

import re

from ..model import Machine

ASSET_RE = re.compile(r"^(?P<prefix>[A-Z0-9]+)-(?P<station>[A-Z0-9]{1,3})-(?P<yy>\d{2})-"
                      r"(?P<marker>P?)(?P<num>\d{5,})$")
LOT_RE = re.compile(r"^LOT-(?P<station>[A-Z0-9]{1,3})-(?P<yy>\d{2})-(?P<num>\d{4,})$")
DONOR_RE = re.compile(r"^DON-(?P<station>[A-Z0-9]{1,3})-(?P<num>\d{4,})$")

PART_MARKER = "P"

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


# An asset id anywhere in a longer text (a label's QR payload made from a URL template).
_ASSET_IN_TEXT = re.compile(r"(?<![A-Z0-9-])([A-Z0-9]+-[A-Z0-9]{1,3}-\d{2}-P?\d{5,})(?![0-9])")


def id_from_scan(text: str) -> str:
    """The asset id in what a barcode scanner typed when pointed at one of our labels.

    A label's QR code holds the bare id or a URL made from the workshop's template
    (``https://inventaire.example.org/m/{id}``, settings ``qr_payload``): a technician
    scanning it into any command means the id. A text holding exactly one asset id
    gives that id; anything else is returned trimmed, to be refused as unknown."""
    value = (text or "").strip()
    if ASSET_RE.match(value) or LOT_RE.match(value) or DONOR_RE.match(value):
        return value
    found = set(_ASSET_IN_TEXT.findall(value))
    return found.pop() if len(found) == 1 else value


def format_asset_id(prefix: str, station: str, year: int, number: int, part: bool = False) -> str:
    return f"{prefix}-{station}-{year % 100:02d}-{PART_MARKER if part else ''}{number:05d}"


def format_lot_id(station: str, year: int, number: int) -> str:
    return f"LOT-{station}-{year % 100:02d}-{number:04d}"


def format_donor_id(station: str, number: int) -> str:
    return f"DON-{station}-{number:04d}"


def counter_key(asset_or_lot_id: str) -> tuple[str, int] | None:
    """The sequence counter an id belongs to and its number, or None for foreign ids."""
    m = ASSET_RE.match(asset_or_lot_id)
    if m:
        kind = "part" if m["marker"] else "machine"
        return f"{kind}:{m['prefix']}:{m['station']}:{m['yy']}", int(m["num"])
    m = LOT_RE.match(asset_or_lot_id)
    if m:
        return f"lot:{m['station']}:{m['yy']}", int(m["num"])
    m = DONOR_RE.match(asset_or_lot_id)
    if m:
        return f"donor:{m['station']}", int(m["num"])
    return None


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
    # moves from machine to machine.
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
