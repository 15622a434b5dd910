"""What kind of file a path holds, from its first bytes, never from its name.

Every reader asks here before decoding, so a file of another kind is refused
with what it looks like ("an HDF5 file, perhaps a network: pass it as NET")
instead of being misread. Only the standard library is used: answering costs
one read of the file's first 4 KiB.
"""

from __future__ import annotations

from pathlib import Path

from .errors import FormatError

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
#: where HDF5 looks for its signature (after a user block of 512 bytes * 2^k)
_HDF5_OFFSETS = (0, 512, 1024, 2048, 4096)
_HEAD = 4096

#: kind -> how it is named in messages
KINDS = {
    "hdf5": "an HDF5 file",
    "aedat2": "an AEDAT 2.0 recording",
    "aedat31": "an AEDAT 3.1 recording",
    "aedat4": "an AEDAT 4.0 recording",
    "aedat?": "an AEDAT recording of an unsupported version",
    "zip": "a zip archive (perhaps a NumPy .npz)",
    "npy": "a NumPy .npy array",
    "gzip": "a gzip-compressed file",
    "png": "a PNG image",
    "jpeg": "a JPEG image",
    "pdf": "a PDF document",
    "text": "a text file",
    "empty": "an empty file (0 bytes)",
    "unknown": "a file of no recognised kind",
}
_MAGIC = (
    (b"PK\x03\x04", "zip"), (b"PK\x05\x06", "zip"), (b"\x93NUMPY", "npy"),
    (b"\x1f\x8b", "gzip"), (b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpeg"),
    (b"%PDF-", "pdf"),
)
_AEDAT = {"2.0": "aedat2", "3.1": "aedat31", "4.0": "aedat4"}


def check_file(path, expected: str) -> Path:
    """``path`` as a Path if it is an existing file; a clear FormatError otherwise."""
    path = Path(path)
    if path.is_dir():
        raise FormatError(f"{path}: is a folder; expected {expected}")
    if not path.is_file():
        raise FormatError(f"{path}: no such file")
    return path


def sniff(path) -> str:
    """The kind of the file at ``path`` (a key of :data:`KINDS`) from its first bytes."""
    with open(path, "rb") as fh:
        head = fh.read(_HEAD + len(HDF5_SIGNATURE))
    if not head:
        return "empty"
    if any(head[o:o + 8] == HDF5_SIGNATURE for o in _HDF5_OFFSETS):
        return "hdf5"
    if head.startswith(b"#!AER-DAT"):
        return _AEDAT.get(aedat_version(head), "aedat?")
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if _is_text(head[:_HEAD]):
        return "text"
    return "unknown"


def aedat_version(head: bytes) -> str:
    """The version written after ``#!AER-DAT`` in a file's first line."""
    return head[9:].split(b"\n")[0].strip().decode("ascii", "replace")


def describe(kind: str, role: str) -> str:
    """What a file of ``kind`` is and, when given in the wrong ``role`` ('recording' or
    'network'), how to pass it instead."""
    name = KINDS.get(kind, kind)
    if kind == "hdf5" and role == "recording":
        return f"{name}, perhaps a network (pass it as NET) or a run's trace (neuroemu report)"
    if kind.startswith("aedat") and role == "network":
        return f"{name}: pass it as the input (--input), not as the network"
    if kind == "zip" and role == "recording":
        return f"{name}; static input vectors go in a dataset (neuroemu eval --dataset)"
    return name


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not just a character cut at the end of the window
            return False
        text = head[:exc.start].decode("utf-8")
    if not text:
        return False
    printable = sum(c.isprintable() or c in "\t\n\r\f" for c in text)
    return printable >= 0.97 * len(text)
