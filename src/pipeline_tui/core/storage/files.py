"""Files on disk: reading one that someone else may have put there (only a regular file, never blocking, never
more than a limit), a file's stamp, and writing one atomically (temp file, fsync, rename).

A teammate can push a symbolic link, and a person (or a program) can leave a FIFO or a huge sparse file
where a lead should be. `read_limited` opens without following a link and without blocking (a FIFO
with no writer would hang `open` and `read` forever), checks what it opened is a regular file, and reads
at most `limit + 1` bytes, so a 3 GB file costs one `fstat`, not 3 GB of memory.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from pipeline_tui.core import faults

MAX_BYTES = 1_000_000  # the largest lead file or playbook read (yamlio refuses larger texts too)
_FLAGS = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
          | getattr(os, "O_CLOEXEC", 0))


class NotRegularFile(OSError):
    """The path is a link, a FIFO, a device, a socket or a folder: not something to read as a file."""


class NotOurs(OSError):
    """The file belongs to another user, or others may write it (`own=True`: a cache must be ours alone)."""


class ChangedWhileRead(OSError):
    """The file grew between fstat and read (`exact=True`): what was read is not what was checked."""


class TooLarge(OSError):
    """The file is over the limit; `size` is what fstat said."""

    def __init__(self, size: int, limit: int):
        super().__init__(f"file is {size:,} bytes; the limit is {limit:,}")
        self.size = size
        self.limit = limit


def kind_of(mode: int) -> str:
    """What a non-regular file is, for a message."""
    for test, name in ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device")):
        if test(mode):
            return name
    return "not a regular file"


def read_limited(path: Path | str, limit: int, *, dir_fd: int | None = None, own: bool = False,
                 exact: bool = False) -> bytes:
    """The bytes of a regular file of at most `limit` bytes (`dir_fd`: path is relative to that open folder).
    Raises FileNotFoundError, NotRegularFile (a link, FIFO, device, folder), TooLarge, NotOurs (with `own`:
    another user's file, or one others may write), ChangedWhileRead (with `exact`: it grew since fstat), or
    another OSError (permissions). What is checked (fstat on the open descriptor) is what is read."""
    if dir_fd is None and not hasattr(os, "O_NOFOLLOW") and os.path.islink(path):  # Windows: ask first
        raise NotRegularFile(f"{path} is a symbolic link")
    try:
        fd = os.open(path, _FLAGS, dir_fd=dir_fd)
    except ValueError:  # a NUL in the name
        raise FileNotFoundError(f"{path!r} cannot name a file") from None
    except OSError as exc:
        if exc.errno in (getattr(os, "ELOOP", -1), getattr(os, "EMLINK", -1)) or (
                dir_fd is None and os.path.islink(path)):
            raise NotRegularFile(f"{path} is a symbolic link") from None
        if isinstance(exc, IsADirectoryError):
            raise NotRegularFile(f"{path} is a directory") from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotRegularFile(f"{path} is {kind_of(st.st_mode)}")
        if st.st_size > limit:
            raise TooLarge(st.st_size, limit)
        if own and hasattr(os, "getuid") and (st.st_uid != os.getuid() or st.st_mode & 0o022):
            raise NotOurs(f"{path} is not ours alone")
        chunks = []
        # a file growing while read is still cut at the limit; with `exact`, one byte past its size is enough
        left = (st.st_size if exact else limit) + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        if exact and len(data) > st.st_size:
            raise ChangedWhileRead(f"{path} changed while it was read")
        if len(data) > limit:
            raise TooLarge(len(data), limit)
        return data
    finally:
        os.close(fd)


def describe_error(exc: OSError) -> str:
    """A one-line reason a file could not be read."""
    if isinstance(exc, (NotRegularFile, TooLarge)):
        text = str(exc)
        return "is " + text.split(" is ", 1)[-1] if isinstance(exc, NotRegularFile) and " is " in text else text
    return f"cannot read: {exc.strerror or exc}"


Stamp = tuple[int, int, int, int]


def stamp_of(st: os.stat_result) -> Stamp:
    """What says a file may have changed, as git's index keeps it: modification time, size, change time and
    inode (a file copied over another with the same size and mtime, `cp -p`, still has a new ctime)."""
    return (st.st_mtime_ns, st.st_size, st.st_ctime_ns, st.st_ino)


def atomic_write(path: Path, data: bytes, new_mode: int | None = None) -> None:
    """Write via a temp file in the same folder, fsync, rename, fsync the folder. An existing file keeps
    its mode; a new one gets `new_mode` (a shared repository's) or the umask's."""
    mode = new_mode
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        pass
    # One fixed temp name per file: writers hold the write lock, so a leftover of a killed writer is
    # simply replaced by the next write (and `check` points it out); O_NOFOLLOW: never write through a link.
    tmp = str(path.parent / f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o644)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        faults.point("temp-written")
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    try:
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:  # pragma: no cover - some filesystems refuse directory fsync
        pass
