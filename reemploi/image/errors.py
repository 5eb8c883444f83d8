"""Typed errors of the image stage (existing exit codes, English msgids)."""

from __future__ import annotations

from ..errors import NotFound, Refused, VerifyFailed


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


class SourceMounted(Refused):
    msg = ("Refused: {path} is mounted at {mounts}; a mounted filesystem changes while it "
           "is read: unmount it first")


class OutputOnSource(Refused):
    msg = "Refused: {out} is on {path}, the disk being captured"
