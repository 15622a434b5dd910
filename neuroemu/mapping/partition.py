"""Partition populations into crossbar cores and place the cores on the mesh.

Each population is cut into consecutive runs of neurons, greedily: a core
takes neurons until one more would exceed the profile's neurons, input axons
(distinct source neurons reaching the core) or synapse memory (synapses times
``w_bits``, plus ``state_bits`` per neuron where the profile keeps neuron
state in the same memory). Populations do not share cores. The input
population's neurons sit on cores of their own (they hold no synapses).

Cores are placed in population order, filling a chip row by row before the
next chip of the board (chips in row order too). A spike travels x then y
between router tiles (groups of ``tile_width`` x ``tile_height`` cores, one
core where the profile gives no tiles) across the board's mesh of tiles: its
hops are the Manhattan distance between the cores' tiles, of which each step
across a chip boundary is an inter-chip hop (``chip_hops``) and the rest are
router hops on a chip (``hops``).
"""

from __future__ import annotations

import numpy as np

from ..errors import MappingError


def partition(pop_names, pop_offset, pop_is_input, syn_src, syn_tgt, profile):
    """Assign every neuron to a core.

    Returns
    -------
    core_of : int64 array (N,)
    core_pop : int64 array (C,)
    core_synapses, core_axons : int64 arrays (C,)
    """
    n = int(pop_offset[-1])
    # each neuron's sources, by target (int32 where they fit: a large network's memory)
    order = np.argsort(syn_tgt, kind="stable")
    in_src = (syn_src.astype(np.int32) if n <= np.iinfo(np.int32).max else syn_src)[order]
    del order
    in_ptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(syn_tgt, minlength=n), out=in_ptr[1:])
    mem, w_bits, state_bits = profile.synapse_memory_bits, profile.w_bits, profile.state_bits
    max_syn = profile.synapses_per_core
    core_of = np.empty(n, dtype=np.int64)
    core_pop, core_syn, core_ax = [], [], []
    for p, name in enumerate(pop_names):
        lo, hi = int(pop_offset[p]), int(pop_offset[p + 1])
        fan_in = np.diff(in_ptr[lo:hi + 1])
        run = min(hi - lo, profile.neurons_per_core)
        fits_one_core_per_run = (
            fan_in.sum() * w_bits + run * state_bits <= mem
            and np.unique(in_src[in_ptr[lo]:in_ptr[hi]]).size <= profile.axons_per_core
        )
        if pop_is_input[p] or fits_one_core_per_run:
            # only the neuron limit binds: cut in equal runs
            for start in range(lo, hi, profile.neurons_per_core):
                stop = min(hi, start + profile.neurons_per_core)
                core_of[start:stop] = len(core_pop)
                core_pop.append(p)
                core_syn.append(int(in_ptr[stop] - in_ptr[start]))
                core_ax.append(np.unique(in_src[in_ptr[start]:in_ptr[stop]]).size)
            continue
        i, take = lo, 64
        while i < hi:
            c, take, syn, axons = len(core_pop), *_fill_core(i, hi, in_ptr, in_src, profile,
                                                             2 * take)
            if take == 0:
                k = int(in_ptr[i + 1] - in_ptr[i])
                need, limit, what = (
                    (k * w_bits + state_bits, mem, "synapse memory bits") if k > max_syn
                    else (axons, profile.axons_per_core, "input axons")
                )
                raise MappingError(
                    f"core {c} (population {name!r}, neuron {i - lo}): {what} needed "
                    f"{need}, limit {limit} in profile {profile.name!r}; one neuron's "
                    "fan-in does not fit a core — split the layer or choose a larger profile"
                )
            core_of[i:i + take] = c
            core_pop.append(p)
            core_syn.append(syn)
            core_ax.append(axons)
            i += take
    if len(core_pop) > profile.cores:
        board = (f"{profile.chips} chips of {profile.mesh_width} x {profile.mesh_height}"
                 if profile.chips > 1 else f"{profile.mesh_width} x {profile.mesh_height} mesh")
        raise MappingError(
            f"the network needs {len(core_pop)} cores, profile {profile.name!r} has "
            f"{profile.cores} ({board}); choose a larger profile"
        )
    return (core_of, np.array(core_pop, np.int64), np.array(core_syn, np.int64),
            np.array(core_ax, np.int64))


