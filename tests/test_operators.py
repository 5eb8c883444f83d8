"""The workshop's people through the real CLI: roster, station session, --operator on
recording commands, the validator's sign-off and where each shows."""

from __future__ import annotations

import json
import subprocess

import pytest

from conftest import MACHINES


def _ok(result):
    assert result.exit_code == 0, result.output
    return result


def _json(result):
    return json.loads(_ok(result).output)


@pytest.fixture
def lot(cli):
    """A roster of three and a lot of two laptops at reception."""
    _ok(cli(["operator", "add", "Camille Martin", "--role", "technician"]))
    _ok(cli(["operator", "add", "Sam Durand", "--role", "validator", "--role", "trainer"]))
    _ok(cli(["operator", "add", "Lou", "--role", "trainee"]))
    out = _json(cli(["intake", "--donor", "Entreprise X", "--device", "laptop:2",
                     "--create-ids", "--json", "--operator", "Lou"]))
    return out["ids"]


def test_roster_lists_people_with_roles_in_the_readers_language(cli, lot):
    people = _json(cli(["operator", "list", "--json"]))
    assert [(p["name"], p["roles"]) for p in people] == [
        ("Camille Martin", ["technician"]), ("Lou", ["trainee"]),
        ("Sam Durand", ["validator", "trainer"])]
    fr = _ok(cli(["operator", "list", "--lang", "fr"])).output
    assert "validateur, formateur" in fr and "stagiaire" in fr
    en = _ok(cli(["operator", "list", "--lang", "en"])).output
    assert "validator, trainer" in en


def test_each_event_carries_its_operator_from_flag_session_or_env(cli, lot):
    history = _json(cli(["inventory", "history", lot[0], "--json"]))
    assert {e["operator"] for e in history} == {"Lou"}
    # The station session's operator, then --operator overriding it for one command.
    _ok(cli(["operator", "use", "camille martin"]))          # spelled as on the roster
    assert _json(cli(["operator", "who", "--json"]))["operator"] == "Camille Martin"
    _ok(cli(["inventory", "status", lot[0], "diagnosed"]))
    _ok(cli(["inventory", "status", lot[1], "diagnosed", "--operator", "Lou"]))
    ops = [e["operator"] for e in _json(cli(["inventory", "history", lot[0], "--json"]))]
    assert ops[-1] == "Camille Martin"
    ops = [e["operator"] for e in _json(cli(["inventory", "history", lot[1], "--json"]))]
    assert ops[-1] == "Lou"
    _ok(cli(["operator", "use", "--clear"]))
    assert _json(cli(["operator", "who", "--json"]))["operator"] is None


def test_unknown_operator_and_trainee_full_name_are_refused_before_anything_is_written(cli, lot):
    before = len(_json(cli(["inventory", "history", lot[0], "--json"])))
    bad = cli(["inventory", "status", lot[0], "diagnosed", "--operator", "Camile", "--lang", "fr"])
    assert bad.exit_code == 10 and "Camile" in bad.output
    assert "Opérateur inconnu" in bad.output
    assert len(_json(cli(["inventory", "history", lot[0], "--json"]))) == before
    # A trainee is a first name or a pseudonym: the journal keeps no more than that.
    bad = cli(["operator", "add", "Lou Dupont", "--role", "trainee", "--lang", "fr"])
    assert bad.exit_code == 7 and "prénom ou un pseudonyme" in bad.output
    again = cli(["operator", "add", "Lou", "--role", "trainee"])
    assert again.exit_code == 11


def test_only_a_validator_signs_off_and_the_sheet_and_certificate_name_them(cli, lot, tmp_path):
    for asset in lot:          # graded, and its disk kept by the donor: may go ready
        _ok(cli(["grade", "--replay", MACHINES / "aspire-es1-non-root", "--asset", asset,
                 "--operator", "Camille Martin"]))
        _ok(cli(["parts", "remove", asset, "--reason", "kept by the donor"]))
    refused = cli(["validate", lot[0], "--operator", "Camille Martin", "--lang", "fr"])
    assert refused.exit_code == 8 and "validateur" in refused.output
    assert _json(cli(["inventory", "show", lot[0], "--json"]))["status"] == "diagnosed"
    nobody = cli(["validate", lot[0]])
    assert nobody.exit_code == 8
    out = _ok(cli(["validate", lot[0], "--operator", "Sam Durand", "--note", "contrôle final",
                   "--lang", "fr"]))
    assert "validée par Sam Durand" in out.output
    doc = _json(cli(["inventory", "show", lot[0], "--json"]))
    assert doc["status"] == "ready" and doc["validation"]["by"] == "Sam Durand"
    assert doc["validation"]["station"] == "T"
    # The same through ``inventory status ready --validate``.
    _ok(cli(["inventory", "status", lot[1], "diagnosed"]))
    _ok(cli(["inventory", "status", lot[1], "prêt", "--validate", "--operator", "Sam Durand"]))
    assert _json(cli(["inventory", "show", lot[1], "--json"]))["validation"]["by"] == "Sam Durand"
    # The sheet names the validator; back on the bench, the sign-off is gone.
    pdf = tmp_path / "fiche.pdf"
    _ok(cli(["sheet", lot[0], "--out", pdf, "--lang", "fr"]))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "Validée par" in text and "Sam Durand" in text and "contrôle final" in text
    _ok(cli(["inventory", "status", lot[0], "diagnosed"]))
    assert _json(cli(["inventory", "show", lot[0], "--json"])).get("validation") is None


def test_station_code_from_settings_is_what_events_name(cli, lot, monkeypatch, tmp_path):
    monkeypatch.delenv("REEMPLOI_STATION")
    home = tmp_path / "home"
    (home / "settings.toml").write_text('[station]\ncode = "B"\n', encoding="utf-8")
    _ok(cli(["inventory", "status", lot[0], "diagnosed", "--operator", "Lou"]))
    last = _json(cli(["inventory", "history", lot[0], "--json"]))[-1]
    assert last["station"] == "B"
