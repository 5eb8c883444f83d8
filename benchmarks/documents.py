"""Benchmark: 500 machine labels on Avery L7160 (goal < 2 s) and one traceability sheet
(goal < 100 ms), each also compared with a reference run in the same process.

References: for labels, the ``qrcode`` library's own ``qrcode.make`` rendering the same
500 payloads to PIL images (the obvious way to get QR codes, before any page layout);
for the sheet, reportlab's platypus building a one-page A4 of the same number of
paragraphs without tables or QR code (the floor of the toolkit we build on).

    .venv/bin/python benchmarks/documents.py
"""

from __future__ import annotations

import io
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import qrcode  # noqa: E402
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.lib.styles import getSampleStyleSheet  # noqa: E402
from reportlab.platypus import Paragraph, SimpleDocTemplate  # noqa: E402

from reemploi.documents import qr as qrmod  # noqa: E402
from reemploi.documents.content import machine_label  # noqa: E402
from reemploi.documents.facts import facts_from_events  # noqa: E402
from reemploi.documents.render import render_labels  # noqa: E402
from reemploi.documents.sheet import render_sheet  # noqa: E402
from reemploi.documents.templates import get_template  # noqa: E402
from reemploi.model import Cpu, Disk, Machine, Media  # noqa: E402
from reemploi.probe.dmidecode import parse_dmidecode  # noqa: E402
from reemploi.probe.smartctl import parse_smartctl  # noqa: E402
from reemploi.settings import Settings  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
DMI = CORPUS / "dmidecode/laptop/glpi-agent__resources__generic__dmidecode__lenovo-thinkpad.txt"
SSD = CORPUS / "smartctl/ssd/peracotta__tests__source_files__smartctl__test10.txt"
N_LABELS = 500
GOAL_LABELS_S = 2.0
GOAL_SHEET_S = 0.100


def machine() -> dict:
    dmi = parse_dmidecode(DMI.read_text(encoding="utf-8", errors="replace"))
    smart = parse_smartctl(SSD.read_bytes())
    disk = Disk(name="sda", path="/dev/sda", model=smart.model, serial=smart.serial,
                size_bytes=smart.capacity_bytes, media=Media.SSD, smart=smart)
    return Machine(system=dmi.system, cpu=Cpu(model=dmi.processor, cores=2, threads=4),
                   memory=dmi.memory, disks=(disk,)).to_dict()


def events(asset_id: str, m: dict) -> list[dict]:
    base = {"station": "A", "operator": "Camille", "asset_id": asset_id}
    return [
        {**base, "seq": 1, "time": "2026-11-20T09:00:00Z", "type": "asset.created",
         "payload": {"kind": "machine", "device_kind": "laptop", "lot_id": "L-A-26-0001"}},
        {**base, "seq": 2, "time": "2026-11-20T09:05:00Z", "type": "asset.probed",
         "payload": {"machine": m}},
        {**base, "seq": 3, "time": "2026-11-20T09:06:00Z", "type": "asset.graded",
         "payload": {"verdict": {"outcome": "ready", "grade": "B", "reasons": []}}},
        {**base, "seq": 4, "time": "2026-11-20T10:00:00Z", "type": "wipe.done",
         "payload": {"disk": {"model": "SSD", "serial": "X", "size_bytes": 240e9},
                     "result": "success", "method": "overwrite+verify", "nist": "clear"}},
        {**base, "seq": 5, "time": "2026-11-20T10:01:00Z", "type": "certificate.issued",
         "payload": {"certificate_id": "CERT-1", "sha256": "ab" * 32}},
    ]


def best_of(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def main() -> None:
    m = machine()
    settings = Settings()
    template = get_template("L7160")
    ids = [f"REE-A-26-{i:05d}" for i in range(N_LABELS)]
    facts = [facts_from_events(a, events(a, m)) for a in ids]

    def labels():
        qrmod.qr_matrix.cache_clear()          # every payload encoded afresh
        contents = [machine_label(f, settings, "fr") for f in facts]
        return render_labels(template, contents).pdf

    def reference_labels():
        for a in ids:
            qrcode.make(a).save(io.BytesIO(), format="PNG")

    sheet_facts = facts[0]

    def sheet():
        return render_sheet(sheet_facts, settings, "fr").pdf

    def reference_sheet():
        styles = getSampleStyleSheet()
        doc = SimpleDocTemplate(io.BytesIO(), pagesize=A4)
        doc.build([Paragraph(f"line {i}", styles["Normal"]) for i in range(40)])

    labels()                                   # warm imports and font metrics
    sheet()
    lab, lab_med = best_of(labels, 3)
    ref, _ = best_of(reference_labels, 3)
    sh, sh_med = best_of(sheet, 10)
    ref_sh, _ = best_of(reference_sheet, 10)
    pages = -(-N_LABELS // template.per_page)
    print(f"{N_LABELS} machine labels on {template.name} ({pages} pages): best {lab:.3f} s, "
          f"median {lab_med:.3f} s; goal {GOAL_LABELS_S} s -> {lab / GOAL_LABELS_S:.2f} x goal")
    print(f"  reference qrcode.make -> PNG for the same payloads: {ref:.3f} s -> "
          f"ours = {lab / ref:.2f} x reference")
    print(f"traceability sheet: best {sh * 1000:.1f} ms, median {sh_med * 1000:.1f} ms; "
          f"goal {GOAL_SHEET_S * 1000:.0f} ms -> {sh / GOAL_SHEET_S:.2f} x goal")
    print(f"  reference bare platypus A4 (40 paragraphs): {ref_sh * 1000:.1f} ms -> "
          f"ours = {sh / ref_sh:.2f} x reference")


if __name__ == "__main__":
    main()
