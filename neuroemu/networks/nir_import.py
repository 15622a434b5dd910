"""Import NIR graphs (snnTorch, Norse, Sinabs, Lava, Rockpool, Spyx, SpiNNaker2) into the IR.

NIR describes a trained network as a graph of continuous-time nodes; neuroemu's
IR is populations of neurons joined by projections that carry the synapses. The
import maps one onto the other:

Structure
    Every neuron node (IF, LIF, CubaLIF, LI, CubaLI, I, Threshold) becomes a
    population, named after the node (bare numbers get readable names, see
    below); the Input node becomes the input population under its own name.
    The linear nodes between two neuron nodes (Affine, Linear, Scale, Conv1d,
    Conv2d, SumPool2d, AvgPool2d, Flatten, Delay, and the Input and Output
    nodes inside nested graphs) are *composed* into one projection
    from the source population to the target population: a spiking chip cannot
    pass a graded sum through a pass-through neuron, so the exact product of the
    linear maps is the only faithful mapping. The projection keeps a structured
    kind when the product is one: a lone Conv2d is a ``conv2d`` projection, a
    lone Affine/Linear (after Flatten) ``dense`` when at least half its weights
    are nonzero (else ``sparse``, a synapse per nonzero weight), a lone pooling node
    ``sumpool2d``, and SumPool2d/AvgPool2d followed by Conv2d a single
    ``conv2d`` (kernel ``(K - 1) * s_pool * dilation + k_pool``, stride
    ``s_conv * s_pool``, padding ``p_conv * s_pool + p_pool``) whenever that
    conv is equal to the product at every synapse; anything else is a ``dense``
    or ``sparse`` projection holding the product itself. Each composed
    candidate is checked synapse by synapse against the sparse product. Flatten
    is a reshape in C order, which is the identity on neuroemu's flat neuron
    numbering, so its ``start_dim`` (whose default assumes a batch dimension
    NIR shapes do not have) never changes the result. Recurrent edges are
    projections from a population to itself (or back to an earlier one).
    Nested graphs are flattened; their nodes are named ``graph.node``.

    A neuron node whose name is a bare number (digits, or digits joined by
    dots inside nested graphs: ``12``, ``3.1``; Sinabs and other exporters
    number their layers) gets a readable population name instead, a prefix
    and a number; every other name is kept. The prefix is that of the nearest
    Conv1d/Conv2d (``conv``), Affine/Linear (``fc``), SumPool2d/AvgPool2d
    (``pool``) or Scale (``scale``) node met walking back from the node
    towards the input, always through the first non-recurrent predecessor
    (one nearer the input than the node itself), up to the previous neuron
    node or the input; with none of them on the way it is the neuron type in
    lower case (``if``, ``lif``, ``cubalif``, ...). Each prefix is numbered
    from 1 in order of depth (edges on the shortest path from the Input node;
    nodes it does not reach last), ties in order of the old number, skipping
    numbers whose name another node already has. Sinabs' N-MNIST CNN (``0``
    Conv2d, ``1`` IF, ``2`` Conv2d, ``3`` IF, ``4`` SumPool2d, ``5`` Conv2d,
    ``6`` IF, ..., ``9`` Affine, ``10`` IF, ``11`` Affine, ``12`` IF) imports
    as populations ``input``, ``conv1``, ``conv2``, ``conv3``, ``fc1``,
    ``fc2``. Projections, notes and the readout use the population names
    (``conv1->conv2``); errors about the file name its nodes as the file
    does. The provenance keeps each population's node name, and the export
    writes the node back under it.

Bias
    The bias of an Affine/Conv node, carried through the linear nodes after
    it, is a constant input of the target neurons. With ``bias='neuron'`` (the
    default) it is delivered by a one-neuron population ``bias`` that fires on
    every tick, through a projection whose delay is the target's depth (its
    latency from the input), so the constant starts at the tick the target
    sees its first input, as in the framework. For LIF and IF targets the leak
    towards ``v_leak`` rides on the same projection. CubaLIF targets receive
    the bias in their current ``u`` (as in NIR, where it enters I); their
    ``v_leak`` term stays in the bias register. With ``bias='register'`` all
    constants go to the neurons' bias register instead (cheaper on chip; the
    constant then acts during the ``depth`` ticks before the first input, and a
    CubaLIF's current bias is replaced by its steady-state voltage bias
    ``b / decay_u``).

Time
    NIR stores continuous time in seconds and no time step; ``dt`` (seconds
    per tick) is required as soon as a node has a time constant or a delay.
    The discretisation (``discretization='euler'``, the default) is forward
    Euler, which is what snnTorch, Norse and Spyx do:

    * LIF ``tau dv/dt = (v_leak - v) + r I``:
      ``v += dt/tau * (v_leak - v + r I)``, so ``decay_v = dt/tau`` and the
      input weight is ``W * r * dt/tau``. Norse's LIF is exactly this;
      snnTorch exports ``r = tau/dt`` so that ``v = beta v + W x`` with
      ``beta = 1 - dt/tau``.
    * CubaLIF: ``I += dt/tau_syn (w_in S - I)`` then
      ``v += dt/tau_mem (v_leak - v + r I)`` with the new ``I``, so
      ``decay_u = dt/tau_syn``, ``decay_v = dt/tau_mem`` and the weight is
      ``W * w_in * dt/tau_syn * r * dt/tau_mem``. snnTorch exports
      ``r = tau_mem/dt`` and ``w_in = tau_syn/dt`` so that
      ``syn = alpha syn + W x; mem = beta mem + syn``. (Norse's CubaLIF feeds
      v with the current *before* this step's input, one step later.)
    * IF ``dv/dt = r I``: ``v += r * I`` once per step, without ``dt`` (Sinabs'
      IAF integrates its input once per step: ``v += x``).
    * ``discretization='exp'`` uses ``1 - exp(-dt/tau)`` for every decay and
      input factor (Rockpool, Sinabs' LIF with normalised input).

    Each projection adds one tick (neuroemu needs delay >= 1 on every
    projection): a population at depth ``D`` (``D`` projections from the
    input) fires at tick ``k + D`` what the framework fires at step ``k``.
    Delay nodes add ``round(delay / dt)`` ticks on top.

Firing and reset
    NIR neurons fire on ``v > v_threshold`` (``fire_on='>'``); ``fire_on='>='``
    imports frameworks that compare with ``>=``. A spike resets ``v`` to
    ``v_reset``; the IR resets to 0, so the membrane is taken relative to
    ``v_reset`` (threshold ``v_threshold - v_reset``, initial ``-v_reset``,
    leak target ``v_leak - v_reset``), which is exact. NIR cannot express reset
    by subtraction (snnTorch's default); ``reset='subtract'`` imports a network
    trained that way (``v_reset`` is then ignored).

    Threshold nodes become stateless LIF neurons (``decay_v = 1``). LI, CubaLI
    and I nodes do not fire; they become populations whose threshold is twice
    the largest membrane their inputs can drive them to (one spike per tick on
    every input), read out by their membrane (``last_membrane``). An LI's
    membrane cannot be sent to another node on a spiking chip, so an LI node
    with a successor is refused.

Errors name the file and the node: an unsupported node type, a node NIR
itself cannot read, inconsistent shapes between nodes, a missing ``dt``, a
decay outside [0, 1].

The network's ``meta`` keeps the source (``nir``, the writer's package
version, which is not a format version), ``dt``, the import notes and a
``nir_provenance`` record (node types, gauge parameters such as ``r`` and
``w_in``, and the linear nodes each projection was composed from) that
:mod:`.nir_export` uses to write the same NIR graph back.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import FormatError, NetworkError, NeuroemuError
from ..h5io import NEURON_BYTES, check_claim
from ..ir import Network, Population, Readout, conv_output_shape, neuron, projection, synapses

NEURON_TYPES = ("IF", "LIF", "CubaLIF", "LI", "CubaLI", "I", "Threshold")
LINEAR_TYPES = ("Affine", "Linear", "Scale", "Conv1d", "Conv2d", "SumPool2d", "AvgPool2d",
                "Flatten", "Delay")
SUPPORTED_TYPES = ("Input", "Output", "NIRGraph") + NEURON_TYPES + LINEAR_TYPES
NON_SPIKING = ("LI", "CubaLI", "I")
NUMBERED = re.compile(r"\d+(\.\d+)*")  # node names that get a readable population name
NAME_PREFIXES = {"Conv1d": "conv", "Conv2d": "conv", "Affine": "fc", "Linear": "fc",
                 "SumPool2d": "pool", "AvgPool2d": "pool", "Scale": "scale"}
DISCRETIZATIONS = ("euler", "exp")
BIAS_MODES = ("neuron", "register")


class NirImportError(FormatError):
    """A NIR graph cannot be imported (names the file and the node)."""


# --------------------------------------------------------------------------- reading


def _type_of(group) -> str:
    t = group["type"][()] if "type" in group else b"?"
    if isinstance(t, np.ndarray):
        t = t.reshape(-1)[0]
    return t.decode(errors="replace") if isinstance(t, bytes) else str(t)


#: how deep graphs may nest in a NIR file
MAX_DEPTH = 32


def _read_group(path, group, where: str):
    """Read one NIR node group (recursing into graphs) with node-naming errors."""
    import nir
    from nir.serialization import read_node

    kind = _type_of(group)
    if kind not in SUPPORTED_TYPES:
        raise NirImportError(
            f"{path}: node {where!r} has type {kind!r}, which neuroemu cannot import "
            f"(supported: {', '.join(SUPPORTED_TYPES)})")
    if kind == "NIRGraph":
        if "nodes" not in group or "edges" not in group:
            raise NirImportError(f"{path}: graph {where or '/'!r} has no 'nodes' or 'edges'")
        if where.count(".") >= MAX_DEPTH:
            raise NirImportError(f"{path}: graph {where!r} is nested more than {MAX_DEPTH} "
                                 "deep; expected a finite graph (the file is damaged or loops)")
        nodes = {name: _read_group(path, sub, f"{where}.{name}" if where else name)
                 for name, sub in group["nodes"].items()}
        raw = np.asarray(group["edges"][()])
        if raw.size % 2 or raw.dtype.kind not in "SUO":
            raise NirImportError(f"{path}: graph {where or '/'!r}: 'edges' is {raw.dtype} "
                                 f"{raw.shape}; expected (n, 2) node names")
        edges = []
        for pair in raw.reshape(-1, 2):
            a, b = (x.decode(errors="replace") if isinstance(x, bytes) else str(x)
                    for x in pair)
            edges.append((a, b))
        return nir.NIRGraph(nodes=nodes, edges=edges, type_check=False)
    try:
        with warnings.catch_warnings():  # nir's shape arithmetic on damaged values warns
            warnings.simplefilter("error", RuntimeWarning)
            return read_node(group)
    except (AssertionError, ValueError, KeyError, TypeError, IndexError, ArithmeticError,
            RuntimeWarning) as exc:
        raise NirImportError(
            f"{path}: node {where!r} ({kind}) is inconsistent or incomplete: "
            f"{exc or type(exc).__name__}") from None


def read_nir_graph(path):
    """Read a NIR file into a ``nir.NIRGraph`` (no type check) and the writer's version.

    Returns
    -------
    graph : nir.NIRGraph
    version : str
        The root ``version`` dataset: the writing package's version (NIR files
        carry no format version).
    """
    from ..h5io import open_h5

    with open_h5(path, "NIR") as f:
        if "node" not in f:
            raise NirImportError(f"{path}: not a NIR file (no 'node' group at the root)")
        version = f["version"][()] if "version" in f else b""
        version = version.decode(errors="replace") if isinstance(version, bytes) \
            else str(version)
        return _read_group(path, f["node"], ""), version


# --------------------------------------------------------------------------- flattening


@dataclass
class _Graph:
    nodes: dict  # full name -> nir node
    edges: list  # (src, dst) full names
    identity: set = field(default_factory=set)  # inner Input/Output nodes (pass-through)
    renamed: dict = field(default_factory=dict)  # readable population name -> NIR node name

    def preds(self, name):
        return [a for a, b in self.edges if b == name]

    def succs(self, name):
        return [b for a, b in self.edges if a == name]

    def nir_name(self, name: str) -> str:
        """The node's name in the NIR file (for errors about the file)."""
        return self.renamed.get(name, name)

    def population(self, name: str) -> str:
        """``population 'conv1' (NIR node '1')``, or ``population 'lif1'`` when not renamed."""
        if name in self.renamed:
            return f"population {name!r} (NIR node {self.renamed[name]!r})"
        return f"population {name!r}"


