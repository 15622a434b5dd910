"""The ANN description that conversion starts from: a small ``.npz`` layout.

PyTorch modules are read into it by :mod:`neuroemu.convert.pytorch`.

An :class:`ANN` is a sequence of layers, as in PyTorch's ``nn.Sequential``:

=============  ==============================================================
kind           fields (``layer{i}.<field>`` in the ``.npz``)
=============  ==============================================================
``dense``      ``weight`` (n_out, n_in), ``bias`` (n_out,) optional
``conv2d``     ``weight`` (C_out, C_in, kH, kW), ``bias`` (C_out,) optional,
               ``stride`` (2,), ``padding`` (2,); a correlation as in PyTorch
``batchnorm``  ``gamma``, ``beta``, ``mean``, ``var`` (C,), ``eps`` (); folded
               into the dense or conv2d layer just before it
``relu``       none
``qcfs``       ``threshold`` (λ, > 0), ``levels`` (L, whole number >= 1): the
               quantization-clip-floor-shift activation (Bu et al., ICLR 2022)
               ``a = λ/L · clip(floor(z L/λ + 1/2), 0, L)``
``avgpool2d``  ``kernel`` (2,), ``stride`` (2,) optional (default: the kernel)
``flatten``    none (C-order, as PyTorch's ``nn.Flatten`` without the batch axis)
``add``        ``source`` (int): adds the output of layer ``source`` (an earlier
               ``relu`` or ``qcfs`` layer, or -1 for the ANN's input) to the
               linear output before it (a dense or conv2d layer, after its
               batchnorm, before its activation): the identity shortcut of a
               ResNet block. Shapes must match. With ``weight`` (C_out, C_in,
               kH, kW), ``bias`` (C_out,) optional, ``stride`` (2,) and
               ``padding`` (2,) optional, the shortcut is that convolution of
               the source instead (a projection shortcut, ResNet's option B: a
               1x1 convolution, often strided); a batchnorm on the shortcut is
               folded into ``weight`` and ``bias`` by whoever writes the file
               (:mod:`neuroemu.convert.pytorch` does). Its output shape must
               match.
=============  ==============================================================

``maxpool2d`` is recognised and refused: a spike count cannot take a maximum
of its inputs, so conversion asks for average pooling instead.

The ``.npz`` layout (format ``neuroemu-ann``, ``format_version`` 1)::

    format          str   'neuroemu-ann'
    format_version  int   1
    name            str   optional
    input_shape     int64 (d,)  e.g. (64,) or (1, 8, 8)
    input_scale     float optional (default 1): the ANN's input is input_scale times
                          the integer data the chip receives (1/16 for 0..16 pixels)
    n_layers        int
    layer{i}.kind   str   one of the kinds above, i = 0 .. n_layers-1
    layer{i}.<field>      as in the table

Every array is plain numbers or strings, so ``np.load(..., allow_pickle=False)``
reads it. The last weighted layer gives the class scores and has no activation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import FormatError, NetworkError

FORMAT = "neuroemu-ann"
FORMAT_VERSION = 1
KINDS = ("dense", "conv2d", "batchnorm", "relu", "qcfs", "avgpool2d", "flatten", "add")
REFUSED = {
    "maxpool2d": "max pooling has no exact spiking equivalent (a spike count cannot take the "
                 "maximum of its inputs); replace it with average pooling (avgpool2d) and retrain",
}
_FIELDS = {
    "dense": {"weight", "bias"},
    "conv2d": {"weight", "bias", "stride", "padding"},
    "batchnorm": {"gamma", "beta", "mean", "var", "eps"},
    "relu": set(),
    "qcfs": {"threshold", "levels"},
    "avgpool2d": {"kernel", "stride"},
    "flatten": set(),
    "add": {"source", "weight", "bias", "stride", "padding"},
}


class ConversionError(NetworkError):
    """An ANN cannot be converted as asked (unsupported layer, inconsistent shapes, ...)."""


def qcfs(z, threshold, levels):
    """The QCFS activation ``λ/L · clip(floor(z L/λ + 1/2), 0, L)`` (Bu et al., ICLR 2022).

    Parameters
    ----------
    z : float array, any shape
        Pre-activation.
    threshold : float or float array broadcasting with ``z``
        λ, the activation's upper clip (> 0).
    levels : int
        L, the number of quantization steps.
    """
    return threshold / levels * qcfs_count(z, threshold, levels)


def qcfs_count(z, threshold, levels) -> np.ndarray:
    """The integer QCFS activation ``clip(floor(z L/λ + 1/2), 0, L)`` (float64 array)."""
    return np.clip(np.floor(np.asarray(z, np.float64) * levels / threshold + 0.5), 0, levels)


@dataclass(frozen=True, eq=False)
class Layer:
    """One layer of an :class:`ANN`; which fields matter depends on ``kind`` (see the module)."""

    kind: str
    weight: np.ndarray | None = None
    bias: np.ndarray | None = None
    stride: tuple[int, int] = (1, 1)
    padding: tuple[int, int] = (0, 0)
    kernel: tuple[int, int] = (1, 1)
    threshold: float = 1.0
    levels: int = 0
    gamma: np.ndarray | None = None
    beta: np.ndarray | None = None
    mean: np.ndarray | None = None
    var: np.ndarray | None = None
    eps: float = 1e-5
    source: int = -1


@dataclass(frozen=True, eq=False)
class Stage:
    """A weighted layer after folding: linear map, then activation.

    BatchNorm is folded into ``weight``/``bias``; average pooling and flatten
    before the layer are composed into its linear map (a conv2d after pooling
    becomes a ``sparse`` map over the un-pooled neurons).

    Attributes
    ----------
    kind : {'dense', 'conv2d', 'sparse'}
    weight : float64 array
        dense (n_out, n_in); conv2d (C_out, C_in, kH, kW); sparse (nnz,).
    src, tgt : int64 arrays (nnz,) or None
        Synapses of a sparse map (flat C-order indices).
    bias : float64 array (n_out,)
        One value per output neuron.
    in_shape, out_shape : tuple
        Shapes of this stage's input (the previous stage's activation, before
        pooling) and output.
    activation : {'relu', 'qcfs', 'none'}
    threshold, levels : QCFS λ and L (levels 0 when not QCFS)
    skip : int or None
        A shortcut (``add`` layer): the stage's pre-activation also receives
        activation ``skip`` (0: the ANN's input, ``k + 1``: stage ``k``'s
        output), element by element (identity) or through ``skip_weight``.
    skip_weight : float64 array (C_out, C_in, kH, kW) or None
        A projection shortcut's convolution (its bias is in ``bias``), applied
        with ``skip_stride`` and ``skip_padding`` to the source, of shape
        ``skip_shape``.
    """

    kind: str
    weight: np.ndarray
    bias: np.ndarray
    in_shape: tuple
    out_shape: tuple
    activation: str = "none"
    threshold: float = 1.0
    levels: int = 0
    stride: tuple[int, int] = (1, 1)
    padding: tuple[int, int] = (0, 0)
    src: np.ndarray | None = None
    tgt: np.ndarray | None = None
    skip: int | None = None
    skip_weight: np.ndarray | None = None
    skip_stride: tuple[int, int] = (1, 1)
    skip_padding: tuple[int, int] = (0, 0)
    skip_shape: tuple = ()

    @property
    def n_in(self) -> int:
        return int(np.prod(self.in_shape))

    @property
    def n_out(self) -> int:
        return int(np.prod(self.out_shape))

    def linear(self, x: np.ndarray, weight: np.ndarray | None = None) -> np.ndarray:
        """The linear map (without bias) of ``x`` (N, n_in) -> (N, n_out), float64.

        ``weight`` replaces the stage's weights (same layout), e.g. scaled ones.
        """
        w = self.weight if weight is None else weight
        x = np.asarray(x, np.float64).reshape(len(x), -1)
        if self.kind == "dense":
            return x @ w.T
        if self.kind == "sparse":
            out = np.zeros((len(x), self.n_out))
            for k in range(0, self.src.size, 65536):
                sl = slice(k, k + 65536)
                np.add.at(out.T, self.tgt[sl], (x[:, self.src[sl]] * w[sl]).T)
            return out
        y = conv2d(x.reshape((len(x),) + tuple(self.in_shape)), w, self.stride, self.padding)
        return y.reshape(len(x), -1)

    def shortcut(self, a: np.ndarray, weight=None) -> np.ndarray:
        """The shortcut's contribution (N, n_out) from activation ``skip`` ``a`` (N, ...).

        ``weight`` replaces the shortcut's weights: for an identity shortcut a
        factor per output neuron (n_out,) or scalar (default 1), for a projection
        a convolution weight of ``skip_weight``'s shape.
        """
        a = np.asarray(a, np.float64).reshape(len(a), -1)
        if self.skip_weight is None:
            return a if weight is None else a * weight
        w = self.skip_weight if weight is None else weight
        y = conv2d(a.reshape((len(a),) + tuple(self.skip_shape)), w, self.skip_stride,
                   self.skip_padding)
        return y.reshape(len(a), -1)

    def activate(self, z: np.ndarray) -> np.ndarray:
        if self.activation == "relu":
            return np.maximum(z, 0.0)
        if self.activation == "qcfs":
            return qcfs(z, self.threshold, self.levels)
        return z

    def forward(self, x: np.ndarray, shortcut: np.ndarray | None = None) -> np.ndarray:
        """The stage's activation; ``shortcut`` is activation ``skip``, if any."""
        z = self.linear(x) + self.bias
        return self.activate(z if shortcut is None else z + self.shortcut(shortcut))


