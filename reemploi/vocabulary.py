"""Words for the model's own codes, at the bottom of the package so every layer can
name a disk's media the same way: ``system.guard``'s confirmation, the inventory's
``show``, the certificate.

Here rather than in ``inventory/describe.py`` (which re-exports them): the guard in
``system/`` is below the inventory and must not import it (tests/test_architecture.py).
"""

from __future__ import annotations

from typing import Any, Mapping

from .i18n import N_, tr

# Media kinds (model.Disk media) in words.
MEDIA_WORDS = {"hdd": N_("hard disk (HDD)"), "ssd": N_("SATA solid-state drive (SSD)"),
               "nvme": N_("NVMe solid-state drive"), "usb-flash": N_("USB flash drive"),
               "sd": N_("SD card"), "emmc": N_("eMMC flash memory"),
               "optical": N_("optical disc"), "virtual": N_("virtual disk"),
               "unknown": N_("unknown media")}


def word(table: Mapping[str, str], code: Any, lang: str | None = None) -> str:
    """``code`` in the reader's words through ``table``; an unknown code as it is."""
    if code is None or code == "":
        return "?"
    msgid = table.get(str(code))
    return tr(msgid, lang) if msgid else str(code)
