"""Labels and sheets for the CLI: gather facts, choose contents, render, write, print.

The commands in ``reemploi.cli.documents_cmd`` call one function each from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from ..context import Context
from ..errors import BadInput
from ..settings import Settings, load_settings
from .content import facts_label, intake_label, payload_label
from .facts import AssetFacts
from .layout import LabelContent
from .render import LabelDocument, render_labels
from .sources import asset_facts, assets_facts, lot_assets, open_inventory
from .templates import get_template
from ..i18n import N_

if TYPE_CHECKING:
    from .sheet import SheetDocument

A4_MEDIA = "A4"


@dataclass(frozen=True)
class Output:
    """What a command produced: the PDF path, an optional preview, an optional print job."""

    pdf: str
    preview: str | None = None
    queue: str | None = None
    job: str | None = None


def label_contents(ctx: Context, ids: Sequence[str] = (), *, lot: str | None = None,
                   payloads: Sequence[str] = ()) -> list[LabelContent]:
    """Contents for asset ids, a whole lot (intake labels), and/or free payloads."""
    settings = load_settings(ctx.home)
    contents: list[LabelContent] = [payload_label(p, settings) for p in payloads]
    if ids or lot:
        inv = open_inventory(ctx)
        contents += [_asset_label(f, settings, ctx.lang) for f in assets_facts(inv, ids)]
        if lot:
            record, assets = lot_assets(inv, lot)
            received = record.date
            if not assets:   # nothing registered yet: one label for the lot itself
                contents.append(intake_label(lot, None, None, received, settings, ctx.lang))
            contents += [_asset_label(f, settings, ctx.lang) for f in assets]
    if not contents:
        raise BadInput(what="label", why=N_("give asset ids, --lot or --payload"))
    return contents


def _asset_label(f: AssetFacts, settings: Settings, lang: str | None) -> LabelContent:
    """A machine not probed yet gets an intake label (lot, device kind, date received),
    whether it is named by id (``intake --labels`` names the new ids) or by ``--lot``:
    a machine label would only carry the id and the workshop's name."""
    if f.machine or f.kind == "part":
        return facts_label(f, settings, lang)
    return intake_label(f.asset_id, f.lot_id, f.device_kind, f.lot_received, settings, lang)


def _default_path(ctx: Context, stem: str) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    return Path(ctx.home) / "documents" / f"{stem}-{stamp}.pdf"


def _write(path: Path, data: bytes) -> None:
    # Temp file + rename (system.files): never a half-written PDF under the final
    # name, and no temp file left behind when the write fails.
    from ..errors import WriteFailed
    from ..syserr import reason
    from ..system.files import make_dirs, write_atomic
    try:
        make_dirs(path.parent, 0o755)
        write_atomic(path, data, mode=0o644)
    except OSError as exc:              # a full stick, a read-only one: exit 15, in words
        raise WriteFailed(path=str(path), why=reason(exc)) from None


def make_labels(ctx: Context, contents: Sequence[LabelContent], *, template: str | None = None,
                start: int = 1, out: Path | None = None, preview: Path | None = None,
                send: bool = False, printer: str | None = None) -> tuple[LabelDocument, Output]:
    from ..system.files import check_output_file
    path = check_output_file(out) if out is not None else _default_path(ctx, "labels")
    tpl = get_template(template, ctx.home)
    doc = render_labels(tpl, contents, start=start)
    _write(path, doc.pdf)
    return doc, _finish(ctx, path, tpl.cups_media, preview, send, printer, tpl.dpi)


def make_sheet(ctx: Context, asset_id: str, *, out: Path | None = None,
               preview: Path | None = None, send: bool = False,
               printer: str | None = None) -> tuple["SheetDocument", Output]:
    # Late: the sheet's platypus (and xml.sax's urllib, http, email) cost ~0.3 s of
    # start-up that ``label`` never needs (issue 16, measured with -X importtime).
    from ..system.files import check_output_file
    from .sheet import render_sheet
    path = check_output_file(out) if out is not None else _default_path(ctx, f"sheet-{asset_id}")
    settings = load_settings(ctx.home)
    facts = asset_facts(open_inventory(ctx), asset_id)
    doc = render_sheet(facts, settings, ctx.lang)
    _write(path, doc.pdf)
    return doc, _finish(ctx, path, A4_MEDIA, preview, send, printer, 150)


def _finish(ctx, path, media, preview, send, printer, dpi) -> Output:
    if not (preview or send):
        return Output(str(path))
    from .printing import preview_png, print_pdf
    png = str(preview_png(ctx.runner, path, Path(preview), dpi=dpi)) if preview else None
    queue = job = None
    if send:
        queue, job = print_pdf(ctx.runner, path, media, printer, title=path.stem)
    return Output(str(path), png, queue, job)
