"""The first run's wait for the event kernel's compile.

Runs the README's first example (``models/nmnist_cnn.h5`` on ``traces/nmnist_4.aedat``)
in a new process with numba's cache in a new, empty folder (``NUMBA_CACHE_DIR``), as a
user's first run after installing, then again in a new process with that cache, as every
later run: the baseline measured in the same run. Prints, for each, the process's wall
time and the kernel's compile or load time, and their ratio; and how many of the
kernel's functions numba compiled twice for one version of their arguments (a literal
or an unsigned type where the other version has the plain or signed one, see
:func:`wasted_versions`), which only lengthens the first run.

    python tools/bench_compile.py [--runs N] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: a run in the new process (``ne.run``'s arguments, the kernel's modules); prints the
#: kernel's compile (or load) seconds and the versions numba compiled of each function of
#: those modules in this process
RUN = """
import json
from numba.core.registry import CPUDispatcher
import neuroemu as ne
from neuroemu.engine.kernels import {modules}
res = ne.run({args})
print(json.dumps({{"compile_s": res.compile_s, "versions": {{
    f"{{m.__name__}}.{{k}}": [list(map(str, s)) for s in f.signatures]
    for m in ({modules},) for k, f in vars(m).items()
    if isinstance(f, CPUDispatcher) and f.__module__ == m.__name__}}}}))
"""
#: the README's first example, and the kernel it runs on
EXAMPLE = '"models/nmnist_cnn.h5", input="traces/nmnist_4.aedat"'
MODULES = "event, threaded"


def run_example(cache: Path, args: str = EXAMPLE, modules: str = MODULES) -> dict:
    """The example (or the run of ``ne.run(args)`` on the kernel of ``modules``) in a new
    process with numba's cache in ``cache``: the process's wall seconds (``process_s``),
    the kernel's compile or load seconds (``compile_s``) and the versions compiled of each
    kernel function (``versions``: none when loaded)."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
    code = RUN.format(args=args, modules=modules)
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    process_s = time.perf_counter() - t0
    return {"process_s": process_s, **json.loads(out.splitlines()[-1])}


def wasted_versions(signatures: list[tuple[str, ...]]) -> list[tuple[int, int]]:
    """The pairs of a function's compiled versions (numba's type names of its arguments)
    that are one version compiled twice: where they differ, one takes a literal where the
    other takes its plain type (numba types a constant met first in a loop as a literal,
    before it knows the type of what is assigned to it later), or one an unsigned int64
    where the other takes a signed one (a ``prange`` index). Versions for different
    literal values are not: the kernel specialises some calls on a constant on purpose."""
    def plain(name: str) -> str:
        if name.startswith("Literal[int]") or name == "uint64":
            return "int64"
        return "bool" if name.startswith("Literal[bool]") else name

    def same(a: str, b: str) -> bool:
        return a == b or (plain(a) == plain(b) and (
            a.startswith("Literal") != b.startswith("Literal") or {a, b} == {"int64", "uint64"}))
    return [(i, j) for i in range(len(signatures)) for j in range(i + 1, len(signatures))
            if all(same(a, b) for a, b in zip(signatures[i], signatures[j]))]


def wasted(versions: dict) -> dict:
    """:func:`wasted_versions` of each function of ``versions`` that has any."""
    found = {name: wasted_versions([tuple(s) for s in sigs]) for name, sigs in versions.items()}
    return {name: pairs for name, pairs in found.items() if pairs}


def measure() -> dict:
    """One first run and one run after it, with a cache of their own."""
    with tempfile.TemporaryDirectory() as cache:
        first = run_example(Path(cache))
        later = run_example(Path(cache))
    return {"first_process_s": first["process_s"], "first_compile_s": first["compile_s"],
            "later_process_s": later["process_s"], "later_load_s": later["compile_s"],
            "functions": len([v for v in first["versions"].values() if v]),
            "versions": sum(len(v) for v in first["versions"].values()),
            "wasted": sum(len(p) for p in wasted(first["versions"]).values())}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=1, help="first runs to measure (default 1)")
    ap.add_argument("--json", action="store_true", help="print the runs as JSON")
    args = ap.parse_args(argv)
    runs = []
    for i in range(args.runs):
        print(f"run {i + 1} of {args.runs}: compiling the kernel in a new process "
              "(about 40 s)", file=sys.stderr, flush=True)
        runs.append(measure())
    if args.json:
        print(json.dumps(runs))
        return 0
    for r in runs:
        print(f"first run {r['first_process_s']:.1f} s (kernel compiled in "
              f"{r['first_compile_s']:.1f} s: {r['versions']} versions of {r['functions']} "
              f"functions, {r['wasted']} compiled twice); a later run "
              f"{r['later_process_s']:.1f} s (kernel loaded in {r['later_load_s']:.2f} s); "
              f"the first is {r['first_process_s'] / r['later_process_s']:.1f}x as long")
    return 0


if __name__ == "__main__":
    sys.exit(main())
