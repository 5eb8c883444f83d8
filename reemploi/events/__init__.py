"""Typed journal events: the contract between the stages.

Each event type is one frozen dataclass in a module of this package (see ``base`` for
how to add one). Stages build these payloads; ``reemploi.inventory`` validates them on
append (``for_append``) and reads them back migrated and validated (``read``).
"""

from .base import (VERSION_KEY, BadPayload, Payload, Record, Unreadable, UnknownEventType,
                   event, for_append, known_types, load, lookup, read)

__all__ = ["VERSION_KEY", "BadPayload", "Payload", "Record", "Unreadable", "UnknownEventType",
           "event", "for_append", "known_types", "load", "lookup", "read"]
