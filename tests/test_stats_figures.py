"""Statistics over a small inventory built through the real inventory commands, with every
expected figure worked out by hand below (the arithmetic is in the comments).

Dates: lots and checkouts carry their own business date (we choose them: December of
last year and January of this year, to test the year boundary); every other event
(grade, wipe, status...) is stamped by the journal with the real time of the test
run, i.e. "now", which is always in THIS year. Expected figures for the current
month are therefore added with the month of today, not hard-coded.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from reemploi.inventory.events import EventType, Status
from reemploi.inventory.store import Inventory
from reemploi.stats import compute, figures_for, load_reference, make_period, read_events

TODAY = datetime.now(ZoneInfo("Europe/Paris")).date()
Y1 = TODAY.year            # this year
Y0 = Y1 - 1                # last year: the December side of the boundary
NOW_MONTH = TODAY.strftime("%Y-%m")
# The probe the grade stage recorded for a real machine (tests/fixtures/journals/v1,
# made by the real CLI from tests/fixtures/machines/aspire-es1-non-root).
RECORDED = next(json.loads(line)["payload"]["machine"] for line in
                (Path(__file__).parent / "fixtures" / "journals" / "v1" / "journal.jsonl")
                .read_text().splitlines() if '"type":"asset.probed"' in line)

SETTINGS = """[workshop]
name = "Atelier Test"
siret = "12345678900012"
departement = "69"
"""


def run(home: Path, *args) -> dict:
    """One real ``reemploi`` command on ``home``, its --json output parsed."""
    from click.testing import CliRunner
    from reemploi.cli.main import cli

    result = CliRunner().invoke(cli, [*map(str, args), "--home", str(home), "--json"],
                                env={"REEMPLOI_STATION": "T"}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def build(home: Path) -> dict[str, str]:
    """The workshop's story, through the inventory commands (intake, parts, checkout)
    and, for what the grading/wipe/image stations record, the Inventory API they use.
    Returns the asset ids by nickname."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "settings.toml").write_text(SETTINGS, encoding="utf-8")
    ids: dict[str, str] = {}
    # Lot A, 20 Dec Y0, Mairie: 3 laptops weighed together 7.5 kg, 2 screens unweighed.
    a = run(home, "intake", "--donor", "Mairie de Lyon", "--donor-kind", "public", "--date", f"{Y0}-12-20",
            "--device", "laptop:3:7.5", "--device", "screen:2", "--create-ids")["ids"]
    ids.update(L1=a[0], L2=a[1], L3=a[2], S1=a[3], S2=a[4])
    # Lot B, 15 Jan Y1, company: 2 desktops unweighed, 1 device of a kind we do not know.
    b = run(home, "intake", "--donor", "Entreprise X", "--date", f"{Y1}-01-15",
            "--device", "desktop:2", "--device", "robot:1", "--create-ids")["ids"]
    ids.update(D1=b[0], D2=b[1], R1=b[2])
    # Lot C, 3 Jan Y1, Mairie again: 2 laptops, the lot weighed as a whole 6.0 kg, no ids.
    run(home, "intake", "--donor", "Mairie de Lyon", "--donor-kind", "public", "--date", f"{Y1}-01-03",
        "--device", "laptop:2", "--weight", "6.0")
    inv = Inventory.open(home, "T", "Camille")
    # A laptop brought in alone (no lot), weighed 2.0 kg: received today.
    ids["N1"] = inv.create_asset("machine", "laptop", weight_kg=2.0)

    def checkout(aid, to, org, day, *extra):
        # Business dates of last year/January: entered after the fact (backdated).
        run(home, "checkout", aid, "--to", to, "--org", org, "--date", day,
            "--backdated", "entered from the paper register", *extra)

    def probed(aid):
        # The probe of a recorded machine (custody needs its disks known); its disk
        # kept by the donor, so it may go ready without a wipe of that disk.
        inv.record(EventType.ASSET_PROBED, aid, {"machine": RECORDED})
        inv.remove_disk(aid, None, "kept by the donor")

    def grade(aid, g):
        probed(aid)
        inv.record(EventType.ASSET_GRADED, aid, {"verdict": {"outcome": "reuse", "grade": g},
                                                 "rules_version": "test"})
        inv.set_status(aid, Status.DIAGNOSED)

    def wipe(aid, result, method, nist):
        return inv.record(EventType.WIPE_DONE, aid, {"disk": {"identity": "disk-" + aid}, "result": result,
                                                     "method": method, "nist": nist})

    # L1: the full line, then given on 10 Jan Y1.
    grade(ids["L1"], "A")
    w = wipe(ids["L1"], "success", "overwrite", "Clear")
    inv.record(EventType.CERTIFICATE_ISSUED, ids["L1"], {"certificate_id": "C1", "sha256": "0" * 64,
                                                         "wipes": [w.id]})
    inv.set_status(ids["L1"], Status.WIPED)
    inv.record(EventType.IMAGE_WRITTEN, ids["L1"], {"image": {"name": "emmabuntus"}, "result": "success",
                                                    "disk": {"identity": "disk-" + ids["L1"]}})
    inv.set_status(ids["L1"], Status.IMAGED)
    inv.set_status(ids["L1"], Status.READY)
    checkout(ids["L1"], "given", "Secours populaire", f"{Y1}-01-10")
    # L2: purged (wipe event only, no status change), sold without its disk on 28 Dec Y0.
    grade(ids["L2"], "B")
    wipe(ids["L2"], "success", "ata-secure-erase", "Purge")
    inv.set_status(ids["L2"], Status.READY)
    checkout(ids["L2"], "sold", "Particulier", f"{Y0}-12-28", "--price", "80")
    # L3: grade C, its RAM harvested and installed into D1, then dismantled 20 Jan Y1.
    grade(ids["L3"], "C")
    part = run(home, "parts", "harvest", ids["L3"], "--kind", "ram", "--facts", "size_mb=4096")["id"]
    checkout(ids["L3"], "dismantled", "Atelier (pièces)", f"{Y1}-01-20")
    probed(ids["D1"])
    inv.set_status(ids["D1"], Status.DIAGNOSED)
    run(home, "parts", "install", part, ids["D1"])
    inv.set_status(ids["D1"], Status.READY)
    checkout(ids["D1"], "given", "Emmaüs Connect", f"{Y1}-01-25")
    # Screens: S1 checked and given 10 Jan Y1; S2 recycled 12 Jan Y1.
    inv.set_status(ids["S1"], Status.DIAGNOSED)
    inv.set_status(ids["S1"], Status.READY)
    checkout(ids["S1"], "given", "Secours populaire", f"{Y1}-01-10")
    checkout(ids["S2"], "recycled", "Ecosystem", f"{Y1}-01-12")
    # The unknown device goes to recycling 22 Jan Y1 (its lot came on the 15th: the
    # story once said the 12th, before it arrived, which the inventory now refuses);
    # D2's wipe failed.
    checkout(ids["R1"], "recycled", "Ecosystem", f"{Y1}-01-22")
    wipe(ids["D2"], "failed", "overwrite", "Clear")
    return ids


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    h = tmp_path_factory.mktemp("stats") / "home"
    build(h)
    return h