@dataclass(frozen=True, eq=False)
class ANN:
    """A feed-forward ANN (see the module docstring for the layer kinds).

    Attributes
    ----------
    input_shape : tuple of int
    layers : tuple of Layer
    input_scale : float
        The ANN's input is ``input_scale`` times the integer data given to the chip.
    name : str
    """

    input_shape: tuple
    layers: tuple
    input_scale: float = 1.0
    name: str = "ann"
    _stages: list = field(default_factory=list, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "input_shape", tuple(int(s) for s in self.input_shape))
        object.__setattr__(self, "layers", tuple(self.layers))
        self._stages.extend(_fold(self))

    @property
    def stages(self) -> list:
        """The weighted layers after folding (:class:`Stage`), in order."""
        return list(self._stages)

    @property
    def n_classes(self) -> int:
        return self._stages[-1].n_out

    def forward(self, x, all_stages: bool = False):
        """Run the ANN on ``x`` (N, *input_shape) in float64, layer by layer as stored.

        Parameters
        ----------
        x : array (N, ...) with N * prod(input_shape) values, in the ANN's input units
        all_stages : bool
            Return the list of every stage's output (activations of hidden
            stages, then the class scores) instead of the scores alone.
        """
        x = np.asarray(x, np.float64).reshape((-1,) + self.input_shape)
        inp = x
        outs, kept = [], []
        for layer in self.layers:
            if layer.kind == "add":
                src = inp if layer.source < 0 else kept[layer.source]
                if layer.weight is not None:
                    src = _apply(Layer("conv2d", weight=layer.weight, bias=layer.bias,
                                       stride=layer.stride, padding=layer.padding), src)
                x = x + src.reshape(x.shape)
            else:
                x = _apply(layer, x)
            kept.append(x)
            if layer.kind in ("relu", "qcfs") or (layer.kind in ("dense", "conv2d")
                                                  and _is_last_weighted(self, layer)):
                outs.append(x.reshape(len(x), -1))
        if not all_stages:
            return x.reshape(len(x), -1)
        # stages whose activation is 'none' (only the last) were appended after the layer
        return outs

    def predict(self, data) -> np.ndarray:
        """Class (argmax, lowest index on ties) for integer ``data`` scaled by ``input_scale``."""
        return np.argmax(self.forward(np.asarray(data, np.float64) * self.input_scale), axis=1)


