"""Grading: rules as data (TOML) + a pure engine: facts in, verdict with reasons out.

* ``rules``   loads and validates the versioned thresholds file (``data/grading.toml``).
* ``components`` grades each component (disk, battery, memory, CPU).
* ``engine``  grades the whole machine (re-exports the component graders).
* ``verdict`` the result types: reason codes with parameters, never sentences.
* ``checks``  the operator's checklist (keyboard, screen, Wi-Fi...).
* ``bench``   the optional benchmark step (sysbench through the runner, disk read).
* ``render``  the only place where verdicts become sentences (French / English).
* ``service`` probe (live or replay) -> grade -> record in the inventory.
"""
