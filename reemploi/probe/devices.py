"""Peripherals read straight from /sys and /proc: network, webcams, sound, optical.

Each reader takes a ``Sysfs`` and returns model objects; an entry that cannot be read
is skipped (house rule 4), never a crash.

* Network: ``/sys/class/net/*``. Interfaces without a ``device`` link are virtual
  (bridges, tunnels, veth, ifb) and are not hardware to grade. A ``wireless/`` or
  ``phy80211`` entry marks Wi-Fi (cfg80211); ``type`` 1 is ARPHRD_ETHER (wired).
  The bus (pci, usb, sdio) comes from the device's /sys path: a USB dongle moves from
  machine to machine, so its MAC must never identify one.
* Webcams: ``/sys/class/video4linux/videoN/name``; UVC cameras expose a second node
  for metadata, so only ``index`` 0 counts.
* Sound: ``/proc/asound/cards`` lines `` 0 [PCH ]: HDA-Intel - HDA Intel PCH``.
* Optical: lsblk ``rom`` devices, else ``/proc/sys/dev/cdrom/info`` "drive name:".
"""

from __future__ import annotations


from ..model import Device, NetInterface
from ..lazyre import lazy

ARPHRD_ETHER = 1  # linux/if_arp.h


def bus_of(device_path: str | None) -> str | None:
    """The bus a device hangs on, from its /sys/devices path: a USB dongle's path runs
    through ``.../usb1/1-2/1-2:1.0``, an SDIO card's through ``mmc_host``."""
    if not device_path:
        return None
    parts = device_path.split("/")
    if any(p.startswith("usb") and p[3:].isdigit() for p in parts):
        return "usb"
    if "mmc_host" in parts:
        return "sdio"
    if any(p.startswith("pci") for p in parts):
        return "pci"
    return "platform" if "platform" in parts else None


def network(sysfs) -> tuple[NetInterface, ...]:
    out = []
    for name in sysfs.listdir("sys/class/net"):
        base = f"sys/class/net/{name}"
        if name == "lo" or not sysfs.exists(f"{base}/device"):
            continue
        # phy80211 is a link (kept by a recording, even in git); wireless/ is a
        # directory that may be empty, which a git checkout of a recording drops.
        if sysfs.is_link(f"{base}/phy80211") or sysfs.exists(f"{base}/wireless"):
            kind = "wifi"
        elif sysfs.read_int(f"{base}/type") == ARPHRD_ETHER:
            kind = "wired"
        else:
            kind = "other"
        out.append(NetInterface(name=name, kind=kind, mac=sysfs.read(f"{base}/address") or None,
                                driver=sysfs.link_name(f"{base}/device/driver"),
                                bus=bus_of(sysfs.realpath(f"{base}/device"))))
    return tuple(out)


def webcams(sysfs) -> tuple[Device, ...]:
    out = []
    for node in sysfs.listdir("sys/class/video4linux"):
        base = f"sys/class/video4linux/{node}"
        index = sysfs.read_int(f"{base}/index")
        if index not in (None, 0):
            continue
        name = sysfs.read(f"{base}/name")
        if name:
            out.append(Device(kind="webcam", model=name, detail=node))
    return tuple(out)


_CARD = lazy(r"^\s*(\d+)\s+\[([^\]]*)\]:\s*(\S+)\s+-\s+(.*)$")


def parse_asound_cards(text: str) -> tuple[Device, ...]:
    out = []
    for line in (text or "").splitlines():
        m = _CARD.match(line)
        if m:
            out.append(Device(kind="sound", model=m.group(4).strip() or None,
                              detail=m.group(3)))
    return tuple(out)


def sound(sysfs) -> tuple[Device, ...]:
    return parse_asound_cards(sysfs.read("proc/asound/cards") or "")


def optical_from_nodes(nodes) -> tuple[Device, ...]:
    return tuple(Device(kind="optical", model=n.model, detail=n.path)
                 for n in nodes if n.type == "rom")


def optical_from_proc(sysfs) -> tuple[Device, ...]:
    for line in (sysfs.read("proc/sys/dev/cdrom/info") or "").splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() == "drive name":
            return tuple(Device(kind="optical", detail=f"/dev/{n}") for n in value.split())
    return ()