def _is_last_weighted(ann: ANN, layer: Layer) -> bool:
    weighted = [ly for ly in ann.layers if ly.kind in ("dense", "conv2d")]
    return layer is weighted[-1]


# ----------------------------------------------------------------------------- float ops


def conv2d(x: np.ndarray, w: np.ndarray, stride=(1, 1), padding=(0, 0)) -> np.ndarray:
    """PyTorch's ``conv2d`` correlation (groups 1, dilation 1): (N, C, H, W) -> (N, O, H', W')."""
    x = np.pad(x, ((0, 0), (0, 0), (padding[0], padding[0]), (padding[1], padding[1])))
    kh, kw = w.shape[2:]
    win = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))
    win = win[:, :, ::stride[0], ::stride[1]]  # (N, C, H', W', kh, kw)
    return np.einsum("nchwij,ocij->nohw", win, w, optimize=True)


def avgpool2d(x: np.ndarray, kernel, stride) -> np.ndarray:
    """Average pooling without padding: (N, C, H, W) -> (N, C, H', W')."""
    win = np.lib.stride_tricks.sliding_window_view(x, tuple(kernel), axis=(2, 3))
    win = win[:, :, ::stride[0], ::stride[1]]
    return win.sum(axis=(-2, -1)) / (kernel[0] * kernel[1])


