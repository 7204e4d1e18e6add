"""Atomic file writes: a reader never sees a half-written file."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from ocrpipe.errors import OutputError


def _umask() -> int:
    """The process umask, read without changing it (os.umask would, for every thread)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


READ_CHUNK = 1 << 20


class LocalReadError(Exception):
    """A path that is not a readable regular file within the size cap (the message says which)."""


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def read_regular_file(path: Path, cap: int, *, head: bool = False) -> bytes:
    """The regular-file gate: the bytes of a regular file, at most `cap` of them (`head`: its
    first `cap` bytes, however long it is).

    Every path a user or an article names is read through here. Devices, FIFOs,
    sockets and directories are refused at once: the open is non-blocking, so a
    FIFO cannot hang it, and the type is checked on the opened descriptor, so
    nothing can be swapped in between. The cap holds whatever st_size says
    (/dev/zero and /proc files report 0).
    """
    if "\x00" in str(path):
        raise LocalReadError(f"invalid path {str(path)!r}: it holds a NUL byte")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise LocalReadError(f"no such file: {path}") from None
    except OSError as exc:
        raise LocalReadError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise LocalReadError(
                f"{path} is not a regular file but {_kind(st.st_mode)} (a device, FIFO or directory is never read)"
            )
        if st.st_size > cap and not head:
            raise LocalReadError(f"{path}: file of {st.st_size} bytes is over the {cap}-byte limit")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(READ_CHUNK, cap + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > cap:
                if head:
                    return b"".join(chunks)[:cap]
                raise LocalReadError(f"{path} is over the {cap}-byte limit")
        return b"".join(chunks)
    except OSError as exc:
        raise LocalReadError(f"cannot read {path}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def check_replaceable(path: Path) -> None:
    """The gate for paths written to: only a regular file (or nothing) is ever replaced.

    A FIFO, a device such as /dev/null, a socket, a directory or a symbolic link at the
    path is refused: renaming a new file over it would destroy it (as root, /dev/null).
    """
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc
    if not stat.S_ISREG(st.st_mode):
        raise OutputError(
            f"refusing to write {path}: it is {_kind(st.st_mode)}, and ocrpipe replaces only regular files",
            "name a new file or a regular one (`-` writes to standard output)",
        )


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write data to path via a temp file in the same directory and a rename."""
    with atomic_replace_from(path) as fh:
        fh.write(data)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: Path, obj: Any) -> None:
    atomic_write_text(path, json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@contextmanager
def atomic_replace_from(path: Path) -> Iterator[BinaryIO]:
    """Write a file through a binary handle; it replaces `path` only when the block ends without error."""
    path = Path(path)
    check_replaceable(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; give what a plain open() would
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def exclusive_lock(path: Path, busy: str, hint: str, option: str | None = None) -> int:
    """An open fd holding an exclusive flock on path (created if need be); OutputError(busy, hint) if taken.

    The lock goes with the process: a killed holder never leaves it behind. release_lock(path, fd)
    releases it and removes the file: a holder that finished removed the file it held, so the lock
    is the file at the path when the flock is taken, else it is taken again on the new one (an fd
    opened on the removed file would lock nothing anyone else sees).
    """
    import fcntl

    for _ in range(100):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise OutputError(f"cannot create the lock file {path}: {exc.strerror or exc}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise OutputError(busy, hint, option=option) from None
        if _same_file(path, fd):
            return fd
        os.close(fd)  # the holder removed this file as we opened it: lock the one at the path now
    raise OutputError(busy, hint, option=option)


def _same_file(path: Path, fd: int) -> bool:
    try:
        here, held = os.stat(path), os.fstat(fd)
    except OSError:
        return False
    return (here.st_dev, here.st_ino) == (held.st_dev, held.st_ino)


def release_lock(path: Path, fd: int) -> None:
    """Release an exclusive_lock and remove its file (no empty lock file stays behind)."""
    try:
        if _same_file(path, fd):  # removed while held: whoever opens it next makes a new one
            Path(path).unlink(missing_ok=True)
    except OSError:
        pass  # a folder that became read-only: the empty file stays, the lock still goes
    finally:
        os.close(fd)


def make_folder(path: Path, option: str) -> Path:
    """Create the folder a setting names (its Python name: debug_dir; parents too), or OutputError
    saying why it cannot be."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError(
            f"{option} {path}: a file of that name is in the way", f"give {option} a folder", option=option
        ) from None
    except OSError as exc:
        raise OutputError(
            f"{option} {path}: the folder cannot be made ({exc.strerror or type(exc).__name__})",
            f"give {option} a folder you can write to",
            option=option,
        ) from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise OutputError(
            f"{option} {path}: the folder is not writable", f"give {option} a folder you can write to", option=option
        )
    return path
