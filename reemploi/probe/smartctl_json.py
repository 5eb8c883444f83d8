"""``smartctl --json`` (smartctl >= 7.0, JSON format version 1) -> ``Smart``.

Key names follow smartmontools' JSON output (``smartctl -j``): ``smart_status``,
``power_on_time``, ``ata_smart_attributes.table``, ``nvme_smart_health_information_log``,
``scsi_grown_defect_list`` ... Every lookup is defensive: smartctl omits what the
device did not answer, and third-party wrappers (smartctl_exporter's "nvme-null"
fixtures) write ``null`` where a number was expected.
"""

from __future__ import annotations

from typing import Any

from ..bounded import load_json
from ..errors import BadInput
from ..model import Health, Smart
from .smartctl_common import (BAD_JSON, NOT_SMARTCTL, AtaAttribute, decode_exit_status,
                       interpret_attributes, poh_from_attribute, raw_int)


def parse_json_documents(text: str, exit_status: int | None = None) -> tuple[Smart, ...]:
    try:
        doc = load_json(text, "smartctl")
    except BadInput:
        raise
    except ValueError as exc:
        raise BadInput(BAD_JSON, what="input", detail=str(exc)[:80]) from None
    # peracotta (WEEE-Open) stores `[smartctl -j /dev/sda, smartctl -j /dev/sdb, ...]`.
    docs = doc if isinstance(doc, list) else [doc]
    docs = [d for d in docs if isinstance(d, dict)]
    if not docs or not any("smartctl" in d or "device" in d or "model_name" in d for d in docs):
        raise BadInput(NOT_SMARTCTL, what="input")
    return tuple(parse_json_object(d, exit_status) for d in docs)


def _get(d: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(d, dict):
            return None
        d = d.get(key)
    return d


def _int(v: Any) -> int | None:
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (int, float)):
        return int(v)
    if isinstance(v, str):
        digits = v.replace(",", "").strip()
        return int(digits) if digits.isdigit() else None
    return None


def parse_json_object(d: dict, exit_status: int | None = None) -> Smart:
    f: dict[str, Any] = {"source": "smartctl-json"}
    notes: list[str] = []
    version = _get(d, "smartctl", "version")
    if isinstance(version, list) and version:
        f["smartctl_version"] = ".".join(str(x) for x in version[:2])
    status = _get(d, "smartctl", "exit_status")
    if exit_status is None and isinstance(status, int):
        exit_status = status
    f["exit_status"] = exit_status
    f["exit_bits"] = decode_exit_status(exit_status)
    for m in _get(d, "smartctl", "messages") or []:
        if isinstance(m, dict) and m.get("severity") == "error":
            notes.append("smartctl-error:" + str(m.get("string", ""))[:120])

    protocol = _get(d, "device", "protocol")
    f["protocol"] = {"ATA": "ATA", "NVMe": "NVMe", "SCSI": "SCSI"}.get(protocol, protocol)
    f["model"] = d.get("model_name") or d.get("scsi_model_name") or _join(d.get("vendor"), d.get("product"))
    f["serial"] = d.get("serial_number")
    f["firmware"] = d.get("firmware_version") or d.get("revision") or d.get("scsi_revision")
    f["capacity_bytes"] = (_int(_get(d, "user_capacity", "bytes")) or _int(d.get("nvme_total_capacity"))
                           or _nvme_ns_bytes(d))
    rpm = d.get("rotation_rate")
    if isinstance(rpm, int):
        f["rotation_rpm"] = rpm
    elif f["protocol"] == "NVMe":
        f["rotation_rpm"] = 0          # NVMe is flash by definition (NVMe 1.4 has no rotating media type in practice)

    passed = _get(d, "smart_status", "passed")
    if passed is True:
        f["health"] = Health.PASSED
    elif passed is False:
        f["health"] = Health.FAILED
    if _get(d, "smart_support", "enabled") is False:
        notes.append("smart-disabled")

    f["power_on_hours"] = _int(_get(d, "power_on_time", "hours"))
    f["power_cycles"] = _int(d.get("power_cycle_count"))
    f["temperature_c"] = _int(_get(d, "temperature", "current"))

    table = _get(d, "ata_smart_attributes", "table") or []
    attrs = tuple(a for a in (_attribute(row) for row in table) if a is not None)
    if attrs:
        values, codes = interpret_attributes(attrs, _log_hours(d))
        notes.extend(codes)
        # smartctl's own power_on_time.hours is attribute 9 read as hours unless its
        # drive database knew better: re-derive it when it is implausible.
        a9 = next((a for a in attrs if a.id == 9), None)
        if a9 is not None:
            hours, _codes = poh_from_attribute(a9, _log_hours(d))
            if f["power_on_hours"] is None or f["power_on_hours"] > 200_000 or _codes:
                f["power_on_hours"] = hours
        for key, value in values.items():
            if key == "power_on_hours":
                continue
            if f.get(key) is None:
                f[key] = value

    if f.get("ssd_life_left_pct") is None:
        used = _devstat_used(d)
        if used is not None:
            f["ssd_life_left_pct"] = max(0, 100 - used)
            notes.append("life-from:devstat")

    nvme = d.get("nvme_smart_health_information_log")
    if isinstance(nvme, dict):
        f["nvme_percentage_used"] = _int(nvme.get("percentage_used"))
        f["nvme_media_errors"] = _int(nvme.get("media_errors"))
        f["nvme_available_spare_pct"] = _int(nvme.get("available_spare"))
        f["nvme_available_spare_threshold_pct"] = _int(nvme.get("available_spare_threshold"))
        f["nvme_critical_warning"] = _int(nvme.get("critical_warning"))
        if f["power_on_hours"] is None:
            f["power_on_hours"] = _int(nvme.get("power_on_hours"))
        if f["power_cycles"] is None:
            f["power_cycles"] = _int(nvme.get("power_cycles"))
        if f["temperature_c"] is None:
            f["temperature_c"] = _int(nvme.get("temperature"))
        if f["nvme_percentage_used"] is not None:
            f["ssd_life_left_pct"] = max(0, 100 - f["nvme_percentage_used"])
        f["protocol"] = f["protocol"] or "NVMe"

    # SCSI / SAS (SPC-4 log pages, as smartctl names them).
    if "scsi_grown_defect_list" in d:
        f["reallocated_sectors"] = _int(d.get("scsi_grown_defect_list"))
    ecl = d.get("scsi_error_counter_log")
    if isinstance(ecl, dict):
        totals = [_int(_get(ecl, k, "total_uncorrected_errors")) for k in ("read", "write", "verify")]
        if any(t is not None for t in totals):
            f["reported_uncorrectable"] = sum(t or 0 for t in totals)
    used = _int(d.get("scsi_percentage_used_endurance_indicator"))
    if used is not None:
        f["ssd_life_left_pct"] = max(0, 100 - used)
    if f["power_cycles"] is None:
        f["power_cycles"] = _int(_get(d, "scsi_start_stop_cycle_counter", "accumulated_start_stop_cycles"))
    if f["temperature_c"] is not None and not 0 < f["temperature_c"] < 120:
        f["temperature_c"] = None

    device_type = _get(d, "device_type", "name")
    if device_type and device_type not in ("disk",):
        notes.append(f"not-a-disk:{device_type}")
    if not any(k in d for k in ("model_name", "scsi_model_name", "product", "serial_number")):
        notes.append("no-device-data")
    f["available"] = bool(passed is not None or attrs or isinstance(nvme, dict)
                          or "scsi_grown_defect_list" in d)
    f["messages"] = tuple(notes)
    return Smart(**{k: v for k, v in f.items() if v is not None or k in ("exit_status",)})


