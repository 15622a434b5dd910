"""The whole update's one-neuron step (kernels.threaded.whole_neuron), written without
branches so that it vectorises, against the same step written plainly."""

from __future__ import annotations

import numpy as np

from neuroemu.engine.kernels.threaded import whole_neuron, whole_neuron32
from neuroemu.mapping.codes import RESET_NONE, RESET_SUBTRACT, RESET_ZERO


def plain_step(v0, a, r0, mulv, bias, leak, thr, v_lo, v_hi, floor_v, strict, reset, refr,
               tz):
    """(v, refractory count, flag, did, event): the flag 1 if the neuron did something,
    + 2 if it fired, + 4 if its register overflowed."""
    held = r0 > 0
    prod = v0 * mulv
    if tz:  # toward zero
        dec = -((-prod) // 4096) if prod < 0 else prod // 4096
    else:  # toward minus infinity
        dec = prod // 4096
    x = dec + a + bias - leak
    vv = min(max(x, v_lo), v_hi)
    ovf = vv != x and not held
    vv = max(vv, floor_v)
    fire = vv >= thr + strict and not held
    after = {RESET_ZERO: 0, RESET_SUBTRACT: vv - thr, RESET_NONE: vv}[reset]
    vn = v0 if held else (after if fire else vv)
    rn = r0 - 1 if held else (refr if fire else 0)
    did = a != 0 or vn != v0 or ovf or fire or held
    return vn, rn, did + 2 * fire + 4 * ovf, did, fire or ovf


def test_the_branch_free_step_is_the_plain_one(rng):
    """On registers of 8 to 24 bits at and near their bounds, decays next to a rounding
    step, any input, held or not, every reset and both roundings."""
    for _ in range(20_000):
        bits = int(rng.choice([8, 12, 16, 24]))
        v_hi = (1 << (bits - 1)) - 1
        v_lo = -v_hi - int(rng.integers(0, 2))
        edge = [v_lo, v_lo + 1, -1, 0, 1, v_hi - 1, v_hi]
        v0 = int(rng.choice(edge)) if rng.random() < 0.3 else int(rng.integers(v_lo, v_hi + 1))
        a = int(rng.choice([0, 0, 1, -1, 2 * v_hi, -2 * v_hi, int(rng.integers(-v_hi, v_hi))]))
        thr = int(rng.integers(1, v_hi + 1))
        floor_v = int(rng.choice([v_lo, int(rng.integers(v_lo, 1))]))
        args = (v0, a, int(rng.integers(0, 4)), int(rng.integers(0, 4097)),
                int(rng.integers(-v_hi // 4, v_hi // 4 + 1)), int(rng.integers(0, 50)), thr,
                v_lo, v_hi, floor_v, int(rng.integers(0, 2)),
                int(rng.choice([RESET_ZERO, RESET_SUBTRACT, RESET_NONE])),
                int(rng.integers(0, 4)), bool(rng.integers(0, 2)))
        if bits >= 16 and rng.random() < 0.2:  # products next to a multiple of 4096
            args = (int(rng.choice([-8193, -4097, -4096, -4095, -1, 1, 4095, 4096, 4097])),
                    *args[1:3], 1, *args[4:])
        got = whole_neuron(*args)
        want = plain_step(*args)
        assert (int(got[0]), int(got[1]), int(got[2]), bool(got[3]), bool(got[4])) == \
            (want[0], want[1], int(want[2]), bool(want[3]), bool(want[4])), args


def test_the_int32_step_is_the_plain_one(rng):
    """The step in int32 arithmetic (kernels.threaded.whole_neuron32), on registers of 8
    to 32 bits at and near their bounds, with what engine.event.register_type lets
    through: multipliers 0..4096, input plus bias and leak below 2**31 in magnitude. On a
    32-bit register, v plus the input then leaves int32 (the sum wraps, and must
    saturate), and a decay product of v near its bound does not fit in 32 bits."""
    limit = (1 << 31) - 1
    wrapped = 0
    for _ in range(20_000):
        bits = int(rng.choice([8, 16, 24, 32, 32]))
        v_hi = (1 << (bits - 1)) - 1
        v_lo = -v_hi - int(rng.integers(0, 2))
        edge = [v_lo, v_lo + 1, -1, 0, 1, v_hi - 1, v_hi]
        v0 = int(rng.choice(edge)) if rng.random() < 0.3 else int(rng.integers(v_lo, v_hi + 1))
        bias = int(rng.integers(-v_hi // 4, v_hi // 4 + 1))
        leak = int(rng.integers(0, 50))
        room = limit - abs(bias) - leak  # the input's bound, as register_type takes it
        a = int(rng.choice([0, 0, 1, -1, room, -room, int(rng.integers(-room, room + 1)),
                            int(rng.integers(-min(v_hi, room), min(v_hi, room) + 1))]))
        thr = int(rng.integers(1 if bits == 32 else -v_hi // 2, v_hi))
        floor_v = int(rng.choice([v_lo, int(rng.integers(v_lo, 1))]))
        mulv = int(rng.choice([0, 4096, int(rng.integers(0, 4097))]))
        args = (v0, a, int(rng.integers(0, 4)), mulv, bias, leak, thr, v_lo, v_hi, floor_v,
                int(rng.integers(0, 2)),
                int(rng.choice([RESET_ZERO, RESET_SUBTRACT, RESET_NONE])),
                int(rng.integers(0, 4)), bool(rng.integers(0, 2)))
        if bits >= 16 and rng.random() < 0.2:  # products next to a multiple of 4096
            args = (int(rng.choice([-8193, -4097, -4096, -4095, -1, 1, 4095, 4096, 4097])),
                    *args[1:3], 1, *args[4:])
        x = args[0] * args[3] // 4096 + args[1] + bias - leak  # within 1 of v + input
        wrapped += abs(x) > limit + 1 and args[2] == 0  # not held
        # as whole_run hands them over: int32 registers, input and bounds
        got = whole_neuron32(*(np.int32(x) for x in args[:3]), *args[3:7],
                             *(np.int32(x) for x in args[7:10]), *args[10:])
        want = plain_step(*args)
        assert (int(got[0]), int(got[1]), int(got[2]), bool(got[3]), bool(got[4])) == \
            (want[0], want[1], int(want[2]), bool(want[3]), bool(want[4])), args
    assert wrapped > 200  # sums that leave int32 were tried (not held)


def test_the_step_without_a_multiplier_is_the_step_at_4096(rng):
    """With ``mulv`` None (a population whose neurons decay by nothing, as IF neurons: the
    whole update is compiled without the multiply) both steps are the plain one with the
    multiplier 4096, on registers of 8 to 32 bits at and near their bounds."""
    for _ in range(10_000):
        bits = int(rng.choice([8, 16, 24, 32]))
        v_hi = (1 << (bits - 1)) - 1
        v_lo = -v_hi - int(rng.integers(0, 2))
        edge = [v_lo, v_lo + 1, -4097, -4096, -1, 0, 1, 4095, v_hi - 1, v_hi]
        v0 = int(rng.choice(edge)) if rng.random() < 0.3 else int(rng.integers(v_lo, v_hi + 1))
        v0 = min(max(v0, v_lo), v_hi)
        room = v_hi // 2
        a = int(rng.choice([0, 0, 1, -1, room, -room, int(rng.integers(-room, room + 1))]))
        thr = int(rng.integers(1, v_hi))
        rest = (a, int(rng.integers(0, 4)))
        tail = (int(rng.integers(-room // 4, room // 4 + 1)), int(rng.integers(0, 50)), thr,
                v_lo, v_hi, int(rng.choice([v_lo, int(rng.integers(v_lo, 1))])),
                int(rng.integers(0, 2)),
                int(rng.choice([RESET_ZERO, RESET_SUBTRACT, RESET_NONE])),
                int(rng.integers(0, 4)), bool(rng.integers(0, 2)))
        want = plain_step(v0, *rest, 4096, *tail)
        want = (want[0], want[1], int(want[2]), bool(want[3]), bool(want[4]))
        got = whole_neuron(v0, *rest, None, *tail)
        assert (int(got[0]), int(got[1]), int(got[2]), bool(got[3]), bool(got[4])) == want
        got = whole_neuron32(*(np.int32(x) for x in (v0, *rest)), None, *tail[:3],
                             *(np.int32(x) for x in tail[3:6]), *tail[6:])
        assert (int(got[0]), int(got[1]), int(got[2]), bool(got[3]), bool(got[4])) == want


def test_the_narrow_int32_step_is_the_plain_one(rng):
    """The int32 step's narrow form (one multiply, no test of a wrapped sum), with what
    engine.event.narrow_bound lets through: |v| at most ``near`` (NARROW_V or less) and
    the input plus bias minus leak at most 2**31 - 1 - near in magnitude, on 32-bit
    registers (as wide as int32: the form does not clamp), at and near those bounds, both
    roundings."""
    from neuroemu.engine.kernels.columns import NARROW_V

    limit = (1 << 31) - 1
    for _ in range(20_000):
        v_hi = limit
        v_lo = -v_hi - int(rng.integers(0, 2))
        near = int(rng.choice([NARROW_V, NARROW_V, int(rng.integers(0, NARROW_V))]))
        edge = [-near, -near + 1, -4097, -4096, -4095, -1, 0, 1, 4095, 4096, near - 1, near]
        v0 = int(rng.choice(edge)) if rng.random() < 0.4 else int(rng.integers(-near, near + 1))
        v0 = min(max(v0, v_lo, -near), v_hi, near)
        bias = int(rng.integers(-v_hi // 4, v_hi // 4 + 1))
        leak = int(rng.integers(0, 50))
        room = limit - near - abs(bias) - leak  # narrow_bound's: drive plus near fit
        a = int(rng.choice([0, 1, -1, room, -room, int(rng.integers(-room, room + 1)),
                            int(rng.integers(-5000, 5001))]))
        thr = int(rng.integers(1, v_hi))
        floor_v = int(rng.choice([v_lo, int(rng.integers(v_lo, 1))]))
        mulv = int(rng.choice([0, 1, 4095, 4096, int(rng.integers(0, 4097))]))
        args = (v0, a, int(rng.integers(0, 4)), mulv, bias, leak, thr, v_lo, v_hi, floor_v,
                int(rng.integers(0, 2)),
                int(rng.choice([RESET_ZERO, RESET_SUBTRACT, RESET_NONE])),
                int(rng.integers(0, 4)), bool(rng.integers(0, 2)))
        got = whole_neuron32(*(np.int32(x) for x in args[:3]), *args[3:7],
                             *(np.int32(x) for x in args[7:10]), *args[10:], True)
        want = plain_step(*args)
        assert (int(got[0]), int(got[1]), int(got[2]), bool(got[3]), bool(got[4])) == \
            (want[0], want[1], int(want[2]), bool(want[3]), bool(want[4])), args