def _kind(f, kind):
    return next(r for r in f.by_kind if r.kind == kind)


def _out(f):
    return {r.outcome: r.machines for r in f.outcomes}


def test_last_year_december_side(home):
    f = figures_for(home, make_period(year=Y0))
    # Received in Y0: lot A only, 3 laptops + 2 screens = 5.
    assert f.totals.received == 5
    # Weight: laptops 7.5 kg measured (the line weight); screens 2 × 4.5 kg default = 9.0 estimated.
    assert f.received_weight.measured_kg == pytest.approx(7.5)
    assert f.received_weight.estimated_kg == pytest.approx(9.0)
    assert f.received_weight.unweighed == 0
    # Out in Y0: L2 sold on 28 Dec (the other checkouts are dated January Y1).
    assert f.totals.out == 1 and _out(f) == {"given": 0, "sold": 1, "recycled": 0, "dismantled": 0}
    assert f.reused == 1
    # L2 weighs 7.5 / 3 = 2.5 kg (measured, split by intake): reused weight 2.5 measured.
    assert f.reused_weight.measured_kg == pytest.approx(2.5) and f.reused_weight.estimated_kg == 0
    # CO2e: one laptop, 170 kg (ADEME/Arcep).
    assert f.kg_co2e_avoided == pytest.approx(170.0)
    # Nothing else happened in Y0: grades, wipes, statuses are all stamped today (Y1).
    assert (f.totals.diagnosed, f.totals.wiped, f.totals.imaged, f.totals.ready) == (0, 0, 0, 0)
    assert f.disks_erased == 0 and f.certificates == 0 and f.built == 0
    # Donor: Mairie, 1 lot, 5 units, 7.5 measured + 9.0 estimated.
    (d,) = f.by_donor
    assert (d.name, d.donor_kind, d.lots, d.units) == ("Mairie de Lyon", "public", 1, 5)
    assert (d.weight.measured_kg, d.weight.estimated_kg) == pytest.approx((7.5, 9.0))
    # Months: the 12 months of Y0, all zero but December.
    assert len(f.by_month) == 12
    dec = f.by_month[-1]
    assert dec.month == f"{Y0}-12" and dec.counts.received == 5 and dec.counts.out == 1 and dec.reused == 1
    assert sum(m.counts.received for m in f.by_month[:-1]) == 0


