"""Shared helpers for neuroemu's HDF5 files: opening with clear errors, atomic writes."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import numpy as np

from .errors import FormatError


@contextlib.contextmanager
def open_h5(path, what: str):
    """Open an HDF5 file for reading; a missing, truncated or non-HDF5 file is a FormatError."""
    import h5py

    path = Path(path)
    if not path.exists():
        raise FormatError(f"{path}: no such file")
    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        raise FormatError(f"{path}: not a readable HDF5 {what} file ({exc})") from None
    try:
        yield f
    except (OSError, KeyError, ValueError, TypeError, AttributeError, IndexError) as exc:
        raise FormatError(f"{path}: corrupt {what} file ({exc})") from None
    finally:
        f.close()


@contextlib.contextmanager
def atomic_path(path):
    """A temporary path beside ``path``, moved into place only if the block completes.

    The file gets the permissions a new file would have; on failure nothing is
    left behind, neither a partial ``path`` nor the temporary file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield Path(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp made it private; give it a new file's mode
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


@contextlib.contextmanager
def atomic_h5(path):
    """Write an HDF5 file under a temporary name and move it into place only when complete."""
    import h5py

    with atomic_path(path) as tmp, h5py.File(tmp, "w") as f:
        yield f


class Reader:
    """Reads fields of one HDF5 file, raising FormatErrors that name the file and path."""

    def __init__(self, f, path):
        self.f = f
        self.path = str(path)

    def fail(self, where: str, msg: str):
        raise FormatError(f"{self.path}: {where}: {msg}")

    def format_version(self, fmt: str, newest: int, what: str) -> int:
        """Check the root's ``format`` attribute (``what`` says what a file of it is) and
        return its ``format_version``, refusing one newer than ``newest`` or below 1."""
        found = self.attr("/", "format", default=None)
        if found != fmt:
            self.fail("/", f"attribute 'format' = {found!r}, expected {fmt!r} ({what})")
        version = self.attr("/", "format_version", int)
        if version > newest:
            self.fail("/", f"format_version {version} is newer than this neuroemu reads "
                           f"({newest}); upgrade neuroemu")
        if version < 1:
            self.fail("/", f"format_version {version}, expected 1..{newest}")
        return version

    def attr(self, node: str, key: str, kind=None, default=...):
        obj = self.f[node] if node in self.f else None
        if obj is None or key not in obj.attrs:
            if default is not ...:
                return default
            self.fail(f"{node}", f"missing attribute {key!r}")
        val = obj.attrs[key]
        if isinstance(val, bytes):
            val = val.decode()
        if isinstance(val, np.generic):
            val = val.item()
        if kind is int:
            if not isinstance(val, (int, np.integer)) or isinstance(val, bool):
                self.fail(f"{node}", f"attribute {key!r} = {val!r}, expected an integer")
            return int(val)
        if kind is str and not isinstance(val, str):
            self.fail(f"{node}", f"attribute {key!r} = {val!r}, expected a string")
        return val

    def array(self, node: str, kinds: str = "iuf", shape=None, optional=False):
        if node not in self.f:
            if optional:
                return None
            self.fail(node, "missing dataset")
        obj = self.f[node]
        if not hasattr(obj, "dtype"):
            self.fail(node, "expected a dataset, found a group")
        if obj.dtype.kind not in kinds:
            names = {"i": "signed int", "u": "unsigned int", "f": "float", "b": "bool"}
            self.fail(node, f"dtype {obj.dtype}, expected {' or '.join(names[k] for k in kinds)}")
        arr = obj[()]
        if shape is not None and tuple(arr.shape) != tuple(shape):
            self.fail(node, f"shape {arr.shape}, expected {tuple(shape)}")
        return np.asarray(arr)
