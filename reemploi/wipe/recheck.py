"""After the confirmation, before the first byte: is each disk still the one confirmed?

The plan named a device by what an operator can check (model, serial, size) and by
what the kernel can (kernel name, major:minor, diskseq, a loop's backing file):
``system/seal.py``. Minutes may pass before "yes". ``open_jobs`` opens every disk
with O_EXCL and compares, on that descriptor, before anything is recorded as
started: a refusal is recorded as ``guard.refused`` (nothing was written, so it is
not a failed wipe and no statistic counts it) and raised, exit 8.
"""

from __future__ import annotations

import os
from dataclasses import replace

from ..inventory.refusals import record_refusal
from ..system import guard
from ..system.seal import take as take_seal
from .record import disk_dict


def open_jobs(ctx, jobs: list, asset_id: str | None) -> list:
    """After the confirmation, before the first byte: open every disk exclusively and
    re-check, on that descriptor, that it is still the device its plan showed (kernel
    name, major:minor, diskseq, size, model, serial, WWN, a loop's backing file) and
    still allowed. Any refusal closes them all, is recorded (``guard.refused``) and
    raised (exit 8): nothing is written to any disk of the command."""
    opened: list = []
    try:
        for job in jobs:
            sealed = job.seal or take_seal(ctx, job.disk)
            try:
                fd = guard.open_sealed(ctx, sealed)
            except guard.TargetRefused as exc:
                record_refusal(ctx, "wipe", disk_dict(job.disk), exc, job.asset_id or asset_id)
                raise
            opened.append(replace(job, seal=sealed, fd=fd))
    except BaseException:
        for job in opened:
            os.close(job.fd)
        raise
    return opened
