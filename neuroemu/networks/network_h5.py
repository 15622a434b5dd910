"""The native network file, ``net.h5``.

Layout (format ``neuroemu-net``, ``format_version`` 1; the format version is
not the package version)::

    /                attrs: format, format_version, name, input, populations (order),
                            projections (order), readout_population, readout_kind,
                            profile (suggested hardware profile), meta_json
    /populations/<name>
                     attrs: shape, is_input; for neurons also model, reset, fire_on,
                            v_min (NaN for none), refractory, signed, neg_threshold,
                            max_count, reset_interval, reset_offset; max_spikes
                            (model 'xylo' only)
                     datasets (n,): threshold, bias, v_init, decay_v, decay_u, leak, scale_k;
                            dash_v, dash_u, dash_u2 (model 'xylo' only)
    /projections/<name>
                     attrs: source, target, kind, delay, weight_exp, weight_bits,
                            kernel, stride, padding, dilation, groups; synapse
                            (when not 0: a Xylo neuron's second current)
                     datasets: weight; src, tgt (sparse)

Arrays keep their dtypes: integer networks stay integer. ``weight_bits`` is the
width the weights were declared to fit (signed); a weight outside it is an
error. A file of a newer format version is refused; older versions are
upgraded on reading (version 1 is the first).
"""

from __future__ import annotations

import json
import math

import numpy as np

from ..errors import FormatError, NeuroemuError
from ..h5io import Reader, atomic_h5, open_h5
from ..ir import Network, Population, Readout, neuron, projection

FORMAT = "neuroemu-net"
FORMAT_VERSION = 1
_NEURON_ARRAYS = ("threshold", "bias", "v_init", "decay_v", "decay_u", "leak", "scale_k")
_XYLO_ARRAYS = ("dash_v", "dash_u", "dash_u2")


def _bits_needed(w: np.ndarray) -> int:
    """Smallest signed width holding every value of integer array ``w`` (at least 2)."""
    if w.size == 0 or w.dtype.kind == "f":
        return 0
    hi = max(int(w.max()), -int(w.min()) - 1, 1)
    return hi.bit_length() + 1


def write_network(path, net: Network, profile: str | None = None) -> None:
    """Write ``net`` to ``path`` (atomically: no partial file on failure).

    ``profile``: the hardware profile the file suggests (default: the one the
    network's meta suggests, if any).
    """
    meta = dict(net.meta)
    profile = profile or meta.pop("profile", None)
    meta.pop("profile", None)  # kept in the root attribute
    with atomic_h5(path) as f:
        f.attrs["format"] = FORMAT
        f.attrs["format_version"] = FORMAT_VERSION
        f.attrs["name"] = net.name
        f.attrs["input"] = net.input or ""
        f.attrs["populations"] = [p.name for p in net.populations]
        f.attrs["projections"] = [p.name for p in net.projections]
        f.attrs["readout_population"] = net.readout.population if net.readout else ""
        f.attrs["readout_kind"] = net.readout.kind if net.readout else ""
        f.attrs["profile"] = profile or ""
        f.attrs["meta_json"] = json.dumps(meta)
        pops = f.create_group("populations")
        for p in net.populations:
            g = pops.create_group(p.name)
            g.attrs["shape"] = np.asarray(p.shape, np.int64)
            g.attrs["is_input"] = p.is_input
            if p.neuron is None:
                continue
            n = p.neuron
            for key in ("model", "reset", "fire_on"):
                g.attrs[key] = getattr(n, key)
            g.attrs["v_min"] = np.nan if n.v_min is None else n.v_min
            g.attrs["refractory"] = n.refractory
            g.attrs["signed"] = n.signed
            g.attrs["neg_threshold"] = n.neg_threshold
            g.attrs["max_count"] = n.max_count
            g.attrs["reset_interval"] = n.reset_interval
            g.attrs["reset_offset"] = n.reset_offset
            for key in _NEURON_ARRAYS:
                g.create_dataset(key, data=getattr(n, key))
            if n.dash_v is not None:  # a 'xylo' neuron
                g.attrs["max_spikes"] = n.max_spikes
                for key in _XYLO_ARRAYS:
                    g.create_dataset(key, data=getattr(n, key))
        projs = f.create_group("projections")
        for pr in net.projections:
            g = projs.create_group(pr.name)
            for key in ("source", "target", "kind", "delay", "weight_exp", "groups"):
                g.attrs[key] = getattr(pr, key)
            for key in ("kernel", "stride", "padding", "dilation"):
                g.attrs[key] = np.asarray(getattr(pr, key), np.int64)
            if pr.synapse:
                g.attrs["synapse"] = pr.synapse
            g.attrs["weight_bits"] = _bits_needed(pr.weight)
            g.create_dataset("weight", data=pr.weight,
                             compression="gzip" if pr.weight.size > 4096 else None)
            if pr.kind == "sparse":
                g.create_dataset("src", data=pr.src)
                g.create_dataset("tgt", data=pr.tgt)


