"""Open a network file of any supported kind, chosen by its content, not its name.

* ``net.h5``: neuroemu's own format (:mod:`.network_h5`);
* NIR graphs (HDF5 with a ``node`` group; :mod:`.nir_import`);
* lava-dl netx files (HDF5 with a ``layer`` group; :mod:`.netx`).
"""

from __future__ import annotations

from pathlib import Path

from ..errors import FormatError


def network_kind(path) -> str:
    """'neuroemu', 'nir' or 'netx' for the file at ``path``."""
    import h5py

    path = Path(path)
    if not path.exists():
        raise FormatError(f"{path}: no such file")
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head != b"\x89HDF\r\n\x1a\n":
        raise FormatError(
            f"{path}: not an HDF5 file (starts with {head!r}); expected a neuroemu net.h5, "
            "a NIR graph or a lava-dl .net file"
        )
    try:
        with h5py.File(path, "r") as f:
            fmt = f.attrs.get("format")
            fmt = fmt.decode() if isinstance(fmt, bytes) else fmt
            if fmt == "neuroemu-net":
                return "neuroemu"
            if "node" in f:
                return "nir"
            if "layer" in f:
                return "netx"
            keys = ", ".join(list(f.keys())[:5]) or "none"
    except OSError as exc:
        raise FormatError(f"{path}: not a readable HDF5 file ({exc})") from None
    raise FormatError(
        f"{path}: HDF5 file of unknown layout (root groups: {keys}); expected a neuroemu "
        "net.h5 (root attribute format='neuroemu-net'), a NIR graph ('node') or a lava-dl "
        "netx file ('layer')"
    )


def load_network(path, dt: float | None = None, **options):
    """Read a network file; returns ``(network, suggested_profile or None)``.

    ``dt`` (seconds per tick) and ``options`` are passed to the NIR importer.
    """
    kind = network_kind(path)
    if kind == "neuroemu":
        from .network_h5 import read_network

        return read_network(path)
    if kind == "nir":
        from .nir_import import read_nir

        return read_nir(path, dt=dt, **options), None
    from .netx import read_netx

    return read_netx(path), "loihi"
