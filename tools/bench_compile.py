"""The first run's wait for the event kernel's compile.

Runs the README's first example (``models/nmnist_cnn.h5`` on ``traces/nmnist_4.aedat``)
in a new process with numba's cache in a new, empty folder (``NUMBA_CACHE_DIR``), as a
user's first run after installing, then again in a new process with that cache, as every
later run: the baseline measured in the same run. Then the example on 2 threads with
that cache, which compiles the kernel's threaded version beside the other
(``engine.event.run_threads``; on a machine of one core it runs on one), and on 2
threads with a cache of its own, which compiles the threaded version alone, as every
first run did when the kernel had no other. Prints, for each, the process's wall time
and the kernel's compile or load time, and the first run's ratio to the later one; and
how many versions of the kernel's functions numba compiled that repeat another version
(a literal or uint64 where the other has the plain type or int64, see
:func:`wasted_versions`), which only lengthen the first run.

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

from neuroemu.engine.event import COMPILE_S, THREADED_ALONE_S, THREADED_COMPILE_S

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
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT,
                          capture_output=True, text=True)
    process_s = time.perf_counter() - t0
    if done.returncode != 0:
        raise RuntimeError(f"the run of ne.run({args}) failed:\n{done.stderr}")
    out = done.stdout
    return {"process_s": process_s, **json.loads(out.splitlines()[-1])}


def wasted_versions(signatures: list[tuple[str, ...]]) -> list[int]:
    """The versions of a function (numba's type names of their arguments) that repeat
    another, plainer one: the same but where this one takes a literal, the other takes
    its plain type (numba types a constant met first in a loop as a literal, before it
    knows the type of what is assigned to it later), or where this one takes uint64 the
    other takes int64 (a ``prange`` index). Versions for different literal values with no
    plain twin are not: the kernel specialises some calls on a constant on purpose. A
    literal specialised on purpose beside its plain version would be reported too (the
    kernel has none); versions made by numba's ``overload``, and array layouts, are not
    looked at."""
    def plain(name: str) -> str:
        if name.startswith("Literal[int]") or name == "uint64":
            return "int64"
        return "bool" if name.startswith("Literal[bool]") else name

    def repeats(v, w) -> bool:  # v is w but for literals or uint64 where w is plain
        return v != w and all(a == b or plain(a) == b for a, b in zip(v, w))
    return [i for i, v in enumerate(signatures) if any(repeats(v, w) for w in signatures)]


def wasted(versions: dict) -> dict:
    """:func:`wasted_versions` of each function of ``versions`` that has any."""
    found = {name: wasted_versions([tuple(s) for s in sigs]) for name, sigs in versions.items()}
    return {name: found[name] for name in found if found[name]}


#: the example on 2 threads
THREADED = EXAMPLE + ", threads=2"


def measure() -> dict:
    """One first run, one run after it and one on threads after them, with a cache of
    their own; and one first run on threads with another."""
    with tempfile.TemporaryDirectory() as cache:
        first = run_example(Path(cache))
        later = run_example(Path(cache))
        beside = run_example(Path(cache), THREADED)
    with tempfile.TemporaryDirectory() as cache:
        alone = run_example(Path(cache), THREADED)
    return {"first_process_s": first["process_s"], "first_compile_s": first["compile_s"],
            "later_process_s": later["process_s"], "later_load_s": later["compile_s"],
            "threaded_process_s": beside["process_s"], "threaded_compile_s": beside["compile_s"],
            "threaded_first_process_s": alone["process_s"],
            "threaded_first_compile_s": alone["compile_s"],
            "functions": len([v for v in first["versions"].values() if v]),
            "versions": sum(len(v) for v in first["versions"].values()),
            "wasted": sum(len(w) for w in wasted(first["versions"]).values()),
            "threaded_wasted": sum(len(w) for w in wasted(alone["versions"]).values())}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=1, help="first runs to measure (default 1)")
    ap.add_argument("--json", action="store_true", help="print the runs as JSON")
    args = ap.parse_args(argv)
    runs = []
    for i in range(args.runs):
        print(f"run {i + 1} of {args.runs}: compiling the kernel in new processes "
              f"(about {COMPILE_S + THREADED_COMPILE_S + THREADED_ALONE_S} s)",
              file=sys.stderr, flush=True)
        runs.append(measure())
    if args.json:
        print(json.dumps(runs))
        return 0
    for r in runs:
        print(f"first run {r['first_process_s']:.1f} s (kernel compiled in "
              f"{r['first_compile_s']:.1f} s: {r['versions']} versions of {r['functions']} "
              f"functions, {r['wasted']} of them repeats of another); a later run "
              f"{r['later_process_s']:.1f} s (kernel loaded in {r['later_load_s']:.2f} s); "
              f"the first is {r['first_process_s'] / r['later_process_s']:.1f}x as long; "
              f"on 2 threads after them {r['threaded_process_s']:.1f} s (threaded version "
              f"compiled in {r['threaded_compile_s']:.1f} s), alone "
              f"{r['threaded_first_process_s']:.1f} s (compiled in "
              f"{r['threaded_first_compile_s']:.1f} s; {r['threaded_wasted']} repeats)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
