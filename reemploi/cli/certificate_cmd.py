"""``reemploi certificate``: issue, check, show, re-render; the workshop's trust store
(export-key, trust, trusted, distrust). Thin commands over reemploi.wipe.certificate,
certcheck and trust."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..errors import Refused
from ..i18n import N_, number, tr
from ..wipe.certcheck import Verification, checked_document
from ..wipe.certificate import DESTINATIONS, CertificateRequest, Person, issue
from ..wipe import trust as truststore
from ..wipe.terms import DESTINATION
from .common import ASSET_ID, dump_json, home_option, json_option, lang_option, make_context, \
    operator_option
from .words import WordChoice

RESULT_TEXT = {"success": N_("success"), "failed": N_("failed"), "interrupted": N_("interrupted")}
TRUST_TEXT = {
    "station": N_("this station's own key"),
    "imported": N_("a key imported into this workshop's trust store"),
    "expected": N_("the fingerprint given with --fingerprint (not in this workshop's trust store)"),
}


class NotCertified(Refused):
    msg = ("No certificate for {what}: {disks} not sanitized completely. The failure report "
           "{file} says which; wipe again, then issue the certificate")


def _fingerprint_option(f):
    return click.option("--fingerprint", "expected", default=None, metavar="SHA256:…",
                        help="The signing key's fingerprint you were given (e.g. by the "
                             "workshop, for a donor's DPO): accept that key, and only it, "
                             "even without a trust store.")(f)


def _trusted(file: Path, expected: str | None, lang: str | None,
             home) -> tuple[object, Verification, dict]:
    """(context, verification, document) of a file signed by a key this workshop trusts
    (or the --fingerprint given), else the refusal, exit 12: the one gate of verify,
    show and pdf, so none of them shows or renders what was not checked."""
    ctx = make_context(home, lang)
    v, doc = checked_document(file, ctx, expected)
    return ctx, v, doc


@click.group("certificate")
def certificate():
    """Erasure certificates: issue, verify, show, re-render; the keys this workshop trusts."""


def _person_options(f):
    for role, who in (("verifier", "who verified"), ("operator", "who sanitized")):
        for field in ("contact", "location", "organization", "title", "name"):
            f = click.option(f"--{role}-{field}", default=None,
                             help=f"{field.capitalize()} of the person {who} (NIST SP 800-88 App. G).")(f)
    return f


@certificate.command("issue")
@click.option("--asset", "asset_id", default=None, type=ASSET_ID, help="Machine whose disks' latest wipes to certify.")
@click.option("--event", "event_ids", multiple=True,
              help="wipe.done event id (loose disks, or a subset of the machine's wipes). Repeatable.")
@click.option("--destination", type=WordChoice({d: DESTINATION[d] for d in DESTINATIONS}, show_codes=True), default="external-reuse",
              show_default=True, help="Where the media goes after sanitization.")
@click.option("--notes", default=None, help="Free text printed on the certificate.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Folder for the JSON and PDF (default: <home>/certificates).")
@click.option("--no-pdf", is_flag=True, help="Write only the signed JSON.")
@_person_options
@json_option
@operator_option
@lang_option
@home_option
def issue_cmd(asset_id, event_ids, destination, notes, out_dir, no_pdf, as_json, lang, home, **people):
    """Build, sign (Ed25519) and write the certificate of sanitization of a machine's disks."""
    from ..documents.certificate import render_certificate_pdf
    if not asset_id and not event_ids:
        raise click.UsageError(tr("give --asset or --event", lang))
    ctx = make_context(home, lang)

    def person(role):
        return Person(**{f: people.get(f"{role}_{f}") for f in
                         ("name", "title", "organization", "location", "contact")})
    req = CertificateRequest(asset_id=asset_id, event_ids=tuple(event_ids),
                             sanitized_by=person("operator"), verified_by=person("verifier"),
                             destination=destination, notes=notes)
    issued, doc = issue(ctx, req, out_dir)
    pdf = None
    if not no_pdf:
        pdf = render_certificate_pdf(doc, issued.sha256, issued.json_path.with_suffix(".pdf"), ctx.lang)
    out = {"id": issued.id, "result": issued.result, "json": str(issued.json_path),
           "pdf": str(pdf) if pdf else None, "sha256": issued.sha256, "wipes": list(issued.wipes),
           "fingerprint": doc["signature"]["fingerprint"]}
    if as_json:
        click.echo(dump_json(out))
    else:
        click.echo(tr("Certificate {id}: {result}", ctx.lang, id=issued.id,
                      result=tr(RESULT_TEXT.get(issued.result, issued.result), ctx.lang)))
        click.echo(f"  JSON: {issued.json_path}\n  SHA-256: {issued.sha256}")
        if pdf:
            click.echo(f"  PDF: {pdf}")
    if issued.result != "success":
        # A failure report is written and recorded (the journal keeps it), but the
        # command failed: a script must not hand it out as a certificate.
        failures = doc["certificate"].get("failures") or []
        raise NotCertified(what=asset_id or ", ".join(event_ids),
                           disks=", ".join(str(f.get("serial") or f.get("identity") or "?")
                                           for f in failures) or "?",
                           file=str(issued.json_path))


