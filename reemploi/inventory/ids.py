"""Identifiers: asset ids, lot and donor ids, serials and machine fingerprints.

Asset ids are printed on labels before anything is probed ("label first, inventory
later"), so they are short, readable and need no network to be unique:

    TRI-A-26-00042      workshop prefix, station code, 2-digit year, 5-digit sequence
    TRI-A-26-P00042     a part (harvested RAM, disk, battery...): 'P' before the number
    LOT-A-26-0007       a donation lot;  DON-A-0003  a donor

The station code (settings ``[station] code``) is in every id, so two stations that
never talk to each other cannot hand out the same id; sequences count per station,
year and kind. Serials are not ids: DMI serials are often blank or a vendor
placeholder, so machines are re-matched on a fingerprint (``reemploi.identity``) and
duplicates are allowed, each asset keeping its own id.
"""

from __future__ import annotations

import re

ASSET_RE = re.compile(r"^(?P<prefix>[A-Z0-9]+)-(?P<station>[A-Z0-9]{1,3})-(?P<yy>\d{2})-"
                      r"(?P<marker>P?)(?P<num>\d{5,})$")
LOT_RE = re.compile(r"^LOT-(?P<station>[A-Z0-9]{1,3})-(?P<yy>\d{2})-(?P<num>\d{4,})$")
DONOR_RE = re.compile(r"^DON-(?P<station>[A-Z0-9]{1,3})-(?P<num>\d{4,})$")

PART_MARKER = "P"

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
