"""Sentences are made only in render.py, in French and English, with no msgid left raw."""

from __future__ import annotations

import re

import pytest

from conftest import corpus_file
from reemploi import i18n
from reemploi.grade import render
from reemploi.grade.checks import ITEMS, Checks, CheckState
from reemploi.grade.engine import grade_machine
from reemploi.grade.rules import load_rules
from reemploi.grade.verdict import ComponentVerdict, Outcome, Reason, ReasonItem, State, Verdict
from reemploi.probe.lshw import parse_lshw
from reemploi.model import Machine

RULES = load_rules()
SAMPLE_PARAMS = {"count": 12, "pct": 85, "hours": 61234, "value": 4, "field": "power_on_hours",
                 "gb": 32, "need": 4096, "mb": 2048, "max_mb": 1024, "flag": "pae",
                 "score": 350, "item": "keyboard", "edition": "DE6", "fallback": "DE5",
                 "arch": "amd64", "cause": "max-capacity"}


def _all_msgids() -> list[str]:
    return [*render.REASON_TEXT.values(), *render.OUTCOME_TEXT.values(),
            *render.STATE_TEXT.values(), *render.ITEM_TEXT.values(),
            *render.CPU_CLASS_TEXT.values(), *render.REASON_TEXT_ONE.values(),
            *render.FALLBACK_TEXT.values()]


def test_every_code_state_and_item_has_a_sentence():
    assert set(render.REASON_TEXT) == set(Reason)
    assert set(render.OUTCOME_TEXT) == set(Outcome)
    assert set(render.STATE_TEXT) == set(State)
    assert set(render.ITEM_TEXT) == set(ITEMS)


def test_french_catalogue_covers_every_grading_sentence():
    fr = i18n.catalog("fr")
    missing = [m for m in _all_msgids() if m not in fr]
    assert not missing


@pytest.mark.parametrize("code", list(Reason), ids=lambda c: c.value)
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_each_reason_renders_with_its_parameters(code, lang):
    text = render.render_reason(ReasonItem(code, SAMPLE_PARAMS, "disk:sda"), lang)
    assert "{" not in text and text.strip()
    if lang == "fr":
        assert text != render.REASON_TEXT[code].format(**SAMPLE_PARAMS)


def test_numbers_follow_the_reader():
    r = ReasonItem(Reason.HIGH_POWER_ON_HOURS, {"hours": 61234}, "disk:sda")
    assert "61\u202f234" in render.render_reason(r, "fr")
    assert "61,234" in render.render_reason(r, "en")


def test_upgrade_items_read_like_a_shopping_list():
    ram = {"part": "ram", "count": 1, "size_gb": 4, "type": "DDR3", "form_factor": "SODIMM"}
    assert render.render_upgrade(ram, "fr") == "1 × 4 Go DDR3 SODIMM"
    assert render.render_upgrade(ram, "en") == "1 × 4 GB DDR3 SODIMM"
    assert render.render_upgrade({"part": "ssd", "min_gb": 120}, "fr") == "un SSD ≥ 120 Go"
    swap = dict(ram, count=2, size_gb=2, replaces_mb=[1024, 1024])
    assert "1\u202f024 + 1\u202f024 Mo" in render.render_upgrade(swap, "fr")
    assert render.render_upgrade({"part": "keyboard", "repair": True}, "fr") == "à réparer\u00a0: clavier"
    unknown_type = dict(ram, type=None, form_factor=None)
    assert "type à vérifier" in render.render_upgrade(unknown_type, "fr")


def _verdict() -> Verdict:
    info = parse_lshw(corpus_file("lshw/ereuse-wb__tests__fixtures__hp-pavilion-dv4000.lshw.json")
                      .read_bytes())
    m = Machine(system=info.system, cpu=info.cpu, memory=info.memory, disks=info.disks)
    return grade_machine(m, Checks(wifi=CheckState.FAIL, keyboard=CheckState.OK), RULES)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_whole_verdict_has_no_untranslated_text(lang):
    v = _verdict()
    text = render.render_verdict(v, lang)
    assert "{" not in text and v.rules_version in text
    english_only = {m for m in _all_msgids() if i18n.catalog("fr").get(m, m) != m}
    if lang == "fr":
        for msgid in english_only:
            assert not re.search(r"(^|\s)" + re.escape(msgid) + r"($|\s|:)", text), msgid
        assert "Verdict\u00a0:" in text and "Wi-Fi" in text
    else:
        assert "Verdict:" in text


def test_render_component_from_dict():
    cv = ComponentVerdict("disk", State.FAILING,
                          (ReasonItem(Reason.PENDING_SECTORS, {"count": 3}, "disk"),))
    lines = render.render_component(cv.to_dict(), "fr")
    assert lines == ["État\u00a0: défaillant", "  - 3 secteurs en attente de réallocation (illisibles)"]


def test_one_sector_is_singular_in_both_languages():
    # Hitachi HDS721010KLA330 (linuxhw corpus): 1 reallocated, 2 pending sectors.
    from reemploi.grade.engine import grade_disk
    from reemploi.probe.smartctl import parse_smartctl
    smart = parse_smartctl(corpus_file(
        "smartctl/hdd/linuxhw-ED__HDD__Hitachi__HDS7210__HDS721010KLA330__9AC5E4DC01DC.txt"
    ).read_bytes())
    v = grade_disk(smart, None, RULES)
    fr = [render.render_reason(r, "fr") for r in v.reasons]
    en = [render.render_reason(r, "en") for r in v.reasons]
    assert "1 secteur réalloué" in fr and "2 secteurs en attente de réallocation (illisibles)" in fr
    assert "1 reallocated sector" in en and "2 sectors pending reallocation (unreadable)" in en


def test_memory_and_disk_upgrades_read_right():
    ram = {"part": "ram", "count": 2, "size_gb": 2, "type": "DDR2", "form_factor": "DIMM",
           "replaces_mb": [1024]}
    assert render.render_upgrade(ram, "fr") == \
        "2 × 2 Go DDR2 DIMM (en remplacement de la barrette de 1\u202f024 Mo)"
    assert render.render_upgrade(dict(ram, replaces_mb=[512, 512]), "en") == \
        "2 × 2 GB DDR2 DIMM (replacing the modules of 512 + 512 MB)"
    assert render.render_upgrade({"part": "ram", "count": 1, "size_gb": 4, "type": "DDR3",
                                  "form_factor": "SODIMM"}, "en") == "1 × 4 GB DDR3 SODIMM"
    out = {"part": "remove_disk", "name": "sdb", "state": "worn", "model": "ST3320620A"}
    assert render.render_upgrade(out, "fr") == "retirer le disque sdb (usé\u00a0: ST3320620A)"
    assert render.render_upgrade(out, "en") == "take out disk sdb (worn: ST3320620A)"


def test_a_missing_battery_reads_right_without_changing_the_shared_absent():
    line = render._component_line(ComponentVerdict("battery", State.ABSENT, ()), "fr")
    assert line.strip() == "batterie\u00a0: absente"
    assert i18n.tr("absent", "fr") == "absent"     # the image list's "présent / absent"
