"""Parsers for ``hdparm -I``, ``hdparm -N`` and ``hdparm --dco-identify`` (pure: text in).

``hdparm -I`` prints the drive's IDENTIFY DEVICE data (ATA8-ACS / ACS-3 §7.12.7) as
text. The wipe needs only a few facts from it:

* the **Security** section (IDENTIFY word 128, ACS-3 §7.12.7.62): supported, enabled,
  locked, frozen, "supported: enhanced erase", and the drive's own time estimates for
  SECURITY ERASE UNIT (words 89 and 90, "2min for SECURITY ERASE UNIT. 8min for
  ENHANCED SECURITY ERASE UNIT.");
* the **SANITIZE feature set** (ACS-3 §4.20; IDENTIFY word 59 bit 12) and which of its
  commands the drive lists: ``CRYPTO_SCRAMBLE_EXT``, ``BLOCK_ERASE_EXT``,
  ``OVERWRITE_EXT`` (word 59 bits 13, 15, 14);
* TRIM ("Data Set Management TRIM supported"), rotation rate (word 217: "Solid State
  Device" or an rpm), the HPA and DCO feature sets.

hdparm's layout is "<indent>[not]<TAB><what>" in the Security section. Copies of it
pasted into forums and docs often have the tabs turned into spaces (seen in the
TESLA SSD dump of tests/fixtures/hdparm/), so we split on any whitespace.

``hdparm -N`` prints `` max sectors   = <visible>/<native>, HPA is enabled|disabled``
(hdparm.c, ``get_set_max_sectors``); ``--dco-identify`` prints ``Real max sectors: N``
(hdparm dco.c). A Host Protected Area (ATA8-ACS §4.11) hides the sectors between the
two numbers of ``-N``; a Device Configuration Overlay (§4.8) can hide sectors beyond
the native max that ``-N`` reports, which ``Real max sectors`` reveals.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..bounded import check_lines
from ..lazyre import lazy   # compiled on first use: a wipe plans without reading hdparm's text


@dataclass(frozen=True)
class AtaIdentify:
    model: str | None = None
    serial: str | None = None
    firmware: str | None = None
    lba48_sectors: int | None = None
    logical_sector_size: int | None = None
    solid_state: bool | None = None
    rotation_rpm: int | None = None
    security_supported: bool = False
    security_enabled: bool = False
    security_locked: bool = False
    security_frozen: bool = False
    security_count_expired: bool = False
    enhanced_erase_supported: bool = False
    erase_minutes: int | None = None            # IDENTIFY word 89
    enhanced_erase_minutes: int | None = None   # IDENTIFY word 90
    sanitize_supported: bool = False
    sanitize_crypto: bool = False
    sanitize_block: bool = False
    sanitize_overwrite: bool = False
    trim_supported: bool = False
    hpa_feature: bool = False
    dco_feature: bool = False
    checksum_ok: bool | None = None

    @property
    def is_ata(self) -> bool:
        return self.model is not None


_FIELD = lazy(r"^\s*(Model Number|Serial Number|Firmware Revision):\s*(.*?)\s*$")
_LBA48 = lazy(r"LBA48\s+user addressable sectors:\s*(\d+)")
_LOGICAL = lazy(r"Logical(?:/Physical)?\s+Sector size:\s*(\d+)\s*bytes")
_ROTATION = lazy(r"Nominal Media Rotation Rate:\s*(.+?)\s*$")
_ERASE_TIME = lazy(r"(\d+)min for (ENHANCED )?SECURITY ERASE UNIT")
_PRINTABLE = lazy(r"^[\x20-\x7e]*$")


def _clean(value: str) -> str | None:
    value = value.strip()
    # Garbage IDENTIFY data (corpus: glpi-agent hdparm linux2.txt) gives control and
    # high bytes in the strings: unknown rather than a wrong model on a certificate.
    if not value or not _PRINTABLE.match(value):
        return None
    return value


def parse_hdparm_identify(text: str) -> AtaIdentify:
    """Facts from one device's ``hdparm -I`` output (the first device if several)."""
    check_lines(text, "hdparm")
    fields: dict[str, str | None] = {}
    values: dict = {}
    section = None
    security: dict[str, bool] = {}
    features: set[str] = set()
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line.strip():
            continue
        if not raw[:1].isspace():
            if fields and line.startswith("/dev/"):
                break  # a second device follows: this parser reads one
            section = line.split(":")[0].strip()
            if line.startswith("Checksum:"):
                values["checksum_ok"] = "correct" in line
            continue
        m = _FIELD.match(line)
        if m:
            key = {"Model Number": "model", "Serial Number": "serial",
                   "Firmware Revision": "firmware"}[m.group(1)]
            fields[key] = _clean(m.group(2))
            continue
        if (m := _LBA48.search(line)):
            values["lba48_sectors"] = int(m.group(1))
        elif (m := _LOGICAL.search(line)):
            values["logical_sector_size"] = int(m.group(1))
        elif (m := _ROTATION.search(line)):
            rate = m.group(1)
            if "Solid State" in rate:
                values["solid_state"] = True
                values["rotation_rpm"] = 0
            elif rate.isdigit():
                values["solid_state"] = False
                values["rotation_rpm"] = int(rate)
        if section == "Commands/features":
            body = line.strip().lstrip("*").strip()
            features.add(body)
        elif section == "Security":
            for m in _ERASE_TIME.finditer(line):
                key = "enhanced_erase_minutes" if m.group(2) else "erase_minutes"
                values[key] = int(m.group(1))
            words = line.split()
            negated = bool(words) and words[0] == "not"
            rest = " ".join(words[1:] if negated else words)
            if rest in ("supported", "enabled", "locked", "frozen"):
                security[rest] = not negated
            elif rest == "supported: enhanced erase":
                security["enhanced"] = not negated
            elif rest.startswith("expired"):
                security["expired"] = not negated

    def has(prefix: str) -> bool:
        return any(f.startswith(prefix) for f in features)

    return AtaIdentify(
        model=fields.get("model"), serial=fields.get("serial"),
        firmware=fields.get("firmware"),
        lba48_sectors=values.get("lba48_sectors"),
        logical_sector_size=values.get("logical_sector_size"),
        solid_state=values.get("solid_state"), rotation_rpm=values.get("rotation_rpm"),
        security_supported=security.get("supported", False),
        security_enabled=security.get("enabled", False),
        security_locked=security.get("locked", False),
        security_frozen=security.get("frozen", False),
        security_count_expired=security.get("expired", False),
        enhanced_erase_supported=security.get("enhanced", False),
        erase_minutes=values.get("erase_minutes"),
        enhanced_erase_minutes=values.get("enhanced_erase_minutes"),
        sanitize_supported=has("SANITIZE feature set"),
        sanitize_crypto=has("CRYPTO_SCRAMBLE_EXT"),
        sanitize_block=has("BLOCK_ERASE_EXT"),
        sanitize_overwrite=has("OVERWRITE_EXT"),
        trim_supported=has("Data Set Management TRIM supported"),
        hpa_feature=has("Host Protected Area feature set"),
        dco_feature=has("Device Configuration Overlay feature set"),
        checksum_ok=values.get("checksum_ok"),
    )


