"""Named constructions for the command line: ``build(name, **options)``, ``catalog_rows()``.

Each entry takes the options it understands (``d``, ``k``, ``m``, ``w``,
``h``, ``table``, ``all``, ``routing``, ``flat``, ``split``, ``tight``,
``delay_lines``, ``scale_unit``) and returns a list of constructions (several
for ``boolean --all``).

An entry whose default example does not compute its target on purpose says so
in its construction's ``expect`` (shown by ``theory list`` and ``theory verify``).
"""

from __future__ import annotations

import re
from fractions import Fraction

from ..errors import NeuroemuError
from . import constructions as C
from .circuit import Construction


def _opt(options, key, default):
    val = options.get(key)
    return default if val is None else val


def _fraction(text) -> Fraction:
    try:
        return Fraction(str(text))
    except (ValueError, ZeroDivisionError):
        raise NeuroemuError(f"--w {text!r}: expected a number or a fraction such as 1/3") from None


def _boolean(o):
    d = _opt(o, "d", 3)
    if not 1 <= d <= 5:
        raise NeuroemuError(f"boolean: --d {d} found, expected 1..5")
    if o.get("all"):
        return [C.boolean(d, t) for t in range(1 << (1 << d))]
    table = o.get("table")
    if table is None:
        raise NeuroemuError("boolean: give --table (truth table, bit p = output for the pattern "
                            "p = sum_j x_j 2^j, e.g. 0x96) or --all")
    return [C.boolean(d, int(str(table), 0))]


def parse_table(text, n_bits: int) -> int:
    """A truth table from the command line: an integer (``0x..``, ``0b..``, decimal),
    ``@FILE`` holding one, or ``random:SEED`` (a seeded uniform table of ``n_bits`` inputs)."""
    text = str(text).strip()
    if text.startswith("random:"):
        try:
            return C.random_table(n_bits, int(text[7:]))
        except ValueError:
            raise NeuroemuError(f"--table {text!r}: expected random:SEED with a whole "
                                "number SEED") from None
    if text.startswith("@"):
        try:
            with open(text[1:]) as fh:
                text = "".join(fh.read().split())
        except OSError as exc:
            raise NeuroemuError(f"--table {text}: cannot read the file ({exc.strerror})") \
                from None
    try:
        value = int(text.replace("_", ""), 0)
    except ValueError:
        raise NeuroemuError(f"--table {text[:40]!r}: expected an integer such as 0x96, "
                            "@FILE or random:SEED") from None
    if not 0 <= value < 1 << (1 << n_bits):
        raise NeuroemuError(f"--table: {value.bit_length()} bits found; a function of "
                            f"{n_bits} window bits has a table of at most {1 << n_bits} bits")
    return value


def _table(o):
    d, m = _opt(o, "d", 1), _opt(o, "m", 4)
    if d < 1 or m < 1 or d * m > 20:
        raise NeuroemuError(f"table: --d {d} --m {m} found, expected d, m >= 1 and "
                            "d*m <= 20 window bits")
    if o.get("table") is None:
        raise NeuroemuError("table: give --table (bit p = output for the window pattern p, "
                            "bit j*m + k of p = input j at instant t-m+1+k), @FILE or "
                            "random:SEED")
    table = parse_table(o["table"], d * m)
    return [C.memory_table(d, m, table, "split" if o.get("split") else "flat",
                           _opt(o, "delay_lines", "projection"))]


def _memory(o):
    d, m = _opt(o, "d", 3), _opt(o, "m", 3)
    lines = _opt(o, "delay_lines", "projection")
    if o.get("flat"):
        if d * m > 12:
            raise NeuroemuError(f"memory --flat: d*m = {d * m} window bits; at most 12")
        return [C.finite_memory(d, m, C.exactly_one_in_window, name="exactly-one-flat",
                                delay_lines=lines)]
    return [C.exactly_one(d, m, lines)]


def _clock(o):
    m = _opt(o, "m", 2)
    w = o.get("w")
    return [C.clock_m(m, None if w is None else _fraction(w), tight=bool(o.get("tight")))]


def _unit(o):
    w = o.get("w")
    ws = [0.6, 0.6] if w is None else [float(_fraction(x)) for x in str(w).split(",")]
    return [C.unit(ws, float(_opt(o, "h", 2.0)), int(_opt(o, "scale_unit", 64)))]


def _count_xor(o):
    m = _opt(o, "m", 2)
    return [C.renamed(C.compose(C.clock_m(m), [C.xor()]), f"count{m}-xor",
                      f"every {m}-th instant at which exactly one of two inputs spikes "
                      "(CLOCK_m after XOR)")]


