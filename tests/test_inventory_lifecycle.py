"""The lifecycle table, checked arrow by arrow against what workshops do."""

from __future__ import annotations

import pytest

from reemploi.inventory.lifecycle import part_transition_allowed, transition_allowed

ALLOWED = [
    ("received", "diagnosed"), ("diagnosed", "wiped"), ("wiped", "imaged"),
    ("imaged", "ready"),                                   # the straight line
    ("received", "wiped"),                                 # wipe station first
    ("diagnosed", "ready"),                                # disk removed
    ("wiped", "ready"),                                    # recipient installs its own
    ("imaged", "wiped"), ("wiped", "wiped"),               # re-wipe after failed image
    ("imaged", "imaged"), ("ready", "imaged"),             # re-install
    ("ready", "diagnosed"), ("wiped", "diagnosed"),        # back to the bench
    ("diagnosed", "diagnosed"),                            # re-test
]
REFUSED = [
    ("received", "imaged"), ("received", "ready"), ("diagnosed", "imaged"),
    ("out", "diagnosed"), ("out", "wiped"), ("out", "ready"), ("received", "received"),
    ("ready", "nonsense"), ("nonsense", "ready"),
]


@pytest.mark.parametrize("current,to", ALLOWED)
def test_allowed(current, to):
    assert transition_allowed(current, to)


@pytest.mark.parametrize("current,to", REFUSED)
def test_refused(current, to):
    assert not transition_allowed(current, to)


@pytest.mark.parametrize("current", ["received", "diagnosed", "wiped", "imaged", "ready"])
def test_out_to_recycling_or_dismantling_from_anywhere_to_people_only_when_ready(current):
    assert transition_allowed(current, "out", "recycled")
    assert transition_allowed(current, "out", "dismantled")
    assert transition_allowed(current, "out", "given") == (current == "ready")
    assert transition_allowed(current, "out", "sold") == (current == "ready")
    assert not transition_allowed(current, "out", None)
    assert not transition_allowed(current, "out", "lost")


def test_out_is_final_except_a_return_of_a_given_or_sold_machine():
    assert not transition_allowed("out", "out", "recycled")
    assert transition_allowed("out", "received", last_destination="given")
    assert transition_allowed("out", "received", last_destination="sold")
    assert not transition_allowed("out", "received", last_destination="recycled")
    assert not transition_allowed("out", "received", last_destination="dismantled")


def test_parts():
    assert part_transition_allowed("stock", "installed")
    assert part_transition_allowed("stock", "out")
    assert not part_transition_allowed("installed", "installed")
    assert not part_transition_allowed("out", "stock")