@dataclass(frozen=True)
class HpaState:
    visible_sectors: int
    native_sectors: int
    enabled: bool

    @property
    def hidden_sectors(self) -> int:
        return max(self.native_sectors - self.visible_sectors, 0)


_MAX = lazy(r"max sectors\s*=\s*(\d+)\s*/\s*(\d+)(?:.*HPA is (enabled|disabled))?")


def parse_hdparm_N(text: str) -> HpaState | None:
    """``hdparm -N DEV``: visible/native max sectors; None when the drive has no HPA data."""
    m = _MAX.search(text)
    if not m:
        return None
    visible, native = int(m.group(1)), int(m.group(2))
    enabled = m.group(3) == "enabled" if m.group(3) else visible < native
    return HpaState(visible, native, enabled)


@dataclass(frozen=True)
class DcoState:
    real_max_sectors: int
    revision: str | None = None


_REAL_MAX = lazy(r"Real max sectors:\s*(\d+)")
_DCO_REV = lazy(r"DCO Revision:\s*(\S+)")


def parse_dco_identify(text: str) -> DcoState | None:
    """``hdparm --dco-identify DEV``: the real max sectors; None if not reported."""
    m = _REAL_MAX.search(text)
    if not m:
        return None
    rev = _DCO_REV.search(text)
    return DcoState(int(m.group(1)), rev.group(1) if rev else None)


def dco_hidden_sectors(hpa: HpaState | None, dco: DcoState | None) -> int | None:
    """Sectors hidden by a DCO: real max beyond the native max (None if unknown)."""
    if hpa is None or dco is None:
        return None
    return max(dco.real_max_sectors - hpa.native_sectors, 0)
