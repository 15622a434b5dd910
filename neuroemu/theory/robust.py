"""Robustness to quantization: the smallest weight width at which a construction stays exact.

Each width ``k`` maps the construction with ``profile.with_registers(w_bits=k)``
and ``map_network(..., scale=scale)``: with a number for ``scale`` the
quantizer multiplies the integer network by it and gives every projection
the smallest weight exponent ``e`` for which ``round(w * scale / 2**e)`` fits
``k`` signed bits (``mapping.quantize``), so narrow widths round weights to
coarse multiples of a power of two instead of refusing them. Thresholds keep
``round(S * scale)``. The construction is then verified as in
:func:`~neuroemu.theory.verify.verify`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..hw.profile import Profile, load_profile
from .verify import Verification, verify


@dataclass
class WidthSweep:
    """Verifications at each weight width and the smallest exact one.

    ``smallest`` is the least width ``k`` such that every width from ``k`` to
    the widest tried is exact (None when the widest fails); ``exact_widths``
    lists every exact width, which need not be an interval.
    """

    construction: str
    scale: float
    rows: list  # of Verification
    smallest: int | None
    exact_widths: list

    def to_dict(self) -> dict:
        return {"construction": self.construction, "scale": self.scale,
                "smallest_exact_w_bits": self.smallest, "exact_w_bits": self.exact_widths,
                "widths": [{"w_bits": r.w_bits, "exact": r.exact, "mismatches": r.mismatches,
                            "method": r.method, "cases": r.cases, "covers": r.covers,
                            "all_lengths": r.all_lengths,
                            "mapping_error": r.mapping_error} for r in self.rows]}


def width_sweep(cons, T: int | None = None, widths=range(1, 17), *,
                profile: Profile | str = "loihi",
                scale: float = 1.0, method: str = "auto", name: str | None = None,
                **kwargs) -> WidthSweep:
    """Verify ``cons`` at every weight width in ``widths`` (see the module docstring).

    Raises
    ------
    InputError
        A width outside 1..16.
    """
    from ..errors import InputError

    bad = [k for k in widths if not 1 <= int(k) <= 16]
    if bad:
        raise InputError(f"--w-bits {bad[0]}: expected weight widths within 1..16")
    if not isinstance(profile, Profile):
        profile = load_profile(profile)
    rows: list[Verification] = []
    for k in sorted(widths):
        rows.append(verify(cons, T, method=method, profile=profile.with_registers(w_bits=int(k)),
                           scale=float(scale), name=name, **kwargs))
    exact = [r.w_bits for r in rows if r.exact]
    smallest = None
    for r in reversed(rows):
        if not r.exact:
            break
        smallest = r.w_bits
    return WidthSweep(construction=rows[0].construction if rows else (name or ""),
                      scale=float(scale), rows=rows, smallest=smallest, exact_widths=exact)


def robustness(name: str | None = None, T: int | None = None, widths=range(1, 17), *,
               options: dict | None = None, progress=None, **kwargs) -> list[WidthSweep]:
    """:func:`width_sweep` of the catalogue's construction ``name`` (built with
    ``options``; all its functions when it has several), or of every standard
    construction; ``progress`` is called with each sweep when it is done; ``kwargs`` go to
    :func:`width_sweep`."""
    from .catalog import build, standard

    if name:
        cons = build(name, **(options or {}))
        items = [(cons[0].name if len(cons) == 1 else f"{name} (all {len(cons)})", cons)]
    else:
        items = standard()
    sweeps = []
    for label, cons in items:
        sweeps.append(width_sweep(cons, T, widths, name=label, **kwargs))
        if progress is not None:
            progress(label, sweeps[-1])
    return sweeps
