"""Typed errors. Each carries its exit code and a translatable message.

Only ``reemploi.cli.main`` turns them into exit codes (borg's pattern): library code
raises, the edge renders. Messages are English msgids rendered through
``reemploi.i18n`` with ``params`` at display time, so the same error reads in French
or English. The exit-code table in README.md mirrors ``ExitCode``; a test keeps them
in step.
"""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    OK = 0
    INTERNAL = 1          # a bug: please report it
    USAGE = 2             # bad command line (click's own code)
    TOOL_MISSING = 3      # an external tool is not installed
    NEEDS_ROOT = 4        # the action needs root
    TOOL_FAILED = 5       # an external tool failed
    TIMEOUT = 6           # an external tool did not answer in time
    BAD_INPUT = 7         # unreadable, truncated or corrupt input file / settings
    REFUSED = 8           # a safety guard refused the target
    VERIFY_FAILED = 9     # verification found a mismatch
    NOT_FOUND = 10        # unknown asset id, device, image, template...
    CONFLICT = 11         # illegal state transition, duplicate
    INTEGRITY = 12        # journal hash chain or signature broken
    ABORTED = 13          # the operator answered "no"
    REPLAY_MISSING = 14   # a replay folder lacks a recording
    DEVICE_ERROR = 15     # I/O error, vanished disk
    INTERRUPTED = 130     # Ctrl-C (128 + SIGINT, shell convention)


class ReemploiError(Exception):
    """Base class: ``msg`` is an English msgid with ``{name}`` placeholders."""

    exit_code: ExitCode = ExitCode.INTERNAL
    msg: str = "Internal error"
    # Parameters said in the reader's language when given as a msgid
    # (``why=N_("not a file")``); other text has no catalogue entry and is unchanged.
    # Only reasons: a path or device name that happened to spell a msgid must not.
    _translated: tuple[str, ...] = ("why", "detail", "reason")
    # Parameters that carry a code from a closed set (a status, a problem): the code is
    # kept in ``params`` (JSON, logs) and said as its msgid, then translated, in text.
    _worded: dict[str, dict[str, str]] = {}

    def __init__(self, msg: str | None = None, **params: object) -> None:
        if msg is not None:
            self.msg = msg
        self.params = params
        super().__init__(self.render(None))

    def render(self, translate=None) -> str:
        text = translate(self.msg) if translate else self.msg
        params = self.params
        if self._worded:
            params = {k: self._worded.get(k, {}).get(v, v) if isinstance(v, str) else v
                      for k, v in params.items()}
        if translate:
            params = {k: translate(v) if (k in self._translated or k in self._worded)
                      and isinstance(v, str) and v else v for k, v in params.items()}
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return f"{text} {params}"


class ToolMissing(ReemploiError):
    exit_code = ExitCode.TOOL_MISSING
    msg = "The tool '{tool}' is not installed (Debian package: {package})"


class NeedsRoot(ReemploiError):
    exit_code = ExitCode.NEEDS_ROOT
    msg = "'{what}' needs root: run it with sudo"


class ToolFailed(ReemploiError):
    exit_code = ExitCode.TOOL_FAILED
    msg = "'{cmd}' failed with exit status {status}: {stderr}"


class ToolTimeout(ReemploiError):
    exit_code = ExitCode.TIMEOUT
    msg = "'{cmd}' did not finish within {seconds} s"


class BadInput(ReemploiError):
    exit_code = ExitCode.BAD_INPUT
    msg = "Cannot read {what}: {why}"


class Refused(ReemploiError):
    exit_code = ExitCode.REFUSED
    msg = "Refused: {why}"


class VerifyFailed(ReemploiError):
    exit_code = ExitCode.VERIFY_FAILED
    msg = "Verification failed: {why}"


class NotFound(ReemploiError):
    exit_code = ExitCode.NOT_FOUND
    msg = "Not found: {what}"


class Conflict(ReemploiError):
    exit_code = ExitCode.CONFLICT
    msg = "Not allowed: {why}"


class IntegrityError(ReemploiError):
    exit_code = ExitCode.INTEGRITY
    msg = "Integrity check failed: {why}"


class Aborted(ReemploiError):
    exit_code = ExitCode.ABORTED
    msg = "Cancelled by the operator; nothing was changed"


class ReplayMissing(ReemploiError):
    exit_code = ExitCode.REPLAY_MISSING
    msg = "No recording for '{cmd}': add the file {path}"


class DeviceError(ReemploiError):
    exit_code = ExitCode.DEVICE_ERROR
    msg = "Device error on {device}: {why}"


class WriteFailed(DeviceError):
    """Exit 15: a file could not be written or read (a full or read-only medium, an I/O
    error) where no check foresaw it: the file and the reason in words, not a
    traceback (``cli.main`` turns a stray ``OSError`` into this)."""
    msg = "Cannot write {path}: {why}"


class SystemFailed(DeviceError):
    """Exit 15: the system refused an operation no check foresaw (``OSError``)."""
    msg = "The system refused an operation on {path}: {why}"


class Interrupted(ReemploiError):
    exit_code = ExitCode.INTERRUPTED
    msg = "Interrupted: {what}"


class PermissionDenied(NeedsRoot):
    """An ``OSError`` EACCES/EPERM no check foresaw: exit 4 naming the file, not a
    traceback (``cli.main`` turns a stray ``PermissionError`` into this)."""
    msg = "Permission denied: {path} (run the command with sudo, or use your own data directory with --home)"
