"""Statistics over a small workshop whose journal the real stages wrote (stats_support:
intake, grading of recorded machines, wipes of loop devices, a certificate, an image
write, parts, an atelier build, checkouts), with every expected figure worked out by
hand below (the arithmetic is in the comments; the story's table is in stats_support).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from reemploi.inventory.store import Inventory
from reemploi.stats import compute, figures_for, load_reference, make_period, read_events
from stats_support import NOW_MONTH, SETTINGS, Y0, Y1, copy_story, run, story  # noqa: F401

__all__ = ["SETTINGS", "Y0", "Y1", "run"]      # (test_stats_readable reads them here)


@pytest.fixture(scope="module")
def home(story, tmp_path_factory) -> Path:
    h = tmp_path_factory.mktemp("stats") / "home"
    copy_story(story, h)
    return h


def _probed_disks(home: Path, *aids: str) -> int:
    """The disks the grading stage recorded for these machines (read back through the
    inventory, not through the statistics)."""
    return sum(len(run(home, "inventory", "show", aid)["probe"]["disks"]) for aid in aids)


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


def test_this_year(home, story):
    ids = story[1]
    f = figures_for(home, make_period(year=Y1))
    # Received in Y1: lot B (2 desktops + 1 robot) + lot C (2 laptops) + N1 alone = 6;
    # the Jerry built today was never received.
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
    # Stages reached today: diagnosed L1 L2 L3 D1 (graded) + S1 (status) = 5; wiped L1 + L2
    # = 2, D2's interrupted wipe does not count; imaged L1 = 1; ready L1 L2 D1 S1 = 4.
    assert (f.totals.diagnosed, f.totals.wiped, f.totals.imaged, f.totals.ready) == (5, 2, 1, 4)
    # Reused weight: L1 2.5 measured; S1 4.5 + D1 8.5 estimated = 13.0.
    assert f.reused_weight.measured_kg == pytest.approx(2.5)
    assert f.reused_weight.estimated_kg == pytest.approx(13.0)
    # CO2e: laptop 170 + screen 64.6 + office desktop 203 = 437.6 kg; recycled ones count 0.
    assert f.kg_co2e_avoided == pytest.approx(437.6)
    assert {r.kind: r.kg_co2e for r in f.impact} == pytest.approx(
        {"laptop": 170.0, "screen": 64.6, "desktop": 203.0})
    # Erasures, as the wipe stage records them on loop devices (NIST SP 800-88 Clear:
    # one overwrite and its verification): L1 with the default method (auto, recorded as
    # what ran: random data), L2 with random data; D2's cut by Ctrl-C is a failure.
    assert {(r.method, r.nist): (r.succeeded, r.failed) for r in f.erasures} == {
        ("prng", "clear"): (2, 0), ("zero", "clear"): (0, 1)}
    assert f.disks_erased == 2 and f.certificates == 1
    # Parts: the donors' disks of L1, L2 and D1 (as many as their probes saw), L3's RAM
    # (reused in D1) and PSU (reused in the Jerry).
    disks = _probed_disks(home, ids["L1"], ids["L2"], ids["D1"])
    assert disks == 4          # medion-usb-dock 2, aspire-es1-non-root 1, aspire-m3920 1
    assert [(p.part_kind, p.harvested, p.reused) for p in f.parts] == [
        ("disk", disks, 0), ("psu", 1, 1), ("ram", 1, 1)]
    # Machines built here: the Jerry only; D1 got a part (a repair), it was not built.
    assert f.built == 1
    # Grades today, as graded from the recordings: A (L1), C (L2), parts-only (L3, no
    # grade letter: its outcome), B (D1).
    assert {g.grade: g.machines for g in f.by_grade} == {"A": 1, "B": 1, "C": 1, "parts-only": 1}
    # Destinations.
    assert {(d.organisation, d.outcome): d.machines for d in f.by_destination} == {
        ("Secours populaire", "given"): 2, ("Emmaüs Connect", "given"): 1,
        ("Ecosystem", "recycled"): 2, ("Atelier (pièces)", "dismantled"): 1}
    # The Jerry is counted as built, never as received.
    jerry = next(r for r in f.machines if r.asset_id == ids["J1"])
    assert (jerry.kind, jerry.received, jerry.lot_id, jerry.status) == ("desktop", "", "", "received")
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
    # today's month: N1 received, the stages, and the Jerry built.
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
    # Every machine asset appears (5 from lot A + 3 from lot B + N1 + the Jerry; lot C
    # has no ids), parts do not.
    assert len(ids) == 5 + 3 + 1 + 1 and not {r.kind for r in f.machines} & {"ram", "psu", "disk"}
    assert {r.weight_source for r in f.machines} == {"measured", "estimated", "unknown"}
    l2 = next(r for r in f.machines if r.outcome == "sold")
    assert (l2.kind, l2.grade, l2.out_day, l2.weight_kg, l2.weight_source, l2.status) == \
        ("laptop", "C", f"{Y0}-12-28", 2.5, "measured", "out")


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


def _checkout(home: Path, aid: str, day: str) -> None:
    from stats_support import _checkout_words
    run(home, "checkout", aid, "--to", "recycled", "--org", "Ecosystem", "--date", day,
        *_checkout_words())


def test_checkpoint_is_extended_and_never_trusted_blindly(story, tmp_path):
    from reemploi.stats.cache import CACHE_NAME

    h = tmp_path / "home"
    ids = copy_story(story, h)
    before = figures_for(h, make_period(year=Y1))
    assert (h / CACHE_NAME).exists()
    # New events after the checkpoint: D2 is recycled on 25 Jan Y1 → out 6 + 1 = 7.
    _checkout(h, ids["D2"], f"{Y1}-01-25")
    after = figures_for(h, make_period(year=Y1))
    assert (before.totals.out, after.totals.out) == (6, 7)
    # The checkpointed-and-extended fold equals a fold of the whole journal from scratch.
    fresh = compute(read_events(h), make_period(year=Y1), load_reference(h))
    assert after == fresh
    # A damaged checkpoint is ignored, not believed.
    (h / CACHE_NAME).write_bytes(b"garbage")
    assert figures_for(h, make_period(year=Y1)) == fresh
    # A journal replaced by another one (another workshop's: its own chain) invalidates it.
    other = tmp_path / "other"
    other.mkdir()
    run(other, "intake", "--donor", "Autre", "--date", f"{Y1}-01-04", "--device", "laptop:4")
    (h / "journal.jsonl").write_bytes((other / "journal.jsonl").read_bytes())
    replaced = figures_for(h, make_period(year=Y1))
    assert (replaced.totals.received, replaced.totals.out) == (4, 0)


def test_an_edited_checkpoint_or_a_cut_journal_is_folded_again(story, tmp_path):
    """The journal is the truth: a checkpoint whose numbers were edited (its checksum no
    longer matches) or that covers more than the journal now holds (the journal was
    cut) is refused, and the figures are those of the journal as it is."""
    from reemploi.stats.cache import CACHE_NAME

    h = tmp_path / "home"
    copy_story(story, h)
    year = make_period(year=Y1)
    truth = figures_for(h, year)
    raw = bytearray((h / CACHE_NAME).read_bytes())
    at = raw.find(b"Ecosystem")
    assert at > 0
    raw[at:at + 9] = b"Ecosysteo"              # a name changed in the checkpoint's body
    (h / CACHE_NAME).write_bytes(bytes(raw))
    assert figures_for(h, year) == truth
    # Cut the journal before its last checkout (R1, recycled 22 Jan Y1) and the figures
    # lose it, whatever the checkpoint (written for the whole journal) said.
    journal = (h / "journal.jsonl").read_bytes()
    lines = journal.splitlines(keepends=True)
    last_checkout = max(i for i, line in enumerate(lines) if b'"type":"checkout"' in line)
    (h / "journal.jsonl").write_bytes(b"".join(lines[:last_checkout]))
    cut = figures_for(h, year)
    assert (truth.totals.out, cut.totals.out) == (6, 5)
    assert cut == compute(read_events(h), year, load_reference(h))


def test_the_two_halves_fold_equals_the_one(story, tmp_path, monkeypatch):
    """A cold run on a big journal folds its halves in two processes: same ledger, and a
    failing child is made up for by this process (same figures, same errors)."""
    import os
    from reemploi.stats import cache
    from reemploi.inventory.errors import JournalCorrupt

    h = tmp_path / "home"
    copy_story(story, h)
    monkeypatch.setattr(cache, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(cache, "_cores", lambda: 2)
    ref, every = load_reference(h), make_period()
    one = cache.load_ledger(h, use_cache=False, parallel=False)
    two = cache.load_ledger(h, use_cache=False)
    assert two.figures(every, ref) == one.figures(every, ref)
    assert two.events == one.events == len((h / "journal.jsonl").read_bytes().splitlines())
    # The child dies (here: it cannot read); this process folds the second half itself.
    parent = os.getpid()
    real = cache.read_records

    def flaky(*args, **kwargs):
        if os.getpid() != parent:
            raise MemoryError
        return real(*args, **kwargs)
    monkeypatch.setattr(cache, "read_records", flaky)
    assert cache.load_ledger(h, use_cache=False).figures(every, ref) == one.figures(every, ref)
    monkeypatch.setattr(cache, "read_records", real)
    # A line that is not an event, in the second half: exit 12 at its offset, as a
    # one-process fold says.
    journal = (h / "journal.jsonl").read_bytes()
    bad_at = journal.index(b"\n", len(journal) * 3 // 4) + 1
    (h / "journal.jsonl").write_bytes(journal[:bad_at] + b"{not json}\n" + journal[bad_at:])
    with pytest.raises(JournalCorrupt) as one_way:
        cache.load_ledger(h, use_cache=False, parallel=False)
    with pytest.raises(JournalCorrupt) as two_ways:
        cache.load_ledger(h, use_cache=False)
    assert str(one_way.value) == str(two_ways.value) and f"@{bad_at}" in str(two_ways.value)


def test_corrections_and_voids_are_counted_as_the_inventory_reads_them(story, tmp_path):
    """Issue 10: a lot, an asset and a donor corrected, a lot and an asset voided,
    through the real ``inventory correct``/``void`` commands; the figures use the
    corrected values (the same the inventory shows) and leave the voided out."""
    h = tmp_path / "home"
    ids = copy_story(story, h)
    year = make_period(year=Y1)
    before = figures_for(h, year)              # a checkpoint, extended below
    # Lot E, 1 Feb Y1: declared 2 laptops, unweighed; it was 4 laptops, 10.0 kg, 1 March.
    lot_e = run(h, "intake", "--donor", "Mairie de Lyon", "--date", f"{Y1}-02-01",
                "--device", "laptop:2")["lot"]["id"]
    assert figures_for(h, year).totals.received == 6 + 2
    run(h, "inventory", "correct", lot_e, "--device", "laptop:4:10.0", "--set",
        f"date={Y1}-03-01", "--reason", "recounted at unloading")
    # A typo: 3 desktops with ids where there were none, the lot then voided.
    typo = run(h, "intake", "--donor", "Entreprise X", "--date", f"{Y1}-02-02",
               "--device", "desktop:3", "--create-ids")
    assert figures_for(h, year).totals.received == 6 + 4 + 3
    run(h, "inventory", "void", typo["lot"]["id"], "--reason", "typed twice")
    # N1 weighed 2.5 kg, not 2.0; a lone machine created by mistake, voided.
    run(h, "inventory", "correct", ids["N1"], "--set", "weight_kg=2.5", "--reason", "reweighed")
    stray = Inventory.open(h, "T", "Camille").create_asset("machine", "laptop")
    run(h, "inventory", "void", stray, "--reason", "created by mistake")
    # A Jerry recorded by mistake (built twice), voided.
    from reemploi.atelier.record import Atelier
    psu = run(h, "parts", "harvest", ids["D2"], "--kind", "psu", "--facts", "watts=250")["id"]
    atelier = Atelier(Inventory.open(h, "T", "Camille"), h)
    twice = atelier.build("Bidule bis", [psu], atelier.add_person("Tom", "trainee"))
    assert figures_for(h, year).built == 2
    run(h, "inventory", "void", twice, "--reason", "the same Jerry, recorded twice")
    # The company's name, corrected.
    company = next(d.donor_id for d in before.by_donor if d.name == "Entreprise X")
    run(h, "inventory", "correct", company, "--set", "name=Entreprise X SA", "--reason", "Kbis")

    f = figures_for(h, year)
    # Received: 6 + lot E's 4 (not 2); nothing of the typo lot nor of the stray laptop.
    assert f.totals.received == 10
    # Measured: lot C 6.0 + N1 2.5 + lot E 10.0 = 18.5; estimated unchanged (2 desktops).
    assert f.received_weight.measured_kg == pytest.approx(18.5)
    assert f.received_weight.estimated_kg == pytest.approx(17.0)
    months = {m.month: m.counts.received for m in f.by_month}
    assert (months[f"{Y1}-02"], months[f"{Y1}-03"]) == (0, 4)     # lot E's date corrected
    machines = {r.asset_id for r in f.machines}
    assert stray not in machines and not machines & set(typo["ids"])
    assert {d.name for d in f.by_donor} >= {"Entreprise X SA"} and \
        "Entreprise X" not in {d.name for d in f.by_donor}
    n1 = next(r for r in f.machines if r.asset_id == ids["N1"])
    assert (n1.weight_kg, n1.weight_source) == (2.5, "measured")
    assert f.built == 1 and twice not in machines
    from reemploi.stats.atelier import atelier_figures_for
    assert atelier_figures_for(h, year).total.jerrys == 1
    # The same as the inventory shows, and as a fold of the whole journal from scratch.
    assert run(h, "inventory", "show", ids["N1"])["weight_kg"] == 2.5
    assert f == compute(read_events(h), year, load_reference(h))


def test_the_fast_reader_reads_what_the_journal_says(story, tmp_path):
    """``read_records`` slices status changes and probes out of the blocks and skips
    lines the figures never read; every event it yields, in order, says what the full
    JSON decoding of its line says (a non-ASCII id and a status note included)."""
    from reemploi.stats import read_records
    from reemploi.stats.reader import SKIPPED

    h = tmp_path / "home"
    copy_story(story, h)
    inv = Inventory.open(h, "T", "Camille")
    odd = inv.create_asset("machine", "screen", asset_id="ÉCRAN-\"001\"")
    inv.set_status(odd, "diagnosed", reason="écran « testé »")
    full = list(read_events(h))
    fast = list(read_records(h))
    assert len(fast) == len(full)
    for got, ev in zip(fast, full):
        if got == SKIPPED:
            assert ev.type in ("wipe.started", "image.started", "asset.validated",
                               "document.issued", "note", "asset.checked", "operator.added")
            continue
        assert got[:3] == (ev.type, ev.asset_id, ev.time)
        if ev.type == "status.changed":
            assert got[3]["to"] == ev.payload["to"]
        elif ev.type == "asset.probed":
            assert got[3]["machine"]["system"]["chassis"] == ev.payload["machine"]["system"]["chassis"]
        else:
            assert got[3] == ev.payload
    assert any(got[1] == odd for got in fast)
