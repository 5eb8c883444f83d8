"""What a journal event says, in the reader's language: one line per event.

Shared by ``reemploi inventory history`` and the traceability sheet's history table
(``documents/sheet.py``), so an event reads the same on screen and on paper. Pure:
an event's type and payload in, a sentence out (the journal keeps codes; words are
made here, at the edge). Light on purpose: the inventory commands import it without
pulling in reportlab. Payload keys per type are documented in ``events.py``.
"""

from __future__ import annotations

from typing import Any, Mapping

from ..i18n import N_, tr
# Re-exported: the commands take every word table from here.
from ..vocabulary import MEDIA_WORDS, word  # noqa: F401
from .events import EventType

EVENT_NAMES = {
    EventType.DONOR_REGISTERED.value: N_("donor registered"),
    EventType.LOT_RECEIVED.value: N_("lot received"),
    EventType.ASSET_CREATED.value: N_("registered"),
    EventType.ASSET_PROBED.value: N_("hardware probed"),
    EventType.ASSET_CHECKED.value: N_("operator checks"),
    EventType.ASSET_GRADED.value: N_("graded"),
    EventType.STATUS_CHANGED.value: N_("status changed"),
    EventType.WIPE_STARTED.value: N_("disk wipe started"),
    EventType.WIPE_DONE.value: N_("disk wiped"),
    EventType.IMAGE_STARTED.value: N_("system installation started"),
    EventType.CERTIFICATE_ISSUED.value: N_("wipe certificate issued"),
    EventType.IMAGE_WRITTEN.value: N_("system installed"),
    EventType.PART_HARVESTED.value: N_("part harvested"),
    EventType.PART_INSTALLED.value: N_("part installed"),
    EventType.CHECKOUT.value: N_("left the workshop"),
    EventType.NOTE.value: N_("note"),
    EventType.GUARD_REFUSED.value: N_("refused before writing: not the disk confirmed"),
    EventType.OPERATOR_ADDED.value: N_("person added to the roster"),
    EventType.ASSET_VALIDATED.value: N_("validated (final check)"),
    EventType.DOCUMENT_ISSUED.value: N_("document issued"),
    EventType.PART_REMOVED.value: N_("disk removed (destroyed or recycled)"),
    EventType.BUILT.value: N_("assembled in the workshop"),
    EventType.CORRECT.value: N_("corrected"),
    EventType.VOID.value: N_("voided (created by mistake)"),
    EventType.INTEGRITY_INCIDENT.value: N_("journal integrity incident"),
    EventType.SYNC_RECEIPT.value: N_("synchronised with the server"),
}

# Same msgids (and French) as the inventory command's status column.
STATUS_NAMES = {"received": N_("Received"), "diagnosed": N_("Diagnosed"), "wiped": N_("Wiped"),
                "imaged": N_("Imaged"), "ready": N_("Ready"), "out": N_("Out"),
                "stock": N_("In stock"), "installed": N_("Installed")}

# ``parts harvest --kind`` values (inventory/parts.py) in words; labels use them too.
PART_KIND_NAMES = {"ram": N_("RAM module"), "disk": N_("Disk"), "battery": N_("Battery"),
                   "screen": N_("Screen"), "charger": N_("Charger"),
                   "psu": N_("Power supply")}


# Wipe methods (wipe.plan METHODS) and NIST SP 800-88 r1 categories in words, for every
# screen and paper that names them (show, sheet, certificate show, stats).
METHOD_NAMES = {"auto": N_("automatic"), "zero": N_("zeros"), "prng": N_("random data"),
                "dod3": N_("three passes (DoD 5220.22-M style)"),
                "hmgis5": N_("HMG IS5 style overwrite"),
                "firmware": N_("firmware erase"), "unknown": N_("unknown")}
NIST_NAMES = {"clear": N_("Clear"), "purge": N_("Purge"), "destroy": N_("Destroy"),
              "unknown": N_("unknown")}
