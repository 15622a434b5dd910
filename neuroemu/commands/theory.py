"""``neuroemu theory``: spike-train representation constructions, verified on the chip.

Subcommands::

    neuroemu theory list
    neuroemu theory verify NAME [--T T] [options]       # emulator vs target, all input trains
    neuroemu theory robustness [NAME] [--w-bits 1..16]  # smallest exact weight width
    neuroemu theory scaling [--d 1..6] [--m 1..3] [--table T] [--plot FILE]

``verify`` and ``robustness`` exit with status 1 when a construction does not
compute its target (mismatches, or it does not map onto the profile).
"""

from __future__ import annotations

from .theory_main import main_list, main_robustness, main_scaling, main_verify


def _add_construction_options(p) -> None:
    g = p.add_argument_group("construction options (each construction reads those it needs)")
    g.add_argument("--d", type=int, default=None, help="number of inputs")
    g.add_argument("--k", type=int, default=None, help="at-least threshold count")
    g.add_argument("--m", type=int, default=None, help="CLOCK_m period, or memory in instants")
    g.add_argument("--w", default=None,
                   help="weight(s) in model units, e.g. 1/3 (clock) or 0.6,0.6 (unit)")
    g.add_argument("--h", type=float, default=None, help="memory time constant of a unit")
    g.add_argument("--table", default=None,
                   help="truth table: bit p is the output for pattern p (boolean: 0x96; table: "
                        "an integer, @FILE holding one, or random:SEED)")
    g.add_argument("--all", action="store_true", help="every Boolean function of --d inputs")
    g.add_argument("--routing", choices=("skip", "delay", "naive"), default=None,
                   help="XOR: SKIP units (default), projection delays, or unlayered (breaks)")
    g.add_argument("--flat", action="store_true",
                   help="parity / memory: the flat minterm construction")
    g.add_argument("--split", action="store_true",
                   help="table: the two-level decoder instead of flat minterms")
    g.add_argument("--tight", action="store_true",
                   help="and / atleast / andnot / clock: weights at the closed end of their "
                        "interval (the threshold's strictness decides)")
    g.add_argument("--delay-lines", choices=("projection", "skip"), default=None,
                   help="finite memory: projection delays (default) or chains of SKIP units")
    g.add_argument("--unit-scale", type=int, default=None,
                   help="unit: register scale S of the threshold 1 (default 64)")


def _add_run_options(p, scale_default=None) -> None:
    p.add_argument("--window", "--T", dest="T", type=int, default=None, metavar="T",
                   help="input window: the input trains' length T in instants (default: chosen "
                        "from the construction, its memory plus its delay, so that every "
                        "reachable state is visited)")
    p.add_argument("--method", choices=("auto", "literal", "window", "states", "random"),
                   default="auto",
                   help="every train (literal), the window argument, the state search, or "
                        "random trains (default auto: with --T, literal when small enough; "
                        "without, a method that covers every length)")
    p.add_argument("--profile", default="loihi", help="hardware profile (default loihi)")
    p.add_argument("--scale", type=float, default=scale_default,
                   help="re-quantize with map_network(scale=...) (default: "
                        + ("the integer network as it is" if scale_default is None
                           else f"{scale_default:g}") + ")")
    p.add_argument("--samples", type=int, default=1 << 16,
                   help="trains for the random method (default 65536)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random method")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def add_parser(sub) -> None:
    p = sub.add_parser(
        "theory", help="spike-train representation constructions, verified on the chip",
        description="Build the constructions of spike-train representation theory "
                    "(Hundrieser et al., arXiv 2512.16872) as networks, run them on the "
                    "emulated fixed-point chip and compare with their target functions.")
    tsub = p.add_subparsers(dest="theory_command", metavar="SUBCOMMAND", required=True)

    q = tsub.add_parser("list", help="the constructions and their sizes")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(handler=main_list)

    q = tsub.add_parser(
        "verify", help="run every input train through a construction and compare",
        description="Run the construction on the emulated chip for every input train of "
                    "length T (or an equivalent set, or random trains) and compare the output "
                    "with the target function shifted by the construction's delay. Exit "
                    "status 1 on any mismatch.")
    q.add_argument("name", help="construction (see 'neuroemu theory list'); aliases clock3, "
                                "or3, and3, parity5")
    _add_construction_options(q)
    _add_run_options(q)
    q.add_argument("--w-bits", type=int, default=None,
                   help="weight width of the profile (profile.with_registers(w_bits=...))")
    q.add_argument("--engine", choices=("event", "reference"), default="event",
                   help="event engine (default) or the dense reference (slow)")
    q.set_defaults(handler=main_verify)

    q = tsub.add_parser(
        "robustness", help="smallest weight width at which constructions stay exact",
        description="Verify at each weight width (profile.with_registers(w_bits=k)), "
                    "re-quantizing with map_network(scale=...), and report the smallest width "
                    "from which every wider one is exact. Without NAME: the standard set.")
    q.add_argument("name", nargs="?", default=None, help="construction (default: all standard)")
    _add_construction_options(q)
    _add_run_options(q, scale_default=1.0)
    q.add_argument("--w-bits", default="1..12", help="widths to try (default 1..12)")
    q.set_defaults(handler=main_robustness)

    q = tsub.add_parser(
        "scaling", help="neurons and weights against inputs and memory, verified, with a plot",
        description="Build each construction family for every d (and memory m), count its "
                    "neurons and weights, verify each on the chip (every train of every "
                    "length) unless its estimated work is over the budget, and set the counts "
                    "beside a counting lower bound. Exit status 1 if a verified row "
                    "mismatches.")
    q.add_argument("--d", default="1..6", help="numbers of inputs (default 1..6)")
    q.add_argument("--m", default="1..3", help="memories for the finite-memory families")
    q.add_argument("--max-bits", type=int, default=10,
                   help="largest d*m for the flat (exponential) and random constructions "
                        "(default 10)")
    q.add_argument("--table", default=None,
                   help="also a finite-memory function of your own: its truth table (an "
                        "integer, @FILE or random:SEED; bit p = output for window pattern p, "
                        "bit j*m + k of p = input j at instant t-m+1+k), for the one --d and "
                        "--m given; built flat and split")
    q.add_argument("--profile", default="generic",
                   help="the chip the rows are verified on (default generic: cores large "
                        "enough for the flat constructions)")
    q.add_argument("--verify-budget", type=float, default=None,
                   help="estimated synaptic events above which a row is not verified "
                        "(default 1e10, a few seconds a row; 0 counts only)")
    q.add_argument("--plot", default=None, help="write the plot here (PNG)")
    q.add_argument("--json", action="store_true", help="print the rows as JSON")
    q.set_defaults(handler=main_scaling)