CATALOG = {
    "identity": ("SKIP unit: out(t) = x(t)", lambda o: [C.identity()]),
    "or": ("OR of --d inputs (weights 2)", lambda o: [C.or_(_opt(o, "d", 2))]),
    "and": ("AND of --d inputs (weights 2/(2d-1); --tight: 1/(d-1))",
            lambda o: [C.and_(_opt(o, "d", 2), tight=bool(o.get("tight")))]),
    "atleast": ("at least --k of --d inputs (--tight: weights 1/(k-1))",
                lambda o: [C.at_least(_opt(o, "d", 3), _opt(o, "k", 2),
                                      tight=bool(o.get("tight")))]),
    "andnot": ("x0 and not x1 (--tight: both together reach the threshold exactly)",
               lambda o: [C.and_not(tight=bool(o.get("tight")))]),
    "not": ("not x0, against the clock", lambda o: [C.not_()]),
    "xor": ("x0 xor x1, layered (--routing skip|delay|naive)",
            lambda o: [C.xor(_opt(o, "routing", "skip"))]),
    "clock": ("every --m-th input spike (h = inf; --w sets the weight, --tight takes "
              "1/(m-1))", _clock),
    "clear": ("every --m-th spike of x0 since the last spike of x1 (h = inf; the positive "
              "part and the strict threshold decide)", lambda o: [C.clear(_opt(o, "m", 3))]),
    "boolean": ("any Boolean function of --d inputs (--table, or --all)", _boolean),
    "parity": ("parity of --d inputs: a tree of XORs (--flat: minterms)",
               lambda o: [C.parity(_opt(o, "d", 4), "flat" if o.get("flat") else "tree",
                                   _opt(o, "routing", "skip"))]),
    "memory": ("exactly one of --d inputs spiked in [t-m+1, t] (--flat: minterms on the window)",
               _memory),
    "table": ("any function of the last --m instants of --d inputs, by truth table "
              "(--table; --split: two-level decoder)", _table),
    "count-xor": ("CLOCK_m composed after XOR", _count_xor),
    "unit": ("one model unit with weights --w and memory --h, against the exact model "
             "(finite h: departs, deliberately)", _unit),
}


def build(name: str, **options) -> list[Construction]:
    """The constructions named ``name`` (aliases: ``clock3`` = ``clock --m 3``, ``or3``, ...)."""
    m = re.fullmatch(r"(clock|or|and|parity)(\d+)", name)
    if m:
        key = "m" if m.group(1) == "clock" else "d"
        options = {**options, key: int(m.group(2))}
        name = m.group(1)
    if name not in CATALOG:
        raise NeuroemuError(f"theory: no construction {name!r} (have {', '.join(CATALOG)})")
    return CATALOG[name][1](options)


def catalog_rows() -> list[dict]:
    """One row per entry of :data:`CATALOG`, in its order: what ``neuroemu theory list`` shows.

    Each entry is built with its default options (``boolean`` with the truth
    table ``0x96``, ``table`` with ``0x6996`` on one input and memory 4: the
    parity of the last four instants).

    Returns
    -------
    list of dict
        Keys ``name`` (the catalog key), ``example`` (the built construction's
        name), ``inputs`` (int, d), ``clock`` (bool), ``delay`` (int, ticks from
        input to output), ``memory`` (int instants, or None for unbounded),
        ``neurons`` (int), ``weights`` (int), ``expect`` (None, or why the
        example fails on purpose) and ``description`` (str).
    """
    rows = []
    examples = {"boolean": {"table": "0x96"}, "table": {"table": "0x6996"}}
    for name, (desc, _) in CATALOG.items():
        con = build(name, **examples.get(name, {}))[0]
        rows.append({"name": name, "example": con.name, "inputs": con.d, "clock": con.clock,
                     "delay": con.delay, "memory": con.memory, "neurons": con.neurons,
                     "weights": con.weights, "expect": con.expect, "description": desc})
    return rows


def standard() -> list[tuple[str, list[Construction]]]:
    """The constructions the robustness table covers, by label."""
    return [
        ("identity", [C.identity()]), ("or2", [C.or_(2)]), ("and2", [C.and_(2)]),
        ("and3", [C.and_(3)]), ("atleast2of3", [C.at_least(3, 2)]), ("andnot", [C.and_not()]),
        ("and3-tight", [C.and_(3, tight=True)]),
        ("atleast2of3-tight", [C.at_least(3, 2, tight=True)]),
        ("andnot-tight", [C.and_not(tight=True)]),
        ("not", [C.not_()]), ("xor", [C.xor()]), ("xor-delay", [C.xor("delay")]),
        *[(f"clock{m}", [C.clock_m(m)]) for m in range(2, 6)],
        *[(f"clock{m}-tight", [C.clock_m(m, tight=True)]) for m in range(2, 6)],
        *[(f"clear{m}", [C.clear(m)]) for m in (2, 3)],
        ("boolean d=3 (all 256)", [C.boolean(3, t) for t in range(256)]),
        ("exactly-one d=3 m=3", [C.exactly_one(3, 3)]),
        ("parity4 (tree)", [C.parity(4)]),
    ]
