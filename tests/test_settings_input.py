"""Settings under bad input (issue 11): every mistake is exit 7 with a message naming
the key, before anything is written; property-based over any TOML value."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from reemploi.errors import BadInput, ExitCode
from reemploi.settings import Settings, SettingsError, parse_settings

PATH = Path("settings.toml")

BAD = [
    ('station = "B"\n', "'station' must be a section"),
    ("workshop = 5\n", "'workshop' must be a section"),
    ('[workshop]\nqr_payload = "https://x.org/{asset}"\n', "qr_payload must contain {id}"),
    ('[workshop]\nqr_payload = "{"\n', "qr_payload must contain {id}"),
    ('[workshop]\nqr_payload = "{0}"\n', "qr_payload must contain {id}"),
    ('[workshop]\nqr_payload = "https://x.org/m/"\n', "qr_payload must contain {id}"),
    ('[workshop]\nqr_payload = "{id!r}"\n', "qr_payload must contain {id}"),
    ('[workshop]\nqr_payload = "{id:>40}"\n', "qr_payload must contain {id}"),
    ('[workshop]\nprefix = "T-R"\n', "prefix must be"),
    ('[workshop]\nprefix = "LOT"\n', "prefix must be"),
    ('[workshop]\nname = ["a"]\n', "must be text"),
    ('[workshop]\nname = "' + "x" * 500 + '"\n', "is too long"),
    ('[workshop]\nname = "a\\u0000b"\n', "control character"),
    ('[workshop]\ncolour = "red"\n', "unknown setting 'workshop.colour'"),
    ("[labels]\n", "unknown setting 'labels'"),
    ('[station]\ncode = "ABCD"\n', "[station] code must be"),
    ('[station]\ncode = "é"\n', "[station] code must be"),
    ('[station]\ncode = true\n', "must be text"),
    ("a = " + "[" * 5000 + "]" * 5000 + "\n", "not valid TOML"),
    ("[workshop\n", "not valid TOML"),
]


@pytest.mark.parametrize("text, words", BAD)
def test_each_mistake_is_named(text, words):
    with pytest.raises(SettingsError) as e:
        parse_settings(text.encode("utf-8"), PATH)
    assert words in e.value.render(None)
    assert e.value.exit_code == ExitCode.BAD_INPUT


def test_good_settings_read():
    s = parse_settings(b'[workshop]\nprefix = "tri"\nsiret = 12345678900012\n'
                       b'qr_payload = "https://inv.example.org/m/{id}?x={{y}}"\n'
                       b'[station]\ncode = "b"\n', PATH)
    assert s.workshop.prefix == "TRI" and s.station_code == "B"
    assert s.workshop.siret == "12345678900012"
    assert s.qr_payload("TRI-B-26-00001") == "https://inv.example.org/m/TRI-B-26-00001?x={y}"
    with pytest.raises(SettingsError):
        parse_settings(b"\xff\xfe[workshop]\n", PATH)
    with pytest.raises(SettingsError):
        parse_settings(b"#" * (1 << 17), PATH)


def test_intake_with_labels_refuses_before_saving_the_lot(cli, tmp_path):
    home = tmp_path / "home"
    res = cli(["intake", "--donor", "X", "--device", "laptop:1", "--create-ids"])
    assert res.exit_code == 0
    journal = (home / "journal.jsonl").read_bytes()
    for text in ('[workshop]\nqr_payload = "https://x.org/{asset}"\n', 'station = "B"\n',
                 "workshop = 5\n", '[workshop]\nqr_payload = "{"\n'):
        (home / "settings.toml").write_text(text, encoding="utf-8")
        for args in (["intake", "--donor", "X", "--device", "laptop:2", "--create-ids",
                      "--labels", "--lang", "en"],
                     ["inventory", "list"], ["stats"], ["label", "--lot", "LOT-A-26-0001"]):
            res = cli(args)
            assert res.exit_code == 7, (text, args, res.output)
            assert "settings.toml" in res.output and "Traceback" not in res.output
        assert (home / "journal.jsonl").read_bytes() == journal      # nothing saved


# -- property-based: any TOML document is settings or a SettingsError -------------

_scalars = st.one_of(st.text(max_size=300), st.integers(), st.floats(allow_nan=False),
                     st.booleans(), st.lists(st.text(max_size=5), max_size=3))
_keys = st.sampled_from(["name", "prefix", "siret", "departement", "address", "contact",
                         "qr_payload", "code", "colour"])
_tables = st.dictionaries(_keys, _scalars, max_size=6)


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    escaped = "".join(c if c.isprintable() and c not in '"\\' else f"\\u{ord(c):04x}"
                      for c in value if ord(c) < 0x10000 and not 0xD800 <= ord(c) <= 0xDFFF)
    return '"' + escaped + '"'


@hsettings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(["workshop", "station", "labels"]),
                       st.one_of(_tables, _scalars), max_size=3))
def test_any_document_is_settings_or_a_named_error(doc):
    lines = []
    for section, body in doc.items():
        if isinstance(body, dict):
            lines.append(f"[{section}]")
            lines += [f"{k} = {_toml(v)}" for k, v in body.items()]
        else:
            lines.insert(0, f"{section} = {_toml(body)}")
    raw = "\n".join(lines).encode("utf-8")
    try:
        s = parse_settings(raw, PATH)
    except SettingsError as exc:
        assert exc.exit_code == ExitCode.BAD_INPUT and "settings.toml" in exc.render(None)
        return
    assert isinstance(s, Settings)
    # Whatever was accepted works where it is used: the QR payload and the ids.
    payload = s.qr_payload(f"{s.workshop.prefix}-{s.station_code}-26-00001")
    assert f"{s.workshop.prefix}-{s.station_code}-26-00001" in payload


@hsettings(max_examples=300, deadline=None)
@given(st.text(alphabet=string.printable + "é{}", max_size=60))
def test_any_qr_payload_is_usable_or_refused(template):
    raw = ('[workshop]\nqr_payload = ' + _toml(template) + "\n").encode("utf-8")
    try:
        s = parse_settings(raw, PATH)
    except BadInput:
        return
    assert "TRI-A-26-00001" in s.qr_payload("TRI-A-26-00001")
