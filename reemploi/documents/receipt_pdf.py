"""The recipient's PDFs: the receipt (gift or sale) and the one-page "ton ordinateur"
sheet in plain words. Rendered from the signed receipt JSON (receipt.py)."""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer, Table, TableStyle

from ..i18n import N_, number, plural, tr, when
from . import paper
from .content import size_text
from .lotdocs_pdf import kind_text, serial_text

# Storage in plain words (the sheet speaks to a family, not a technician).
STORAGE_WORDS = {"ssd": N_("a fast SSD"), "nvme": N_("a very fast NVMe SSD"),
                 "hdd": N_("a hard disk"), "emmc": N_("built-in flash memory")}


def _ram(mb, lang) -> str | None:
    return tr("{n} GB", lang, n=number(mb / 1024, lang, 0 if mb % 1024 == 0 else 1)) if mb else None


def _storage(disks, lang) -> str | None:
    shown = [" ".join(x for x in (size_text(d.get("size_bytes"), lang),
                                  f"({tr(STORAGE_WORDS[d['media']], lang)})"
                                  if d.get("media") in STORAGE_WORDS else None) if x)
             for d in disks if d.get("size_bytes")]
    return " + ".join(shown) or None


def _system(m: dict) -> str | None:
    s = m.get("system") or {}
    if s.get("name"):
        return " ".join(x for x in (s["name"], s.get("version")) if x)
    return f"Emmabuntüs {s['edition']}" if s.get("edition") else None


def _machine_rows(m: dict, lang: str) -> list[tuple[str, str | None]]:
    cpu = m.get("cpu")
    if cpu and m.get("cores"):
        cpu = plural(m["cores"], N_("{cpu}, {n} core"), N_("{cpu}, {n} cores"), lang, cpu=cpu)
    return [(tr("Asset id", lang), m.get("asset_id")),
            (tr("Kind", lang), kind_text(m.get("kind"), lang)),
            (tr("Model", lang), " ".join(x for x in (m.get("maker"), m.get("model")) if x)),
            (tr("Serial number", lang), serial_text(m.get("serial"), lang)),
            (tr("Processor", lang), cpu), (tr("Memory", lang), _ram(m.get("ram_mb"), lang)),
            (tr("Storage", lang), _storage(m.get("disks") or [], lang)),
            (tr("System installed", lang), _system(m)),
            (tr("Grade", lang), m.get("grade"))]


