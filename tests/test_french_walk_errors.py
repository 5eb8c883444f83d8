"""Errors a French workshop met, said in French only (qa17's walk of the real CLI).

Each case is a path a user took: a machine marked ready before its wipe, a recycled
part fitted, a journal someone edited, a period typed wrong, a donor's certificate or
a key file damaged on the way. Before, each French message carried an English code or
a library's English sentence ("« ready »", "hash-mismatch", "is not a date",
"Expecting property name…", "Could not deserialize key data…"). Machines are recorded
ones (tests/fixtures/machines); disks are real loop devices; every file damaged here
is a real one the CLI wrote first.
"""

from __future__ import annotations

import json

from conftest import MACHINES, needs_root
from reemploi.errors import ExitCode

ASPIRE = MACHINES / "aspire-es1-non-root"
FAILING = MACHINES / "latitude-e5410-failing-disk"
ENGLISH = ("ready", "recycling", "hash-mismatch", "is not a", "Expecting", "deserialize",
           "Unable to load", "line 1 column")


def _ok(result):
    assert result.exit_code == 0, result.output
    text = result.output.strip()
    return json.loads(text) if text.startswith(("{", "[")) else text


def _french_error(result, code: ExitCode) -> str:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert result.output.startswith("Erreur"), result.output
    leaked = [w for w in ENGLISH if w in result.output]
    assert not leaked, (leaked, result.output)
    return result.output


def _lot(cli, home, n=2):
    return _ok(cli(["intake", "--donor", "Mairie", "--device", f"laptop:{n}", "--create-ids",
                    "--json", "--home", home]))["ids"]


def test_ready_before_the_wipe_names_the_status_in_french(cli, tmp_path):
    home = tmp_path / "shop"
    [a] = _lot(cli, home, 1)
    _ok(cli(["grade", "--replay", ASPIRE, "--asset", a, "--json", "--home", home]))
    said = _french_error(cli(["inventory", "status", a, "ready", "--home", home,
                              "--lang", "fr"]), ExitCode.REFUSED)
    assert "Prêt" in said


def test_a_part_kept_for_recycling_says_so_in_french(cli, tmp_path):
    home = tmp_path / "shop"
    a, b = _lot(cli, home)
    _ok(cli(["grade", "--replay", FAILING, "--asset", a, "--json", "--home", home]))
    _ok(cli(["grade", "--replay", ASPIRE, "--asset", b, "--json", "--home", home]))
    part = _ok(cli(["parts", "harvest", a, "--kind", "disk", "--for", "recycling",
                    "--reason", "SMART en échec", "--json", "--home", home]))["id"]
    said = _french_error(cli(["parts", "install", part, b, "--home", home, "--lang", "fr"]),
                         ExitCode.REFUSED)
    assert "recyclage" in said


def test_an_edited_journal_is_named_in_french(cli, tmp_path):
    home = tmp_path / "shop"
    _lot(cli, home)
    journal = home / "journal.jsonl"
    journal.write_bytes(journal.read_bytes().replace(b"Mairie", b"Marie!", 1))
    said = cli(["inventory", "verify", "--home", home, "--lang", "fr"])
    assert said.exit_code == ExitCode.INTEGRITY, said.output
    error = said.output[said.output.index("Erreur"):]
    assert not [w for w in ENGLISH if w in error], error
    assert "modifié" in error


def test_a_period_typed_wrong_is_said_in_french(cli, tmp_path):
    home = tmp_path / "shop"
    _lot(cli, home)
    for args in (["--from", "2026-13-01"], ["--to", "hier"], ["--month", "2026/02"]):
        said = _french_error(cli(["stats", *args, "--home", home, "--lang", "fr"]),
                             ExitCode.BAD_INPUT)
        assert "AAAA-MM" in said, said


