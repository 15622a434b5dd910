"""Expansion of projections into synapse lists.

Every projection kind is, in the end, a list of synapses ``(src, tgt, weight)``
with source and target neuron indices local to their populations. Mapping and
the reference engine both work from this list.
"""

from __future__ import annotations

import numpy as np

from ..errors import NetworkError


def conv_output_shape(
    in_shape: tuple[int, int, int], channels: int, kernel, stride, padding, dilation
) -> tuple[int, int, int]:
    """Shape (C_out, H', W') of a 2-D correlation over (C_in, H, W).

    Raises NetworkError for a stride or dilation below 1 or a negative padding."""
    if min(stride) < 1 or min(dilation) < 1 or min(padding) < 0:
        raise NetworkError(f"stride {tuple(stride)}, padding {tuple(padding)}, dilation "
                           f"{tuple(dilation)}: expected strides and dilations >= 1 and "
                           "paddings >= 0")
    _, h, w = in_shape
    out = []
    for size, k, s, p, d in zip((h, w), kernel, stride, padding, dilation):
        out.append((size + 2 * p - d * (k - 1) - 1) // s + 1)
    return (channels, out[0], out[1])


def lex_order(*keys) -> np.ndarray:
    """The stable order that sorts by ``keys[0]``, then ``keys[1]``, ... (integer arrays of
    one length): ``np.lexsort(keys[::-1])``. Where the keys' ranges multiply to less
    than 2**63 it is one stable sort of them packed into one int64 key, many times
    faster than a sort per key, and faster still on arrays mostly in order already
    (the runs of a concatenation of sorted parts)."""
    keys = [np.asarray(k) for k in keys]
    if not keys[0].size:
        return np.zeros(0, np.int64)
    lows = [int(k.min()) for k in keys]
    spans = [int(k.max()) - lo + 1 for k, lo in zip(keys, lows)]
    if np.prod(spans, dtype=object) >= 2**63:
        return np.lexsort(keys[::-1])
    packed = np.zeros(keys[0].size, np.int64)
    for k, lo, span in zip(keys, lows, spans):
        packed *= span
        packed += k.astype(np.int64, copy=False)
        if lo:
            packed -= lo
    return np.argsort(packed, kind="stable")


def _window_pairs(in_hw, out_hw, kernel, stride, padding, dilation):
    """For each kernel offset (ky, kx): the (input, output) spatial index pairs it joins.

    Yields ``(ky, kx, in_flat, out_flat)`` with flat indices over H*W and H'*W'.
    """
    h, w = in_hw
    ho, wo = out_hw
    oy, ox = np.meshgrid(np.arange(ho), np.arange(wo), indexing="ij")
    for ky in range(kernel[0]):
        for kx in range(kernel[1]):
            iy = oy * stride[0] - padding[0] + ky * dilation[0]
            ix = ox * stride[1] - padding[1] + kx * dilation[1]
            ok = (iy >= 0) & (iy < h) & (ix >= 0) & (ix < w)
            yield ky, kx, (iy * w + ix)[ok], (oy * wo + ox)[ok]


def synapses(proj, source, target, sort: bool = True):
    """Expand ``proj`` into arrays ``(src, tgt, weight)``, sorted by (src, tgt).

    Parameters
    ----------
    proj : neuroemu.ir.Projection
    source, target : neuroemu.ir.Population
        The populations it joins.
    sort : bool
        False skips the sort (the same synapses in an unspecified order), for callers
        that only count them.

    Returns
    -------
    src, tgt : int64 arrays, shape (nnz,)
        Local neuron indices in the source and target populations.
    weight : int64 or float64 array, shape (nnz,)
        Weights before the exponent is applied.
    """
    if proj.kind == "dense":
        n_t, n_s = proj.weight.shape
        src = np.tile(np.arange(n_s, dtype=np.int64), n_t)
        tgt = np.repeat(np.arange(n_t, dtype=np.int64), n_s)
        w = proj.weight.reshape(-1)
    elif proj.kind == "sparse":
        src, tgt, w = proj.src, proj.tgt, proj.weight
    elif proj.kind == "conv2d":
        c_out, c_in_g, kh, kw = proj.weight.shape
        _, h, wd = source.shape
        _, ho, wo = target.shape
        g = proj.groups
        cout_g = c_out // g
        co = np.arange(c_out, dtype=np.int64)[:, None, None]
        ci_local = np.arange(c_in_g, dtype=np.int64)[None, :, None]
        ci = (co // cout_g) * c_in_g + ci_local  # (c_out, c_in_g, 1)
        srcs, tgts, ws = [], [], []
        for ky, kx, i_flat, o_flat in _window_pairs(
            (h, wd), (ho, wo), (kh, kw), proj.stride, proj.padding, proj.dilation
        ):
            shape = (c_out, c_in_g, i_flat.size)
            srcs.append(np.broadcast_to(ci * (h * wd) + i_flat, shape).reshape(-1))
            tgts.append(np.broadcast_to(co * (ho * wo) + o_flat, shape).reshape(-1))
            ws.append(np.broadcast_to(proj.weight[:, :, ky, kx][:, :, None], shape).reshape(-1))
        # each (input, output) pair is joined by one kernel offset at most: the sort below
        # gives the same order whatever order the offsets are visited in
        src = np.concatenate(srcs) if srcs else np.zeros(0, np.int64)
        tgt = np.concatenate(tgts) if tgts else np.zeros(0, np.int64)
        w = np.concatenate(ws) if ws else np.zeros(0, proj.weight.dtype)
    elif proj.kind == "sumpool2d":
        c, h, wd = source.shape
        _, ho, wo = target.shape
        srcs, tgts = [], []
        for _, _, i_flat, o_flat in _window_pairs(
            (h, wd), (ho, wo), proj.kernel, proj.stride, proj.padding, (1, 1)
        ):
            for ch in range(c):
                srcs.append(ch * h * wd + i_flat)
                tgts.append(ch * ho * wo + o_flat)
        src = np.concatenate(srcs).astype(np.int64)
        tgt = np.concatenate(tgts).astype(np.int64)
        w = np.full(src.size, proj.weight.reshape(()).item(), dtype=proj.weight.dtype)
    else:  # pragma: no cover - kinds are validated on construction
        raise NetworkError(f"projection {proj.name!r}: unknown kind {proj.kind!r}")
    src = np.asarray(src, dtype=np.int64)
    tgt = np.asarray(tgt, dtype=np.int64)
    w = np.asarray(w).astype(proj.weight.dtype)
    if not sort:
        return src, tgt, w
    order = lex_order(src, tgt)
    return src[order], tgt[order], w[order]
