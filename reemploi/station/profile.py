"""The station profile: what an unattended run does, as a TOML file (pure parser).

With ``reemploi station --profile FILE`` every question the station would ask has its
answer here, so the run needs no keypress from start to end (the technician's
"autonuke"; the live stick's CI boots with one). Without a profile the station asks.

    [station]
    steps = ["probe", "checklist", "grade", "wipe", "certificate", "image",
             "documents", "ready"]          # default: all; "asset" always runs
    asset = "identity"        # identity (find by the machine's identity, else new) | new (never
                              # resumes: a new id each run) | an id
    lang = "fr"
    replay = "…/machines/x"   # grade a recorded machine folder (tests, demos)
    require_persistence = true  # on a live system, refuse to run without persistence
    disks = []                # explicit wipe targets (default: the machine's own disks)
    exclude = []              # disks never wiped: /dev/sdX or serial:XYZ
    ready_when = ["ready"]    # grade outcomes the station marks ready

    [checklist]               # answers for the operator checklist
    keyboard = "ok"           # ok | fail | na, for any checklist item
    cosmetic = "B"

    [wipe]
    method = "auto"           # as ``reemploi wipe --method``
    verify = "full"           # full (default: every byte, issue 11) | sample | none
    on_failure = "stop"       # stop | continue (certify what was wiped, go on)

    [image]
    name = "auto"             # auto (the grade's choice) | a catalogue name or file | "none"
    verify = true
    disk = ""                 # target (default: the best wiped disk)

    [documents]
    printer = ""              # CUPS queue; "" writes the PDFs only
    template = "L7160"
    sheet = true
"""

from __future__ import annotations

import enum
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BadInput
from ..i18n import N_
from ..grade.checks import COSMETIC, ITEMS
from ..wipe.plan import METHODS, VERIFY_MODES
from ..syserr import reason


class Step(str, enum.Enum):
    """The station's steps, in order."""
    ASSET = "asset"
    PROBE = "probe"
    CHECKLIST = "checklist"
    GRADE = "grade"
    WIPE = "wipe"
    CERTIFICATE = "certificate"
    IMAGE = "image"
    DOCUMENTS = "documents"
    READY = "ready"


STEPS = tuple(Step)
ON_FAILURE = ("stop", "continue")
OUTCOMES = ("ready", "ready-after-upgrade", "parts-only", "recycling")


@dataclass(frozen=True)
class Profile:
    steps: tuple[Step, ...] = STEPS
    asset: str = "identity"
    lang: str | None = None
    replay: Path | None = None
    require_persistence: bool = True
    disks: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    ready_when: tuple[str, ...] = ("ready",)
    checks: dict = field(default_factory=dict)        # item -> ok|fail|na
    cosmetic: str | None = None
    notes: str | None = None
    wipe_method: str = "auto"
    wipe_verify: str = "full"
    on_failure: str = "stop"
    image: str = "auto"
    image_verify: bool = True
    image_disk: str | None = None
    printer: str | None = None
    template: str | None = None
    sheet: bool = True
    unattended: bool = False       # True when read from a file: never ask anything

    def runs(self, step: Step) -> bool:
        return step is Step.ASSET or step in self.steps


# What is wrong with a profile, whole sentences in the catalogues (station_profile.po),
# so a French station says it in French (the detail was English inside "Cannot read").
NOT_TEXT = N_("{path}: {field} must be a word between quotes")
NOT_ONE_OF = N_("{path}: {field} = '{value}' is not one of: {choices}")
NOT_LIST = N_("{path}: {field} must be a list of words between quotes")
UNKNOWN_IN_LIST = N_("{path}: {field}: {wrong} unknown (expected: {choices})")
NOT_BOOL = N_("{path}: {field} must be true or false")
NOT_TOML = N_("{path}: not a valid TOML file (line {line}, column {column})")
UNKNOWN_SECTION = N_("{path}: unknown section [{section}]")
UNKNOWN_KEYS = N_("{path}: unknown key(s) in [{section}]: {keys}")
UNREADABLE = N_("{path}: cannot be read ({detail})")
_TOML_AT = re.compile(r"\(at line (\d+), column (\d+)\)")


def _bad(path: Path | str, msg: str, **params) -> BadInput:
    return BadInput(msg, path=str(path), **params)


