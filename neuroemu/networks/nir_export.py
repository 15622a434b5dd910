"""Export a neuroemu network back to NIR (HDF5), the inverse of :mod:`.nir_import`.

Every neuron population becomes a neuron node named after it (or after the
NIR node it was imported from, when the import renamed it: ``conv1`` is
written back as ``1``), the input population an Input node, the readout
population feeds an Output node, and every projection a chain of linear
nodes. The IR fixes the computation but not NIR's parametrisation (``r`` and
the weights, ``v_leak`` and an Affine bias trade off against each other), so:

* a network imported from NIR carries a ``nir_provenance`` record in its
  ``meta`` (node types, ``r``, ``w_in``, ``v_leak``, ``v_reset``, dtypes, the
  linear nodes each projection was composed from, their biases). The export
  takes the parametrisation from it and recovers the original nodes: weights
  are the IR weights divided by the target's input factor (``r dt/tau``,
  ...); a projection composed from pooling then a Conv2d/Affine is split back
  into its nodes (the pooling matrix ``P`` is known, the weighted node is
  ``M P^T (P P^T)^-1``) and kept only if recomposing gives the IR's matrix
  again. NIR -> net.h5 -> NIR therefore gives back every parameter (up to
  float rounding of the divisions, then cast to the file's dtype);
* any other network gets a canonical form: IF for 'if', LIF for 'lif'
  (``tau = dt / decay_v``, ``r = 1 / decay_v`` so the weights are the IR's),
  CubaLIF for 'cuba' (``r = tau_mem/dt``, ``w_in = tau_syn/dt``, as snnTorch
  writes), Affine/Linear for dense and sparse projections (after a Flatten for
  a multi-dimensional source), Conv2d, SumPool2d (with a Scale when the weight
  is not 1), and a Delay node for every tick of delay beyond the first.

Discretisation is the import's (``euler`` unless the provenance says ``exp``)
with the given ``dt``. What NIR cannot express is refused with an error naming
the population and field (``lossy=True`` drops it with a warning instead):
reset by subtraction, firing on ``>=``, refractory periods, signed spikes,
spike-count caps, membrane floors, the KLIF scale, periodic resets. A
population imported with ``reset='subtract'`` or ``fire_on='>='`` is written
back as the NIR node it came from (the option was the importer's).
"""

from __future__ import annotations

import json
import math
import warnings

import numpy as np

from ..errors import NeuroemuError
from ..h5io import atomic_path
from ..ir import Network, synapses


class NirExportError(NeuroemuError):
    """A network cannot be written as NIR (names the population or projection)."""


# --------------------------------------------------------------------------- helpers


def _expand(c, shape) -> np.ndarray:
    """A compressed provenance array back to its values."""
    if c is None:
        return None
    if "value" in c:
        return np.full(int(np.prod(c["shape"])) if c["shape"] else 1, c["value"])
    return np.asarray(c["values"], np.float64)


def _matrix(net: Network, proj):
    """The projection as a sparse (n_target, n_source) float64 matrix, exponent applied."""
    from scipy import sparse

    src, tgt = net.population(proj.source), net.population(proj.target)
    s, t, w = synapses(proj, src, tgt)
    return sparse.csr_matrix((w.astype(np.float64) * 2.0**proj.weight_exp, (t, s)),
                             shape=(tgt.size, src.size))


def _same(a, b, rtol: float = 1e-9) -> bool:
    diff = abs(a - b)
    scale = max(abs(a).max() if a.nnz else 0.0, abs(b).max() if b.nnz else 0.0, 1e-300)
    return (diff.max() if diff.nnz else 0.0) <= rtol * scale


def _uniform(a) -> bool:
    a = np.asarray(a).reshape(-1)
    return a.size == 0 or bool(np.all(a == a[0]))


