"""Column and code numbers the kernels share."""

import numpy as np

# counters per core
C_SYN, C_UPD, C_SPK, C_PKT, C_HOP, C_OVV, C_OVU, C_CHP = 0, 1, 2, 3, 4, 5, 6, 7
# per-population parameters (P, 17)
(Q_MODEL, Q_RESET, Q_STRICT, Q_FLOOR, Q_VMIN, Q_REFR, Q_SIGNED, Q_NEGTHR, Q_MAXCNT, Q_TRACK,
 Q_RINT, Q_ROFF, Q_LO, Q_HI, Q_PLAIN, Q_WHOLE, Q_PARAMS) = range(17)
# bits of Q_PARAMS: what a whole update may read once for all a population's neurons
# (threshold, bias, leak and decay all shared), and that none of them decays (a
# multiplier of 4096, as IF neurons: the update is compiled without the multiply)
P_SHARED, P_STILL = 1, 2
# how a population is updated at a tick (see kernels.event._collect)
M_LIST, M_SCAN, M_WHOLE = 0, 1, 2
#: all bits of a mask of 64 flags
ALL_BITS = np.uint64(0xFFFFFFFFFFFFFFFF)
#: the largest |v| of an int32 whole update's narrow form (kernels.threaded.whole_neuron32):
#: times a multiplier up to 4096 it fits in int32
NARROW_V = (1 << 19) - 1
