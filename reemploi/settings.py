"""Workshop settings: identity, asset-id prefix, label QR payload, report details.

Read from ``<home>/settings.toml`` (TOML, optional; every key has a default). One
file per data directory, so the live USB's persistence partition carries it along.

    [workshop]
    name = "Atelier bidouille"
    prefix = "TRI"                  # asset ids: TRI-A-26-00042
    siret = "12345678900012"
    departement = "69"
    address = "..."
    contact = "atelier@example.org"
    qr_payload = "{id}"             # or "https://inventaire.example.org/m/{id}"

    [station]
    code = "A"                      # one letter/digit per station, unique in the workshop

Every value is checked when the file is loaded, which every command does before it
writes anything: a hand-edited mistake (``station = "B"`` instead of a ``[station]``
table, ``qr_payload = "https://x.org/{asset}"``) is one clear error (exit 7) naming
the key, instead of a crash half-way through a command (``intake --labels`` used to
save the lot, then crash on the label: a retry duplicated the lot).
"""

from __future__ import annotations

import re
import string
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from .errors import BadInput
from .i18n import N_
from .syserr import reason


@dataclass(frozen=True)
class Workshop:
    name: str = "Atelier de réemploi"
    prefix: str = "REE"
    siret: str | None = None
    departement: str | None = None
    address: str | None = None
    contact: str | None = None
    qr_payload: str = "{id}"


@dataclass(frozen=True)
class Settings:
    workshop: Workshop = Workshop()
    station_code: str = "A"
    # [atelier] retention_days: how long a trainee's or trainer's first name is shown
    # after their last sitting; then documents show a pseudonym (reemploi/atelier/record.py).
    atelier_retention_days: int = 365

    def qr_payload(self, asset_id: str) -> str:
        # Checked at load (check_qr_payload): {id} is the only field.
        return self.workshop.qr_payload.format(id=asset_id)


class SettingsError(BadInput):
    """A problem in settings.toml; ``msg`` names it, ``path`` the file."""


# A settings file is a dozen lines; anything much bigger is the wrong file.
MAX_BYTES = 64 << 10
# Longest value a label or sheet can print (the address wraps on the sheet).
MAX_LEN = {"address": 400, "qr_payload": 200}
DEFAULT_MAX_LEN = 120
# [sync] is read and checked by reemploi.sync.config (server URL, auto_push, timeout).
SECTIONS = ("workshop", "station", "atelier", "sync")
PREFIX_RE = re.compile(r"^[A-Z0-9]{1,10}$")
STATION_RE = re.compile(r"^[A-Z0-9]{1,3}$")
# Other id families start with these words (LOT-A-26-0007, DON-A-0003): an asset
# prefix equal to one would make ids ambiguous when scanned.
RESERVED_PREFIXES = ("LOT", "DON")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

TOO_LARGE = N_("{path} is too large for a settings file ({size} bytes)")
NOT_UTF8 = N_("{path} is not UTF-8 text")
NOT_TOML = N_("{path} is not valid TOML: {detail}")
UNREADABLE = N_("{path} cannot be read: {detail}")
UNKNOWN_KEY = N_("{path}: unknown setting '{key}' (known: {known})")
NOT_A_TABLE = N_("{path}: '{key}' must be a section: write [{key}] on its own line, "
                 "then one setting per line")
NOT_TEXT = N_("{path}: '{key}' must be text in quotes")
TOO_LONG = N_("{path}: '{key}' is too long ({length} characters, at most {limit})")
CONTROL_CHAR = N_("{path}: '{key}' holds a control character")
BAD_PREFIX = N_("{path}: [workshop] prefix must be 1 to 10 letters or digits (not LOT or "
                "DON), got '{value}'")
BAD_RETENTION = N_("{path}: [atelier] retention_days must be a whole number of days, "
                   "from 1 to 36500, got '{value}'")
BAD_STATION = N_("{path}: [station] code must be 1 to 3 letters or digits, got '{value}'")
BAD_QR = N_("{path}: [workshop] qr_payload must contain {{id}}, where the asset id goes, "
            "and no other field in braces (write {{{{ or }}}} for a brace); got '{value}'")


