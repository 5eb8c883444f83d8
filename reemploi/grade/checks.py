"""The operator's checklist: what a probe cannot see (keys, pixels, hinges).

Each functional item is ``ok`` / ``fail`` / ``na`` (not applicable: no webcam on a
desktop tower) or ``None`` when not checked; the cosmetic state is A/B/C. The rules
file says what a failed item does (repair item, parts-only, or a note). Entered with
``--check keyboard=ok`` flags or interactively; stored as ``asset.checked``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from typing import Iterable

from ..errors import BadInput

ITEMS = ("keyboard", "touchpad", "screen_dead_pixels", "screen_backlight", "usb_ports",
         "webcam", "wifi", "audio", "battery_holds_charge")
COSMETIC = ("A", "B", "C")
# Items that only make sense on a machine with its own screen/keyboard/battery.
LAPTOP_ONLY = ("keyboard", "touchpad", "screen_dead_pixels", "screen_backlight",
               "battery_holds_charge")


class CheckState(str, enum.Enum):
    OK = "ok"
    FAIL = "fail"
    NA = "na"


# French answers accepted too: the operator types what they say.
_ALIASES = {"ok": "ok", "oui": "ok", "yes": "ok", "bon": "ok", "fail": "fail",
            "ko": "fail", "hs": "fail", "non": "fail", "no": "fail", "panne": "fail",
            "na": "na", "n/a": "na", "-": "na", "absent": "na"}


def parse_state(text: str, item: str) -> CheckState:
    value = _ALIASES.get(text.strip().lower())
    if value is None:
        raise BadInput("Cannot read --check {item}: '{text}' is not ok, fail or na",
                       item=item, text=text)
    return CheckState(value)


@dataclass(frozen=True)
class Checks:
    keyboard: CheckState | None = None
    touchpad: CheckState | None = None
    screen_dead_pixels: CheckState | None = None
    screen_backlight: CheckState | None = None
    usb_ports: CheckState | None = None
    webcam: CheckState | None = None
    wifi: CheckState | None = None
    audio: CheckState | None = None
    battery_holds_charge: CheckState | None = None
    cosmetic: str | None = None
    notes: str = ""

    def items(self) -> list[tuple[str, CheckState | None]]:
        return [(name, getattr(self, name)) for name in ITEMS]

    def failed(self) -> list[str]:
        return [name for name, state in self.items() if state is CheckState.FAIL]

    @property
    def empty(self) -> bool:
        return all(s is None for _, s in self.items()) and not self.cosmetic and not self.notes

    def to_dict(self) -> dict:
        out: dict = {name: (None if s is None else s.value) for name, s in self.items()}
        out["cosmetic"] = self.cosmetic
        out["notes"] = self.notes
        return out

    @classmethod
    def from_dict(cls, d: dict) -> "Checks":
        kw: dict = {}
        for name in ITEMS:
            if d.get(name) is not None:
                kw[name] = CheckState(d[name])
        return cls(cosmetic=d.get("cosmetic"), notes=d.get("notes") or "", **kw)


def parse_check_args(pairs: Iterable[str], cosmetic: str | None = None,
                     notes: str | None = None, base: Checks | None = None) -> Checks:
    """``["keyboard=ok", "wifi=fail"]`` -> Checks (raises BadInput on a bad pair)."""
    values: dict = {}
    for pair in pairs:
        if "=" not in pair:
            raise BadInput("Cannot read --check {pair}: expected ITEM=ok|fail|na", pair=pair)
        item, _, state = pair.partition("=")
        item = item.strip().replace("-", "_")
        if item not in ITEMS:
            raise BadInput("Cannot read --check {pair}: unknown item; known: {known}",
                           pair=pair, known=", ".join(ITEMS))
        values[item] = parse_state(state, item)
    if cosmetic is not None:
        cosmetic = cosmetic.strip().upper()
        if cosmetic not in COSMETIC:
            raise BadInput("Cannot read --cosmetic {value}: expected A, B or C", value=cosmetic)
        values["cosmetic"] = cosmetic
    if notes:
        values["notes"] = notes
    return replace(base or Checks(), **values)

