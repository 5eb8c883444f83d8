"""The journal's hash chain: canonical lines, verification naming the first bad
event, torn last lines set aside (never deleted)."""

from __future__ import annotations

import hashlib
import json
import zlib

import pytest

from reemploi.inventory.events import EventType
from reemploi.inventory.journal import Journal, build_line, canonical
from reemploi.inventory.store import Inventory
from reemploi.inventory.verify import Problem, ProjectionState, check_chain


def _filled(tmp_path, n_machines: int = 4) -> tuple[Inventory, list[str]]:
    inv = Inventory.open(tmp_path / "home", "test-station", "Camille")
    _, ids = inv.receive_lot("Mairie", "public", devices=[("laptop", n_machines, 10.0)],
                             create_ids=True)
    for aid in ids:
        inv.record(EventType.NOTE, aid, {"text": f"étiquette collée sur {aid}"})
    return inv, ids


def _lines(inv: Inventory) -> list[bytes]:
    return inv.journal.path.read_bytes().splitlines(keepends=True)


def test_each_line_is_canonical_json_and_hash_covers_all_other_fields(tmp_path):
    inv, _ = _filled(tmp_path)
    prev = ""
    for n, raw in enumerate(_lines(inv), 1):
        d = json.loads(raw)
        assert raw == canonical(d) + b"\n"           # sorted keys, no spaces
        body = {k: v for k, v in d.items() if k != "hash"}
        assert d["hash"] == hashlib.sha256(canonical(body)).hexdigest()
        assert d["prev"] == prev and d["seq"] == n
        prev = d["hash"]
    # Non-ASCII text is stored as UTF-8, not escaped.
    assert "étiquette".encode() in inv.journal.path.read_bytes()


def test_build_line_refuses_non_json_payloads():
    from reemploi.errors import BadInput
    with pytest.raises(BadInput):
        build_line(1, "", station="s", operator=None, asset_id=None, type="note",
                   payload={"x": float("nan")})


def test_verify_passes_on_an_intact_journal(tmp_path):
    inv, _ = _filled(tmp_path)
    report = inv.verify()
    assert report.ok and report.first_bad_seq is None
    assert report.events == len(_lines(inv))
    assert report.last_hash == json.loads(_lines(inv)[-1])["hash"]
    assert report.projection is ProjectionState.CURRENT


def test_edited_payload_is_named_by_seq(tmp_path):
    inv, ids = _filled(tmp_path)
    lines = _lines(inv)
    target = next(i for i, l in enumerate(lines) if b'"type":"note"' in l)
    lines[target] = lines[target].replace("collée".encode(), "COLLEE".encode())
    inv.journal.path.write_bytes(b"".join(lines))
    report = inv.verify()
    assert not report.ok
    assert report.first_bad_seq == target + 1
    assert report.problem is Problem.HASH_MISMATCH
    assert report.events == target                   # everything before it checked fine


def test_edit_with_recomputed_hash_breaks_the_next_link(tmp_path):
    inv, _ = _filled(tmp_path)
    lines = _lines(inv)
    d = json.loads(lines[2])
    d["payload"]["devices"] = [{"kind": "laptop", "count": 1, "weight_kg": 1.0}]
    body = {k: v for k, v in d.items() if k != "hash"}
    d["hash"] = hashlib.sha256(canonical(body)).hexdigest()
    lines[2] = canonical(d) + b"\n"
    inv.journal.path.write_bytes(b"".join(lines))
    report = inv.verify()
    assert (report.first_bad_seq, report.problem) == (4, Problem.PREV_MISMATCH)


def test_deleted_line_is_named_by_seq(tmp_path):
    inv, _ = _filled(tmp_path)
    lines = _lines(inv)
    del lines[5]
    inv.journal.path.write_bytes(b"".join(lines))
    report = inv.verify()
    assert report.first_bad_seq == 6
    assert report.problem is Problem.PREV_MISMATCH


def test_deleted_last_line_is_caught_by_the_projection_check(tmp_path):
    inv, _ = _filled(tmp_path)
    lines = _lines(inv)
    inv.journal.path.write_bytes(b"".join(lines[:-1]))
    report = inv.verify()
    # The chain itself is intact up to there; the projection remembers more events.
    assert report.ok and report.events == len(lines) - 1
    assert report.projection is ProjectionState.MISMATCH


def test_swapped_lines_are_named_by_seq(tmp_path):
    inv, _ = _filled(tmp_path)
    lines = _lines(inv)
    lines[3], lines[4] = lines[4], lines[3]
    inv.journal.path.write_bytes(b"".join(lines))
    report = inv.verify()
    assert report.first_bad_seq == 4
    assert report.problem is Problem.PREV_MISMATCH


def test_garbage_line_is_malformed(tmp_path):
    inv, _ = _filled(tmp_path)
    lines = _lines(inv)
    lines.insert(2, b"not json at all\n")
    inv.journal.path.write_bytes(b"".join(lines))
    report = inv.verify()
    assert (report.first_bad_seq, report.problem) == (3, Problem.MALFORMED)


