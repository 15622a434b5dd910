"""Import lava-dl "netx" HDF5 networks (``.net``) onto Loihi's fixed-point arithmetic.

lava-dl (SLAYER) trains networks for Loihi and saves them layer by layer::

    layer/<i>/{type, shape, weight, bias, neuron/{type, iDecay, vDecay, vThMant,
               refDelay, wgtExp, ...}, kernelSize, stride, padding, dilation, groups}
    simulation/{Ts, tSample}

Layer ``i`` becomes population ``layer<i>``; every weighted layer is a
projection from the previous population. The values are Loihi register values
and the network is integer, so it maps at scale 1 onto the Loihi profile and
runs bit for bit as Lava's fixed-point CUBA neuron does:

* neuron types ``LOIHI``/``CUBA`` only (SDNN, RF, ... are refused, naming the
  layer): model ``cuba`` with ``decay_u = iDecay / 4096`` (netx passes Lava
  ``du = iDecay - 1`` and Lava adds the 1 back, so the current keeps
  ``4096 - iDecay`` of 4096), ``decay_v = vDecay / 4096``, threshold
  ``vThMant << 6``, bias ``bias << 6`` (the layer's ``bias``: per channel for a
  conv, per neuron for a dense layer), fire on ``v > threshold``, reset to 0,
  ``refractory = refDelay - 1`` ticks (``refDelay = 1``: the chip's register
  holds the refractory count during the spike step only; the next step
  integrates from 0);
* weights are the stored integers (float32 of whole values, a trailing
  singleton time axis dropped) with ``weight_exp = 6 + wgtExp``;
* ``conv``: a PyTorch-style correlation over ``(C, H, W)`` with the weight
  ``(C_out, C_in / groups, kH, kW)`` as stored (netx flips and transposes it
  into Lava's ``(C_out, kx, ky, C_in)`` layout for Lava's convolution, which
  is the same map); ``stride``, ``padding``, ``dilation`` are stored as
  (height, width); ``shape`` is stored ``(C, H, W)`` (Lava reverses it to
  ``(x, y, c)``), and neurons are numbered in (c, y, x) order, which is how
  netx flattens a conv layer before a dense one;
* ``dense``: weight ``(n_out, n_in)`` over the previous layer flattened (c, y, x);
  a square ``weight_rec`` dataset adds a recurrent projection of the layer
  onto itself; ``concat`` (``layers`` = ids) before a dense layer joins the
  previous layer and the listed layers (in that order) as the dense layer's
  inputs, a listed id at or after the dense layer making a recurrent edge;
* ``pool``: a ``sumpool2d`` projection with the stored (uniform) weight;
* ``flatten``: nothing (the flat order is already (c, y, x));
* ``input``: Lava drives the input layer's neurons only through their bias
  (``bias_mant``, set at run time: ``input_bias``); the stored weight and bias
  of an input layer are a transform netx does not simulate. neuroemu adds an
  external population ``input`` (same shape) feeding the input layer one to
  one with weight ``1 << 6``, so spike input also works (a spike adds 64 to u).

Every projection adds one tick, as every Loihi synapse does. Time: lava's
steps are numbered from 1, neuroemu's ticks from 0, so lava step ``s`` is tick
``s - 1``. With ``reset_interval`` > 0, layer ``i`` (0 = the input layer)
returns to its initial state (u = v = 0) before every tick ``t`` with
``t % reset_interval == (reset_offset + i) % reset_interval``: each layer is
reset one tick after the layer before it, when the previous sample has left
it. lava-dl's tinynet test (``io.reset.Reset(interval=17, offset=i - 1)`` on
layer ``i``, which acts after lava step ``i``, i.e. before lava step ``i + 1``)
is ``reset_interval=17, reset_offset=0``: layer 1 fires 144 spikes from its
bias alone at tick 0 and is reset before tick 1, as the ground truth shows.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..errors import FormatError, NetworkError
from ..h5io import NEURON_BYTES, check_claim
from ..ir import Network, Population, Readout, conv_output_shape, neuron, projection

NEURON_TYPES = ("LOIHI", "CUBA")
LAYER_TYPES = ("input", "dense", "conv", "pool", "flatten", "concat")
WEIGHT_SHIFT = 6  # Loihi scales weights, thresholds and biases by 2**6


#: the largest magnitude of a number read from a netx file (weights, biases, sizes)
LIMIT = 1 << 31


class NetxError(FormatError):
    """A lava-dl netx file cannot be imported (names the file and the layer)."""


def _text(ds) -> str:
    v = ds[()]
    if isinstance(v, np.ndarray):
        v = v.reshape(-1)[0] if v.size else ""
    return v.decode(errors="replace") if isinstance(v, bytes) else str(v)


def _shape(group, where: str, path) -> tuple[int, ...]:
    """A layer's ``shape``: positive whole numbers whose product fits in memory."""
    v = _integers(np.asarray(group["shape"][()]).reshape(-1), f"{where}/shape")
    if v.size == 0 or v.size > 8 or np.any(v < 1):
        raise NetxError(f"{where}/shape: {v.tolist()}, expected 1 to 8 positive whole numbers")
    shape = tuple(int(s) for s in v)
    check_claim(path, f"{where.split(': ', 1)[-1]}/shape", math.prod(shape), NEURON_BYTES,
                "the layer", "neurons")
    return shape


