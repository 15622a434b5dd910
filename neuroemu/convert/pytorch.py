"""PyTorch models as :class:`~neuroemu.convert.ann.ANN` (torch is optional, imported here).

:func:`from_torch` reads an ``nn.Sequential`` layer by layer, and any other
``nn.Module`` by tracing its ``forward`` with ``torch.fx``: the traced graph
must be a chain of supported modules and functions, where an addition of the
chain's current value and an earlier activation (or the input) is an identity
shortcut (an ``add`` layer), as in a ResNet block::

    def forward(self, x):
        a = self.act1(self.conv1(x))
        return self.fc(self.flat(self.pool(self.act2(self.conv2(a) + a))))

A shortcut may also be a projection (ResNet's option B): a ``Conv2d`` of an
earlier activation (or the input), often 1x1 and strided, optionally followed
by a ``BatchNorm2d`` (folded into it), added to the chain's current value::

        return self.act2(self.bn2(self.conv2(a)) + self.bn_s(self.conv_s(x)))

(``self.shortcut(x)`` with ``shortcut = nn.Sequential(conv, bn)`` reads the same).

Recognised modules: ``Linear``, ``Conv2d`` (groups 1, dilation 1, zero
padding), ``BatchNorm1d/2d`` (eval statistics), ``ReLU``, ``AvgPool2d`` (no
padding), ``Flatten``; ``Dropout`` and ``Identity`` are skipped. A module with
a threshold attribute (``thresh``, ``up`` or ``threshold``) and an integer
``L`` (or ``levels``) is taken as a QCFS activation, as in the authors' code.
Functions: ``+`` / ``torch.add`` (shortcut), ``torch.relu`` / ``F.relu``,
``torch.flatten(x, 1)`` / ``x.flatten(1)``. ``MaxPool2d`` is refused (use
average pooling).

:func:`check_against` runs the module and the ANN on the same data and refuses
a conversion whose outputs differ, so an unsupported detail of ``forward`` (an
operation fx saw but neuroemu read differently) cannot pass silently.
"""

from __future__ import annotations

import operator

import numpy as np

from .ann import ANN, REFUSED, ConversionError, Layer

_THRESHOLDS = ("thresh", "up", "threshold")
_LEVELS = ("L", "levels")


def _torch():
    try:
        import torch
    except ImportError:  # pragma: no cover - exercised only without torch
        raise ConversionError("converting a PyTorch model needs torch, which is not installed; "
                              "save the weights in neuroemu's .npz layout instead") from None
    return torch


def is_torch_module(obj) -> bool:
    """Whether ``obj`` is a ``torch.nn.Module`` (False when torch is not even imported)."""
    import sys

    torch = sys.modules.get("torch")
    return torch is not None and isinstance(obj, torch.nn.Module)


def _is_qcfs(m) -> bool:
    return any(hasattr(m, a) for a in _THRESHOLDS) and any(hasattr(m, a) for a in _LEVELS)


def _arr(t):
    return None if t is None else t.detach().cpu().double().numpy()


def module_layer(m, where: str):
    """The :class:`Layer` of one module, or None for a module that does nothing at inference."""
    nn = _torch().nn
    if isinstance(m, nn.Linear):
        return Layer("dense", weight=_arr(m.weight), bias=_arr(m.bias))
    if isinstance(m, nn.Conv2d):
        if m.groups != 1 or tuple(m.dilation) != (1, 1) or m.padding_mode != "zeros" \
                or isinstance(m.padding, str):
            raise ConversionError(f"{where}: only groups=1, dilation=1 and numeric zero padding "
                                  "are supported")
        return Layer("conv2d", weight=_arr(m.weight), bias=_arr(m.bias),
                     stride=tuple(m.stride), padding=tuple(m.padding))
    if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
        c = m.num_features
        return Layer("batchnorm", gamma=_arr(m.weight) if m.affine else np.ones(c),
                     beta=_arr(m.bias) if m.affine else np.zeros(c),
                     mean=_arr(m.running_mean), var=_arr(m.running_var), eps=float(m.eps))
    if isinstance(m, nn.ReLU):
        return Layer("relu")
    if isinstance(m, nn.AvgPool2d):
        k = m.kernel_size if isinstance(m.kernel_size, tuple) else (m.kernel_size,) * 2
        s = m.stride if isinstance(m.stride, tuple) else (m.stride or k[0],) * 2
        if m.padding not in (0, (0, 0)):
            raise ConversionError(f"{where}: padded average pooling is not supported")
        return Layer("avgpool2d", kernel=tuple(k), stride=tuple(s))
    if isinstance(m, nn.MaxPool2d):
        raise ConversionError(f"{where}: {REFUSED['maxpool2d']}")
    if isinstance(m, nn.Flatten):
        return Layer("flatten")
    if isinstance(m, (nn.Dropout, nn.Identity)):
        return None
    if _is_qcfs(m):
        lam = next(getattr(m, a) for a in _THRESHOLDS if hasattr(m, a))
        lv = next(getattr(m, a) for a in _LEVELS if hasattr(m, a))
        lam = float(lam.detach().reshape(-1)[0]) if hasattr(lam, "detach") else float(lam)
        return Layer("qcfs", threshold=lam, levels=int(lv))
    raise ConversionError(f"{where}: not a supported module")


