"""Printing through CUPS (``lp``, ``lpstat``) and page previews (``pdftoppm``), via the runner.

Media options per template: A4 sheets go as ``media=A4``; thermal rolls as the size
the driver names (``Custom.62x29mm`` for Brother QL, ``w102h252.1`` for the DYMO
99012 page of DYMO's PPD). Every job is sent with ``print-scaling=none`` (PWG 5100.13
job attribute, honoured by CUPS >= 2.2) because a label sheet scaled by "fit to
page" moves every label off its die-cut square, and a scaled QR code loses its
whole-dot modules.

``lpstat`` output is parsed by pure functions (``parse_lpstat``) tested on recorded
text; the commands themselves run through ``ctx.runner`` with ``LC_ALL=C``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import BadInput, NotFound, ToolFailed
from ..i18n import N_

TYPE_CHECKING = False   # as typing.TYPE_CHECKING, without importing typing (issue 16)
if TYPE_CHECKING:
    from ..system.runner import Runner


class CupsUnavailable(ToolFailed):
    msg = "The CUPS print service is not running (start it, or run scripts/setup_cups.sh)"


class NoPrinter(NotFound):
    msg = "No printer named '{queue}' (see: reemploi printers)"


class NoDefaultPrinter(NotFound):
    msg = "No default printer: choose one with --printer (see: reemploi printers)"


@dataclass(frozen=True)
class Queue:
    name: str
    state: str                    # idle | printing | disabled | unknown
    accepting: bool
    default: bool = False
    device: str | None = None


_PRINTER = re.compile(r"^printer (\S+) (?:is (idle)|(now printing)|(disabled))")
_DEFAULT = re.compile(r"^system default destination: (\S+)")
_DEVICE = re.compile(r"^device for (\S+): (\S+)")
_JOB = re.compile(r"request id is (\S+)")


def parse_lpstat(text: str) -> list[Queue]:
    """Queues from ``lpstat -p -d -v`` output (English, LC_ALL=C)."""
    default = None
    devices: dict[str, str] = {}
    found: list[tuple[str, str]] = []
    for line in text.splitlines():
        m = _PRINTER.match(line)
        if m:
            state = "idle" if m.group(2) else "printing" if m.group(3) else "disabled"
            found.append((m.group(1), state))
            continue
        m = _DEFAULT.match(line)
        if m:
            default = m.group(1)
            continue
        m = _DEVICE.match(line)
        if m:
            devices[m.group(1)] = m.group(2)
    return [Queue(name, state, state != "disabled", name == default, devices.get(name))
            for name, state in found]


def parse_job_id(text: str) -> str | None:
    """'request id is reemploi-pdf-12 (1 file(s))' -> 'reemploi-pdf-12'."""
    m = _JOB.search(text)
    return m.group(1) if m else None


def list_queues(runner: Runner) -> list[Queue]:
    result = runner.run(["lpstat", "-p", "-d", "-v"], check=False, timeout=20)
    err = result.error_text.lower()
    if "scheduler is not running" in err or "unable to connect" in err:
        raise CupsUnavailable(cmd="lpstat", status=result.returncode, stderr=result.error_text)
    if result.returncode not in (0, 1):   # 1 = "No destinations added": no queue yet
        raise ToolFailed(cmd="lpstat -p -d -v", status=result.returncode,
                         stderr=result.error_text or "-")
    return parse_lpstat(result.text)


def lp_argv(pdf: Path, queue: str, media: str, *, copies: int = 1,
            title: str | None = None) -> list[str]:
    argv = ["lp", "-d", queue, "-o", f"media={media}", "-o", "print-scaling=none"]
    if copies > 1:
        argv += ["-n", str(copies)]
    if title:
        argv += ["-t", title]
    return argv + ["--", str(pdf)]


def choose_queue(runner: Runner, queue: str | None) -> str:
    queues = list_queues(runner)
    if queue:
        if not any(q.name == queue for q in queues):
            raise NoPrinter(queue=queue)
        return queue
    for q in queues:
        if q.default:
            return q.name
    raise NoDefaultPrinter()


def print_pdf(runner: Runner, pdf: Path, media: str, queue: str | None = None, *,
              copies: int = 1, title: str | None = None) -> tuple[str, str | None]:
    """Send ``pdf`` to ``queue`` (or the default one); returns (queue, CUPS job id)."""
    if not Path(pdf).is_file():
        raise BadInput(what=str(pdf), why=N_("no such file"))
    name = choose_queue(runner, queue)
    result = runner.run(lp_argv(Path(pdf), name, media, copies=copies, title=title), timeout=60)
    return name, parse_job_id(result.text)


def preview_png(runner: Runner, pdf: Path, png: Path, *, dpi: int = 150) -> Path:
    """PNG of the first page of ``pdf`` (pdftoppm, poppler-utils)."""
    png = Path(png)
    stem = png.with_suffix("")
    runner.run(["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile",
                str(pdf), str(stem)], timeout=60)
    made = stem.with_suffix(".png")
    if made != png:
        made.replace(png)
    return png
