"""Sentences for the image commands, in the reader's language (the edge of the stage)."""

from __future__ import annotations

import sys
import time

from ..i18n import N_, number, tr
from ..progress_words import PHASES, progress_line
from ..system.blockdev import format_size
from .choose import Choice, Why
from .postinstall import Status as StepStatus, Step, StepResult

STEP_TEXT = {
    Step.GPT_BACKUP: N_("GPT backup header moved to the end of the disk"),
    Step.GROW_PARTITION: N_("last partition grown to fill the disk"),
    Step.GROW_FILESYSTEM: N_("filesystem grown (e2fsck + resize2fs)"),
    Step.HOSTNAME: N_("hostname set"),
    Step.MACHINE_ID: N_("/etc/machine-id emptied (new id at first boot)"),
    Step.SSH_KEYS: N_("SSH host keys removed"),
    Step.FIRST_BOOT: N_("first-boot user creation prepared"),
}
HOLES_TEXT = {
    "wipe-not-zeros": N_("its last pass did not write zeros"),
    "no-wipe-check": N_("not checked, --no-wipe-check"),
    "imaged-since-wipe": N_("an image was written on it since"),
}
STATUS_TEXT = {StepStatus.DONE: N_("done"), StepStatus.SKIPPED: N_("skipped"),
               StepStatus.FAILED: N_("FAILED")}
WHY_TEXT = {
    Why.AMD64_SSE2: N_("64-bit processor with SSE2: {edition}"),
    Why.I386_ONLY: N_("32-bit-only processor: DE5 i386 (the last edition for it)"),
    Why.GRADE_SAYS: N_("the grade chose {edition}"),
    Why.GRADE_NONE: N_("the grade found no Emmabuntüs edition for this machine"),
    Why.GRADE_RAM_FALLBACK: N_("{edition} would need {need} MB of RAM, which this machine "
                               "cannot reach ({mb} MB): {fallback} {arch} instead"),
    Why.UNKNOWN_CPU: N_("processor unknown: probe the machine first"),
    Why.CPU_TOO_OLD: N_("{image}: the processor lacks {missing}"),
    Why.RAM_TOO_SMALL: N_("{image}: {ram_mb} MB of RAM, needs {min_mb} MB"),
    Why.DISK_TOO_SMALL: N_("{image}: disk of {disk_gb} GB, needs {min_gb} GB"),
    Why.BOOT_MODE: N_("{image}: does not boot in {boot_mode} mode"),
    Why.NOT_PRESENT: N_("{image} is not on this station yet: 'reemploi image add FILE --name {image}'"),
    Why.CHOSEN: N_("chosen: {image}"),
    Why.ISO_ONLY: N_("{image} is an install ISO, not a master image: write it to a USB "
                     "stick ('reemploi image write {image} STICK', without --asset) and "
                     "install this machine from the stick"),
}


def step_line(s: StepResult, lang: str) -> str:
    text = tr(STEP_TEXT[s.step], lang)
    line = f"  {tr(STATUS_TEXT[s.status], lang):8} {s.step.value}: {text}"
    if s.reason:
        line += f" ({s.reason})"
    if s.status is StepStatus.FAILED and s.params.get("why"):
        why = " / ".join(x.strip() for x in str(s.params["why"]).splitlines() if x.strip())
        line += f"\n           {why}"      # the tool's own words: what to fix
    return line


def plan_text(plan, lang: str) -> str:
    d = plan.disk
    lines = [
        tr("Image: {name} ({kind}), {size}, {mapped} to write", lang, name=plan.image,
           kind=plan.image_kind, size=format_size(plan.image_size, lang),
           mapped=format_size(plan.mapped_bytes, lang)),
        tr("Target: {path}: {model}, serial {serial}, {size}", lang, path=d.path,
           model=d.model or "?", serial=d.serial or "?", size=format_size(d.size_bytes, lang)),
    ]
    if plan.seal is not None:
        # What the kernel says this device is, re-checked after the confirmation.
        # In words, as the wipe's plan says it (seal.describe() is the log's English).
        from ..wipe.render import seal_text
        lines.append(tr("Device: {seal}", lang, seal=seal_text(plan.seal, lang)))
    if not plan.has_map:
        lines.append(tr("No block map: the whole image will be written", lang))
    if plan.fill_holes:
        lines.append(tr("The disk is not known to read zeros (last wipe: {reason}): the "
                        "image's empty areas are zeroed too (slower)", lang,
                        reason=tr(HOLES_TEXT[plan.holes_reason], lang)
                        if plan.holes_reason in HOLES_TEXT else plan.holes_reason))
    if not plan.wipe_checked:
        lines.append(tr("WARNING: no wipe check (--no-wipe-check): old data may remain in "
                        "the unwritten areas", lang))
    if plan.hostname:
        lines.append(tr("Hostname after install: {hostname}", lang, hostname=plan.hostname))
    steps = ", ".join(s.value for s in plan.steps) or "-"
    lines.append(tr("Post-install steps: {steps}", lang, steps=steps))
    return "\n".join(lines)


def report_text(report, lang: str) -> str:
    lines = [tr("Written: {bytes} in {seconds} s ({speed} MB/s), verification: {verify}", lang,
                bytes=format_size(report.bytes_written, lang),
                seconds=number(report.seconds, lang, 1),
                speed=number(report.throughput_mb_s, lang, 1), verify=tr(report.verify, lang))]
    for s in report.postinstall:
        lines.append(step_line(s, lang))
    if any(s.status is StepStatus.FAILED for s in report.postinstall):
        lines.append(tr("Some post-install steps failed: the system is written but may need "
                        "fixing by hand", lang))
    lines.append(tr("Recorded in the inventory (event {event})", lang,
                    event=report.event_id or "-"))
    return "\n".join(lines)


# Verification states, for the line above.
N_("passed")
N_("failed")
N_("skipped")


def choice_text(choice: Choice, lang: str) -> str:
    lines = [tr(WHY_TEXT[r.code], lang, **r.params) for r in choice.reasons]
    if choice.image is None:
        lines.append(tr("No image fits this machine.", lang))
    elif choice.boot_mode:
        lines.append(tr("Boot mode: {mode}", lang, mode=choice.boot_mode))
    return "\n".join(lines)


def list_text(rows: list[dict], lang: str) -> str:
    if not rows:
        return tr("No image in the catalogue.", lang)
    out = []
    for r in rows:
        state = tr("present", lang) if r["present"] else tr("absent", lang)
        out.append(f"{r['name']:34} {r.get('edition') or '-':4} {r.get('arch') or '-':6} "
                   f"{r.get('kind') or '-':7} {state:8} {r.get('path') or r.get('file') or ''}")
    return "\n".join(out)


class ProgressBar:
    """A one-line progress bar on stderr with speed and ETA (only on a terminal)."""

    def __init__(self, lang: str, stream=None) -> None:
        self.stream = stream or sys.stderr
        self.lang = lang
        self.enabled = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.phase = None
        self.start = time.monotonic()
        self.last = 0.0

    def __call__(self, phase: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if phase != self.phase:
            if self.phase is not None:
                self.stream.write("\n")
            self.phase, self.start = phase, now
        if now - self.last < 0.2 and done < total:
            return
        self.last = now
        line = progress_line(phase if phase in PHASES else "read", done, total,
                             now - self.start, self.lang, 30)
        self.stream.write(f"\r{line} \x1b[K")     # erase what a longer line left
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.phase is not None:
            self.stream.write("\n")
            self.stream.flush()
