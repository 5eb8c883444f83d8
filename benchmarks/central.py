"""Central server benchmark: 10 stations pushing at once, then pages and figures.

Goals (issue 15), on this 2-core machine, PostgreSQL 15 and the server on loopback:
  ingest   10 stations × 200 000 events pushed concurrently: ≥ 20 000 events/s
           (the real ``reemploi sync push`` processes; each line re-hashed, chained,
           COPYed and receipted; then, in the background, folded by the stations' fold
           into the state tables and matched: both times are printed)
  pages    machine page and search under 20 concurrent clients: p99 < 100 ms
  figures  a year's figures across all stations: < 2 s

References, run in the same process for the ratios:
  ingest   a bare binary ``COPY`` of the same raw lines into an unindexed table (the floor
           of moving these bytes into this PostgreSQL: no checks, no fold)
  pages    ``GET /healthz`` (framework + one ``SELECT 1``) under the same 20 clients
  figures  ``SELECT count(*)`` of the year's ``facts`` (one scan of the events the
           figures count), and ``reemploi stats`` on one station's journal: its figures
           must equal the server's for that station (checked, printed)

Journals are corpus-shaped, as in benchmarks/inventory.py (real dmidecode/smartctl
outputs parsed by our parsers into probe payloads, serials made synthetic and unique
per station); 1 machine in 200 carries a disk also seen at the previous station, so
matching has real work. Events are spread over 2026. Lines are built with the
journal's canonical form directly (checked by the server like any push).

    .venv/bin/python benchmarks/central.py [--stations 10] [--events 200000]
        [--workers 2] [--clients 20] [--keep DIR]

The machine is shared: run it when it is otherwise idle, and say so with the figures.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from pg_support import PgCluster  # noqa: E402

YEAR = 2026


def _dumps(obj) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class Writer:
    """Canonical journal lines, chained (same bytes as ``journal.build_line``)."""

    def __init__(self, path: Path, station: str, seed: int) -> None:
        self.fh = open(path, "wb")
        self.station = _dumps(station)
        self.seq, self.prev = 0, ""
        self.rng = random.Random(seed)
        self.buf: list[bytes] = []

    def emit(self, etype: str, asset_id: str | None, payload: dict, when: str) -> str:
        self.seq += 1
        eid = "%032x" % self.rng.getrandbits(128)
        tail = (f',"id":"{eid}","operator":"bench","payload":{_dumps(payload)},'
                f'"prev":"{self.prev}","seq":{self.seq},"station":{self.station},'
                f'"time":"{when}","type":"{etype}"}}')
        head = '{"asset_id":' + _dumps(asset_id)
        digest = hashlib.sha256((head + tail).encode()).hexdigest()
        self.buf.append(f'{head},"hash":"{digest}"{tail}\n'.encode())
        self.prev = digest
        if len(self.buf) >= 10000:
            self.flush()
        return eid

    def flush(self) -> None:
        self.fh.write(b"".join(self.buf))
        self.buf.clear()

    def close(self) -> None:
        self.flush()
        self.fh.close()


def generate(home: Path, code: str, target_events: int, seed: int = 7) -> int:
    """One station's journal of at least ``target_events`` events."""
    from inventory import corpus_templates
    from reemploi.identity import machine_identity
    rng = random.Random(seed * 100 + ord(code))
    templates = corpus_templates()
    home.mkdir(parents=True, exist_ok=True)
    # Written aside and renamed when complete: an interrupted run leaves no half journal
    # for --keep to reuse.
    w = Writer(home / "journal.part", f"BEN-{code}", seed * 1000 + ord(code))

    def day(n: int, total: int, plus: int = 0) -> str:
        d = min(364, int(n / total * 360) + plus)
        month_day = time.gmtime(time.mktime((YEAR, 1, 1, 12, 0, 0, 0, 0, 0)) + d * 86400)
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", month_day)

    machines = max(1, target_events // 10)
    donors = [f"DON-{code}-{i:04d}" for i in range(1, 201)]
    for d in donors:
        w.emit("donor.registered", None, {"donor_id": d, "name": f"Donateur {d}",
                                          "kind": "company"}, day(0, 1))
    lot = None
    n = 0
    while w.seq < target_events:
        n += 1
        when = day(n, machines)
        if n % 10 == 1:
            lot = f"LOT-{code}-26-{n // 10 + 1:04d}"
            w.emit("lot.received", None, {"lot_id": lot, "donor_id": rng.choice(donors),
                                          "date": when[:10], "devices": [
                                              {"kind": "laptop", "count": 10, "weight_kg": 25.0}]},
                   when)
        aid = f"BEN-{code}-26-{n:05d}"
        serial = f"SN{code}{n:07d}"
        w.emit("asset.created", aid, {"kind": "machine", "device_kind": "laptop", "lot_id": lot,
                                      "serial": serial, "weight_kg": 2.5, "identity": None}, when)
        machine = dict(templates[n % len(templates)])
        machine["system"] = {**machine["system"], "serial": serial, "uuid": None}
        # 1 in 200 machines has a disk the previous station also saw (a match to propose).
        prev_code = chr(ord(code) - 1) if code > "0" else None
        dserial = (f"DS{prev_code}{n:07d}" if prev_code and n % 200 == 0 else f"DS{code}{n:07d}")
        disk = {**machine["disks"][0], "serial": dserial}
        machine["disks"] = [disk]
        # As a station writes it (schema 2): the fingerprint computed once, when the
        # probe is recorded (reemploi.identity; from the DMI serial, real here, so the
        # system block alone gives the same value as the whole machine). Without it the
        # server's fold would compute it for every probe, as for an old line.
        w.emit("asset.probed", aid, {"machine": machine, "identity": machine_identity(
            {"system": machine["system"]}), "v": 2}, when)
        w.emit("asset.checked", aid, {"checks": {"keyboard": "ok", "screen": "ok",
                                                 "cosmetic": "B", "notes": ""}}, when)
        w.emit("asset.graded", aid, {"verdict": {"outcome": "reuse-after-upgrade",
                                                 "grade": rng.choice("ABC"), "reasons": [],
                                                 "emmabuntus": "DE6"}, "rules_version": "1"},
               when)
        w.emit("status.changed", aid, {"from": "received", "to": "diagnosed"}, when)
        if n % 10 < 8:
            ident = f"serial:{dserial}"
            wid = w.emit("wipe.done", aid, {
                "disk": {"identity": ident, "model": disk.get("model"), "serial": dserial,
                         "size_bytes": disk.get("size_bytes"), "media": disk.get("media"),
                         "path": "/dev/sda"}, "result": "success", "method": "overwrite-1pass",
                "nist": "clear", "verified_pct": 100.0, "seconds": 1800}, day(n, machines, 2))
            w.emit("certificate.issued", aid, {"certificate_id": f"CERT-{code}-{n:06d}",
                                               "sha256": hashlib.sha256(wid.encode()).hexdigest(),
                                               "wipes": [wid]}, day(n, machines, 2))
            w.emit("status.changed", aid, {"from": "diagnosed", "to": "wiped"}, day(n, machines, 2))
            if n % 10 < 6:
                w.emit("image.written", aid, {"image": {"name": "emmabuntus", "version": "DE6-1.00",
                                                        "sha256": "1" * 64},
                                              "disk": {"identity": ident}, "result": "success",
                                              "verify": "ok", "postinstall": [],
                                              "wipe_checked": True}, day(n, machines, 3))
                w.emit("status.changed", aid, {"from": "wiped", "to": "imaged"}, day(n, machines, 3))
                w.emit("status.changed", aid, {"from": "imaged", "to": "ready"}, day(n, machines, 3))
                if n % 10 < 4:
                    w.emit("checkout", aid, {"destination_kind": rng.choice(["given", "sold"]),
                                             "organisation": "Association Y",
                                             "date": day(n, machines, 5)[:10]}, day(n, machines, 5))
    w.close()
    os.replace(home / "journal.part", home / "journal.jsonl")
    (home / "settings.toml").write_text(
        f'[workshop]\nname = "Atelier {code}"\nprefix = "BEN"\n[station]\ncode = "{code}"\n',
        encoding="utf-8")
    return w.seq


def _gen(args) -> int:
    """A journal, as a station has it. No projection is built: a push reads only the
    journal's new lines and appends its receipt after the last one (sync/client.py,
    sync/anchor.py), so the station's inventory is never opened by it."""
    return generate(*args)


def cpu_tree(root: int) -> float:
    """CPU seconds (user + system) of ``root``'s descendants now alive, from /proc
    (gunicorn's workers, PostgreSQL's backends and helpers)."""
    tick = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[tuple[int, float]]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(
            (int(stat.parent.name), (int(fields[11]) + int(fields[12])) / tick))
    total, todo = 0.0, [root]
    while todo:
        for pid, secs in children.get(todo.pop(), ()):
            total += secs
            todo.append(pid)
    return total


def load() -> str:
    """The load average (1, 5, 15 min): the machine is shared, say how busy it was."""
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, int(round(p / 100 * (len(values) - 1)))))
    return values[k]


