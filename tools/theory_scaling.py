"""Regenerate the theory scaling tables and plots.

    python tools/theory_scaling.py [OUT_DIR]

writes into OUT_DIR (default: the current directory)

* ``theory_scaling.png`` / ``.json``: every family for d = 1..6 inputs and
  memories 1..3, the same as ``neuroemu theory scaling --d 1..6 --m 1..3
  --plot OUT_DIR/theory_scaling.png --json``;
* ``theory_memory.png`` / ``.json``: one input, memory m = 1..16, flat
  constructions up to 16 window bits, with a verification budget large enough
  that every point is verified on the chip (every train of every length):
  ``neuroemu theory scaling --d 1 --m 1..16 --max-bits 16 --verify-budget 1e11``
  (a minute or two on a 2-core machine).

Exit status 1 if any verified row mismatches.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

from neuroemu.cli import main as cli

RUNS = {
    "theory_scaling": ["--d", "1..6", "--m", "1..3"],
    "theory_memory": ["--d", "1", "--m", "1..16", "--max-bits", "16", "--verify-budget", "1e11"],
}


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else ".")
    out.mkdir(parents=True, exist_ok=True)
    status = 0
    for stem, args in RUNS.items():
        png, table = out / f"{stem}.png", out / f"{stem}.json"
        with open(table, "w") as fh, contextlib.redirect_stdout(fh):
            status |= cli(["theory", "scaling", *args, "--plot", str(png), "--json"])
        print(f"wrote {png} and {table}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
