"""``--device KIND:COUNT[:WEIGHT_KG]``: one line of a lot, as ``intake`` and
``inventory correct`` read it (one reading, so a correction records the kind and the
weight as the intake does: ``portable:2:3,5`` is two laptops of 3.5 kg in all)."""

from __future__ import annotations

from ..errors import BadInput
from ..i18n import tr
from .words import KIND_NAMES, WordChoice


def device(spec: str) -> tuple[str, int, float | None]:
    """``laptop:5`` or ``portable:5:12,5`` -> (kind, count, total weight in kg); a
    count or weight the intake events refuse is named as typed (a lot has several)."""
    from ..inventory.lots import device_problem
    bits = spec.split(":")
    try:
        if len(bits) not in (2, 3) or not bits[0]:
            raise ValueError
        weight = float(bits[2].replace(",", ".")) if len(bits) == 3 else None
        kind = WordChoice(KIND_NAMES).lookup(bits[0]) or bits[0].strip().lower()
        count = int(bits[1])
    except ValueError:
        raise BadInput(what="--device", why=tr("expected kind:count[:weight_kg], got {spec}",
                                               spec=spec)) from None
    problem = device_problem(kind, count, weight)
    if problem:
        raise BadInput(what=f"--device {spec}", why=problem)
    return kind, count, weight
