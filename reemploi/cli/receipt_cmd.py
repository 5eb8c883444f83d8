"""``reemploi receipt ID``: the recipient's papers for a machine given or sold (the
receipt and the "ton ordinateur" sheet; documents/receipt.py). ``checkout --receipt``
makes the same right after the checkout."""

from __future__ import annotations

from pathlib import Path

import click

from ..i18n import tr
from .common import (ASSET_ID, emit, home_option, json_option, lang_option, make_context,
                     operator_option)


def issue_receipt(ctx, inv, asset_id: str, out_dir: Path | None) -> dict:
    from ..documents.receipt import issue
    issued, sheet = issue(ctx, inv, asset_id, out_dir)
    return {"kind": issued.kind, "id": issued.id, "json": str(issued.json_path),
            "pdf": str(issued.pdf_path), "sheet_pdf": str(sheet), "sha256": issued.sha256,
            "journal": {"seq": issued.journal_seq, "hash": issued.journal_hash}}


def render_receipt(r: dict, lang: str) -> str:
    return "\n".join([tr("Document {id} (journal event {seq})", lang, id=r["id"],
                         seq=r["journal"]["seq"]),
                      tr("Wrote {path}", lang, path=r["pdf"]),
                      tr("Wrote {path}", lang, path=r["sheet_pdf"]),
                      tr("Wrote {path}", lang, path=r["json"])])


def receipt_out_option(f):
    return click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
                        default=None,
                        help="Folder for the receipt's files (default: <home>/documents/receipts).")(f)


@click.command("receipt")
@click.argument("asset_id", type=ASSET_ID)
@receipt_out_option
@operator_option
@json_option
@lang_option
@home_option
def receipt(asset_id, out_dir, as_json, lang, home):
    """The recipient's papers for a machine given or sold: receipt (gift or sale, with the legal guarantee) and the plain-words "your computer" sheet."""
    ctx = make_context(home, lang)
    inv = ctx.inventory()
    emit(issue_receipt(ctx, inv, asset_id, out_dir), as_json,
         lambda r: render_receipt(r, ctx.lang))