def _flatten_graph(graph, where: str) -> _Graph:
    import nir

    out = _Graph({}, [])
    ports: dict[str, tuple[list, list]] = {}

    def visit(g, prefix: str, top: bool):
        for name, node in g.nodes.items():
            full = prefix + name
            if isinstance(node, nir.NIRGraph):
                visit(node, full + ".", False)
                ins = [full + "." + k for k, n in node.nodes.items() if isinstance(n, nir.Input)]
                outs = [full + "." + k for k, n in node.nodes.items() if isinstance(n, nir.Output)]
                ports[full] = (ins, outs)
            else:
                out.nodes[full] = node
                if not top and isinstance(node, (nir.Input, nir.Output)):
                    out.identity.add(full)
        for a, b in g.edges:
            out.edges.append((resolve(prefix + a, 1), resolve(prefix + b, 0)))

    def resolve(name: str, role: int) -> str:
        # role 1: edge source (a graph's Output), role 0: edge target (a graph's Input)
        if name in out.nodes:
            return name
        if name in ports:
            lst = ports[name][role]
            if len(lst) != 1:
                what = "Output" if role else "Input"
                raise NirImportError(
                    f"{where}: an edge refers to graph node {name!r}, which has {len(lst)} "
                    f"{what} nodes; name one of them ({', '.join(lst) or 'none'})")
            return lst[0]
        return name  # checked below

    visit(graph, "", True)
    for a, b in out.edges:
        for end in (a, b):
            if end not in out.nodes:
                raise NirImportError(f"{where}: edge ({a!r}, {b!r}) refers to node {end!r}, "
                                     "which the graph does not have")
    if len(set(out.edges)) != len(out.edges):
        dup = next(e for e in out.edges if out.edges.count(e) > 1)
        raise NirImportError(f"{where}: edge {dup} appears twice")
    return out


def _hops(g: _Graph, start) -> dict:
    """Edges on the shortest path from ``start`` to each node it reaches."""
    hops = {start: 0} if start is not None else {}
    front = [start] if start is not None else []
    while front:
        nxt = []
        for a in front:
            for b in g.succs(a):
                if b not in hops:
                    hops[b] = hops[a] + 1
                    nxt.append(b)
        front = nxt
    return hops


