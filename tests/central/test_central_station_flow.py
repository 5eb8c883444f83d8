"""The station flow pushes its journal at its end when ``[sync] auto_push`` is set: a
recorded machine taken to ready by ``reemploi station`` (unattended profile, a real
loop device as its disk) arrives on the server with its receipt, without a separate
``sync push``."""

from __future__ import annotations

import json

import pytest

from test_image_support import MiB, build_master
from test_station_flow import plant, write_profile

pytestmark = pytest.mark.root


def test_the_station_flow_pushes_at_its_end(server, station, loopdev, tmp_path):
    st = station("T")
    with open(st.home / "settings.toml", "a", encoding="utf-8") as fh:
        fh.write("auto_push = true\n")
    disk = loopdev(32 * MiB)
    plant(disk.path, 32 * MiB)
    master, _ = build_master(tmp_path, 16 * MiB)
    profile = write_profile(tmp_path, master, [disk.path])
    report = st.json("station", "--profile", profile)
    assert report["result"] == "success"
    server.wait_folded()
    lines = st.journal_lines()
    receipt = json.loads(lines[-1])
    assert receipt["type"] == "sync.receipt" and receipt["payload"]["seq"] == len(lines) - 1
    row = server.sql("SELECT status, grade FROM assets WHERE asset_id = %s",
                     (report["asset_id"],))
    assert row == [{"status": "ready", "grade": row[0]["grade"]}] and row[0]["grade"]
