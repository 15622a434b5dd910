"""The kernel's order of the synapses: by source, delay, projection, target core, target."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from randnet import random_case

from neuroemu.engine.event import synapse_order


def _lexsorted(cfg):
    return np.lexsort((cfg.syn_tgt, cfg.core_of[cfg.syn_tgt], cfg.syn_proj, cfg.syn_delay,
                       cfg.syn_src))


@pytest.mark.parametrize("seed", range(20))
def test_the_order_is_by_source_delay_projection_core_and_target(seed):
    """On a mapping (cores hold runs of neurons, so by target is by core too) and on the
    same synapses with the neurons dealt to cores out of order."""
    rng = np.random.default_rng(seed)
    cfg = random_case(rng)[0]
    np.testing.assert_array_equal(synapse_order(cfg), _lexsorted(cfg))
    shuffled = replace(cfg, core_of=rng.permutation(cfg.core_of))
    np.testing.assert_array_equal(synapse_order(shuffled), _lexsorted(shuffled))