def _readable_names(g: _Graph, input_name) -> dict:
    """``{node: population name}`` for the neuron nodes named by bare numbers (see the
    module docstring, Structure)."""
    numbered = [k for k, n in g.nodes.items()
                if type(n).__name__ in NEURON_TYPES and NUMBERED.fullmatch(k)]
    hops = _hops(g, input_name)

    def forward(name):  # the first predecessor nearer the input: not a recurrent edge
        depth = hops.get(name, math.inf)
        return next((p for p in g.preds(name) if hops.get(p, math.inf) < depth), None)

    def prefix(name):
        p = forward(name)
        while p is not None and p != input_name and type(g.nodes[p]).__name__ not in \
                NEURON_TYPES:
            kind = type(g.nodes[p]).__name__
            if kind in NAME_PREFIXES:
                return NAME_PREFIXES[kind]
            p = forward(p)
        return type(g.nodes[name]).__name__.lower()

    taken = set(g.nodes) - set(numbered)
    last: dict[str, int] = {}
    out = {}
    for old in sorted(numbered, key=lambda k: (hops.get(k, math.inf),
                                               tuple(int(x) for x in k.split(".")))):
        pre = prefix(old)
        k = last.get(pre, 0) + 1
        while f"{pre}{k}" in taken:
            k += 1
        last[pre] = k
        out[old] = f"{pre}{k}"
        taken.add(out[old])
    return out


def _renamed(g: _Graph, names: dict) -> _Graph:
    """The graph with nodes renamed by ``names`` (old -> new), remembering the old names."""
    def new(k):
        return names.get(k, k)

    return _Graph({new(k): n for k, n in g.nodes.items()}, [(new(a), new(b)) for a, b in g.edges],
                  {new(k) for k in g.identity}, {v: k for k, v in names.items()})


# --------------------------------------------------------------------------- linear nodes


def _pair(value, what: str, where: str) -> tuple[int, int]:
    a = np.asarray(value).reshape(-1)
    if a.size == 1:
        a = np.repeat(a, 2)
    if a.size != 2 or not np.all(a == np.round(a)):
        raise NirImportError(f"{where}: {what} {value!r} is not one or two whole numbers")
    return int(a[0]), int(a[1])


def _text(value):
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.ndarray) and value.dtype.kind in "SUO" and value.size == 1:
        v = value.reshape(-1)[0]
        return v.decode() if isinstance(v, bytes) else str(v)
    return value


@dataclass
class _Op:
    """One linear node with its shapes, as a map on flat (C-order) vectors."""

    name: str
    kind: str  # NIR type, or 'Identity'
    in_shape: tuple
    out_shape: tuple
    weight: np.ndarray | None = None
    bias: np.ndarray | None = None
    kernel: tuple = (1, 1)
    stride: tuple = (1, 1)
    padding: tuple = (0, 0)
    dilation: tuple = (1, 1)
    groups: int = 1
    delay_ticks: np.ndarray | None = None
    spec: dict = field(default_factory=dict)  # non-weight parameters, for the provenance

    @property
    def n_in(self) -> int:
        return int(np.prod(self.in_shape))

    @property
    def n_out(self) -> int:
        return int(np.prod(self.out_shape))

    def matrix(self):
        """The node as a sparse (n_out, n_in) float64 matrix."""
        from scipy import sparse

        if self.kind in ("Identity", "Flatten", "Delay"):
            return sparse.identity(self.n_in, format="csr", dtype=np.float64)
        if self.kind == "Scale":
            return sparse.diags(self.weight.reshape(-1).astype(np.float64), format="csr")
        if self.kind in ("Affine", "Linear"):
            return sparse.csr_matrix(self.weight.astype(np.float64))
        src_pop, tgt_pop, proj = self.as_projection()
        s, t, w = synapses(proj, src_pop, tgt_pop)
        return sparse.csr_matrix((w.astype(np.float64), (t, s)), shape=(self.n_out, self.n_in))

    def as_projection(self, weight_scale=1.0):
        """(source, target, projection) for conv and pooling nodes, on 3-D shapes."""
        src = Population("s", self.in_shape if len(self.in_shape) == 3 else
                         (self.in_shape[0], 1, self.in_shape[1]))
        tgt = Population("t", self.out_shape if len(self.out_shape) == 3 else
                         (self.out_shape[0], 1, self.out_shape[1]))
        if self.kind in ("Conv2d", "Conv1d"):
            w = self.weight if self.weight.ndim == 4 else self.weight[:, :, None, :]
            proj = projection("p", "s", "t", "conv2d", w.astype(np.float64) * weight_scale,
                              stride=self.stride, padding=self.padding, dilation=self.dilation,
                              groups=self.groups)
        else:
            k = 1.0 if self.kind == "SumPool2d" else 1.0 / (self.kernel[0] * self.kernel[1])
            proj = projection("p", "s", "t", "sumpool2d", np.float64(k * weight_scale),
                              kernel=self.kernel, stride=self.stride, padding=self.padding)
        return src, tgt, proj

    def bias_vector(self) -> np.ndarray | None:
        """The node's own bias over its flat output, or None."""
        if self.bias is None:
            return None
        b = np.asarray(self.bias, np.float64).reshape(-1)
        if self.kind in ("Conv2d", "Conv1d"):
            per = self.n_out // max(b.size, 1)
            return np.repeat(b, per)
        return b


def _conv_padding(padding, kernel, dilation, stride, where: str) -> tuple[int, int]:
    padding = _text(padding)
    if isinstance(padding, str):
        if padding == "valid":
            return 0, 0
        if padding == "same":
            total = [d * (k - 1) for k, d in zip(kernel, dilation)]
            if any(t % 2 for t in total) or any(s != 1 for s in stride):
                raise NirImportError(
                    f"{where}: padding 'same' with kernel {kernel}, dilation {dilation} and "
                    f"stride {stride} pads unevenly, which a conv2d projection cannot express")
            return total[0] // 2, total[1] // 2
        raise NirImportError(f"{where}: padding {padding!r} is not 'same', 'valid' or numbers")
    return _pair(padding, "padding", where)


def _make_op(name: str, node, in_shape: tuple, dt, where: str) -> _Op:
    """Build the op for linear node ``node`` receiving ``in_shape``; checks its shapes."""
    op = _build_op(name, node, in_shape, dt, where)
    op.spec["out_shape"] = [int(s) for s in op.out_shape]
    return op