def _attribute(row: Any) -> AtaAttribute | None:
    if not isinstance(row, dict) or not isinstance(row.get("id"), int):
        return None
    raw = row.get("raw") or {}
    raw_text = str(raw.get("string", raw.get("value", "")))
    value = raw.get("value")
    # raw.value is the whole 48-bit field; the printed string's leading number is
    # what smartctl shows (e.g. temperature "33 (Min/Max 26/41)"). Prefer the string.
    leading = raw_int(raw_text)
    return AtaAttribute(id=row["id"], name=str(row.get("name", "")), value=_int(row.get("value")),
                        worst=_int(row.get("worst")), thresh=_int(row.get("thresh")),
                        raw=leading if leading is not None else _int(value), raw_text=raw_text,
                        failed_now=row.get("when_failed") == "now")


def _devstat_used(d: dict) -> int | None:
    """ATA Device Statistics "Percentage Used Endurance Indicator" (ACS-3 9.5.9)."""
    for page in _get(d, "ata_device_statistics", "pages") or []:
        for row in (page.get("table") or []) if isinstance(page, dict) else []:
            if isinstance(row, dict) and row.get("name") == "Percentage Used Endurance Indicator":
                return _int(row.get("value"))
    return None


def _log_hours(d: dict) -> int | None:
    """Largest lifetime-hours stamp in the ATA error and self-test logs."""
    hours: list[int] = []
    for path in (("ata_smart_error_log", "summary", "table"), ("ata_smart_error_log", "extended", "table"),
                 ("ata_smart_self_test_log", "standard", "table"),
                 ("ata_smart_self_test_log", "extended", "table")):
        for row in _get(d, *path) or []:
            h = _int(row.get("lifetime_hours")) if isinstance(row, dict) else None
            if h is not None:
                hours.append(h)
    return max(hours) if hours else None


def _nvme_ns_bytes(d: dict) -> int | None:
    for ns in d.get("nvme_namespaces") or []:
        b = _int(_get(ns, "size", "bytes")) or _int(_get(ns, "capacity", "bytes"))
        if b:
            return b
    return None


def _join(*parts: Any) -> str | None:
    s = " ".join(str(p).strip() for p in parts if p)
    return s or None
