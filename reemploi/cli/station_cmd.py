"""``reemploi station``: the one-command flow for the PC it runs on (thin command)."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import click

from .. import i18n
from ..errors import ReemploiError
from ..station.flow import run_station
from ..station.profile import Profile, load_profile
from ..station.ui import LineUi
from .common import (ASSET_ID, dump_json, home_option, json_option, lang_option, make_context,
                     operator_option)


@click.command("station")
@click.option("--profile", "profile_file", type=click.Path(path_type=Path, dir_okay=False),
              default=None, envvar="REEMPLOI_PROFILE",
              help="Unattended profile (TOML): every answer given, no keypress needed.")
@click.option("--asset", "asset_id", default=None, type=ASSET_ID,
              help="Asset id of this machine (typed or scanned); default: asked, or found "
                   "by the machine's identity.")
@click.option("--disk", "disks", multiple=True,
              help="Wipe this disk instead of the machine's own disks (repeatable).")
@click.option("--replay", "replay_dir", type=click.Path(path_type=Path, file_okay=False),
              default=None, help="Probe a recorded machine folder instead of this machine.")
@click.option("--image", "image", default=None,
              help="Image to install (catalogue name or file; 'none' for no image). "
                   "Default: the one the grade chooses.")
@click.option("--disks", "loose", is_flag=True,
              help="Wiping station: wipe every loose disk plugged in, each under its part id.")
@click.option("--no-persistence", is_flag=True,
              help="Run even though the data directory would be lost at power-off.")
@click.option("--lines", "force_lines", is_flag=True,
              help="Print one line per event instead of the full-screen display.")
@operator_option
@json_option
@lang_option
@home_option
def station(profile_file, asset_id, disks, replay_dir, image, loose, no_persistence, force_lines,
            as_json, lang, home):
    """Guided run on this PC, from asset id to ready; resumes where it stopped."""
    profile = load_profile(profile_file) if profile_file else Profile()
    if profile.lang and not lang:
        i18n.set_language(profile.lang)
    if replay_dir is not None:
        profile = replace(profile, replay=replay_dir)
    if image is not None:
        profile = replace(profile, image=image)
    ctx = make_context(home, lang or profile.lang, assume_yes=profile.unattended)
    ui = _ui(ctx.lang, profile, as_json, force_lines)
    try:
        if loose:
            from ..station.loose import run_loose
            if no_persistence:
                profile = replace(profile, require_persistence=False)
            report = run_loose(ctx, profile, ui, disks=tuple(disks))
        else:
            report = run_station(ctx, profile, ui, disks=tuple(disks), asset=asset_id,
                                 allow_no_persistence=no_persistence)
    except ReemploiError as exc:
        ui.finish()
        if as_json:
            partial = getattr(exc, "station_report", None)
            click.echo(dump_json({**(partial.to_dict() if partial else {}),
                                  "result": "failed", "error": exc.render(),
                                  "exit_code": int(exc.exit_code)}))
        raise
    except KeyboardInterrupt:
        ui.finish()
        raise
    ui.finish()
    # The journal goes to the network's server when [sync] auto_push is set; offline or
    # refused, the station carries on and the next push sends it (docs/central.md).
    from ..sync.client import push_if_configured
    _, why = push_if_configured(ctx.home, ctx.station, ctx.operator)
    if why:
        click.echo(why, err=True)
    if as_json:
        click.echo(dump_json({**report.to_dict(), "result": "success"}))


def _ui(lang: str, profile: Profile, as_json: bool, force_lines: bool):
    screen = (not profile.unattended and not as_json and not force_lines
              and sys.stdin is not None and sys.stdin.isatty() and sys.stdout.isatty())
    if screen:
        from ..station.screen import ScreenUi
        return ScreenUi(lang)
    return LineUi(lang, stream=sys.stderr if as_json else sys.stdout)
