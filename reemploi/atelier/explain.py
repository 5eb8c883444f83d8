"""Every part the probe found, explained to a 14-year-old (pure: Machine in, sentences out).

``parts_of`` lists what the machine has as part kinds ("cpu", "disk_ssd",
"net_wifi", "chassis_laptop"…) with the object behind each; ``explain`` turns each
into a title, the one or two sentences of ``what`` from the language file, and the
comparisons its own numbers allow: RAM against a phone's, disk in photos and songs,
cores as cooks, screen against a phone's, battery health. Every constant comes from
facts.toml with its source; an unknown number gives no comparison, never a guess.

``ALL_KINDS`` is every kind the probe can report (from the model's enums); a test
checks each has an explanation in both languages.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ..i18n import number
from ..model import Chassis, Disk, Health, Machine, Media
from ..probe.render import ram_size
from ..system.blockdev import format_size
from .content import Content, load_content, load_facts

NET_KINDS = ("wired", "wifi", "other")
ALL_KINDS = (("cpu", "ram", "board", "firmware", "gpu", "battery", "screen", "webcam",
              "optical", "sound", "psu", "other")
             + tuple(f"disk_{m.value}" for m in Media)
             + tuple(f"net_{k}" for k in NET_KINDS)
             + tuple(f"chassis_{c.value}" for c in Chassis))
# Inventory part kinds (reemploi/inventory/parts.py PART_KINDS) → explanation kind.
PART_KIND_TEXT = {"ram": "ram", "disk": "disk_unknown", "battery": "battery", "psu": "psu",
                  "screen": "screen", "other": "other", "cpu": "cpu", "motherboard": "board",
                  "gpu": "gpu"}


@dataclass(frozen=True)
class Explained:
    kind: str
    title: str
    sentences: tuple[str, ...]
    sources: tuple[str, ...]


def round_figure(value: float) -> int:
    """Two significant figures: "about 160 000 photos", not "166 666"."""
    if value < 10:
        return max(int(round(value)), 0)
    digits = int(math.floor(math.log10(value))) - 1
    return int(round(value, -digits))


def ratio_text(value: float, lang: str) -> str:
    return number(value, lang, 0 if value >= 10 or value == int(value) else 1)


_CODE = re.compile(r"^\[?(0x)?[0-9a-fA-F]{4}\]?$")


def plain_name(name: str | None) -> str | None:
    """A maker's name fit to show a trainee: no PCI id ("[8086]": lspci without its
    name database, broken-tools fixture), no trailing dot ("Dell Inc." then ".")."""
    if not name:
        return None
    name = name.strip().rstrip(".").strip()
    return None if not name or _CODE.match(name) else name


def plain_model(model: str | None) -> str | None:
    """A CPU or product name without trademark marks and lshw's "(None)" filler
    (collins missing-base-serial.xml: "Xeon (None)")."""
    if not model:
        return None
    text = re.sub(r"\((R|TM|tm|r|None)\)", "", model)
    text = re.sub(r"\s+", " ", text).strip()
    return text or None


def disk_kind(disk: Disk) -> str:
    return f"disk_{disk.media.value}"


def net_kind(kind: str) -> str:
    return f"net_{kind if kind in NET_KINDS else 'other'}"


def parts_of(m: Machine) -> list[tuple[str, object]]:
    """The machine's parts as (kind, object), in the order a trainee meets them."""
    out: list[tuple[str, object]] = [(f"chassis_{m.system.chassis.value}", m.system),
                                     ("board", m), ("firmware", m.system), ("cpu", m.cpu),
                                     ("ram", m.memory)]
    out += [(disk_kind(d), d) for d in m.data_disks()]
    out += [("gpu", g) for g in m.gpus]
    out += [(net_kind(n.kind), n) for n in m.network]
    out += [("screen", s) for s in m.screens]
    out += [("battery", b) for b in m.batteries]
    out += [("webcam", w) for w in m.webcams]
    out += [("optical", o) for o in m.optical]
    out += [("sound", s) for s in m.sound]
    return out


def _cpu(m: Machine, says, lang: str) -> list[str]:
    cpu, out = m.cpu, []
    if cpu.cores:
        out.append(says["cores_one"] if cpu.cores == 1
                   else says["cores"].format(n=number(cpu.cores, lang)))
        if cpu.threads and cpu.threads == 2 * cpu.cores:
            out.append(says["threads"].format(threads=number(cpu.threads, lang)))
    if cpu.max_mhz:
        key = "speed" if cpu.max_mhz >= 2000 else "speed_low"   # French: 1,6 milliard
        out.append(says[key].format(ghz=number(cpu.max_mhz / 1000, lang, 1)))
    if cpu.x86_64 is not None:
        out.append(says["bits64"] if cpu.x86_64 else says["bits32"])
    return out


def _ram(m: Machine, says, lang: str) -> list[str]:
    phone = load_facts().constants["phone_ram_mb"]
    out = []
    if m.memory.total_mb:
        ratio = m.memory.total_mb / phone
        # 3,8 GB usable of 4 GB fitted (memory the firmware keeps) reads "about as much".
        key = "phones_same" if 0.85 <= ratio <= 1.15 else "phones"
        out.append(says[key].format(size=ram_size(m.memory.total_mb, lang),
                                    ratio=ratio_text(ratio, lang)))
    n = len(m.memory.modules)
    if n:
        out.append(says["sticks_one"] if n == 1 else says["sticks"].format(n=number(n, lang)))
    return out


