"""``run --plasticity bcm ...``: the options of on-chip weight adaptation."""

from __future__ import annotations


def add_plasticity_options(p) -> None:
    g = p.add_argument_group("plasticity (BCM homeostatic weight adaptation, DWAM)")
    g.add_argument("--plasticity", choices=("bcm",), default=None,
                   help="adapt the weights during the run (the profile must learn on-chip)")
    g.add_argument("--eta", default="2^-8", help="learning rate, a power of two (default 2^-8)")
    g.add_argument("--epoch", type=int, default=4,
                   help="ticks between weight updates (default 4)")
    g.add_argument("--tau-rate", type=int, default=32,
                   help="activity trace time constant, ticks, a power of two (default 32)")
    g.add_argument("--tau-theta", type=int, default=256,
                   help="sliding threshold time constant, ticks, a power of two (default 256)")
    g.add_argument("--target-rate", type=float, default=0.05,
                   help="spikes per tick where potentiation turns to depression (default 0.05)")
    g.add_argument("--trace-bits", type=int, default=12, help="trace width (default 12)")
    g.add_argument("--plastic", action="append", default=None, metavar="PROJECTION",
                   help="a plastic projection (repeatable; default: every one with weights)")
    g.add_argument("--adapted-out", default=None, metavar="FILE.h5",
                   help="write the network with its adapted weights here (net.h5)")


def rule_from_args(args):
    """The BCM rule the options give, or None without ``--plasticity``."""
    from ..errors import InputError

    if args.plasticity is None:
        if args.plastic or args.adapted_out:
            flag = "--plastic" if args.plastic else "--adapted-out"
            raise InputError(f"{flag}: give --plasticity bcm to adapt weights")
        return None
    from ..plasticity import BCM, parse_power_of_two

    return BCM(eta=parse_power_of_two(args.eta, "--eta"), epoch=args.epoch,
               tau_rate=args.tau_rate, tau_theta=args.tau_theta, target_rate=args.target_rate,
               trace_bits=args.trace_bits,
               projections=tuple(args.plastic) if args.plastic else None)
