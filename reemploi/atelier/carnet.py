"""The carnet de montage: what a trainee built, signed like an erasure certificate.

``carnet_data`` (pure) gathers the Jerry's story into one plain dict: the trainee's
first name (or pseudonym after the retention period), the Jerry's name, asset id and
QR payload, each part with what it does and where it came from (donor machine, donor,
weight), the steps done and time spent, the quiz score, the peer check, and the
CRCN competences *travaillées* (décret n° 2019-919; only Pix certifies). The dict is
signed with the station's Ed25519 key (``wipe.signing``, the certificate's scheme), so
``reemploi atelier verify`` checks a carnet as ``certificate verify`` checks a
certificate. ``issue_carnet`` writes the signed JSON, the PDF and one self-contained
HTML page (which carries the signed JSON inside it, so the page alone verifies).
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from ..errors import BadInput
from ..inventory.parts import STOCK_KEYS, UNITS
from ..wipe.signing import file_sha256, sign_document, verify_document
from .carnet_html import HTML_MARK
from .content import STEPS, french_competences, load_content
from .explain import explain_part
from .record import JerryStory
from ..syserr import reason
from ..i18n import N_

KIND = "reemploi.carnet"
VERSION = 1


@dataclass(frozen=True)
class CarnetFiles:
    carnet_id: str
    json: Path
    pdf: Path
    html: Path
    sha256: str
    fingerprint: str


def part_label(part_kind: str, facts: dict) -> str:
    """"DDR3 SODIMM 4 GB": the stock-line facts of the part, no words to translate."""
    bits = []
    for key in STOCK_KEYS.get(part_kind, STOCK_KEYS["other"]):
        value = facts.get(key)
        if value in (None, ""):
            continue
        if key == "media":
            continue          # said by the part's title ("Le disque dur")
        unit = UNITS.get(key)
        bits.append(f"{value}{unit}" if unit == "\"" else f"{value} {unit}" if unit else str(value))
    return " ".join(bits)


def local_units(label: str, lang: str) -> str:
    """French writes octets: "4 Go", "512 Mo" (the stock label keeps GB/MB)."""
    if lang != "fr":
        return label
    return label.replace(" GB", " Go").replace(" MB", " Mo").replace(" TB", " To")


def carnet_data(story: JerryStory, *, lang: str, workshop: str, station: str,
                qr_payload: str, trainee: str | None, trainer: str | None,
                checker: str | None, issued: str, carnet_id: str | None = None,
                card: list[tuple[str, str]] | None = None) -> dict:
    """Everything the carnet shows, in ``lang``; names already as they may be shown."""
    text = load_content(lang)
    parts = []
    for p in story.parts:
        ex = explain_part(p.part_kind, p.facts, lang)
        parts.append({"part_id": p.part_id, "kind": p.part_kind, "title": ex.title,
                      "what": list(ex.sentences),
                      "label": local_units(part_label(p.part_kind, p.facts), text.lang),
                      "from_asset": p.from_asset, "donor": p.donor, "lot": p.lot_id,
                      "weight_kg": p.weight_kg, "weighed": p.weighed})
    done = set(story.steps)
    steps = [{"key": s.key, "title": s.title} for s in text.steps if s.key in done]
    fr_titles = dict(french_competences())
    competences = [{"code": code, "title_fr": fr_titles[code], "title": title}
                   for code, title in text.competences]
    peer = None
    if story.peer_check:
        peer = {"by": checker, "role": story.peer_check.get("role"),
                "ok": bool(story.peer_check.get("ok")), "time": story.peer_check.get("time")}
    return {
        "kind": KIND, "version": VERSION, "lang": text.lang,
        "carnet_id": carnet_id or "C-" + uuid.uuid4().hex[:12], "issued": issued,
        "workshop": workshop, "station": station,
        "trainee": trainee, "trainer": trainer,
        "jerry": {"asset_id": story.asset_id, "name": story.name, "built": story.built,
                  "qr": qr_payload},
        "parts": parts, "steps": steps, "steps_total": len(STEPS),
        "minutes": story.minutes, "sittings": len(story.sittings),
        "quiz": {"right": story.quiz[0], "total": story.quiz[1]} if story.quiz else None,
        "peer_check": peer, "card": [list(r) for r in (card or [])],
        "competences": competences, "competences_wording": "travaillées",
        "ewaste_kg": story.ewaste_kg,
        "ewaste_weighed": all(p.weighed for p in story.parts) if story.parts else False,
    }


def issue_carnet(home: Path, data: dict, out_dir: Path) -> CarnetFiles:
    """Sign ``data`` and write carnet-<id>.json, .pdf and .html into ``out_dir``."""
    from .carnet_html import render_html
    from .carnet_pdf import render_pdf

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    signed = sign_document(home, data)
    stem = out_dir / f"carnet-{data['carnet_id']}"
    json_path = stem.with_suffix(".json")
    json_path.write_text(json.dumps(signed, ensure_ascii=False, indent=1, sort_keys=True),
                         encoding="utf-8")
    sha = file_sha256(json_path)
    fp = signed["signature"]["fingerprint"]
    pdf_path = render_pdf(signed, sha, stem.with_suffix(".pdf"))
    html_path = stem.with_suffix(".html")
    html_path.write_text(render_html(signed, sha), encoding="utf-8")
    return CarnetFiles(data["carnet_id"], json_path, pdf_path, html_path, sha, fp)


def load_signed(path: Path) -> dict:
    """The signed carnet from its JSON file or from the HTML page that embeds it."""
    try:
        from ..bounded import read_at_most      # an ISO given by mistake is not read whole
        text = read_at_most(path, 64 << 20).decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(what=str(path), why=reason(exc)) from None
    if text.lstrip().startswith("<"):
        m = re.search(rf'<script type="application/json" id="{HTML_MARK}">(.*?)</script>',
                      text, re.S)
        if not m:
            raise BadInput(what=str(path), why=N_("no signed carnet in this page"))
        text = m.group(1)
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise BadInput(what=str(path), why=reason(exc)) from None
    if not isinstance(doc, dict) or (doc.get("certificate") or {}).get("kind") != KIND:
        raise BadInput(what=str(path), why=N_("not a carnet de montage"))
    return doc


def verify_carnet(path: Path) -> tuple[dict, str]:
    """(the carnet, its key fingerprint); IntegrityError (exit 12) if altered."""
    doc = load_signed(path)
    return doc["certificate"], verify_document(doc, str(path))
