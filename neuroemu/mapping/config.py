"""The mapped hardware configuration: integer arrays, one neuron index space.

Neurons of all populations are numbered globally in population order
(``pop_offset[p] .. pop_offset[p + 1]``). Synapses are flat arrays with global
source and target indices and weights already shifted by their exponent.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..hw.profile import Profile
from ..ir import Network


@dataclass(frozen=True, eq=False)
class HardwareConfig:
    """A network mapped onto a profile's cores (see the module docstring)."""

    network: Network
    profile: Profile
    quantization: object  # mapping.quantize.Quantized
    pop_offset: np.ndarray  # (P + 1,) int64
    pop_model: np.ndarray  # (P,) int64: MODEL_* of .codes
    pop_reset: np.ndarray  # (P,) int64: RESET_CODES of .codes
    pop_strict: np.ndarray  # (P,) int64: 1 fires on '>'
    pop_floor: np.ndarray  # (P,) int64: 1 when v_min applies
    pop_vmin: np.ndarray  # (P,) int64
    pop_refractory: np.ndarray  # (P,) int64
    pop_signed: np.ndarray  # (P,) int64
    pop_negthr: np.ndarray  # (P,) int64
    pop_maxcount: np.ndarray  # (P,) int64, 0 for no limit
    pop_reset_interval: np.ndarray  # (P,) int64, 0 for never
    pop_reset_offset: np.ndarray  # (P,) int64
    thr: np.ndarray  # (N,) int64 register units
    bias: np.ndarray
    v_init: np.ndarray
    leak: np.ndarray
    mul_v: np.ndarray  # (N,) 12-bit fraction of v kept per tick
    mul_u: np.ndarray  # (N,) 12-bit fraction of u kept per tick
    mul_k: np.ndarray  # (N,) 12-bit KLIF scale
    syn_src: np.ndarray  # (S,) int64 global
    syn_tgt: np.ndarray  # (S,) int64 global
    syn_w: np.ndarray  # (S,) int64, mantissa << exponent
    syn_delay: np.ndarray  # (S,) int64 ticks
    syn_proj: np.ndarray  # (S,) int64 projection index
    core_of: np.ndarray  # (N,) int64
    core_pop: np.ndarray  # (C,) int64
    core_xy: np.ndarray  # (C, 2) int64 mesh coordinates
    core_synapses: np.ndarray  # (C,) synapses stored on the core
    core_axons: np.ndarray  # (C,) distinct input axons of the core
    # Xylo arithmetic (mapping.xylo; zeros and ones for other models)
    dash_v: np.ndarray | None = None  # (N,) bit-shift decay of v
    dash_u: np.ndarray | None = None  # (N,) of the first synaptic current
    dash_u2: np.ndarray | None = None  # (N,) of the second
    syn_port: np.ndarray | None = None  # (S,) 0: first current, 1: second
    pop_maxspikes: np.ndarray | None = None  # (P,) spikes a neuron may fire in one tick

    @property
    def n_neurons(self) -> int:
        return int(self.pop_offset[-1])

    @property
    def n_cores(self) -> int:
        return int(self.core_pop.size)

    @property
    def pop_names(self) -> list[str]:
        return [p.name for p in self.network.populations]

    @cached_property
    def pop_track_mean(self) -> np.ndarray:
        """(P,) int64: 1 for the population read out by mean membrane (its v is summed)."""
        ro = self.network.readout
        return np.array([int(ro is not None and ro.kind == "mean_membrane"
                             and ro.population == p.name) for p in self.network.populations],
                        dtype=np.int64)

    @cached_property
    def pop_of(self) -> np.ndarray:
        """(N,) int64 read-only: each neuron's population index."""
        out = np.repeat(np.arange(self.pop_model.size), np.diff(self.pop_offset))
        out.flags.writeable = False
        return out

    @cached_property
    def core_neurons(self) -> np.ndarray:
        """(C,) int64 read-only: neurons on each core."""
        out = np.bincount(self.core_of, minlength=self.n_cores).astype(np.int64)
        out.flags.writeable = False
        return out

    @cached_property
    def proj_synapses(self) -> np.ndarray:
        """(J,) int64 read-only: synapses stored for each projection (every run's result
        carries them; counted once per configuration)."""
        out = np.bincount(self.syn_proj, minlength=len(self.network.projections))
        out = out.astype(np.int64)
        out.flags.writeable = False
        return out

    @cached_property
    def max_delay(self) -> int:
        return int(self.syn_delay.max()) if self.syn_delay.size else 1

    def resets_at(self, t: int) -> np.ndarray:
        """Indices of the populations whose registers return to their initial state at ``t``."""
        every = self.pop_reset_interval
        return np.flatnonzero((every > 0) & (t % np.maximum(every, 1) == self.pop_reset_offset))

    def pop_index(self, name: str) -> int:
        return self.pop_names.index(name)

    def neurons_of(self, name: str) -> slice:
        p = self.pop_index(name)
        return slice(int(self.pop_offset[p]), int(self.pop_offset[p + 1]))

    def hops(self, src_core, dst_core) -> np.ndarray:
        """Router hops on a chip between cores: the Manhattan distance between their
        router tiles (x then y dimension-order routing; cores of one tile share a router,
        so a packet between them takes no hop), less the steps across chip boundaries
        (:meth:`chip_hops`). A tile is ``profile.tile_width`` x ``tile_height`` cores of
        the mesh (1 x 1 when each core has its own router)."""
        tile = np.array([self.profile.tile_width, self.profile.tile_height], np.int64)
        d = np.abs(self.core_xy[src_core] // tile - self.core_xy[dst_core] // tile)
        return d.sum(axis=-1) - self.chip_hops(src_core, dst_core)

    def chip_hops(self, src_core, dst_core) -> np.ndarray:
        """Inter-chip hops between cores: the Manhattan distance between their chips on
        the board (0 on a one-chip profile)."""
        chip = np.array([self.profile.mesh_width, self.profile.mesh_height], np.int64)
        d = np.abs(self.core_xy[src_core] // chip - self.core_xy[dst_core] // chip)
        return d.sum(axis=-1)
