"""The station's sync settings and what it pinned at enrolment.

``<home>/settings.toml``:

    [sync]
    server = "https://inventaire.example.org"
    auto_push = true        # push at the end of each station flow (never blocks it)
    timeout = 10            # seconds per request

``<home>/sync/server.json`` (written by ``sync enrol``): the server's URL, network
name and Ed25519 public key (pinned: receipts signed by another key are refused), the
station id and the one-time code shown. ``<home>/sync/receipt.json``: the last
receipt, kept beside the journal so that cutting the journal cannot remove it too.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..errors import BadInput
from ..jsondoc import read_object, write_object
from ..settings import load_settings
from .protocol import station_id
from ..syserr import reason

SYNC_DIR = "sync"
SERVER_FILE = "server.json"
RECEIPT_FILE = "receipt.json"


@dataclass(frozen=True)
class SyncSettings:
    server: str | None = None
    auto_push: bool = False
    timeout: float = 10.0


def load_sync_settings(home: Path) -> SyncSettings:
    path = Path(home) / "settings.toml"
    if not path.exists():
        return SyncSettings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8")).get("sync", {})
        return SyncSettings(server=str(data["server"]).rstrip("/") if data.get("server") else None,
                            auto_push=bool(data.get("auto_push", False)),
                            timeout=float(data.get("timeout", 10.0)))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, TypeError, ValueError,
            AttributeError) as exc:
        raise BadInput(what=str(path), why=f"[sync]: {reason(exc)}") from None


def this_station(home: Path) -> str:
    s = load_settings(home)
    return station_id(s.workshop.prefix, s.station_code)


def sync_dir(home: Path) -> Path:
    path = Path(home) / SYNC_DIR
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


read_json = read_object        # sync/*.json: None when missing, BadInput when not an object
write_json = write_object      # atomic and private (0600)


def pinned_server(home: Path) -> dict | None:
    return read_json(Path(home) / SYNC_DIR / SERVER_FILE)


def last_receipt(home: Path) -> dict | None:
    return read_json(Path(home) / SYNC_DIR / RECEIPT_FILE)