def _build_op(name: str, node, in_shape: tuple, dt, where: str) -> _Op:
    kind = type(node).__name__
    here = f"{where}: node {name!r} ({kind})"
    n_in = int(np.prod(in_shape))
    if kind in ("Input", "Output"):
        return _Op(name, "Identity", in_shape, in_shape, spec={"type": kind})
    if kind == "Flatten":
        nd = len(in_shape)
        s, e = int(node.start_dim), int(node.end_dim)
        s, e = s + nd if s < 0 else s, e + nd if e < 0 else e
        if 0 <= s <= e < nd:
            out = tuple(in_shape[:s]) + (int(np.prod(in_shape[s:e + 1])),) + tuple(in_shape[e + 1:])
        else:
            out = (n_in,)
        return _Op(name, "Flatten", in_shape, out,
                   spec={"type": kind, "start_dim": int(node.start_dim),
                         "end_dim": int(node.end_dim)})
    if kind in ("Affine", "Linear"):
        w = np.asarray(node.weight)
        if w.ndim != 2:
            raise NirImportError(f"{here}: weight of shape {w.shape}; only 2-D (out, in) "
                                 "weights are supported")
        if w.shape[1] != n_in:
            raise NirImportError(f"{here}: weight {w.shape} takes {w.shape[1]} inputs but "
                                 f"receives shape {in_shape} ({n_in} values)")
        bias = np.asarray(node.bias).reshape(-1) if kind == "Affine" else None
        if bias is not None and bias.size not in (1, w.shape[0]):
            raise NirImportError(f"{here}: bias has {bias.size} values for {w.shape[0]} outputs")
        if bias is not None and bias.size == 1:
            bias = np.repeat(bias, w.shape[0])
        return _Op(name, kind, in_shape, (w.shape[0],), weight=w, bias=bias,
                   spec={"type": kind, "dtype": str(w.dtype), "in_shape": list(in_shape)})
    if kind == "Scale":
        s = np.asarray(node.scale)
        if s.size != n_in:
            raise NirImportError(f"{here}: scale has {s.size} values but receives {n_in}")
        return _Op(name, kind, in_shape, in_shape, weight=s.reshape(-1),
                   spec={"type": kind, "scale": s.reshape(-1).tolist(), "dtype": str(s.dtype),
                         "shape": list(s.shape)})
    if kind in ("Conv2d", "Conv1d"):
        w = np.asarray(node.weight)
        groups = int(np.asarray(node.groups).reshape(-1)[0])
        want_nd = 4 if kind == "Conv2d" else 3
        if w.ndim != want_nd:
            raise NirImportError(f"{here}: weight of shape {w.shape}, expected {want_nd}-D")
        if len(in_shape) != want_nd - 1:
            raise NirImportError(f"{here}: receives shape {in_shape}, expected "
                                 f"{'(C, H, W)' if kind == 'Conv2d' else '(C, N)'}")
        if in_shape[0] != w.shape[1] * groups or w.shape[0] % groups:
            raise NirImportError(f"{here}: weight {w.shape} with groups {groups} needs "
                                 f"{w.shape[1] * groups} input channels, receives {in_shape}")
        if kind == "Conv2d":
            kernel = (w.shape[2], w.shape[3])
            stride = _pair(node.stride, "stride", here)
            dilation = _pair(node.dilation, "dilation", here)
            padding = _conv_padding(node.padding, kernel, dilation, stride, here)
            spatial = in_shape[1:]
        else:
            kernel = (1, w.shape[2])
            stride = (1, _pair(node.stride, "stride", here)[0])
            dilation = (1, _pair(node.dilation, "dilation", here)[0])
            p = _conv_padding(node.padding, (kernel[1],) * 2, (dilation[1],) * 2,
                              (stride[1],) * 2, here)
            padding = (0, p[0])
            spatial = (1, in_shape[1])
        out = conv_output_shape((in_shape[0],) + tuple(spatial), w.shape[0], kernel, stride,
                                padding, dilation)
        if out[1] < 1 or out[2] < 1:
            raise NirImportError(f"{here}: kernel {kernel} does not fit input {in_shape}")
        out_shape = out if kind == "Conv2d" else (out[0], out[2])
        bias = np.asarray(node.bias).reshape(-1) if node.bias is not None else None
        if bias is not None and bias.size == 1:
            bias = np.repeat(bias, w.shape[0])
        if bias is not None and bias.size != w.shape[0]:
            raise NirImportError(f"{here}: bias has {bias.size} values for {w.shape[0]} "
                                 "output channels")
        spec = {"type": kind, "dtype": str(w.dtype), "stride": list(stride),
                "padding": list(padding), "dilation": list(dilation), "groups": groups,
                "in_shape": list(in_shape), "kernel": list(kernel)}
        return _Op(name, kind, in_shape, out_shape, weight=w, bias=bias, kernel=kernel,
                   stride=stride, padding=padding, dilation=dilation, groups=groups, spec=spec)
    if kind in ("SumPool2d", "AvgPool2d"):
        if len(in_shape) != 3:
            raise NirImportError(f"{here}: receives shape {in_shape}, expected (C, H, W)")
        kernel = _pair(node.kernel_size, "kernel_size", here)
        stride = _pair(node.stride, "stride", here)
        padding = _pair(node.padding, "padding", here)
        out = conv_output_shape(in_shape, in_shape[0], kernel, stride, padding, (1, 1))
        if out[1] < 1 or out[2] < 1:
            raise NirImportError(f"{here}: window {kernel} does not fit input {in_shape}")
        return _Op(name, kind, in_shape, out, kernel=kernel, stride=stride, padding=padding,
                   spec={"type": kind, "kernel_size": list(kernel), "stride": list(stride),
                         "padding": list(padding)})
    if kind == "Delay":
        d = np.asarray(node.delay, np.float64)
        if d.size != n_in:
            raise NirImportError(f"{here}: delay has {d.size} values but receives {n_in}")
        if dt is None:
            raise NirImportError(f"{here}: delays are in seconds; give dt (seconds per tick)")
        ticks = d.reshape(-1) / dt
        rounded = np.round(ticks)
        if np.any(np.abs(ticks - rounded) > 1e-6 * np.maximum(1, np.abs(ticks))) or np.any(
                rounded < 0):
            bad = d.reshape(-1)[np.argmax(np.abs(ticks - rounded))]
            raise NirImportError(f"{here}: delay {bad} s is not a whole number of ticks of "
                                 f"dt = {dt} s")
        return _Op(name, kind, in_shape, in_shape, delay_ticks=rounded.astype(np.int64),
                   spec={"type": kind, "delay": d.reshape(-1).tolist(), "dtype": str(d.dtype),
                         "shape": list(d.shape)})
    raise NirImportError(f"{here}: not a linear node")  # pragma: no cover


# --------------------------------------------------------------------------- neurons


def _arr(node, key: str, n: int, here: str) -> np.ndarray:
    a = getattr(node, key, None)
    if a is None:
        raise NirImportError(f"{here}: parameter {key!r} is missing")
    a = np.asarray(a, np.float64)
    if a.size == 1:
        a = np.full(n, float(a.reshape(-1)[0]))
    if a.size != n:
        raise NirImportError(f"{here}: parameter {key!r} has {a.size} values for {n} neurons")
    if not np.all(np.isfinite(a)):
        raise NirImportError(f"{here}: parameter {key!r} is not finite")
    return a.reshape(-1)


def _shape_of_neuron(node) -> tuple:
    kind = type(node).__name__
    key = {"IF": "v_threshold", "LIF": "v_threshold", "CubaLIF": "v_threshold", "LI": "tau",
           "CubaLI": "tau_mem", "I": "r", "Threshold": "threshold"}[kind]
    shape = np.asarray(getattr(node, key)).shape
    return tuple(int(s) for s in shape) if shape else (1,)


@dataclass
class _NeuronSpec:
    """How one neuron node maps onto an IR population."""

    kind: str
    shape: tuple
    model: str
    gain: np.ndarray  # weight factor per neuron (NIR input units -> IR units)
    kw: dict  # arguments for ir.neuron()
    v_drive: np.ndarray  # constant per-tick drive of v (leak towards v_leak), IR units
    decay_u: np.ndarray | None  # CUBA current decay (for the u-drive and the bound)
    decay_v: np.ndarray
    spiking: bool
    gauge: dict  # the NIR parameters the IR does not determine, for the provenance


