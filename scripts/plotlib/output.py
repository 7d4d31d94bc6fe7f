"""Atomic file output: a temp file in the target directory, then rename over the target,
so a reader never sees half a PNG or half a report."""

import errno
import os
import stat
import tempfile


def _mode():
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def check_destination(path):
    """None when path may be written, else why not: as the driver's check_writable, a path
    that exists must be a regular file (or a symlink, which is replaced, never followed) and
    not read-only; `--markdown /dev/null` as root would otherwise replace the device node."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as err:
        return f"{path}: {err.strerror}"
    if stat.S_ISLNK(st.st_mode):
        return None
    if stat.S_ISDIR(st.st_mode):
        return f"{path} is a directory"
    if not stat.S_ISREG(st.st_mode):
        return f"{path} is not a regular file"
    if not st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        return f"{path} is read-only"
    return None


def write_atomic(path, data):
    """Writes bytes or text to path; the old file (if any) stays until the new one is whole.
    The new file keeps the old one's permissions."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    problem = check_destination(path)
    if problem is not None:
        raise PermissionError(errno.EPERM, problem, path)
    mode = _mode()
    if os.path.isfile(path) and not os.path.islink(path):
        mode = stat.S_IMODE(os.stat(path).st_mode)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp",
                                dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)  # mkstemp makes 0600
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