def _board(m: Machine, says, lang: str) -> list[str]:
    out = []
    if m.memory.slots_total:
        free = m.memory.slots_free or 0
        key = "slots_full" if free == 0 else "slots_one_free" if free == 1 else "slots"
        out.append(says[key].format(n=number(m.memory.slots_total, lang),
                                    free=number(free, lang)))
    maker = plain_name(m.system.board_vendor) or plain_name(m.system.vendor)
    if maker:
        out.append(says["maker"].format(maker=maker))
    return out


def _firmware(m: Machine, says, lang: str) -> list[str]:
    out = []
    if m.system.boot_mode in ("uefi", "legacy"):
        out.append(says[m.system.boot_mode])
    year = (m.system.bios_date or "")[-4:]
    if year.isdigit() and 1980 < int(year) < 2100:
        out.append(says["year"].format(year=year))
    return out


def disk_figures(size_bytes: int) -> tuple[int, int]:
    c = load_facts().constants
    return (round_figure(size_bytes / c["photo_bytes"]), round_figure(size_bytes / c["song_bytes"]))


def _disk(d: Disk, says, lang: str) -> list[str]:
    out = []
    if d.size_bytes and d.media is not Media.OPTICAL:
        photos, songs = disk_figures(d.size_bytes)
        out.append(says["photos"].format(photos=number(photos, lang), songs=number(songs, lang)))
    smart = d.smart
    if smart is not None and smart.health is Health.PASSED:
        out.append(says["healthy"])
    elif smart is not None and smart.health is Health.FAILED:
        out.append(says["failing"])
    if smart is not None and smart.power_on_hours:
        out.append(says["hours"].format(hours=number(smart.power_on_hours, lang),
                                        days=number(smart.power_on_hours // 24, lang)))
    return out


def _battery(b, says, lang: str) -> list[str]:
    out = []
    if b.health_pct is not None:
        out.append(says["health"].format(pct=number(round(b.health_pct), lang)))
    if b.cycle_count:
        out.append(says["cycles"].format(n=number(b.cycle_count, lang)))
    return out


def _screen(s, says, lang: str) -> list[str]:
    c = load_facts().constants
    out = []
    if s.diagonal_in:
        out.append(says["size"].format(inches=number(s.diagonal_in, lang, 1),
                                       cm=number(s.diagonal_in * c["cm_per_inch"], lang),
                                       ratio=ratio_text(s.diagonal_in / c["phone_screen_in"], lang)))
    if s.native_width and s.native_height:
        out.append(says["pixels"].format(pixels=number(s.native_width * s.native_height, lang)))
    return out


def _gpu(g, says, lang: str) -> list[str]:
    maker = plain_name(g.vendor)
    return [says["maker"].format(maker=maker)] if maker else []


def sentences_for(kind: str, obj: object, m: Machine, says, lang: str) -> list[str]:
    if kind == "cpu":
        return _cpu(m, says, lang)
    if kind == "ram":
        return _ram(m, says, lang)
    if kind == "board":
        return _board(m, says, lang)
    if kind == "firmware":
        return _firmware(m, says, lang)
    if kind.startswith("disk_"):
        return _disk(obj, says, lang)          # type: ignore[arg-type]
    if kind == "battery":
        return _battery(obj, says, lang)
    if kind == "screen":
        return _screen(obj, says, lang)
    if kind == "gpu":
        return _gpu(obj, says, lang)
    return []


def split_sentences(text: str) -> list[str]:
    """The sentences of a ``what``: split after ". " (our files never abbreviate)."""
    out, start = [], 0
    for i, ch in enumerate(text):
        if ch in ".!?" and (i + 1 == len(text) or text[i + 1] == " "):
            out.append(text[start:i + 1].strip())
            start = i + 1
    if text[start:].strip():
        out.append(text[start:].strip())
    return out


def explain(m: Machine, lang: str, content: Content | None = None) -> tuple[Explained, ...]:
    """Each part of ``m`` with its title, what it is for and its comparisons."""
    text = content or load_content(lang)
    out = []
    for kind, obj in parts_of(m):
        t = text.parts[kind]
        out.append(Explained(kind, t.title,
                             tuple(split_sentences(t.what) + sentences_for(kind, obj, m, t.says, text.lang)),
                             t.sources))
    return tuple(out)


def explain_part(part_kind: str, facts: dict, lang: str) -> Explained:
    """A harvested part from stock (inventory facts, not a probe): title and what."""
    kind = PART_KIND_TEXT.get(part_kind, "other")
    media = str(facts.get("media") or "")
    if kind == "disk_unknown" and media in {x.value for x in Media}:
        kind = f"disk_{media}"
    t = load_content(lang).parts[kind]
    return Explained(kind, t.title, tuple(split_sentences(t.what)), t.sources)


def ram_text(mb: int | None, lang: str) -> str:
    return ram_size(mb, lang)


def size_text(n: int | None, lang: str) -> str:
    return format_size(n, lang)