def _decay(tau: np.ndarray, dt: float, how: str, here: str, key: str) -> np.ndarray:
    if np.any(tau <= 0):
        raise NirImportError(f"{here}: {key} = {tau[tau <= 0][0]} s; time constants must be > 0")
    lam = dt / tau if how == "euler" else -np.expm1(-dt / tau)
    if np.any(lam > 1):
        bad = tau[lam > 1][0]
        raise NirImportError(
            f"{here}: {key} = {bad} s is shorter than dt = {dt} s: forward Euler would "
            "overshoot (decay > 1); use a smaller dt or discretization='exp'")
    return lam


def _neuron_spec(name: str, node, dt, opts: dict, where: str) -> _NeuronSpec:
    kind = type(node).__name__
    here = f"{where}: node {name!r} ({kind})"
    shape = _shape_of_neuron(node)
    n = int(np.prod(shape))
    how = opts["discretization"]
    reset = opts["reset"] or "zero"
    if kind in ("LIF", "LI", "CubaLIF", "CubaLI") and dt is None:
        taus = [k for k in ("tau", "tau_mem", "tau_syn") if getattr(node, k, None) is not None]
        val = np.asarray(getattr(node, taus[0])).reshape(-1)[0]
        raise NirImportError(
            f"{here}: has time constants in seconds ({taus[0]} = {val:g}) but no time step "
            "was given; pass dt (seconds per tick, the command line's --dt), e.g. dt=1e-4")
    zeros = np.zeros(n)
    gauge: dict = {}
    decay_u = None
    decay_v = zeros
    spiking = kind not in NON_SPIKING
    if kind == "Threshold":
        thr = _arr(node, "threshold", n, here)
        if np.any(thr <= 0):
            raise NirImportError(f"{here}: threshold {thr[thr <= 0][0]} must be > 0 (neuroemu "
                                 "thresholds are positive)")
        return _NeuronSpec(kind, shape, "lif", np.ones(n),
                           {"threshold": thr, "decay_v": 1.0, "reset": "zero",
                                "fire_on": opts["fire_on"]},
                           zeros, None, np.ones(n), True, {})
    r = _arr(node, "r", n, here)
    gauge["r"] = r
    v_reset = zeros
    if spiking:
        v_th = _arr(node, "v_threshold", n, here)
        v_reset = _arr(node, "v_reset", n, here) if getattr(node, "v_reset", None) is not None \
            else zeros
        gauge["v_reset"] = v_reset
        shift = v_reset if reset == "zero" else zeros
        threshold = v_th - shift
        if np.any(threshold <= 0):
            i = int(np.argmax(threshold <= 0))
            raise NirImportError(f"{here}: v_threshold {v_th[i]} is not above v_reset "
                                 f"{v_reset[i]} (neuron {i})")
    else:
        shift = zeros
        threshold = None  # set from the inputs, see _never_threshold
    kw = {"reset": reset if spiking else "none", "fire_on": opts["fire_on"], "v_init": -shift}
    if kind in ("IF", "I"):
        model, gain, v_drive = "if", r, zeros
    elif kind in ("LIF", "LI"):
        tau = _arr(node, "tau", n, here)
        v_leak = _arr(node, "v_leak", n, here)
        gauge["v_leak"] = v_leak
        lam = _decay(tau, dt, how, here, "tau")
        model, gain, v_drive, decay_v = "lif", r * lam, lam * (v_leak - shift), lam
        kw["decay_v"] = lam
    else:  # CubaLIF, CubaLI
        tau_m = _arr(node, "tau_mem", n, here)
        tau_s = _arr(node, "tau_syn", n, here)
        v_leak = _arr(node, "v_leak", n, here)
        w_in = _arr(node, "w_in", n, here) if getattr(node, "w_in", None) is not None \
            else np.ones(n)
        gauge["v_leak"], gauge["w_in"] = v_leak, w_in
        lam_m = _decay(tau_m, dt, how, here, "tau_mem")
        lam_s = _decay(tau_s, dt, how, here, "tau_syn")
        model, gain, v_drive = "cuba", r * lam_m * w_in * lam_s, lam_m * (v_leak - shift)
        decay_v, decay_u = lam_m, lam_s
        kw["decay_v"], kw["decay_u"] = lam_m, lam_s
    if threshold is not None:
        kw["threshold"] = threshold
    return _NeuronSpec(kind, shape, model, gain, kw, v_drive, decay_u, np.asarray(decay_v),
                       spiking, gauge)


# --------------------------------------------------------------------------- composition


def _compress(a) -> dict:
    a = np.asarray(a)
    flat = a.reshape(-1)
    if flat.size and np.all(flat == flat[0]):
        return {"value": float(flat[0]), "shape": list(a.shape)}
    return {"values": flat.astype(np.float64).tolist(), "shape": list(a.shape)}


def _compose(ops: list[_Op]):
    """Terms ``[(extra_delay, matrix)]`` of a chain of ops, and its bias (or None).

    The matrix maps the chain's input to its output; Delay nodes split the chain
    into one term per distinct delay (masking the elements with that delay).
    """
    from scipy import sparse

    terms = [(0, None)]  # None stands for the identity on the chain's input
    bias = None
    for op in ops:
        if op.kind == "Delay":
            new = []
            for extra, m in terms:
                for d in np.unique(op.delay_ticks):
                    mask = sparse.diags((op.delay_ticks == d).astype(np.float64), format="csr")
                    new.append((extra + int(d), mask if m is None else mask @ m))
            terms = new
            continue
        if op.kind in ("Identity", "Flatten"):
            continue
        mat = op.matrix()
        terms = [(extra, mat if m is None else mat @ m) for extra, m in terms]
        if bias is not None:
            bias = mat @ bias
        own = op.bias_vector()
        if own is not None:
            bias = own if bias is None else bias + own
    grouped: dict[int, object] = {}
    for extra, m in terms:
        if m is None:
            n = ops[0].n_in if ops else 0
            m = sparse.identity(n, format="csr", dtype=np.float64)
        grouped[extra] = m if extra not in grouped else grouped[extra] + m
    return sorted(grouped.items()), bias


def _same(a, b) -> bool:
    """Two sparse matrices equal up to float rounding."""
    diff = abs(a - b)
    scale = max(abs(a).max() if a.nnz else 0.0, abs(b).max() if b.nnz else 0.0, 1e-300)
    return (diff.max() if diff.nnz else 0.0) <= 1e-9 * scale