class _Writer:
    """Builds the NIR nodes and edges of one network."""

    def __init__(self, net: Network, dt, lossy: bool, notes: list):
        self.net = net
        self.lossy = lossy
        self.notes = notes
        meta = dict(net.meta)
        try:
            self.prov = json.loads(meta.get("nir_provenance", "")) if meta.get(
                "nir_provenance") else {}
        except ValueError:
            self.prov = {}
        if not isinstance(self.prov, dict):
            self.prov = {}
        self.dt = dt if dt is not None else self.prov.get("dt")
        self.how = self.prov.get("discretization", "euler")
        self.nodes: dict = {}
        self.edges: list = []
        self.bias_pop = self.prov.get("bias_population")
        if self.bias_pop and self.bias_pop not in {p.name for p in net.populations}:
            self.bias_pop = None

    def node_names(self) -> dict:
        """Population name -> NIR node name: the node it was imported from (the import
        renames bare-number nodes), else the population's own name."""
        prov = self.prov.get("populations", {})
        pops = [p.name for p in self.net.populations if p.name != self.bias_pop]
        out: dict = {}
        for name in pops:
            want = prov.get(name, {}).get("node", name)
            clash = want != name and (want in pops or want in out.values())
            out[name] = name if clash else want
        return out

    # ---------------------------------------------------------------- checks
    def refuse(self, where: str, what: str):
        msg = f"network {self.net.name!r}, {where}: {what}, which NIR cannot express"
        if not self.lossy:
            raise NirExportError(msg + " (export with lossy=True / --lossy to drop it)")
        warnings.warn(msg + "; dropped", stacklevel=3)
        self.notes.append(msg + "; dropped")

    def name(self, want: str) -> str:
        out, k = want, 1
        while out in self.nodes:
            out, k = f"{want}_{k}", k + 1
        return out

    def tau(self, lam: np.ndarray, where: str, key: str) -> np.ndarray:
        if self.dt is None:
            raise NirExportError(f"network {self.net.name!r}, {where}: a decay needs a time "
                                 "step to become a time constant; give dt (seconds per tick, "
                                 "--dt)")
        if np.any(lam <= 0):
            raise NirExportError(f"network {self.net.name!r}, {where}: {key} decay 0 has no "
                                 "time constant")
        if self.how == "exp":
            if np.any(lam >= 1):
                raise NirExportError(f"network {self.net.name!r}, {where}: {key} decay 1 has "
                                     "no exponential time constant")
            return -self.dt / np.log1p(-lam)
        return self.dt / lam

    # ---------------------------------------------------------------- populations
    def population_node(self, pop, drive_v, drive_u):
        """(node, gain, v-drive share of an Affine bias) for a neuron population."""
        import nir

        nrn = pop.neuron
        where = f"population {pop.name!r}"
        prov = self.prov.get("populations", {}).get(pop.name, {})
        kind = prov.get("type")
        params = {k: _expand(v, pop.shape) for k, v in prov.get("params", {}).items()}
        dtype = np.dtype(prov.get("dtype", "float64"))
        shape = pop.shape
        n = pop.size
        imported_reset = self.prov.get("reset", "zero") if prov else "zero"
        imported_fire = self.prov.get("fire_on", ">") if prov else ">"
        if nrn.fire_on != imported_fire:
            self.refuse(where, f"fire_on {nrn.fire_on!r} (NIR fires on '>')")
        if nrn.reset != imported_reset and kind not in ("LI", "CubaLI", "I"):
            self.refuse(where, f"reset {nrn.reset!r}")
        for field, bad in (("refractory", nrn.refractory != 0), ("signed spikes", nrn.signed),
                           ("max_count", nrn.max_count != 0),
                           ("v_min", nrn.v_min is not None),
                           ("scale_k (KLIF)", np.any(nrn.scale_k != 1)),
                           ("reset_interval", nrn.reset_interval != 0)):
            if bad:
                self.refuse(where, field)
        if nrn.reset == "subtract":
            shift = np.zeros(n)
            v_reset = params.get("v_reset", np.zeros(n))
            if np.any(nrn.v_init != 0):
                self.refuse(where, "an initial membrane with reset by subtraction")
        else:
            shift = -nrn.v_init.astype(np.float64)
            v_reset = shift
        v_th = nrn.threshold.astype(np.float64) + (shift if nrn.reset != "subtract" else 0.0)

        def arr(a):
            return np.asarray(np.broadcast_to(a, (n,)), np.float64).reshape(shape).astype(dtype)

        if kind == "Threshold":
            gain = np.ones(n)
            return nir.Threshold(threshold=arr(nrn.threshold)), gain, drive_v
        if nrn.model == "if" or (nrn.model == "lif" and np.all(nrn.decay_v == 0)):
            r = params.get("r", np.ones(n))
            gain = r
            if kind == "I":
                return nir.I(r=arr(r)), gain, drive_v
            return (nir.IF(r=arr(r), v_threshold=arr(v_th), v_reset=arr(v_reset)), gain,
                    drive_v)
        if nrn.model in ("lif", "klif"):
            lam = nrn.decay_v.astype(np.float64)
            tau = self.tau(lam, where, "v")
            r = params.get("r", 1.0 / lam)
            gain = r * lam
            v_leak = params.get("v_leak")
            if v_leak is None:
                v_leak = drive_v / lam + shift
                rest = np.zeros(n)
            else:
                rest = drive_v - lam * (v_leak - shift)
            if kind == "LI":
                return nir.LI(tau=arr(tau), r=arr(r), v_leak=arr(v_leak)), gain, rest
            return (nir.LIF(tau=arr(tau), r=arr(r), v_leak=arr(v_leak), v_threshold=arr(v_th),
                            v_reset=arr(v_reset)), gain, rest)
        # cuba
        lam_m = nrn.decay_v.astype(np.float64)
        lam_s = nrn.decay_u.astype(np.float64)
        tau_m = self.tau(lam_m, where, "v")
        tau_s = self.tau(lam_s, where, "u")
        r = params.get("r", 1.0 / lam_m)
        w_in = params.get("w_in", 1.0 / lam_s)
        gain = r * lam_m * w_in * lam_s
        v_leak = params.get("v_leak")
        register_mode = self.prov.get("bias") == "register"
        if v_leak is None:
            v_leak = drive_v / lam_m + shift
            rest_u = drive_u.copy()
        elif register_mode:
            rest_u = (drive_v - lam_m * (v_leak - shift)) * lam_s + drive_u
        else:
            rest_u = drive_u + (drive_v - lam_m * (v_leak - shift)) * lam_s
        if kind == "CubaLI":
            node = nir.CubaLI(tau_syn=arr(tau_s), tau_mem=arr(tau_m), r=arr(r),
                              v_leak=arr(v_leak), w_in=arr(w_in))
        else:
            node = nir.CubaLIF(tau_syn=arr(tau_s), tau_mem=arr(tau_m), r=arr(r),
                               v_leak=arr(v_leak), v_threshold=arr(v_th), v_reset=arr(v_reset),
                               w_in=arr(w_in))
        return node, gain, rest_u

    # ---------------------------------------------------------------- projections
    def chain_from_provenance(self, proj, wmat, info, src_shape, tgt_shape,
                              direct_ok: bool = True):
        """``([(name, node)], out_shape)`` rebuilding the imported nodes, or None.

        A direct edge in the file (no linear node) stays an empty chain while the weights
        are the identity, the delay one tick and (``direct_ok``) no bias needs a node on it.

        The path is ``post @ weighted @ pre`` with known non-weighted parts ``Q`` (after)
        and ``P`` (before); the weighted node is ``Q+ M P+`` (pseudo-inverses, taken only
        when ``Q^T Q`` and ``P P^T`` are diagonal), kept when recomposing gives ``M``.
        """
        import nir
        from scipy import sparse

        from .nir_import import _make_op

        # nested-graph ports (Input/Output inside a graph) are pass-through: the graph is
        # written flat, with the inner nodes under their dotted names
        specs = [s for s in info.get("path", []) if s["type"] not in ("Input", "Output")]
        if not specs:
            n = wmat.shape[1]
            if direct_ok and proj.delay == 1 and wmat.shape[0] == n and _same(
                    wmat, sparse.identity(n, format="csr")):
                return [], tuple(src_shape)
            return None
        weighted = [i for i, s in enumerate(specs) if s["type"] in ("Affine", "Linear",
                                                                     "Conv2d", "Conv1d")]
        if len(weighted) > 1:
            return None
        delays = [s for s in specs if s["type"] == "Delay"]
        if delays and self.dt is None:
            return None
        extra = sum(int(round(float(np.max(s["delay"])) / self.dt)) for s in delays)
        if extra != proj.delay - 1 or any(not _uniform(s["delay"]) for s in delays):
            return None

        def run(part, shape):
            """Nodes and matrix of non-weighted specs starting from ``shape``."""
            nodes, mat = [], sparse.identity(int(np.prod(shape)), format="csr")
            for s in part:
                node = _node_from_spec(s, shape)
                if node is None:
                    return None
                op = _make_op(s["node"], node, tuple(shape), self.dt, "export")
                if op.kind != "Delay":
                    mat = op.matrix() @ mat
                shape = op.out_shape
                nodes.append((s["node"], node))
            return nodes, mat, tuple(shape)

        if not weighted:
            got = run(specs, tuple(src_shape))
            if got is None or not _same(got[1], wmat):
                return None
            return got[0], got[2]
        k = weighted[0]
        ws = specs[k]
        pre = run(specs[:k], tuple(src_shape))
        post = run(specs[k + 1:], tuple(ws.get("out_shape", ())))
        if pre is None or post is None or "out_shape" not in ws:
            return None
        (pre_nodes, p_mat, mid_shape), (post_nodes, q_mat, out_shape) = pre, post
        if int(np.prod(out_shape)) != wmat.shape[0]:
            return None

        def pinv_diag(g):
            g = g.tocsr()
            d = g.diagonal()
            if abs(g - sparse.diags(d)).max() > 0:
                return None
            return sparse.diags(np.where(d != 0, 1.0 / np.where(d != 0, d, 1), 0.0))

        p_inv, q_inv = pinv_diag(p_mat @ p_mat.T), pinv_diag(q_mat.T @ q_mat)
        if p_inv is None or q_inv is None:
            return None
        a_mat = (q_inv @ q_mat.T @ wmat @ p_mat.T @ p_inv).tocsr()
        dtype = np.dtype(ws.get("dtype", "float64"))
        bias = np.asarray(ws["bias"], np.float64) if "bias" in ws else None
        if ws["type"] in ("Affine", "Linear"):
            weight = a_mat.toarray()
            op_mat = sparse.csr_matrix(weight)
            if len(mid_shape) > 1:  # NIR's Affine takes a vector: flatten (C order) first
                pre_nodes = pre_nodes + [(f"{ws['node']}_flatten", nir.Flatten(
                    input_type={"input": np.array(mid_shape)}, start_dim=0, end_dim=-1))]
            if ws["type"] == "Affine":
                b = bias if bias is not None else np.zeros(weight.shape[0])
                node = nir.Affine(weight=weight.astype(dtype), bias=b.astype(dtype))
            else:
                node = nir.Linear(weight=weight.astype(dtype))
        else:
            in_shape = tuple(ws["in_shape"])
            if tuple(mid_shape) != in_shape:
                return None
            w = _conv_kernel(a_mat, ws, in_shape, tuple(ws["out_shape"]))
            if ws["type"] == "Conv1d":
                w = w[:, :, 0, :]
            node_kw = dict(weight=w.astype(dtype),
                           bias=(bias if bias is not None else np.zeros(w.shape[0])).astype(dtype),
                           groups=int(ws["groups"]))
            if ws["type"] == "Conv2d":
                node = nir.Conv2d(input_shape=np.array(in_shape[1:]),
                                  stride=np.array(ws["stride"]), padding=np.array(ws["padding"]),
                                  dilation=np.array(ws["dilation"]), **node_kw)
            else:
                node = nir.Conv1d(input_shape=int(in_shape[1]), stride=int(ws["stride"][1]),
                                  padding=int(ws["padding"][1]),
                                  dilation=int(ws["dilation"][1]), **node_kw)
            op_mat = _make_op(ws["node"], node, in_shape, self.dt, "export").matrix()
        if not _same(q_mat @ op_mat @ p_mat, wmat, 1e-7):
            return None
        return pre_nodes + [(ws["node"], node)] + post_nodes, out_shape

    def chain_canonical(self, proj, wmat, src_shape, tgt_shape, gain, dense: bool = False):
        """``([(name, node)], out_shape)`` for a projection without (usable) provenance."""
        import nir

        base = f"{proj.source}_to_{proj.target}".replace(".", "_")
        out = []
        if proj.kind == "conv2d" and not dense and len(src_shape) == 3:
            g = gain.reshape(tgt_shape).reshape(tgt_shape[0], -1)
            if np.all(g == g[:, :1]):
                w = proj.weight.astype(np.float64) * 2.0**proj.weight_exp / g[:, 0][
                    :, None, None, None]
                out.append((base, nir.Conv2d(input_shape=np.array(src_shape[1:]), weight=w,
                                             stride=np.array(proj.stride),
                                             padding=np.array(proj.padding),
                                             dilation=np.array(proj.dilation),
                                             groups=int(proj.groups),
                                             bias=np.zeros(w.shape[0]))))
                return out, tuple(tgt_shape)
        if proj.kind == "sumpool2d" and not dense and len(src_shape) == 3:
            out.append((base, nir.SumPool2d(kernel_size=np.array(proj.kernel),
                                            stride=np.array(proj.stride),
                                            padding=np.array(proj.padding))))
            scale = float(proj.weight.reshape(()) * 2.0**proj.weight_exp) / gain
            if not np.all(scale == 1):
                out.append((base + "_scale", nir.Scale(scale=scale.reshape(tgt_shape))))
            return out, tuple(tgt_shape)
        if wmat.shape[0] * wmat.shape[1] > 50_000_000:
            raise NirExportError(f"network {self.net.name!r}, projection {proj.name!r}: a "
                                 f"{wmat.shape} dense matrix is too large for a NIR Linear node")
        if len(src_shape) > 1:
            out.append((base + "_flatten", nir.Flatten(input_type={"input": np.array(src_shape)},
                                                       start_dim=0, end_dim=-1)))
        out.append((base, nir.Affine(weight=wmat.toarray(), bias=np.zeros(wmat.shape[0]))))
        return out, (wmat.shape[0],)

    def delay_node(self, proj, chain, size):
        import nir

        if proj.delay <= 1:
            return chain
        if self.dt is None:
            raise NirExportError(f"network {self.net.name!r}, projection {proj.name!r}: delay "
                                 f"{proj.delay} needs dt to become seconds (give dt / --dt)")
        return chain + [(f"{chain[-1][0]}_delay",
                         nir.Delay(delay=np.full(size, (proj.delay - 1) * self.dt)))]

    # ---------------------------------------------------------------- the graph
    def build(self):
        import nir
        from scipy import sparse

        net = self.net
        prov_proj = self.prov.get("projections", {})
        # constant drives: bias register (minus leak) and the bias neuron's projections
        drive_v, drive_u = {}, {}
        for pop in net.populations:
            if pop.neuron is None or pop.name == self.bias_pop:
                continue
            drive_v[pop.name] = pop.neuron.bias.astype(np.float64) - pop.neuron.leak
            drive_u[pop.name] = np.zeros(pop.size)
        for proj in net.projections:
            if proj.source == self.bias_pop:
                tgt = net.population(proj.target)
                w = np.asarray(_matrix(net, proj).sum(axis=1)).reshape(-1)
                if tgt.neuron.model == "cuba":
                    drive_u[proj.target] += w
                else:
                    drive_v[proj.target] += w
        # neuron nodes (shaped like their population; flattened below if they must be)
        gains, rest, pop_nodes = {}, {}, {}
        for pop in net.populations:
            if pop.name == self.bias_pop:
                continue
            if pop.neuron is None:
                pop_nodes[pop.name] = nir.Input(input_type={"input": np.array(pop.shape)})
                continue
            pop_nodes[pop.name], gains[pop.name], rest[pop.name] = self.population_node(
                pop, drive_v[pop.name], drive_u[pop.name])
        # projections: the imported nodes when they recompose, else canonical nodes
        built = {}
        rewritten = []  # imported projections whose NIR nodes no longer give their weights
        projs = [p for p in net.projections if p.source != self.bias_pop]
        for proj in projs:
            src, tgt = net.population(proj.source), net.population(proj.target)
            wmat = sparse.diags(1.0 / gains[tgt.name]) @ _matrix(net, proj)
            info = prov_proj.get(proj.name)
            got = None
            if info is not None:
                got = self.chain_from_provenance(proj, wmat, info, src.shape, tgt.shape,
                                                 direct_ok=not np.any(rest[tgt.name]))
                if got is None:
                    rewritten.append(proj.name)
            if got is None:
                chain, out = self.chain_canonical(proj, wmat, src.shape, tgt.shape,
                                                  gains[tgt.name])
                got = (self.delay_node(proj, chain, int(np.prod(out))), out)
            built[proj.name] = (got[0], got[1], wmat)
        if rewritten:
            self.notes.append(
                f"{len(rewritten)} projection(s) ({', '.join(rewritten)}) written from their "
                "weights, not as the NIR nodes they were imported from (those no longer give "
                "these weights, e.g. after quantization)")
        # a population fed by a 1-D chain (Affine) becomes a 1-D NIR node (NIR has no
        # reshape); chains that need its multi-dimensional shape are then written as Affine
        flat: set = set()
        changed = True
        while changed:
            changed = False
            for proj in projs:
                chain, out, wmat = built[proj.name]
                src, tgt = net.population(proj.source), net.population(proj.target)
                first = chain[0][1] if chain else None
                needs_nd = not isinstance(first, (nir.Affine, nir.Linear))
                if (proj.source in flat and needs_nd and len(src.shape) > 1) or (
                        proj.target in flat and len(out) > 1):
                    shape = (src.size,) if proj.source in flat else src.shape
                    ch, out = self.chain_canonical(proj, wmat, shape, tgt.shape,
                                                   gains[tgt.name], dense=True)
                    built[proj.name] = (self.delay_node(proj, ch, tgt.size), out, wmat)
                    changed = True
                if len(out) == 1 and len(tgt.shape) > 1 and proj.target not in flat:
                    flat.add(proj.target)
                    changed = True
        for name in flat:
            pop_nodes[name] = _flat_node(pop_nodes[name])
        node_of = self.node_names()
        self.nodes.update({node_of[k]: node for k, node in pop_nodes.items()})
        chains = [(proj, built[proj.name][0]) for proj in projs]
        # constant drives left for Affine/Conv biases
        self.place_biases(chains, rest, gains)
        for proj, chain in chains:
            prev = node_of[proj.source]
            for want, node in chain:
                nm = self.name(want)
                self.nodes[nm] = node
                self.edges.append((prev, nm))
                prev = nm
            self.edges.append((prev, node_of[proj.target]))
        if net.readout is not None:
            out = self.name(self.prov.get("output", {}).get("node") or "output")
            ro = net.population(net.readout.population)
            shp = (ro.size,) if ro.name in flat else ro.shape
            self.nodes[out] = nir.Output(output_type={"output": np.array(shp)})
            self.edges.append((node_of[ro.name], out))
        return nir.NIRGraph(nodes=self.nodes, edges=self.edges, type_check=False)

    def place_biases(self, chains, rest, gains):
        """Put each population's remaining constant drive into Affine/Conv biases."""
        import nir

        for name, drive in rest.items():
            gain = gains[name]
            need = drive / gain
            biased = []
            for proj, chain in chains:
                if proj.target != name:
                    continue
                last = chain[-1][1] if chain else None
                pos = len(chain) - 1
                while last is not None and isinstance(last, (nir.Delay, nir.Flatten)) \
                        and pos > 0:
                    pos -= 1
                    last = chain[pos][1]
                if isinstance(last, (nir.Affine, nir.Conv2d, nir.Conv1d)):
                    biased.append((chain, pos, last))
            stored = [(c, p, node) for c, p, node in biased if np.any(node.bias != 0)]
            have = sum((_bias_out(node) for _, _, node in stored), np.zeros(need.size))
            if np.allclose(have, need, rtol=1e-9, atol=1e-12 * max(1.0, np.abs(need).max())):
                continue
            if not np.any(need) and not stored:
                continue
            for _, _, node in stored:  # start over: the provenance biases do not add up
                node.bias = np.zeros_like(node.bias)
            placed = False
            for _, _, node in biased:
                if isinstance(node, nir.Affine):
                    node.bias = need.astype(node.bias.dtype)
                    placed = True
                elif isinstance(node, (nir.Conv2d, nir.Conv1d)):
                    per = need.reshape(node.weight.shape[0], -1)
                    if np.allclose(per, per[:, :1]):
                        node.bias = per[:, 0].astype(node.bias.dtype)
                        placed = True
                if placed:
                    break
            if not placed and np.any(need):
                self.refuse(f"population {name!r}", "a per-neuron constant input without an "
                            "Affine or per-channel Conv bias to carry it")


