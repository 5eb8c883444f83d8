"""Probe stage: pure parsers (text in, model out) and the collector that runs the tools.

Parsers live one per tool (``smartctl``, ``dmidecode``, ``lshw``, ``edid``,
``battery``, ``hdparm``); they never touch the machine, never raise on odd values
(an unreadable field is ``None`` plus a note in ``messages``) and raise
``reemploi.errors.BadInput`` only when the input is not that kind of file at all.
The collector (``collector.py``) calls the tools through ``system.runner`` and feeds
their output to these parsers.
"""