def hammer(url: str, paths: list[str], clients: int, per_client: int,
           cookie: str | None) -> list[float]:
    """``clients`` threads, each with a keep-alive connection, ``per_client`` GETs."""
    parts = urllib.parse.urlsplit(url)
    out: list[float] = []
    lock = threading.Lock()
    errors: list[str] = []

    def client(i: int) -> None:
        rng = random.Random(i)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        mine = []
        for _ in range(per_client):
            path = rng.choice(paths)
            t = time.perf_counter()
            conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
            resp = conn.getresponse()
            resp.read()
            mine.append(time.perf_counter() - t)
            if resp.status != 200:
                errors.append(f"{path}: {resp.status}")
        conn.close()
        with lock:
            out.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise SystemExit(f"errors under load: {errors[:5]}")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stations", type=int, default=10)
    ap.add_argument("--events", type=int, default=200_000, help="events per station")
    ap.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--requests", type=int, default=50, help="requests per client")
    ap.add_argument("--keep", type=Path, default=None, help="keep/reuse journals here")
    args = ap.parse_args()
    import psycopg
    from psycopg.rows import dict_row
    from reemploi.central import stations as st_mod
    from reemploi.central.figures import year_figures
    from reemploi.sync import client

    work = args.keep or Path(tempfile.mkdtemp(prefix="reemploi-central-bench-"))
    codes = [str(i) for i in range(args.stations)]
    homes = [work / f"station-{c}" for c in codes]
    t0 = time.perf_counter()
    todo = [(h, c, args.events) for h, c in zip(homes, codes) if not (h / "journal.jsonl").exists()]
    with ProcessPoolExecutor(max_workers=2) as pool:
        list(pool.map(_gen, todo))
    sizes = [sum(1 for _ in open(h / "journal.jsonl", "rb")) for h in homes]
    total = sum(sizes)
    mb = sum((h / "journal.jsonl").stat().st_size for h in homes) / 1e6
    print(f"journals: {args.stations} × ~{sizes[0]} events = {total} events, {mb:.0f} MB "
          f"(generated in {time.perf_counter() - t0:.0f} s); {load()}", flush=True)
    for h in homes:
        for extra in ("sync", "keys"):
            p = h / extra
            if p.is_dir():
                shutil.rmtree(p)
            elif p.exists():
                p.unlink()

    pg = PgCluster({"shared_buffers": "256MB", "max_wal_size": "4GB"}).start()
    server = None
    try:
        db = pg.create_db("central")
        port = __import__("socket").socket()
        port.bind(("127.0.0.1", 0))
        port_n = port.getsockname()[1]
        port.close()
        url = f"http://127.0.0.1:{port_n}"
        env = {**os.environ, "REEMPLOI_DATABASE_URL": db, "REEMPLOI_LISTEN": f"127.0.0.1:{port_n}",
               "REEMPLOI_SERVER_KEY": str(work / "server_ed25519"),
               "REEMPLOI_WORKERS": str(args.workers), "REEMPLOI_NETWORK": "Banc d'essai"}
        log = open(work / "server.log", "w")
        server = subprocess.Popen([sys.executable, "-m", "reemploi", "server", "run"], cwd=ROOT,
                                  env=env, stdout=log, stderr=subprocess.STDOUT)
        for _ in range(300):
            try:
                c = http.client.HTTPConnection("127.0.0.1", port_n, timeout=2)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        conn = psycopg.connect(db, row_factory=dict_row, autocommit=True)
        for h in homes:
            out = client.enrol(h, url)
            st_mod.approve(conn, out["code"], "bench")

        # -- reference: bare COPY of the same bytes ------------------------------------
        # Stored as ``events.line`` is (lz4 since migration 0005): the floor moves the
        # same bytes into the same kind of column.
        method = {"l": "lz4", "p": "pglz"}.get(conn.execute(
            "SELECT attcompression AS c FROM pg_attribute WHERE attrelid = 'events'::regclass "
            "AND attname = 'line'").fetchone()["c"], "default")
        conn.execute("DROP TABLE IF EXISTS copy_floor")
        conn.execute(f"CREATE TABLE copy_floor (station text, line bytea COMPRESSION {method})")
        t = time.perf_counter()
        with conn.cursor().copy("COPY copy_floor FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["text", "bytea"])
            for c, h in zip(codes, homes):
                with open(h / "journal.jsonl", "rb") as fh:
                    for line in fh:
                        copy.write_row((c, line))
        floor_s = time.perf_counter() - t
        conn.execute("DROP TABLE copy_floor")

        # -- ingest: the real sync push, all stations at once ------------------------------
        # CPU seconds of each side (the server's processes, PostgreSQL's, the station
        # processes'): on a shared machine the wall time says how busy the others were,
        # the CPU per event what the push costs.
        postmaster = int((pg.data / "postmaster.pid").read_text().split()[0])
        cpu0 = (cpu_tree(server.pid), cpu_tree(postmaster),
                resource.getrusage(resource.RUSAGE_CHILDREN))
        t = time.perf_counter()
        started = conn.execute("SELECT clock_timestamp() AS t").fetchone()["t"]
        procs = [subprocess.Popen([sys.executable, "-m", "reemploi", "sync", "push", "--json",
                                   "--budget", "600", "--home", str(h)], cwd=ROOT,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  env={**os.environ, "REEMPLOI_STATION": f"BEN-{c}"})
                 for c, h in zip(codes, homes)]
        outs = [p.communicate() for p in procs]
        procs_s = time.perf_counter() - t
        bad = [o for p, o in zip(procs, outs) if p.returncode != 0]
        if bad:
            raise SystemExit(f"push failed: {bad[0]}")
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (cpu_tree(server.pid) - cpu0[0], cpu_tree(postmaster) - cpu0[1],
               ru.ru_utime + ru.ru_stime - cpu0[2].ru_utime - cpu0[2].ru_stime)
        resent = total - sum(json.loads(o[0])["stored"] for o in outs)
        stored = int(conn.execute("SELECT sum(head_seq) AS n FROM stations").fetchone()["n"])
        assert stored == total, (stored, total)
        # Pushed = every line stored and receipted (the last receipt's commit time).
        ingest_s = conn.execute("SELECT extract(epoch FROM max(created_at) - %s) AS s "
                                "FROM receipts", (started,)).fetchone()["s"]
        ingest_s = float(ingest_s)
        print(f"ingest: {stored} events from {args.stations} stations at once, stored and "
              f"receipted in {ingest_s:.1f} s = {stored / ingest_s:,.0f} events/s "
              f"(goal ≥ 20 000); station processes done in {procs_s:.1f} s; "
              f"{resent} lines sent twice after a client timeout (stored once); {load()}",
              flush=True)
        while conn.execute("SELECT 1 FROM stations WHERE folded_seq < head_seq").fetchone():
            time.sleep(0.5)
        folded_s = float(conn.execute("SELECT extract(epoch FROM clock_timestamp() - %s) AS s",
                                      (started,)).fetchone()["s"])
        machines = conn.execute("SELECT count(*) AS n FROM assets").fetchone()["n"]
        matches = conn.execute("SELECT count(*) AS n FROM matches").fetchone()["n"]
        print(f"  folded into the state tables (background, the stations' fold) by "
              f"{folded_s:.1f} s = {stored / folded_s:,.0f} events/s end to end; "
              f"{machines} machines, {matches} matches proposed")
        per = [c / total * 1e6 for c in cpu]
        print(f"  CPU per event: server {per[0]:.0f} µs, PostgreSQL {per[1]:.0f} µs, "
              f"stations {per[2]:.0f} µs = {sum(per):.0f} µs: on 2 idle cores at most "
              f"{2e6 / sum(per):,.0f} events/s", flush=True)
        print(f"  reference: bare binary COPY of the same lines {floor_s:.1f} s "
              f"({total / floor_s:,.0f} lines/s); ingest/COPY = {ingest_s / floor_s:.1f}×",
              flush=True)

        # -- pages under 20 concurrent clients ------------------------------------------
        from reemploi.central import auth
        auth.create_user(conn, "bench", "bench-password", "read-only")
        user = auth.check_login(conn, "bench", "bench-password")
        token, _ = auth.open_session(conn, user)
        cookie = f"reemploi_session={token}"
        ids = [r["asset_id"] for r in conn.execute(
            "SELECT asset_id FROM assets ORDER BY random() LIMIT 2000")]
        conn.execute("VACUUM ANALYZE")
        rows = {}
        for name, paths in (
                ("healthz (reference)", ["/healthz"]),
                ("machine page", [f"/machines/{i}" for i in ids]),
                ("public page", [f"/m/{i}" for i in ids]),
                ("search", [f"/inventory?q={urllib.parse.quote(q)}" for q in
                            ("latitude", "BEN-3-26-01", "thinkpad", "SN5000", "hp", "aspire")])):
            hammer(url, paths, 2, 5, cookie)            # warm-up: templates, pools
            lat = hammer(url, paths, args.clients, args.requests, cookie)
            rows[name] = (statistics.median(lat) * 1000, percentile(lat, 99) * 1000, len(lat))
        ref99 = rows["healthz (reference)"][1]
        for name, (p50, p99, n) in rows.items():
            goal = " (goal p99 < 100 ms)" if name in ("machine page", "search") else ""
            print(f"{name}: p50 {p50:.1f} ms, p99 {p99:.1f} ms over {n} requests, "
                  f"{args.clients} clients; p99/healthz = {p99 / ref99:.1f}×{goal}")
        print(f"  {load()}")
        for term in ("lenovo", "esprimo"):      # a model family on ~12 % / ~2.5 % of machines
            lat = hammer(url, [f"/inventory?q={term}"], 1, 5, cookie)
            print(f"  search '{term}' alone: median {statistics.median(lat) * 1000:.0f} ms")

        # -- a year's figures across all stations ----------------------------------------
        t = time.perf_counter()
        conn.execute("SELECT count(*) FROM facts WHERE time >= %s AND time < %s",
                     (f"{YEAR}-01-01", f"{YEAR + 1}-01-01")).fetchone()
        scan_s = time.perf_counter() - t
        times = []
        for _ in range(3):
            t = time.perf_counter()
            figs = year_figures(conn, YEAR)
            times.append(time.perf_counter() - t)
        print(f"figures {YEAR}, all stations: {min(times):.2f} s (best of 3; goal < 2 s), "
              f"{figs.totals['received']} machines received, {figs.totals['out']} out; "
              f"reference count(*) of the year's facts {scan_s:.2f} s; "
              f"ratio {min(times) / scan_s:.2f}×; {load()}")
        # The same figures as the station's own ``reemploi stats`` (station 0).
        t = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "reemploi", "stats", "--year", str(YEAR),
                              "--json", "--home", str(homes[0])], cwd=ROOT, capture_output=True,
                             text=True, env={**os.environ, "REEMPLOI_STATION": f"BEN-{codes[0]}"})
        local = json.loads(out.stdout)["figures"]["totals"]
        server_side = year_figures(conn, YEAR, f"BEN-{codes[0]}").totals
        server_side = {k: v for k, v in server_side.items() if k in local}   # built: apart
        print(f"  station BEN-{codes[0]}: reemploi stats {local} in "
              f"{time.perf_counter() - t:.1f} s; server "
              f"{'equal' if local == server_side else f'DIFFERENT {server_side}'}")
        conn.close()
        print(f"whole run: {time.perf_counter() - t0:.0f} s (journals included); {load()}")
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
        pg.stop()
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
