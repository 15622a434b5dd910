"""What a piece of code imports: run it in a new Python process and look at sys.modules."""

from __future__ import annotations

import ast
import subprocess
import sys


def loaded_after(code: str, modules, *argv) -> list[str]:
    """Those of ``modules`` (dotted names) imported once ``code`` has run in a new Python
    process, with ``argv`` as its ``sys.argv[1:]``."""
    probe = f"{code}\nimport sys\nprint([m for m in {tuple(modules)!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", probe, *map(str, argv)], capture_output=True,
                         text=True, check=True).stdout
    return ast.literal_eval(out.strip().splitlines()[-1])