def _structured(ops: list[_Op], matrix, gain: np.ndarray, src: Population, tgt: Population,
                name: str, delay: int):
    """A structured projection equal to ``diag(gain) @ matrix``, or None."""
    from scipy import sparse

    core = [op for op in ops if op.kind not in ("Identity", "Flatten", "Delay")]
    kinds = [op.kind for op in core]
    scaled = sparse.diags(gain) @ matrix
    cand = None
    three = len(src.shape) == 3 and len(tgt.shape) == 3
    if kinds in (["Affine"], ["Linear"]) and matrix.shape == (tgt.size, src.size):
        if not _mostly_nonzero(scaled):
            return None  # no synapse where the weight is 0 (see _generic)
        cand = projection(name, src.name, tgt.name, "dense", scaled.toarray(), delay=delay)
    elif kinds == ["Conv2d"] and three and tuple(src.shape) == core[0].in_shape \
            and tuple(tgt.shape) == core[0].out_shape:
        g = gain.reshape(tgt.shape)
        per_channel = g.reshape(g.shape[0], -1)
        if np.all(per_channel == per_channel[:, :1]):
            op = core[0]
            w = op.weight.astype(np.float64) * per_channel[:, 0][:, None, None, None]
            cand = projection(name, src.name, tgt.name, "conv2d", w, delay=delay,
                              stride=op.stride, padding=op.padding, dilation=op.dilation,
                              groups=op.groups)
    elif kinds in (["SumPool2d"], ["AvgPool2d"]) and three and np.all(gain == gain[0]) \
            and tuple(src.shape) == core[0].in_shape and tuple(tgt.shape) == core[0].out_shape:
        op = core[0]
        k = 1.0 if op.kind == "SumPool2d" else 1.0 / (op.kernel[0] * op.kernel[1])
        cand = projection(name, src.name, tgt.name, "sumpool2d", np.float64(k * gain[0]),
                          delay=delay, kernel=op.kernel, stride=op.stride, padding=op.padding)
    elif kinds in (["SumPool2d", "Conv2d"], ["AvgPool2d", "Conv2d"]) and three:
        pool, conv = core
        g = gain.reshape(tgt.shape).reshape(tgt.shape[0], -1)
        if np.all(g == g[:, :1]) and tuple(src.shape) == pool.in_shape:
            pk = 1.0 if pool.kind == "SumPool2d" else 1.0 / (pool.kernel[0] * pool.kernel[1])
            ksz = [(k - 1) * s * d + kp for k, s, d, kp in
                   zip(conv.kernel, pool.stride, conv.dilation, pool.kernel)]
            stride = tuple(sc * sp for sc, sp in zip(conv.stride, pool.stride))
            pad = tuple(pc * sp + pp for pc, sp, pp in zip(conv.padding, pool.stride,
                                                           pool.padding))
            w = np.zeros(conv.weight.shape[:2] + tuple(ksz))
            base = conv.weight.astype(np.float64) * pk * g[:, 0][:, None, None, None]
            for ky in range(conv.kernel[0]):
                for kx in range(conv.kernel[1]):
                    y0 = ky * conv.dilation[0] * pool.stride[0]
                    x0 = kx * conv.dilation[1] * pool.stride[1]
                    w[:, :, y0:y0 + pool.kernel[0], x0:x0 + pool.kernel[1]] += \
                        base[:, :, ky:ky + 1, kx:kx + 1]
            if conv_output_shape(src.shape, w.shape[0], tuple(ksz), stride, pad,
                                 (1, 1)) == tuple(tgt.shape):
                cand = projection(name, src.name, tgt.name, "conv2d", w, delay=delay,
                                  stride=stride, padding=pad, groups=conv.groups)
    if cand is None:
        return None
    s, t, w = synapses(cand, src, tgt)
    got = sparse.csr_matrix((w.astype(np.float64), (t, s)), shape=scaled.shape)
    return cand if _same(got, scaled) else None


def _mostly_nonzero(matrix) -> bool:
    """At least half the weights nonzero: a dense projection (a crossbar), else a sparse
    one with a synapse for each nonzero weight."""
    from scipy import sparse

    return sparse.csr_matrix(matrix).count_nonzero() * 2 >= matrix.shape[0] * matrix.shape[1]


def _generic(matrix, gain, src: Population, tgt: Population, name: str, delay: int):
    """A dense projection when at least half the weights are nonzero, else a sparse one
    with a synapse for each nonzero weight (a zero weight is no connection, and costs
    no synaptic operation)."""
    from scipy import sparse

    scaled = sparse.coo_matrix(sparse.diags(gain) @ matrix)
    if _mostly_nonzero(scaled):
        return projection(name, src.name, tgt.name, "dense", scaled.toarray(), delay=delay)
    keep = scaled.data != 0
    return projection(name, src.name, tgt.name, "sparse", scaled.data[keep],
                      src=scaled.col[keep].astype(np.int64), tgt=scaled.row[keep].astype(np.int64),
                      delay=delay)


# --------------------------------------------------------------------------- the import


def _bound_threshold(spec: _NeuronSpec, incoming: list, drive: np.ndarray) -> np.ndarray:
    """Twice the largest |v| a non-spiking population reaches with one spike per tick per input."""
    from scipy import sparse

    n = int(np.prod(spec.shape))
    total = np.zeros(n)
    for proj, src, tgt in incoming:
        s, t, w = synapses(proj, src, tgt)
        m = sparse.csr_matrix((np.abs(w.astype(np.float64)) * 2.0**proj.weight_exp, (t, s)),
                              shape=(tgt.size, src.size))
        total += np.asarray(m.sum(axis=1)).reshape(-1)
    lam_v = np.where(spec.decay_v > 0, spec.decay_v, 1e-3)
    if spec.decay_u is not None:
        total = total / np.where(spec.decay_u > 0, spec.decay_u, 1e-3)
    bound = (total + np.abs(drive)) / lam_v
    return np.maximum(2.0 * bound, 1e-9)


def _unique(name: str, taken: set) -> str:
    out, k = name, 1
    while out in taken:
        out, k = f"{name}_{k}", k + 1
    taken.add(out)
    return out


