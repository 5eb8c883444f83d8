"""The web view, the public page and the JSON API, on the real server: login, roles
and CSRF, a match confirmed and the merged history shown, nothing personal on the
public page, figures and their downloads (cross-checked with ``reemploi stats``)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import subprocess
import urllib.error
import urllib.parse
import urllib.request

import pytest

from .conftest import PASSWORDS, Web


def test_login_roles_and_csrf(server, web):
    anon = web()
    status, html, url = anon.get("/inventory")
    assert url.endswith("/login?next=/inventory?") and 'name="csrf"' in html
    status, html, _ = anon.request("/login", {"csrf": Web.csrf(html), "login": "coord",
                                              "password": "wrong-password", "next": ""})
    assert status == 401 and "Identifiant ou mot de passe incorrect" in html
    # No CSRF token (or a wrong one): refused before the password is even looked at.
    status, _, _ = anon.request("/login", {"login": "coord", "password": PASSWORDS["coord"][1]})
    assert status == 400
    status, _, _ = anon.request("/login", {"csrf": "forged", "login": "coord",
                                           "password": PASSWORDS["coord"][1]})
    assert status == 400

    reader = web("reader")
    assert "Inventaire" in reader.page and "Comptes" not in reader.page
    status, html, _ = reader.get("/accounts")
    assert status == 403 and "lecture seule" in html
    status, _, _ = reader.post_form("/matches/1/confirm", {})
    assert status == 403
    tech = web("tech")
    assert tech.get("/accounts")[0] == 403
    coord = web("coord")
    status, html, _ = coord.get("/accounts")
    assert status == 200 and "Nouveau compte" in html
    # A form posted without the session's token (a CSRF attempt from another site).
    status, _, _ = coord.request("/accounts", {"login": "mallory", "password": "x" * 12,
                                               "role": "coordinator"})
    assert status == 400
    assert server.sql("SELECT 1 FROM users WHERE login = 'mallory'") == []
    status, html, _ = coord.post_form("/accounts", {"login": "dominique",
                                                    "password": "dominique-pass-1",
                                                    "role": "technician",
                                                    "display_name": "Dominique"}, "/accounts")
    assert status == 200 and "dominique" in html
    row = server.sql("SELECT role, password_hash FROM users WHERE login = 'dominique'")[0]
    assert row["role"] == "technician" and row["password_hash"].startswith("scrypt:")
    # Logout ends the session on the server, not only in the browser.
    cookie = next(c.value for c in coord.jar if c.name == "reemploi_session")
    status, _, url = coord.post_form("/logout", {})
    assert url.endswith("/login")
    stolen = Web(server.url)
    req = urllib.request.Request(server.url + "/inventory",
                                 headers={"Cookie": f"reemploi_session={cookie}"})
    with stolen.opener.open(req) as r:
        assert r.geturl().startswith(server.url + "/login")
    # ``next`` only ever leads to a page of this site (no open redirect).
    for target in ("//evil.example/x", "/\\evil.example/x", "https://evil.example/"):
        w = Web(server.url)
        _, html, _ = w.get("/login")
        status, _, url = w.request("/login", {"csrf": Web.csrf(html), "login": "reader",
                                              "password": PASSWORDS["reader"][1], "next": target})
        assert status == 200 and url == server.url + "/inventory", (target, url)
    # English on request.
    assert "Log in" in web().get("/login?lang=en")[1]


def _api(server, path: str, token: str | None):
    req = urllib.request.Request(server.url + path,
                                 headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_a_match_is_confirmed_and_the_history_merged(server, station, web):
    # The same recorded laptop graded at two stations (it went from one to the other).
    m, n = station("M"), station("N")
    a, b = m.intake(1)[0], n.intake(1)[0]
    # Its disk's serial (from the recorded smartctl output) is the strong identity; the
    # linux-hardware.org dump behind its DMI table has serial and UUID blanked ("--").
    m.grade(a, "latitude-e5410-failing-disk")
    n.grade(b, "latitude-e5410-failing-disk")
    for st in (m, n):
        st.json("sync", "push")
    pending = server.sql("SELECT id, a_asset, b_asset, reason, state FROM matches "
                         "WHERE a_station = 'TRI-M' AND b_station = 'TRI-N'")
    assert [(p["a_asset"], p["b_asset"], p["state"]) for p in pending] == [(a, b, "pending")]
    assert pending[0]["reason"] == "disk"
    before = server.sql("SELECT station_id, seq, hash FROM events WHERE station_id IN "
                        "('TRI-M', 'TRI-N') ORDER BY 1, 2")
    _, html, _ = web("reader").get("/matches")
    assert a in html and b in html and "Même machine\u00a0: lier" not in html
    token = server.cli(["token", "create", "script-test"]).stdout.strip()
    year = dt.date.today().year
    figures_before = _api(server, f"/v1/figures?year={year}", token)[1]
    tech = web("tech")
    _, html, _ = tech.get("/matches")
    assert "Même machine\u00a0: lier" in html
    status, html, _ = tech.post_form(f"/matches/{pending[0]['id']}/confirm", {}, "/matches")
    assert status == 200 and not [row for row in html.split("<tr>") if a in row and b in row]
    assert server.sql("SELECT state, decided_by FROM matches WHERE id = %s",
                      (pending[0]["id"],)) == [{"state": "confirmed", "decided_by": "tech"}]
    linked = server.sql("SELECT type, operator, payload FROM central_events "
                        "WHERE type = 'asset.linked'")
    assert {"alias": {"station": "TRI-N", "asset_id": b},
            "root": {"station": "TRI-M", "asset_id": a}} .items() <= linked[-1]["payload"].items()
    assert linked[-1]["operator"] == "tech"
    # Station events untouched; the machine page shows both records and both histories.
    after = server.sql("SELECT station_id, seq, hash FROM events WHERE station_id IN "
                       "('TRI-M', 'TRI-N') ORDER BY 1, 2")
    assert after == before
    _, html, _ = tech.get(f"/machines/{b}")
    assert "Fiches liées" in html and a in html and b in html
    assert html.count("TRI-M #") >= 4 and html.count("TRI-N #") >= 4
    status, body = _api(server, f"/v1/assets/{b}", token)
    assert status == 200
    assert [g["asset_id"] for g in body["group"]] == [a, b]
    assert {e["station"] for e in body["history"]} == {"TRI-M", "TRI-N"}
    # One inventory: the linked pair now counts once among the machines diagnosed
    # (and graded) that year, under its first record.
    figures_after = _api(server, f"/v1/figures?year={year}", token)[1]
    assert figures_after["totals"]["diagnosed"] == figures_before["totals"]["diagnosed"] - 1
    assert (sum(g["machines"] for g in figures_after["grades"])
            == sum(g["machines"] for g in figures_before["grades"]) - 1)


def test_public_page_shows_nothing_personal(server, station, web, loopdev):
    st = station("P")
    aid = st.intake(1, donor="Famille Dupont-Secret")[0]
    st.grade(aid, "latitude-e5410-failing-disk")
    disk = loopdev(16 << 20)
    wiped = st.json("wipe", disk.path, "--asset", aid, "--yes")
    event = wiped["records"][0]["event_id"]
    st.json("certificate", "issue", "--asset", aid, "--event", event, "--out", st.home / "certs")
    st.json("sync", "push")
    doc = server.sql("SELECT doc FROM assets WHERE asset_id = %s", (aid,))[0]["doc"]
    secrets = [doc["lot_id"], "Famille Dupont-Secret", "Camille",
               *[d["serial"] for d in doc["probe"]["disks"] if d.get("serial")],
               *[w["disk_serial"] for w in doc["wipes"] if w.get("disk_serial")]]
    assert all(secrets) and "MSK423Y20S3HBC" in secrets
    anon = web()
    status, html, _ = anon.get(f"/m/{aid}")
    assert status == 200
    for text in ("Latitude E5410", "Atelier P", "Effacement des données", aid):
        assert text in html
    assert wiped["records"][0]["method"] in html
    for secret in secrets:
        assert secret not in html, secret
    status, body = _api(server, f"/m/{aid}.json", None)
    assert status == 200 and not any(s in json.dumps(body) for s in secrets)
    assert body["erasures"] and body["erasures"][0]["date"] == dt.date.today().isoformat()
    # The certificate's fingerprint: the SHA-256 of the signed file the station issued.
    cert = next(json.loads(line) for line in st.journal_lines()
                if b'"type":"certificate.issued"' in line)
    assert body["erasures"][0]["certificate_sha256"] == cert["payload"]["sha256"]
    assert cert["payload"]["sha256"] in html
    # The staff page, by contrast, has the serials.
    assert "MSK423Y20S3HBC" in web("reader").get(f"/machines/{aid}")[1]


def test_api_needs_a_token(server):
    status, body = _api(server, "/v1/assets", None)
    assert status == 403 and body["error"] == "TokenRequired"
    token = server.cli(["token", "create", "reports", "--role", "read-only"]).stdout.strip()
    assert _api(server, "/v1/assets", token)[0] == 200
    assert _api(server, "/v1/stations", token)[0] == 200
    assert server.cli(["token", "revoke", "reports"]).returncode == 0
    assert _api(server, "/v1/assets", token)[0] == 403


def test_figures_match_the_station_stats_and_download(server, station, web, tmp_path):
    st = station("Q")
    ids = st.intake(3)
    st.grade(ids[0], "aspire-es1-non-root")
    st.grade(ids[1], "latitude-e5410-failing-disk")
    st.json("sync", "push")
    year = dt.date.today().year
    local = st.json("stats", "--year", year)
    _, body = _api(server, f"/v1/figures?year={year}&station=TRI-Q",
                   server.cli(["token", "create", "figs"]).stdout.strip())
    for stage in ("received", "diagnosed", "wiped", "ready", "out"):
        assert body["totals"][stage] == local["figures"]["totals"][stage], (stage, body)
    assert body["totals"]["received"] == 3 and body["totals"]["diagnosed"] == 2
    reader = web("reader")
    _, html, _ = reader.get(f"/figures?year={year}&station=TRI-Q")
    assert f"Chiffres de tous les postes, {year}" in html and "TRI-Q" in html
    status, text, _ = reader.get(f"/figures.csv?year={year}&station=TRI-Q")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert status == 200 and ["TRI-Q", "Atelier Q", "3", "2", "0", "0", "0", "0", "0"] in rows
    for fmt, magic in (("xlsx", b"PK"), ("pdf", b"%PDF-")):
        req = urllib.request.Request(f"{server.url}/figures.{fmt}?year={year}&station=TRI-Q")
        with reader.opener.open(req) as r:
            data = r.read()
        assert data.startswith(magic)
        (tmp_path / f"f.{fmt}").write_bytes(data)
    from openpyxl import load_workbook
    wb = load_workbook(tmp_path / "f.xlsx")
    assert "Par poste" in wb.sheetnames
    assert ["TRI-Q", "Atelier Q", 3, 2, 0, 0, 0, 0, 0] in [list(r) for r in wb["Par poste"].values]
    text = subprocess.run(["pdftotext", str(tmp_path / "f.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "TRI-Q" in text and str(year) in text


def test_a_coordinator_revokes_a_station_key(server, station, web):
    st = station("S")
    st.intake(1)
    st.json("sync", "push")
    tech = web("tech")
    _, html, _ = tech.get("/stations")
    assert "Révoquer la clé" not in html            # coordinators only
    status, _, _ = tech.post_form("/stations/TRI-S/revoke", {}, "/stations")
    assert status == 403
    status, html, _ = web("coord").post_form("/stations/TRI-S/revoke", {}, "/stations")
    assert status == 200
    assert server.sql("SELECT status FROM stations WHERE station_id = 'TRI-S'") == [
        {"status": "revoked"}]
    assert server.sql("SELECT type, operator FROM central_events WHERE type = "
                      "'station.key-revoked' AND payload->>'station' = 'TRI-S'") == [
        {"type": "station.key-revoked", "operator": "coord"}]
    st.intake(1)
    r = st.run("sync", "push", "--budget", "1", check=False)
    assert r.returncode == 8 and "revoked" in r.stderr, r.stderr


def test_search_by_id_prefix_model_and_serial(server, station, web):
    st = station("K")
    ids = st.intake(2)
    st.grade(ids[0], "latitude-e5410-failing-disk")     # recorded: Dell Latitude E5410
    st.json("sync", "push")
    reader = web("reader")

    def found(q: str) -> set[str]:
        status, html, _ = reader.get("/inventory?q=" + urllib.parse.quote(q))
        assert status == 200
        return {i for i in ids if f">{i}</a>" in html}

    assert found("TRI-K") == set(ids) and found("tri-k-") == set(ids)   # an id's beginning
    assert found(ids[1]) == {ids[1]}
    assert found("latitude e54") == {ids[0]} and found("LATITUDE") == {ids[0]}   # the model
    assert found("TR") == set(ids)               # two letters: ids only
    assert found("la") == set()                  # …never a model: no trigram to use
    assert found("zzzz") == set()
    # A term's page found walking the ids in order, or its matches fetched and sorted:
    # the same machines in the same order (a second station's Latitude, and others).
    other = station("L")
    other.grade(other.intake(1)[0], "latitude-e5410-failing-disk")
    other.json("sync", "push")
    import psycopg
    from psycopg.rows import dict_row
    from reemploi.central import queries
    with psycopg.connect(server.db_url, row_factory=dict_row, autocommit=True) as conn:
        every = queries.search(conn, "latitude", spread=0, limit=100)    # fetched, sorted
        assert ids[0] in {r["asset_id"] for r in every} and len(every) >= 2
        for page in (0, 1):                                              # walked
            assert queries.search(conn, "latitude", spread=10 ** 6, page=page, limit=1) \
                == every[page:page + 1]
