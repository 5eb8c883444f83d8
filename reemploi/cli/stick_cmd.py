"""``reemploi stick``: make the live USB stick; what its tty1 runs at boot."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import click

from ..i18n import _, tr
from ..image import render
from ..live import boot as live_boot
from ..live import stick as live_stick
from ..system.blockdev import format_size, mount_table
from ..system.guard import confirm_text
from .common import confirm, dump_json, emit, json_option, lang_option, make_context, yes_option


@click.group("stick")
def stick() -> None:
    """The live USB stick: write it with its persistence partition; its boot menu."""


def _size(ctx, param, value):
    if value is None:
        return None
    text = value.strip().upper().removesuffix("B")
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    try:
        if text and text[-1] in units:
            return int(float(text[:-1]) * units[text[-1]])
        return int(text)
    except ValueError:
        raise click.BadParameter(_("a size such as 4G or 512M")) from None


@stick.command("make")
@click.argument("iso", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("device")
@click.option("--update", "updates", multiple=True, type=click.Path(path_type=Path, dir_okay=False),
              help="A reemploi wheel (or a dependency's) installed at every boot over the stick's own (repeatable).")
@click.option("--image", "images", multiple=True, type=click.Path(path_type=Path, dir_okay=False),
              help="An image file to carry in the data dir, registered there (repeatable).")
@click.option("--file", "files", multiple=True, nargs=2,
              type=(click.Path(path_type=Path, dir_okay=False), str), metavar="SRC DEST",
              help="Copy SRC to DEST under the data dir, e.g. settings.toml or profiles/ci.toml (repeatable).")
@click.option("--persistence-size", callback=_size, default=None,
              help="Size of the persistence partition (default: the rest of the stick).")
@yes_option
@json_option
@lang_option
def make_cmd(iso, device, updates, images, files, persistence_size, assume_yes, as_json, lang):
    """Write ISO to DEVICE (a USB stick) and add its persistence partition."""
    ctx = make_context(None, lang, assume_yes=assume_yes)
    plan = live_stick.plan_make(ctx, iso, device, updates=updates, images=images,
                                files=files, persistence_bytes=persistence_size)
    if not as_json:
        click.echo(tr("Stick: {disk}", ctx.lang, disk=confirm_text(plan.disk, ctx.lang)))
        click.echo(tr("Image: {iso} ({size})", ctx.lang, iso=plan.iso,
                      size=format_size(plan.iso_bytes, ctx.lang)))
        click.echo(tr("Persistence: {size} labelled {label}, data dir {path}", ctx.lang,
                      size=format_size(plan.part_bytes, ctx.lang),
                      label=live_stick.PERSISTENCE_LABEL, path=live_stick.DATA_DIR))
    confirm(tr("Write the live image to {disk}? Everything on it will be replaced.", ctx.lang,
               disk=confirm_text(plan.disk, ctx.lang)), assume_yes)
    bar = render.ProgressBar(ctx.lang)
    try:
        report = live_stick.execute(ctx, plan, progress=None if as_json else bar)
    finally:
        bar.close()
    emit({"result": "ok", **plan.summary(), "partition": report.partition_number,
          "verified": report.iso_sha256_verified, "seconds": round(report.seconds, 1)},
         as_json, lambda r: tr("Stick ready: image verified, persistence partition {n} "
                               "({size}) checked.", ctx.lang, n=r["partition"],
                               size=format_size(plan.part_bytes, ctx.lang)))


def _reemploi_path() -> str:
    here = Path(sys.argv[0]).resolve() if sys.argv and sys.argv[0] else None
    if here is not None and here.name == "reemploi" and here.is_file():
        return str(here)
    # Run as ``python -m reemploi``: the command installed beside this interpreter (a
    # bare "reemploi" was tried against the working directory, where the source tree's
    # reemploi/ folder made execv fail with a bare "Permission denied").
    beside = Path(sys.executable).with_name("reemploi")
    if beside.is_file():
        return str(beside)
    return shutil.which("reemploi") or "reemploi"


@stick.command("boot")
@click.option("--cmdline", type=click.Path(path_type=Path, dir_okay=False),
              default="/proc/cmdline", show_default=True,
              help="Kernel command line to read the reemploi.* parameters from.")
@click.option("--marker", type=click.Path(path_type=Path, dir_okay=False),
              default="/run/reemploi/booted", show_default=True,
              help="Present after the first start of this boot (then the menu is shown).")
@lang_option
def boot_cmd(cmdline, marker, lang):
    """What tty1 of the stick runs (reemploi-boot.service): the boot mode, then a menu."""
    ctx = make_context(None, lang)
    config = live_boot.parse_cmdline(cmdline.read_text(encoding="utf-8", errors="replace"))
    first = not marker.exists()
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()
    persistent = live_boot.persistence_present(mount_table(ctx))
    choice = None
    while True:
        action = live_boot.decide(config, first=first, choice=choice,
                                  reemploi=_reemploi_path(), home=str(ctx.home))
        first = False
        if action.argv:
            break
        click.echo(live_boot.menu_text(ctx.lang, persistent))
        try:
            answer = click.prompt(tr("Choice", ctx.lang), default="1", show_default=True)
        except (click.Abort, EOFError):
            answer = ""
        choice = live_boot.parse_choice(answer)
    sys.stdout.flush()
    sys.stderr.flush()
    if action.output:
        try:
            fd = os.open(action.output, os.O_WRONLY | os.O_NOCTTY)
        except OSError:
            fd = None           # no such port on this PC: keep tty1
        if fd is not None:
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            os.close(fd)
    os.execv(action.argv[0], list(action.argv))
