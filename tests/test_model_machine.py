"""The probe's typed Machine survives the inventory (``Machine.from_dict``), and a
machine's disks have one definition (``data_disks`` for custody and papers,
``internal_disks`` for grade, image and the machine's fingerprint), on the recorded
machines of tests/fixtures/machines replayed through the real probe."""

from __future__ import annotations

import json

import pytest

from reemploi.context import Context
from reemploi.grade.engine import internal_disks
from reemploi.image.choose import facts_from_machine
from reemploi.inventory.fold import probe_summary
from reemploi.identity import machine_identity
from reemploi.model import Disk, Machine, Media
from reemploi.probe import folder
from reemploi.probe.collector import probe_machine

from conftest import MACHINES

FOLDERS = sorted(p.name for p in MACHINES.iterdir() if (p / "commands").is_dir())


def _probe(name: str) -> Machine:
    session = folder.replaying(MACHINES / name)
    ctx = Context(runner=session.runner, sysfs=session.sysfs, replay=True)
    return probe_machine(ctx, facts=session.facts)


@pytest.mark.parametrize("name", FOLDERS)
def test_a_recorded_probe_reads_back_equal_through_its_json(name):
    machine = _probe(name)
    stored = json.loads(json.dumps(machine.to_dict()))      # as the journal keeps it
    assert Machine.from_dict(stored) == machine


def test_a_newer_or_damaged_payload_reads_without_a_crash():
    m = Machine.from_dict({"disks": [{"name": "sdz", "media": "holographic", "future": 1},
                                     "not a disk"], "cpu": None, "extra": {"x": 1}})
    assert [(d.name, d.media) for d in m.disks] == [("sdz", Media.UNKNOWN)]
    assert Machine.from_dict(None) == Machine()
    # A disk line without name or path (an old, hand-made payload) is still a disk:
    # custody must account for every disk a probe named.
    assert Disk.from_dict({"serial": "Z3T1"}).identity == "serial:Z3T1"


def test_a_docked_donor_disk_is_data_but_not_internal():
    """The Medion station: an internal SSD and the donor's disk behind a USB bridge.
    The docked disk holds the donor's data (custody, papers) but takes no system and
    no part in the machine's fingerprint (grade, image, identity)."""
    machine = _probe("medion-usb-dock")
    data = [d.name for d in machine.data_disks()]
    inside = [d.name for d in machine.internal_disks()]
    assert data == ["sda", "sdb"] and inside == ["sda"]
    assert [d.name for d in internal_disks(machine)] == inside              # grade
    as_json = machine.to_dict()
    ssd = next(d for d in machine.disks if d.name == "sda")
    assert facts_from_machine(as_json).disk_bytes == ssd.size_bytes        # image
    assert [d["identity"] for d in probe_summary(as_json, "t")["disks"]] == \
        [d.identity for d in machine.data_disks()]                          # custody
    # The fingerprint does not change when the dock's disk is swapped for another.
    swapped = json.loads(json.dumps(as_json))
    swapped["disks"][1]["serial"] = "ANOTHER-DONOR"
    assert machine_identity(swapped) == machine_identity(as_json)