def _int(group, key: str, where: str, default=None) -> int:
    if key not in group:
        if default is None:
            raise NetxError(f"{where}: missing dataset {key!r}")
        return default
    v = np.asarray(group[key][()]).reshape(-1)
    if v.size != 1 or v[0] != np.round(v[0]):
        raise NetxError(f"{where}/{key}: {v!r} is not one whole number")
    return int(v[0])


#: the least value of each pair a layer may give
_LEAST = {"stride": 1, "kernelSize": 1, "dilation": 1, "padding": 0}


def _pair(group, key: str, where: str, default: int) -> tuple[int, int]:
    if key not in group:
        return default, default
    v = np.asarray(group[key][()]).reshape(-1)
    if v.size == 1:
        v = np.repeat(v, 2)
    if v.size != 2 or v.dtype.kind not in "iuf" or np.any(v != np.round(v)):
        raise NetxError(f"{where}/{key}: {v!r} is not one or two whole numbers")
    least = _LEAST.get(key, 0)
    if v.min() < least or v.max() > LIMIT:
        raise NetxError(f"{where}/{key}: {v.tolist()}, expected whole numbers >= {least}")
    return int(v[0]), int(v[1])


def _integers(a, what: str) -> np.ndarray:
    a = np.asarray(a)
    if a.dtype.kind == "f":
        if not np.all(np.isfinite(a)) or np.any(a != np.round(a)):
            bad = a[~np.isfinite(a) | (a != np.round(a))].reshape(-1)[0]
            raise NetxError(f"{what}: value {bad} is not a whole number (netx weights and "
                            "biases are Loihi integers)")
    elif a.dtype.kind not in "iu":
        raise NetxError(f"{what}: dtype {a.dtype}, expected numbers")
    if a.size and (a.min() < -LIMIT or a.max() > LIMIT):
        bad = a[(a < -LIMIT) | (a > LIMIT)].reshape(-1)[0]
        raise NetxError(f"{what}: value {bad} does not fit a Loihi register (expected "
                        f"|value| <= 2^31)")
    return a.astype(np.int64)


def _neuron(group, where: str, size: int, bias, reset) -> object:
    if "neuron" not in group:
        raise NetxError(f"{where}: no 'neuron' group")
    ng = group["neuron"]
    here = f"{where}/neuron"
    kind = _text(ng["type"]) if "type" in ng else "CUBA"
    if kind not in NEURON_TYPES:
        raise NetxError(f"{here}: neuron type {kind!r} is not supported (supported: "
                        f"{', '.join(NEURON_TYPES)}: Loihi CUBA-LIF)")
    i_decay = _int(ng, "iDecay", here)
    v_decay = _int(ng, "vDecay", here)
    for key, val in (("iDecay", i_decay), ("vDecay", v_decay)):
        if not 0 <= val <= 4096:
            raise NetxError(f"{here}/{key}: {val} is outside 0..4096")
    vth = _int(ng, "vThMant", here)
    if vth <= 0:
        raise NetxError(f"{here}/vThMant: {vth}, expected > 0")
    ref = _int(ng, "refDelay", here, 1)
    if ref < 1:
        raise NetxError(f"{here}/refDelay: {ref}, expected >= 1")
    interval, offset = reset
    try:
        return neuron("cuba", size, threshold=vth << WEIGHT_SHIFT,
                      bias=np.asarray(bias, np.int64) << WEIGHT_SHIFT,
                      decay_u=i_decay / 4096, decay_v=v_decay / 4096, reset="zero",
                      fire_on=">", refractory=ref - 1, reset_interval=interval,
                      reset_offset=offset % interval if interval else 0, where=here)
    except NetworkError as exc:
        raise NetxError(str(exc)) from None