def kind_word(kind: str | None, lang: str | None = None) -> str:
    """A device kind ("laptop") in words: the probe and stats stages' msgids."""
    return tr(kind, lang) if kind else "?"


def disk_words(model: str | None, serial: str | None, lang: str | None = None) -> str:
    """A disk as people name it: model and serial, or that it has no serial. Never
    the internal identity (``weak:?:…``), which means nothing to anyone."""
    text = " ".join(x for x in (model, serial) if x)
    if serial:
        return text
    return (text + " " if text else "") + tr("(no serial number)", lang)


def event_name(etype: str, lang: str | None = None) -> str:
    """``disk wiped``; an event type we have no words for is shown as its code."""
    name = EVENT_NAMES.get(etype)
    return tr(name, lang) if name else etype


def _disk_name(disk: Mapping[str, Any], lang: str | None = None) -> str:
    return disk_words(disk.get("model"), disk.get("serial"), lang)


def _outcome(verdict: Mapping[str, Any], lang: str | None) -> str:
    from ..grade.render import OUTCOME_TEXT        # the grade stage's own words
    from ..grade.verdict import Outcome
    code = verdict.get("outcome")
    try:
        text = tr(OUTCOME_TEXT[Outcome(code)], lang)
    except (KeyError, ValueError):
        text = str(code or "?")
    if verdict.get("grade"):
        text = tr("{outcome}, grade {grade}", lang, outcome=text, grade=verdict["grade"])
    return text


# Why the tool itself moved a machine (a code in the event, a sentence here).
BECAUSE = {"wipe-started": N_("its disk is being wiped: the installed system is gone"),
           "image-started": N_("a new image is being written: the installed system is gone")}


# Notes the tool itself writes into the journal, in English (evidence in one language;
# the station's resume reads them back: station/flow.py): said in the reader's words.
TOOL_NOTES = {"station: awaiting validation": N_("station: awaiting validation")}
TOOL_NOTE_PREFIXES = {"station: documents: ": N_("station: documents: {files}"),
                      "replay: stands for ": N_("replay: stands for {files}")}


def tool_note(text: str, lang: str | None = None) -> str:
    """A note the tool wrote, in the reader's words; a person's note as written."""
    if text in TOOL_NOTES:
        return tr(TOOL_NOTES[text], lang)
    for prefix, msgid in TOOL_NOTE_PREFIXES.items():
        if text.startswith(prefix):
            return tr(msgid, lang, files=text[len(prefix):])
    return text