@needs_root
def test_a_damaged_certificate_or_key_file_is_said_in_french(cli, loopdev, tmp_path):
    home = tmp_path / "shop"
    [part] = _lot(cli, home, 1)
    disk = loopdev(32 << 20)
    _ok(cli(["wipe", disk.path, "--asset", part, "--yes", "--verify", "sample", "--json",
             "--home", home]))
    issued = _ok(cli(["certificate", "issue", "--asset", part, "--out", tmp_path / "certs",
                      "--json", "--home", home]))
    cert = tmp_path / "certs" / issued["json"].rsplit("/", 1)[-1]
    cut = tmp_path / "cut.json"
    cut.write_bytes(cert.read_bytes()[:300])          # a mail client's truncation
    said = _french_error(cli(["certificate", "verify", cut, "--home", home, "--lang", "fr"]),
                         ExitCode.BAD_INPUT)
    assert "JSON" in said
    key = tmp_path / "cle.pem"
    _ok(cli(["certificate", "export-key", "--out", key, "--home", home]))
    fingerprint = _ok(cli(["certificate", "verify", cert, "--json", "--home", home]))["fingerprint"]
    lines = key.read_text(encoding="utf-8").splitlines(keepends=True)
    broken = tmp_path / "cle-abimee.pem"
    broken.write_text("".join(l for l in lines if not l.startswith("-----END")), encoding="utf-8")
    _french_error(cli(["certificate", "trust", broken, "--fingerprint", fingerprint,
                       "--home", tmp_path / "other", "--lang", "fr"]), ExitCode.BAD_INPUT)


@needs_root
def test_an_interrupted_wipe_is_told_in_french_on_screen_and_in_its_report(tmp_path, loopdev):
    """Ctrl-C mid-wipe: the summary and the failure report's "Erreurs" said "stopped" and
    "verification interrupted" in the middle of French text."""
    import signal
    import subprocess
    from signal_support import run_cli, signal_mid_act
    home = tmp_path / "shop"
    made = run_cli(["intake", "--donor", "Mairie", "--device", "laptop:1", "--create-ids",
                    "--json"], home)
    [asset] = json.loads(made.stdout)["ids"]
    disk = loopdev(768 << 20)
    code, out, err = signal_mid_act(["wipe", disk.path, "--asset", asset, "--yes", "--method",
                                     "zero", "--lang", "fr"], home, disk.path, signal.SIGINT,
                                    settle=0.2)
    assert code == ExitCode.INTERRUPTED, err
    summary = out[out.index("Bilan"):]
    assert "interrompu" in summary
    english = ("stopped", "interrupted", "verification:", "Ctrl-C\n    stopped")
    assert not [w for w in english if w in summary], summary
    issued = run_cli(["certificate", "issue", "--asset", asset, "--out", tmp_path / "certs",
                      "--lang", "fr", "--json"], home)
    assert issued.returncode == ExitCode.REFUSED, issued.stderr
    pdf = next((tmp_path / "certs").glob("*.pdf"))
    text = subprocess.run(["pdftotext", "-layout", pdf, "-"], capture_output=True, text=True,
                          check=True).stdout
    errors = " ".join(text[text.index("Erreurs"):].split("\n")[0].split())
    assert "arrêté par Ctrl-C" in errors, errors
    assert not [w for w in english if w in errors], errors


def test_an_impossible_count_or_weight_at_intake_says_why(cli, tmp_path):
    """"Lecture impossible de --device : laptop:-3:None": the value in the program's
    spelling (None, -1.0), and no reason."""
    home = tmp_path / "shop"
    for args, why in ((["--device", "portable:-3"], "entre 1 et 100 000"),
                      (["--device", "portable:2:-1"], "poids plausible"),
                      (["--device", "portable:2:nan"], "poids plausible"),
                      (["--device", "portable:1", "--weight", "-5"], "poids plausible")):
        said = _french_error(cli(["intake", "--donor", "Mairie", *args, "--home", home,
                                  "--lang", "fr"]), ExitCode.BAD_INPUT)
        assert why in said and "None" not in said and "laptop" not in said, said