def _traced(module):
    """``module``'s fx graph, with QCFS-like modules kept whole (not traced into)."""
    fx = _torch().fx

    class Tracer(fx.Tracer):
        def is_leaf_module(self, m, qualname):
            return _is_qcfs(m) or super().is_leaf_module(m, qualname)

    try:
        graph = Tracer().trace(module)
    except Exception as exc:  # fx raises many kinds for untraceable code
        raise ConversionError(f"torch model {type(module).__name__}: its forward cannot be "
                              f"traced by torch.fx ({type(exc).__name__}: {exc}); write it as a "
                              "chain of modules") from None
    return fx.GraphModule(module, graph)


def _projection(node, modules):
    """``(source node, [conv node, bn node?])`` when ``node`` ends a conv(-batchnorm) branch
    used only by its successor, else None."""
    nn = _torch().nn

    def module(n, kind):
        if n.op == "call_module" and len(n.users) == 1 and len(n.args) == 1 and \
                isinstance(modules[n.target], kind):
            return n
        return None

    nodes = [node]
    if module(node, nn.BatchNorm2d) is not None:
        nodes.insert(0, node.args[0])
    conv = nodes[0]
    if not isinstance(conv, _torch().fx.Node) or module(conv, nn.Conv2d) is None:
        return None
    return conv.args[0], nodes


def _is_add(node) -> bool:
    torch = _torch()
    return (node.op == "call_function" and node.target in (operator.add, operator.iadd, torch.add)
            or node.op == "call_method" and node.target in ("add", "__add__"))


def _ancestors(node) -> set:
    seen, todo = set(), [node]
    while todo:
        for a in todo.pop().all_input_nodes:
            if a not in seen:
                seen.add(a)
                todo.append(a)
    return seen


def _shortcut_branches(gm) -> dict:
    """Projection shortcuts of ``gm``: add node -> (side node, source node, [conv, bn?]).

    A side of an addition is a projection shortcut when it is a conv(-batchnorm)
    branch whose source is an ancestor of the other side (the main path); when both
    sides qualify (one conv each), the second is taken as the shortcut.
    """
    torch = _torch()
    modules = dict(gm.named_modules())
    out = {}
    for node in gm.graph.nodes:
        args = [a for a in node.args if isinstance(a, torch.fx.Node)]
        if not _is_add(node) or len(args) != 2:
            continue
        for side, other in ((args[1], args[0]), (args[0], args[1])):
            proj = _projection(side, modules)
            if proj is not None and proj[0] in _ancestors(other):
                out[node] = (side,) + proj
                break
    return out


def _shortcut_layer(gm, branch, src: int, where: str) -> Layer:
    """The ``add`` layer of a projection shortcut, its batchnorm folded into the conv."""
    _, _, nodes = branch
    conv = module_layer(gm.get_submodule(nodes[0].target), where)
    w = conv.weight
    b = np.zeros(w.shape[0]) if conv.bias is None else conv.bias
    if len(nodes) == 2:
        bn = module_layer(gm.get_submodule(nodes[1].target), where)
        scale = bn.gamma / np.sqrt(bn.var + bn.eps)
        w = w * scale.reshape(-1, 1, 1, 1)
        b = (b - bn.mean) * scale + bn.beta
    return Layer("add", source=src, weight=w, bias=b, stride=conv.stride, padding=conv.padding)