def test_torn_last_line_is_set_aside_on_open_and_reported(tmp_path):
    inv, ids = _filled(tmp_path)
    before = inv.journal.path.read_bytes()
    ev, line = build_line(len(_lines(inv)) + 1, json.loads(_lines(inv)[-1])["hash"],
                          station="s", operator=None, asset_id=ids[0], type="note",
                          payload={"text": "never finished"})
    half = line[: len(line) // 2]
    with open(inv.journal.path, "ab") as fh:
        fh.write(half)
    # verify is read-only: reports the unfinished tail, chain still fine.
    report = inv.verify()
    assert report.ok and report.torn_tail_bytes == len(half)
    # Opening sets it aside (never deletes it) and truncates to the last full line.
    inv2 = Inventory.open(inv.home, "test-station")
    assert inv.journal.path.read_bytes() == before
    torn = inv2.journal.torn_files()
    assert len(torn) == 1 and torn[0].read_bytes() == half
    report = inv2.verify()
    assert report.ok and report.torn_tail_bytes == 0
    assert report.torn_files == (torn[0].name,)
    # And the journal goes on from the last complete event.
    ev = inv2.record(EventType.NOTE, ids[0], {"text": "after the power cut"})
    assert ev.seq == len(before.splitlines()) + 1
    assert inv2.verify().ok


def test_check_chain_streams_large_lines(tmp_path):
    """Lines bigger than the read chunk (a probe payload with many devices)."""
    journal = Journal(tmp_path)
    journal.ensure()
    prev, data = "", b""
    for seq in range(1, 4):
        ev, line = build_line(seq, prev, station="s", operator=None, asset_id=None,
                              type=EventType.NOTE.value, payload={"text": "x" * (3 << 20)})
        prev, data = ev.hash, data + line
    journal.path.write_bytes(data)
    count, last, end, bad, problem, _ = check_chain(journal)
    assert (count, last, end, bad, problem) == (3, prev, len(data), None, None)


def test_renumbered_line_with_valid_hash_is_a_seq_mismatch(tmp_path):
    inv, _ = _filled(tmp_path)
    lines = _lines(inv)
    d = json.loads(lines[4])
    d["seq"] = 42                                    # prev still right, hash recomputed
    body = {k: v for k, v in d.items() if k != "hash"}
    d["hash"] = hashlib.sha256(canonical(body)).hexdigest()
    lines[4] = canonical(d) + b"\n"
    inv.journal.path.write_bytes(b"".join(lines))
    report = inv.verify()
    assert (report.first_bad_seq, report.problem) == (5, Problem.SEQ_MISMATCH)
    assert report.detail == {"found": 42, "expected": 5}


def test_cut_journal_end_is_reported_and_traced_before_rebuild(tmp_path):
    inv, ids = _filled(tmp_path)
    lines = _lines(inv)
    inv.journal.path.write_bytes(b"".join(lines[:-2]))
    report = inv.verify()
    assert report.projection is ProjectionState.MISMATCH
    assert report.projection_detail == {"projection_seq": len(lines), "journal_seq": len(lines) - 2}
    # The next open rebuilds the projection, but first keeps what it had seen.
    again = Inventory.open(inv.home, "x")
    report = again.verify()
    assert report.projection is ProjectionState.CURRENT
    assert len(report.mismatch_files) == 1
    kept = json.loads((inv.home / report.mismatch_files[0]).read_text())
    assert kept["projection"]["seq"] == len(lines) and kept["journal"]["seq"] == len(lines) - 2


def test_deep_verify_finds_an_edited_projection_and_repair_rebuilds(tmp_path):
    from reemploi.inventory.projection import save_table, load_table, shard_of
    inv, ids = _filled(tmp_path)
    assert inv.verify(deep=True).projection is ProjectionState.CURRENT
    inv.rebuild_projection()    # every record in its base shard (tails: test_inventory_tails)
    path = inv.projection.asset_path(shard_of(ids[1]))
    docs = load_table(path, "assets")
    docs[ids[1]]["status"] = "ready"                  # hand-edited state, journal untouched
    save_table(path, {"assets": docs.values()})
    # The quick check sees it now: meta.json holds each shard file's CRC-32.
    assert inv.verify().projection is ProjectionState.DAMAGED
    # Readers never trust it: the state is refolded from the journal.
    assert inv.machine(ids[1])["status"] == "received"
    assert inv.verify(deep=True).projection is ProjectionState.CURRENT
    # An edit that keeps the file's CRC is beyond a CRC; the deep check still finds it
    # (same content, meta.json's CRC updated by hand as a forger would).
    docs[ids[1]]["status"] = "ready"
    save_table(path, {"assets": docs.values()})
    meta = json.loads(inv.projection.meta_path.read_text())
    meta["crc"]["assets/" + shard_of(ids[1])] = zlib.crc32(path.read_bytes())
    inv.projection.meta_path.write_text(json.dumps(meta))
    report = inv.verify(deep=True)
    assert report.ok and report.projection is ProjectionState.MISMATCH
    assert report.projection_detail == {"record": ids[1]}
    inv.rebuild_projection()
    assert inv.machine(ids[1])["status"] == "received"
    assert inv.verify(deep=True).projection is ProjectionState.CURRENT
