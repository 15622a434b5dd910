"""What ``neuroemu theory`` prints, from the library: catalog_rows() and Verification.describe()."""

from __future__ import annotations

import json

from neuroemu.cli import main
from neuroemu.theory.catalog import CATALOG, build, catalog_rows
from neuroemu.theory.verify import Verification, verify


def test_catalog_rows_are_what_theory_list_prints(capsys):
    rows = catalog_rows()
    assert main(["theory", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == rows
    assert [r["name"] for r in rows] == list(CATALOG)
    by_name = {r["name"]: r for r in rows}
    assert by_name["xor"] == {"name": "xor", "example": "xor", "inputs": 2, "clock": False,
                              "delay": 2, "memory": 1, "neurons": 4, "weights": 7,
                              "expect": None, "description": CATALOG["xor"][0]}
    assert by_name["unit"]["expect"].startswith("finite h")
    assert by_name["boolean"]["example"] == "boolean3:0x96"
    assert by_name["clock"]["memory"] is None and by_name["not"]["clock"] is True


def test_describe_is_what_theory_verify_prints(capsys):
    r = verify(build("clock3", w="1/3"), 8)
    lines = r.describe()
    assert lines[:4] == [
        "clock3: 256 input trains run (literal); covers 256 of 256 trains of length 8 "
        "(exhaustive): 219 mismatches",
        "  1 neuron, 1 weight; output delay 1 tick; profile loihi (w_bits 8), "
        "integer network as built",
        "  all 256 input trains of length 8",
        "  first failure: clock3, literal #7: input [[1, 1, 1, 0, 0, 0, 0, 0]]; output ticks "
        "near tick 3: expected [3], got []",
    ]
    assert lines[4].endswith(" s, 1 emulator run, 9 ticks") and len(lines) == 5
    assert main(["theory", "verify", "clock", "--m", "3", "--w", "1/3", "--T", "8"]) == 1
    printed = capsys.readouterr().out.splitlines()
    assert printed[:4] == lines[:4] and printed[4].split(" s, ")[1] == "1 emulator run, 9 ticks"


def test_describe_of_a_family_that_does_not_map():
    r = Verification(construction="f", method="literal", T=2, d=1, cases=4, covers=4,
                     exhaustive=True, functions=3, mismatches=0, neurons=2, weights=3,
                     neurons_total=6, weights_total=9, delay=1, memory=1, window=None,
                     profile="loihi", w_bits=1, scale=0.5, ticks=12, runs=2, overflows=3,
                     seconds=0.25, failing_functions=[f"g{i}" for i in range(10)],
                     mapping_error="too many axons", note="n")
    assert r.describe() == [
        "f: 4 input trains run (literal) per function, 3 functions; covers 4 of 4 trains of "
        "length 2 (exhaustive): does not map",
        "  up to 2 neurons and 3 weights per function (6 and 9 in all); output delay 1 tick; "
        "profile loihi (w_bits 1), re-quantized, scale 0.5",
        "  n",
        "  mapping: too many axons",
        "  failing functions: g0, g1, g2, g3, g4, g5, g6, g7 and 2 more",
        "  0.25 s, 2 emulator runs, 12 ticks, 3 register overflows",
    ]
