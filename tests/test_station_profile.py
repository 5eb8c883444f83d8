"""The station's pure parts: the profile parser, the resume decision from journal
events, and the persistence check on a live system's mount table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import ROOT
from reemploi.context import Context
from reemploi.errors import BadInput
from reemploi.station.flow import NoPersistence, check_persistence
from reemploi.station.profile import Profile, Step, parse_profile
from reemploi.inventory.events import Event
from reemploi.station.progress import progress_of
from reemploi.system.sysfs import Sysfs


def test_the_documented_profile_parses():
    doc = (ROOT / "docs" / "station.md").read_text(encoding="utf-8")
    block = re.search(r"```toml\n(.*?)```", doc, re.S).group(1)
    p = parse_profile(block, "docs/station.md")
    assert p.unattended and all(p.runs(s) for s in Step)
    assert p.wipe_verify == "full" and p.on_failure == "stop" and p.checks == {"keyboard": "ok"}
    assert p.cosmetic == "B" and p.image == "auto" and p.printer is None


@pytest.mark.parametrize("text, word", [
    ('[wipe]\nmethod = "shred"\n', "shred"),
    ('[wipe]\nverfy = "full"\n', "verfy"),
    ('[stations]\n', "stations"),
    ('[station]\nsteps = ["probe", "wipes"]\n', "wipes"),
    ('[checklist]\nwebcam = "broken"\n', "webcam"),
    ('[image]\nverify = "yes"\n', "verify"),
    ('[station\n', "profile"),
])
def test_a_typo_is_an_error_not_a_default(text, word):
    with pytest.raises(BadInput) as err:
        parse_profile(text, "profile")
    assert word in err.value.render()


def Ev(type: str, payload: dict | None = None) -> Event:
    """A journal event as the station reads it (typed through ``Event.data``)."""
    return Event(seq=0, id="", time="2026-12-06T10:00:00Z", station="T", operator=None,
                 asset_id="T-A-26-00001", type=type, payload=payload or {})


# The disk and image as the wipe and image stages name them; only the keys the
# progress reads matter here.
DISK = {"disk": {"identity": "serial:A"}}
IMAGE = {**DISK, "image": {"name": "master"}}


@pytest.mark.parametrize("events, status, first", [
    ([], None, Step.PROBE),
    ([Ev("asset.graded", {"verdict": {"outcome": "ready"}})], "diagnosed", Step.WIPE),
    # cut mid-wipe: a start without its end
    ([Ev("asset.graded", {"verdict": {"outcome": "ready"}}), Ev("wipe.started", DISK)],
     "diagnosed", Step.WIPE),
    # the restart's wipe ends: the cut start is superseded
    ([Ev("asset.graded", {"verdict": {"outcome": "ready"}}), Ev("wipe.started", DISK),
      Ev("wipe.started", DISK), Ev("wipe.done", {**DISK, "result": "success"})],
     "wiped", Step.CERTIFICATE),
    ([Ev("asset.graded", {"verdict": {"outcome": "ready"}}),
      Ev("wipe.done", {**DISK, "result": "success"}), Ev("certificate.issued"),
      Ev("image.started", IMAGE)], "wiped", Step.IMAGE),
    ([Ev("asset.graded", {"verdict": {"outcome": "ready"}}),
      Ev("wipe.done", {**DISK, "result": "success"}), Ev("certificate.issued"),
      Ev("image.started", IMAGE), Ev("image.written", {**IMAGE, "result": "success"})],
     "imaged", Step.DOCUMENTS),
    # a failed wipe is not done (the profile says stop)
    ([Ev("asset.graded", {"verdict": {"outcome": "ready"}}),
      Ev("wipe.done", {**DISK, "result": "failed"})], "diagnosed", Step.WIPE),
    # a machine for parts: wiped, certified, documented; no image, not ready
    ([Ev("asset.graded", {"verdict": {"outcome": "parts-only"}}),
      Ev("wipe.done", {**DISK, "result": "success"}), Ev("certificate.issued")],
     "wiped", Step.DOCUMENTS),
    # a certificate before the latest wipe does not count
    ([Ev("asset.graded", {"verdict": {"outcome": "ready"}}), Ev("certificate.issued"),
      Ev("wipe.done", {**DISK, "result": "success"})], "wiped", Step.CERTIFICATE),
    ([Ev("asset.graded", {"verdict": {"outcome": "ready"}})], "ready", None),
])
def test_first_unfinished_step(events, status, first):
    assert progress_of(events, status, Profile()).first_unfinished(Profile()) is first


def _live(tmp_path: Path, extra: str = "") -> Context:
    root = tmp_path / "sysfs"
    (root / "proc/self").mkdir(parents=True, exist_ok=True)
    # A Debian live system's mount table as live-boot makes it (root on an overlay).
    (root / "proc/self/mountinfo").write_text(
        "20 1 0:25 / / rw,noatime - overlay overlay rw,lowerdir=/run/live/rootfs/filesystem.squashfs/\n"
        "25 20 0:30 / /run/live/medium ro,noatime - iso9660 /dev/sdb1 ro\n" + extra)
    return Context(sysfs=Sysfs(root), home=Path("/var/lib/reemploi"))


def test_a_live_system_without_persistence_refuses_to_run(tmp_path):
    with pytest.raises(NoPersistence) as err:
        check_persistence(_live(tmp_path), allow_missing=False)
    assert err.value.exit_code == 8
    check_persistence(_live(tmp_path), allow_missing=True)            # told to


def test_live_boots_persistence_lets_it_run(tmp_path):
    ctx = _live(tmp_path, "31 20 0:31 / /run/live/persistence/sdb3 rw - ext4 /dev/sdb3 rw\n")
    check_persistence(ctx, allow_missing=False)
