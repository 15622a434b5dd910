"""Shared helpers for neuroemu's HDF5 files: opening with clear errors, atomic writes."""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
from pathlib import Path

import numpy as np

from .errors import FormatError
from .sniff import check_file, describe, sniff

#: errors h5py raises on damaged files (OSError, KeyError, ValueError, RuntimeError, ...)
H5_ERRORS = (OSError, KeyError, ValueError, RuntimeError, TypeError, AttributeError,
             IndexError, OverflowError, UnicodeDecodeError)
#: below this many bytes a dataset is read whatever the file claims about it
SMALL_BYTES = 1 << 20
#: the largest expansion a compression filter gives (gzip's is about 1032:1)
MAX_COMPRESSION = 1100
#: bytes a neuron takes in the engine's tables, at least (a bound for hostile sizes)
NEURON_BYTES = 64


def memory_limit() -> int:
    """Bytes one array read from a file may take: ``$NEUROEMU_MEMORY_LIMIT`` if set, else
    half of this machine's memory."""
    env = os.environ.get("NEUROEMU_MEMORY_LIMIT")
    if env:
        try:
            return max(1, int(float(env)))
        except ValueError:
            raise FormatError(f"NEUROEMU_MEMORY_LIMIT={env!r}: expected a number of bytes") \
                from None
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        return 8 << 30


def check_claim(path, where: str, n_items: int, item_bytes: int, what: str,
                unit: str = "values") -> None:
    """Refuse, before allocating, ``n_items`` of ``item_bytes`` read from a file that would
    not fit in :func:`memory_limit` (a hostile or corrupt size)."""
    need = int(n_items) * int(item_bytes)
    limit = memory_limit()
    if int(n_items) < 0 or need > limit:
        raise FormatError(f"{path}: {where}: {what} claims {int(n_items):,} {unit} "
                          f"({_size(need)}); expected at most {_size(limit)} (the memory "
                          "limit, $NEUROEMU_MEMORY_LIMIT): the file is damaged or hostile")


def _size(n: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(n) < 1024 or unit == "PiB":
            return f"{n:,} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)  # pragma: no cover


class H5Context:
    """The file a :class:`Node` belongs to: its path, what it should be, its size."""

    def __init__(self, path: Path, what: str):
        self.path = path
        self.what = what
        self.file_size = path.stat().st_size

    def fail(self, where: str, doing: str, exc: BaseException | None = None):
        detail = f" ({_reason(exc)})" if exc is not None else ""
        return FormatError(f"{self.path}: {where or '/'}: cannot {doing}{detail}; the file is "
                           f"damaged or not a {self.what} file")


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().replace("\n", " ") or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


class Attrs:
    """The attributes of one object, read through the guard."""

    def __init__(self, node: "Node"):
        self._node = node

    def _guard(self, doing, fn):
        return self._node._guard(doing, fn)

    def __contains__(self, key) -> bool:
        return self._guard(f"list its attributes (looking for {key!r})",
                           lambda: key in self._node._obj.attrs)

    def __getitem__(self, key):
        return self._guard(f"read attribute {key!r}", lambda: self._node._obj.attrs[key])

    def get(self, key, default=None):
        return self[key] if key in self else default

    def keys(self):
        return self._guard("list its attributes", lambda: list(self._node._obj.attrs.keys()))

    def items(self):
        return [(k, self[k]) for k in self.keys()]


class Node:
    """A group or dataset of an HDF5 file opened by :func:`open_h5`.

    It offers the part of h5py's interface the readers use (``in``, ``[name]``,
    ``keys``, ``items``, ``attrs``, ``[()]``, slicing, ``shape``, ``dtype``), and every
    call is guarded: whatever h5py raises on a damaged file becomes a
    :class:`~neuroemu.errors.FormatError` naming the file, the object's path inside it
    and what was being read. A dataset is read only if its size is plausible: no more
    than the file holds (or could hold compressed) and within :func:`memory_limit`.
    """

    def __init__(self, obj, ctx: H5Context, name: str):
        self._obj = obj
        self._ctx = ctx
        self.name = name

    def _guard(self, doing: str, fn):
        try:
            return fn()
        except FormatError:
            raise
        except H5_ERRORS as exc:
            raise self._ctx.fail(self.name, doing, exc) from None

    def _child(self, key: str) -> str:
        base = self.name.rstrip("/")
        return key if key.startswith("/") else f"{base}/{key}"

    # ---------------------------------------------------------------- groups
    @property
    def is_group(self) -> bool:
        import h5py

        return isinstance(self._obj, h5py.Group)

    @property
    def is_dataset(self) -> bool:
        import h5py

        return isinstance(self._obj, h5py.Dataset)

    def __contains__(self, key) -> bool:
        if not self.is_group:
            return False
        return bool(self._guard(f"look up {key!r}", lambda: key in self._obj))

    def __getitem__(self, key):
        if isinstance(key, str):
            if not self.is_group:
                raise self._ctx.fail(self.name, f"open {key!r}: a dataset has no members")
            child = self._child(key)
            try:
                obj = self._obj[key]
            except H5_ERRORS as exc:
                raise self._ctx.fail(child, "open it", exc) from None
            return Node(obj, self._ctx, child)
        return self.read(key)

    def get(self, key: str, default=None):
        return self[key] if key in self else default

    def keys(self) -> list[str]:
        if not self.is_group:
            return []
        return self._guard("list its members", lambda: list(self._obj.keys()))

    def __iter__(self):
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self.keys())

    def items(self):
        return [(k, self[k]) for k in self.keys()]

    def values(self):
        return [self[k] for k in self.keys()]

    @property
    def attrs(self) -> Attrs:
        return Attrs(self)

    # -------------------------------------------------------------- datasets
    @property
    def kind(self) -> str:
        """'group', 'dataset', 'named datatype' or 'object': what this object is."""
        import h5py

        for cls, name in ((h5py.Group, "group"), (h5py.Dataset, "dataset"),
                          (h5py.Datatype, "named datatype")):
            if isinstance(self._obj, cls):
                return name
        return "object"

    def _dataset(self):
        """The h5py dataset; AttributeError for other objects (so ``hasattr(node, 'dtype')``
        tells a dataset)."""
        if not self.is_dataset:
            raise AttributeError(f"{self.name} is a {self.kind}, not a dataset")
        return self._obj

    def _values(self):
        if not self.is_dataset:
            raise FormatError(f"{self._ctx.path}: {self.name}: expected a dataset, found a "
                              f"{self.kind}; the file is damaged or not a {self._ctx.what} "
                              "file")
        return self._obj

    @property
    def dtype(self):
        ds = self._dataset()
        return self._guard("read its type", lambda: ds.dtype)

    @property
    def shape(self) -> tuple:
        ds = self._dataset()
        return self._guard("read its shape", lambda: tuple(ds.shape or ()))

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=object)) if self.shape else 1

    def read(self, selection=()):
        """The dataset's values (``selection``: ``()``, a slice or an index), size-checked."""
        ds = self._values()
        self._check_size()
        value = self._guard("read its values", lambda: ds[selection])
        return value

    def __array__(self, dtype=None, copy=None):
        arr = np.asarray(self.read())
        return arr if dtype is None else arr.astype(dtype)

    def _check_size(self) -> None:
        ds = self._obj
        itemsize = self._guard("read its type", lambda: ds.dtype.itemsize)
        n = self.size
        need = n * itemsize
        if need <= SMALL_BYTES:
            return
        check_claim(self._ctx.path, self.name, n, itemsize, "the dataset")
        stored = self._guard("read its storage size", lambda: ds.id.get_storage_size())
        filtered = bool(self._guard("read its filters", lambda: ds._filters))
        room = stored * (MAX_COMPRESSION if filtered else 1) + SMALL_BYTES
        if need > room or stored > self._ctx.file_size:
            raise FormatError(
                f"{self._ctx.path}: {self.name}: the dataset claims shape {self.shape} "
                f"({_size(need)}) but holds {_size(stored)} of data in a file of "
                f"{_size(self._ctx.file_size)}; expected its data in the file: the file is "
                "damaged or hostile")

    def copy_to(self, h5, name: str) -> None:
        """Copy this object into the open (writable) h5py file ``h5`` as ``name``."""
        self._guard("copy it", lambda: self._obj.file.copy(self._obj, h5, name=name))


