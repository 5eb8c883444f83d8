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
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from .errors import BadInput


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

    def qr_payload(self, asset_id: str) -> str:
        return self.workshop.qr_payload.format(id=asset_id)


def load_settings(home: Path) -> Settings:
    path = Path(home) / "settings.toml"
    if not path.exists():
        return Settings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise BadInput(what=str(path), why=str(exc)) from None
    ws = data.get("workshop", {})
    known = set(Workshop.__dataclass_fields__)
    unknown = set(ws) - known
    if unknown:
        raise BadInput(what=str(path), why="unknown keys in [workshop]: " + ", ".join(sorted(unknown)))
    workshop = replace(Workshop(), **{k: str(v) for k, v in ws.items()})
    code = str(data.get("station", {}).get("code", "A"))
    if not code.isalnum() or len(code) > 3:
        raise BadInput(what=str(path), why="[station] code must be 1-3 letters or digits")
    return Settings(workshop=workshop, station_code=code.upper())