def test_this_year(home):
    f = figures_for(home, make_period(year=Y1))
    # Received in Y1: lot B (2 desktops + 1 robot) + lot C (2 laptops) + N1 alone = 6.
    assert f.totals.received == 6
    # Measured: lot C 6.0 (whole-lot weight) + N1 2.0 = 8.0; estimated: 2 desktops × 8.5 = 17.0;
    # the robot has no default weight: 1 unweighed unit.
    assert f.received_weight.measured_kg == pytest.approx(8.0)
    assert f.received_weight.estimated_kg == pytest.approx(17.0)
    assert f.received_weight.unweighed == 1
    # Out in Y1 (checkout dates): L1, S1 given 10 Jan; S2 recycled 12 Jan, R1 22 Jan; L3 dismantled
    # 20 Jan; D1 given 25 Jan = 6 out: given 3, sold 0, recycled 2, dismantled 1.
    assert f.totals.out == 6
    assert _out(f) == {"given": 3, "sold": 0, "recycled": 2, "dismantled": 1}
    assert f.reused == 3
    # Stages reached today: diagnosed L1 L2 L3 D1 S1 = 5; wiped L1 (status) + L2 (wipe event) = 2,
    # D2's failed wipe does not count; imaged L1 = 1; ready L1 L2 D1 S1 = 4.
    assert (f.totals.diagnosed, f.totals.wiped, f.totals.imaged, f.totals.ready) == (5, 2, 1, 4)
    # Reused weight: L1 2.5 measured; S1 4.5 + D1 8.5 estimated = 13.0.
    assert f.reused_weight.measured_kg == pytest.approx(2.5)
    assert f.reused_weight.estimated_kg == pytest.approx(13.0)
    # CO2e: laptop 170 + screen 64.6 + office desktop 203 = 437.6 kg; recycled ones count 0.
    assert f.kg_co2e_avoided == pytest.approx(437.6)
    assert {r.kind: r.kg_co2e for r in f.impact} == pytest.approx(
        {"laptop": 170.0, "screen": 64.6, "desktop": 203.0})
    # Erasures: overwrite/Clear 1 ok (L1) + 1 failed (D2); ata-secure-erase/Purge 1 ok (L2).
    assert {(r.method, r.nist): (r.succeeded, r.failed) for r in f.erasures} == {
        ("overwrite", "Clear"): (1, 1), ("ata-secure-erase", "Purge"): (1, 0)}
    assert f.disks_erased == 2 and f.certificates == 1
    # Parts: one RAM harvested (from L3), reused in D1: D1 is a machine built here.
    assert [(p.part_kind, p.harvested, p.reused) for p in f.parts] == [("ram", 1, 1)]
    assert f.built == 1
    # Grades today: A (L1), B (L2), C (L3).
    assert {g.grade: g.machines for g in f.by_grade} == {"A": 1, "B": 1, "C": 1}
    # Destinations.
    assert {(d.organisation, d.outcome): d.machines for d in f.by_destination} == {
        ("Secours populaire", "given"): 2, ("Emmaüs Connect", "given"): 1,
        ("Ecosystem", "recycled"): 2, ("Atelier (pièces)", "dismantled"): 1}
    # By kind. Laptops: received 2 (lot C) + 1 (N1) = 3; out L1 given + L3 dismantled.
    lap = _kind(f, "laptop")
    assert (lap.counts.received, lap.counts.diagnosed, lap.counts.wiped, lap.counts.out) == (3, 3, 2, 2)
    assert lap.outcomes == {"given": 1, "sold": 0, "recycled": 0, "dismantled": 1}
    assert lap.received_weight.measured_kg == pytest.approx(8.0) and lap.deee_category == 2
    scr = _kind(f, "screen")
    assert (scr.counts.received, scr.counts.out, scr.outcomes["given"], scr.outcomes["recycled"]) == (0, 2, 1, 1)
    desk = _kind(f, "desktop")
    assert (desk.counts.received, desk.received_weight.estimated_kg, desk.deee_category) == (2, 17.0, 6)
    robot = _kind(f, "robot")
    assert (robot.counts.received, robot.received_weight.unweighed, robot.deee_category) == (1, 1, None)
    assert f.unknown_kinds == ("robot",)
    # DEEE: cat 2 = laptops + screens: received 8.0 measured; reused L1 2.5 m + S1 4.5 e;
    # recycled/dismantled S2 4.5 e + L3 2.5 m. Cat 6 = desktops: 17.0 e received, D1 8.5 e reused.
    deee = {r.category: r for r in f.deee}
    assert (deee[2].received.measured_kg, deee[2].received.estimated_kg) == pytest.approx((8.0, 0.0))
    assert (deee[2].reused.measured_kg, deee[2].reused.estimated_kg) == pytest.approx((2.5, 4.5))
    assert (deee[2].recycled.measured_kg, deee[2].recycled.estimated_kg) == pytest.approx((2.5, 4.5))
    assert (deee[6].received.estimated_kg, deee[6].reused.estimated_kg, deee[6].recycled.total_kg) == \
        pytest.approx((17.0, 8.5, 0.0))
    assert deee[None].received.unweighed == 1 and deee[None].recycled.unweighed == 1
    # By month: January: received 3 (lot B) + 2 (lot C), out 6, reused 3 (L1, S1, D1);
    # today's month: N1 received, the stages, and D1 built.
    want = {m: Counter() for m in (f"{Y1}-01", NOW_MONTH)}
    want[f"{Y1}-01"].update(received=5, out=6, reused=3)
    want[NOW_MONTH].update(received=1, diagnosed=5, wiped=2, imaged=1, ready=4, built=1)
    months = {m.month: m for m in f.by_month}
    assert len(f.by_month) == 12
    for mo, c in want.items():
        m = months[mo]
        got = {"received": m.counts.received, "diagnosed": m.counts.diagnosed, "wiped": m.counts.wiped,
               "imaged": m.counts.imaged, "ready": m.counts.ready, "out": m.counts.out,
               "reused": m.reused, "built": m.built}
        assert got == {k: c[k] for k in got}, mo
    assert sum(m.counts.out for m in f.by_month) == 6


