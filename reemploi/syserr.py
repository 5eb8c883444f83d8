"""Why the system or a library refused, in the reader's language.

``OSError.strerror`` is the C library's text, and our tools run with ``LC_ALL=C``
(STYLE.md), so it is always English: "No such file or directory" inside a French
sentence. The same goes for Python's JSON and TOML parsers and for UTF-8 decoding.
This module turns those exceptions into translated words: the error number's
meaning (errno(3) names, Linux), or the place in the file where parsing stopped.
Anything else keeps its own text (our own exceptions are translated where raised).
"""

from __future__ import annotations

import errno
import json

from .i18n import N_, _
from .lazyre import lazy

_ERRNO = {
    errno.ENOENT: N_("no such file or directory"),
    errno.EACCES: N_("permission denied"),
    errno.EPERM: N_("operation not permitted"),
    errno.EIO: N_("input/output error (the device failed to read or write)"),
    errno.ENOSPC: N_("no space left on the device"),
    errno.EDQUOT: N_("disk quota exceeded"),
    errno.EROFS: N_("read-only file system"),
    errno.EBUSY: N_("device or resource busy"),
    errno.ENXIO: N_("no such device (unplugged?)"),
    errno.ENODEV: N_("no such device (unplugged?)"),
    errno.ENOMEDIUM: N_("no medium in the drive"),
    errno.EISDIR: N_("is a folder"),
    errno.ENOTDIR: N_("a part of the path is not a folder"),
    errno.EEXIST: N_("already exists"),
    errno.ENOTEMPTY: N_("folder not empty"),
    errno.EINVAL: N_("invalid argument"),
    errno.ENAMETOOLONG: N_("file name too long"),
    errno.ELOOP: N_("too many symbolic links"),
    errno.EMFILE: N_("too many open files"),
    errno.EFBIG: N_("file too large"),
    errno.EXDEV: N_("not on the same file system"),
    errno.ETXTBSY: N_("file busy"),
    errno.EAGAIN: N_("resource temporarily unavailable"),
    errno.EINTR: N_("interrupted"),
    errno.EPIPE: N_("broken pipe"),
    errno.ENOMEM: N_("out of memory"),
    errno.ENOTBLK: N_("not a block device"),
    errno.ENOTTY: N_("not supported by this device"),
    errno.EOPNOTSUPP: N_("operation not supported"),
    errno.ECONNREFUSED: N_("connection refused"),
    errno.ECONNRESET: N_("connection reset"),
    errno.ETIMEDOUT: N_("timed out"),
    errno.EHOSTUNREACH: N_("host unreachable"),
    errno.ENETUNREACH: N_("network unreachable"),
    errno.ENOEXEC: N_("not an executable program"),
}
_TOML_AT = lazy(r"\(at line (\d+), column (\d+)\)")


def reason(exc: BaseException) -> str:
    """``exc``'s reason in words of the current language."""
    if isinstance(exc, OSError) and exc.errno is not None:
        words = _ERRNO.get(exc.errno)
        if words is not None:
            return _(words)
        return _("system error {code}").format(code=errno.errorcode.get(exc.errno, exc.errno))
    if isinstance(exc, json.JSONDecodeError):
        return _("not valid JSON at line {line}, column {column}").format(
            line=exc.lineno, column=exc.colno)
    if isinstance(exc, UnicodeDecodeError):
        return _("not UTF-8 text (byte {at})").format(at=exc.start)
    if isinstance(exc, RecursionError):
        return _("nested too deeply")
    name = type(exc).__name__
    if name == "TOMLDecodeError":
        at = _TOML_AT.search(str(exc))
        if at:
            return _("not valid TOML at line {line}, column {column}").format(
                line=at.group(1), column=at.group(2))
        return _("not valid TOML")
    if name == "ZstdError":
        return _("damaged zstd data")
    return str(exc)
