"""numba's cached kernels are dropped when any source they are compiled from changes, not
only the file that defines them (engine.kernels.check_cache); and a first compile of the
kernel compiles no version of a function that repeats another."""

from __future__ import annotations

from pathlib import Path

import numba
import pytest
from tooling import load_tool

from neuroemu.engine import kernels
from neuroemu.engine.kernels import STAMP, drop_stale_cache, sources_digest


def _cache(folder: Path) -> list[str]:
    for name in ("event.run_ticks-700.py311.nbi", "event.run_ticks-700.py311.1.nbc"):
        (folder / name).write_bytes(b"kernel")
    return sorted(p.name for p in folder.iterdir())


def test_kernels_cached_from_other_sources_are_dropped_and_the_same_ones_kept(tmp_path):
    (tmp_path / "notes.txt").write_text("not numba's")
    _cache(tmp_path)
    assert drop_stale_cache(tmp_path, "digest-1")  # no stamp: cached by an unknown source
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kernels.sources", "notes.txt"]
    assert (tmp_path / STAMP).read_text() == "digest-1"
    kept = _cache(tmp_path)
    assert not drop_stale_cache(tmp_path, "digest-1")
    assert sorted(p.name for p in tmp_path.iterdir()) == kept
    assert drop_stale_cache(tmp_path, "digest-2")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kernels.sources", "notes.txt"]


def test_a_cache_folder_not_made_yet_is_made_with_its_stamp(tmp_path):
    folder = tmp_path / "__pycache__"
    assert not drop_stale_cache(folder, "digest-1")
    assert (folder / STAMP).read_text() == "digest-1"


def test_the_digest_covers_every_module_the_kernels_use(tmp_path):
    names = {Path(p).name for p in kernels.SOURCES}
    assert {"event.py", "threaded.py", "xylo.py", "jit.py", "codes.py"} <= names
    copies = []
    for i, path in enumerate(kernels.SOURCES):
        copy = tmp_path / f"{i}_{Path(path).name}"
        copy.write_bytes(Path(path).read_bytes())
        copies.append(copy)
    assert sources_digest(copies) == sources_digest()
    threaded = next(c for c in copies if c.name.endswith("_threaded.py"))
    threaded.write_text(threaded.read_text() + "\n# an edit\n")
    assert sources_digest(copies) != sources_digest()


def test_importing_the_kernels_drops_what_other_sources_cached(tmp_path):
    """In a process with numba's cache in a folder of the test's own (NUMBA_CACHE_DIR):
    importing the kernel modules stamps their cache folder, and drops kernels cached
    there under another stamp."""
    import os
    import subprocess
    import sys

    code = ("from neuroemu.engine.kernels import event, xylo\n"
            "print(event.run_ticks._cache._cache_path)\n"
            "print(xylo.run_xylo_ticks._cache._cache_path)")
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}

    def folders():
        out = subprocess.run([sys.executable, "-c", code], env=env, check=True,
                             capture_output=True, text=True).stdout.split()
        return {Path(line) for line in out}

    made = folders()
    assert len(made) == 1 and tmp_path in next(iter(made)).parents
    folder = next(iter(made))
    assert (folder / STAMP).read_text() == sources_digest()
    (folder / STAMP).write_text("an older version")
    stale = _cache(folder)
    assert folders() == made
    assert sorted(p.name for p in folder.iterdir()) == [STAMP]
    assert len(stale) == 3 and (folder / STAMP).read_text() == sources_digest()


def test_every_module_a_kernel_imports_from_the_package_is_a_source():
    """A kernel module that starts using another module of the package (its functions or
    constants are compiled into the kernel) must add it to SOURCES."""
    import ast

    root = Path(kernels.__file__).resolve().parents[2]  # the package's folder, neuroemu/
    sources = {Path(p).resolve() for p in kernels.SOURCES}
    for path in Path(kernels.__file__).parent.glob("*.py"):
        package = path.resolve().relative_to(root).parent.parts
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = package[:len(package) - node.level + 1]
                parts = (*base, *(node.module or "").split(".")) if node.module else base
                module = root.joinpath(*parts)
                names = [module / f"{a.name}.py" for a in node.names] if not node.module \
                    else [module.with_suffix(".py")]
                for name in names:
                    if name.exists():
                        assert name.resolve() in sources, (path.name, name)


#: the kernel's functions that only its threaded version calls
THREADED_STEPS = tuple(f"neuroemu.engine.kernels.{name}" for name in (
    "threaded._deliver_part", "threaded.deliver", "threaded._whole_part",
    "threaded.update_whole", "threaded._tick_part", "threaded.deliver_update",
    "event._bucket_work", "event._most_synapses", "event._deliver_threaded",
    "event._update_whole_threaded", "event._visit_parts", "event._all_whole",
    "event._tick_whole_threaded", "event._sort_by_work"))


@pytest.mark.slow
def test_compiling_the_kernel_compiles_each_function_once_per_version(tmp_path):
    """The first run of the shipped example, and of the README's Xylo example on Xylo's
    kernel, each with numba's cache in an empty folder, compiles no version of a kernel
    function that repeats another (``tools/bench_compile.py``'s ``wasted_versions``):
    the 10 such versions the kernel once had made that run 8 to 15 s longer (6 runs,
    alternated). The example runs on the kernel's version without threads, which has no
    code of the threaded steps; on 2 threads, on the threaded version, which has it."""
    bench = load_tool("bench_compile")
    versions = bench.run_example(tmp_path / "example")["versions"]
    assert len(versions["neuroemu.engine.kernels.event.run_ticks"]) == 1
    assert len(versions["neuroemu.engine.kernels.event._deliver"]) == 1
    assert {name: versions[name] for name in THREADED_STEPS if versions[name]} == {}
    assert bench.wasted(versions) == {}
    if numba.config.NUMBA_NUM_THREADS >= 2:  # else it runs on one thread
        versions = bench.run_example(tmp_path / "threaded", bench.THREADED)["versions"]
        assert all(versions[name] for name in THREADED_STEPS)
        assert len(versions["neuroemu.engine.kernels.threaded._tick_part"]) == 1
        assert bench.wasted(versions) == {}
    # Xylo's kernel, on the README's Xylo example
    xylo = ('"models/xylo_example.h5", input="traces/nmnist_4.aedat", profile="xylo", '
            'crop=(1, 1, 32, 32), downsample=8, polarity="merge"')
    versions = bench.run_example(tmp_path / "xylo", xylo, "xylo")["versions"]
    assert len(versions["neuroemu.engine.kernels.xylo._deliver_xylo"]) == 1
    assert bench.wasted(versions) == {}
