"""The server's figures are ``reemploi stats``'s figures: the same journal, pushed to
the real server and folded there, gives the same totals, months, grades, outcomes and
erasures as ``reemploi stats`` run on the station.

The journal is the central benchmark's (benchmarks/central.py): machines built from
real corpus outputs (dmidecode, smartctl: benchmarks/inventory.py), lots of ten
laptops whose last one is short of ids (stats count the declared units), grades,
wipes, images, checkouts spread over 2026."""

from __future__ import annotations

import importlib.util

from .conftest import ROOT, Station
from .test_central_web import _api

YEAR = 2026


def _benchmark():
    spec = importlib.util.spec_from_file_location("central_bench", ROOT / "benchmarks" / "central.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_server_figures_equal_reemploi_stats(server, tmp_path):
    home = tmp_path / "station-BEN-V"
    _benchmark().generate(home, "V", 1500)
    st = Station(home, "BEN", "V", server.url, server)
    st.enrol(server)
    st.json("sync", "push")                        # waits until the server folded it
    local = st.json("stats", "--year", str(YEAR))["figures"]
    token = server.cli(["token", "create", "figures-v"]).stdout.strip()
    status, body = _api(server, f"/v1/figures?year={YEAR}&station=BEN-V", token)
    assert status == 200
    assert body["totals"] == local["totals"]
    assert local["totals"]["received"] > local["totals"]["diagnosed"] > 0   # a short lot
    assert {m["month"]: {k: m[k] for k in local["totals"]} for m in body["months"]} == {
        m["month"]: m["counts"] for m in local["by_month"] if any(m["counts"].values())}
    assert body["grades"] == local["by_grade"]
    assert {o["outcome"]: o["machines"] for o in body["outcomes"]} == {
        o["outcome"]: o["machines"] for o in local["outcomes"] if o["machines"]}
    assert [(e["method"], e["succeeded"], e["failed"]) for e in body["erasures"]] == [
        (e["method"], e["succeeded"], e["failed"]) for e in local["erasures"]]