def _text(path: Path, section: str, key: str, value: object) -> str:
    name = f"{section}.{key}"
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise SettingsError(NOT_TEXT, path=str(path), key=name)
    text = str(value).strip()
    limit = MAX_LEN.get(key, DEFAULT_MAX_LEN)
    if len(text) > limit:
        raise SettingsError(TOO_LONG, path=str(path), key=name, length=len(text), limit=limit)
    if _CONTROL.search(text) or (key != "address" and "\n" in text):
        raise SettingsError(CONTROL_CHAR, path=str(path), key=name)
    return text


def check_qr_payload(path: Path, value: str) -> str:
    """``value`` with exactly the ``{id}`` field (once or more), no other field."""
    try:
        fields = [(f, spec, conv) for _lit, f, spec, conv in string.Formatter().parse(value)
                  if f is not None]
    except ValueError:                        # "{" alone, "}" alone
        fields = [("", None, None)]
    if not fields or any(f != "id" or spec or conv for f, spec, conv in fields):
        raise SettingsError(BAD_QR, path=str(path), value=value)
    return value


def _table(path: Path, data: dict, key: str) -> dict:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise SettingsError(NOT_A_TABLE, path=str(path), key=key)
    return value


def parse_settings(raw: bytes, path: Path) -> Settings:
    """Settings from the bytes of a settings.toml; ``SettingsError`` on any problem."""
    if len(raw) > MAX_BYTES:
        raise SettingsError(TOO_LARGE, path=str(path), size=len(raw))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SettingsError(NOT_UTF8, path=str(path)) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(NOT_TOML, path=str(path), detail=reason(exc)) from None
    except RecursionError:                    # a = [[[[…]]]] thousands deep
        raise SettingsError(NOT_TOML, path=str(path), detail=N_("nesting too deep")) from None
    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        raise SettingsError(UNKNOWN_KEY, path=str(path), key=unknown[0],
                            known=", ".join(f"[{s}]" for s in SECTIONS))
    ws = _table(path, data, "workshop")
    known = tuple(Workshop.__dataclass_fields__)
    for key in sorted(ws):
        if key not in known:
            raise SettingsError(UNKNOWN_KEY, path=str(path), key=f"workshop.{key}",
                                known=", ".join(known))
    values = {k: _text(path, "workshop", k, v) for k, v in ws.items()}
    if "prefix" in values:
        prefix = values["prefix"].upper()
        if not PREFIX_RE.match(prefix) or prefix in RESERVED_PREFIXES:
            raise SettingsError(BAD_PREFIX, path=str(path), value=values["prefix"])
        values["prefix"] = prefix
    if "qr_payload" in values:
        check_qr_payload(path, values["qr_payload"])
    st = _table(path, data, "station")
    for key in sorted(st):
        if key != "code":
            raise SettingsError(UNKNOWN_KEY, path=str(path), key=f"station.{key}", known="code")
    code = _text(path, "station", "code", st.get("code", "A")).upper()
    if not STATION_RE.match(code):
        raise SettingsError(BAD_STATION, path=str(path), value=st.get("code"))
    at = _table(path, data, "atelier")
    for key in sorted(at):
        if key != "retention_days":
            raise SettingsError(UNKNOWN_KEY, path=str(path), key=f"atelier.{key}",
                                known="retention_days")
    days = at.get("retention_days", Settings.atelier_retention_days)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 36500:
        raise SettingsError(BAD_RETENTION, path=str(path), value=days)
    return Settings(workshop=replace(Workshop(), **values), station_code=code,
                    atelier_retention_days=days)


def load_settings(home: Path) -> Settings:
    path = Path(home) / "settings.toml"
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        return Settings()
    except PermissionError:
        from .system.files import check_private_dir
        check_private_dir(Path(home))         # another user's data directory: exit 4/8
        raise SettingsError(UNREADABLE, path=str(path), detail=N_("permission denied")) from None
    except OSError as exc:
        raise SettingsError(UNREADABLE, path=str(path), detail=reason(exc)) from None
    return parse_settings(raw, path)
