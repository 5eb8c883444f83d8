"""``reemploi lot attestation LOT`` and ``reemploi lot certificate LOT``: the donor's
documents for a whole lot (documents/lotdocs.py). Thin: open, issue, print."""

from __future__ import annotations

from pathlib import Path

import click

from ..documents import lotdocs
from ..i18n import tr
from .common import emit, home_option, json_option, lang_option, make_context, operator_option


def _issue(lot_id, kind, out_dir, as_json, lang, home) -> None:
    ctx = make_context(home, lang)
    inv = ctx.inventory()
    issued = lotdocs.issue(ctx, inv, lot_id, kind, out_dir)
    result = {"kind": issued.kind, "id": issued.id, "json": str(issued.json_path),
              "pdf": str(issued.pdf_path), "sha256": issued.sha256,
              "journal": {"seq": issued.journal_seq, "hash": issued.journal_hash},
              "lang": issued.lang}
    emit(result, as_json, lambda r: "\n".join([
        tr("Document {id} (journal event {seq})", ctx.lang, id=r["id"],
           seq=r["journal"]["seq"]),
        tr("Wrote {path}", ctx.lang, path=r["pdf"]),
        tr("Wrote {path}", ctx.lang, path=r["json"])]))


def _out_option(f):
    return click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
                        default=None,
                        help="Folder for the JSON and the PDF (default: <home>/documents/lots).")(f)


@click.group("lot")
def lot():
    """A donation lot's documents for its donor: attestation of receipt, erasure certificate."""


@lot.command("attestation")
@click.argument("lot_id")
@_out_option
@operator_option
@json_option
@lang_option
@home_option
def attestation_cmd(lot_id, out_dir, as_json, lang, home):
    """The attestation of receipt: every device of the lot with its asset id and fate so far (PDF + signed JSON)."""
    _issue(lot_id, lotdocs.ATTESTATION, out_dir, as_json, lang, home)


@lot.command("certificate")
@click.argument("lot_id")
@_out_option
@operator_option
@json_option
@lang_option
@home_option
def certificate_cmd(lot_id, out_dir, as_json, lang, home):
    """The lot's erasure certificate: every disk with its serial, method, verification and result (PDF + signed JSON)."""
    _issue(lot_id, lotdocs.LOT_CERTIFICATE, out_dir, as_json, lang, home)
