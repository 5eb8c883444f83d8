"""The server's typed errors (exit codes for the CLI, HTTP statuses for the web)."""

from __future__ import annotations

from ..errors import BadInput, Conflict, IntegrityError, NotFound, Refused, ToolFailed


class DatabaseUnavailable(ToolFailed):
    msg = "Cannot reach the database {url}: {why}"


class StationUnknown(NotFound):
    msg = "Station {station} is not enrolled on this server"


class StationNotActive(Refused):
    msg = "Station {station} is not allowed to sync (state: {state})"


class BadSignature(IntegrityError):
    msg = "The signature of station {station} does not match its enrolled key"


class ChainBroken(IntegrityError):
    msg = "Line {seq} from station {station} is refused: {why}"


class Fork(IntegrityError):
    msg = "Station {station} forked at line {seq}: the server holds a different line there"


class BadRequest(BadInput):
    msg = "Bad request: {why}"


class Duplicate(Conflict):
    msg = "Already exists: {what}"
