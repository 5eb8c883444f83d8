"""What tty1 of the stick runs: the mode chosen at the boot menu, then a menu.

``reemploi-boot.service`` (live/includes.chroot) starts ``reemploi stick boot`` on tty1
and restarts it whenever it ends. The first start of a boot follows the kernel command
line (``reemploi.mode=station|atelier|shell|ci``, set by the boot menu's entries); every
later start (the station finished, the shell was left) shows the menu. The decision is a
pure function of the command line, the mount table and the operator's choice, so it is
tested without booting; the command then replaces itself (``os.execv``) with what was
decided, leaving tty1 to it.

Other parameters: ``reemploi.profile=PATH`` (the unattended profile of the ``ci`` mode,
default ``<data>/profiles/ci.toml``), ``reemploi.console=ttyS1`` (where the ``ci`` mode
writes: the second serial port, since output on the console tty hung a test run, issue
13), ``reemploi.persistence=optional`` (run the station without a persistence partition:
its records are lost at power-off).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ..i18n import N_, tr
from ..system.blockdev import Mount, mount_of_path
from .stick import DATA_DIR


class Mode(str, enum.Enum):
    STATION = "station"
    ATELIER = "atelier"
    SHELL = "shell"
    CI = "ci"


@dataclass(frozen=True)
class BootConfig:
    mode: Mode = Mode.STATION
    profile: str | None = None
    console: str = "ttyS1"
    persistence_optional: bool = False
    unknown: tuple[str, ...] = ()          # reemploi.* parameters we did not understand


def parse_cmdline(text: str) -> BootConfig:
    """The ``reemploi.*`` parameters of a kernel command line (/proc/cmdline)."""
    mode, profile, console, optional, unknown = Mode.STATION, None, "ttyS1", False, []
    for word in text.split():
        if not word.startswith("reemploi."):
            continue
        key, _, value = word.partition("=")
        if key == "reemploi.mode" and value in {m.value for m in Mode}:
            mode = Mode(value)
        elif key == "reemploi.profile" and value:
            profile = value
        elif key == "reemploi.console" and value.replace("tty", "", 1).isalnum():
            console = value
        elif key == "reemploi.persistence" and value == "optional":
            optional = True
        elif key == "reemploi.mirror":
            pass                # read by reemploi-mirror.service (live/includes.chroot)
        else:
            unknown.append(word)
    return BootConfig(mode, profile, console, optional, tuple(unknown))


def persistence_present(mounts: tuple[Mount, ...]) -> bool:
    """live-boot bound the persistence partition's data dir on /var/lib/reemploi."""
    m = mount_of_path(mounts, DATA_DIR)
    return m is not None and m.mountpoint == DATA_DIR


class Choice(str, enum.Enum):
    STATION = "1"
    ATELIER = "2"
    SHELL = "3"
    POWEROFF = "4"
    REBOOT = "5"


MENU = (
    (Choice.STATION, N_("Station: the whole job for this PC, from probe to labels")),
    (Choice.ATELIER, N_("Atelier: build a PC and learn what each part does")),
    (Choice.SHELL, N_("Shell (root)")),
    (Choice.POWEROFF, N_("Power off")),
    (Choice.REBOOT, N_("Restart")),
)


@dataclass(frozen=True)
class Action:
    argv: tuple[str, ...]                  # what replaces `stick boot` on tty1 (() = menu)
    output: str | None = None              # device for stdout/stderr (ci mode)


def decide(config: BootConfig, *, first: bool, choice: Choice | None,
           reemploi: str, home: str = DATA_DIR) -> Action:
    """What tty1 runs next. ``first``: first start since boot (follow the command line);
    else ``choice`` is the operator's menu answer (None: show the menu).

    Whether the data dir is persistent is the station's own check (it refuses to run
    otherwise, and says why); ``reemploi.persistence=optional`` passes it
    ``--no-persistence``."""
    if first:
        mode = config.mode
    elif config.mode is Mode.CI:
        # The unattended run is over (the unit restarted us): power off, the test reads
        # the stick's persistence partition.
        return Action(("/bin/systemctl", "poweroff"))
    elif choice is None:
        return Action(())
    else:
        mode = {Choice.STATION: Mode.STATION, Choice.ATELIER: Mode.ATELIER,
                Choice.SHELL: Mode.SHELL}.get(choice)
        if mode is None:
            verb = "poweroff" if choice is Choice.POWEROFF else "reboot"
            return Action(("/bin/systemctl", verb))
    if mode is Mode.SHELL:
        return Action(("/bin/bash", "--login"))
    if mode is Mode.ATELIER:
        return Action((reemploi, "atelier"))
    optional = ("--no-persistence",) if config.persistence_optional else ()
    if mode is Mode.CI:
        profile = config.profile or f"{home}/profiles/ci.toml"
        # The shell reports the station's exit status on the same port, then powers off.
        script = ('"$0" station --profile "$@"; echo "reemploi-ci: station exit $?"; '
                  '/bin/systemctl poweroff')
        return Action(("/bin/sh", "-c", script, reemploi, profile, *optional),
                      output=f"/dev/{config.console}")
    return Action((reemploi, "station", *optional))


def menu_text(lang: str | None, persistent: bool) -> str:
    lines = [tr("reemploi: live USB stick", lang), ""]
    lines += [f"  {choice.value}  {tr(label, lang)}" for choice, label in MENU]
    lines += ["", tr("Records: persistence partition ({path})", lang, path=DATA_DIR)
              if persistent else tr("Records: NONE (no persistence partition)", lang), ""]
    return "\n".join(lines)


def parse_choice(answer: str) -> Choice | None:
    answer = answer.strip() or Choice.STATION.value
    try:
        return Choice(answer)
    except ValueError:
        return None
