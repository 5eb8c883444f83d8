"""Parser for ``nvme id-ctrl`` (pure): the controller's erase capabilities.

Fields from the NVM Express Base Specification 2.0, Figure 275 "Identify Controller
Data Structure":

* ``oacs`` (Optional Admin Command Support, bytes 257:256) bit 1: Format NVM supported;
* ``sanicap`` (Sanitize Capabilities, bytes 331:328): bit 0 Crypto Erase, bit 1 Block
  Erase, bit 2 Overwrite sanitize operations supported; bit 29 NDI (No-Deallocate
  Inhibited), bits 31:30 NODMMAS (media modified after sanitize);
* ``fna`` (Format NVM Attributes, byte 524): bit 0 format applies to all namespaces,
  bit 1 secure erase applies to all namespaces, bit 2 cryptographic erase supported
  as part of a Format NVM secure erase (so ``nvme format --ses=2`` is possible).

We accept both ``nvme id-ctrl -o json`` (numbers as JSON numbers) and the plain text
form (``sanicap   : 0x3``; ``-H`` adds indented bit lines, which we skip), because
public recordings of real drives exist in both forms.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from ..bounded import load_json
from ..errors import BadInput
from ..i18n import N_


@dataclass(frozen=True)
class NvmeCaps:
    model: str | None = None
    serial: str | None = None
    firmware: str | None = None
    oacs: int = 0
    sanicap: int = 0
    fna: int = 0

    @property
    def format_supported(self) -> bool:
        return bool(self.oacs & (1 << 1))

    @property
    def sanitize_crypto(self) -> bool:
        return bool(self.sanicap & (1 << 0))

    @property
    def sanitize_block(self) -> bool:
        return bool(self.sanicap & (1 << 1))

    @property
    def sanitize_overwrite(self) -> bool:
        return bool(self.sanicap & (1 << 2))

    @property
    def format_crypto_supported(self) -> bool:
        return bool(self.fna & (1 << 2))

    @property
    def format_all_namespaces(self) -> bool:
        return bool(self.fna & (1 << 0))


def _num(value) -> int:
    if isinstance(value, int):
        return value
    text = str(value).strip().split()[0].replace(",", "") if str(value).strip() else "0"
    return int(text, 16) if text.lower().startswith("0x") else int(text)


def _text_fields(text: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if not line or line[0].isspace() or line.startswith("["):
            continue  # -H bit explanations are indented
        m = re.match(r"^([a-z0-9_]+)\s*:\s*(.*)$", line)
        if m:
            value = m.group(2).split("  #")[0].strip()
            fields.setdefault(m.group(1), value)
    return fields


def parse_nvme_id_ctrl(text: str) -> NvmeCaps:
    """Capabilities from ``nvme id-ctrl`` output (JSON or text)."""
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            data = load_json(stripped, "nvme id-ctrl")
        except json.JSONDecodeError as exc:
            raise BadInput(what="nvme id-ctrl JSON", why=str(exc)) from None
    else:
        data = _text_fields(stripped)
        if "sanicap" not in data and "oacs" not in data:
            raise BadInput(what="nvme id-ctrl output", why=N_("no oacs/sanicap field"))

    def s(key):
        v = data.get(key)
        return str(v).strip() or None if v is not None else None

    try:
        return NvmeCaps(model=s("mn"), serial=s("sn"), firmware=s("fr"),
                        oacs=_num(data.get("oacs", 0)), sanicap=_num(data.get("sanicap", 0)),
                        fna=_num(data.get("fna", 0)))
    except ValueError as exc:
        raise BadInput(what="nvme id-ctrl output", why=str(exc)) from None