def test_december_to_january_range_and_month(home):
    # 1 Dec Y0 → 31 Jan Y1: lot A (5) + lots B and C (5) = 10 received (N1 came today,
    # outside the range unless today is in January Y1).
    f = figures_for(home, make_period(start=f"{Y0}-12-01", end=f"{Y1}-01-31"))
    n1_inside = NOW_MONTH == f"{Y1}-01"
    assert f.totals.received == 10 + n1_inside
    # Out: L2 (December) + the six of January = 7; reused L2, L1, S1, D1 = 4.
    assert f.totals.out == 7 and f.reused == 4
    assert f.kg_co2e_avoided == pytest.approx(170 + 170 + 64.6 + 203)
    assert [m.month for m in f.by_month] == [f"{Y0}-12", f"{Y1}-01"]
    # One month: December Y0 alone sees the sale and lot A.
    g = figures_for(home, make_period(month=f"{Y0}-12"))
    assert (g.totals.received, g.totals.out, _out(g)["sold"]) == (5, 1, 1)


def test_all_time_and_flat_machine_list(home):
    f = figures_for(home, make_period())
    # All time: 5 + 6 = 11 received; 7 out.
    assert f.totals.received == 11 and f.totals.out == 7
    ids = {r.asset_id: r for r in f.machines}
    # Every machine asset appears (5 from lot A + 3 from lot B + N1; lot C has no ids),
    # parts do not.
    assert len(ids) == 5 + 3 + 1 and all(not r.kind == "ram" for r in f.machines)
    assert {r.weight_source for r in f.machines} == {"measured", "estimated", "unknown"}
    l2 = next(r for r in f.machines if r.outcome == "sold")
    assert (l2.kind, l2.grade, l2.out_day, l2.weight_kg, l2.weight_source, l2.status) == \
        ("laptop", "B", f"{Y0}-12-28", 2.5, "measured", "out")


