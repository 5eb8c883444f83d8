"""Private files of the data directory: created 0700/0600 whatever the umask, never
through a link someone else planted.

The data directory holds the legal record (donor names, serial numbers) and the
station's signing key, and root writes into it. So:

- it is created 0700 (its files 0600) by explicit ``chmod``/``fchmod``, because
  ``mkdir``'s and ``open``'s mode are masked by the caller's umask (under umask 000 a
  plain ``mkdir`` gave 0777: any local user could plant files in it);
- an existing data directory owned by another user, or writable by group or others,
  is refused: whoever can write in it can replace the journal or plant a symbolic
  link that root would follow (CWE-59, "link following");
- a temporary file is created with ``O_EXCL|O_NOFOLLOW`` in the target's own
  directory (so the final ``rename`` is atomic and never follows a link), named
  ``.NAME.PID.tmp`` so ``reemploi doctor`` can tell a dead process's leftover.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from ..errors import NeedsRoot, Refused
from ..i18n import N_
from ..syserr import reason

DIR_MODE = 0o700
FILE_MODE = 0o600
# Parents we create on the way (e.g. ~/.local/share) are ordinary directories.
PARENT_MODE = 0o755

OWNED_BY_OTHER = N_("Refused: the data directory {path} belongs to another user (uid "
                    "{uid}); use your own with --home or REEMPLOI_HOME")
OWNED_BY_ROOT = N_("The data directory {path} belongs to root: run the command with sudo, "
                   "or use your own with --home or REEMPLOI_HOME")
WRITABLE_BY_OTHERS = N_("Refused: the data directory {path} is writable by other users "
                        "(mode {mode}); if it is yours, run: chmod 700 {path}")
NOT_A_DIRECTORY = N_("Refused: {path} is not a directory")


def temp_name(path: Path, pid: int | None = None) -> Path:
    """The temporary sibling of ``path`` written by process ``pid``."""
    return path.with_name(f".{path.name}.{pid or os.getpid()}.tmp")


def _mkdir(path: Path, mode: int) -> None:
    """``mkdir`` then ``chmod``: the final mode does not depend on the umask."""
    try:
        os.mkdir(path, mode)
    except FileExistsError:
        return
    os.chmod(path, mode)


def make_dirs(path: Path, mode: int = DIR_MODE) -> None:
    """Create ``path`` (mode ``mode``) and missing parents (0755), umask-independent."""
    path = Path(path)
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    for d in reversed(missing):
        _mkdir(d, mode if d == path else PARENT_MODE)


def check_private_dir(path: Path) -> None:
    """Refuse a directory we must not write in: owned by someone else, or writable by
    group/others. Our own directory that others can merely read is tightened to 0700."""
    st = os.stat(path)
    if not stat.S_ISDIR(st.st_mode):
        raise Refused(NOT_A_DIRECTORY, path=str(path))
    euid = os.geteuid()
    if st.st_uid != euid:
        if st.st_uid == 0:
            raise NeedsRoot(OWNED_BY_ROOT, path=str(path))
        raise Refused(OWNED_BY_OTHER, path=str(path), uid=st.st_uid)
    if st.st_mode & 0o022:
        raise Refused(WRITABLE_BY_OTHERS, path=str(path),
                      mode=f"{stat.S_IMODE(st.st_mode):04o}")
    if stat.S_IMODE(st.st_mode) != DIR_MODE:
        os.chmod(path, DIR_MODE)


def secure_home(home: Path) -> Path:
    """The data directory, created 0700 if missing, else checked (``check_private_dir``)."""
    home = Path(home)
    if not home.exists():
        make_dirs(home, DIR_MODE)
    check_private_dir(home)
    return home


def private_subdir(path: Path) -> Path:
    """A folder inside the data directory (projection, certificates…), 0700."""
    path = Path(path)
    if path.is_symlink():
        # Planted: inside a 0700 directory only the owner could have made it.
        raise Refused(NOT_A_DIRECTORY, path=str(path))
    make_dirs(path, DIR_MODE)
    st = os.stat(path)
    if stat.S_IMODE(st.st_mode) != DIR_MODE and st.st_uid == os.geteuid():
        os.chmod(path, DIR_MODE)
    return path


def open_private(path: Path, flags: int, mode: int = FILE_MODE) -> int:
    """``os.open`` of a data file that never follows a final symbolic link; a file we
    create gets ``mode`` exactly (``fchmod``: the umask does not apply)."""
    created = False
    fl = flags | os.O_NOFOLLOW | os.O_CLOEXEC
    if flags & os.O_CREAT:
        try:
            fd = os.open(path, fl | os.O_EXCL, mode)
            created = True
        except FileExistsError:
            fd = os.open(path, fl & ~os.O_CREAT, mode)
    else:
        fd = os.open(path, fl, mode)
    try:
        st = os.fstat(fd)
        if created or (stat.S_IMODE(st.st_mode) & 0o077 and st.st_uid == os.geteuid()):
            os.fchmod(fd, mode)
    except BaseException:
        os.close(fd)
        raise
    return fd


def write_atomic(path: Path, data: bytes, mode: int = FILE_MODE, *, sync: bool = True) -> None:
    """Replace ``path`` with ``data``: temp file in the same directory (``O_EXCL|
    O_NOFOLLOW``, mode ``mode``), fsync, rename. A reader sees the old or the new
    file, never half of one; a crash leaves at most ``.NAME.PID.tmp`` behind.
    ``sync=False``: no fsync, for files a checksum elsewhere proves or disproves after
    a power cut (the inventory's projection: journal.fsync is its durability)."""
    path = Path(path)
    tmp = temp_name(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(tmp, flags, mode)
    except FileExistsError:
        # Ours by name: a killed earlier process that had our pid. Remove the name
        # (a link is removed, never followed) and create afresh.
        os.unlink(tmp)
        fd = os.open(tmp, flags, mode)
    try:
        os.fchmod(fd, mode)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        if sync:
            os.fsync(fd)
    except BaseException:
        os.close(fd)
        _unlink_quietly(tmp)
        raise
    os.close(fd)
    try:
        os.replace(tmp, path)
    except BaseException:
        _unlink_quietly(tmp)
        raise


def _unlink_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError as exc:
        if exc.errno != errno.ENOENT:
            raise


OUT_IS_FOLDER = N_("{path} is a folder: give a file name, e.g. {path}/document.pdf")
OUT_NOT_REGULAR = N_("{path} is not a regular file: give another file name")
OUT_NAME_TOO_LONG = N_("The file name {name}… is too long ({length} bytes, at most {limit})")
OUT_UNWRITABLE = N_("{path} cannot be written: {detail}")


def check_output_file(path: Path, create_parents: bool = True) -> Path:
    """An output file (``--out``) checked before anything is rendered: not a folder,
    not a special file (``/proc/version``, a device), a name the file system takes
    with our temporary suffix, and a folder we can create files in (tried for real:
    an empty temporary file, removed at once). ``BadInput`` (exit 7) otherwise.
    Missing parent folders are made (labels, sheets) or refused (``create_parents``
    false: statistics exports, whose folder must exist)."""
    from ..errors import BadInput
    p = Path(path)
    if str(path) in ("", "."):
        raise BadInput(OUT_IS_FOLDER, path=".")
    if not p.name:                       # "/": no file name at all (temp_name needs one)
        raise BadInput(OUT_IS_FOLDER, path=str(p))
    tmp = temp_name(p)
    limit = 255 - (len(tmp.name.encode()) - len(p.name.encode()))
    if len(p.name.encode("utf-8", "surrogateescape")) > limit:
        raise BadInput(OUT_NAME_TOO_LONG, name=p.name[:40],
                       length=len(p.name.encode("utf-8", "surrogateescape")), limit=limit)
    try:
        if p.is_dir():
            raise BadInput(OUT_IS_FOLDER, path=str(p))
        if p.exists() and not p.is_file():
            raise BadInput(OUT_NOT_REGULAR, path=str(p))
    except OSError as exc:                  # a parent folder's name too long, a loop
        raise BadInput(OUT_UNWRITABLE, path=str(p)[:300], detail=reason(exc)) from None
    try:
        if create_parents:
            make_dirs(p.parent, PARENT_MODE)
        elif not p.parent.is_dir():
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(p.parent))
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                     0o600)
        os.close(fd)
        os.unlink(tmp)
    except FileExistsError:
        _unlink_quietly(tmp)             # a dead process's temp name: write_atomic reuses it
    except OSError as exc:
        raise BadInput(OUT_UNWRITABLE, path=str(p), detail=reason(exc)) from None
    return p