def _str(table: dict, key: str, where: str, path, default=None, choices=None):
    value = table.get(key, default)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _bad(path, NOT_TEXT, field=f"{where}.{key}")
    if choices is not None and value not in choices:
        raise _bad(path, NOT_ONE_OF, field=f"{where}.{key}", value=value[:60],
                   choices=", ".join(choices))
    return value


def _list(table: dict, key: str, where: str, path, choices=None) -> tuple[str, ...] | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _bad(path, NOT_LIST, field=f"{where}.{key}")
    if choices is not None:
        wrong = [v for v in value if v not in choices]
        if wrong:
            raise _bad(path, UNKNOWN_IN_LIST, field=f"{where}.{key}", wrong=", ".join(wrong),
                       choices=", ".join(choices))
    return tuple(value)


def _bool(table: dict, key: str, where: str, path, default: bool) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise _bad(path, NOT_BOOL, field=f"{where}.{key}")
    return value


KNOWN = {"station": {"steps", "asset", "lang", "replay", "require_persistence", "disks",
                     "exclude", "ready_when"},
         "checklist": set(ITEMS) | {"cosmetic", "notes"},
         "wipe": {"method", "verify", "on_failure"},
         "image": {"name", "verify", "disk"},
         "documents": {"printer", "template", "sheet"}}


def parse_profile(text: str, path: Path | str = "profile") -> Profile:
    """A Profile from TOML text; unknown sections or keys are errors (a typo in an
    unattended profile must not silently wipe with the defaults)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        at = _TOML_AT.search(str(exc))
        raise _bad(path, NOT_TOML, line=at.group(1) if at else "?",
                   column=at.group(2) if at else "?") from None
    for section, body in data.items():
        if section not in KNOWN or not isinstance(body, dict):
            raise _bad(path, UNKNOWN_SECTION, section=section)
        extra = sorted(set(body) - KNOWN[section])
        if extra:
            raise _bad(path, UNKNOWN_KEYS, section=section, keys=", ".join(extra))
    st, ck = data.get("station", {}), data.get("checklist", {})
    wp, im, doc = data.get("wipe", {}), data.get("image", {}), data.get("documents", {})
    steps = _list(st, "steps", "station", path, [s.value for s in STEPS])
    checks = {}
    for item in ITEMS:
        value = _str(ck, item, "checklist", path, choices=("ok", "fail", "na"))
        if value is not None:
            checks[item] = value
    replay = _str(st, "replay", "station", path)
    base = Path(path).parent if isinstance(path, Path) else Path.cwd()
    return Profile(
        steps=tuple(Step(s) for s in steps) if steps is not None else STEPS,
        asset=_str(st, "asset", "station", path, "identity"),
        lang=_str(st, "lang", "station", path, choices=("fr", "en")),
        replay=(base / replay) if replay else None,
        require_persistence=_bool(st, "require_persistence", "station", path, True),
        disks=_list(st, "disks", "station", path) or (),
        exclude=_list(st, "exclude", "station", path) or (),
        ready_when=_list(st, "ready_when", "station", path, OUTCOMES) or ("ready",),
        checks=checks,
        cosmetic=(_str(ck, "cosmetic", "checklist", path, choices=COSMETIC + tuple(
            c.lower() for c in COSMETIC)) or "").upper() or None,
        notes=_str(ck, "notes", "checklist", path),
        wipe_method=_str(wp, "method", "wipe", path, "auto", METHODS),
        wipe_verify=_str(wp, "verify", "wipe", path, "full", VERIFY_MODES),
        on_failure=_str(wp, "on_failure", "wipe", path, "stop", ON_FAILURE),
        image=_str(im, "name", "image", path, "auto"),
        image_verify=_bool(im, "verify", "image", path, True),
        image_disk=_str(im, "disk", "image", path) or None,
        printer=_str(doc, "printer", "documents", path) or None,
        template=_str(doc, "template", "documents", path) or None,
        sheet=_bool(doc, "sheet", "documents", path, True),
        unattended=True)


def load_profile(path: Path) -> Profile:
    try:
        from ..bounded import read_at_most      # a profile is a few lines; not read whole
        text = read_at_most(path, 1 << 20).decode("utf-8")
    except OSError as exc:
        raise _bad(path, UNREADABLE, detail=reason(exc)) from None
    return parse_profile(text, Path(path))