def _flat_node(node):
    """The same neuron node with 1-D parameters."""
    for key, val in list(node.__dict__.items()):
        if isinstance(val, np.ndarray) and val.ndim > 1:
            setattr(node, key, val.reshape(-1))
    node.__post_init__()
    return node


def _bias_out(node) -> np.ndarray:
    import nir

    b = np.asarray(node.bias, np.float64).reshape(-1)
    if isinstance(node, (nir.Conv2d, nir.Conv1d)):
        per = int(np.prod(node.output_type["output"])) // b.size if node.output_type.get(
            "output") is not None else 1
        return np.repeat(b, per)
    return b


def _node_from_spec(spec: dict, in_shape):
    """A non-weighted NIR node from its provenance spec (None if it cannot be rebuilt)."""
    import nir

    kind = spec["type"]
    if kind in ("SumPool2d", "AvgPool2d"):
        cls = nir.SumPool2d if kind == "SumPool2d" else nir.AvgPool2d
        return cls(kernel_size=np.array(spec["kernel_size"]), stride=np.array(spec["stride"]),
                   padding=np.array(spec["padding"]))
    if kind == "Flatten":
        return nir.Flatten(input_type={"input": np.array(in_shape)},
                           start_dim=int(spec["start_dim"]), end_dim=int(spec["end_dim"]))
    if kind == "Scale":
        return nir.Scale(scale=np.asarray(spec["scale"], spec.get("dtype", "float64")).reshape(
            spec.get("shape", [-1])))
    if kind == "Delay":
        return nir.Delay(delay=np.asarray(spec["delay"], spec.get("dtype", "float64")).reshape(
            spec.get("shape", [-1])))
    if kind in ("Input", "Output"):
        return None  # nested-graph ports are not rebuilt
    return None