def _signatures(st, lang: str) -> Table:
    cells = [[paper.p(tr("For the workshop", lang), st["base"]),
              paper.p(tr("The recipient", lang), st["base"])],
             [Spacer(1, 16 * mm), Spacer(1, 16 * mm)]]
    table = Table(cells, colWidths=(87 * mm, 87 * mm))
    table.setStyle(TableStyle([("BOX", (0, 0), (0, -1), 0.5, paper.BLACK),
                               ("BOX", (1, 0), (1, -1), 0.5, paper.BLACK),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def render_receipt(doc: dict, sha: str, out: Path, lang: str) -> Path:
    body = doc["certificate"]
    st = paper.styles()
    ws = body.get("workshop") or {}
    m = body.get("machine") or {}
    who = body.get("recipient") or {}
    sale = body.get("kind") == "sale"
    title = (tr("Sales receipt — refurbished computer", lang) if sale
             else tr("Donation certificate — release note", lang))
    subtitle = tr("Machine {asset} — document {id}", lang, asset=m.get("asset_id"),
                  id=body.get("id"))
    story = [paper.header(ws, title, subtitle, body.get("public_page"), st, lang),
             Spacer(1, 3 * mm)]
    lead = (N_("{workshop} sold to {recipient} the refurbished computer described below, on {date}.")
            if sale else
            N_("{workshop} gives {recipient}, free of charge, the computer described below, on {date}."))
    story.append(paper.p(tr(lead, lang, workshop=ws.get("name") or "?",
                            recipient=who.get("organisation") or "?",
                            date=when(who.get("date"), lang)), st["big"]))
    story.append(paper.p(tr("The computer", lang), st["h2"]))
    story.append(paper.kv_table(_machine_rows(m, lang), st))
    if sale:
        story.append(paper.p(tr("Price", lang), st["h2"]))
        story.append(paper.kv_table([(tr("Price paid", lang), tr("{amount} €", lang, amount=number(
            body.get("price_eur") or 0, lang, 2)))], st))
    erasure = body.get("erasure") or {}
    story.append(paper.p(tr("Data erasure and final check", lang), st["h2"]))
    certs = erasure.get("certificates") or []
    story.append(paper.p(tr("The disks were erased before it left (NIST SP 800-88); erasure "
                            "certificate(s): {ids}.", lang, ids=", ".join(certs))
                         if certs else tr("No erasure certificate is on record for this machine.",
                                          lang), st["base"]))
    if body.get("validated_by"):
        story.append(paper.p(tr("Checked and validated by {name}.", lang,
                                name=body["validated_by"]), st["base"]))
    story.append(paper.p(tr("Guarantee", lang), st["h2"]))
    if sale:
        story.append(paper.p(tr(
            "Legal guarantee of conformity (French Consumer Code, art. L217-3 and following): "
            "for two years from delivery, the seller answers for any lack of conformity that "
            "existed at delivery. This computer is sold second-hand (refurbished): a defect "
            "that appears within twelve months of delivery is presumed to have existed at "
            "delivery (art. L217-7). You may ask for its repair or replacement, free of charge. "
            "The guarantee against hidden defects (Civil Code, art. 1641 to 1649) applies too.",
            lang), st["base"]))
    else:
        story.append(paper.p(tr(
            "A gift, handed over as it is: refurbished, tested and erased by the workshop. "
            "Being free, it carries no seller's guarantee; the workshop helps as it can "
            "(contact above).", lang), st["base"]))
    story.append(Spacer(1, 5 * mm))
    story.append(KeepTogether([_signatures(st, lang)]))
    story.append(Spacer(1, 3 * mm))
    journal = body.get("journal") or {}
    sig = doc.get("signature") or {}
    for line in (tr("Issued on {date} by {operator}, station {station}.", lang,
                    date=when(body.get("issued"), lang),
                    operator=(body.get("issued_by") or {}).get("operator") or "—",
                    station=(body.get("issued_by") or {}).get("station") or "?"),
                 tr("Made from the workshop's journal as of event {seq} (hash {hash}).", lang,
                    seq=number(journal.get("seq"), lang), hash=journal.get("hash") or "—"),
                 tr("Electronic signature: Ed25519, by the key whose fingerprint is:", lang)
                 + " " + (sig.get("fingerprint") or "?"),
                 tr("SHA-256 of the signed JSON file: {sha}", lang, sha=sha)):
        story.append(paper.p(line, st["small"]))
    footer = tr("{workshop} — {id} — page {page}", lang, workshop=ws.get("name") or "",
                id=body.get("id"), page="{page}")
    paper.build_pdf(Path(out), story, title=title, subject=f"{body.get('id')} sha256:{sha}",
                    author=ws.get("name") or "reemploi", footer=footer)
    return Path(out)


def _inside(m: dict, lang: str) -> list[str]:
    lines = []
    if m.get("cpu"):
        lines.append(tr("The processor, its brain: {cpu}.", lang, cpu=m["cpu"]))
    if m.get("ram_mb"):
        lines.append(tr("The memory (RAM), to work on several things at once: {size}.", lang,
                        size=_ram(m["ram_mb"], lang)))
    storage = _storage(m.get("disks") or [], lang)
    if storage:
        lines.append(tr("The storage, where your files stay: {storage}.", lang, storage=storage))
    for s in m.get("screens") or []:
        if s.get("diagonal_in"):
            lines.append(tr("The screen: {inches} inches.", lang,
                            inches=number(s["diagonal_in"], lang, 1)))
    if m.get("battery_health_pct"):
        lines.append(tr("The battery still holds {pct} % of its charge when new.", lang,
                        pct=number(m["battery_health_pct"], lang)))
    if m.get("wifi"):
        lines.append(tr("Wi-Fi, to reach the internet without a cable.", lang))
    system = _system(m)
    if system:
        lines.append(tr("The system: {system}, free software: no licence to pay, no "
                        "advertising.", lang, system=system))
    return lines


FIRST_STEPS = (
    N_("Press the power button and wait for the desktop to show."),
    N_("Connect to the internet: click the network icon at the bottom right of the screen, "
       "choose your Wi-Fi and type its password."),
    N_("The row of icons (the dock) starts the programs: Firefox for the web, LibreOffice to "
       "write letters and tables, VLC for videos and music."),
    N_("When the computer offers updates, accept them: they keep it safe."),
    N_("Keep your files in the Documents folder, and copy the important ones to a USB stick "
       "from time to time."),
    N_("To switch it off: open the menu, then choose to shut down. Do not hold the power "
       "button down."),
)


def render_your_computer(doc: dict, out: Path, lang: str) -> Path:
    """One page, plain words: what is inside, first steps with Emmabuntüs, where to get help."""
    body = doc["certificate"]
    st = paper.styles()
    big, h2 = st["big"], st["h2"]
    ws = body.get("workshop") or {}
    m = body.get("machine") or {}
    model = " ".join(x for x in (m.get("maker"), m.get("model")) if x) or kind_text(
        m.get("kind"), lang)
    title = tr("Your computer", lang)
    subtitle = tr("{model} — its number: {asset}", lang, model=model, asset=m.get("asset_id"))
    story = [paper.header(ws, title, subtitle, body.get("public_page"), st, lang),
             paper.p(tr("What is inside, in simple words", lang), h2)]
    story += [paper.p("• " + line, big) for line in _inside(m, lang)]
    story.append(paper.p(tr("First steps with Emmabuntüs", lang), h2))
    story += [paper.p(f"{i}. {tr(step, lang)}", big) for i, step in enumerate(FIRST_STEPS, 1)]
    story.append(paper.p(tr("Where to get help", lang), h2))
    where = ", ".join(x for x in (ws.get("address"), ws.get("contact")) if x)
    story.append(paper.p("• " + tr("The workshop that prepared it: {name}{where}. Give them "
                                   "your computer's number: {asset}.", lang,
                                   name=ws.get("name") or "?",
                                   where=f" ({where})" if where else "",
                                   asset=m.get("asset_id")), big))
    story.append(paper.p("• " + tr("Emmabuntüs: guides and a forum on emmabuntus.org.", lang), big))
    if body.get("public_page"):
        story.append(paper.p("• " + tr("Scan the code at the top right to open your computer's "
                                       "page.", lang), big))
    paper.build_pdf(Path(out), story, title=title, subject=str(body.get("id")),
                    author=ws.get("name") or "reemploi",
                    footer=tr("{workshop} — {id} — page {page}", lang,
                              workshop=ws.get("name") or "", id=body.get("id"), page="{page}"))
    return Path(out)
