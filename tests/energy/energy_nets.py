"""Small hand-built networks whose counts can be derived on paper, and their runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from neuroemu.engine import make_stimulus, simulate
from neuroemu.hw import load_profile
from neuroemu.ir import Network, Population, Readout, neuron, projection
from neuroemu.mapping import map_network
from neuroemu.results.build import from_chip_run
from neuroemu.results.result import Result

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    import tomli as tomllib

MODELS = Path(__file__).resolve().parents[2] / "models"


def prices(name: str) -> dict:
    """The profile file's tables, read straight from the TOML (not through neuroemu)."""
    return tomllib.loads((MODELS / f"{name}.toml").read_text())


def small_cores(name: str, width: int = 4, height: int = 4):
    """Profile ``name`` with one neuron per core on a ``width`` x ``height`` mesh."""
    return load_profile(name).with_registers(neurons_per_core=1, mesh_width=width,
                                             mesh_height=height)


def chain() -> Network:
    """in (1) -> a (1 IF, threshold 1) -> b (1 IF, threshold 1), weights 1, delays 1;
    read out by spike count of b."""
    pops = (Population("in", (1,)),
            Population("a", (1,), neuron("if", 1, threshold=1)),
            Population("b", (1,), neuron("if", 1, threshold=1)))
    projs = (projection("in_a", "in", "a", "dense", np.array([[1]])),
             projection("a_b", "a", "b", "dense", np.array([[1]])))
    return Network("chain", pops, projs, input="in", readout=Readout("b", "count"))


def fan_out() -> Network:
    """in (1) -> a (3 IF, threshold 5), weights 1: each input spike reaches three neurons
    and none of them fires."""
    pops = (Population("in", (1,)), Population("a", (3,), neuron("if", 3, threshold=5)))
    projs = (projection("in_a", "in", "a", "dense", np.ones((3, 1), np.int64)),)
    return Network("fan_out", pops, projs, input="in", readout=Readout("a", "count"))


def two_way(kind: str = "count") -> Network:
    """in (2) -> r (2 IF, threshold 1), identity weights: r[i] fires one tick after in[i]."""
    pops = (Population("in", (2,)), Population("r", (2,), neuron("if", 2, threshold=1)))
    projs = (projection("in_r", "in", "r", "dense", np.eye(2, dtype=np.int64)),)
    return Network("two_way", pops, projs, input="in", readout=Readout("r", kind))


def run(net: Network, profile, ticks: int, tick, channel, tick_us: float = 1000.0,
        settings: dict | None = None) -> Result:
    """Map ``net`` on ``profile``, run it with the event engine, return its trace."""
    cfg = map_network(net, profile)
    n_in = net.population(net.input).size
    stim = make_stimulus(np.asarray(tick), np.asarray(channel), n_in)
    result = simulate(cfg, stim, ticks, engine="event")
    return from_chip_run(result, tick_us=tick_us, settings=settings or {})
