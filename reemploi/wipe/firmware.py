"""Firmware erase steps through the runner: probing capabilities and polling progress.

Everything here goes through ``ctx.runner`` so tests replay real recorded outputs
and assert the exact argv lists (``ReplayRunner.calls``).

Status decoding:

* ``hdparm --sanitize-status`` prints the ATA SANITIZE STATUS EXT result (ACS-3
  §7.36.8): a state line ("SD2 Sanitize operation In Process") and, when finished,
  "Last Sanitize Operation Completed Without Error" (or "With Error").
* ``nvme sanitize-log -o json`` gives the Sanitize Status log page (NVMe base 2.0
  §5.16.1.25, Fig. 290): ``sprog`` (progress, 65535 = done or never run) and
  ``sstat`` bits 2:0: 0 never sanitized, 1 completed, 2 in progress, 3 failed,
  4 completed without deallocation.
"""

from __future__ import annotations

import json
import re

from ..errors import ReemploiError
from ..model import Disk, Media
from ..probe.hdparm import (AtaIdentify, DcoState, HpaState, parse_dco_identify,
                            parse_hdparm_N, parse_hdparm_identify)
from ..probe.nvme import NvmeCaps, parse_nvme_id_ctrl
from .plan import nvme_controller
from ..lazylog import getLogger

log = getLogger(__name__)

IN_PROGRESS, DONE, FAILED = "in-progress", "done", "failed"

# Transports where ATA pass-through can work (SAT over USB bridges included).
_ATA_TRANSPORTS = {None, "sata", "ata", "usb", "scsi", "sas"}


def probe_capabilities(ctx, disk: Disk) -> tuple[AtaIdentify | None, NvmeCaps | None,
                                                   HpaState | None, DcoState | None]:
    """Ask the drive what it can do; any tool error just means "unknown"."""
    ata = nvme = hpa = dco = None

    def run(argv):
        try:
            res = ctx.runner.run(argv, check=False, timeout=30)
        except ReemploiError as exc:   # tool missing, replay missing, timeout
            log.debug("capability probe %s: %s", argv, exc)
            return None
        return res.text if res.returncode == 0 else None

    if disk.media is Media.NVME:
        text = run(["nvme", "id-ctrl", "-H", nvme_controller(disk.path)])
        if text:
            try:
                nvme = parse_nvme_id_ctrl(text)
            except ReemploiError as exc:
                log.debug("nvme id-ctrl unreadable: %s", exc)
    elif disk.media in (Media.HDD, Media.SSD, Media.UNKNOWN) and disk.transport in _ATA_TRANSPORTS:
        text = run(["hdparm", "-I", disk.path])
        if text:
            ident = parse_hdparm_identify(text)
            if ident.is_ata:
                ata = ident
                if ident.hpa_feature:
                    out = run(["hdparm", "-N", disk.path])
                    hpa = parse_hdparm_N(out) if out else None
                if ident.dco_feature:
                    out = run(["hdparm", "--dco-identify", disk.path])
                    dco = parse_dco_identify(out) if out else None
    return ata, nvme, hpa, dco


def ata_sanitize_state(text: str) -> str:
    """hdparm prints "Completed Without Error" only when the drive sets the
    OPERATION SUCCEEDED flag (hdparm sanitize.c): idle without it means it failed."""
    if "In Process" in text:
        return IN_PROGRESS
    if "Completed Without Error" in text:
        return DONE
    return FAILED


def _find(obj, key):
    if isinstance(obj, dict):
        if key in obj:
            return obj[key]
        for v in obj.values():
            found = _find(v, key)
            if found is not None:
                return found
    return None


def nvme_sanitize_state(text: str) -> str:
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return FAILED
    sstat = _find(data, "sstat")
    if isinstance(sstat, dict):
        # nvme-cli 2.x: {"status": "(1) Sanitize completed successfully"}; some
        # releases used the description itself as the key (nvme-print-json.c).
        texts = [v for v in sstat.values() if isinstance(v, str)]
        m = next((re.match(r"^\((\d+)\)", t) for t in texts if re.match(r"^\((\d+)\)", t)), None)
        sstat = int(m.group(1)) if m else sstat.get("status", 0)
    try:
        status = int(sstat or 0) & 0x7
    except (TypeError, ValueError):
        return FAILED
    if status == 2:
        return IN_PROGRESS
    if status in (1, 4):
        return DONE
    return FAILED      # 3 = failed; 0 = "never sanitized" after we asked for one


def poll_state(argv: tuple[str, ...], text: str) -> str:
    return nvme_sanitize_state(text) if argv[0] == "nvme" else ata_sanitize_state(text)


VERSION_ARGV = {"hdparm": ("hdparm", "-V"), "nvme": ("nvme", "version")}


def tool_version(ctx, tool: str) -> str | None:
    """First line of ``hdparm -V`` / ``nvme version`` (NIST SP 800-88 App. G: "Tool Used
    (include version)"); None if the tool cannot say."""
    argv = VERSION_ARGV.get(tool)
    if argv is None:
        return None
    try:
        res = ctx.runner.run(argv, check=False, timeout=10)
    except ReemploiError:
        return None
    lines = (res.text or res.error_text).strip().splitlines()
    return lines[0].strip() if lines else None