@certificate.command("verify")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@_fingerprint_option
@json_option
@lang_option
@home_option
def verify_cmd(file, expected, as_json, lang, home):
    """Check a certificate: unchanged, signed, by a key this workshop trusts (else exit 12)."""
    ctx, v, _doc = _trusted(file, expected, lang, home)
    if as_json:
        click.echo(dump_json(v))
        return
    click.echo(tr("Valid certificate {id} ({result}), signed by {workshop} (station {station})",
                  ctx.lang, id=v.id, workshop=v.workshop or "?", station=v.station or "?",
                  result=tr(RESULT_TEXT.get(v.result or "", v.result or "?"), ctx.lang)))
    click.echo(tr("Signing key: {fingerprint}", ctx.lang, fingerprint=v.fingerprint))
    click.echo(tr("Trusted as: {how}", ctx.lang, how=tr(TRUST_TEXT[v.trust], ctx.lang)))
    click.echo(f"SHA-256: {v.sha256}")


@certificate.command("show")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@_fingerprint_option
@json_option
@lang_option
@home_option
def show_cmd(file, expected, as_json, lang, home):
    """Print a certificate's content after checking it (as verify does)."""
    ctx, _v, doc = _trusted(file, expected, lang, home)
    cert = doc["certificate"]
    if as_json:
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    click.echo(tr("Certificate {id}: {result}", ctx.lang, id=cert.get("id"),
                  result=tr(RESULT_TEXT.get(cert.get("result"), cert.get("result") or "?"), ctx.lang)))
    from ..documents.certificate import TECHNIQUE
    from ..inventory.describe import NIST_NAMES, disk_words, word
    for m in cert.get("media") or []:
        # Through the catalogue: French puts a space before the colon.
        click.echo("  " + tr("{disk}: {result}, {category}, {technique}, {percent} %", ctx.lang,
                             disk=disk_words(m.get("model"), m.get("serial"), ctx.lang),
                             result=tr(RESULT_TEXT.get(m.get("result"), m.get("result") or "?"),
                                       ctx.lang),
                             category=word(NIST_NAMES, m.get("category"), ctx.lang),
                             technique=word(TECHNIQUE, m.get("technique"), ctx.lang),
                             percent=number(m.get("percent_erased"), ctx.lang, 1)))


@certificate.command("pdf")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="PDF path (default: beside the JSON).")
@_fingerprint_option
@lang_option
@home_option
def pdf_cmd(file, out, expected, lang, home):
    """Render the PDF of a checked certificate (e.g. in another language)."""
    from ..documents.certificate import render_certificate_pdf
    ctx, v, doc = _trusted(file, expected, lang, home)
    target = out or Path(file).with_suffix(".pdf")
    # The same key signs the lot's papers and receipts (documents/paper.py): each is
    # rendered by its own module, found from the signed body's format.
    fmt = str((doc.get("certificate") or {}).get("format") or "")
    if fmt.startswith("reemploi-lot-"):
        from ..documents.lotdocs_pdf import render
        render(doc, v.sha256, target, ctx.lang)
    elif fmt.startswith("reemploi-receipt/"):
        from ..documents.receipt_pdf import render_receipt
        render_receipt(doc, v.sha256, target, ctx.lang)
    else:
        render_certificate_pdf(doc, v.sha256, target, ctx.lang)
    click.echo(str(target))


# ---------------------------------------------------------------------- trust store

@certificate.command("export-key")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="File (or folder) to write (default: <home>/reemploi-key-<station>.pem).")
@json_option
@lang_option
@home_option
def export_key_cmd(out, as_json, lang, home):
    """Write this station's public signing key, for a donor or another station to keep."""
    ctx = make_context(home, lang)
    path, key = truststore.export_key(ctx, out)
    if as_json:
        click.echo(dump_json({"file": str(path), **key.as_dict()}))
        return
    click.echo(tr("Public key written to {path}", ctx.lang, path=path))
    click.echo(tr("Signing key: {fingerprint}", ctx.lang, fingerprint=key.fingerprint))
    click.echo(tr("Give this fingerprint by another way than the file (paper, phone): "
                  "whoever imports the key checks it.", ctx.lang))


@certificate.command("trust")
@click.argument("key_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--fingerprint", "expected", required=True, metavar="SHA256:…",
              help="The fingerprint the exporting station shows (read it there, not from the file).")
@click.option("--workshop", default=None, help="Name of the workshop this key signs for "
                                               "(default: the name in the key file).")
@json_option
@lang_option
@home_option
def trust_cmd(key_file, expected, workshop, as_json, lang, home):
    """Trust another station's (or workshop's) key, if its fingerprint is the one given."""
    ctx = make_context(home, lang)
    key = truststore.import_key(ctx, key_file, expected, workshop)
    if as_json:
        click.echo(dump_json(key.as_dict()))
        return
    click.echo(tr("Trusted: {fingerprint} ({workshop}, station {station})", ctx.lang,
                  fingerprint=key.fingerprint, workshop=key.workshop or "?",
                  station=key.station or "?"))


@certificate.command("trusted")
@json_option
@lang_option
@home_option
def trusted_cmd(as_json, lang, home):
    """List the keys whose certificates this workshop accepts."""
    ctx = make_context(home, lang)
    keys = truststore.trusted_keys(ctx)
    if as_json:
        click.echo(dump_json([k.as_dict() for k in keys]))
        return
    for k in keys:
        click.echo(f"{k.fingerprint}  {k.workshop or '?'}  {k.station or '?'}  "
                   + tr(TRUST_TEXT[k.source], ctx.lang))


@certificate.command("distrust")
@click.argument("fingerprint")
@json_option
@lang_option
@home_option
def distrust_cmd(fingerprint, as_json, lang, home):
    """Stop trusting an imported key (its certificates then fail verify, exit 12)."""
    ctx = make_context(home, lang)
    key = truststore.remove_key(ctx, fingerprint)
    if as_json:
        click.echo(dump_json(key.as_dict()))
        return
    click.echo(tr("No longer trusted: {fingerprint}", ctx.lang, fingerprint=key.fingerprint))