def _bn_scale(layer: Layer):
    s = layer.gamma / np.sqrt(layer.var + layer.eps)
    return s, layer.beta - layer.mean * s


def _apply(layer: Layer, x: np.ndarray) -> np.ndarray:
    k = layer.kind
    if k == "dense":
        y = x.reshape(len(x), -1) @ layer.weight.T
        return y + (0.0 if layer.bias is None else layer.bias)
    if k == "conv2d":
        y = conv2d(x, layer.weight, layer.stride, layer.padding)
        return y + (0.0 if layer.bias is None else layer.bias.reshape(1, -1, 1, 1))
    if k == "batchnorm":
        s, t = _bn_scale(layer)
        shape = (1, -1) + (1,) * (x.ndim - 2)
        return x * s.reshape(shape) + t.reshape(shape)
    if k == "relu":
        return np.maximum(x, 0.0)
    if k == "qcfs":
        return qcfs(x, layer.threshold, layer.levels)
    if k == "avgpool2d":
        return avgpool2d(x, layer.kernel, layer.stride)
    return x.reshape(len(x), -1)  # flatten


# ----------------------------------------------------------------------------- folding


def _shape_after(layer: Layer, shape: tuple, where: str) -> tuple:
    k = layer.kind
    if k == "dense":
        n_in = int(np.prod(shape))
        if layer.weight.ndim != 2 or layer.weight.shape[1] != n_in:
            raise ConversionError(f"{where}: dense weight of shape {layer.weight.shape} found, "
                                  f"expected (n_out, {n_in}) for an input of shape {shape}")
        return (layer.weight.shape[0],)
    if k in ("conv2d", "avgpool2d"):
        if len(shape) != 3:
            raise ConversionError(f"{where}: {k} needs a (C, H, W) input, got shape {shape}; "
                                  "set input_shape to (C, H, W) or remove the flatten before it")
        c, h, w = shape
        if k == "conv2d":
            if layer.weight.ndim != 4 or layer.weight.shape[1] != c:
                raise ConversionError(
                    f"{where}: conv2d weight of shape {layer.weight.shape} found, expected "
                    f"(C_out, {c}, kH, kW) (groups other than 1 are not supported)")
            kh, kw = layer.weight.shape[2:]
            sh, sw = layer.stride
            ph, pw = layer.padding
            out = (layer.weight.shape[0], (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1)
        else:
            (kh, kw), (sh, sw) = layer.kernel, layer.stride
            out = (c, (h - kh) // sh + 1, (w - kw) // sw + 1)
        if out[1] < 1 or out[2] < 1:
            raise ConversionError(f"{where}: {k} of an input of shape {shape} leaves no output")
        return out
    if k == "batchnorm":
        if layer.gamma.size != shape[0]:
            raise ConversionError(f"{where}: batchnorm has {layer.gamma.size} channels, its input "
                                  f"has {shape[0]}")
        return shape
    if k == "flatten":
        return (int(np.prod(shape)),)
    return shape  # batchnorm, activations, add (checked by _fold)


def _compose(a, b, n_mid: int):
    """Synapse lists ``a`` (i -> p) then ``b`` (p -> o) as one list (i -> o), duplicates summed."""
    a_src, a_tgt, a_w = a
    order = np.argsort(b[0], kind="stable")
    b_src, b_tgt, b_w = (x[order] for x in b)
    ptr = np.searchsorted(b_src, np.arange(n_mid + 1))
    cnt = ptr[a_tgt + 1] - ptr[a_tgt]
    total = int(cnt.sum())
    start = np.repeat(ptr[a_tgt], cnt)
    first = np.repeat(np.cumsum(cnt) - cnt, cnt)
    idx = start + np.arange(total) - first
    src, tgt = np.repeat(a_src, cnt), b_tgt[idx]
    w = np.repeat(a_w, cnt) * b_w[idx]
    n_tgt = int(b_tgt.max()) + 1 if b_tgt.size else 1
    key, inv = np.unique(src * n_tgt + tgt, return_inverse=True)
    merged = np.zeros(key.size)
    np.add.at(merged, inv.reshape(-1), w)
    return key // n_tgt, key % n_tgt, merged


def _pooled(shape: tuple, pools: list, linear: tuple, n_mid: int):
    """Average pools over ``shape`` then a linear map (synapses over the pooled neurons)."""
    from ..ir import Population, projection, synapses

    n = int(np.prod(shape))
    acc = (np.arange(n), np.arange(n), np.ones(n))
    for kernel, stride in pools:
        c, h, w = shape
        out = (c, (h - kernel[0]) // stride[0] + 1, (w - kernel[1]) // stride[1] + 1)
        s, t, _ = synapses(projection("pool", "a", "b", "sumpool2d", 1.0, kernel=kernel,
                                      stride=stride), Population("a", shape), Population("b", out))
        acc = _compose(acc, (s, t, np.full(s.size, 1.0 / (kernel[0] * kernel[1]))),
                       int(np.prod(shape)))
        shape = out
    return _compose(acc, linear, n_mid)


def _fold(ann: ANN) -> list:
    """Validate the layer sequence and fold it into :class:`Stage` objects."""
    where = f"ANN {ann.name!r}"
    stages = []
    shape = ann.input_shape
    stage_in = shape  # shape of the last activation (before pooling/flatten)
    pools = []
    cur = None  # the weighted layer being assembled: dict
    layers = ann.layers
    act_of = {-1: 0}  # layer index of an activation -> its index (0: the input)
    shapes = {-1: tuple(shape)}
    if not layers:
        raise ConversionError(f"{where}: no layers")

    def close():
        nonlocal cur
        if cur is not None:
            stages.append(_make_stage(cur))
            cur = None

    for i, layer in enumerate(layers):
        lw = f"{where}, layer {i} ({layer.kind})"
        if layer.kind in REFUSED:
            raise ConversionError(f"{lw}: {REFUSED[layer.kind]}")
        if layer.kind not in KINDS:
            raise ConversionError(f"{lw}: unknown kind, expected one of {', '.join(KINDS)}")
        new_shape = _shape_after(layer, shape, lw)
        if layer.kind in ("dense", "conv2d"):
            close()
            cur = dict(layer=layer, weight=layer.weight.astype(np.float64),
                       bias=(np.zeros(layer.weight.shape[0]) if layer.bias is None
                             else layer.bias.astype(np.float64)),
                       in_shape=stage_in, pre_shape=shape, pools=pools, out_shape=new_shape,
                       activation="none", threshold=1.0, levels=0, bn=False, skip=None,
                       where=lw)
            pools = []
        elif layer.kind == "batchnorm":
            if cur is None or cur["activation"] != "none" or cur["bn"] or pools or \
                    cur["skip"] is not None:
                raise ConversionError(f"{lw}: batchnorm must follow a dense or conv2d layer "
                                      "directly (it is folded into that layer)")
            s, t = _bn_scale(layer)
            w = cur["weight"]
            cur["weight"] = w * s.reshape((-1,) + (1,) * (w.ndim - 1))
            cur["bias"] = cur["bias"] * s + t
            cur["bn"] = True
        elif layer.kind in ("relu", "qcfs"):
            if cur is None or cur["activation"] != "none" or pools:
                raise ConversionError(f"{lw}: an activation must follow a dense or conv2d layer "
                                      "(or its batchnorm)")
            cur["activation"] = layer.kind
            if layer.kind == "qcfs":
                cur["threshold"], cur["levels"] = float(layer.threshold), int(layer.levels)
            close()
            stage_in = new_shape
            act_of[i] = len(stages)
            shapes[i] = tuple(new_shape)
        elif layer.kind == "add":
            src = int(layer.source)
            if cur is None or cur["activation"] != "none" or pools or cur["skip"] is not None:
                raise ConversionError(f"{lw}: add must follow a dense or conv2d layer (or its "
                                      "batchnorm) directly, once, before the activation")
            if src not in act_of:
                raise ConversionError(
                    f"{lw}: source {src} found, expected -1 (the input) or the index of an "
                    f"earlier relu/qcfs layer: {sorted(k for k in act_of if k >= 0)}")
            got = shapes[src]
            if layer.weight is not None:
                conv = Layer("conv2d", weight=layer.weight, stride=layer.stride,
                             padding=layer.padding)
                got = _shape_after(conv, shapes[src], f"{lw}, its projection shortcut")
            if got != tuple(shape):
                what = "its projection of source" if layer.weight is not None else "source"
                raise ConversionError(f"{lw}: {what} {src} has shape {got}, the layer "
                                      f"it is added to has {tuple(shape)}")
            cur["skip"] = act_of[src]
            if layer.weight is not None:
                cur["skip_conv"] = (layer.weight.astype(np.float64), tuple(layer.stride),
                                    tuple(layer.padding), shapes[src])
                if layer.bias is not None:
                    cur["bias"] = cur["bias"] + layer.bias.astype(np.float64)
        elif layer.kind == "avgpool2d":
            if cur is not None:
                raise ConversionError(
                    f"{lw}: pooling directly after a layer's linear output (before its "
                    "activation) is not supported; put the pooling after the activation")
            pools.append((layer.kernel, layer.stride))
        shape = new_shape
    if cur is None:
        raise ConversionError(f"{where}: the last layer must be dense or conv2d (the class "
                              "scores); found an activation or pooling after it")
    close()
    for k, st in enumerate(stages[:-1]):
        if st.activation == "none":
            raise ConversionError(f"{where}: weighted layer {k} has no activation; every hidden "
                                  "layer needs relu or qcfs (merge consecutive linear layers)")
    return stages


def _make_stage(cur: dict) -> Stage:
    layer = cur["layer"]
    w, b = cur["weight"], cur["bias"]
    pre, out = cur["pre_shape"], cur["out_shape"]
    n_out = int(np.prod(out))
    common = dict(in_shape=tuple(cur["in_shape"]), out_shape=tuple(out),
                  activation=cur["activation"], threshold=cur["threshold"], levels=cur["levels"],
                  skip=cur["skip"])
    if "skip_conv" in cur:
        sw, ss, sp, sshape = cur["skip_conv"]
        common.update(skip_weight=sw, skip_stride=ss, skip_padding=sp, skip_shape=sshape)
    if layer.kind == "conv2d":
        b_full = np.repeat(b, out[1] * out[2])
    else:
        b_full = b
    if not cur["pools"]:
        if layer.kind == "conv2d":
            return Stage("conv2d", w, b_full, stride=layer.stride, padding=layer.padding, **common)
        return Stage("dense", w, b_full, **common)
    # compose pooling (over the previous activation) with this layer's linear map
    from ..ir import Population, projection, synapses

    n_mid = int(np.prod(pre))
    if layer.kind == "dense":
        lin = (np.tile(np.arange(n_mid), n_out), np.repeat(np.arange(n_out), n_mid), w.reshape(-1))
    else:
        lin = synapses(projection("conv", "a", "b", "conv2d", w, stride=layer.stride,
                                  padding=layer.padding), Population("a", tuple(pre)),
                       Population("b", tuple(out)))
    src, tgt, ws = _pooled(tuple(cur["in_shape"]), cur["pools"], lin, n_mid)
    if layer.kind == "dense":
        m = np.zeros((n_out, int(np.prod(cur["in_shape"]))))
        np.add.at(m, (tgt, src), ws)
        return Stage("dense", m, b_full, **common)
    return Stage("sparse", ws, b_full, src=src.astype(np.int64), tgt=tgt.astype(np.int64),
                 **common)


# ----------------------------------------------------------------------------- files


def _scalar(arrays, key, path, kind):
    a = arrays[key]
    if a.ndim != 0:
        raise FormatError(f"{path}: {key!r} must be a scalar, got shape {a.shape}")
    if kind == "str":
        if a.dtype.kind not in "US":
            raise FormatError(f"{path}: {key!r} must be a string, got dtype {a.dtype}")
        return str(a.item().decode() if isinstance(a.item(), bytes) else a.item())
    if a.dtype.kind not in ("iu" if kind == "int" else "iuf"):
        raise FormatError(f"{path}: {key!r} must be {'an integer' if kind == 'int' else 'a number'}"
                          f", got dtype {a.dtype}")
    return int(a) if kind == "int" else float(a)


def _pair(arrays, key, path, default):
    if key not in arrays:
        return default
    a = np.asarray(arrays[key])
    if a.dtype.kind not in "iu" or a.size not in (1, 2):
        raise FormatError(f"{path}: {key!r} must be one or two integers, got {a!r}")
    return tuple(int(v) for v in np.broadcast_to(a.reshape(-1), (2,)))


def load_ann(path) -> ANN:
    """Read an ANN from a ``.npz`` file in the layout of the module docstring.

    Raises
    ------
    FormatError
        Missing or malformed keys; the message names the file and the key.
    ConversionError
        Layers that cannot be converted (max pooling, inconsistent shapes).
    """
    path = Path(path)
    if not path.exists():
        raise FormatError(f"{path}: no such file")
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except (OSError, ValueError) as exc:
        raise FormatError(f"{path}: not a readable .npz file ({exc})") from None
    fmt = arrays.get("format")
    if fmt is None or _scalar(arrays, "format", path, "str") != FORMAT:
        raise FormatError(f"{path}: key 'format' = {None if fmt is None else fmt.item()!r}, "
                          f"expected {FORMAT!r} (see neuroemu.convert.ann for the layout)")
    version = _scalar(arrays, "format_version", path, "int") if "format_version" in arrays else 0
    if version != FORMAT_VERSION:
        raise FormatError(f"{path}: format_version {version}, this neuroemu reads "
                          f"{FORMAT_VERSION}")
    for key in ("input_shape", "n_layers"):
        if key not in arrays:
            raise FormatError(f"{path}: missing key {key!r}")
    shape = arrays["input_shape"]
    if shape.dtype.kind not in "iu" or shape.ndim != 1 or np.any(shape < 1):
        raise FormatError(f"{path}: 'input_shape' must be positive integers, got {shape!r}")
    n_layers = _scalar(arrays, "n_layers", path, "int")
    layers = []
    for i in range(n_layers):
        pre = f"layer{i}."
        if pre + "kind" not in arrays:
            raise FormatError(f"{path}: missing key '{pre}kind' (n_layers = {n_layers})")
        kind = _scalar(arrays, pre + "kind", path, "str")
        if kind in REFUSED:
            raise ConversionError(f"{path}: layer {i} ({kind}): {REFUSED[kind]}")
        if kind not in KINDS:
            raise FormatError(f"{path}: '{pre}kind' = {kind!r}, expected one of {', '.join(KINDS)}")
        extra = {k[len(pre):] for k in arrays if k.startswith(pre)} - {"kind"} - _FIELDS[kind]
        if extra:
            raise FormatError(f"{path}: layer {i} ({kind}) has unexpected field(s) "
                              f"{sorted(extra)}; allowed: {sorted(_FIELDS[kind]) or 'none'}")

        def arr(name, required=True, pre=pre, i=i, kind=kind):
            key = pre + name
            if key not in arrays:
                if required:
                    raise FormatError(f"{path}: layer {i} ({kind}) is missing '{key}'")
                return None
            a = arrays[key]
            if a.dtype.kind not in "iuf" or not np.all(np.isfinite(a)):
                raise FormatError(f"{path}: '{key}' must hold finite numbers, got dtype {a.dtype}")
            return a.astype(np.float64)

        kw = {}
        if kind in ("dense", "conv2d"):
            kw["weight"] = arr("weight")
            kw["bias"] = arr("bias", required=False)
            ndim = 2 if kind == "dense" else 4
            if kw["weight"].ndim != ndim:
                raise FormatError(f"{path}: '{pre}weight' of a {kind} layer must have {ndim} axes, "
                                  f"got shape {kw['weight'].shape}")
            if kw["bias"] is not None and kw["bias"].shape != (kw["weight"].shape[0],):
                raise FormatError(f"{path}: '{pre}bias' has shape {kw['bias'].shape}, expected "
                                  f"({kw['weight'].shape[0]},)")
            if kind == "conv2d":
                kw["stride"] = _pair(arrays, pre + "stride", path, (1, 1))
                kw["padding"] = _pair(arrays, pre + "padding", path, (0, 0))
        elif kind == "batchnorm":
            for name in ("gamma", "beta", "mean", "var"):
                kw[name] = arr(name).reshape(-1)
            kw["eps"] = _scalar(arrays, pre + "eps", path, "float") if pre + "eps" in arrays \
                else 1e-5
        elif kind == "qcfs":
            kw["threshold"] = _scalar(arrays, pre + "threshold", path, "float")
            kw["levels"] = _scalar(arrays, pre + "levels", path, "int")
            if not kw["threshold"] > 0 or kw["levels"] < 1:
                raise FormatError(f"{path}: layer {i} (qcfs): threshold {kw['threshold']} and "
                                  f"levels {kw['levels']} found, expected λ > 0 and L >= 1")
        elif kind == "add":
            if pre + "source" not in arrays:
                raise FormatError(f"{path}: layer {i} (add) is missing '{pre}source'")
            kw["source"] = _scalar(arrays, pre + "source", path, "int")
            kw["weight"] = arr("weight", required=False)
            kw["bias"] = arr("bias", required=False)
            if kw["weight"] is None and ({"bias", "stride", "padding"} &
                                        {k[len(pre):] for k in arrays if k.startswith(pre)}):
                raise FormatError(f"{path}: layer {i} (add) has bias, stride or padding but no "
                                  f"'{pre}weight'; a projection shortcut needs its weight")
            if kw["weight"] is not None:
                if kw["weight"].ndim != 4:
                    raise FormatError(f"{path}: '{pre}weight' of an add layer (a projection "
                                      f"shortcut) must have 4 axes (C_out, C_in, kH, kW), got "
                                      f"shape {kw['weight'].shape}")
                if kw["bias"] is not None and kw["bias"].shape != (kw["weight"].shape[0],):
                    raise FormatError(f"{path}: '{pre}bias' has shape {kw['bias'].shape}, "
                                      f"expected ({kw['weight'].shape[0]},)")
                kw["stride"] = _pair(arrays, pre + "stride", path, (1, 1))
                kw["padding"] = _pair(arrays, pre + "padding", path, (0, 0))
        elif kind == "avgpool2d":
            if pre + "kernel" not in arrays:
                raise FormatError(f"{path}: layer {i} (avgpool2d) is missing '{pre}kernel'")
            kw["kernel"] = _pair(arrays, pre + "kernel", path, None)
            kw["stride"] = _pair(arrays, pre + "stride", path, kw["kernel"])
        layers.append(Layer(kind, **kw))
    extra_top = {k for k in arrays if not k.startswith("layer")} - {
        "format", "format_version", "name", "input_shape", "input_scale", "n_layers"}
    if extra_top:
        raise FormatError(f"{path}: unexpected key(s) {sorted(extra_top)}")
    stray = [k for k in arrays if k.startswith("layer")
             and not (k.split(".")[0][5:].isdigit() and int(k.split(".")[0][5:]) < n_layers)]
    if stray:
        raise FormatError(f"{path}: key(s) {sorted(stray)} do not belong to layers 0.."
                          f"{n_layers - 1} (n_layers = {n_layers})")
    name = _scalar(arrays, "name", path, "str") if "name" in arrays else path.stem
    scale = _scalar(arrays, "input_scale", path, "float") if "input_scale" in arrays else 1.0
    return ANN(tuple(int(s) for s in shape), tuple(layers), input_scale=scale, name=name)


def save_ann(path, ann: ANN) -> None:
    """Write ``ann`` in the ``.npz`` layout of the module docstring (atomically; missing
    folders are made)."""
    out = {"format": np.array(FORMAT), "format_version": np.array(FORMAT_VERSION),
           "name": np.array(ann.name), "input_shape": np.asarray(ann.input_shape, np.int64),
           "input_scale": np.array(float(ann.input_scale)), "n_layers": np.array(len(ann.layers))}
    for i, ly in enumerate(ann.layers):
        pre = f"layer{i}."
        out[pre + "kind"] = np.array(ly.kind)
        if ly.kind in ("dense", "conv2d"):
            out[pre + "weight"] = ly.weight
            if ly.bias is not None:
                out[pre + "bias"] = ly.bias
            if ly.kind == "conv2d":
                out[pre + "stride"] = np.asarray(ly.stride, np.int64)
                out[pre + "padding"] = np.asarray(ly.padding, np.int64)
        elif ly.kind == "batchnorm":
            for name in ("gamma", "beta", "mean", "var"):
                out[pre + name] = getattr(ly, name)
            out[pre + "eps"] = np.array(float(ly.eps))
        elif ly.kind == "qcfs":
            out[pre + "threshold"] = np.array(float(ly.threshold))
            out[pre + "levels"] = np.array(int(ly.levels))
        elif ly.kind == "add":
            out[pre + "source"] = np.array(int(ly.source))
            if ly.weight is not None:
                out[pre + "weight"] = ly.weight
                if ly.bias is not None:
                    out[pre + "bias"] = ly.bias
                out[pre + "stride"] = np.asarray(ly.stride, np.int64)
                out[pre + "padding"] = np.asarray(ly.padding, np.int64)
        elif ly.kind == "avgpool2d":
            out[pre + "kernel"] = np.asarray(ly.kernel, np.int64)
            out[pre + "stride"] = np.asarray(ly.stride, np.int64)
    from ..h5io import atomic_path

    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.savez_compressed(fh, **out)
