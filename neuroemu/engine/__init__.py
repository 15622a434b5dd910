"""Running a mapped network: the event engine (numba) and the dense reference.

Importing this package does not import numba; the event kernel is compiled
(or loaded from the cache) on the first event-engine run.
"""

from __future__ import annotations

from ..inputs.stimulus import Stimulus, make_stimulus
from .reference import run_reference
from .result import RunResult

__all__ = ["RunResult", "Stimulus", "make_stimulus", "run_reference", "simulate"]


def simulate(cfg, stimulus, ticks: int | None, engine: str = "event", probes=(),
             on_overflow: str = "ignore", progress=None, **kwargs) -> RunResult:
    """Run a :class:`~neuroemu.mapping.HardwareConfig` for ``ticks`` ticks.

    The engines' own entry point, with no defaults of a run's: :func:`neuroemu.run`
    decides the run length, the overflow policy and the rest for users.

    Parameters
    ----------
    stimulus : Stimulus, iterable of Stimulus chunks (event engine), or None
    ticks : int, or None to run until the last input tick plus ``drain_ticks``
        (event engine)
    engine : {'event', 'reference'}
    on_overflow : {'ignore', 'warn', 'raise'}
        'raise' stops at the end of the first tick in which a register
        overflowed and raises :class:`~neuroemu.errors.RegisterOverflow`;
        'warn' issues a :class:`~neuroemu.errors.OverflowWarning`.
    **kwargs
        ``plasticity`` (a :class:`neuroemu.plasticity.rule.Plan`, both engines); event
        engine only: ``chunk_ticks``, ``drain_ticks``, ``probe_sink``, ``threads``,
        ``thread_min``, ``note`` (:func:`.event.run_event`).
    """
    import warnings

    from ..errors import NeuroemuError, OverflowWarning, RegisterOverflow

    if on_overflow not in ("ignore", "warn", "raise"):
        raise NeuroemuError(f"on_overflow {on_overflow!r} is not one of ignore, warn, raise")
    if ticks is not None and (int(ticks) != ticks or ticks < 1):
        raise NeuroemuError(f"ticks: {ticks} found, expected a whole number >= 1")
    if engine == "event":
        from .event import run_event

        result = run_event(cfg, stimulus, ticks, probes,
                           stop_on_overflow=on_overflow == "raise", progress=progress, **kwargs)
    elif engine == "reference":
        if ticks is None or not (stimulus is None or isinstance(stimulus, Stimulus)):
            raise NeuroemuError("the reference engine needs a whole stimulus and a tick count")
        result = run_reference(cfg, stimulus, int(ticks), probes, progress=progress,
                               plasticity=kwargs.get("plasticity"))
    else:
        raise NeuroemuError(f"engine {engine!r} is not 'event' or 'reference'")
    if result.first_overflow is not None and on_overflow != "ignore":
        t, n, reg = result.first_overflow
        pop = int(cfg.pop_of[n])
        name = cfg.pop_names[pop]
        local = n - int(cfg.pop_offset[pop])
        prof = cfg.profile
        bits, rule = ((prof.u_bits, prof.u_overflow) if reg == 0
                      else (prof.v_bits, prof.v_overflow))
        total = result.total("overflow_u") + result.total("overflow_v")
        msg = (f"register {'uv'[reg]} of neuron {local} of population {name!r} overflowed at "
               f"tick {t} ({bits}-bit, {rule}); {total} overflow(s) in the run")
        if on_overflow == "raise":
            raise RegisterOverflow(msg)
        warnings.warn(msg, OverflowWarning, stacklevel=2)
    return result
