"""Quantization: the smallest weight width at which constructions stay exact."""

from __future__ import annotations

import math

from neuroemu.theory import constructions as C
from neuroemu.theory.robust import width_sweep


def _clock_exact(m: int, bits: int) -> bool:
    """CLOCK_m after quantization, worked out from the documented rule.

    The midpoint weight (2m-1) / (2m(m-1)) is the integer W = 2m - 1 at scale
    S = 2m(m-1). At scale 1 the quantizer takes the smallest exponent e with
    round(W / 2**e) <= 2**(bits-1) - 1 (rounding half away from zero) and the
    weight becomes round(W / 2**e) 2**e. The counter is exact iff
    (m-1) W' <= S < m W'.
    """
    w, s = 2 * m - 1, 2 * m * (m - 1)
    hi = 2 ** (bits - 1) - 1
    e = 0
    while e < 14 and math.floor(w / 2**e + 0.5) > hi:
        e += 1
    q = math.floor(w / 2**e + 0.5) * 2**e
    return math.floor(w / 2**e + 0.5) <= hi and (m - 1) * q <= s < m * q


def test_clock_widths_match_the_rule():
    for m in (2, 3, 4, 5):
        sweep = width_sweep(C.clock_m(m), 8, range(1, 7))
        want = [k for k in range(1, 7) if _clock_exact(m, k)]
        assert sweep.exact_widths == want, m
    # m = 3: W = 5, S = 12. Two bits round 5 to 8 (2 x 8 > 12: fires at the 2nd spike);
    # three bits give 3 x 2 = 6 (2 x 6 <= 12 < 3 x 6).
    assert width_sweep(C.clock_m(3), 8, range(1, 7)).smallest == 3
    # m = 5: W = 9, S = 40. Three bits give 2 x 4 = 8 and 5 x 8 = 40 is not > 40.
    assert width_sweep(C.clock_m(5), 8, range(1, 7)).smallest == 4


def test_xor_needs_two_bits():
    """XOR's weights are 2, 2 and -4 (and 2 into the SKIP and AND units): powers of two.

    With two-bit weights (-2..1) every projection keeps them exactly through its
    exponent; with one bit (-1..0) no positive weight survives and XOR never fires.
    """
    sweep = width_sweep(C.xor(), 6, range(1, 5))
    assert sweep.smallest == 2 and sweep.exact_widths == [2, 3, 4]
    assert sweep.rows[0].mismatches > 0
