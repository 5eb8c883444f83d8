"""HTTP for the station, on ``urllib`` alone, with retries and back-off.

Offline-first: a station must never wait long for a server that is not there. Each
request has a timeout; connection errors and 5xx answers are retried with exponential
back-off and jitter (0.5 s, 1 s, 2 s… capped at 8 s) until ``budget`` seconds are
spent, then ``ServerUnreachable`` is raised and the station simply goes on (the next
push sends everything still missing). 4xx answers are decisions, never retried.

Bodies from 64 KiB are gzipped (level 1: a 200 000-line journal is ~5× smaller, for
a workshop's upload link) — except to a server on the same machine (a loopback
address), where the bytes never cross a wire and compressing them would only spend
the CPU both sides share.
"""

from __future__ import annotations

import gzip
import ipaddress
import random
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from ..errors import (BadInput, Conflict, IntegrityError, NotFound, Refused, ToolFailed)
from ..jsondoc import loads_object
from ..i18n import N_, _

GZIP_FROM = 64 << 10


class ServerUnreachable(ToolFailed):
    msg = "The server {url} cannot be reached ({why}); the station keeps working and will sync later"


class ServerRefused(Refused):
    msg = "The server refused: {why}"


class ServerIntegrity(IntegrityError):
    msg = "The server found an integrity problem: {why}"


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes

    def json(self) -> dict:
        return loads_object(self.body, "server answer")


def _raise_for(url: str, answer: Answer) -> None:
    try:
        data = answer.json()
        why = str(data.get("message") or data.get("error") or answer.status)
    except BadInput:
        data, why = {}, f"HTTP {answer.status}"
    if answer.status in (409, 422):
        raise ServerIntegrity(why=why, status=answer.status, detail=data)
    if answer.status == 404:
        raise NotFound(what=why)
    if answer.status in (401, 403):
        raise ServerRefused(why=why)
    if answer.status == 400:
        raise BadInput(what=url, why=why)
    raise Conflict(why=why)


def check_url(url: str) -> None:
    """An http(s) address with a host, or BadInput (exit 7) before any exchange:
    "serveur.example" typed without http:// ended in urllib's traceback."""
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port                     # a port that is no number raises here
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadInput(what=url, why=N_("not a server address: give http://HOST:PORT or "
                                        "https://HOST"))


def _network_reason(why: object) -> str:
    """Why the exchange failed, in the reader's words where we have them (a refused
    connection, a time-out: syserr), not the C library's English."""
    import socket
    from ..syserr import reason
    if isinstance(why, socket.gaierror):
        return _(N_("the server's name is not known (DNS)"))
    if isinstance(why, OSError) and (why.errno or 0) > 0:
        return reason(why)
    if isinstance(why, (TimeoutError, socket.timeout)):
        return _(N_("timed out"))
    return str(why)


def loopback(url: str) -> bool:
    """Is the server on this machine (by its address, without resolving any name)?"""
    host = urllib.parse.urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def request(method: str, url: str, *, body: bytes | None = None, headers: dict | None = None,
            timeout: float = 10.0, budget: float = 30.0, sleep=time.sleep) -> Answer:
    """One HTTP exchange with retries on network errors and 5xx."""
    from .. import i18n
    check_url(url)
    # The server words its refusals in the station's language.
    headers = {"Accept-Language": i18n.current(), **(headers or {})}
    if body is not None and len(body) >= GZIP_FROM and not loopback(url):
        body = gzip.compress(body, compresslevel=1)
        headers["Content-Encoding"] = "gzip"
    deadline = time.monotonic() + budget
    delay = 0.5
    while True:
        why = ""
        try:
            req = urllib.request.Request(url, data=body, method=method, headers=headers)
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return Answer(resp.status, resp.read())
        except urllib.error.HTTPError as exc:
            answer = Answer(exc.code, exc.read())
            if exc.code < 500:
                _raise_for(url, answer)
            why = f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            why = _network_reason(getattr(exc, "reason", exc))
        if time.monotonic() + delay > deadline:
            raise ServerUnreachable(url=url, why=why)
        sleep(delay * (0.5 + random.random()))
        delay = min(delay * 2, 8.0)
