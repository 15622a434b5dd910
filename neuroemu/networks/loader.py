"""Open a network file of any supported kind, chosen by its content, not its name.

* ``net.h5``: neuroemu's own format (:mod:`.network_h5`);
* NIR graphs (HDF5 with a ``node`` group; :mod:`.nir_import`);
* lava-dl netx files (HDF5 with a ``layer`` group; :mod:`.netx`).

The hardware profile a file suggests (a ``net.h5``'s ``profile`` attribute;
``loihi`` for lava-dl networks, which are made for it) travels with the
network as its meta entry ``profile`` (:func:`suggested_profile`).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ..errors import FormatError, InputError, NetworkError
from ..sniff import check_file, describe, sniff

#: the options each kind of file takes (beside ``dt``, which only NIR uses)
OPTIONS = {
    "neuroemu": (),
    "nir": ("reset", "fire_on", "discretization", "bias", "readout", "notes"),
    "netx": ("input_bias", "reset_interval", "reset_offset", "readout"),
}
KIND_NAMES = {"neuroemu": "neuroemu net.h5", "nir": "NIR graph", "netx": "lava-dl netx file"}


def network_kind(path) -> str:
    """'neuroemu', 'nir' or 'netx' for the file at ``path``."""
    from ..h5io import open_h5

    path = check_file(path, "a network file (net.h5, .nir or lava-dl .net)")
    kind = sniff(path)
    if kind != "hdf5":
        raise FormatError(f"{path}: {describe(kind, 'network')}; expected a network file: a "
                          "neuroemu net.h5, a NIR graph or a lava-dl .net file (HDF5)")
    with open_h5(path, "network") as f:
        fmt = f.attrs.get("format")
        fmt = fmt.decode(errors="replace") if isinstance(fmt, bytes) else fmt
        if fmt == "neuroemu-net":
            return "neuroemu"
        if "node" in f:
            return "nir"
        if "layer" in f:
            return "netx"
        if fmt == "neuroemu-trace":
            raise FormatError(f"{path}: a run's trace, not a network; read it with "
                              "neuroemu.load_run (neuroemu report)")
        keys = ", ".join(f.keys()[:5]) or "none"
    raise FormatError(
        f"{path}: HDF5 file of unknown layout (root groups: {keys}); expected a neuroemu "
        "net.h5 (root attribute format='neuroemu-net'), a NIR graph ('node') or a lava-dl "
        "netx file ('layer')"
    )


def suggested_profile(network) -> str | None:
    """The hardware profile the network's file suggests, or None."""
    return dict(network.meta).get("profile") or None


def with_profile(network, profile: str | None):
    """``network`` with ``profile`` as its suggested profile (unchanged when None)."""
    if not profile or suggested_profile(network) == profile:
        return network
    meta = {**dict(network.meta), "profile": str(profile)}
    return replace(network, meta=tuple(sorted(meta.items())))


def load_network(path, dt: float | None = None, **options):
    """Read a network file of any kind.

    Parameters
    ----------
    path : path-like
    dt : float, optional
        Seconds per tick of a NIR graph's time constants and delays.
    **options
        NIR: ``reset``, ``fire_on``, ``discretization``, ``bias``, ``readout``,
        ``notes`` (:func:`~.nir_import.from_nir`). lava-dl: ``input_bias`` (an
        array, or the path of an ``.npy``), ``reset_interval``, ``reset_offset``,
        ``readout`` (:func:`~.netx.read_netx`). None of them for a ``net.h5``.

    Returns
    -------
    Network
        With the profile its file suggests in its meta (:func:`suggested_profile`).
    """
    kind = network_kind(path)
    given = {k: v for k, v in options.items() if v is not None}
    unknown = sorted(set(given) - set(OPTIONS[kind]))
    if unknown:
        takes = ", ".join(OPTIONS[kind]) or "none"
        raise InputError(f"{path}: a {KIND_NAMES[kind]} takes no option "
                         f"{', '.join(unknown)} (its options: {takes})")
    try:
        return _read(path, kind, dt, given)
    except NetworkError as exc:  # an inconsistent network: say which file holds it
        if str(exc).startswith(str(path)):
            raise
        raise type(exc)(f"{path}: {exc}") from None


def _read(path, kind: str, dt, given: dict):
    if kind == "neuroemu":
        from .network_h5 import read_network

        net, profile = read_network(path)
        return with_profile(net, profile)
    if kind == "nir":
        from .nir_import import read_nir

        return read_nir(path, dt=dt, **given)
    from .netx import read_netx

    bias = given.pop("input_bias", None)
    if isinstance(bias, (str, Path)):
        bias = _load_npy(bias, "input_bias")
    return with_profile(read_netx(path, bias, **given), "loihi")


def _load_npy(path, what: str):
    import numpy as np

    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise InputError(f"{what} {path}: not a readable .npy file ({exc})") from None
