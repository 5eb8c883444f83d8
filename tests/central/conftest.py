"""Fixtures for the central server: a real PostgreSQL, the real server on loopback,
stations with real journals (made by the real CLI from recorded machines)."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import socket
import subprocess  # tests may drive tools directly; the package may not
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent.parent
ROOT = TESTS.parent
MACHINES = TESTS / "fixtures" / "machines"      # recorded real machines (their SOURCES.md)
sys.path.insert(0, str(TESTS))

from pg_support import PgCluster  # noqa: E402

PASSWORDS = {"coord": ("coordinator", "coord-password-1"),
             "tech": ("technician", "tech-password-1"),
             "reader": ("read-only", "reader-password-1")}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_reemploi(args: list, env: dict | None = None, input: str | None = None,
                 timeout: float = 120) -> subprocess.CompletedProcess:
    """The installed command as a station runs it (a separate process)."""
    return subprocess.run([sys.executable, "-m", "reemploi", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, input=input, timeout=timeout,
                          env={**os.environ, "REEMPLOI_LANG": "en", **(env or {})})


class Server:
    def __init__(self, pg: PgCluster, tmp: Path) -> None:
        self.db_url = pg.create_db("central")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {"REEMPLOI_DATABASE_URL": self.db_url,
                    "REEMPLOI_LISTEN": f"127.0.0.1:{self.port}",
                    "REEMPLOI_SERVER_KEY": str(tmp / "server_ed25519"),
                    "REEMPLOI_NETWORK": "Réseau des ateliers du Rhône", "REEMPLOI_WORKERS": "2"}
        self.log = open(tmp / "server.log", "w")
        self.proc = subprocess.Popen([sys.executable, "-m", "reemploi", "server", "run"],
                                     cwd=ROOT, env={**os.environ, **self.env},
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 180     # a loaded 2-core machine starts slowly
        while True:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("server did not start: "
                                   + (tmp / "server.log").read_text(errors="replace"))
            time.sleep(0.2)
        for login, (role, password) in PASSWORDS.items():
            r = self.cli(["user", "add", login, "--role", role, "--name", login.title(),
                          "--password-stdin"], input=password + "\n")
            assert r.returncode == 0, r.stderr

    def cli(self, args: list, input: str | None = None) -> subprocess.CompletedProcess:
        return run_reemploi(["server", *args], env=self.env, input=input)

    def wait_folded(self, timeout: float = 120) -> None:
        """Folding follows pushes in the background: wait until every station's state
        tables are up to date with its stored lines."""
        deadline = time.monotonic() + timeout
        while self.sql("SELECT 1 FROM stations WHERE folded_seq < head_seq"):
            assert time.monotonic() < deadline, "the fold did not catch up"
            time.sleep(0.1)

    def sql(self, query: str, args=()) -> list[dict]:
        import psycopg
        from psycopg.rows import dict_row
        with psycopg.connect(self.db_url, row_factory=dict_row, autocommit=True) as conn:
            cur = conn.execute(query, args)
            return cur.fetchall() if cur.description else []

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


@pytest.fixture(scope="session")
def pg():
    cluster = PgCluster().start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def server(pg, tmp_path_factory):
    srv = Server(pg, tmp_path_factory.mktemp("central"))
    yield srv
    srv.stop()


class Web:
    """A browser without JavaScript: cookies, forms with their CSRF field."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def request(self, path: str, data: dict | None = None, headers: dict | None = None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        try:
            with self.opener.open(req, timeout=30) as r:
                return r.status, r.read().decode("utf-8", "replace"), r.geturl()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace"), exc.geturl()

    def get(self, path: str):
        return self.request(path)

    @staticmethod
    def csrf(html: str) -> str:
        m = re.search(r'name="csrf" value="([^"]+)"', html)
        assert m, "no CSRF field in the form"
        return m.group(1)

    def login(self, login: str) -> "Web":
        _, html, _ = self.get("/login")
        status, html, url = self.request("/login", {"csrf": self.csrf(html), "login": login,
                                                    "password": PASSWORDS[login][1], "next": ""})
        assert status == 200 and "/inventory" in url, html[:500]
        self.page = html
        return self

    def post_form(self, path: str, fields: dict, page: str = "/inventory"):
        _, html, _ = self.get(page)
        return self.request(path, {"csrf": self.csrf(html), **fields})


@pytest.fixture
def web(server):
    return lambda login=None: Web(server.url).login(login) if login else Web(server.url)


class Station:
    """A station's data directory with a real journal made by the real CLI."""

    def __init__(self, home: Path, prefix: str, code: str, server_url: str,
                 server: "Server | None" = None) -> None:
        self.home = home
        self.server = server
        self.station = f"{prefix}-{code}"
        home.mkdir(parents=True, exist_ok=True)
        (home / "settings.toml").write_text(
            f'[workshop]\nname = "Atelier {code}"\nprefix = "{prefix}"\n'
            f'[station]\ncode = "{code}"\n[sync]\nserver = "{server_url}"\ntimeout = 20\n',
            encoding="utf-8")
        self.server_url = server_url

    def run(self, *args, check: bool = True) -> subprocess.CompletedProcess:
        r = run_reemploi([*args, "--home", self.home] if args[0] != "--lang" else list(args),
                         env={"REEMPLOI_STATION": self.station, "REEMPLOI_OPERATOR": "Camille"})
        if check:
            assert r.returncode == 0, (args, r.stdout, r.stderr)
        if args[:2] == ("sync", "push") and self.server is not None:
            self.server.wait_folded()
        return r

    def json(self, *args) -> dict:
        return json.loads(self.run(*args, "--json").stdout)

    def intake(self, n: int = 2, donor: str = "Entreprise X") -> list[str]:
        return self.json("intake", "--donor", donor, "--device", f"laptop:{n}:4.6",
                         "--create-ids")["ids"]

    def grade(self, asset: str, machine: str) -> dict:
        return self.json("grade", "--replay", MACHINES / machine, "--asset", asset)

    def enrol(self, server: "Server", restore: bool = False) -> dict:
        out = self.json("sync", "enrol", "--server", server.url, *(["--restore"] if restore else []))
        assert out["state"] == "pending" and out["code"]
        r = server.cli(["approve", out["code"], "--operator", "test"])
        assert r.returncode == 0, r.stderr
        return out

    def journal_lines(self) -> list[bytes]:
        return (self.home / "journal.jsonl").read_bytes().splitlines(keepends=True)


@pytest.fixture
def station(server, tmp_path):
    def make(code: str, prefix: str = "TRI", enrol: bool = True) -> Station:
        st = Station(tmp_path / f"station-{prefix}-{code}", prefix, code, server.url, server)
        if enrol:
            st.enrol(server)
        return st
    return make
