"""Which station steps are done for a machine, decided from its journal alone (pure).

The station keeps no state file: a power cut, a Ctrl-C or a SIGKILL at any step,
then a restart, must resume at the first unfinished step, and the journal (fsynced,
hash-chained) is the one record that survives all three. Each step leaves its own
events, written by the stage's own code:

* probe, checklist and grade: one append (``asset.probed``, ``asset.checked``,
  ``asset.graded``); the run's "now" is the latest ``asset.graded``;
* wipe: ``wipe.started`` before the first byte, ``wipe.done`` after; done when, since
  the grading, wipes were recorded, no disk's latest start lacks its end (a cut wipe
  leaves a start that no end names, until a later run's end on that disk) and either
  all succeeded or the profile says go on anyway;
* certificate: a ``certificate.issued`` after the last ``wipe.done``;
* image: a successful ``image.written`` after the last ``wipe.done``, none unfinished;
* documents and ready: the status ``ready`` (documents are printed just before; a cut
  between the two prints them again, which is harmless).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from .profile import Profile, Step

STARTS = {"wipe.started": "wipe.done", "image.started": "image.written"}


@dataclass(frozen=True)
class Progress:
    done: frozenset[Step]
    outcome: str | None              # the grade's outcome (ready, parts-only, ...)
    status: str | None
    wipe_events: tuple[str, ...]     # wipe.done ids since the grading, oldest first
    wipe_failed: bool                # one of them did not succeed

    def first_unfinished(self, profile: Profile) -> Step | None:
        for step in (s for s in Step if s is not Step.ASSET):
            if profile.runs(step) and step not in self.done and self.applies(step, profile):
                return step
        return None

    def applies(self, step: Step, profile: Profile) -> bool:
        """Image and ready only for a machine going back into use (the grade says so);
        a machine for parts or recycling is still wiped, certified and documented."""
        if step is Step.IMAGE:
            return self.outcome in ("ready", "ready-after-upgrade")
        if step is Step.READY:
            return self.outcome in profile.ready_when
        return True


def progress_of(events: Iterable, status: str | None, profile: Profile) -> Progress:
    """``events``: the asset's journal events in order (``inventory.events.Event``,
    read through their typed payloads, ``Event.data``)."""
    events = list(events)
    graded = max((i for i, e in enumerate(events) if e.type == "asset.graded"), default=None)
    done: set[Step] = set()
    if graded is None:
        return Progress(frozenset(), None, status, (), False)
    done |= {Step.PROBE, Step.CHECKLIST, Step.GRADE}
    verdict = events[graded].data
    outcome = verdict.verdict.get("outcome") if verdict is not None else None
    after = events[graded + 1:]
    open_: dict[tuple[str, str], str] = {}
    last_wipe = None
    wipes: list[str] = []
    failed = False
    for i, e in enumerate(after):
        # Keyed by (kind, disk): a start cut by a power cut is superseded by a later
        # run's end on the same disk (the killed run's start never gets its own end).
        if e.type in STARTS:
            open_[(e.type, _disk(e))] = e.type
        elif e.type in STARTS.values():
            start = next(k for k, v in STARTS.items() if v == e.type)
            open_.pop((start, _disk(e)), None)
        if e.type == "wipe.done":
            last_wipe = i
            wipes.append(e.id)
            failed = failed or e.data is None or e.data.result != "success"
    unfinished = set(open_.values())
    if wipes and "wipe.started" not in unfinished and (not failed or profile.on_failure == "continue"):
        done.add(Step.WIPE)
    since = after[last_wipe + 1:] if last_wipe is not None else after
    if Step.WIPE in done and any(e.type == "certificate.issued" for e in since):
        done.add(Step.CERTIFICATE)
    if Step.WIPE in done and "image.started" not in unfinished and status in ("imaged", "ready") \
            and any(e.type == "image.written" and e.data is not None
                    and e.data.result == "success" for e in since):
        done.add(Step.IMAGE)
    if status in ("ready", "out"):
        done |= {Step.WIPE, Step.CERTIFICATE, Step.IMAGE, Step.DOCUMENTS, Step.READY}
    return Progress(frozenset(done), outcome, status, tuple(wipes), failed)


def _disk(event) -> str:
    disk = event.data.disk if event.data is not None else None
    return str((disk.identity or disk.path or "") if disk is not None else "")