def test_a_correction_keeps_the_intake_bounds_for_a_machine_weight(cli, tmp_path):
    """``inventory correct ID --set weight_kg=-3`` (or ``=abc``) was recorded, and the
    statistics then counted a machine of -3 kg; docs/inventory.md promises "the same
    bounds as at intake" (exit 7, nothing written)."""
    home = tmp_path / "shop"
    [a] = _lot(cli, home, 1)
    before = (home / "journal.jsonl").read_bytes()
    for value in ("-3", "abc", "1e999"):
        said = _french_error(cli(["inventory", "correct", a, "--set", f"weight_kg={value}",
                                  "--reason", "pesée", "--home", home, "--lang", "fr"]),
                             ExitCode.BAD_INPUT)
        assert "poids" in said, said
    assert (home / "journal.jsonl").read_bytes() == before
    _ok(cli(["inventory", "correct", a, "--set", "weight_kg=2,4", "--reason", "pesée",
             "--home", home]))
    shown = _ok(cli(["inventory", "show", a, "--json", "--home", home]))
    assert shown["weight_kg"] == 2.4


def test_a_field_that_cannot_be_corrected_is_named(cli, tmp_path):
    """``--set color=red`` said "le champ « payload » ne peut changer…": not the field
    the technician typed, nor the ones that can be corrected."""
    home = tmp_path / "shop"
    [a] = _lot(cli, home, 1)
    said = _french_error(cli(["inventory", "correct", a, "--set", "color=red", "--reason",
                              "x", "--home", home, "--lang", "fr"]), ExitCode.BAD_INPUT)
    assert "color" in said and "weight_kg" in said and "payload" not in said, said


@needs_root
def test_an_image_plan_names_the_device_in_french(cli, loopdev, master):
    """``image write --dry-run`` in French said "backing file … (dev 254:0, …)": the
    plan's device line in English, where the wipe's plan says it in French."""
    dev = loopdev(96 << 20)
    r = cli(["image", "write", master["szst"], dev.path, "--dry-run", "--no-wipe-check",
             "--lang", "fr"])
    assert r.exit_code == 0, r.output
    line = next(l for l in r.output.splitlines() if l.startswith("Périphérique"))
    assert "fichier support" in line and "backing file" not in line and "(dev " not in line


def test_a_file_that_is_no_disk_image_is_not_registered(cli, tmp_path):
    """``image add /etc/passwd --name x`` registered a 1.3 kB "raw image" that
    ``image write x /dev/sdX`` then wrote onto a disk and recorded as installed."""
    home = tmp_path / "shop"
    said = _french_error(cli(["image", "add", "/etc/passwd", "--name", "x", "--home", home,
                              "--lang", "fr"]), ExitCode.BAD_INPUT)
    assert "512" in said, said
    listed = cli(["image", "list", "--json", "--home", home])
    assert [i for i in json.loads(listed.output) if i.get("name") == "x"] == []


def test_a_server_address_typed_wrong_is_said_not_a_traceback(cli, tmp_path):
    """``sync enrol --server notaurl`` (no http://) and a cut IPv6 address ended in a
    Python traceback (urllib's ValueError), exit 1."""
    for url in ("notaurl", "https://[::1", "ftp://serveur.example"):
        said = _french_error(cli(["sync", "enrol", "--server", url, "--home",
                                  tmp_path / "shop", "--lang", "fr"]), ExitCode.BAD_INPUT)
        assert "http" in said, said


def test_a_refused_connection_is_said_in_french(tmp_path):
    """"injoignable ([Errno 111] Connection refused)": the C library's English inside
    the French sentence. A real refused connection: nothing listens on port 9 here."""
    from reemploi import i18n
    from reemploi.sync.http import ServerUnreachable, request
    i18n.set_language("fr")
    try:
        request("GET", "http://127.0.0.1:9/v1/sync/status", timeout=2, budget=0)
    except ServerUnreachable as exc:
        said = exc.render(i18n._)
    assert "connexion refusée" in said and "Errno" not in said, said


def test_someone_added_twice_is_named_with_roles_in_french(cli, tmp_path):
    home = tmp_path / "shop"
    _ok(cli(["operator", "add", "Camille Martin", "--role", "technician", "--home", home]))
    said = _french_error(cli(["operator", "add", "Camille Martin", "--role", "technicien",
                              "--home", home, "--lang", "fr"]), ExitCode.CONFLICT)
    assert "technicien" in said and "technician" not in said, said


