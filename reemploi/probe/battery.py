"""Battery state -> ``reemploi.model.Battery`` from sysfs ``uevent`` or ``upower -i``.

Linux exposes each power supply in ``/sys/class/power_supply/<name>/uevent`` as
``POWER_SUPPLY_<PROPERTY>=value`` lines (kernel ABI:
Documentation/ABI/testing/sysfs-class-power). Energy is in µWh (``ENERGY_*``);
batteries whose fuel gauge counts charge report µAh (``CHARGE_*``) instead, which
we turn into Wh with the design minimum voltage (µV), the figure the vendor rates
capacity at. ``upower -i <device>`` prints the same data already in Wh, with the
decimal separator of the caller's locale ("39,264 Wh" under fr_FR: corpus
battery/glpi-agent__...__upower__infos_1.txt).

Wear (``Battery.wear_pct``) is ``1 - full / design``: the capacity lost since new.
"""

from __future__ import annotations


from ..bounded import check_lines
from ..errors import BadInput
from ..i18n import N_
from ..model import Battery
from .dmidecode import clean
from ..lazyre import lazy

NOT_BATTERY = N_("{what} does not look like a power_supply uevent or upower output")
EMPTY_INPUT = N_("{what} is empty")


def _as_text(text: str | bytes) -> str:
    if isinstance(text, bytes):
        if b"\x00" in text[:1024]:
            raise BadInput(NOT_BATTERY, what="input")
        text = text.decode("utf-8", errors="replace")
    if not text or not text.strip():
        raise BadInput(EMPTY_INPUT, what="input")
    return text


def _int(v: str | None) -> int | None:
    try:
        return int(v.strip()) if v is not None else None
    except ValueError:
        return None


def parse_uevent(text: str | bytes) -> Battery:
    text = _as_text(text)
    kv: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and key.startswith("POWER_SUPPLY_"):
            kv[key[len("POWER_SUPPLY_"):]] = value.strip()
    if not kv:
        raise BadInput(NOT_BATTERY, what="input")

    def energy(kind: str) -> float | None:
        uwh = _int(kv.get(f"ENERGY_{kind}"))
        if uwh is not None:
            return round(uwh / 1e6, 2)
        uah = _int(kv.get(f"CHARGE_{kind}"))
        uv = _int(kv.get("VOLTAGE_MIN_DESIGN")) or _int(kv.get("VOLTAGE_MAX_DESIGN"))
        if uah is not None and uv:
            return round(uah * uv / 1e12, 2)     # µAh × µV = 1e-12 Wh
        return None

    return Battery(
        name=kv.get("NAME"), manufacturer=clean(kv.get("MANUFACTURER")), model=clean(kv.get("MODEL_NAME")),
        serial=clean(kv.get("SERIAL_NUMBER")), technology=clean(kv.get("TECHNOLOGY")),
        design_wh=energy("FULL_DESIGN"), full_wh=energy("FULL"), now_wh=energy("NOW"),
        cycle_count=_int(kv.get("CYCLE_COUNT")), status=kv.get("STATUS"))


_WH = lazy(r"^\s*(-?\d+(?:[.,]\d+)?)\s*Wh")


def _wh(value: str | None) -> float | None:
    """ "39,264 Wh" / "39.264 Wh" -> 39.264 (upower prints %g in the caller's locale,
    without digit grouping, so a comma can only be the decimal separator)."""
    if not value:
        return None
    m = _WH.match(value)
    return float(m.group(1).replace(",", ".")) if m else None


def parse_upower(text: str | bytes) -> tuple[Battery, ...]:
    """System batteries in ``upower -i`` / ``upower -d`` output; ``upower -e`` lists
    device paths only and yields no battery (not an error)."""
    text = _as_text(text)
    lines = text.splitlines()
    if all(ln.strip().startswith("/org/freedesktop/UPower/") or not ln.strip() for ln in lines):
        return ()
    if not any(":" in ln for ln in lines):
        raise BadInput(NOT_BATTERY, what="input")
    blocks: list[list[str]] = []
    current: list[str] = []
    for ln in lines:
        s = ln.strip()
        if s.startswith("Device:") or (s.startswith("native-path:") and any(
                c.strip().startswith("native-path:") for c in current)):
            if current:
                blocks.append(current)
            current = []
        current.append(ln)
    if current:
        blocks.append(current)
    out: list[Battery] = []
    seen_native = False
    for block in blocks:
        kv: dict[str, str] = {}
        kinds: set[str] = set()
        for ln in block:
            s = ln.strip()
            key, sep, value = s.partition(":")
            if sep and value.strip():
                kv.setdefault(key.strip(), value.strip())
            elif s in ("battery", "keyboard", "mouse", "ups", "line-power", "phone", "tablet", "headset"):
                kinds.add(s)
        if "native-path" in kv:
            seen_native = True
        native = kv.get("native-path")
        # Only the machine's own batteries: "power supply: yes" (upower marks
        # peripherals such as a Logitech mouse with "no": corpus infos_4.2) and not the
        # DisplayDevice aggregate (native-path "(null)").
        if "battery" not in kinds or kv.get("power supply") != "yes" or native in (None, "(null)"):
            continue
        cycles = kv.get("charge-cycles")
        out.append(Battery(
            name=native, manufacturer=clean(kv.get("vendor")), model=clean(kv.get("model")),
            serial=clean(kv.get("serial")), technology=clean(kv.get("technology")),
            design_wh=_wh(kv.get("energy-full-design")), full_wh=_wh(kv.get("energy-full")),
            now_wh=_wh(kv.get("energy")), cycle_count=_int(cycles) if cycles else None,
            status=kv.get("state")))
    if not out and not seen_native:
        raise BadInput(NOT_BATTERY, what="input")
    return tuple(out)


def parse_battery(text: str | bytes) -> tuple[Battery, ...]:
    """Autodetect: a uevent file gives one battery, upower output zero or more."""
    t = _as_text(text)
    check_lines(t, "battery")
    if "POWER_SUPPLY_" in t:
        return (parse_uevent(t),)
    return parse_upower(t)
