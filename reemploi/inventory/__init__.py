"""The inventory: an append-only, hash-chained journal (the legal record) and a
TinyDB projection of the current state (machines, parts, lots, donors)."""