def _weight_exp(group, where: str) -> int:
    exp = WEIGHT_SHIFT + _int(group["neuron"], "wgtExp", f"{where}/neuron", 0) \
        if "neuron" in group else WEIGHT_SHIFT
    if not 0 <= exp <= 24:
        raise NetxError(f"{where}/neuron/wgtExp: gives a weight shift of {exp}, outside 0..24")
    return exp


def read_netx(path, input_bias=None, *, reset_interval: int = 0, reset_offset: int = 0,
              readout: str = "count") -> Network:
    """Read a lava-dl netx file (see the module docstring for the mapping).

    Parameters
    ----------
    path : path-like
    input_bias : int array or None
        Bias mantissa of the input layer's neurons (Lava sets it at run time):
        shape ``(x, y, c)`` as Lava holds it (lava-dl's ``input_bias.npy``),
        or the input layer's size in (c, y, x) order. None: 0.
    reset_interval, reset_offset : int
        Layer ``i`` (0 = the input layer) resets before the ticks ``t`` with
        ``t % reset_interval == (reset_offset + i) % reset_interval``; 0: never.
    readout : str
        Readout kind of the last layer.

    Returns
    -------
    Network
        Integer network; map it onto the ``loihi`` profile.
    """
    from ..h5io import open_h5

    path = Path(path)
    if int(reset_interval) != reset_interval or reset_interval < 0:
        raise NetxError(f"reset_interval {reset_interval!r}: expected a whole number >= 0")
    with open_h5(path, "lava-dl netx") as f:
        if "layer" not in f:
            raise NetxError(f"{path}: not a netx file (no 'layer' group)")
        ids = sorted(f["layer"].keys(), key=lambda k: int(k) if k.isdigit() else 10**9)
        if not ids or not all(k.isdigit() for k in ids) or [int(k) for k in ids] != list(
                range(len(ids))):
            raise NetxError(f"{path}: layer groups {ids} are not numbered 0..n-1")
        pops: list[Population] = []
        projs = []
        deferred = []  # projections from layers built later (recurrent edges)
        built: dict[int, Population] = {}
        prev: Population | None = None
        concat: list[int] | None = None
        n_neuron_layers = 0
        meta = {"source": "lava-dl netx"}
        if "simulation" in f:
            for key in ("Ts", "tSample"):
                if key in f["simulation"]:
                    value = np.asarray(f["simulation"][key][()]).reshape(-1)
                    if value.size:
                        meta[key] = str(value[0])

        def reset_for():
            return (int(reset_interval), int(reset_offset) + n_neuron_layers)

        for lid in ids:
            g = f["layer"][lid]
            where = f"{path}: layer/{lid}"
            if "type" not in g:
                raise NetxError(f"{where}: no 'type'")
            kind = _text(g["type"])
            if kind not in LAYER_TYPES:
                raise NetxError(f"{where}: layer type {kind!r} is not supported (supported: "
                                f"{', '.join(LAYER_TYPES)})")
            name = f"layer{lid}"
            shape = _shape(g, where, path) if "shape" in g else None
            if kind == "flatten":
                continue
            if kind == "concat":
                if "layers" not in g:
                    raise NetxError(f"{where}: concat without 'layers'")
                concat = [int(x) for x in _integers(np.asarray(g["layers"][()]).reshape(-1),
                                                    f"{where}/layers")]
                continue
            if shape is None:
                raise NetxError(f"{where}: no 'shape'")
            size = math.prod(shape)
            if kind == "input":
                inp = Population("input", shape)
                pops.append(inp)
                if "neuron" not in g:
                    prev = inp
                    continue
                bias = np.zeros(size, np.int64)
                if input_bias is not None:
                    b = np.asarray(input_bias)
                    if b.ndim == 3 and len(shape) == 3 and b.shape == shape[::-1]:
                        b = b.transpose(2, 1, 0)  # lava (x, y, c) -> (c, y, x)
                    if b.size != size:
                        raise NetxError(f"{where}: input_bias has shape {b.shape}; the input "
                                        f"layer {shape} (c, y, x) takes {shape[::-1]} (x, y, c) "
                                        f"or {size} values")
                    bias = _integers(b.reshape(-1), f"{where}: input_bias")
                pop = Population(name, shape, _neuron(g, where, size, bias, reset_for()))
                n_neuron_layers += 1
                pops.append(pop)
                projs.append(projection(f"input->{name}", "input", name, "sparse",
                                        np.ones(size, np.int64), src=np.arange(size),
                                        tgt=np.arange(size), weight_exp=WEIGHT_SHIFT))
                prev = built[int(lid)] = pop
                continue
            if prev is None:
                raise NetxError(f"{where}: a {kind} layer needs an input layer before it")
            exp = _weight_exp(g, where)
            if "weight" not in g:
                raise NetxError(f"{where}: no 'weight'")
            if g["weight"].is_group:
                raise NetxError(f"{where}: complex weights (weight/real, weight/imag) are not "
                                "supported")
            w = _integers(g["weight"][()], f"{where}/weight")
            if kind == "conv":
                if w.ndim == 5:
                    w = w[..., 0]
                if w.ndim != 4:
                    raise NetxError(f"{where}/weight: shape {w.shape}, expected (C_out, C_in, "
                                    "kH, kW[, 1])")
                groups = _int(g, "groups", where, 1)
                stride = _pair(g, "stride", where, 1)
                padding = _pair(g, "padding", where, 0)
                dilation = _pair(g, "dilation", where, 1)
                if len(prev.shape) != 3:
                    raise NetxError(f"{where}: a conv layer needs a (C, H, W) input; the "
                                    f"previous layer has shape {prev.shape}")
                want = conv_output_shape(prev.shape, w.shape[0], w.shape[2:], stride, padding,
                                         dilation)
                if prev.shape[0] != w.shape[1] * groups:
                    raise NetxError(f"{where}/weight: shape {w.shape} (groups {groups}) takes "
                                    f"{w.shape[1] * groups} input channels, but the previous "
                                    f"layer {prev.name!r} has {prev.shape[0]} ({prev.shape})")
                if tuple(shape) != want:
                    raise NetxError(f"{where}: weight {w.shape} (groups {groups}, stride "
                                    f"{stride}, padding {padding}, dilation {dilation}) on input "
                                    f"{prev.shape} gives {want}, but the layer's shape is {shape}")
                bias = _bias(g, where, shape, per_channel=True)
                pop = Population(name, shape, _neuron(g, where, size, bias, reset_for()))
                proj = projection(f"{prev.name}->{name}", prev.name, name, "conv2d", w,
                                  weight_exp=exp, stride=stride, padding=padding,
                                  dilation=dilation, groups=groups)
                if concat is not None:
                    raise NetxError(f"{where}: concat before a conv layer is not supported")
                new = [proj]
            elif kind == "pool":
                stride = _pair(g, "stride", where, 0) if "stride" in g else None
                kernel = _pair(g, "kernelSize", where, 1)
                stride = stride or kernel
                padding = _pair(g, "padding", where, 0)
                if _pair(g, "dilation", where, 1) != (1, 1):
                    raise NetxError(f"{where}/dilation: pooling with dilation is not supported")
                if w.size == 0 or np.any(w != w.reshape(-1)[0]):
                    raise NetxError(f"{where}/weight: a pool layer takes one weight for every "
                                    f"synapse; found {np.unique(w).size} values")
                if len(prev.shape) != 3:
                    raise NetxError(f"{where}: a pool layer needs a (C, H, W) input")
                want = conv_output_shape(prev.shape, prev.shape[0], kernel, stride, padding,
                                         (1, 1))
                if tuple(shape) != want:
                    raise NetxError(f"{where}: pooling {kernel} stride {stride} of {prev.shape} "
                                    f"gives {want}, but the layer's shape is {shape}")
                bias = _bias(g, where, shape, per_channel=True)
                pop = Population(name, shape, _neuron(g, where, size, bias, reset_for()))
                new = [projection(f"{prev.name}->{name}", prev.name, name, "sumpool2d",
                                  w.reshape(-1)[0], weight_exp=exp, kernel=kernel,
                                  stride=stride, padding=padding)]
            else:  # dense
                if w.ndim == 1:
                    w = w.reshape(size, -1)
                if w.ndim != 2 or w.shape[0] != size:
                    raise NetxError(f"{where}/weight: shape {w.shape}, expected ({size}, inputs)")
                bias = _bias(g, where, shape, per_channel=False)
                pop = Population(name, shape, _neuron(g, where, size, bias, reset_for()))
                # (population name, layer id or None, size) of each input block
                sources = [(prev.name, None, prev.size)]
                for sid in concat or []:
                    if sid in built:
                        sources.append((built[sid].name, sid, built[sid].size))
                    elif sid == int(lid):
                        sources.append((name, sid, size))
                    else:
                        src_g = f["layer"].get(str(sid))
                        if src_g is None or "shape" not in src_g:
                            raise NetxError(f"{where}: concat names layer {sid}, which the "
                                            "file does not have")
                        src_kind = _text(src_g["type"]) if "type" in src_g else "?"
                        if src_kind not in ("dense", "conv", "pool", "input"):
                            raise NetxError(f"{where}: concat names layer {sid}, a "
                                            f"{src_kind!r} layer, which holds no neurons")
                        sources.append((f"layer{sid}", sid,
                                        math.prod(_shape(src_g, f"{path}: layer/{sid}", path))))
                total = sum(n for _, _, n in sources)
                if total != w.shape[1]:
                    raise NetxError(f"{where}/weight: {w.shape[1]} inputs, but the layer "
                                    f"receives {' + '.join(str(n) for _, _, n in sources)} = "
                                    f"{total} values from {', '.join(s for s, _, _ in sources)}")
                new = []
                col = 0
                for src_name, sid, n_src in sources:
                    part = w[:, col:col + n_src]
                    col += n_src
                    p = projection(f"{src_name}->{name}", src_name, name, "dense", part,
                                   weight_exp=exp)
                    later = sid is not None and sid not in built and sid != int(lid)
                    (deferred if later else new).append(p)
                if "weight_rec" in g:
                    wr = _integers(g["weight_rec"][()], f"{where}/weight_rec")
                    if wr.shape != (size, size):
                        raise NetxError(f"{where}/weight_rec: shape {wr.shape}, expected "
                                        f"({size}, {size})")
                    new.append(projection(f"{name}->{name}", name, name, "dense", wr,
                                          weight_exp=exp))
                concat = None
            n_neuron_layers += 1
            pops.append(pop)
            projs.extend(new)
            prev = built[int(lid)] = pop
        if prev is None or prev.is_input:
            raise NetxError(f"{path}: no layer of neurons")
        projs.extend(deferred)
        meta["reset_interval"] = str(int(reset_interval))
        meta["reset_offset"] = str(int(reset_offset))
        try:
            return Network(name=path.stem, populations=tuple(pops), projections=tuple(projs),
                           input="input", readout=Readout(prev.name, readout),
                           meta=tuple(sorted(meta.items())))
        except NetworkError as exc:
            raise NetxError(f"{path}: {exc}") from None


def _bias(g, where: str, shape, per_channel: bool) -> np.ndarray:
    size = math.prod(shape)
    if "bias" not in g:
        return np.zeros(size, np.int64)
    b = _integers(np.asarray(g["bias"][()]).reshape(-1), f"{where}/bias")
    if b.size == size:
        return b
    if per_channel and b.size == shape[0]:
        return np.repeat(b, size // shape[0])
    if b.size == 1:
        return np.full(size, b[0])
    raise NetxError(f"{where}/bias: {b.size} values for a layer of shape {shape}")


def netx_meta(net: Network) -> dict:
    """The netx settings kept in ``net.meta`` (empty for other networks)."""
    meta = dict(net.meta)
    return {k: meta[k] for k in ("Ts", "tSample", "reset_interval", "reset_offset") if k in meta}


__all__ = ["NetxError", "netx_meta", "read_netx"]