def _upgrade(r: Reader, version: int) -> None:
    """Bring an older file's layout up to the current version: version 1 is the first
    (``Reader.format_version`` refuses anything else), so there is nothing to do yet."""


def read_network(path) -> tuple[Network, str | None]:
    """Read a ``net.h5`` file; returns the network and the profile it suggests (or None)."""
    with open_h5(path, "network") as f:
        r = Reader(f, path)
        version = r.format_version(FORMAT, FORMAT_VERSION,
                                   "is this a NIR or lava-dl file? use 'neuroemu import'")
        _upgrade(r, version)
        pops = []
        for name in r.attr("/", "populations"):
            name = name.decode() if isinstance(name, bytes) else str(name)
            node = f"populations/{name}"
            if node not in f:
                r.fail(f"/{node}", "missing group (listed in the root attribute 'populations')")
            shape = r.shape(node)
            if r.attr(node, "is_input"):
                pops.append(Population(name, shape))
                continue
            size = math.prod(shape)
            arrays = {k: r.array(f"{node}/{k}", "iuf", (size,)) for k in _NEURON_ARRAYS}
            if f"{node}/dash_v" in f:
                arrays.update({k: r.array(f"{node}/{k}", "iu", (size,)) for k in _XYLO_ARRAYS})
                arrays["max_spikes"] = r.attr(node, "max_spikes", int, 1)
            v_min = float(r.attr(node, "v_min"))
            try:
                nrn = neuron(
                    r.attr(node, "model", str), size,
                    reset=r.attr(node, "reset", str), fire_on=r.attr(node, "fire_on", str),
                    v_min=None if np.isnan(v_min) else v_min,
                    refractory=r.attr(node, "refractory", int),
                    signed=bool(r.attr(node, "signed")),
                    neg_threshold=float(r.attr(node, "neg_threshold")),
                    max_count=r.attr(node, "max_count", int, 0),
                    reset_interval=r.attr(node, "reset_interval", int, 0),
                    reset_offset=r.attr(node, "reset_offset", int, 0),
                    where=f"/{node}", **arrays,
                )
            except NeuroemuError as exc:
                raise FormatError(f"{path}: {exc}") from None
            pops.append(Population(name, shape, nrn))
        projs = []
        for name in r.attr("/", "projections"):
            name = name.decode() if isinstance(name, bytes) else str(name)
            node = f"projections/{name}"
            if node not in f:
                r.fail(f"/{node}", "missing group (listed in the root attribute 'projections')")
            kind = r.attr(node, "kind", str)
            weight = r.array(f"{node}/weight")
            bits = r.attr(node, "weight_bits", int)
            if weight.dtype.kind in "iu" and bits and weight.size:
                lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
                bad = (weight < lo) | (weight > hi)
                if bad.any():
                    r.fail(f"/{node}/weight", f"value {weight[bad].flat[0]} does not fit the "
                                              f"declared {bits}-bit signed width ({lo}..{hi})")
            sparse = kind == "sparse"
            try:
                projs.append(projection(
                    name, r.attr(node, "source", str), r.attr(node, "target", str), kind, weight,
                    delay=r.attr(node, "delay", int), weight_exp=r.attr(node, "weight_exp", int),
                    src=r.array(f"{node}/src", "iu") if sparse else None,
                    tgt=r.array(f"{node}/tgt", "iu") if sparse else None,
                    kernel=tuple(r.attr(node, "kernel")), stride=tuple(r.attr(node, "stride")),
                    padding=tuple(r.attr(node, "padding")),
                    dilation=tuple(r.attr(node, "dilation")),
                    groups=r.attr(node, "groups", int),
                    synapse=r.attr(node, "synapse", int, 0),
                ))
            except NeuroemuError as exc:
                raise FormatError(f"{path}: /{node}: {exc}") from None
        ro_pop = r.attr("/", "readout_population", str, "")
        readout = Readout(ro_pop, r.attr("/", "readout_kind", str)) if ro_pop else None
        meta = r.json("/", "meta_json", "{}")
        profile = r.attr("/", "profile", str, "") or None
        try:
            net = Network(
                name=r.attr("/", "name", str), populations=tuple(pops), projections=tuple(projs),
                input=r.attr("/", "input", str) or None, readout=readout,
                meta=tuple(sorted((str(k), str(v)) for k, v in meta.items())),
            )
        except NeuroemuError as exc:
            raise FormatError(f"{path}: {exc}") from None
    return net, profile
