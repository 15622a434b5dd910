"""The BCM rule's parameters and what they mean on a mapped network."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ..errors import NeuroemuError


def parse_power_of_two(text, what: str) -> float:
    """``'2^-8'``, ``'2**-8'``, ``'0.00390625'`` or a number -> a power of two (refused
    otherwise, naming ``what``)."""
    s = str(text).strip().replace(" ", "")
    m = re.fullmatch(r"2(?:\^|\*\*)(-?\d+)", s)
    try:
        val = 2.0 ** int(m.group(1)) if m else float(s)
    except ValueError:
        raise NeuroemuError(f"{what} {text!r}: expected a power of two such as 2^-8") from None
    if not (val > 0 and math.isfinite(val)) or 2.0 ** round(math.log2(val)) != val:
        raise NeuroemuError(f"{what} {text!r}: expected a power of two such as 2^-8 (the chip "
                            "multiplies by shifting)")
    return val


@dataclass(frozen=True)
class BCM:
    """BCM homeostatic weight adaptation (DWAM), in fixed point (package docstring).

    Attributes
    ----------
    eta : float
        Learning rate, a power of two ``2**-k`` (0 <= k <= 30).
    epoch : int
        Ticks between weight updates (>= 1).
    tau_rate, tau_theta : int
        Time constants, in ticks, of the activity trace and of the sliding
        threshold: powers of two (``tau_rate <= 2**trace_bits``).
    target_rate : float or dict
        Spikes per tick at which potentiation turns into depression (0 < rate <= 1);
        a dict gives it per target population (``{'fc1': 0.03, ...}``; populations it
        leaves out take 0.05), e.g. the rates each layer has on clean input.
    trace_bits : int
        Width of the traces (4..16: products of three traces stay within 64 bits).
    projections : tuple of str or None
        The plastic projections; None: every projection with weights (pooling
        projections excluded).
    """

    eta: float = 2.0 ** -8
    epoch: int = 4
    tau_rate: int = 32
    tau_theta: int = 256
    target_rate: float | dict = 0.05
    trace_bits: int = 12
    projections: tuple | None = None

    def __post_init__(self):
        k = -math.log2(self.eta) if self.eta > 0 else -1
        if not (0 <= k <= 30 and k == int(k)):
            raise NeuroemuError(f"BCM eta {self.eta!r}: expected a power of two 2^-k, k in 0..30")
        if int(self.trace_bits) != self.trace_bits or not 4 <= self.trace_bits <= 16:
            raise NeuroemuError(f"BCM trace_bits {self.trace_bits!r}: expected 4..16")
        if int(self.epoch) != self.epoch or self.epoch < 1:
            raise NeuroemuError(f"BCM epoch {self.epoch!r}: expected a whole number of ticks >= 1")
        for name, val, hi in (("tau_rate", self.tau_rate, 2 ** self.trace_bits),
                              ("tau_theta", self.tau_theta, 2 ** 30)):
            if int(val) != val or not 1 <= val <= hi or (int(val) & (int(val) - 1)):
                raise NeuroemuError(f"BCM {name} {val!r}: expected a power of two in 1..{hi} "
                                    "ticks (the decay is a shift)")
        rates = (self.target_rate.values() if isinstance(self.target_rate, dict)
                 else [self.target_rate])
        for rate in rates:
            if not isinstance(rate, (int, float)) or not 0 < rate <= 1:
                raise NeuroemuError(f"BCM target_rate {rate!r}: expected spikes per tick in "
                                    "(0, 1]")

    @property
    def shifts(self) -> tuple[int, int, int]:
        """(s, r, k): log2 of tau_rate, tau_theta and 1 / eta."""
        return (int(self.tau_rate).bit_length() - 1, int(self.tau_theta).bit_length() - 1,
                int(round(-math.log2(self.eta))))

    def target(self, population: str) -> int:
        """c0 of a target population: its target rate in trace units (>= 1)."""
        rate = (self.target_rate.get(population, 0.05) if isinstance(self.target_rate, dict)
                else self.target_rate)
        return max(1, int(round(rate * 2 ** self.trace_bits)))

    def describe(self) -> dict:
        return {"rule": "bcm", "eta": self.eta, "epoch": int(self.epoch),
                "tau_rate": int(self.tau_rate), "tau_theta": int(self.tau_theta),
                "target_rate": (dict(self.target_rate) if isinstance(self.target_rate, dict)
                                else self.target_rate),
                "trace_bits": int(self.trace_bits),
                "projections": None if self.projections is None else list(self.projections)}


class Plan(NamedTuple):
    """A rule on a mapped network: integers both engines use (config synapse order)."""

    plastic: np.ndarray  # (S,) bool: synapse of a plastic projection
    exp: np.ndarray  # (S,) int64: the synapse's weight exponent
    w_lo: int
    w_hi: int
    is_target: np.ndarray  # (N,) bool: target of a plastic synapse (keeps a threshold)
    involved: np.ndarray  # (N,) bool: source or target of a plastic synapse (keeps a trace)
    bits: int
    s: int
    r: int
    k: int
    c0: np.ndarray  # (N,) int64: each neuron's target in trace units
    epoch: int


def plan(cfg, rule: BCM) -> Plan:
    """Check ``rule`` against ``cfg`` (its projections, its profile's learning) and
    return the arrays the engines need."""
    net = cfg.network
    names = [p.name for p in net.projections]
    weighted = [p.name for p in net.projections if p.kind != "sumpool2d"]
    if rule.projections is None:
        chosen = weighted
    else:
        chosen = list(rule.projections)
        for name in chosen:
            if name not in names:
                raise NeuroemuError(f"plastic projection {name!r}: network {net.name!r} has "
                                    f"no such projection (it has {', '.join(names)})")
            if name not in weighted:
                raise NeuroemuError(f"plastic projection {name!r} is pooling: it has no "
                                    "weights to adapt")
    tables = cfg.profile.tables or {}
    if "synaptic_update_pj" not in (tables.get("energy") or {}):
        raise NeuroemuError(f"profile {cfg.profile.name!r} has no on-chip learning (no [energy] "
                            "synaptic_update_pj): plasticity is not supported on it")
    idx = np.array([names.index(n) for n in chosen], np.int64)
    plastic = np.isin(cfg.syn_proj, idx)
    exps = np.array([cfg.quantization.weights[n][1] for n in names], np.int64)
    exp = exps[cfg.syn_proj] if cfg.syn_proj.size else np.zeros(0, np.int64)
    is_target = np.zeros(cfg.n_neurons, bool)
    is_target[cfg.syn_tgt[plastic]] = True
    involved = is_target.copy()
    involved[cfg.syn_src[plastic]] = True
    if isinstance(rule.target_rate, dict):
        pops = [p.name for p in net.populations]
        for name in rule.target_rate:
            if name not in pops:
                raise NeuroemuError(f"BCM target_rate for {name!r}: network {net.name!r} has "
                                    f"no such population (it has {', '.join(pops)})")
    c0 = np.array([rule.target(name) for name in cfg.pop_names], np.int64)[cfg.pop_of]
    s, r, k = rule.shifts
    wb = cfg.profile.w_bits
    return Plan(plastic, exp, -(1 << (wb - 1)), (1 << (wb - 1)) - 1, is_target, involved,
                int(rule.trace_bits), s, r, k, np.ascontiguousarray(c0), int(rule.epoch))
