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
    assert body["totals"] == {**local["totals"], "built": local["built"]}
    assert local["totals"]["received"] > local["totals"]["diagnosed"] > 0   # a short lot
    assert {m["month"]: {k: m[k] for k in local["totals"]} for m in body["months"]} == {
        m["month"]: m["counts"] for m in local["by_month"] if any(m["counts"].values())}
    assert body["grades"] == local["by_grade"]
    assert {o["outcome"]: o["machines"] for o in body["outcomes"]} == {
        o["outcome"]: o["machines"] for o in local["outcomes"] if o["machines"]}
    assert [(e["method"], e["succeeded"], e["failed"]) for e in body["erasures"]] == [
        (e["method"], e["succeeded"], e["failed"]) for e in local["erasures"]]


def test_server_figures_apply_corrections_voids_and_built_machines(server, tmp_path):
    """Issue 15: the server reads corrections and voids as the station's fold does, and
    counts machines built in the workshop. The journal is the benchmark's, then the real
    commands a workshop types: a lot recounted and redated, a machine's kind and lot
    corrected, a typo lot voided with its machines, a stray id voided, a part
    harvested and two Jerrys built (one recorded twice, voided)."""
    home = tmp_path / "station-BEN-W"
    _benchmark().generate(home, "W", 1500)
    st = Station(home, "BEN", "W", server.url, server)
    st.enrol(server)
    st.run("inventory", "correct", "LOT-W-26-0003", "--device", "laptop:14:30", "--set",
           f"date={YEAR}-05-20", "--reason", "recounted at unloading")
    st.run("inventory", "correct", "BEN-W-26-00005", "--set", "device_kind=desktop",
           "--reason", "a tower, not a laptop")
    st.run("inventory", "correct", "BEN-W-26-00017", "--set", "lot_id=LOT-W-26-0004",
           "--reason", "labelled with the wrong lot")
    typo = st.json("intake", "--donor", "Entreprise X", "--date", f"{YEAR}-02-02",
                   "--device", "desktop:3", "--create-ids")
    st.run("inventory", "void", typo["lot"]["id"], "--reason", "typed twice")
    stray = st.json("intake", "--donor", "Mairie", "--device", "laptop:2", "--create-ids")["ids"]
    st.run("inventory", "void", stray[1], "--reason", "created by mistake")
    psu = st.json("parts", "harvest", "BEN-W-26-00009", "--kind", "psu", "--facts",
                  "watts=250")["id"]
    ram = st.json("parts", "harvest", "BEN-W-26-00019", "--kind", "ram")["id"]
    from reemploi.atelier.record import Atelier
    from reemploi.inventory.store import Inventory
    atelier = Atelier(Inventory.open(home, "BEN-W", "Camille"), home)
    tom = atelier.add_person("Tom", "trainee")
    atelier.build("Bidule", [psu], tom)
    twice = atelier.build("Bidule bis", [ram], tom)
    st.run("inventory", "void", twice, "--reason", "the same Jerry, recorded twice")
    st.json("sync", "push")
    local = st.json("stats", "--year", str(YEAR))["figures"]
    assert local["built"] == 1
    token = server.cli(["token", "create", "figures-w"]).stdout.strip()
    status, body = _api(server, f"/v1/figures?year={YEAR}&station=BEN-W", token)
    assert status == 200
    assert body["totals"] == {**local["totals"], "built": local["built"]}
    assert {m["month"]: {k: m[k] for k in (*local["totals"], "built")} for m in body["months"]} \
        == {m["month"]: {**m["counts"], "built": m["built"]} for m in local["by_month"]
            if any(m["counts"].values()) or m["built"]}
    assert body["grades"] == local["by_grade"]
    assert {o["outcome"]: o["machines"] for o in body["outcomes"]} == {
        o["outcome"]: o["machines"] for o in local["outcomes"] if o["machines"]}
    assert [(e["method"], e["succeeded"], e["failed"]) for e in body["erasures"]] == [
        (e["method"], e["succeeded"], e["failed"]) for e in local["erasures"]]