def test_pure_fold_matches_and_overrides(home, tmp_path):
    # The same events through compute() with a workshop factor file: laptops at 250 kg.
    events = list(read_events(home))
    (tmp_path / "impact_factors.toml").write_text(
        '[factor.laptop]\nkg_co2e = 250\nsource = "our own study"\nyear = 2026\n', encoding="utf-8")
    ref = load_reference(tmp_path)
    f = compute(events, make_period(year=Y0), ref)
    assert f.kg_co2e_avoided == pytest.approx(250.0) and f.factors_overridden
    assert f.impact[0].source == "our own study"
    # Default weights can be overridden too: screens at 6 kg → lot A's screens 12.0 estimated.
    (tmp_path / "default_weights.toml").write_text('[kinds.screen]\nweight_kg = 6\ndeee_category = 2\n',
                                                   encoding="utf-8")
    f = compute(events, make_period(year=Y0), load_reference(tmp_path))
    assert f.received_weight.estimated_kg == pytest.approx(12.0)


def test_empty_inventory(tmp_path):
    f = figures_for(tmp_path / "nothing-here", make_period(year=2026))
    assert f.empty and f.totals.received == 0 and f.received_weight.total_kg == 0
    assert len(f.by_month) == 12 and f.kg_co2e_avoided == 0
    assert not (tmp_path / "nothing-here").exists()      # reading created nothing


def test_cache_is_extended_and_never_trusted_blindly(tmp_path):
    from reemploi.stats.cache import CACHE_NAME

    h = tmp_path / "home"
    ids = build(h)
    before = figures_for(h, make_period(year=Y1))
    assert (h / CACHE_NAME).exists()
    # New events after the cache: D2 is recycled on 25 Jan Y1 → out 6 + 1 = 7.
    Inventory.open(h, "T").checkout(ids["D2"], "recycled", "Ecosystem", date=f"{Y1}-01-25")
    after = figures_for(h, make_period(year=Y1))
    assert (before.totals.out, after.totals.out) == (6, 7)
    # The cached-and-extended fold equals a fold of the whole journal from scratch.
    fresh = compute(read_events(h), make_period(year=Y1), load_reference(h))
    assert after == fresh
    # A damaged cache is ignored, not believed.
    (h / CACHE_NAME).write_bytes(b"garbage")
    assert figures_for(h, make_period(year=Y1)) == fresh
    # A journal replaced by another one (another workshop's copy) invalidates it.
    other = tmp_path / "other"
    build(other)
    (h / "journal.jsonl").write_bytes((other / "journal.jsonl").read_bytes())
    assert figures_for(h, make_period(year=Y1)).totals.out == 6
