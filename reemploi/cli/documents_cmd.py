"""``reemploi label``, ``reemploi sheet``, ``reemploi printers``: thin commands over documents."""

from __future__ import annotations

from pathlib import Path

import click

from ..documents.labels import label_contents, make_labels, make_sheet
from ..documents.templates import load_templates
from ..i18n import N_, plural, tr
from .common import ASSET_ID, emit, home_option, json_option, lang_option, make_context


def _render_output(result: dict) -> str:
    lines = [tr("Wrote {path}", None, path=result["pdf"])]
    if result.get("preview"):
        lines.append(tr("Preview: {path}", None, path=result["preview"]))
    if result.get("queue"):
        lines.append(tr("Sent to printer {queue} (job {job})", None, queue=result["queue"],
                        job=result.get("job") or "?"))
    return "\n".join(lines)


@click.command("label")
@click.argument("ids", nargs=-1, type=ASSET_ID)
@click.option("--lot", default=None, help="Print a label for every asset of this lot (intake labels).")
@click.option("--payload", "payloads", multiple=True,
              help="Print a label for an id not yet in the inventory (repeatable).")
@click.option("--template", default=None,
              help="Label template name (default L7160); see --list-templates.")
@click.option("--start", default=1, show_default=True, type=int,
              help="First free position on a partly used sheet (1 = top left).")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="PDF file to write (default: <home>/documents/labels-<time>.pdf).")
@click.option("--preview", type=click.Path(path_type=Path), default=None,
              help="Also write a PNG image of the first page.")
@click.option("--print", "send", is_flag=True, help="Send the PDF to a CUPS printer.")
@click.option("--printer", default=None, help="CUPS queue to print to (default: the default queue).")
@click.option("--list-templates", is_flag=True, help="List the label templates and exit.")
@lang_option
@home_option
@json_option
def label(ids, lot, payloads, template, start, out, preview, send, printer, list_templates,
          lang, home, as_json):
    """Print QR labels for machines and parts, a whole lot, or ids not yet registered."""
    ctx = make_context(home, lang)
    if list_templates:
        rows = [{"name": t.name, "description": (t.description_fr or t.description)
                 if ctx.lang == "fr" else t.description, "per_page": t.per_page,
                 "dpi": t.dpi, "media": t.cups_media, "file": t.path}
                for t in load_templates(ctx.home).values()]
        emit(rows, as_json, lambda rs: "\n".join(
            f"{r['name']:<12} {r['per_page']:>3}  {r['description']}" for r in rs))
        return
    if not (ids or lot or payloads):
        raise click.UsageError(tr("Give asset ids, --lot or --payload (or --list-templates)."))
    contents = label_contents(ctx, ids, lot=lot, payloads=payloads)
    doc, output = make_labels(ctx, contents, template=template, start=start, out=out,
                              preview=preview, send=send, printer=printer)
    result = {"pdf": output.pdf, "preview": output.preview, "queue": output.queue,
              "job": output.job, "template": doc.template.name, "pages": doc.pages,
              "labels": [{"page": p.page, "cell": p.cell, "title": p.content.title,
                          "payload": p.content.payload, "kind": p.content.kind,
                          "qr_size_mm": round(p.qr_size_mm, 2)} for p in doc.placed]}
    emit(result, as_json, lambda r: plural(
        len(r["labels"]), N_("{n} label on {pages} page(s), template {template}"),
        N_("{n} labels on {pages} page(s), template {template}"), None, pages=r["pages"],
        template=r["template"]) + "\n" + _render_output(r))


@click.command("sheet")
@click.argument("asset_id", type=ASSET_ID)
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="PDF file to write (default: <home>/documents/sheet-<id>-<time>.pdf).")
@click.option("--preview", type=click.Path(path_type=Path), default=None,
              help="Also write a PNG image of the first page.")
@click.option("--print", "send", is_flag=True, help="Send the PDF to a CUPS printer (A4).")
@click.option("--printer", default=None, help="CUPS queue to print to (default: the default queue).")
@lang_option
@home_option
@json_option
def sheet(asset_id, out, preview, send, printer, lang, home, as_json):
    """Write the A4 traceability sheet of a machine (specs, grade, wipe, history)."""
    ctx = make_context(home, lang)
    doc, output = make_sheet(ctx, asset_id, out=out, preview=preview, send=send,
                             printer=printer)
    result = {"pdf": output.pdf, "preview": output.preview, "queue": output.queue,
              "job": output.job, "pages": doc.pages, "qr_payload": doc.qr_payload}
    emit(result, as_json, _render_output)


QUEUE_STATES = {"idle": N_("idle"), "printing": N_("printing"), "disabled": N_("disabled")}


@click.command("printers")
@lang_option
@json_option
def printers(lang, as_json):
    """List the CUPS print queues (lpstat)."""
    ctx = make_context(None, lang)
    from ..documents.printing import list_queues
    queues = list_queues(ctx.runner)

    def render(qs) -> str:
        if not qs:
            return tr("No printer is set up in CUPS.")
        return "\n".join(f"{'*' if q.default else ' '} {q.name:<24} "
                         f"{tr(QUEUE_STATES.get(q.state, q.state)):<12} {q.device or ''}"
                         for q in qs)
    emit(queues, as_json, render)
