"""``reemploi probe`` and ``reemploi doctor``: what is this machine, and is the station ready."""

from __future__ import annotations

from pathlib import Path

import click

from ..probe import folder as machine_folder
from .common import emit, home_option, json_option, lang_option, make_context
from .probe_plain import describe


@click.command("probe")
@json_option
@lang_option
@click.option("--no-smart", is_flag=True, help="Skip SMART (faster; disk health stays unknown).")
@click.option("--record", "record", type=click.Path(path_type=Path), default=None,
              help="Also save every command output and /sys file read into this machine folder.")
@click.option("--replay", "replay", type=click.Path(path_type=Path), default=None,
              help="Probe a recorded machine folder instead of this machine (offline).")
def probe(as_json: bool, lang: str, no_smart: bool, record: Path | None,
          replay: Path | None) -> None:
    """Describe this machine: system, CPU, RAM, disks and SMART, GPU, network, battery,
    screen, webcam, optical drive, sound; and which fields could not be read and why."""
    if record and replay:
        raise click.UsageError("--record and --replay cannot be used together")
    if replay:
        session = machine_folder.replaying(replay)
    elif record:
        session = machine_folder.recording(record)
    else:
        session = machine_folder.live()
    # The same code as the click-free path of a plain live probe (probe_plain.py).
    describe(as_json=as_json, lang=lang, no_smart=no_smart, session=session, echo=click.echo)


@click.command("doctor")
@click.option("--clean", is_flag=True,
              help="Remove what killed processes left: partition loop devices, temporary "
                   "folders and files.")
@json_option
@lang_option
@home_option
def doctor(clean: bool, as_json: bool, lang: str, home) -> None:
    """Check this station: tools installed (with their Debian package), root or not,
    what the probe will miss, and leftovers of killed processes."""
    from ..probe.doctor import check, render_doctor
    report = check(make_context(home, lang), clean=clean)
    emit(report, as_json, lambda r: render_doctor(r, lang))
