"""The journal is the truth: keeping the projection in step with it, and keeping
losses visible.

On every open the projection's bookkeeping (``meta.json``: last seq, head hash, byte
offset, and a CRC-32 of every shard file it wrote) is checked against the journal's
tail; a projection that disagrees is caught up or refolded from the journal, never
trusted. A journal that got SHORTER than what the projection saw, that no longer
continues it, or whose hash links break, puts the data directory in a **broken**
state (``journal.broken``, kept until repaired): every command reports it, every
write is refused (exit 12), until the operator runs ``reemploi inventory repair``,
which appends an ``integrity.incident`` event naming what was lost. ``verify`` keeps
showing that incident afterwards.

``SyncMixin`` is part of ``Inventory``.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Callable

from . import fold
from .errors import DataDirBroken, JournalCorrupt
from .journal import BROKEN_NAME, MISMATCH_PREFIX, parse_line, read_broken
from .layout import FORMAT
from .projection import ProjectionDamaged, Session, write_atomic
from .saving import settle
from ..lazylog import getLogger
from ..i18n import N_
from ..syserr import reason

log = getLogger(__name__)


class SyncMixin:
    # Told how a refold of the whole journal goes, as ``rebuilding(phase, done, total)``:
    # ("read", 0, journal bytes) first, ("read", bytes folded, journal bytes), then
    # ("write", groups written, groups) while the state is saved, ("done", n, n) last.
    rebuilding: "Callable[[str, int, int], None] | None" = None

    # -- the broken state ---------------------------------------------------------------

    def broken(self) -> dict | None:
        """What was lost, while the data directory is broken (else None)."""
        return read_broken(self.home)

    def _mark_broken(self, problem: str, seen: dict | None, seq: int, hash_: str,
                     evidence: str | None) -> None:
        if self.broken() is not None:
            return                      # the first loss is the one to repair
        record = {"problem": problem, "kept_seq": seq, "kept_hash": hash_,
                  "seen_seq": (seen or {}).get("seq"), "seen_hash": (seen or {}).get("hash"),
                  "evidence": [evidence] if evidence else [],
                  "time": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
        if record["seen_seq"] is not None and problem == "cut":
            record["lost_events"] = max(0, int(record["seen_seq"]) - seq)
        write_atomic(self.home / BROKEN_NAME, json.dumps(record, indent=1).encode("utf-8"))
        log.error("inventory: the journal lost events (%s; it ends at %s, %s had been seen): "
                  "writes are refused until 'reemploi inventory repair'", problem, seq,
                  record["seen_seq"])

    def _refuse_if_broken(self) -> None:
        state = self.broken()
        if state is not None:
            raise DataDirBroken(problem=state.get("problem"), kept=state.get("kept_seq"),
                                seen=state.get("seen_seq") or "?")

    def repair(self, note: str | None = None):
        """The explicit repair: append ``integrity.incident`` naming what was lost, then
        leave the broken state. Nothing to repair: None."""
        state = self.broken()
        if state is None:
            return None
        payload = {"problem": state.get("problem") or "unknown",
                   "kept_seq": int(state.get("kept_seq") or 0),
                   "kept_hash": str(state.get("kept_hash") or ""),
                   "seen_seq": state.get("seen_seq"), "seen_hash": state.get("seen_hash"),
                   "lost_events": state.get("lost_events"),
                   "evidence": list(state.get("evidence") or ()), "note": note}
        ev = self._commit(lambda s: [("integrity.incident", None, payload)], repairing=True)[0]
        (self.home / BROKEN_NAME).unlink(missing_ok=True)
        return ev

    # -- keeping the projection in step ---------------------------------------------------

    def _sync_locked(self) -> tuple[Session, int, str, int]:
        torn = self.journal.recover_torn()
        if torn:
            self.torn.append(torn)
        seq, hash_, end = self.journal.tail()
        meta = self.projection.read_meta()
        if meta and (meta.get("staged") or meta.get("offset") != end):
            self._settle(meta, sweep=meta.get("offset") != end)
        if meta and (meta.get("seq"), meta.get("hash"), meta.get("offset")) == (seq, hash_, end):
            return Session(self.projection, meta), seq, hash_, end
        if meta and meta.get("seq", 0) < seq and meta.get("offset", 0) < end:
            try:
                session = self._catch_up(meta, seq, hash_, end)
                if session is not None:
                    return session, seq, hash_, end
                kept = self._keep_evidence(meta, seq, hash_,
                                           "journal does not continue the projection")
                self._mark_broken("replaced", meta, seq, hash_, kept)
            except ProjectionDamaged as exc:
                log.warning("projection damaged (%s): rebuilding from the journal", exc)
        elif meta:
            # The projection saw events this journal no longer has (its end was cut, or
            # it was replaced). Rebuilding would erase that trace: keep it first, and
            # stay broken until repaired (a later command must not forget the loss).
            kept = self._keep_evidence(meta, seq, hash_,
                                       "projection ahead of or beside the journal")
            self._mark_broken("cut" if meta.get("seq", 0) > seq else "replaced", meta, seq,
                              hash_, kept)
        return self._rebuild_locked(), seq, hash_, end

    def _settle(self, meta: dict, sweep: bool) -> None:
        """A save killed between meta.json and moving its staged files in place
        (saving.py): move them now, each checked against meta.json's CRC-32. A file
        that cannot be moved stays a damaged one: refolded when read."""
        try:
            moved = settle(self.projection, meta, sweep)
        except OSError as exc:
            log.warning("projection: staged files not moved (%s)", exc)
            return
        if moved:
            log.info("projection: a save cut after meta.json finished (%s)", ", ".join(moved))

    def _keep_evidence(self, meta: dict, seq: int, hash_: str, why: str) -> str:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
        path = self.home / f"{MISMATCH_PREFIX}{stamp}-{meta.get('seq')}.json"
        record = {"why": why, "projection": {k: meta.get(k) for k in ("seq", "hash", "offset")},
                  "journal": {"seq": seq, "hash": hash_}}
        write_atomic(path, json.dumps(record, indent=1).encode("utf-8"))
        log.warning("inventory: %s (projection at seq %s, journal at %s); kept in %s",
                    why, meta.get("seq"), seq, path.name)
        return path.name

    def _catch_up(self, meta: dict, seq: int, hash_: str, end: int) -> Session | None:
        session = Session(self.projection, meta)
        expected_prev, expected_seq = meta.get("hash", ""), meta.get("seq", 0) + 1
        last_hash = expected_prev
        for offset, line in self.journal.iter_lines(meta["offset"], end):
            d = self._parse(line, expected_seq)
            if d.get("prev") != expected_prev or d.get("seq") != expected_seq:
                log.warning("projection does not follow the journal at %s: rebuilding",
                            expected_seq)
                return None
            fold.apply(session, d, offset, len(line))
            expected_prev, expected_seq = d["hash"], expected_seq + 1
            last_hash = d["hash"]
        if expected_seq - 1 != seq or last_hash != hash_:
            return None
        self._save(session, seq, hash_, end)
        return session

    def _rebuild_locked(self) -> Session:
        log.info("rebuilding the inventory projection from the journal")
        # Told to whoever opened the inventory (``rebuilding``: the CLI's notice, a
        # sentence and a progress line): at 50 000 machines a refold takes about a
        # minute of CPU, which must not look like a hung command or a lost inventory.
        told = self.rebuilding
        total = self.journal.size()
        if told is not None:
            told("read", 0, total)
        self.projection.drop_meta()
        session = Session(self.projection, {"format": FORMAT, "counters": {}}, fresh=True)
        seq, hash_, end = 0, "", 0
        linked = True
        for offset, line in self.journal.iter_lines():
            if told is not None and not seq % 2048:
                told("read", offset, total)
            d = self._parse(line, seq + 1)
            if linked and (d.get("prev") != hash_ or d.get("seq") != seq + 1):
                # A line deleted, inserted or moved: the chain breaks here (the full
                # hash check is ``verify``'s; the links cost nothing to follow).
                linked = False
                self._mark_broken("chain", None, seq, hash_, None)
            fold.apply(session, d, offset, len(line))
            seq, hash_, end = d["seq"], d["hash"], offset + len(line)
        session.dirty_assets.update(session.asset_shards)
        session.dirty_index.update(session.index_shards)
        session.dirty_catalog = True
        session.fresh = False
        session.save(seq, hash_, end, prune=True,
                     progress=None if told is None else (lambda i, n: told("write", i, n)))
        if told is not None:
            told("done", total, total)
        return session

    @staticmethod
    def _parse(line: bytes, seq: int) -> dict:
        try:
            d = parse_line(line)
        except ValueError as exc:
            raise JournalCorrupt(seq=seq, why=reason(exc)) from None
        if not isinstance(d, dict) or "seq" not in d or "hash" not in d:
            raise JournalCorrupt(seq=seq, why=N_("not a valid event line"))
        return d

    def _save(self, session: Session, seq: int, hash_: str, end: int) -> None:
        try:
            session.save(seq, hash_, end)
        except OSError as exc:
            # The journal already holds the events; the next open catches up.
            log.warning("projection not saved (%s); it will be rebuilt from the journal", exc)

    def _read_session(self) -> Session:
        """A view of the current state for reading; syncs first if the journal moved."""
        meta = self.projection.read_meta()
        if meta is None or meta.get("offset") != self.journal.size():
            with self.journal.locked():
                return self._sync_locked()[0]
        return Session(self.projection, meta)

    def _reading(self, fn: Callable[[Session], Any]) -> Any:
        try:
            return fn(self._read_session())
        except ProjectionDamaged:
            # Maybe a writer was between its shards and meta.json: look again under the
            # lock (no writer then); damaged still, refold from the journal.
            with self.journal.locked():
                try:
                    return fn(self._sync_locked()[0])
                except ProjectionDamaged as exc:
                    log.warning("projection damaged (%s): rebuilding from the journal", exc)
                    session = self._rebuild_locked()
            return fn(session)

