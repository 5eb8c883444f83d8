"""The carnet's lines in the reader's language, shared by the PDF and the HTML page.

Pure: the signed carnet dict in, titled sections of plain text out. Both renderers
walk the same sections, so the PDF and the page can never say different things.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n import N_, number, plural, tr
from .content import load_content
from .drawing import Shape, layout

ROLE = {"trainee": N_("another trainee"), "trainer": N_("the trainer")}


@dataclass(frozen=True)
class PartLine:
    title: str
    label: str
    what: tuple[str, ...]
    origin: str
    weight: str
    part_id: str


@dataclass(frozen=True)
class View:
    lang: str
    title: str
    headline: str
    asset_line: str
    qr: str
    drawing_title: str
    shapes: tuple[Shape, ...]
    parts_heading: str
    parts: tuple[PartLine, ...]
    ewaste: str
    card_heading: str
    card: tuple[tuple[str, str], ...]
    work_heading: str
    work: tuple[str, ...]
    steps: tuple[str, ...]
    competences_heading: str
    competences: tuple[str, ...]
    competences_note: str
    signature_heading: str
    signature: tuple[str, ...]


def duration(minutes: int, lang: str) -> str:
    return tr("{h} h {m:02d} min", lang, h=minutes // 60, m=minutes % 60)


def kg(value: float, lang: str) -> str:
    return tr("{kg} kg", lang, kg=number(value, lang, 2 if value < 10 else 1))


def provenance(part: dict, lang: str) -> str:
    """"Your memory comes from computer TRI-A-26-00043, given by Mairie de X.\""""
    if part.get("from_asset") and part.get("donor"):
        return tr("Comes from computer {asset}, given by {donor}.", lang,
                  asset=part["from_asset"], donor=part["donor"])
    if part.get("from_asset"):
        return tr("Comes from computer {asset}.", lang, asset=part["from_asset"])
    return tr("Comes from the workshop's stock.", lang)


def build_view(signed: dict, sha256: str) -> View:
    c = signed["certificate"]
    lang = c["lang"]
    text = load_content(lang)
    jerry = c["jerry"]
    trainee = c.get("trainee") or "?"
    parts = []
    for p in c["parts"]:
        weight = kg(p["weight_kg"], lang) + ("" if p["weighed"] else " " + tr("(estimated)", lang))
        parts.append(PartLine(p["title"], p.get("label") or "", tuple(p["what"]),
                              provenance(p, lang), weight, p["part_id"]))
    work = [plural(c["sittings"], "Time spent: {time}, in {n} sitting.",
                   "Time spent: {time}, in {n} sittings.", lang,
                   time=duration(c["minutes"], lang)),
            tr("Steps done: {done} of {total}.", lang, done=number(len(c["steps"]), lang),
               total=number(c["steps_total"], lang))]
    if c.get("trainer"):
        work.append(tr("Trainer: {name}.", lang, name=c["trainer"]))
    if c.get("quiz"):
        work.append(tr("Quiz: {right} right answers out of {total}.", lang,
                       right=number(c["quiz"]["right"], lang),
                       total=number(c["quiz"]["total"], lang)))
    peer = c.get("peer_check")
    if peer:
        key = (N_("Final check by {name} ({role}): everything works.") if peer["ok"]
               else N_("Final check by {name} ({role}): something still needs fixing."))
        work.append(tr(key, lang, name=peer.get("by") or "?",
                       role=tr(ROLE.get(peer.get("role") or "", N_("the trainer")), lang)))
    else:
        work.append(tr("Final check: not done yet.", lang))
    competences = tuple(
        f"{x['code']} {x['title_fr']}" + ("" if x["title"] == x["title_fr"] else f" ({x['title']})")
        + " — " + tr("practised", lang) for x in c["competences"])
    kinds = [(p["kind"], p["title"]) for p in c["parts"]]
    signature = (tr("Workshop: {name}, station {station}.", lang, name=c["workshop"],
                    station=c["station"]),
                 tr("Booklet {id}, issued on {date}.", lang, id=c["carnet_id"],
                    date=c["issued"][:10]),
                 tr("Signed with the station key {fingerprint}.", lang,
                    fingerprint=signed["signature"]["fingerprint"]),
                 tr("SHA-256 of the signed file: {sha}.", lang, sha=sha256),
                 tr("Check it with: reemploi atelier verify carnet-{id}.json", lang,
                    id=c["carnet_id"]))
    return View(
        lang=lang, title=tr("Build booklet", lang),
        headline=tr("{trainee} built the Jerry “{jerry}”", lang, trainee=trainee,
                    jerry=jerry["name"]),
        asset_line=tr("Asset number: {id}", lang, id=jerry["asset_id"]), qr=jerry["qr"],
        drawing_title=tr("The parts of {jerry}", lang, jerry=jerry["name"]),
        shapes=tuple(layout(kinds, text.parts["board"].title)),
        parts_heading=tr("Where each part comes from", lang),
        parts=tuple(parts),
        ewaste=tr("Electronic waste kept out of the bin: {kg}.", lang,
                  kg=kg(c["ewaste_kg"], lang)),
        card_heading=text.card["title"], card=tuple(tuple(r) for r in c.get("card") or ()),
        work_heading=tr("What you did", lang), work=tuple(work),
        steps=tuple(s["title"] for s in c["steps"]),
        competences_heading=text.competences_heading, competences=competences,
        competences_note=text.competences_note,
        signature_heading=tr("Signature", lang), signature=signature)