def from_nir(graph, dt: float | None = None, *, reset: str | None = None, fire_on: str = ">",
             discretization: str = "euler", bias: str = "neuron", readout: str | None = None,
             name: str = "nir", where: str = "NIR graph", version: str = "",
             notes: list | None = None) -> Network:
    """Import an in-memory ``nir.NIRGraph`` (see the module docstring for the mapping).

    Parameters
    ----------
    graph : nir.NIRGraph
    dt : float or None
        Seconds per tick; required when a node has a time constant or a delay.
    reset : {None, 'zero', 'subtract'}
        None follows NIR (reset to ``v_reset``); 'subtract' for networks trained
        with reset by subtraction.
    fire_on : {'>', '>='}
        NIR's neurons fire on ``v > v_threshold``.
    discretization : {'euler', 'exp'}
    bias : {'neuron', 'register'}
    readout : str or None
        Readout kind of the population feeding the Output node; default 'count'
        for spiking nodes, 'last_membrane' for LI/CubaLI/I.
    notes : list or None
        When given, the import's notes (what was composed, latencies, ...) are
        appended to it.
    """
    import nir

    if dt is not None:
        if not (isinstance(dt, (int, float, np.floating)) and math.isfinite(dt) and dt > 0):
            raise NirImportError(f"{where}: dt = {dt!r}; expected seconds per tick > 0")
        dt = float(dt)
    if reset not in (None, "zero", "subtract"):
        raise NeuroemuError(f"reset {reset!r} is not 'zero' or 'subtract'")
    if fire_on not in (">", ">="):
        raise NeuroemuError(f"fire_on {fire_on!r} is not '>' or '>='")
    if discretization not in DISCRETIZATIONS:
        raise NeuroemuError(f"discretization {discretization!r} is not one of "
                            f"{', '.join(DISCRETIZATIONS)}")
    if bias not in BIAS_MODES:
        raise NeuroemuError(f"bias {bias!r} is not one of {', '.join(BIAS_MODES)}")
    notes = [] if notes is None else notes
    opts = {"reset": reset, "fire_on": fire_on, "discretization": discretization}
    if not isinstance(graph, nir.NIRGraph):
        raise NirImportError(f"{where}: expected a NIR graph, got {type(graph).__name__}")
    g = _flatten_graph(graph, where)
    for nm, node in g.nodes.items():
        kind = type(node).__name__
        if kind not in SUPPORTED_TYPES:
            raise NirImportError(f"{where}: node {nm!r} has type {kind!r}, which neuroemu "
                                 f"cannot import (supported: {', '.join(SUPPORTED_TYPES)})")
    top_inputs = [k for k, n in g.nodes.items()
                  if isinstance(n, nir.Input) and k not in g.identity]
    top_outputs = [k for k, n in g.nodes.items()
                   if isinstance(n, nir.Output) and k not in g.identity]
    used_inputs = [k for k in top_inputs if g.succs(k)]
    if len(used_inputs) > 1:
        raise NirImportError(f"{where}: {len(used_inputs)} Input nodes are connected "
                             f"({', '.join(used_inputs)}); neuroemu networks have one input")
    input_name = used_inputs[0] if used_inputs else None
    # from here on neuron nodes go by their population names; g.nir_name gives the file's
    g = _renamed(g, _readable_names(g, input_name))
    is_neuron = {k: type(n).__name__ in NEURON_TYPES for k, n in g.nodes.items()}

    # shapes: neuron nodes and the input are known; linear nodes follow their predecessors
    shapes: dict[str, tuple] = {}
    specs: dict[str, _NeuronSpec] = {}
    for nm, node in g.nodes.items():
        if is_neuron[nm]:
            specs[nm] = _neuron_spec(g.nir_name(nm), node, dt, opts, where)
            shapes[nm] = specs[nm].shape
    if input_name is not None:
        shp = np.asarray(g.nodes[input_name].input_type["input"]).reshape(-1)
        shapes[input_name] = tuple(int(s) for s in shp)
    ops: dict[str, _Op] = {}
    pending = [k for k in g.nodes if k not in shapes and k not in top_outputs]
    for _ in range(len(pending) + 1):
        progress = False
        for nm in list(pending):
            known = [(p, shapes[p]) for p in g.preds(nm) if p in shapes]
            if not known:
                continue
            (p0, shp), rest = known[0], known[1:]
            for p, other in rest:
                if tuple(other) != tuple(shp):
                    raise NirImportError(
                        f"{where}: node {nm!r} ({type(g.nodes[nm]).__name__}) receives shape "
                        f"{tuple(shp)} from {g.nir_name(p0)!r} and {tuple(other)} from "
                        f"{g.nir_name(p)!r}")
            ops[nm] = _make_op(nm, g.nodes[nm], tuple(shp), dt, where)
            shapes[nm] = ops[nm].out_shape
            pending.remove(nm)
            progress = True
        if not progress:
            break
    for nm in pending:
        if g.succs(nm) or g.preds(nm):
            raise NirImportError(f"{where}: node {nm!r} ({type(g.nodes[nm]).__name__}) is not "
                                 "reached from the Input node, so its shape is unknown")
    # neuron inputs must match their size
    for nm in specs:
        for p in g.preds(nm):
            if p in shapes and int(np.prod(shapes[p])) != int(np.prod(shapes[nm])):
                raise NirImportError(
                    f"{where}: node {g.nir_name(nm)!r} ({specs[nm].kind}) has "
                    f"{int(np.prod(shapes[nm]))} neurons but node {g.nir_name(p)!r} sends it "
                    f"shape {tuple(shapes[p])}")
        if specs[nm].kind in NON_SPIKING:
            for s in g.succs(nm):
                if not (isinstance(g.nodes[s], nir.Output) and s not in g.identity):
                    raise NirImportError(
                        f"{where}: node {g.nir_name(nm)!r} ({specs[nm].kind}) feeds node "
                        f"{g.nir_name(s)!r}; its output "
                        "is a membrane value, which a spiking chip cannot send (LI, CubaLI and "
                        "I nodes can only be read out)")
        if not g.preds(nm) and not np.any(specs[nm].v_drive):
            notes.append(f"{g.population(nm)} has no input and no leak drive: it never "
                         "fires")

    # paths: from each neuron node back through linear nodes to a neuron node or the input
    def walk(node: str, chain: list, seen: tuple):
        if node == input_name or is_neuron.get(node):
            yield node, list(reversed(chain))
            return
        if node in top_outputs:
            raise NirImportError(f"{where}: Output node {node!r} has successors")
        if node not in ops:
            raise NirImportError(f"{where}: node {node!r} ({type(g.nodes[node]).__name__}) "
                                 "is not reached from the Input node")
        if node in seen:
            raise NirImportError(f"{where}: a loop through linear nodes only "
                                 f"({' -> '.join(seen + (node,))}); a recurrent loop must pass "
                                 "through a neuron node")
        preds = g.preds(node)
        if not preds:
            raise NirImportError(f"{where}: node {node!r} ({type(g.nodes[node]).__name__}) "
                                 "has no input")
        for p in preds:
            yield from walk(p, chain + [ops[node]], seen + (node,))

    pops = {}
    if input_name is not None:
        check_claim(where, f"node {g.nir_name(input_name)!r} (Input)",
                    math.prod(shapes[input_name]), NEURON_BYTES, "the input", "channels")
        pops[input_name] = Population(input_name, shapes[input_name])
    pop_order = ([input_name] if input_name else []) + [k for k in g.nodes if k in specs]
    for nm in specs:
        pops[nm] = Population(nm, specs[nm].shape)  # neuron set below

    taken_proj: set = set()
    raw_projs = []  # (projection, source population, target name)
    drives_u = {nm: np.zeros(int(np.prod(specs[nm].shape))) for nm in specs}
    drives_v = {nm: specs[nm].v_drive.copy() for nm in specs}
    path_info = {}
    for tgt in specs:
        spec = specs[tgt]
        for p in g.preds(tgt):
            for src, chain in walk(p, [], ()):
                src_pop, tgt_pop = pops[src], pops[tgt]
                base = f"{src}->{tgt}"
                if any(op.kind not in ("Identity",) for op in chain):
                    via = ",".join(op.name for op in chain if op.kind != "Identity")
                    if base in taken_proj:
                        base = f"{base} via {via}"
                terms, bvec = (_compose(chain) if chain else
                               ([(0, _identity(src_pop.size))], None))
                if chain and terms and terms[0][1].shape != (tgt_pop.size, src_pop.size):
                    raise NirImportError(
                        f"{where}: the nodes from {g.nir_name(src)!r} to {g.nir_name(tgt)!r} "
                        f"map {src_pop.size} values to {terms[0][1].shape[0]}, but "
                        f"{g.nir_name(tgt)!r} has {tgt_pop.size} neurons")
                for extra, mat in terms:
                    pname = _unique(base if len(terms) == 1 else f"{base} d{1 + extra}",
                                    taken_proj)
                    proj = _structured(chain, mat, spec.gain, src_pop, tgt_pop, pname, 1 + extra)
                    if proj is None:
                        proj = _generic(mat, spec.gain, src_pop, tgt_pop, pname, 1 + extra)
                        core = [op.kind for op in chain if op.kind not in ("Identity", "Flatten")]
                        if len(core) > 1:
                            notes.append(f"projection {pname!r}: {' -> '.join(core)} composed "
                                         f"into one {proj.kind} projection")
                    elif len([op for op in chain if op.kind not in
                              ("Identity", "Flatten", "Delay")]) > 1:
                        path = " -> ".join(op.kind for op in chain if op.kind != "Identity")
                        notes.append(f"projection {pname!r}: {path} composed into one "
                                     f"{proj.kind} projection")
                    raw_projs.append((proj, src_pop, tgt))
                    path_info[pname] = {
                        "source": src, "target": tgt,
                        "path": [dict(op.spec, node=op.name, **(
                            {"bias": op.bias.astype(np.float64).tolist()}
                            if op.bias is not None and np.any(op.bias != 0) else {}))
                            for op in chain],
                        "bias_node": next((op.name for op in chain if op.bias is not None
                                           and np.any(op.bias != 0)), None),
                    }
                if bvec is not None and np.any(bvec != 0):
                    if spec.model == "cuba":
                        drives_u[tgt] = drives_u[tgt] + spec.gain * bvec
                    else:
                        drives_v[tgt] = drives_v[tgt] + spec.gain * bvec

    # depth of each population from the input (ticks), for the bias delays
    depth = _depths(pop_order, raw_projs, input_name)

    # constant drives: a bias neuron or the bias register
    bias_pop = None
    bias_projs = []
    register = {nm: np.zeros(int(np.prod(specs[nm].shape))) for nm in specs}
    for nm, spec in specs.items():
        dv, du = drives_v[nm], drives_u[nm]
        if bias == "register":
            register[nm] = dv + (du / spec.decay_u if spec.model == "cuba" else 0.0)
            if spec.model == "cuba" and np.any(du):
                notes.append(f"population {nm!r}: the current bias is replaced by its steady-"
                             "state voltage bias b / decay_u (bias='register')")
            if np.any(dv) or np.any(du):
                notes.append(f"population {nm!r}: its bias register acts from tick 0, "
                             f"{depth[nm]} tick(s) before its first input arrives")
            continue
        through = du if spec.model == "cuba" else dv
        if spec.model == "cuba":
            register[nm] = dv
            if np.any(dv):
                notes.append(f"population {nm!r}: v_leak drive stays in the bias register "
                             f"(acts from tick 0, {depth[nm]} tick(s) before its first input)")
        if np.any(through):
            if bias_pop is None:
                bias_pop = _unique("bias", set(pops) | set(taken_proj))
            pname = _unique(f"{bias_pop}->{nm}", taken_proj)
            bias_projs.append((projection(pname, bias_pop, nm, "dense",
                                          through.reshape(-1, 1), delay=max(1, depth[nm])),
                               None, nm))
    if bias_pop is not None:
        notes.append(f"population {bias_pop!r}: one neuron firing every tick delivers the "
                     "constant inputs (biases, leak) from each target's first input tick on")

    # build the populations (non-spiking ones need their inputs for the threshold)
    incoming = {nm: [] for nm in specs}
    for proj, src_pop, tgt in raw_projs:
        incoming[tgt].append((proj, src_pop, pops[tgt]))
    final_pops = {}
    if input_name is not None:
        final_pops[input_name] = pops[input_name]
    for nm, spec in specs.items():
        n = int(np.prod(spec.shape))
        kw = dict(spec.kw)
        if not spec.spiking:
            const = np.abs(drives_v[nm]) + (np.abs(drives_u[nm]) / spec.decay_u
                                            if spec.model == "cuba" else 0.0)
            kw["threshold"] = _bound_threshold(spec, incoming[nm], const)
        kw["bias"] = register[nm]
        try:
            nrn = neuron(spec.model, n, where=f"{where}: node {g.nir_name(nm)!r}", **kw)
        except NetworkError as exc:
            raise NirImportError(str(exc)) from None
        final_pops[nm] = Population(nm, spec.shape, nrn)
    rank = {k: i for i, k in enumerate(pop_order)}
    pop_order = sorted(pop_order, key=lambda k: (depth[k], rank[k]))
    populations = [final_pops[k] for k in pop_order]
    if bias_pop is not None:
        populations.append(Population(bias_pop, (1,), neuron("if", 1, threshold=1.0, bias=1.0,
                                                             fire_on=">=", where=bias_pop)))

    # readout
    ro = None
    out_name = None
    for o in top_outputs:
        preds = g.preds(o)
        if not preds:
            continue
        src = preds[0]
        while src in ops and ops[src].kind == "Identity" and len(g.preds(src)) == 1:
            src = g.preds(src)[0]
        if src not in specs:
            kind = type(g.nodes[src]).__name__
            raise NirImportError(
                f"{where}: Output node {o!r} receives the output of node {src!r} ({kind}), "
                "not of a neuron node; neuroemu reads out populations of neurons")
        if ro is None:
            kind = readout or ("count" if specs[src].spiking else "last_membrane")
            ro = Readout(src, kind)
            out_name = o
        else:
            notes.append(f"Output node {o!r} is not read out (only {out_name!r} is)")

    depth_max = max(depth.values(), default=0)
    notes.append(f"each projection adds one tick: the network's output lags the framework's "
                 f"by {depth_max} tick(s)" + (f" (readout {ro.population!r} at depth "
                                              f"{depth[ro.population]})" if ro else ""))
    prov = {
        "format": "nir", "writer_version": version, "dt": dt, "discretization": discretization,
        "reset": reset or "zero", "fire_on": fire_on, "bias": bias,
        "bias_population": bias_pop,
        "input": {"node": input_name},
        "output": {"node": out_name},
        "populations": {nm: {"node": g.nir_name(nm), "type": spec.kind,
                             "dtype": _dtype_of(g.nodes[nm]),
                             "params": {k: _compress(v) for k, v in spec.gauge.items()}}
                        for nm, spec in specs.items()},
        "projections": path_info,
    }
    meta = {"source": "nir", "nir_writer_version": version,
            "dt": "" if dt is None else repr(dt), "import_notes": json.dumps(notes),
            "nir_provenance": json.dumps(prov)}
    try:
        return Network(name=name, populations=tuple(populations),
                       projections=tuple(p for p, _, _ in sorted(
                           raw_projs, key=lambda x: (depth[x[2]], rank[x[2]])) + bias_projs),
                       input=input_name, readout=ro, meta=tuple(sorted(meta.items())))
    except NetworkError as exc:
        raise NirImportError(f"{where}: {exc}") from None