@contextlib.contextmanager
def open_h5(path, what: str):
    """Open an HDF5 file for reading, through the guard: yields its root :class:`Node`.

    A missing file, a file that is not HDF5 and a damaged one are
    :class:`~neuroemu.errors.FormatError` naming the file (and inside it, the object
    being read); every reader of HDF5 files goes through here.
    """
    import h5py

    path = check_file(path, f"a {what} file")
    kind = sniff(path)
    if kind != "hdf5":
        raise FormatError(f"{path}: {describe(kind, what)}; expected an HDF5 {what} file")
    try:
        f = h5py.File(path, "r")
    except H5_ERRORS as exc:
        raise FormatError(f"{path}: not a readable HDF5 {what} file ({_reason(exc)})") from None
    ctx = H5Context(path, what)
    try:
        yield Node(f, ctx, "/")
    except FormatError:
        raise
    except (OSError, RuntimeError, KeyError) as exc:  # h5py reached past the guard
        raise FormatError(f"{path}: corrupt {what} file ({_reason(exc)})") from None
    finally:
        try:
            f.close()
        except H5_ERRORS:  # pragma: no cover - closing a damaged file
            pass


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

    def shape(self, node: str, key: str = "shape", what: str = "the population") -> tuple:
        """A shape attribute: positive integers whose product (neurons) fits in memory."""
        raw = self.attr(node, key)
        try:
            shape = tuple(int(s) for s in np.asarray(raw).reshape(-1))
        except (TypeError, ValueError):
            self.fail(node, f"attribute {key!r} = {raw!r}, expected a shape (positive integers)")
        if not shape or min(shape) < 1:
            self.fail(node, f"attribute {key!r} = {shape}, expected positive integers")
        check_claim(self.path, node, math.prod(shape), NEURON_BYTES, what, "neurons")
        return shape

    def json(self, node: str, key: str, default: str | None = None) -> dict:
        """A JSON object held in a string attribute."""
        import json

        text = self.attr(node, key, str, default) if default is not None else \
            self.attr(node, key, str)
        try:
            value = json.loads(text or "{}")
        except ValueError as exc:
            self.fail(node, f"attribute {key!r} is not valid JSON ({exc})")
        if not isinstance(value, dict):
            self.fail(node, f"attribute {key!r} holds a {type(value).__name__}, expected a "
                            "JSON object")
        return value

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
        if not obj.is_dataset:
            self.fail(node, f"expected a dataset, found a {obj.kind}")
        if obj.dtype.kind not in kinds:
            names = {"i": "signed int", "u": "unsigned int", "f": "float", "b": "bool"}
            self.fail(node, f"dtype {obj.dtype}, expected {' or '.join(names[k] for k in kinds)}")
        arr = obj[()]
        if shape is not None and tuple(arr.shape) != tuple(shape):
            self.fail(node, f"shape {arr.shape}, expected {tuple(shape)}")
        return np.asarray(arr)
