"""The inventory: an append-only, hash-chained journal (the legal record) and a
TinyDB projection of the current state (machines, parts, lots, donors).

``from reemploi.inventory import Inventory`` works (imported lazily, so reading
``events`` does not load TinyDB)."""


def __getattr__(name: str):
    if name == "Inventory":
        from .store import Inventory
        return Inventory
    raise AttributeError(name)