def _dtype_of(node) -> str:
    for key in ("v_threshold", "tau", "tau_mem", "r", "threshold"):
        a = getattr(node, key, None)
        if a is not None:
            return str(np.asarray(a).dtype)
    return "float64"


def _identity(n: int):
    from scipy import sparse

    return sparse.identity(n, format="csr", dtype=np.float64)


def _depths(order: list, raw_projs: list, input_name) -> dict:
    """Shortest latency in ticks from the input to each population (1 if unreachable)."""
    import networkx as nx

    g = nx.DiGraph()
    g.add_nodes_from(order)
    for proj, src_pop, tgt in raw_projs:
        d = proj.delay
        if g.has_edge(src_pop.name, tgt):
            d = min(d, g[src_pop.name][tgt]["weight"])
        g.add_edge(src_pop.name, tgt, weight=d)
    dist = nx.single_source_dijkstra_path_length(g, input_name) if input_name else {}
    return {k: int(dist.get(k, 1)) if k != input_name else 0 for k in order}


def read_nir(path, dt: float | None = None, **options) -> Network:
    """Read a NIR file into a :class:`~neuroemu.ir.Network`.

    Parameters
    ----------
    path : path-like
    dt : float or None
        Seconds per tick (NIR stores continuous time and no step); required
        when a node has a time constant or a delay.
    **options
        ``reset``, ``fire_on``, ``discretization``, ``bias``, ``readout``,
        ``notes`` (see :func:`from_nir`).
    """
    graph, version = read_nir_graph(path)
    return from_nir(graph, dt, name=Path(path).stem, where=str(path), version=version, **options)


def import_notes(net: Network) -> list[str]:
    """The notes an import left in ``net.meta`` (empty for other networks)."""
    meta = dict(net.meta)
    try:
        return list(json.loads(meta.get("import_notes", "[]")))
    except ValueError:
        return []