def test_the_root_folder_as_an_output_file_is_refused_in_words(cli, tmp_path):
    """``--out /`` (a slip of the keyboard): pathlib's "PosixPath('/') has an empty
    name" traceback in label, sheet and every stats export."""
    home = tmp_path / "shop"
    [a] = _lot(cli, home, 1)
    for args in (["label", a, "--out", "/"], ["sheet", a, "--out", "/"],
                 ["stats", "--xlsx", "/"], ["stats", "--pdf", "/"]):
        said = _french_error(cli([*args, "--home", home, "--lang", "fr"]), ExitCode.BAD_INPUT)
        assert "dossier" in said, said


def test_a_file_far_too_large_is_refused_before_it_fills_the_memory(cli, tmp_path):
    """A certificate, a carnet, grading rules, a station profile or a key file given
    by mistake as something huge (an ISO; here a 1.5 GiB sparse file of zeros) was read
    whole: MemoryError traceback, or the OOM killer on a 2 GB netbook."""
    import os
    import subprocess
    import sys
    from conftest import MACHINES, ROOT
    big = tmp_path / "emmabuntus.iso"
    with open(big, "wb") as fh:
        fh.truncate(1536 << 20)
    home = tmp_path / "shop"
    d600 = MACHINES / "latitude-d600-32bit"
    for args in (["certificate", "verify", big],
                 ["atelier", "verify", big],
                 ["grade", "--rules", big, "--replay", d600, "--no-save", "--no-bench"],
                 ["station", "--profile", big, "--replay", d600],
                 ["certificate", "trust", big, "--fingerprint", "SHA256:" + "0" * 64]):
        # Whole processes with their address space capped at 1 GiB: reading the file
        # whole would fail (MemoryError), as it would on a small machine.
        done = subprocess.run(
            ["sh", "-c", 'ulimit -v 1048576; exec "$@"', "sh", sys.executable, "-m", "reemploi",
             "--lang", "fr", *map(str, args)], cwd=ROOT, capture_output=True, text=True,
            timeout=120, env={**os.environ, "REEMPLOI_HOME": str(home)})
        assert done.returncode == ExitCode.BAD_INPUT, (args, done.stderr[-600:])
        assert "Traceback" not in done.stderr and "trop" in done.stderr, done.stderr


def test_a_command_line_that_is_not_utf8_is_said_in_words(tmp_path):
    """A name typed on an old Latin-1 console reaches us as bytes that are not UTF-8
    ("Soci\\xe9t\\xe9"): intake said "Lecture impossible de event payload : 'utf-8'
    codec can't encode character '\\udce9'…", and show/label/history of such an id
    ended in a UnicodeEncodeError traceback."""
    import os
    import subprocess
    import sys
    from conftest import ROOT
    env = {**os.environ, "REEMPLOI_HOME": str(tmp_path / "shop"), "LANG": "fr_FR.UTF-8"}
    for args in ([b"intake", b"--donor", b"Soci\xe9t\xe9", b"--device", b"laptop:1"],
                 [b"inventory", b"show", b"REE-\xff"], [b"label", b"\xff"],
                 [b"inventory", b"history", b"\xff"]):
        done = subprocess.run([sys.executable.encode(), b"-m", b"reemploi", *args], cwd=ROOT,
                              env=env, capture_output=True, timeout=120)
        err = done.stderr.decode("utf-8", "replace")
        assert done.returncode == ExitCode.BAD_INPUT, (args, err)
        assert "Traceback" not in err and "codec" not in err and "UTF-8" in err, err


