"""The typed errors a batch of wipes ends with (shared by ``reemploi wipe`` and the station)."""

from __future__ import annotations

from ..errors import DeviceError, Interrupted, Refused, VerifyFailed
from .engine import Outcome


class WipeBlocked(Refused):
    msg = "{count} disk(s) were not wiped: see the messages above"


class WipeVerifyFailed(VerifyFailed):
    msg = "The wipe of {disks} failed its verification: data was left on the disk"


class WipeDeviceFailed(DeviceError):
    msg = "The wipe of {disks} failed: {why}"


def raise_for(records, blocked) -> None:
    """The typed error a batch of wipe records calls for (none if all succeeded)."""
    def names(rs):
        return ", ".join(r.disk["path"] for r in rs)
    interrupted = [r for r in records if r.result == Outcome.INTERRUPTED]
    failed = [r for r in records if r.result == Outcome.FAILED]
    if interrupted:
        raise Interrupted(what=names(interrupted))
    io_failed = [r for r in failed if (r.verification.get("mismatch_count") or 0) == 0]
    if io_failed:
        raise WipeDeviceFailed(disks=names(io_failed), why="; ".join(io_failed[0].errors) or "?")
    if failed:
        raise WipeVerifyFailed(disks=names(failed))
    if blocked:
        raise WipeBlocked(count=len(blocked))
