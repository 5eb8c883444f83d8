"""``reemploi parse KIND FILE``: read a saved tool output and show what reemploi sees.

Useful to check a recording before adding it to a replay fixture, to look at a
donated machine's dump sent by e-mail, or to report a parser problem with the file
attached. The parsing itself is ``reemploi.probe.parse_kind``; this module only renders.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..i18n import N_, _, number, tr
from ..model import SCHEMA_VERSION, to_jsonable
from ..probe import KINDS, parse_kind, read_input
from .common import dump_json, json_option, lang_option

UNKNOWN = N_("unknown")
# smartctl's own words, upper case; "passed" alone is a verification's ("réussie").
_HEALTH = {"passed": N_("PASSED"), "failed": N_("FAILED"), "unknown": N_("unknown")}


@click.command("parse")
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("file", type=click.Path(path_type=Path))
@json_option
@lang_option
def parse(kind: str, file: Path, as_json: bool, lang: str) -> None:
    """Parse a saved output of KIND (smartctl, dmidecode, lshw, hdparm, edid, battery) from FILE.

    smartctl accepts text or --json output; battery accepts a sysfs uevent file or
    'upower -i' output. Exit status 7 when the file is missing, empty or unreadable.
    """
    result = parse_kind(kind, read_input(file), name=str(file))
    payload = build_payload(kind, result)
    if as_json:
        click.echo(dump_json(payload))
    else:
        click.echo(render_text(kind, payload))


def build_payload(kind: str, result: Any) -> dict:
    body = {"smartctl": _smartctl_payload, "battery": _battery_payload,
            "dmidecode": _dmidecode_payload, "lshw": _lshw_payload}.get(kind, _plain_payload)(result)
    return {"kind": kind, "schema_version": SCHEMA_VERSION, **body}


def _smartctl_payload(smart) -> dict:
    # The grade stage's disk verdict (packaged rules), rendered by _verdict_text.
    from ..grade.engine import grade_disk
    from ..grade.rules import load_rules
    return {"smart": to_jsonable(smart),
            "verdict": grade_disk(smart, None, load_rules()).to_dict()}


def _verdict_text(p: dict) -> str:
    from ..grade.render import render_component
    from ..i18n import current
    return "\n" + "\n".join(render_component(p["verdict"], current()))


def _plain_payload(result) -> dict:
    return {"result": to_jsonable(result)}


def _battery_json(b) -> dict:
    return {**to_jsonable(b), "wear_pct": b.wear_pct, "health_pct": b.health_pct}


def _battery_payload(batteries) -> dict:
    return {"batteries": [_battery_json(b) for b in batteries]}


def _memory_json(m) -> dict:
    return {**to_jsonable(m), "slots_used": m.slots_used, "slots_free": m.slots_free}


def _dmidecode_payload(info) -> dict:
    d = to_jsonable(info)
    d["memory"] = _memory_json(info.memory)
    d["batteries"] = [_battery_json(b) for b in info.batteries]
    return {"result": d}


def _lshw_payload(info) -> dict:
    d = to_jsonable(info)
    d["memory"] = _memory_json(info.memory)
    return {"result": d}


# --- text rendering ------------------------------------------------------------------


def _v(value: Any, unit: str = "") -> str:
    if value is None:
        return _(UNKNOWN)
    if isinstance(value, int) and not isinstance(value, bool):
        value = number(value)          # "5 809" in French, as every other screen says it
    return f"{value}{unit}"


def _lines(pairs: list[tuple[str, Any]]) -> str:
    width = max(len(_(label)) for label, _value in pairs)
    return "\n".join(f"{_(label).ljust(width)}  {value}" for label, value in pairs)


def render_text(kind: str, p: dict) -> str:
    if kind == "smartctl":
        s = p["smart"]
        gb = round(s["capacity_bytes"] / 1e9) if s.get("capacity_bytes") else None
        return _lines([
            (N_("Drive"), _v(s["model"])),
            (N_("Protocol"), _v(s["protocol"])),
            (N_("Capacity"), tr("{n} GB", n=number(gb)) if gb is not None else "-"),
            (N_("SMART health"), _(_HEALTH.get(s["health"], UNKNOWN))),
            (N_("Power-on hours"), _v(s["power_on_hours"])),
            (N_("Reallocated sectors"), _v(s["reallocated_sectors"])),
            (N_("Pending sectors"), _v(s["pending_sectors"])),
            (N_("SSD life left"), _v(s["ssd_life_left_pct"], " %")),
            (N_("smartctl exit bits"), ", ".join(s["exit_bits"]) or "-"),
        ]) + _verdict_text(p)
    if kind == "battery":
        if not p["batteries"]:
            return _("No battery found in this file.")
        return "\n\n".join(_lines([
            (N_("Battery"), _v(b["name"])),
            (N_("Model"), _v(b["model"])),
            (N_("Design capacity"), _v(b["design_wh"], " Wh")),
            (N_("Full capacity"), _v(b["full_wh"], " Wh")),
            (N_("Wear"), _v(b["wear_pct"], " %")),
        ]) for b in p["batteries"])
    r = p["result"]
    if kind == "dmidecode":
        m = r["memory"]
        return _lines([
            (N_("Maker"), _v(r["system"]["vendor"])),
            (N_("Model"), _v(r["system"]["product"])),
            (N_("Chassis"), _v(r["system"]["chassis"])),
            (N_("Processor"), _v(r["processor"])),
            (N_("Memory"), tr("{total} MB in {used} of {slots} slots", total=_v(m["total_mb"]),
                              used=_v(m["slots_used"]), slots=_v(m["slots_total"]))),
            (N_("Batteries"), str(len(r["batteries"]))),
        ])
    if kind == "lshw":
        return _lines([
            (N_("Maker"), _v(r["system"]["vendor"])),
            (N_("Model"), _v(r["system"]["product"])),
            (N_("Chassis"), _v(r["system"]["chassis"])),
            (N_("Processor"), _v(r["cpu"]["model"])),
            (N_("Memory"), _v(r["memory"]["total_mb"], " MB")),
            (N_("Disks"), str(len(r["disks"]))),
        ])
    if kind == "edid":
        s = r["screen"]
        res = f"{s['native_width']}x{s['native_height']}" if s["native_width"] else None
        return _lines([
            (N_("Maker"), _v(s["manufacturer"])),
            (N_("Model"), _v(s["model"])),
            (N_("Year"), _v(None if s["year"] is None else str(s["year"]))),   # not "2 016"
            (N_("Diagonal"), _v(s["diagonal_in"], '"')),
            (N_("Native resolution"), _v(res)),
        ])
    # hdparm
    return _lines([
        (N_("Drive"), _v(r.get("model"))),
        (N_("Firmware"), _v(r.get("firmware"))),
        (N_("Sectors"), _v(r.get("lba48_sectors"))),
    ])
