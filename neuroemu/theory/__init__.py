"""Spike-train representation theory on the emulated chip.

The constructions of Hundrieser, Tuchel, Kong and Schmidt-Hieber ("On the
Universal Representation Property of Spiking Neural Networks", arXiv
2512.16872) as neuroemu networks, each with the spike-train function it should
compute, and the tools to check them exhaustively on the fixed-point engine:

* :mod:`.unit` — the model unit and its chip configuration (decay as a 12-bit
  fraction, positive part, strict threshold, reset to zero), with the exact
  float model;
* :mod:`.circuit` — building layered circuits of units into integer networks;
  the :class:`Construction` type;
* :mod:`.constructions` — identity, OR/AND/at-least-k, AND-NOT, NOT, XOR,
  CLOCK_m, a counter with a clear, any Boolean function, finite-memory
  functions (from a truth table, flat or split), compositions; boundary-weight
  ("tight") variants;
* :mod:`.batch` — many copies and many trains in one emulator run, and the
  chip's state after a tick;
* :mod:`.verify` — literal, window (de Bruijn), state-search and random
  verification; the train length chosen from the construction;
* :mod:`.robust` — the smallest weight width at which a construction stays exact;
* :mod:`.scaling` — neurons and weights against inputs and memory, each verified.
"""

from .circuit import Circuit, Construction
from .constructions import (
    and_,
    and_not,
    at_least,
    boolean,
    clear,
    clock_m,
    compose,
    exactly_one,
    finite_memory,
    identity,
    memory_table,
    not_,
    or_,
    parity,
    random_table,
    table_function,
    xor,
)
from .robust import width_sweep
from .verify import Verification, verify

__all__ = [
    "Circuit", "Construction", "and_", "and_not", "at_least", "boolean", "clear", "clock_m",
    "compose", "exactly_one", "finite_memory", "identity", "memory_table", "not_", "or_",
    "parity", "random_table", "table_function", "xor", "verify", "Verification", "width_sweep",
]