def test_the_report_pdf_survives_a_very_long_name(cli, tmp_path):
    """A name pasted 5 000 characters long (a donor's at intake then; a recipient
    organisation's at checkout still) made ``stats --pdf`` end in reportlab's
    LayoutError traceback: the table row was taller than the page, and the workshop had
    no report at all until the name was corrected."""
    import subprocess
    home = tmp_path / "shop"
    long_name = "Association " + "des amis du réemploi " * 240
    [a, _] = _lot(cli, home)
    _ok(cli(["checkout", a, "--to", "recycled", "--org", long_name, "--home", home]))
    out = tmp_path / "bilan.pdf"
    done = cli(["stats", "--pdf", out, "--home", home, "--lang", "fr"])
    assert done.exit_code == 0, done.output
    text = subprocess.run(["pdftotext", "-layout", out, "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Association des amis du réemploi" in text and "…" in text


def test_a_donor_name_pasted_far_too_long_is_refused_at_intake(cli, tmp_path):
    """The same 5 000-character name also made the donor's attestation (lot
    attestation) end in reportlab's LayoutError: refused where it is typed."""
    home = tmp_path / "shop"
    said = _french_error(cli(["intake", "--donor", "Association " + "x" * 300, "--device",
                              "laptop:1", "--home", home, "--lang", "fr"]), ExitCode.BAD_INPUT)
    assert "--donor" in said and "200" in said, said
    assert not (home / "journal.jsonl").exists() or b"xxxx" not in (home / "journal.jsonl").read_bytes()


def test_the_donor_papers_survive_a_very_long_name(cli, tmp_path):
    """A donor's name corrected into 5 000 characters (``inventory correct``), or a
    recipient organisation's at checkout: the attestation and the receipt ended in
    reportlab's LayoutError traceback (a table row taller than the page)."""
    home = tmp_path / "shop"
    long_name = "Association " + "des amis du réemploi " * 240
    made = _ok(cli(["intake", "--donor", "Mairie", "--device", "laptop:1", "--create-ids",
                    "--json", "--home", home]))
    _ok(cli(["inventory", "correct", made["lot"]["donor_id"], "--set", f"name={long_name}",
             "--reason", "x", "--home", home]))
    done = cli(["lot", "attestation", made["lot"]["id"], "--out", tmp_path / "papiers",
                "--home", home, "--lang", "fr"])
    assert done.exit_code == 0, done.output


@needs_root
def test_a_station_run_reads_in_french_in_the_history(cli, loopdev, tmp_path):
    """The station writes its own notes in English into the journal (evidence in one
    language; the resume reads them): ``inventory history`` showed "(station: awaiting
    validation)", "station: documents: …" and "replay: stands for /dev/loopN" inside the
    French history."""
    from conftest import MACHINES
    home = tmp_path / "shop"
    [a] = _lot(cli, home, 1)
    disk = loopdev(32 << 20)
    profile = tmp_path / "profil.toml"
    profile.write_text(f"""[station]
steps = ["probe", "checklist", "grade", "wipe", "certificate", "documents", "ready"]
asset = "{a}"
lang = "fr"
require_persistence = false
disks = ["{disk.path}"]
ready_when = ["ready", "ready-after-upgrade"]

[checklist]
keyboard = "ok"
cosmetic = "B"

[wipe]
method = "zero"
verify = "sample"
""", encoding="utf-8")
    ran = cli(["station", "--profile", profile, "--replay", MACHINES / "aspire-es1-non-root",
               "--lines", "--home", home])
    assert ran.exit_code == 0, ran.output
    history = _ok(cli(["inventory", "history", a, "--home", home, "--lang", "fr"]))
    assert "en attente de validation" in history, history
    for english in ("awaiting validation", "station: documents", "stands for"):
        assert english not in history, history


def test_a_donor_siret_typed_wrong_is_refused_before_it_reaches_the_papers(cli, tmp_path):
    """``--donor-siret 123``, or the README's SIRET with its last digit slipped, was
    recorded and printed on the donor's attestation de prise en charge."""
    home = tmp_path / "shop"
    for siret in ("123", "55210055400014", "5521005540001X"):
        said = _french_error(cli(["intake", "--donor", "Entreprise X", "--donor-siret", siret,
                                  "--device", "laptop:1", "--home", home, "--lang", "fr"]),
                             ExitCode.BAD_INPUT)
        assert "SIRET" in said, said
    assert not (home / "journal.jsonl").exists() or \
        b"5521005540001" not in (home / "journal.jsonl").read_bytes()
    # The README's own, with the spaces people type it with.
    _ok(cli(["intake", "--donor", "Entreprise X", "--donor-siret", "552 100 554 00013",
             "--device", "laptop:1", "--home", home]))
