"""The server and sync commands walked in French (as tests/test_french_walk_stations.py
walks the station): enrolment, approval, pushes, a restored stick, a revoked key, the
staff accounts and tokens, through the real commands against a real server and
PostgreSQL; every line printed (stdout and stderr) is checked for English words and
catalogue entries left in English (tests/french_support.py)."""

from __future__ import annotations

import json

from french_support import ENGLISH, ENGLISH_MORE, leaks, untranslated

from .conftest import run_reemploi

# Not ours to translate: the network's name (server settings), product names.
NOT_OURS = ("Réseau des ateliers du Rhône", "Aspire ES1-512", "Emmabuntüs", "gunicorn")


def test_server_and_sync_speak_french(server, station, tmp_path):
    log: list[str] = []

    def fr(args, env, code=0, input=None):
        r = run_reemploi(args, env={**env, "REEMPLOI_LANG": "fr"}, input=input)
        assert r.returncode == code, (args, r.stdout, r.stderr)
        if "--json" not in args:
            log.extend((r.stdout, r.stderr))
        return r

    srv = lambda *a, **k: fr(["server", *a], server.env, **k)     # noqa: E731
    st = station("FR", enrol=False)
    env = {"REEMPLOI_HOME": str(st.home), "REEMPLOI_STATION": st.station,
           "REEMPLOI_OPERATOR": "Camille"}
    run = lambda *a, **k: fr(list(a), env, **k)                   # noqa: E731

    run("sync", "status")                         # not enrolled yet: unknown
    run("sync", "push", code=8)
    code = json.loads(run("sync", "enrol", "--server", server.url, "--json").stdout)["code"]
    run("sync", "status")                         # pending
    run("sync", "push", code=8)                   # not approved yet
    srv("approve", code, "--operator", "Sam")
    srv("approve", code, "--operator", "Sam", code=10)      # used once only
    ids = json.loads(run("intake", "--donor", "Mairie", "--device", "portable:2", "--create-ids",
                         "--json").stdout)["ids"]
    run("sync", "push")
    server.wait_folded()
    run("sync", "status")
    run("sync", "push")                           # nothing new

    # A lost stick: a new one restores the journal; the old key is refused afterwards.
    new = tmp_path / "nouvelle-cle"
    new.mkdir()
    (new / "settings.toml").write_bytes((st.home / "settings.toml").read_bytes())
    env_new = {**env, "REEMPLOI_HOME": str(new)}
    out = json.loads(fr(["sync", "enrol", "--server", server.url, "--restore", "--json"],
                        env_new).stdout)
    fr(["sync", "pull", "--restore"], env_new, code=8)      # not approved yet
    srv("approve", out["code"])
    fr(["sync", "pull", "--restore"], env_new)
    assert ids[0] in fr(["inventory", "list"], env_new).stdout
    run("sync", "push", "--budget", "1", code=8)  # the old stick's key: revoked

    # Staff accounts and tokens.
    srv("user", "add", "walk-fr", "--role", "technicienne", "--name", "Walk FR",
        "--password-stdin", input="mot-de-passe-assez-long\n")
    srv("user", "add", "walk-fr", "--role", "lecture", "--password-stdin",
        input="mot-de-passe-assez-long\n", code=11)
    srv("user", "passwd", "walk-fr", "--password-stdin", input="un-autre-mot-de-passe\n")
    srv("token", "create", "walk-fr-sheet", "--role", "lecture seule")
    srv("migrate")
    srv("fold")
    srv("revoke", st.station)

    found = leaks(log, ENGLISH + ENGLISH_MORE, allowed=NOT_OURS + (st.station, server.url))
    assert not found, "English in French output:\n" + "\n".join(found)
    assert not untranslated(log), untranslated(log)