def _conv_kernel(a_mat, spec, in_shape, out_shape):
    """Read a conv kernel off the matrix ``a_mat`` (n_out, n_in); None if inconsistent."""
    from ..ir.connectivity import _window_pairs

    c_in = in_shape[0]
    if len(in_shape) == 2:
        in_shape = (in_shape[0], 1, in_shape[1])
        out_shape = (out_shape[0], 1, out_shape[-1])
    _, h, w = in_shape
    c_out, ho, wo = out_shape
    groups = int(spec["groups"])
    kernel = tuple(spec["kernel"])
    cin_g, cout_g = c_in // groups, c_out // groups
    weight = np.zeros((c_out, cin_g) + kernel)
    a = a_mat.tocsr()
    for ky, kx, i_flat, o_flat in _window_pairs((h, w), (ho, wo), kernel, spec["stride"],
                                                spec["padding"], spec["dilation"]):
        if i_flat.size == 0:
            continue
        i0, o0 = int(i_flat[0]), int(o_flat[0])
        for co in range(c_out):
            grp = co // cout_g
            for cl in range(cin_g):
                ci = grp * cin_g + cl
                weight[co, cl, ky, kx] = a[co * ho * wo + o0, ci * h * w + i0]
    return weight


def to_nir(net: Network, dt: float | None = None, *, lossy: bool = False,
           notes: list | None = None):
    """The network as a ``nir.NIRGraph`` (see the module docstring).

    Parameters
    ----------
    dt : float or None
        Seconds per tick; default: the ``dt`` of the NIR import, if any. Needed
        for LIF/CubaLIF populations and for delays.
    lossy : bool
        Drop what NIR cannot express (with a warning) instead of refusing.
    notes : list or None
        Receives notes on what was recomposed or dropped.
    """
    if dt is not None and not (isinstance(dt, (int, float)) and math.isfinite(dt) and dt > 0):
        raise NirExportError(f"dt = {dt!r}; expected seconds per tick > 0")
    return _Writer(net, dt, lossy, [] if notes is None else notes).build()


def write_nir(net: Network, path, dt: float | None = None, *, lossy: bool = False,
              notes: list | None = None) -> None:
    """Write ``net`` as a NIR file (HDF5) at ``path``; see :func:`to_nir`."""
    import nir

    graph = to_nir(net, dt, lossy=lossy, notes=notes)
    with atomic_path(path) as tmp:
        nir.write(tmp, graph)
