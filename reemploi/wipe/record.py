"""The wipe record: what one wipe of one disk did, as written to the journal.

``WipeRecord`` becomes the ``wipe.done`` payload (see inventory/events.py); its
``start_event`` names the ``wipe.started`` event appended before the first byte, so a
start that no record names shows a wipe cut by a power cut or SIGKILL. The image
writer and the certificate read it, so the keys ``disk`` (identity, model, serial,
size_bytes, media, path) and ``result`` (success | failed | interrupted) are a
contract. ``result`` is "success" only when every pass wrote every byte and the
verification (when asked) found nothing; anything else is "failed" or
"interrupted", never success.

The PRNG key is not recorded (see patterns.py): the ``seed_id`` identifies the stream.
The temporary ATA password is masked in the command list.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model import Disk, to_jsonable
from .plan import ATA_PASSWORD


@dataclass(frozen=True)
class CommandLog:
    argv: tuple[str, ...]
    returncode: int
    seconds: float = 0.0
    error: str | None = None


@dataclass(frozen=True)
class WipeRecord:
    disk: dict
    result: str
    method: str
    technique: str | None
    nist: str | None
    patterns: tuple[str, ...]
    passes: tuple[dict, ...]
    prng: dict | None
    verification: dict
    hpa: dict | None
    dco: dict | None
    caveats: tuple[str, ...]
    commands: tuple[CommandLog, ...]
    started: str
    ended: str
    seconds: float
    bytes_written: int
    percent_erased: float
    throughput_mb_s: float
    errors: tuple[str, ...]
    tool: dict
    operator: str | None
    station: str
    asset_id: str | None
    smart: dict | None = None
    discard: str | None = None
    extra: dict = field(default_factory=dict)
    start_event: str | None = None      # the ``wipe.started`` event this record ends

    def payload(self) -> dict:
        return to_jsonable(self)


def disk_dict(disk: Disk) -> dict:
    maker = None
    if disk.model:
        # Vendor is the first word of most ATA model strings ("WDC WD40EFRX",
        # "SAMSUNG MZ7...", "ST380011A" is Seagate's "ST" prefix): a hint only.
        first = disk.model.split()[0]
        maker = {"WDC": "Western Digital", "ST": "Seagate"}.get(first, None)
        if maker is None and disk.model.startswith("ST") and disk.model[2:3].isdigit():
            maker = "Seagate"
        if maker is None and len(disk.model.split()) > 1:
            maker = first
    return {"identity": disk.identity, "model": disk.model, "serial": disk.serial,
            "maker": maker, "size_bytes": disk.size_bytes, "media": disk.media.value,
            "path": disk.path, "transport": disk.transport, "wwn": disk.wwn}


def smart_summary(disk: Disk) -> dict | None:
    s = disk.smart
    if s is None or not s.available:
        return None
    return {"health": s.health.value, "power_on_hours": s.power_on_hours,
            "reallocated_sectors": s.reallocated_sectors, "pending_sectors": s.pending_sectors,
            "offline_uncorrectable": s.offline_uncorrectable,
            "ssd_life_left_pct": s.ssd_life_left_pct,
            "nvme_percentage_used": s.nvme_percentage_used,
            "nvme_media_errors": s.nvme_media_errors}


def mask(argv: tuple[str, ...]) -> tuple[str, ...]:
    return tuple("***" if a == ATA_PASSWORD else a for a in argv)


def check_asset(ctx, asset_id: str) -> None:
    """Before erasing anything: the asset exists (UnknownAsset, exit 10) and, for a
    machine, may become "wiped" (IllegalTransition, exit 11). Otherwise the disk would be
    erased and recorded, and only then the command fail on the status change. A part
    (a harvested disk wiped loose) keeps its own states: no status change for it."""
    ctx.inventory().may_wipe(asset_id)        # the inventory's lifecycle decides


def record_all(ctx, records: list[WipeRecord]) -> list[str]:
    """Append one ``wipe.done`` per record, in one write with the machine's move to
    "wiped" when all its wipes succeeded (the inventory's ``finish_wipe`` decides)."""
    inv = ctx.inventory()
    return [ev.id for ev in inv.finish_wipe([(r.asset_id, r.payload()) for r in records])]
