"""Fixed-point semantics in plain numpy: the readable twins of the kernels' arithmetic.

Every register has a declared width and overflow rule. Values are held in
int64 and every operation's result is brought back into its register
explicitly, so the bits do not depend on storage dtype or on numba's integer
promotion.

Fractions (decays, the KLIF scale) are 12-bit: ``m`` stands for ``m / 4096``.
"""

from __future__ import annotations

import numpy as np

FRAC_BITS = 12
ONE = 1 << FRAC_BITS  # 4096, the fraction 1.0

SATURATE, WRAP = 0, 1
TOWARD_ZERO, FLOOR = 0, 1
OVERFLOW_RULES = {"saturate": SATURATE, "wrap": WRAP}
ROUNDINGS = {"toward_zero": TOWARD_ZERO, "floor": FLOOR}


def mul_frac(x, m, rounding: int = TOWARD_ZERO):
    """``x * m / 4096`` rounded as declared.

    Parameters
    ----------
    x : int64 array or int
        Register value.
    m : int64 array or int
        Multiplier in 12-bit fixed point (4096 is 1.0).
    rounding : TOWARD_ZERO (as Loihi: ``sign(p) * (|p| >> 12)``) or FLOOR (``p >> 12``).
    """
    p = np.asarray(x, dtype=np.int64) * np.asarray(m, dtype=np.int64)
    if rounding == TOWARD_ZERO:
        return np.sign(p) * (np.abs(p) >> FRAC_BITS)
    return p >> FRAC_BITS


def register_limits(bits: int, rule: int) -> tuple[int, int]:
    """Lowest and highest value of a signed ``bits``-wide register.

    Saturating registers are symmetric, ``±(2**(bits-1) - 1)``, as Loihi's
    voltage; wrapping registers are two's complement.
    """
    hi = (1 << (bits - 1)) - 1
    return (-hi if rule == SATURATE else -hi - 1), hi


def to_register(x, bits: int, rule: int):
    """Bring ``x`` into a ``bits``-wide register.

    Returns
    -------
    value : int64 array
    overflowed : bool array, True where ``x`` was outside the register's range
    """
    x = np.asarray(x, dtype=np.int64)
    lo, hi = register_limits(bits, rule)
    over = (x < lo) | (x > hi)
    if rule == SATURATE:
        return np.clip(x, lo, hi), over
    span = np.int64(1) << np.int64(bits)
    return ((x - lo) % span) + lo, over


def fits_signed(values, bits: int) -> bool:
    """True when every value fits a two's-complement ``bits``-wide field."""
    v = np.asarray(values)
    return bool(v.size == 0 or (v.min() >= -(1 << (bits - 1)) and v.max() < (1 << (bits - 1))))
