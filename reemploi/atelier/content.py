"""The atelier's words as data: reemploi/data/atelier/{fr,en}.toml and facts.toml.

Sentences live in one file per language; every number they compare with lives once
in ``facts.toml`` with its source, so French and English cannot disagree on a
figure. Loading checks the shape (a missing title or step is a ``BadInput``, exit 7,
naming the file and key) so a workshop editing the wording gets a clear message.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

from ..errors import BadInput
from ..i18n import normalise
from ..syserr import reason

DATA = Path(__file__).resolve().parent.parent / "data" / "atelier"

# The guided build, in order (the list: safety → … → carnet).
STEPS = ("safety", "motherboard", "cpu", "ram", "psu", "disk", "power_on", "identity",
         "emmabuntus", "quiz", "carnet")
# CRCN competences practised in the atelier (décret n° 2019-919, annexe): 5.1 and 5.2
# by building and starting the machine, 4.3 by reusing parts instead of discarding.
COMPETENCES = ("5.1", "5.2", "4.3")


@dataclass(frozen=True)
class Source:
    id: str
    what: str
    url: str
    note: str = ""


@dataclass(frozen=True)
class PartText:
    kind: str
    title: str
    what: str
    says: Mapping[str, str]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class StepText:
    key: str
    title: str
    todo: str
    why: str
    check: str | None
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Content:
    lang: str
    parts: Mapping[str, PartText]
    steps: tuple[StepText, ...]
    card: Mapping[str, str]
    checks: Mapping[str, str]
    quiz: Mapping[str, Mapping[str, str]]
    competences: tuple[tuple[str, str], ...]
    competences_heading: str
    competences_note: str

    def step(self, key: str) -> StepText:
        return next(s for s in self.steps if s.key == key)


@dataclass(frozen=True)
class Facts:
    constants: Mapping[str, float]
    part_weights_kg: Mapping[str, float]
    sources: Mapping[str, Source]


def _read(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise BadInput(what=str(path), why=reason(exc)) from None


def _text(table: Mapping, key: str, path: Path, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise BadInput(what=str(path), why=f"{where}.{key} is missing or empty")
    return value.strip()


@functools.lru_cache(maxsize=None)
def load_facts(folder: Path = DATA) -> Facts:
    path = folder / "facts.toml"
    data = _read(path)
    sources = {}
    for sid, s in (data.get("sources") or {}).items():
        sources[sid] = Source(sid, _text(s, "what", path, f"sources.{sid}"),
                              _text(s, "url", path, f"sources.{sid}"), str(s.get("note", "")))
    return Facts(MappingProxyType(dict(data.get("constants") or {})),
                 MappingProxyType(dict(data.get("part_weights_kg") or {})),
                 MappingProxyType(sources))


@functools.lru_cache(maxsize=None)
def load_content(lang: str, folder: Path = DATA) -> Content:
    code = normalise(lang)
    path = folder / f"{code}.toml"
    data = _read(path)
    known = load_facts(folder).sources

    def srcs(table: Mapping, where: str) -> tuple[str, ...]:
        ids = tuple(table.get("sources") or ())
        unknown = [s for s in ids if s not in known]
        if not ids or unknown:
            raise BadInput(what=str(path), why=f"{where}.sources: none or unknown {unknown}")
        return ids

    parts = {}
    for kind, t in (data.get("parts") or {}).items():
        if kind == "disk":          # sentences shared by every disk kind, no title
            continue
        where = f"parts.{kind}"
        parts[kind] = PartText(kind, _text(t, "title", path, where), _text(t, "what", path, where),
                               MappingProxyType(dict(t.get("says") or {})), srcs(t, where))
    disk_says = MappingProxyType(dict(((data.get("parts") or {}).get("disk") or {}).get("says")
                                      or {}))
    parts = {k: (PartText(p.kind, p.title, p.what, disk_says, p.sources)
                 if k.startswith("disk_") else p) for k, p in parts.items()}
    steps = []
    for key in STEPS:
        t = (data.get("steps") or {}).get(key)
        if t is None:
            raise BadInput(what=str(path), why=f"steps.{key} is missing")
        steps.append(StepText(key, _text(t, "title", path, f"steps.{key}"),
                              _text(t, "todo", path, f"steps.{key}"),
                              _text(t, "why", path, f"steps.{key}"), t.get("check"),
                              srcs(t, f"steps.{key}")))
    comp = data.get("competences") or {}
    items = comp.get("items") or {}
    missing = [c for c in COMPETENCES if c not in items]
    if missing:
        raise BadInput(what=str(path), why=f"competences.items lacks {missing}")
    return Content(
        lang=code, parts=MappingProxyType(parts), steps=tuple(steps),
        card=MappingProxyType(dict(data.get("card") or {})),
        checks=MappingProxyType(dict(data.get("checks") or {})),
        quiz=MappingProxyType({k: MappingProxyType(dict(v))
                               for k, v in (data.get("quiz") or {}).items()}),
        competences=tuple((c, str(items[c])) for c in COMPETENCES),
        competences_heading=_text(comp, "heading", path, "competences"),
        competences_note=_text(comp, "note", path, "competences"))


def french_competences() -> tuple[tuple[str, str], ...]:
    """The official (French) titles, printed on every carnet whatever its language."""
    return load_content("fr").competences


def part_weight(part_kind: str, facts: dict) -> tuple[float, bool]:
    """The part's weighed mass (facts ``weight_kg``), else facts.toml's estimate. Here,
    beside the table it reads, so the statistics weigh a Jerry's parts without
    importing the atelier's records (their typed inventory state: ~50 ms of start)."""
    w = facts.get("weight_kg")
    if isinstance(w, (int, float)) and not isinstance(w, bool) and w > 0:
        return float(w), True
    table = load_facts().part_weights_kg
    return float(table.get(part_kind, table["other"])), False
