"""Printing through CUPS: lpstat parsing (recorded output), lp options per template, typed
errors, and a real job through the cups-pdf queue made by scripts/setup_cups.sh, read
back from the PDF that cups-pdf writes and decoded with zxing-cpp."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from reemploi.documents.printing import (CupsUnavailable, NoDefaultPrinter, NoPrinter,
                                         choose_queue, list_queues, lp_argv, parse_job_id,
                                         parse_lpstat)
from reemploi.documents.templates import load_templates
from reemploi.system.runner import ReplayRunner, recording_name

ROOT = Path(__file__).resolve().parent.parent
QUEUE = "reemploi-pdf"

# Recorded on Debian 12 (CUPS 2.4.2-3+deb12u9) with `LC_ALL=C lpstat -p -d -v`: once
# idle after scripts/setup_cups.sh; once with a job printing, a default queue "bureau"
# (IPP, documentation address 192.0.2.10) and a queue paused with `cupsdisable -r Paused`.
LPSTAT_IDLE = """printer reemploi-pdf is idle.  enabled since Sun Nov 22 02:25:18 2026
no system default destination
device for reemploi-pdf: cups-pdf:/
"""
LPSTAT_BUSY = """printer bureau is idle.  enabled since Sun Nov 22 02:27:31 2026
printer reemploi-pdf now printing reemploi-pdf-4.  enabled since Sun Nov 22 02:27:31 2026
printer vieille-laser disabled since Sun Nov 22 02:27:31 2026 -
\tPaused
system default destination: bureau
device for bureau: ipp://192.0.2.10/ipp/print
device for reemploi-pdf: cups-pdf:/
device for vieille-laser: socket://192.0.2.11:9100
"""


def test_parse_lpstat_queues_states_default_and_devices():
    assert parse_lpstat(LPSTAT_IDLE)[0].name == QUEUE
    queues = {q.name: q for q in parse_lpstat(LPSTAT_BUSY)}
    assert queues["bureau"].default and not queues[QUEUE].default
    assert queues[QUEUE].state == "printing" and queues["vieille-laser"].state == "disabled"
    assert not queues["vieille-laser"].accepting
    assert queues["bureau"].device == "ipp://192.0.2.10/ipp/print"
    assert parse_job_id("request id is reemploi-pdf-12 (1 file(s))\n") == "reemploi-pdf-12"
    assert parse_job_id("") is None


def test_lp_options_follow_the_template_media_and_never_scale():
    templates = load_templates()
    argv = lp_argv(Path("x.pdf"), QUEUE, templates["L7160"].cups_media, copies=2, title="t")
    assert argv[:3] == ["lp", "-d", QUEUE] and "media=A4" in argv
    assert "print-scaling=none" in argv and argv[-2:] == ["--", "x.pdf"] and "-n" in argv
    assert "media=Custom.62x29mm" in lp_argv(Path("x.pdf"), "ql", templates["DK-11209"].cups_media)
    assert "media=w102h252.1" in lp_argv(Path("x.pdf"), "lw", templates["DYMO-99012"].cups_media)


def _replay(tmp_path, stdout: str, rc: int = 0, stderr: str = "") -> ReplayRunner:
    name = recording_name(["lpstat", "-p", "-d", "-v"])
    (tmp_path / name).write_text(stdout)
    if rc:
        (tmp_path / (name + ".rc")).write_text(str(rc))
    if stderr:
        (tmp_path / (name + ".stderr")).write_text(stderr)
    return ReplayRunner(tmp_path)


def test_queue_choice_and_typed_errors(tmp_path):
    assert choose_queue(_replay(tmp_path, LPSTAT_BUSY), None) == "bureau"
    assert choose_queue(_replay(tmp_path, LPSTAT_BUSY), QUEUE) == QUEUE
    with pytest.raises(NoPrinter):
        choose_queue(_replay(tmp_path, LPSTAT_BUSY), "nope")
    with pytest.raises(NoDefaultPrinter):
        choose_queue(_replay(tmp_path, LPSTAT_IDLE), None)
    # Real stderr of lpstat when cupsd is down, and when no queue exists yet.
    with pytest.raises(CupsUnavailable):
        list_queues(_replay(tmp_path, "", 1, "lpstat: Scheduler is not running.\n"))
    assert list_queues(_replay(tmp_path, "", 1, "lpstat: No destinations added.\n")) == []


def _cups_pdf_dirs() -> list[Path]:
    """Where cups-pdf may write a job from this user: its "Out" setting, else defaults."""
    user = pwd.getpwuid(os.getuid())
    out = None
    conf = Path("/etc/cups/cups-pdf.conf")
    if conf.exists():
        for line in conf.read_text(errors="replace").splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == "Out":
                out = parts[1]
    dirs = []
    if out:
        dirs.append(Path(out.replace("${HOME}", user.pw_dir).replace("${USER}", user.pw_name)))
    dirs += [Path("/var/spool/cups-pdf") / user.pw_name, Path("/var/spool/cups-pdf/ANONYMOUS")]
    return dirs


@pytest.fixture(scope="module")
def pdf_queue():
    if os.geteuid() != 0:
        pytest.skip("setting up a CUPS queue needs root (run the suite as CI does, as root)")
    missing = [t for t in ("cupsd", "lpadmin", "lp") if not shutil.which(t, path=os.environ.get(
        "PATH", "") + ":/usr/sbin:/sbin")]
    if missing or not Path("/usr/lib/cups/backend/cups-pdf").exists():
        pytest.skip(f"CUPS or cups-pdf not installed ({missing or 'cups-pdf backend'}): "
                    "scripts/install.sh --dev installs them")
    done = subprocess.run([str(ROOT / "scripts" / "setup_cups.sh")], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    # Idempotent: a second run keeps the queue.
    again = subprocess.run([str(ROOT / "scripts" / "setup_cups.sh")], capture_output=True,
                           text=True, timeout=60)
    assert again.returncode == 0 and "already exists" in again.stdout
    return QUEUE


def test_printers_command_lists_the_real_queue(pdf_queue, cli):
    import json
    res = cli(["printers", "--json"])
    assert res.exit_code == 0, res.output
    assert pdf_queue in [q["name"] for q in json.loads(res.output)]


def _printed(stamp: str, started: float) -> Path:
    """The PDF cups-pdf wrote for the job titled ``stamp`` (waits up to 60 s)."""
    deadline = time.time() + 60      # cups-pdf runs ghostscript: a few seconds here
    while time.time() < deadline:
        for folder in _cups_pdf_dirs():
            if folder.is_dir():
                for pdf in folder.glob("*.pdf"):
                    if stamp in pdf.name and pdf.stat().st_mtime >= started and pdf.stat().st_size:
                        time.sleep(0.5)   # let ghostscript finish the file it just created
                        return pdf
        time.sleep(0.5)
    raise AssertionError(f"cups-pdf wrote nothing in {_cups_pdf_dirs()} within 60 s")


def _page_size_mm(pdf: Path) -> tuple[float, float]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    line = next(x for x in info.splitlines() if x.startswith("Page size:"))
    w, h = (float(v) for v in line.split()[2:5:2])
    return w * 25.4 / 72, h * 25.4 / 72


def test_print_a_sheet_and_a_thermal_roll_label_and_read_them_back(pdf_queue, cli, tmp_path):
    """`sheet --print` (A4) and a DK-11209 roll label (media Custom.62x29mm) through the
    real queue: the page size survives CUPS and every QR code still scans."""
    from reemploi.inventory.store import Inventory
    home = tmp_path / "home"
    _, ids = Inventory.open(home, "A", "Camille").receive_lot(
        "Particulier", "individual", devices=[("laptop", 1, None)], create_ids=True)
    stamp = f"roll{os.getpid()}{int(time.time())}"
    started = time.time() - 1
    res = cli(["label", ids[0], "--template", "DK-11209", "--out", tmp_path / f"{stamp}.pdf",
               "--print", "--printer", pdf_queue, "--home", home])
    assert res.exit_code == 0, res.output
    sheet_stamp = stamp.replace("roll", "sheet")   # neither name contains the other
    res = cli(["sheet", ids[0], "--out", tmp_path / f"{sheet_stamp}.pdf", "--print",
               "--printer", pdf_queue, "--home", home])
    assert res.exit_code == 0, res.output
    for name, dpi, size in ((stamp, 203, (62.0, 29.0)), (sheet_stamp, 300, (210.0, 297.0))):
        made = _printed(name, started)
        assert _page_size_mm(made) == pytest.approx(size, abs=0.5), name
        stem = tmp_path / f"back-{name}"
        subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", "-f", "1", "-l", "1",
                        "-singlefile", str(made), str(stem)], check=True)
        found = [c.text for c in zxingcpp.read_barcodes(Image.open(f"{stem}.png"))]
        made.unlink()
        assert found == [ids[0]], name


def test_print_a_label_sheet_to_cups_pdf_and_read_it_back(pdf_queue, cli, tmp_path):
    stamp = f"scan{os.getpid()}{int(time.time())}"
    out = tmp_path / f"{stamp}.pdf"
    payloads = [f"REE-A-26-{i:05d}" for i in range(1, 6)]
    args = ["label", "--template", "L7160", "--out", out, "--print", "--printer", pdf_queue,
            "--lang", "en"]
    for p in payloads:
        args += ["--payload", p]
    started = time.time() - 1
    res = cli(args)
    assert res.exit_code == 0, res.output
    assert f"Sent to printer {pdf_queue}" in res.output
    made = None
    deadline = time.time() + 60      # cups-pdf runs ghostscript: a few seconds here
    while made is None and time.time() < deadline:
        for folder in _cups_pdf_dirs():
            if folder.is_dir():
                for pdf in folder.glob("*.pdf"):
                    if stamp in pdf.name and pdf.stat().st_mtime >= started and pdf.stat().st_size:
                        made = pdf
        if made is None:
            time.sleep(0.5)
    assert made is not None, f"cups-pdf wrote nothing in {_cups_pdf_dirs()} within 60 s"
    time.sleep(0.5)                   # let ghostscript finish the file it just created
    stem = tmp_path / "back"
    subprocess.run(["pdftoppm", "-r", "300", "-gray", "-png", "-f", "1", "-l", "1",
                    "-singlefile", str(made), str(stem)], check=True)
    found = {c.text for c in zxingcpp.read_barcodes(Image.open(f"{stem}.png"))}
    made.unlink()
    assert found == set(payloads)
