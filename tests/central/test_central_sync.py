"""The sync protocol against the real server and a real PostgreSQL: stations pushing
at once, re-push, tampered lines, forged signatures, forks, a restored stick, and
``inventory verify`` against the last signed receipt."""

from __future__ import annotations

import base64
import json
import subprocess
import sys

import pytest

from .conftest import ROOT, run_reemploi


def _push(st):
    return st.json("sync", "push")


def test_two_stations_push_concurrently(server, station):
    a, b = station("A"), station("B")
    ids_a, ids_b = a.intake(2), b.intake(3)
    a.grade(ids_a[0], "aspire-es1-non-root")
    b.grade(ids_b[0], "latitude-e5410-failing-disk")
    lines_a, lines_b = len(a.journal_lines()), len(b.journal_lines())
    env = lambda st: {**__import__("os").environ, "REEMPLOI_STATION": st.station}  # noqa: E731
    procs = [subprocess.Popen([sys.executable, "-m", "reemploi", "sync", "push", "--json",
                               "--home", str(st.home)], cwd=ROOT, env=env(st),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for st in (a, b)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    got = [json.loads(o[0]) for o in outs]
    assert (got[0]["stored"], got[1]["stored"]) == (lines_a, lines_b)
    heads = {r["station_id"]: r for r in server.sql(
        "SELECT station_id, head_seq, head_hash FROM stations WHERE station_id IN ('TRI-A', 'TRI-B')")}
    assert heads["TRI-A"]["head_seq"] == lines_a and heads["TRI-B"]["head_seq"] == lines_b
    # Byte for byte what the stations wrote (the receipt event came after the push).
    for st, n in ((a, lines_a), (b, lines_b)):
        stored = server.sql("SELECT line FROM events WHERE station_id = %s ORDER BY seq",
                            (st.station,))
        assert [bytes(r["line"]) for r in stored] == st.journal_lines()[:n]
        last = json.loads(st.journal_lines()[-1])
        assert last["type"] == "sync.receipt" and last["payload"]["seq"] == n
        verify = st.json("inventory", "verify")
        assert verify["anchor"]["ok"] and verify["anchor"]["seq"] == n
    # The fold ran on the server: the graded machines are there with their grade.
    rows = server.sql("SELECT asset_id, status, grade, product FROM assets WHERE asset_id = ANY(%s)",
                      ([ids_a[0], ids_b[0]],))
    assert {r["asset_id"]: r["product"] for r in rows} == {ids_a[0]: "Aspire ES1-512",
                                                            ids_b[0]: "Latitude E5410"}
    assert all(r["status"] == "diagnosed" and r["grade"] for r in rows)