def event_detail(etype: str, payload: Mapping[str, Any] | None, asset_id: str | None = None,
                 lang: str | None = None) -> str:
    """What the event is about: the note's text, the wiped disk, the part, the verdict...
    Empty when the event's name says it all. ``asset_id`` is the event's own asset (a
    harvest is filed under the new part)."""
    d = payload or {}
    if etype == EventType.STATUS_CHANGED.value:
        ends = [d.get(k) or "?" for k in ("from", "to")]
        ends = [tr(STATUS_NAMES[e], lang) if e in STATUS_NAMES else e for e in ends]
        text = f"{ends[0]} → {ends[1]}"
        why = (tool_note(str(d["note"]), lang) if d.get("note") else None) or \
            (tr(BECAUSE[d["because"]], lang) if d.get("because") in BECAUSE else None)
        return f"{text} ({why})" if why else text
    if etype == EventType.NOTE.value:
        return tool_note(str(d.get("text") or ""), lang)
    if etype == EventType.ASSET_VALIDATED.value:
        return " — ".join(str(x) for x in (d.get("validator"), d.get("note")) if x)
    if etype == EventType.DOCUMENT_ISSUED.value:
        return str(d.get("document_id") or "")
    if etype == EventType.WIPE_DONE.value:
        name = _disk_name(d.get("disk") or {})
        return ", ".join(x for x in (name, tr(str(d.get("result") or "?"), lang)) if x)
    if etype in (EventType.WIPE_STARTED.value, EventType.GUARD_REFUSED.value):
        return _disk_name(d.get("disk") or {})
    if etype == EventType.CERTIFICATE_ISSUED.value:
        if d.get("result", "success") != "success":
            return tr("{id}: failure report, not a certificate", lang,
                      id=d.get("certificate_id") or "?")
        return str(d.get("certificate_id") or "")
    if etype == EventType.CORRECT.value:
        changes = ", ".join(f"{k} = {_value(v)}" for k, v in (d.get("fields") or {}).items())
        return " — ".join(x for x in (changes, str(d.get("reason") or "")) if x)
    if etype == EventType.VOID.value:
        return str(d.get("reason") or "")
    if etype == EventType.PART_REMOVED.value:
        reason = tool_note(str(d["reason"]), lang) if d.get("reason") else None
        return " — ".join(str(x) for x in (d.get("part_id"), reason) if x)
    if etype == EventType.BUILT.value:
        kind = tr(str(d["device_kind"]), lang) if d.get("device_kind") else ""
        return " ".join(x for x in (kind, str(d.get("name") or "")) if x)
    if etype in (EventType.IMAGE_WRITTEN.value, EventType.IMAGE_STARTED.value):
        img = d.get("image") or {}
        name = " ".join(str(v) for v in (img.get("name"), img.get("version")) if v)
        if etype == EventType.IMAGE_WRITTEN.value and d.get("result", "success") != "success":
            name += f" ({tr(str(d.get('result')), lang)})"
        return name
    if etype == EventType.PART_INSTALLED.value:
        return " → ".join(str(v) for v in (d.get("part_id"), d.get("into_asset")) if v)
    if etype == EventType.PART_HARVESTED.value:
        kind = str(d.get("part_kind") or "")
        kind = tr(PART_KIND_NAMES[kind], lang) if kind in PART_KIND_NAMES else kind
        return " ".join(str(v) for v in (kind, asset_id) if v)
    if etype == EventType.CHECKOUT.value:
        return str(d.get("organisation") or "")
    if etype == EventType.ASSET_CREATED.value:
        # device kinds are msgids of the probe and stats stages ("laptop", "desktop")
        kind = tr(str(d["device_kind"]), lang) if d.get("device_kind") else ""
        lot = tr("lot {lot}", lang, lot=d["lot_id"]) if d.get("lot_id") else ""
        return ", ".join(x for x in (kind, lot) if x)
    if etype == EventType.ASSET_GRADED.value and d.get("verdict"):
        return _outcome(d["verdict"], lang)
    if etype == EventType.ASSET_PROBED.value:
        system = (d.get("machine") or {}).get("system") or {}
        return " ".join(str(v) for v in (system.get("vendor"), system.get("product")) if v)
    if etype == EventType.ASSET_CHECKED.value:
        from ..grade.render import ITEM_TEXT
        failed = [tr(ITEM_TEXT[k], lang) if k in ITEM_TEXT else k
                  for k, v in (d.get("checks") or {}).items() if v == "fail"]
        return tr("failed: {items}", lang, items=", ".join(failed)) if failed else ""
    return ""


def _value(value: Any) -> str:
    """A corrected value as typed: a lot's devices as ``laptop:3:7.5``."""
    if isinstance(value, list):
        return " ".join(":".join(str(x) for x in (v.get("kind"), v.get("count"), v.get("weight_kg"))
                                 if x is not None) if isinstance(v, dict) else str(v)
                        for v in value)
    return "—" if value is None else str(value)


def describe_event(etype: str, payload: Mapping[str, Any] | None,
                   asset_id: str | None = None, lang: str | None = None) -> str:
    """One line: ``disk wiped — ST3320620A 5QF1ABCD, success`` in the reader's words."""
    detail = event_detail(etype, payload, asset_id, lang)
    name = event_name(etype, lang)
    return f"{name} — {detail}" if detail else name
