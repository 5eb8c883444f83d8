"""Typed errors of the image stage (existing exit codes, English msgids)."""

from __future__ import annotations

from ..errors import (BadInput, Conflict, ExitCode, NotFound, ReemploiError, Refused,
                      ToolFailed, VerifyFailed)


class NotRegistered(NotFound):
    msg = ("The image {name} is in the catalogue but not on this station: "
           "run 'reemploi image add {file} --name {name}'")


class ImageTooLarge(Refused):
    msg = ("Refused: the image needs {image_size} bytes but {path} has only {disk_size}; "
           "nothing was written")


class NoWipeRecord(Refused):
    msg = ("Refused: the inventory has no successful wipe of {path} ({identity}). The "
           "writer skips empty areas, so the donor's data would stay there: wipe the "
           "disk first (reemploi wipe), or pass --no-wipe-check")


class WriteFailed(VerifyFailed):
    msg = ("The image was not installed on {path}: {why}. The disk holds a partial image: "
           "wipe it again (reemploi wipe) or run 'reemploi image write' again")
    event_id: str | None = None     # the image.written event that records the failure
    report = None                   # service.Report of that record (for --json)


class WipeUnfinished(Refused):
    msg = ("Refused: a wipe of {path} started on {time} never finished (no end recorded: "
           "a power cut or a crash?); the disk may hold the donor's data: wipe it again "
           "(reemploi wipe), or pass --no-wipe-check")


class SourceMounted(Refused):
    msg = ("Refused: {path} is mounted at {mounts}; a mounted filesystem changes while it "
           "is read: unmount it first")


class OutputOnSource(Refused):
    msg = "Refused: {out} is on {path}, the disk being captured"


class PostInstallFailed(ToolFailed):
    msg = ("The image is written and verified on {path}, but post-install steps failed: "
           "{steps}. The machine is not marked as installed: fix them (see the lines "
           "above) and run 'reemploi image write' again")


class ChecksumMismatch(VerifyFailed):
    msg = ("{path} is not the published {name}: its sha256 is {got}, the catalogue says "
           "{expected} (a damaged or unfinished download?); it was not registered")


class IsoNotAnInstall(ReemploiError):
    exit_code = ExitCode.USAGE
    msg = ("{image} is a live/install ISO: written to a machine's disk it only starts the "
           "live system, it does not install the machine. For --asset write a master "
           "image; to make an install stick, write the ISO to the stick without --asset")


class NoProbe(BadInput):
    msg = ("No hardware probe recorded for {asset}: run 'sudo reemploi grade --asset "
           "{asset}' on that machine first (it probes, grades and records)")


class OutputExists(Conflict):
    msg = ("{out} already exists (a master image other stations may use): give another "
           "name, or move the old file away first")


class WipedBeforeCheckout(Refused):
    msg = ("Refused: the last wipe of {path} ({time}) is older than {asset}'s departure "
           "from the workshop; the disk may hold files of the person who had it: wipe it "
           "again (reemploi wipe), or pass --no-wipe-check")


class EmptyImage(BadInput):
    # A bmap with no <Range> (or an all-zero image) used to end in "success,
    # installed, 0 bytes": nothing of a system was written. Refused before any byte.
    msg = ("The image {image} maps no data (its block map has no range): writing it "
           "would install nothing")
