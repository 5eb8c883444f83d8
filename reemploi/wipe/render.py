"""The wipe plan as the operator reads it (``reemploi wipe`` and the station)."""

from __future__ import annotations

from ..i18n import N_, number, tr
from ..system import guard
from .odds import REPORTED_HOLES, detection_table
from .plan import Blocker

BLOCKER_TEXT = {
    Blocker.FROZEN: N_("{path}: the drive's security is frozen by the BIOS. Suspend the computer "
                       "and wake it up ({command}, or close and reopen the lid), then run the wipe again."),
    Blocker.PASSWORD_SET: N_("{path}: a security password is already set on this drive; "
                             "it must be removed first (ask the donor)."),
    Blocker.NO_FIRMWARE_ERASE: N_("{path}: this drive offers no firmware erase; "
                                  "use --method prng to overwrite it."),
    Blocker.UNSUPPORTED_MEDIA: N_("{path}: {media} media cannot be wiped by overwriting; "
                                  "destroy it physically."),
}


def plan_text(job, lang: str) -> str:
    """What the operator reads before saying yes: the disk, the device the kernel sees,
    then the method, estimate, caveats and every step (or why it cannot be wiped)."""
    from .terms import CATEGORY, TECHNIQUE, VERIFY, label
    p, d = job.plan, job.disk
    lines = [guard.confirm_text(d, lang)]
    if job.seal is not None:
        # What the kernel says this device is: re-checked after "yes", before any byte.
        lines.append("  " + tr("Device: {seal}", lang, seal=seal_text(job.seal, lang)))
    if p.blocker:
        lines.append("  " + tr(BLOCKER_TEXT[p.blocker], lang, path=d.path,
                               **{k: v for k, v in p.blocker_params.items() if k != "path"}))
        return "\n".join(lines)
    lines.append("  " + tr("method: {technique} ({nist}), passes: {passes}, verification: {verify}",
                           lang, technique=label(TECHNIQUE.get(p.technique.value if p.technique else ""), lang),
                           nist=label(CATEGORY.get(p.nist.value if p.nist else ""), lang),
                           passes=", ".join(tr(PATTERN_TEXT[x], lang) if x in PATTERN_TEXT
                                            else x for x in p.passes),
                           verify=label(VERIFY.get(p.verify, p.verify), lang)))
    if p.verify == "sample" and not p.firmware and d.size_bytes:
        # A sampled check says what it may miss (issue 11); the sector size is not
        # known before opening the disk: 512 bytes, the common case.
        lines.append("  ! " + odds_text(detection_table(d.size_bytes, 512), lang))
    if p.estimate_seconds is not None:
        lines.append("  " + tr("estimated time: {minutes} min", lang,
                               minutes=max(1, round(p.estimate_seconds / 60))))
    from .terms import CAVEAT
    for c in p.caveats:
        lines.append("  ! " + (tr(CAVEAT[c.value], lang) if c.value in CAVEAT else c.value))
    for step in p.steps:
        lines.append("  " + step_text(step, lang))
    return "\n".join(lines)


def odds_text(table: dict, lang: str) -> str:
    """A sampled check's odds of finding one unwritten area (wipe/odds.py), in words."""
    pct = [number(100 * table[str(h)], lang, 1) for h in REPORTED_HOLES]
    return tr("sampled read-back: finds one unwritten area of 4 KiB with probability "
              "{p4k} %, of 1 MiB {p1m} %, of 64 MiB {p64m} % (--verify full reads every byte)",
              lang, p4k=pct[0], p1m=pct[1], p64m=pct[2])


# In-process steps of a plan (plan.Step kinds) in words; external commands are shown
# as the exact command line (what will run, untranslated on purpose).
STEP_TEXT = {"overwrite": N_("write {pattern}"), "verify": N_("read back and compare ({mode})"),
             "verify-changed": N_("read back samples, compared before and after the erase"),
             "fingerprint": N_("read samples before the erase"),
             "rescan": N_("have the kernel read the disk's size again"),
             "discard": N_("discard every block (TRIM)"),
             "check-security": N_("check the drive's security state")}
PATTERN_TEXT = {"prng": N_("random data"), "0x00": N_("zeros"), "0xff": N_("ones (0xFF)"),
                "char": N_("a fixed byte"), "~char": N_("its complement")}


def step_text(step, lang: str) -> str:
    from .terms import VERIFY, label
    if step.argv or step.kind not in STEP_TEXT:
        return step.describe()
    pattern = tr(PATTERN_TEXT[step.pattern], lang) if step.pattern in PATTERN_TEXT \
        else (step.pattern or "")
    mode = label(VERIFY.get(step.mode or "", step.mode), lang) if step.mode else ""
    return "· " + tr(STEP_TEXT[step.kind], lang, pattern=pattern, mode=mode)


def seal_text(seal, lang: str) -> str:
    """The kernel's names for the device (checked again after the answer), in words."""
    import os
    parts = [f"{seal.kname} ({seal.majmin or '?'})"]
    if seal.diskseq is not None:
        parts.append(f"diskseq {seal.diskseq}")
    if seal.wwn:
        parts.append(f"WWN {seal.wwn}")
    b = seal.backing
    if b is not None:
        parts.append(tr("backing file {file} (device {dev}, inode {inode})", lang,
                        file=b.file or "?", dev=f"{os.major(b.dev)}:{os.minor(b.dev)}",
                        inode=b.inode))
    return ", ".join(parts)