def _graph_layers(module) -> list:
    torch = _torch()
    gm = _traced(module)
    branches = _shortcut_branches(gm)
    on_branch = {n for br in branches.values() for n in br[2]}
    layers, where_of = [], {}  # fx node -> index of the layer that produced it (-1: input)
    tip = None
    relus = {torch.relu, torch.nn.functional.relu}
    for node in gm.graph.nodes:
        where = f"torch model {type(module).__name__}, node {node.name!r} ({node.target})"
        if node.op == "get_attr" and not node.users:
            continue  # a parameter looked at while tracing, used by nothing
        if node.op == "placeholder":
            if tip is not None:
                raise ConversionError(f"{where}: only one input is supported")
            tip, where_of[node] = node, -1
            continue
        if node.op == "output":
            if node.args[0] is not tip:
                raise ConversionError(f"{where}: the output must be the chain's last value")
            break
        if node in on_branch:
            continue  # read with its addition
        args = [a for a in node.args if isinstance(a, torch.fx.Node)]
        if _is_add(node):
            if len(args) != 2 or tip not in args:
                raise ConversionError(f"{where}: an addition must add an earlier activation "
                                      "(or the input), or a convolution of one, to the "
                                      "chain's current value")
            other = args[1] if args[0] is tip else args[0]
            branch = branches.get(node)
            projected = branch is not None and branch[0] is other
            if projected:
                other = branch[1]
            src = where_of.get(other)
            if src is None or (src >= 0 and layers[src].kind not in ("relu", "qcfs")):
                raise ConversionError(f"{where}: the shortcut {other.name!r} is not an "
                                      "activation (relu/qcfs) or the input")
            layer = _shortcut_layer(gm, branch, src, where) if projected else \
                Layer("add", source=src)
        elif not args or args[0] is not tip or len(args) > 1:
            raise ConversionError(f"{where}: the graph must be a chain (each step takes the "
                                  "previous value); branches other than a shortcut addition "
                                  "are not supported")
        elif node.op == "call_module":
            layer = module_layer(gm.get_submodule(node.target), where)
        elif node.op == "call_function" and node.target in relus:
            layer = Layer("relu")
        elif (node.op == "call_function" and node.target is torch.flatten
              or node.op == "call_method" and node.target == "flatten"):
            start = node.args[1] if len(node.args) > 1 else node.kwargs.get("start_dim", 0)
            if start != 1:
                raise ConversionError(f"{where}: flatten must keep the batch axis "
                                      "(start_dim=1)")
            layer = Layer("flatten")
        else:
            raise ConversionError(f"{where}: not a supported operation")
        if layer is not None:
            layers.append(layer)
            where_of[node] = len(layers) - 1
        else:
            where_of[node] = where_of[tip]
        tip = node
    return layers


def from_torch(module, input_shape, input_scale: float = 1.0, name: str = "torch") -> ANN:
    """An :class:`ANN` from a PyTorch ``nn.Module`` (see the module docstring).

    Parameters
    ----------
    module : torch.nn.Module
        In eval mode (batchnorm uses its running statistics).
    input_shape : tuple of int
        One sample's shape, e.g. (1, 8, 8).
    input_scale : float
        The model's input per unit of the integer data the chip receives.
    """
    nn = _torch().nn
    if not isinstance(module, nn.Module):
        raise ConversionError(f"{type(module).__name__} is not a torch.nn.Module")
    if isinstance(module, nn.Sequential):
        layers = []
        for i, m in enumerate(module.children()):
            layer = module_layer(m, f"torch module {i} ({type(m).__name__})")
            if layer is not None:
                layers.append(layer)
    elif not list(module.children()):
        layer = module_layer(module, f"torch module ({type(module).__name__})")
        layers = [] if layer is None else [layer]
    else:
        layers = _graph_layers(module)
    return ANN(tuple(input_shape), tuple(layers), input_scale=input_scale, name=name)


def check_against(module, ann: ANN, data, rtol: float = 1e-4) -> float:
    """Run ``module`` and ``ann`` on integer ``data`` (N, n_in); refuse when they differ.

    Returns
    -------
    float
        The largest difference of the class scores, relative to their largest magnitude.
    """
    import copy

    torch = _torch()
    x = np.asarray(data, np.float64).reshape((-1,) + tuple(ann.input_shape)) * ann.input_scale
    ref = copy.deepcopy(module).double().eval()
    with torch.no_grad():
        want = ref(torch.from_numpy(x)).reshape(len(x), -1).numpy()
    got = ann.forward(x)
    scale = max(float(np.max(np.abs(want))), 1e-12)
    err = float(np.max(np.abs(got - want))) / scale if want.size else 0.0
    if not err <= rtol:
        raise ConversionError(f"torch model {type(module).__name__}: neuroemu's reading of it "
                              f"gives scores that differ by {err:.3g} (relative) from the "
                              "model's own on the calibration data; its forward does something "
                              "the converter does not see (see neuroemu.convert.pytorch)")
    return err
