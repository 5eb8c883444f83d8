"""The projection's layout on disk: its format number, its shards, its tables.

A leaf module: ``projection`` (which reads the files) and ``saving`` (which writes
them; ``projection`` imports it) both take these names from here, so neither needs
the other's and no class carries them over as attributes.
"""

from __future__ import annotations

import functools
import zlib

# Bumped whenever a record's shape changes: a projection of another format is rebuilt
# from the journal on open. 2: grade records carry the verdict's upgrades and harvest.
# 3: records list their ``unfinished`` wipes and image writes (start, no end).
# 4: records say their ``origin`` (received, or built in the workshop).
# 5: the ``events`` index (asset id -> [offset, length, seq] of every journal line
# naming it), so an asset's history is read without scanning the journal, and the
# ``disk_events`` index (disk identity -> the same, for wipes and image writes) (issue 16).
# 6: (a custody branch's 5 and 6, never on main) custody fields, ``touch``, CRC-32s.
# 7 (issue 10, custody): custody fields (entered_seq, probe_seq, removed_disks, wipes'
# verified, a part's destiny) and the ``touch`` index (disk identity -> [seq, asset] of
# every wipe, image write and probe on it: who held that disk when); meta.json holds a
# CRC-32 of every shard file it wrote (``crc``): a file edited by hand, or written by a
# writer killed before meta.json moved, is never trusted.
# 8: ``rows/XX.json`` beside each asset shard, its assets' listing rows (listing.py).
# 9: only real certificates in an asset's ``certificates`` (never a failure report);
# an asset's lot corrected moves it between the lots' ``assets``; a part's kind corrected
# is its ``part_kind``; a lot's donor corrected is its assets' ``donor_id`` too.
# 10: ``slices/``: where each record sits in its shard, with its CRC-32 (slices.py), so
# one asset is read without its whole shard (issue 16).
# 11: the ``lines`` index (fold.line_keys: the roster, a person's sittings, a wipe by its
# event id), so the roster, the carnet and ``certificate issue --event`` scan nothing.
# 12: ``tails/``: a write appends its records to its groups' tails (tails.py) instead of
# rewriting their shards; meta.json's ``tails`` vouches for them. A format-11 projection
# is a format-12 one without tails: it is read as it is, never rebuilt for this.
FORMAT = 12
READABLE_FORMATS = (11, 12)
SHARDS = 256
ASSETS_TABLE = "assets"
INDEX_TABLES = ("serial", "identity", "disk", "events", "disk_events", "touch", "lines")


@functools.lru_cache(maxsize=65536)
def shard_of(key: str) -> str:
    """The shard of an asset id or index key: CRC-32 (stable across runs and
    machines, unlike ``hash()``) modulo the shard count."""
    return f"{zlib.crc32(key.encode('utf-8')) % SHARDS:02x}"