def _fill_core(i: int, hi: int, in_ptr, in_src, profile, guess: int) -> tuple[int, int, int]:
    """How many of neurons ``i..hi-1`` a new core takes, greedily in order (each while the
    core's neurons, synapse memory and distinct input axons stay within the profile's),
    with the synapses and the axons of those it takes: ``(taken, synapses, axons)``.
    0 taken when neuron ``i`` alone does not fit (more synapses than
    ``synapses_per_core`` or more distinct sources than ``axons_per_core``); then
    ``axons`` are its own.

    The neurons are looked at in a window of ``guess`` (the last core's take), doubled
    while the core takes all of it, so that the work follows the neurons taken."""
    mem, w_bits, state_bits = profile.synapse_memory_bits, profile.w_bits, profile.state_bits
    stop = min(hi, i + profile.neurons_per_core)
    if state_bits:
        stop = min(stop, i + max(mem // state_bits, 1))
    # no more neurons than the memory holds synapses of (the exact test is below)
    base = int(in_ptr[i])
    stop = i + max(int(np.searchsorted(in_ptr[i + 1:stop + 1], base + mem // w_bits,
                                       side="right")), 1)
    span = max(guess, 8)
    while True:
        end = min(stop, i + span)
        syn = in_ptr[i + 1:end + 1] - base  # synapses of neurons i..j, for each j
        srcs = in_src[base:in_ptr[end]]
        # distinct sources of neurons i..j: the sources seen for the first time, counted
        first = np.zeros(srcs.size + 1, np.int64)
        first[1 + np.unique(srcs, return_index=True)[1]] = 1
        axons = np.cumsum(first)[syn]
        if syn[0] > profile.synapses_per_core or axons[0] > profile.axons_per_core:
            return 0, 0, int(axons[0])
        fits = ((syn * w_bits + np.arange(1, syn.size + 1) * state_bits <= mem)
                & (axons <= profile.axons_per_core))
        fits[0] = True
        if not fits.all():
            take = int(np.argmin(fits))
            break
        take = fits.size
        if end == stop:
            break
        span *= 2
    return take, int(syn[take - 1]), int(axons[take - 1])


def place(n_cores: int, profile) -> np.ndarray:
    """Board coordinates (x, y) of each core: a chip row by row, then the next chip."""
    idx = np.arange(n_cores, dtype=np.int64)
    chip, local = np.divmod(idx, profile.cores_per_chip)
    x = (chip % profile.chips_x) * profile.mesh_width + local % profile.mesh_width
    y = (chip // profile.chips_x) * profile.mesh_height + local // profile.mesh_width
    return np.stack([x, y], axis=1)


def core_graph(config):
    """The cores as a directed graph (a :class:`networkx.DiGraph`): nodes carry
    population, position and load; an edge carries the number of synapses from the
    source core's neurons to the target core's neurons."""
    import networkx as nx

    g = nx.DiGraph()
    names = config.pop_names
    for c in range(config.n_cores):
        g.add_node(c, population=names[config.core_pop[c]], xy=tuple(config.core_xy[c]),
                   synapses=int(config.core_synapses[c]), axons=int(config.core_axons[c]),
                   neurons=int(np.count_nonzero(config.core_of == c)))
    if config.syn_src.size:
        pairs = config.core_of[config.syn_src] * config.n_cores + config.core_of[config.syn_tgt]
        keys, counts = np.unique(pairs, return_counts=True)
        for k, cnt in zip(keys, counts):
            a, b = divmod(int(k), config.n_cores)
            g.add_edge(a, b, synapses=int(cnt), hops=int(config.hops(a, b)))
    return g
