"""The wipe plan (pure): which sanitization a disk gets, and the exact commands.

Facts in (the disk, what ``hdparm -I`` / ``nvme id-ctrl`` / ``hdparm -N`` /
``--dco-identify`` said, the operator's options), a ``WipePlan`` out: no I/O here, so
the plan is table-tested and ``--dry-run`` prints exactly what would run.

Mapping (NIST SP 800-88 r1 Appendix A, one table entry per media type; IEEE 2883-2022):

=====================  ===========================================  ========
media                  technique, in order of preference             category
=====================  ===========================================  ========
HDD (ATA, SAS, USB)    overwrite (one PRNG pass) + verification      Clear
SATA SSD               ATA SANITIZE CRYPTO SCRAMBLE / BLOCK ERASE     Purge
                       ATA SECURITY ERASE UNIT (enhanced if offered) Purge
                       none possible: overwrite + discard            Clear
NVMe                   Sanitize crypto (sanact 4) / block (sanact 2)  Purge
                       Format NVM ses=2 (crypto) / ses=1 (user data)  Purge
                       none possible: overwrite + discard            Clear
USB flash, SD, eMMC    overwrite + discard (wear levelling caveat)   Clear
=====================  ===========================================  ========

NIST SP 800-88 r1 Appendix A ("ATA Solid State Drives") lists ATA SECURITY ERASE UNIT (and its enhanced form)
under Purge for SATA SSDs, with the warning that some implementations were found
unreliable; Sanitize, when supported, is preferred (IEEE 2883-2022). For hard disks,
NIST Appendix A ("ATA Hard Disk Drives") makes one overwrite pass Clear and firmware erases Purge; workshops
reuse the drives, so the default HDD method is the verifiable overwrite.

A *blocker* stops one disk before anything is written (frozen security state, a
password already set by someone else, a firmware method requested where none
exists); *caveats* are printed on the certificate.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

from ..model import Disk, Media
from ..probe.hdparm import AtaIdentify, DcoState, HpaState
from ..probe.nvme import NvmeCaps

# Temporary ATA user password: set just before SECURITY ERASE UNIT, which clears it
# (ATA8-ACS §7.43: a successful erase disables the password). If the station loses
# power in between, the drive stays locked with this password; docs/wipe.md says so.
ATA_PASSWORD = "reemploi"

METHODS = ("auto", "zero", "prng", "dod3", "hmgis5", "firmware")
VERIFY_MODES = ("full", "sample", "none")

# Rough write speeds for time estimates when the drive gives none (MB/s).
_SPEED = {Media.HDD: 120, Media.SSD: 350, Media.NVME: 1200, Media.USB_FLASH: 20,
          Media.SD: 15, Media.EMMC: 60, Media.VIRTUAL: 500, Media.UNKNOWN: 80}


class Nist(str, enum.Enum):
    CLEAR = "clear"
    PURGE = "purge"


class Technique(str, enum.Enum):
    OVERWRITE = "overwrite"
    ATA_SANITIZE_CRYPTO = "ata-sanitize-crypto-scramble"
    ATA_SANITIZE_BLOCK = "ata-sanitize-block-erase"
    ATA_SECURITY_ERASE_ENHANCED = "ata-security-erase-enhanced"
    ATA_SECURITY_ERASE = "ata-security-erase"
    NVME_SANITIZE_CRYPTO = "nvme-sanitize-crypto-erase"
    NVME_SANITIZE_BLOCK = "nvme-sanitize-block-erase"
    NVME_FORMAT_CRYPTO = "nvme-format-crypto-erase"
    NVME_FORMAT_USER_DATA = "nvme-format-user-data-erase"


FIRMWARE = {t for t in Technique if t is not Technique.OVERWRITE}


class Blocker(str, enum.Enum):
    FROZEN = "frozen"                     # ATA security frozen by the BIOS
    PASSWORD_SET = "password-set"         # security already enabled/locked by someone
    NO_FIRMWARE_ERASE = "no-firmware-erase"
    UNSUPPORTED_MEDIA = "unsupported-media"


class Caveat(str, enum.Enum):
    ONE_PASS_ENOUGH = "one-pass-enough"           # multi-pass asked: NIST says 1 is enough
    CLEAR_NOT_PURGE = "clear-not-purge"           # flash overwritten: spare area untouched
    WEAR_LEVELLING = "wear-levelling"             # USB/SD/eMMC
    HPA_PRESENT = "hpa-present"                   # hidden sectors not erased
    DCO_PRESENT = "dco-present"
    HPA_REMOVED = "hpa-removed"
    FORMAT_SES1 = "format-ses1"                   # user-data erase: vendor-defined
    SANITIZE_FROZEN_IGNORED = "security-frozen-sanitize-used"


@dataclass(frozen=True)
class Step:
    """One action: ``command`` (argv through the runner), ``overwrite`` (one pass),
    ``verify``, ``fingerprint`` / ``verify-changed`` (around a firmware erase),
    ``poll`` (wait for a background sanitize), ``discard``."""

    kind: str
    argv: tuple[str, ...] = ()
    pattern: str | None = None
    mode: str | None = None
    timeout: float | None = None
    secret: bool = False          # argv carries the temporary password
    expect: str | None = None     # check-security: "enabled" or "disabled" after the command

    def command_line(self) -> str:
        return " ".join(self.argv)

    def describe(self) -> str:
        """One line for --dry-run: the command, or what the engine does in-process."""
        if self.argv:
            return "$ " + self.command_line()
        detail = " ".join(x for x in (self.pattern, self.mode) if x)
        return f"· {self.kind}" + (f" {detail}" if detail else "")


@dataclass(frozen=True)
class WipePlan:
    """``method``: the method that runs (``auto`` resolved to ``firmware`` or ``prng``),
    which the journal and the certificate record; a blocked plan keeps the one asked."""
    path: str
    media: Media
    method: str
    technique: Technique | None
    nist: Nist | None
    passes: tuple[str, ...] = ()
    verify: str = "none"
    steps: tuple[Step, ...] = ()
    on_failure: tuple[Step, ...] = ()
    caveats: tuple[Caveat, ...] = ()
    blocker: Blocker | None = None
    blocker_params: dict = field(default_factory=dict)
    estimate_seconds: int | None = None
    hpa: dict | None = None
    dco: dict | None = None
    final_blank: bool = False

    @property
    def firmware(self) -> bool:
        return self.technique in FIRMWARE

    def commands(self) -> list[str]:
        return [s.command_line() for s in self.steps if s.argv]


def nvme_controller(path: str) -> str:
    """/dev/nvme0n1 -> /dev/nvme0 (sanitize and id-ctrl talk to the controller)."""
    m = re.match(r"^(/dev/nvme\d+)n\d+$", path)
    return m.group(1) if m else path


def hidden_areas(hpa: HpaState | None, dco: DcoState | None) -> tuple[dict | None, dict | None]:
    h = None if hpa is None else {"enabled": hpa.enabled, "visible_sectors": hpa.visible_sectors,
                                  "native_sectors": hpa.native_sectors,
                                  "hidden_sectors": hpa.hidden_sectors}
    d = None
    if dco is not None:
        native = hpa.native_sectors if hpa else None
        hidden = max(dco.real_max_sectors - native, 0) if native is not None else None
        d = {"real_max_sectors": dco.real_max_sectors, "hidden_sectors": hidden,
             "active": bool(hidden)}
    return h, d


def _overwrite_steps(method: str, verify: str, final_blank: bool) -> tuple[tuple[str, ...], list[Step]]:
    patterns = {"zero": ["0x00"], "prng": ["prng"], "dod3": ["char", "~char", "prng"],
                "hmgis5": ["0x00", "0xff", "prng"]}[method]
    if final_blank and patterns[-1] != "0x00":
        patterns = patterns + ["0x00"]
    steps = [Step("overwrite", pattern=p) for p in patterns]
    if verify != "none":
        # Verify the last pass (NIST SP 800-88 r1 §4.7.3; DoD and HMG IS5 also verify last).
        steps.append(Step("verify", pattern=patterns[-1], mode=verify))
    return tuple(patterns), steps


def _estimate(disk: Disk, passes: int, verify: str) -> int | None:
    if not disk.size_bytes:
        return None
    speed = _SPEED.get(disk.media, 80) * 1e6
    factor = passes + {"full": 1.0, "sample": 0.12, "none": 0.0}[verify]
    return int(disk.size_bytes * factor / speed)


def _ata_firmware(ata: AtaIdentify) -> Technique | None:
    if ata.sanitize_supported and ata.sanitize_crypto:
        return Technique.ATA_SANITIZE_CRYPTO
    if ata.sanitize_supported and ata.sanitize_block:
        return Technique.ATA_SANITIZE_BLOCK
    if ata.security_supported and ata.enhanced_erase_supported:
        return Technique.ATA_SECURITY_ERASE_ENHANCED
    if ata.security_supported:
        return Technique.ATA_SECURITY_ERASE
    return None


def _nvme_firmware(caps: NvmeCaps) -> Technique | None:
    if caps.sanitize_crypto:
        return Technique.NVME_SANITIZE_CRYPTO
    if caps.sanitize_block:
        return Technique.NVME_SANITIZE_BLOCK
    if caps.format_supported and caps.format_crypto_supported:
        return Technique.NVME_FORMAT_CRYPTO
    if caps.format_supported:
        return Technique.NVME_FORMAT_USER_DATA
    return None


def _firmware_steps(t: Technique, disk: Disk, ata: AtaIdentify | None,
                    verify: str) -> tuple[list[Step], list[Step], int | None]:
    dev = disk.path
    pw = ATA_PASSWORD
    steps: list[Step] = []
    cleanup: list[Step] = []
    estimate = None
    if verify != "none":
        steps.append(Step("fingerprint"))
    if t in (Technique.ATA_SANITIZE_CRYPTO, Technique.ATA_SANITIZE_BLOCK):
        flag = ("--sanitize-crypto-scramble" if t is Technique.ATA_SANITIZE_CRYPTO
                else "--sanitize-block-erase")
        steps += [Step("command", ("hdparm", "--yes-i-know-what-i-am-doing", flag, dev)),
                  Step("poll", ("hdparm", "--sanitize-status", dev), timeout=6 * 3600)]
    elif t in (Technique.ATA_SECURITY_ERASE_ENHANCED, Technique.ATA_SECURITY_ERASE):
        enhanced = t is Technique.ATA_SECURITY_ERASE_ENHANCED
        minutes = (ata.enhanced_erase_minutes if enhanced else ata.erase_minutes) if ata else None
        estimate = minutes * 60 if minutes else None
        # hdparm waits for SECURITY ERASE UNIT to finish: allow twice the drive's own
        # estimate (ACS-3 IDENTIFY words 89/90), at least an hour when it gives none.
        timeout = max(2 * (estimate or 0) + 600, 3600)
        flag = "--security-erase-enhanced" if enhanced else "--security-erase"
        # hdparm exits 0 when the drive aborts SET PASSWORD or ERASE UNIT (QEMU's ide-hd:
        # tests/fixtures/qemu), so the drive's own security state is read back after
        # each: enabled once the password is set, disabled again once the erase is
        # done (ATA8-ACS §4.19 security states SEC5 → SEC1).
        steps += [Step("command", ("hdparm", "--user-master", "u", "--security-set-pass", pw, dev),
                       secret=True),
                  Step("check-security", ("hdparm", "-I", dev), expect="enabled"),
                  Step("command", ("hdparm", "--user-master", "u", flag, pw, dev),
                       timeout=timeout, secret=True),
                  Step("check-security", ("hdparm", "-I", dev), expect="disabled")]
        # Always clear the password we set if anything after set-pass fails.
        cleanup.append(Step("command", ("hdparm", "--user-master", "u", "--security-disable",
                                        pw, dev), secret=True))
    elif t in (Technique.NVME_SANITIZE_CRYPTO, Technique.NVME_SANITIZE_BLOCK):
        ctrl = nvme_controller(dev)
        act = "4" if t is Technique.NVME_SANITIZE_CRYPTO else "2"   # NVMe base 2.0 Fig. 372
        steps += [Step("command", ("nvme", "sanitize", ctrl, f"--sanact={act}")),
                  Step("poll", ("nvme", "sanitize-log", ctrl, "-o", "json"), timeout=6 * 3600)]
    elif t in (Technique.NVME_FORMAT_CRYPTO, Technique.NVME_FORMAT_USER_DATA):
        ses = "2" if t is Technique.NVME_FORMAT_CRYPTO else "1"    # NVMe base 2.0 Fig. 323
        steps.append(Step("command", ("nvme", "format", dev, f"--ses={ses}", "--force"),
                          timeout=3 * 3600))
    if verify != "none":
        steps.append(Step("verify-changed", mode="sample"))
    return steps, cleanup, estimate


def plan_wipe(disk: Disk, *, method: str = "auto", verify: str = "full",
              ata: AtaIdentify | None = None, nvme: NvmeCaps | None = None,
              hpa: HpaState | None = None, dco: DcoState | None = None,
              remove_hpa: bool = False, final_blank: bool = False) -> WipePlan:
    """Decide how to sanitize ``disk``. Pure: every fact comes in as a parameter."""
    if method not in METHODS:
        raise ValueError(method)
    if verify not in VERIFY_MODES:
        raise ValueError(verify)
    media = disk.media
    hpa_d, dco_d = hidden_areas(hpa, dco)
    caveats: list[Caveat] = []
    pre: list[Step] = []
    if hpa is not None and hpa.enabled and hpa.hidden_sectors:
        if remove_hpa:
            # ATA8-ACS §4.11: SET MAX ADDRESS (volatile=0 with "p") restores the native max.
            pre.append(Step("command", ("hdparm", "--yes-i-know-what-i-am-doing", "-N",
                                        f"p{hpa.native_sectors}", disk.path)))
            caveats.append(Caveat.HPA_REMOVED)
        else:
            caveats.append(Caveat.HPA_PRESENT)
    if dco_d and dco_d["active"]:
        if remove_hpa:
            pre.append(Step("command", ("hdparm", "--yes-i-know-what-i-am-doing",
                                        "--dco-restore", disk.path)))
        else:
            caveats.append(Caveat.DCO_PRESENT)
    if pre:
        # The kernel keeps the old capacity until the SCSI layer rescans the device
        # (sd.c "rescan" attribute); only then does the overwrite reach the new sectors.
        pre.append(Step("rescan"))

    base = dict(path=disk.path, media=media, method=method, hpa=hpa_d, dco=dco_d,
                final_blank=final_blank)

    if media is Media.OPTICAL:
        return WipePlan(**base, technique=None, nist=None,
                        blocker=Blocker.UNSUPPORTED_MEDIA, blocker_params={"media": media.value})

    flash = media in (Media.SSD, Media.NVME, Media.USB_FLASH, Media.SD, Media.EMMC)
    firmware: Technique | None = None
    if media is Media.NVME and nvme is not None:
        firmware = _nvme_firmware(nvme)
    elif ata is not None and ata.is_ata and media in (Media.SSD, Media.HDD, Media.UNKNOWN):
        firmware = _ata_firmware(ata)

    want_firmware = method == "firmware" or (
        method == "auto" and media in (Media.SSD, Media.NVME) and firmware is not None)

    if want_firmware:
        if firmware is None:
            return WipePlan(**base, technique=None, nist=None, caveats=tuple(caveats),
                            blocker=Blocker.NO_FIRMWARE_ERASE,
                            blocker_params={"media": media.value})
        if firmware in (Technique.ATA_SECURITY_ERASE, Technique.ATA_SECURITY_ERASE_ENHANCED):
            assert ata is not None
            if ata.security_enabled or ata.security_locked:
                return WipePlan(**base, technique=firmware, nist=Nist.PURGE,
                                caveats=tuple(caveats), blocker=Blocker.PASSWORD_SET,
                                blocker_params={"path": disk.path})
            if ata.security_frozen:
                # ATA8-ACS §4.7.9: SECURITY FREEZE LOCK holds until power-on reset; a
                # suspend to RAM powers the drive off and back on, unfreezing it.
                return WipePlan(**base, technique=firmware, nist=Nist.PURGE,
                                caveats=tuple(caveats), blocker=Blocker.FROZEN,
                                blocker_params={"path": disk.path,
                                                "command": "rtcwake -m mem -s 5"})
        elif ata is not None and ata.security_frozen:
            # The Sanitize feature set is not governed by the Security frozen state
            # (ACS-3 §4.20 has its own SANITIZE FREEZE LOCK): we may go on.
            caveats.append(Caveat.SANITIZE_FROZEN_IGNORED)
        if firmware is Technique.NVME_FORMAT_USER_DATA:
            caveats.append(Caveat.FORMAT_SES1)
        steps, cleanup, estimate = _firmware_steps(firmware, disk, ata, verify)
        base["method"] = "firmware"
        return WipePlan(**base, technique=firmware, nist=Nist.PURGE,
                        passes=(firmware.value,), verify=verify if verify == "none" else "sample",
                        steps=tuple(pre + steps), on_failure=tuple(cleanup),
                        caveats=tuple(caveats), estimate_seconds=estimate)

    ow = "prng" if method in ("auto", "firmware") else method
    base["method"] = ow
    patterns, steps = _overwrite_steps(ow, verify, final_blank)
    if len(patterns) > 1 and ow in ("dod3", "hmgis5"):
        caveats.append(Caveat.ONE_PASS_ENOUGH)
    if flash:
        # NIST SP 800-88 r1 §2.5 and Appendix A (flash media): overwriting flash reaches only the
        # logical blocks; spare/remapped cells keep old data. Discard tells the
        # controller to erase what it can; the result is Clear, not Purge.
        caveats.append(Caveat.CLEAR_NOT_PURGE)
        if media in (Media.USB_FLASH, Media.SD, Media.EMMC):
            caveats.append(Caveat.WEAR_LEVELLING)
        # BLKDISCARD ioctl on our own O_EXCL descriptor (what blkdiscard(8) does;
        # running blkdiscard itself would fail: we hold the device exclusively).
        steps.append(Step("discard"))
    return WipePlan(**base, technique=Technique.OVERWRITE, nist=Nist.CLEAR, passes=patterns,
                    verify=verify, steps=tuple(pre + steps), caveats=tuple(caveats),
                    estimate_seconds=_estimate(disk, len(patterns), verify))
