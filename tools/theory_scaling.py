"""Regenerate the theory scaling table and plot.

    python tools/theory_scaling.py [OUT_DIR]

writes OUT_DIR/theory_scaling.png and OUT_DIR/theory_scaling.json (default
OUT_DIR: the current directory); the same as
``neuroemu theory scaling --d 1..6 --m 1..3 --plot OUT_DIR/theory_scaling.png --json``.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

from neuroemu.cli import main as cli


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else ".")
    out.mkdir(parents=True, exist_ok=True)
    png, table = out / "theory_scaling.png", out / "theory_scaling.json"
    with open(table, "w") as fh, contextlib.redirect_stdout(fh):
        status = cli(["theory", "scaling", "--d", "1..6", "--m", "1..3", "--plot", str(png),
                      "--json"])
    print(f"wrote {png} and {table}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
